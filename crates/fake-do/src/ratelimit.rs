//! The hourly sliding-window rate limit (do-api.md §8).
//!
//! Each counted request uses up one unit for 3600 *emulator* seconds, so a
//! test can exhaust the budget and then `advance` past the reset instead of
//! waiting an hour.

use std::collections::VecDeque;

use jiff::Timestamp;

use crate::timefmt::add_seconds;

/// How long one request counts against the limit.
const WINDOW_SECONDS: i64 = 3600;

/// The timestamps of the requests still inside the window, oldest first.
#[derive(Debug)]
pub struct RateWindow {
    limit: u32,
    hits: VecDeque<Timestamp>,
}

/// What the `ratelimit-*` headers report for one response.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateHeaders {
    pub limit: u32,
    pub remaining: u32,
    /// Unix seconds when the oldest counted request stops counting.
    pub reset: i64,
}

impl RateWindow {
    pub fn new(limit: u32) -> RateWindow {
        RateWindow {
            limit,
            hits: VecDeque::new(),
        }
    }

    /// Forgets requests that are an hour old or older at `now`.
    pub fn expire(&mut self, now: Timestamp) {
        while let Some(&oldest) = self.hits.front() {
            if add_seconds(oldest, WINDOW_SECONDS) <= now {
                self.hits.pop_front();
            } else {
                break;
            }
        }
    }

    pub fn exhausted(&self) -> bool {
        self.remaining() == 0
    }

    pub fn record(&mut self, now: Timestamp) {
        self.hits.push_back(now);
    }

    fn remaining(&self) -> u32 {
        let used = u32::try_from(self.hits.len()).unwrap_or(u32::MAX);
        self.limit.saturating_sub(used)
    }

    pub fn headers(&self, now: Timestamp) -> RateHeaders {
        let reset = self
            .hits
            .front()
            .map_or(now, |&oldest| add_seconds(oldest, WINDOW_SECONDS));
        RateHeaders {
            limit: self.limit,
            remaining: self.remaining(),
            reset: reset.as_second(),
        }
    }
}
