//! The two sliding-window rate limits of do-api.md §8: the hourly budget
//! (`ratelimit-*` headers) and the per-minute burst limit (`retry-after`).
//!
//! Each counted request uses up one unit of each window for 3600 and 60
//! *emulator* seconds, so a test can exhaust a budget and then `advance`
//! past it instead of waiting.

use std::collections::VecDeque;

use jiff::Timestamp;

use crate::timefmt::add_seconds;

/// How long one request counts against the hourly limit.
const HOUR_SECONDS: i64 = 3600;
/// How long one request counts against the burst limit.
const MINUTE_SECONDS: i64 = 60;

/// The requests still inside one window, oldest first. The emulator clock
/// moves in steps, so many requests share an instant: they are kept as runs
/// of (instant, count).
#[derive(Debug)]
struct Window {
    seconds: i64,
    hits: VecDeque<(Timestamp, u32)>,
    used: u64,
}

impl Window {
    fn new(seconds: i64) -> Window {
        Window {
            seconds,
            hits: VecDeque::new(),
            used: 0,
        }
    }

    /// Forgets requests that are `seconds` old or older at `now`.
    fn expire(&mut self, now: Timestamp) {
        while let Some(&(oldest, count)) = self.hits.front() {
            if self.leaves_at(oldest) <= now {
                self.hits.pop_front();
                self.used -= u64::from(count);
            } else {
                break;
            }
        }
    }

    fn record(&mut self, now: Timestamp) {
        match self.hits.back_mut() {
            Some((last, count)) if *last == now && *count < u32::MAX => *count += 1,
            _ => self.hits.push_back((now, 1)),
        }
        self.used += 1;
    }

    fn leaves_at(&self, hit: Timestamp) -> Timestamp {
        add_seconds(hit, self.seconds)
    }

    /// When the oldest request still counted stops counting; `now` if none.
    fn oldest_leaves_at(&self, now: Timestamp) -> Timestamp {
        self.hits
            .front()
            .map_or(now, |&(oldest, _)| self.leaves_at(oldest))
    }

    fn remaining(&self, limit: u32) -> u32 {
        let used = u32::try_from(self.used).unwrap_or(u32::MAX);
        limit.saturating_sub(used)
    }
}

/// What the `ratelimit-*` headers report for one response: always the
/// hourly window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateHeaders {
    pub limit: u32,
    pub remaining: u32,
    /// Unix seconds when the oldest counted request stops counting.
    pub reset: i64,
}

/// Why a request was refused with a 429.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Exceeded {
    /// The hourly budget is used up: no `retry-after`, the client learns
    /// when to come back from `ratelimit-reset`.
    Hourly,
    /// The burst limit: `retry-after` is this many whole seconds (at least
    /// 1), until the oldest request of the last minute leaves the window.
    Minute { retry_after: u64 },
}

/// Both limits, for the one token the emulator knows.
#[derive(Debug)]
pub struct RateLimits {
    /// Requests per hour; 0 refuses everything, as an empty budget would.
    pub per_hour: u32,
    /// Requests per minute; 0 turns the burst limit off.
    pub per_minute: u32,
    hour: Window,
    minute: Window,
}

impl RateLimits {
    pub fn new(per_hour: u32, per_minute: u32) -> RateLimits {
        RateLimits {
            per_hour,
            per_minute,
            hour: Window::new(HOUR_SECONDS),
            minute: Window::new(MINUTE_SECONDS),
        }
    }

    /// Forgets what has left each window at `now`.
    pub fn expire(&mut self, now: Timestamp) {
        self.hour.expire(now);
        self.minute.expire(now);
    }

    /// Counts a request made at `now` (after [`RateLimits::expire`]) against
    /// both windows, or says which limit refuses it, the hourly one first.
    /// A refused request is not counted. The minute window counts even while
    /// the burst limit is off, so turning it on sees the last minute.
    pub fn admit(&mut self, now: Timestamp) -> Result<(), Exceeded> {
        if self.hour.remaining(self.per_hour) == 0 {
            return Err(Exceeded::Hourly);
        }
        if self.per_minute > 0 && self.minute.remaining(self.per_minute) == 0 {
            let wait = self.minute.oldest_leaves_at(now).as_second() - now.as_second();
            let retry_after = u64::try_from(wait).unwrap_or(0).max(1);
            return Err(Exceeded::Minute { retry_after });
        }
        self.hour.record(now);
        self.minute.record(now);
        Ok(())
    }

    /// The hourly window as the headers describe it at `now`.
    pub fn headers(&self, now: Timestamp) -> RateHeaders {
        RateHeaders {
            limit: self.per_hour,
            remaining: self.hour.remaining(self.per_hour),
            reset: self.hour.oldest_leaves_at(now).as_second(),
        }
    }
}
