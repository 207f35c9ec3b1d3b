//! The three HTTP-date forms of the `Date` header (RFC 9110 §5.6.7).

use super::client::{control_post, get, send};
use super::fixtures::start;
use crate::timefmt::http_date;
use crate::{DateFormat, Seed};

/// RFC 9110's own example instant, a Sunday with a one-digit day.
fn rfc_example() -> Seed {
    Seed {
        now: "1994-11-06T08:49:37Z".parse().expect("timestamp"),
        ..Seed::default()
    }
}

#[test]
fn each_form_writes_the_rfc_example_exactly() {
    let ts = rfc_example().now;
    assert_eq!(
        http_date(ts, DateFormat::Imf),
        "Sun, 06 Nov 1994 08:49:37 GMT"
    );
    assert_eq!(
        http_date(ts, DateFormat::Rfc850),
        "Sunday, 06-Nov-94 08:49:37 GMT"
    );
    assert_eq!(
        http_date(ts, DateFormat::Asctime),
        "Sun Nov  6 08:49:37 1994"
    );
    let two_digit_day = "2026-01-15T23:05:09Z".parse().expect("timestamp");
    assert_eq!(
        http_date(two_digit_day, DateFormat::Asctime),
        "Thu Jan 15 23:05:09 2026"
    );
    assert_eq!(
        http_date(two_digit_day, DateFormat::Rfc850),
        "Thursday, 15-Jan-26 23:05:09 GMT"
    );
}

#[test]
fn seed_field_sets_the_form_of_every_v2_response() {
    let fake = start(Seed {
        date_format: DateFormat::Rfc850,
        ..rfc_example()
    });
    let expected = Some("Sunday, 06-Nov-94 08:49:37 GMT");
    assert_eq!(get(&fake, "/v2/account").header("date"), expected);
    let unauthorized = send(&fake, "GET", "/v2/account", None, None);
    assert_eq!(unauthorized.status, 401);
    assert_eq!(unauthorized.header("date"), expected, "errors too");
    assert_eq!(get(&fake, "/v2/nothing").header("date"), expected);
}

#[test]
fn library_and_control_api_switch_the_form() {
    let fake = start(rfc_example());
    assert_eq!(
        get(&fake, "/v2/account").header("date"),
        Some("Sun, 06 Nov 1994 08:49:37 GMT"),
        "imf by default"
    );
    fake.set_date_format(DateFormat::Asctime);
    assert_eq!(
        get(&fake, "/v2/account").header("date"),
        Some("Sun Nov  6 08:49:37 1994")
    );
    let set = control_post(&fake, "/_fake/date_format", r#"{"format": "rfc850"}"#);
    assert_eq!(set.status, 204);
    assert_eq!(
        get(&fake, "/v2/account").header("date"),
        Some("Sunday, 06-Nov-94 08:49:37 GMT")
    );
    let unknown = control_post(&fake, "/_fake/date_format", r#"{"format": "iso"}"#);
    assert_eq!(unknown.status, 400);
    control_post(&fake, "/_fake/date_format", r#"{"format": "imf"}"#);
    assert_eq!(
        get(&fake, "/v2/account").header("date"),
        Some("Sun, 06 Nov 1994 08:49:37 GMT")
    );
}

#[test]
fn json_names_are_lowercase() {
    let seed = Seed::from_json(r#"{"date_format": "asctime"}"#).expect("seed");
    assert_eq!(seed.date_format, DateFormat::Asctime);
    assert_eq!(Seed::default().date_format, DateFormat::Imf);
    let names: Vec<String> = [DateFormat::Imf, DateFormat::Rfc850, DateFormat::Asctime]
        .iter()
        .map(|f| serde_json::to_string(f).expect("json"))
        .collect();
    assert_eq!(names, [r#""imf""#, r#""rfc850""#, r#""asctime""#]);
}
