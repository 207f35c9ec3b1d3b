//! The per-minute burst limit: a sliding 60-second window on the emulator
//! clock, 429 with `retry-after`, beside the unchanged hourly limit; and the
//! count of 429s sent.

use super::client::{Reply, control_post, get, send};
use super::fixtures::{small_seed, start};
use crate::{Fault, FaultKind, Seed};

fn header(reply: &Reply, name: &str) -> i64 {
    reply.header(name).and_then(|v| v.parse().ok()).expect(name)
}

/// A seed with a burst limit small enough to reach in a few requests.
fn per_minute(limit: u32) -> Seed {
    Seed {
        rate_limit_per_minute: limit,
        ..small_seed()
    }
}

/// Asserts a burst-limit refusal and returns its `retry-after`.
fn assert_burst_429(reply: &Reply) -> i64 {
    assert_eq!(reply.status, 429, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["id"], "too_many_requests");
    assert_eq!(body["message"], "API rate limit exceeded.");
    assert_eq!(body["request_id"].as_str(), reply.header("x-request-id"));
    assert_eq!(header(reply, "ratelimit-remaining"), 0);
    header(reply, "retry-after")
}

#[test]
fn default_allows_250_requests_in_one_instant_then_refuses_with_retry_after() {
    let fake = start(Seed::default());
    let start_second = fake.now().as_second();
    for n in 1..=250 {
        let reply = get(&fake, "/v2/account");
        assert_eq!(reply.status, 200, "request {n}");
        assert_eq!(reply.header("retry-after"), None);
        assert_eq!(header(&reply, "ratelimit-remaining"), 5000 - n);
    }
    let refused = get(&fake, "/v2/account");
    assert_eq!(assert_burst_429(&refused), 60, "the oldest leaves in 60 s");
    assert_eq!(
        header(&refused, "ratelimit-limit"),
        5000,
        "the hourly limit"
    );
    assert_eq!(
        header(&refused, "ratelimit-reset"),
        start_second + 3600,
        "the hourly reset"
    );

    fake.advance(59);
    assert_eq!(assert_burst_429(&get(&fake, "/v2/droplets")), 1);
    fake.advance(1);
    let again = get(&fake, "/v2/account");
    assert_eq!(again.status, 200);
    assert_eq!(again.header("retry-after"), None);
    assert_eq!(
        header(&again, "ratelimit-remaining"),
        5000 - 251,
        "the two 429s did not count against the hour"
    );
    assert_eq!(fake.too_many_requests(), 2);
}

#[test]
fn the_window_slides_with_the_emulator_clock() {
    let fake = start(per_minute(3));
    for _ in 0..3 {
        assert_eq!(get(&fake, "/v2/account").status, 200);
        fake.advance(20);
    }
    // At 60 s the first request (0 s) has left; the others (20 s, 40 s)
    // have not.
    assert_eq!(get(&fake, "/v2/account").status, 200);
    fake.advance(1);
    assert_eq!(
        assert_burst_429(&get(&fake, "/v2/account")),
        19,
        "until the request of 20 s leaves at 80 s"
    );
    fake.advance(18);
    assert_eq!(assert_burst_429(&get(&fake, "/v2/account")), 1);
    fake.advance(1);
    assert_eq!(get(&fake, "/v2/account").status, 200);
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429, 200]);
}

#[test]
fn refused_and_unauthenticated_requests_do_not_count() {
    let fake = start(per_minute(2));
    for _ in 0..3 {
        assert_eq!(send(&fake, "GET", "/v2/account", None, None).status, 401);
    }
    assert_eq!(get(&fake, "/v2/account").status, 200);
    assert_eq!(get(&fake, "/v2/account").status, 200);
    for _ in 0..3 {
        assert_burst_429(&get(&fake, "/v2/account"));
    }
    let unauthenticated = send(&fake, "GET", "/v2/account", None, None);
    assert_eq!(unauthenticated.status, 401, "auth comes first");
    assert_eq!(unauthenticated.header("retry-after"), None);
    // Only the two 200s counted: a minute later both slots are free.
    fake.advance(60);
    assert_eq!(get(&fake, "/v2/account").status, 200);
    let second = get(&fake, "/v2/account");
    assert_eq!(second.status, 200);
    assert_eq!(header(&second, "ratelimit-remaining"), 5000 - 4);
    assert_burst_429(&get(&fake, "/v2/account"));
}

#[test]
fn a_used_up_hour_wins_over_the_burst_limit_and_has_no_retry_after() {
    let fake = start(Seed {
        rate_limit_per_hour: 2,
        rate_limit_per_minute: 2,
        ..small_seed()
    });
    get(&fake, "/v2/account");
    get(&fake, "/v2/account");
    let refused = get(&fake, "/v2/account");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("retry-after"), None, "the hour is used up");
    assert_eq!(refused.header("ratelimit-remaining"), Some("0"));
    // A minute later the burst window is empty but the hour is not.
    fake.advance(60);
    let refused = get(&fake, "/v2/account");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("retry-after"), None);
}

#[test]
fn zero_turns_the_burst_limit_off() {
    let fake = start(per_minute(0));
    for n in 0..300 {
        let reply = get(&fake, "/v2/account");
        assert_eq!(reply.status, 200, "request {n}");
    }
    assert_eq!(fake.too_many_requests(), 0);
}

#[test]
fn setters_change_the_limits_and_the_last_minute_still_counts() {
    let fake = start(per_minute(0));
    for _ in 0..5 {
        assert_eq!(get(&fake, "/v2/account").status, 200);
    }
    fake.set_rate_limit_per_minute(5);
    assert_eq!(
        assert_burst_429(&get(&fake, "/v2/account")),
        60,
        "the requests made while it was off count"
    );
    fake.set_rate_limit_per_minute(6);
    assert_eq!(get(&fake, "/v2/account").status, 200);
    fake.set_rate_limit_per_minute(0);
    assert_eq!(get(&fake, "/v2/account").status, 200);

    // Seven requests counted so far.
    fake.set_rate_limit_per_hour(8);
    let full = get(&fake, "/v2/account");
    assert_eq!(header(&full, "ratelimit-limit"), 8);
    assert_eq!(header(&full, "ratelimit-remaining"), 0);
    let refused = get(&fake, "/v2/account");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("retry-after"), None);
}

#[test]
fn rate_limits_over_http() {
    let fake = start(small_seed());
    let state = send(&fake, "GET", "/_fake/state", None, None).json();
    assert_eq!(state["rate_limit"]["per_hour"], 5000);
    assert_eq!(state["rate_limit"]["per_minute"], 250);
    assert_eq!(state["too_many_requests"], 0);

    let set = control_post(&fake, "/_fake/rate_limit", r#"{"per_minute": 1}"#);
    assert_eq!(set.status, 204);
    assert_eq!(get(&fake, "/v2/account").status, 200);
    assert_eq!(assert_burst_429(&get(&fake, "/v2/account")), 60);
    // The control API is not rate limited.
    let state = send(&fake, "GET", "/_fake/state", None, None).json();
    assert_eq!(state["rate_limit"]["per_minute"], 1);
    assert_eq!(state["rate_limit"]["per_hour"], 5000, "left as it was");
    assert_eq!(state["too_many_requests"], 1);

    let both = r#"{"per_minute": 0, "per_hour": 1}"#;
    assert_eq!(control_post(&fake, "/_fake/rate_limit", both).status, 204);
    let refused = get(&fake, "/v2/account");
    assert_eq!(refused.status, 429, "the hour (1) is used up");
    assert_eq!(refused.header("retry-after"), None);
    assert_eq!(control_post(&fake, "/_fake/rate_limit", "{}").status, 204);
    let state = send(&fake, "GET", "/_fake/state", None, None).json();
    assert_eq!(state["rate_limit"]["per_hour"], 1, "{{}} changes nothing");
    assert_eq!(state["rate_limit"]["per_minute"], 0);

    for bad in [
        r#"{"per_minute": -1}"#,
        r#"{"per_minute": "5"}"#,
        r#"{"per_minit": 5}"#,
        "[",
    ] {
        let reply = control_post(&fake, "/_fake/rate_limit", bad);
        assert_eq!(reply.status, 400, "{bad}");
        assert_eq!(reply.json()["id"], "bad_request");
    }
}

#[test]
fn too_many_requests_counts_every_429_sent_and_survives_clear_requests() {
    let fake = start(Seed {
        rate_limit_per_hour: 3,
        rate_limit_per_minute: 2,
        ..small_seed()
    });
    fake.add_fault(Fault {
        times: 1,
        ..Fault::new(FaultKind::Status {
            status: 429,
            retry_after: Some(7),
            body: None,
        })
    });
    assert_eq!(get(&fake, "/v2/account").header("retry-after"), Some("7"));
    get(&fake, "/v2/account");
    assert_eq!(
        assert_burst_429(&get(&fake, "/v2/account")),
        60,
        "the faulted request counted"
    );
    fake.advance(60);
    get(&fake, "/v2/account");
    assert_eq!(get(&fake, "/v2/account").status, 429, "the hour (3)");
    assert_eq!(fake.too_many_requests(), 3);
    let logged = fake.requests().iter().filter(|r| r.status == 429).count();
    assert_eq!(logged, 3, "the log tells the same until it is cleared");
    fake.clear_requests();
    assert_eq!(fake.too_many_requests(), 3);
}
