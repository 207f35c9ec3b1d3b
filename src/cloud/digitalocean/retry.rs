//! When to try a request again, and how long to wait first. Pure: the caller supplies the
//! attempt number, what went wrong, and a random number for the jitter.
//!
//! Follows godo's rules (see the API notes): retry 429, every 5xx but 501, and transport
//! failures; on 429 or 503 wait as `Retry-After` says (or until `ratelimit-reset`); otherwise
//! back off exponentially from 1 s, capped at 30 s, here with jitter so that many cron jobs
//! started on the same minute do not retry in lockstep. The whole wait is bounded.

use std::time::Duration;

/// Tries in all, the first included (godo: 1 + 4 retries).
pub const MAX_ATTEMPTS: u32 = 5;
/// The longest the tool waits in total for retries within one request.
pub const MAX_TOTAL_WAIT: Duration = Duration::from_secs(300);
const BASE: Duration = Duration::from_secs(1);
const CAP: Duration = Duration::from_secs(30);

/// What went wrong with one try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// An HTTP status, with the waits the response asked for (seconds).
    Status {
        status: u16,
        retry_after: Option<u64>,
        until_reset: Option<u64>,
    },
    /// No usable response: connection refused, timeout, a body cut short.
    Transport,
    /// The request could not even be built (a header the HTTP library refuses): sending it
    /// again would fail the same way.
    Unsendable,
}

/// Whether a failure is worth another try at all.
pub fn retryable(failure: Failure) -> bool {
    match failure {
        Failure::Status { status, .. } => status == 429 || (status >= 500 && status != 501),
        Failure::Transport => true,
        Failure::Unsendable => false,
    }
}

/// Why no further try is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GiveUp {
    NotRetryable,
    OutOfTries,
    /// The API asked for a wait longer than the time left for waiting.
    WaitTooLong(Duration),
}

/// The wait before try `attempt + 1` (attempts count from 1), or why to give up. `waited` is
/// the time already spent waiting on this request; `random` is any number, used for jitter.
pub fn delay(
    attempt: u32,
    failure: Failure,
    waited: Duration,
    random: u64,
) -> Result<Duration, GiveUp> {
    if !retryable(failure) {
        return Err(GiveUp::NotRetryable);
    }
    if attempt >= MAX_ATTEMPTS {
        return Err(GiveUp::OutOfTries);
    }
    let asked = match failure {
        Failure::Status {
            status: 429 | 503,
            retry_after,
            until_reset,
        } => retry_after.or(until_reset).map(Duration::from_secs),
        _ => None,
    };
    let wait = asked.unwrap_or_else(|| {
        let full = BASE.saturating_mul(1 << (attempt - 1).min(16)).min(CAP);
        // Jitter: somewhere between half and all of the full wait.
        let half = full / 2;
        let spread = u64::try_from(half.as_millis()).unwrap_or(u64::MAX).max(1);
        half + Duration::from_millis(random % spread)
    });
    if waited.saturating_add(wait) > MAX_TOTAL_WAIT {
        return Err(GiveUp::WaitTooLong(wait));
    }
    Ok(wait)
}

/// Below this many requests left in the hour, the client slows down instead of running into 429s.
pub const PACE_BELOW: u64 = 50;

/// A pause before the next request, spreading what is left of the hourly allowance over the
/// time until it resets: `remaining` requests may be made in `until_reset` seconds.
pub fn pace(remaining: u64, until_reset: u64) -> Option<Duration> {
    if remaining >= PACE_BELOW {
        return None;
    }
    let per_request = until_reset as f64 / (remaining.max(1) as f64);
    Some(Duration::from_secs_f64(per_request.clamp(0.5, 60.0)))
}

/// DigitalOcean's burst limit: 250 requests in any minute per token, on top of the hourly 5,000.
/// The headers do not show it (only a 429 does), so the client keeps under it by itself: a
/// bucket of `BURST` requests that refills at `PER_MINUTE` a minute. In any minute at most
/// `BURST + PER_MINUTE` go out, which stays under 250, and a long run is spread evenly over the
/// minutes instead of bursting into the limit and waiting out 429s.
#[derive(Debug)]
pub struct Burst {
    tokens: f64,
    /// When the bucket was last refilled, by the sleeper's clock.
    at: Duration,
}

/// Requests that may go out at once.
pub const BURST: f64 = 50.0;
/// Requests a minute once the bucket is empty.
pub const PER_MINUTE: f64 = 195.0;

impl Default for Burst {
    fn default() -> Self {
        Burst {
            tokens: BURST,
            at: Duration::ZERO,
        }
    }
}

impl Burst {
    /// How long to wait, at `now`, before the next request may go out; then counts it.
    pub fn take(&mut self, now: Duration) -> Option<Duration> {
        let rate = PER_MINUTE / 60.0;
        let elapsed = now.saturating_sub(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(BURST);
        self.at = now;
        let wait = (self.tokens < 1.0).then(|| Duration::from_secs_f64((1.0 - self.tokens) / rate));
        // The request goes out after the wait, by which time its token has come.
        self.tokens -= 1.0;
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burst_bucket_keeps_any_minute_under_250_requests() {
        let mut bucket = Burst::default();
        let mut now = Duration::ZERO;
        let mut sent = Vec::new();
        for _ in 0..2_000 {
            if let Some(wait) = bucket.take(now) {
                now += wait;
            }
            sent.push(now);
            // Each request itself takes a moment.
            now += Duration::from_millis(20);
        }
        let most = sent
            .iter()
            .map(|start| {
                sent.iter()
                    .filter(|t| **t >= *start && **t < *start + Duration::from_secs(60))
                    .count()
            })
            .max()
            .unwrap();
        assert!(most <= 250, "{most} in a minute");
        // And spread, not bursts: 2,000 requests take about (2,000 - 50) / 195 minutes.
        let minutes = sent.last().unwrap().as_secs_f64() / 60.0;
        assert!((9.5..10.5).contains(&minutes), "{minutes}");
    }

    fn status(status: u16) -> Failure {
        Failure::Status {
            status,
            retry_after: None,
            until_reset: None,
        }
    }

    #[test]
    fn retries_what_godo_retries() {
        for s in [429, 500, 502, 503, 504, 599] {
            assert!(retryable(status(s)), "{s}");
        }
        for s in [400, 401, 403, 404, 422, 501] {
            assert!(!retryable(status(s)), "{s}");
        }
        assert!(retryable(Failure::Transport));
        // A request that cannot even be built fails the same way every time.
        assert!(!retryable(Failure::Unsendable));
        assert_eq!(
            delay(1, Failure::Unsendable, Duration::ZERO, 0),
            Err(GiveUp::NotRetryable)
        );
    }

    #[test]
    fn backs_off_exponentially_with_jitter_and_a_cap() {
        for (attempt, full) in [(1, 1), (2, 2), (3, 4), (4, 8)] {
            for random in [0, 7, 999_999] {
                let d = delay(attempt, status(500), Duration::ZERO, random).unwrap();
                let full = Duration::from_secs(full);
                assert!(d >= full / 2 && d <= full, "{attempt}: {d:?}");
            }
        }
        assert_eq!(
            delay(MAX_ATTEMPTS, status(500), Duration::ZERO, 0),
            Err(GiveUp::OutOfTries)
        );
        assert_eq!(
            delay(1, status(404), Duration::ZERO, 0),
            Err(GiveUp::NotRetryable)
        );
    }

    #[test]
    fn honours_retry_after_then_ratelimit_reset() {
        let f = Failure::Status {
            status: 429,
            retry_after: Some(29),
            until_reset: Some(100),
        };
        assert_eq!(delay(1, f, Duration::ZERO, 0), Ok(Duration::from_secs(29)));
        let f = Failure::Status {
            status: 429,
            retry_after: None,
            until_reset: Some(12),
        };
        assert_eq!(delay(1, f, Duration::ZERO, 0), Ok(Duration::from_secs(12)));
    }

    #[test]
    fn absurd_waits_neither_overflow_nor_wait() {
        let f = Failure::Status {
            status: 503,
            retry_after: Some(u64::MAX),
            until_reset: None,
        };
        assert!(matches!(
            delay(2, f, Duration::from_secs(5), 0),
            Err(GiveUp::WaitTooLong(_))
        ));
        assert_eq!(pace(1, u64::MAX), Some(Duration::from_secs(60)));
    }

    #[test]
    fn the_total_wait_is_bounded() {
        let f = Failure::Status {
            status: 429,
            retry_after: Some(3_600),
            until_reset: None,
        };
        assert_eq!(
            delay(1, f, Duration::ZERO, 0),
            Err(GiveUp::WaitTooLong(Duration::from_secs(3_600)))
        );
        assert!(
            matches!(
                delay(2, status(500), MAX_TOTAL_WAIT, 0),
                Err(GiveUp::WaitTooLong(_))
            ),
            "no time left"
        );
    }

    #[test]
    fn paces_only_when_running_low() {
        assert_eq!(pace(PACE_BELOW, 3_600), None);
        assert_eq!(pace(10, 100), Some(Duration::from_secs(10)));
        assert_eq!(pace(0, 3_600), Some(Duration::from_secs(60)));
        assert_eq!(pace(40, 0), Some(Duration::from_millis(500)));
    }
}
