//! The AGE / INTERVAL grammar shared by `-s`, `-k` and `--simulate`: a whole number and a unit.
//!
//! The seed defined `m` as 30 days (not a calendar month, not minutes), so the tool keeps its own
//! small grammar instead of a general duration parser that would read `2m` differently.

use std::fmt;

/// A unit of the grammar, with its length in seconds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Unit {
    Minute,
    Hour,
    Day,
    Week,
    /// 30 days, as in the seed.
    Month,
    /// 365 days.
    Year,
}

impl Unit {
    const ALL: [Unit; 6] = [
        Unit::Minute,
        Unit::Hour,
        Unit::Day,
        Unit::Week,
        Unit::Month,
        Unit::Year,
    ];

    fn suffix(self) -> &'static str {
        match self {
            Unit::Minute => "min",
            Unit::Hour => "h",
            Unit::Day => "d",
            Unit::Week => "w",
            Unit::Month => "m",
            Unit::Year => "y",
        }
    }

    fn seconds(self) -> i64 {
        match self {
            Unit::Minute => 60,
            Unit::Hour => 3_600,
            Unit::Day => 86_400,
            Unit::Week => 7 * 86_400,
            Unit::Month => 30 * 86_400,
            Unit::Year => 365 * 86_400,
        }
    }
}

/// The units as the error messages and help text list them.
pub const UNITS_HELP: &str =
    "min (minutes), h (hours), d (days), w (weeks), m (months of 30 days), y (years of 365 days)";

/// A length of time written as `<count><unit>`, e.g. `3d`, `0h`, `2m`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Span {
    count: u64,
    unit: Unit,
    seconds: i64,
}

/// Why a piece of text is not a span.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpanError {
    #[error("it is empty; write a number and a unit, e.g. 3d; units: {UNITS_HELP}")]
    Empty,
    #[error("`{0}` has no number before its unit; write e.g. 3d; units: {UNITS_HELP}")]
    NoNumber(String),
    #[error("`{0}` has no unit; add one of {UNITS_HELP}")]
    NoUnit(String),
    #[error("`{text}` has an unknown unit `{unit}`; use {UNITS_HELP}")]
    UnknownUnit { text: String, unit: String },
    #[error("`{0}` is too long a time for this tool (over 10,000 years)")]
    TooLarge(String),
    #[error("`{0}` must be longer than zero")]
    Zero(String),
}

/// Anything longer than this is surely a typo, and keeping spans below it means adding one to
/// any instant the tool handles can never overflow.
const MAX_SECONDS: i64 = 10_000 * 365 * 86_400;

impl Span {
    /// Parses `<count><unit>` exactly: no sign, no spaces, no fractions.
    pub fn parse(text: &str) -> Result<Span, SpanError> {
        if text.is_empty() {
            return Err(SpanError::Empty);
        }
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        let (number, suffix) = text.split_at(digits);
        if number.is_empty() {
            return Err(SpanError::NoNumber(text.to_string()));
        }
        if suffix.is_empty() {
            return Err(SpanError::NoUnit(text.to_string()));
        }
        let unit = Unit::ALL
            .into_iter()
            .find(|u| u.suffix() == suffix)
            .ok_or_else(|| SpanError::UnknownUnit {
                text: text.to_string(),
                unit: suffix.to_string(),
            })?;
        let too_large = || SpanError::TooLarge(text.to_string());
        let count: u64 = number.parse().map_err(|_| too_large())?;
        let seconds = i64::try_from(count)
            .ok()
            .and_then(|c| c.checked_mul(unit.seconds()))
            .filter(|s| *s <= MAX_SECONDS)
            .ok_or_else(too_large)?;
        Ok(Span {
            count,
            unit,
            seconds,
        })
    }

    /// Parses a span that must be longer than zero.
    pub fn parse_positive(text: &str) -> Result<Span, SpanError> {
        let span = Span::parse(text)?;
        if span.seconds == 0 {
            return Err(SpanError::Zero(text.to_string()));
        }
        Ok(span)
    }

    /// Length in seconds.
    pub fn seconds(self) -> i64 {
        self.seconds
    }

    /// True when written in months (`m`), which a user may have meant as minutes.
    pub fn in_months(self) -> bool {
        self.unit == Unit::Month
    }

    /// The count as written (`30` for `30m`).
    pub fn count(self) -> u64 {
        self.count
    }
}

/// A length of time for people, in its two largest units: `3d 0h`, `2h 5min`, `4min`, `12 s`
/// (negative lengths get a leading `-`).
pub fn human(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    let (d, h, m) = (s / 86_400, s / 3_600 % 24, s / 60 % 60);
    if d > 0 {
        format!("{sign}{d}d {h}h")
    } else if h > 0 {
        format!("{sign}{h}h {m}min")
    } else if m > 0 {
        format!("{sign}{m}min")
    } else {
        format!("{sign}{s} s")
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.count, self.unit.suffix())
    }
}

/// Splits `A:B` into two spans; `first` and `second` name the halves in error messages.
pub fn parse_pair(text: &str, first: &str, second: &str) -> Result<(Span, Span), PairError> {
    let shape = || PairError::Shape {
        text: text.to_string(),
        first: first.to_string(),
        second: second.to_string(),
    };
    let (a, b) = text.split_once(':').ok_or_else(shape)?;
    if b.contains(':') || a.is_empty() || b.is_empty() {
        return Err(shape());
    }
    let half = |name: &str, part: &str| {
        Span::parse(part).map_err(|source| PairError::Half {
            name: name.to_string(),
            source,
        })
    };
    Ok((half(first, a)?, half(second, b)?))
}

/// A pair that is not two spans separated by one colon.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairError {
    #[error("`{text}` is not {first}:{second}; write two times joined by one colon, e.g. 1d:1w")]
    Shape {
        text: String,
        first: String,
        second: String,
    },
    #[error("{name} {source}")]
    Half { name: String, source: SpanError },
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lengths_for_people() {
        assert_eq!(human(3 * 86_400), "3d 0h");
        assert_eq!(human(86_400 + 7_300), "1d 2h");
        assert_eq!(human(7_500), "2h 5min");
        assert_eq!(human(299), "4min");
        assert_eq!(human(12), "12 s");
        assert_eq!(human(-90_000), "-1d 1h");
    }

    #[test]
    fn reads_every_unit() {
        let cases = [
            ("5min", 300),
            ("1h", 3_600),
            ("0d", 0),
            ("2w", 1_209_600),
            ("1m", 2_592_000),
            ("24m", 62_208_000),
            ("1y", 31_536_000),
            ("007d", 604_800),
        ];
        for (text, seconds) in cases {
            assert_eq!(Span::parse(text).unwrap().seconds(), seconds, "{text}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "d",
            "3",
            "-3d",
            "+3d",
            "3 d",
            " 3d",
            "3d ",
            "3D",
            "3x",
            "3days",
            "1.5d",
            "3mins",
            "3dd",
            "3m3",
            "99999999999999999999d",
            "10001y",
            "١d",
        ] {
            assert!(Span::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn error_messages_name_the_value_and_the_units() {
        let msg = Span::parse("3x").unwrap_err().to_string();
        assert!(msg.contains("`3x`") && msg.contains("unit `x`"), "{msg}");
        assert!(
            msg.contains("min (minutes)") && msg.contains("y (years"),
            "{msg}"
        );
        assert!(
            Span::parse("3")
                .unwrap_err()
                .to_string()
                .contains("no unit")
        );
        assert!(
            Span::parse_positive("0h")
                .unwrap_err()
                .to_string()
                .contains("longer than zero")
        );
    }

    #[test]
    fn pairs_need_exactly_one_colon_and_two_halves() {
        for bad in ["3d:", ":1w", "1w:2w:3w", "1w", ":", ""] {
            assert!(parse_pair(bad, "INTERVAL", "AGE").is_err(), "{bad:?}");
        }
        let (a, b) = parse_pair("1d:1w", "INTERVAL", "AGE").unwrap();
        assert_eq!((a.seconds(), b.seconds()), (86_400, 604_800));
        let msg = parse_pair("1d:1q", "INTERVAL", "AGE")
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("AGE `1q` has an unknown unit"), "{msg}");
    }

    proptest! {
        #[test]
        fn round_trips(count in 0u64..10_000, unit in 0usize..6) {
            let text = format!("{count}{}", Unit::ALL[unit].suffix());
            let span = Span::parse(&text).unwrap();
            prop_assert_eq!(span.to_string(), text);
            prop_assert_eq!(span.seconds(), count as i64 * Unit::ALL[unit].seconds());
        }

        #[test]
        fn never_panics(text in "\\PC{0,12}") {
            let _ = Span::parse(&text);
            let _ = parse_pair(&text, "A", "B");
        }
    }
}
