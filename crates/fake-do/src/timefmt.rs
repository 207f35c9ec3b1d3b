//! Timestamp formats the API uses: RFC 3339 with second precision for JSON
//! fields, and an HTTP-date for the `Date` header.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The three forms of HTTP-date a recipient must accept (RFC 9110 §5.6.7).
/// Servers should send only the first, but old servers and proxies still
/// send the others, so a client's `Date` parsing can be tested against all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateFormat {
    /// IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`; what the API sends.
    #[default]
    Imf,
    /// The obsolete RFC 850 form, `Sunday, 06-Nov-94 08:49:37 GMT`: full
    /// weekday name and a two-digit year.
    Rfc850,
    /// The obsolete C `asctime()` form, `Sun Nov  6 08:49:37 1994`: no zone
    /// and the day padded with a space.
    Asctime,
}

/// `2026-01-01T00:00:00Z`: UTC, whole seconds, `Z`, as the real API prints.
pub fn rfc3339(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `ts` as an HTTP-date in `format`, always in UTC. Years outside 0..=9999
/// cannot be written as an HTTP date (the IMF printer refuses them); those
/// fall back to RFC 3339 in every form rather than failing.
pub fn http_date(ts: Timestamp, format: DateFormat) -> String {
    let Ok(imf) = jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&ts)
    else {
        return rfc3339(ts);
    };
    match format {
        DateFormat::Imf => imf,
        DateFormat::Rfc850 => ts.strftime("%A, %d-%b-%y %H:%M:%S GMT").to_string(),
        DateFormat::Asctime => ts.strftime("%a %b %e %H:%M:%S %Y").to_string(),
    }
}

/// Drops sub-second precision, so every timestamp the emulator stores prints
/// the same way it compares.
pub fn whole_seconds(ts: Timestamp) -> Timestamp {
    Timestamp::from_second(ts.as_second()).unwrap_or(ts)
}

/// `ts + seconds`, saturating at the ends of jiff's range instead of failing.
pub fn add_seconds(ts: Timestamp, seconds: i64) -> Timestamp {
    ts.saturating_add(jiff::SignedDuration::from_secs(seconds))
        .unwrap_or(ts)
}
