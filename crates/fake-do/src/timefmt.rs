//! Timestamp formats the API uses: RFC 3339 with second precision for JSON
//! fields, and the HTTP-date (IMF-fixdate) for the `Date` header.

use jiff::Timestamp;

/// `2026-01-01T00:00:00Z`: UTC, whole seconds, `Z`, as the real API prints.
pub fn rfc3339(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `Thu, 01 Jan 2026 00:00:00 GMT`. Years outside 0..=9999 cannot be written
/// as an HTTP date; those fall back to RFC 3339 rather than failing.
pub fn http_date(ts: Timestamp) -> String {
    jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&ts)
        .unwrap_or_else(|_| rfc3339(ts))
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
