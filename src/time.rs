//! Instants as whole seconds since the Unix epoch, UTC.
//!
//! The core reasons about time with plain integers: the API gives second precision, and integer
//! arithmetic keeps a simulation of hundreds of thousands of runs fast. jiff is used only at the
//! edges, to parse RFC 3339 text; formatting is done here because it sits on the simulator's hot
//! path (every new snapshot name carries a timestamp).

use std::fmt;

/// Seconds since 1970-01-01T00:00:00Z.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// Why a piece of text is not an acceptable instant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an RFC 3339 time in the years 1 to 9998, such as 2026-01-31T04:00:00Z")]
pub struct TimestampError {
    text: String,
}

/// The earliest and latest instants the tool will handle (years 1 to 9999), so that every
/// instant formats as a four-digit year.
const MIN_SECOND: i64 = -62_135_596_800;
const MAX_SECOND: i64 = 253_402_300_799;

impl Timestamp {
    /// 1970-01-01T00:00:00Z.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// An instant from Unix seconds, or `None` outside years 1..=9999.
    pub fn from_second(second: i64) -> Option<Timestamp> {
        (MIN_SECOND..=MAX_SECOND)
            .contains(&second)
            .then_some(Timestamp(second))
    }

    /// Unix seconds.
    pub fn as_second(self) -> i64 {
        self.0
    }

    /// Parses RFC 3339 text (any offset; fractional seconds are truncated).
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        text.parse::<jiff::Timestamp>()
            .ok()
            .and_then(|t| Timestamp::from_second(t.as_second()))
            .ok_or_else(|| TimestampError {
                text: text.to_string(),
            })
    }

    /// Parses an HTTP-date in any of its three legal forms (RFC 9110 §5.6.7): IMF-fixdate
    /// `Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`
    /// and asctime `Sun Nov  6 08:49:37 1994`. The weekday is not checked. A two-digit year is
    /// 20yy below 70, else 19yy.
    pub fn parse_http_date(text: &str) -> Option<Timestamp> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let (day, month, year, time) = match words.as_slice() {
            [_, day, month, year, time, "GMT"] => (*day, *month, *year, *time),
            [_, date, time, "GMT"] => {
                let mut parts = date.split('-');
                let (day, month, yy) = (parts.next()?, parts.next()?, parts.next()?);
                if parts.next().is_some() || yy.len() != 2 {
                    return None;
                }
                let yy: i64 = yy.parse().ok()?;
                let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
                return Civil::from_http(day, month, year, time)?.to_timestamp();
            }
            [_, month, day, time, year] => (*day, *month, *year, *time),
            _ => return None,
        };
        if year.len() != 4 {
            return None;
        }
        Civil::from_http(day, month, year.parse().ok()?, time)?.to_timestamp()
    }

    /// The instant `seconds` later, or `None` past year 9999.
    pub fn checked_add(self, seconds: i64) -> Option<Timestamp> {
        self.0.checked_add(seconds).and_then(Timestamp::from_second)
    }

    /// Seconds from `earlier` to `self` (negative when `earlier` is later).
    pub fn since(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }

    /// The compact form used in snapshot names: `20181009T014736Z`.
    pub fn compact(self) -> String {
        let mut out = String::with_capacity(16);
        self.push_compact(&mut out);
        out
    }

    /// Appends the compact form to `out` without the formatting machinery (it names every
    /// snapshot a simulation takes).
    pub fn push_compact(self, out: &mut String) {
        let c = Civil::from(self);
        let mut buf = *b"00000000T000000Z";
        let pairs = [
            (0, c.year / 100),
            (2, c.year % 100),
            (4, c.month),
            (6, c.day),
            (9, c.hour),
            (11, c.minute),
            (13, c.second),
        ];
        for (at, value) in pairs {
            // Every field is 0..=99 here (years are 1..=9999), so each fits two digits.
            let value = u8::try_from(value).unwrap_or(0);
            buf[at] = b'0' + value / 10;
            buf[at + 1] = b'0' + value % 10;
        }
        out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
    }

    /// Reads the compact form back; `None` unless `text` is exactly `YYYYMMDDTHHMMSSZ` with a
    /// valid date and time.
    pub fn parse_compact(text: &str) -> Option<Timestamp> {
        Civil::from_compact(text).and_then(|c| c.to_timestamp())
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with a `Z`, second precision: `2018-10-09T01:47:36Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = Civil::from(*self);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A proleptic Gregorian date and time of day in UTC.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

/// True when all eight bytes are ASCII digits: each byte's high nibble is 3, and adding 6
/// does not carry into it.
fn are_digits(x: u64) -> bool {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    x & HIGH == THREES && x.wrapping_add(0x0606_0606_0606_0606) & HIGH == THREES
}

/// The value of eight ASCII digits loaded little-endian (first digit in the lowest byte), or
/// `None` if any byte is not a digit.
fn eight_digits(x: u64) -> Option<u32> {
    if !are_digits(x) {
        return None;
    }
    let digits = x.wrapping_sub(0x3030_3030_3030_3030);
    // Combine pairs, then pairs of pairs: byte i holds digit i (little-endian load).
    let pairs = (digits * 10 + (digits >> 8)) & 0x00FF_00FF_00FF_00FF;
    let quads = (pairs * 100 + (pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
    let value = (quads * 10_000 + (quads >> 32)) & 0xFFFF_FFFF;
    u32::try_from(value).ok()
}

/// Days from 0000-03-01 to 1970-01-01: counting years from March puts the leap day last.
const EPOCH_SHIFT_DAYS: i64 = 719_468;
/// Days in a 400-year Gregorian cycle.
const CYCLE_DAYS: i64 = 146_097;

impl From<Timestamp> for Civil {
    fn from(t: Timestamp) -> Civil {
        let days = t.0.div_euclid(86_400);
        let secs = t.0.rem_euclid(86_400);
        let shifted = days + EPOCH_SHIFT_DAYS;
        let cycle = shifted.div_euclid(CYCLE_DAYS);
        let day_of_cycle = shifted.rem_euclid(CYCLE_DAYS);
        let year_of_cycle = (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36_524
            - day_of_cycle / 146_096)
            / 365;
        let day_of_year =
            day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
        let month_from_march = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
        let month = if month_from_march < 10 {
            month_from_march + 3
        } else {
            month_from_march - 9
        };
        let year = year_of_cycle + cycle * 400 + i64::from(month <= 2);
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
        }
    }
}

impl Civil {
    /// Reads `YYYYMMDDTHHMMSSZ`, checking the date and time are real. Reads the date's eight
    /// digits, and the time's six, each as one integer: this runs for every snapshot of every
    /// simulated run.
    fn from_compact(text: &str) -> Option<Civil> {
        let b: &[u8; 16] = text.as_bytes().try_into().ok()?;
        if b[8] != b'T' || b[15] != b'Z' {
            return None;
        }
        let (date, time) = b.split_at(8);
        let date = eight_digits(u64::from_le_bytes(date.try_into().ok()?))?;
        // "THHMMSSZ" with T and Z turned into zeros reads as HHMMSS0 (the leading 0 is harmless).
        let time = u64::from_le_bytes(time.try_into().ok()?);
        let time = eight_digits((time & 0x00FF_FFFF_FFFF_FF00) | 0x3000_0000_0000_0030)? / 10;
        let c = Civil {
            year: i64::from(date / 10_000),
            month: i64::from(date / 100 % 100),
            day: i64::from(date % 100),
            hour: i64::from(time / 10_000),
            minute: i64::from(time / 100 % 100),
            second: i64::from(time % 100),
        };
        c.is_valid().then_some(c)
    }

    /// A date from an HTTP-date's pieces: day `6` or `06`, month `Nov`, time `08:49:37`.
    fn from_http(day: &str, month: &str, year: i64, time: &str) -> Option<Civil> {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let number = |text: &str| -> Option<i64> {
            (matches!(text.len(), 1 | 2) && text.bytes().all(|b| b.is_ascii_digit()))
                .then(|| text.parse().ok())
                .flatten()
        };
        let mut hms = time.split(':');
        let (hour, minute, second) = (hms.next()?, hms.next()?, hms.next()?);
        if hms.next().is_some() || [hour, minute, second].iter().any(|p| p.len() != 2) {
            return None;
        }
        let month = MONTHS.iter().position(|m| *m == month)?;
        let c = Civil {
            year,
            month: i64::try_from(month).ok()? + 1,
            day: number(day)?,
            hour: number(hour)?,
            minute: number(minute)?,
            second: number(second)?,
        };
        (c.is_valid() && (1..=9999).contains(&year)).then_some(c)
    }

    fn is_valid(&self) -> bool {
        let leap = || self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0);
        let month_days = match self.month {
            2 if leap() => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (1..=12).contains(&self.month)
            && (1..=month_days).contains(&self.day)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60
    }

    fn to_timestamp(&self) -> Option<Timestamp> {
        let year = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let cycle = year.div_euclid(400);
        let year_of_cycle = year.rem_euclid(400);
        let month_from_march = (self.month + 9) % 12;
        let day_of_year = (153 * month_from_march + 2) / 5 + self.day - 1;
        let day_of_cycle =
            year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;
        let days = cycle * CYCLE_DAYS + day_of_cycle - EPOCH_SHIFT_DAYS;
        Timestamp::from_second(days * 86_400 + self.hour * 3600 + self.minute * 60 + self.second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_the_seed_example() {
        let t = Timestamp::parse("2018-10-09T01:47:36Z").unwrap();
        assert_eq!(t.to_string(), "2018-10-09T01:47:36Z");
        assert_eq!(t.compact(), "20181009T014736Z");
        assert_eq!(Timestamp::parse_compact("20181009T014736Z"), Some(t));
    }

    #[test]
    fn rejects_malformed_compact_times() {
        for bad in [
            "",
            "20181009T014736",
            "20181009 014736Z",
            "2018100xT014736Z",
            "20180230T000000Z",
            "20181009T246000Z",
            "+0181009T014736Z",
            "20181009T014736Zx",
        ] {
            assert_eq!(Timestamp::parse_compact(bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_all_three_http_date_forms() {
        let want = Timestamp::parse("1994-11-06T08:49:37Z").unwrap();
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun Nov 06 08:49:37 1994",
        ] {
            assert_eq!(Timestamp::parse_http_date(text), Some(want), "{text}");
        }
        assert_eq!(
            Timestamp::parse_http_date("Wednesday, 02-Dec-26 18:00:00 GMT"),
            Timestamp::parse("2026-12-02T18:00:00Z").ok()
        );
        for bad in [
            "",
            "yesterday",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sun Nov  6 8:49:37 1994",
            "Sun Xyz  6 08:49:37 1994",
            "Sun, 06 Nov 94 08:49:37 GMT",
        ] {
            assert_eq!(Timestamp::parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_offsets_and_rejects_garbage() {
        let t = Timestamp::parse("2020-01-01T02:00:00+02:00").unwrap();
        assert_eq!(t.to_string(), "2020-01-01T00:00:00Z");
        assert!(Timestamp::parse("yesterday").is_err());
        assert!(Timestamp::parse("").is_err());
    }

    /// Every day a timestamp can name, from 0001-01-01 to 9999-12-31, is the date jiff gives.
    #[test]
    fn every_date_agrees_with_jiff() {
        let mut date = jiff::civil::date(1, 1, 1);
        for day in MIN_SECOND.div_euclid(86_400)..=MAX_SECOND.div_euclid(86_400) {
            let c = Civil::from(Timestamp(day * 86_400 + 86_399));
            let theirs = (
                i64::from(date.year()),
                i64::from(date.month()),
                i64::from(date.day()),
            );
            assert_eq!((c.year, c.month, c.day), theirs, "day {day}");
            assert_eq!((c.hour, c.minute, c.second), (23, 59, 59));
            date = date.tomorrow().unwrap_or(date);
        }
        assert_eq!(date, jiff::civil::date(9999, 12, 31));
    }

    proptest! {
        #[test]
        fn agrees_with_jiff(second in MIN_SECOND..=MAX_SECOND) {
            let ours = Timestamp::from_second(second).unwrap();
            let theirs = jiff::Timestamp::from_second(second).unwrap();
            prop_assert_eq!(ours.to_string(), theirs.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
            prop_assert_eq!(Timestamp::parse_compact(&ours.compact()), Some(ours));
            prop_assert_eq!(ours.compact(), theirs.strftime("%Y%m%dT%H%M%SZ").to_string());
        }
    }
}
