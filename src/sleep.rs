//! Waiting, behind a trait so that retries and pacing can be tested without sleeping.

use std::time::Duration;

use crate::interrupt;

/// Something that waits.
pub trait Sleeper {
    fn sleep(&mut self, duration: Duration);
}

/// Really sleeps, but wakes early when a signal asks the run to stop, so a long wait (a rate
/// limit's reset, a backoff) never holds up a clean exit.
pub struct RealSleeper;

/// How often a real sleep looks whether the run should stop.
const WAKE_EVERY: Duration = Duration::from_millis(100);

impl Sleeper for RealSleeper {
    fn sleep(&mut self, duration: Duration) {
        let mut left = duration;
        while !left.is_zero() && interrupt::requested().is_none() {
            let slice = left.min(WAKE_EVERY);
            std::thread::sleep(slice);
            left -= slice;
        }
    }
}

/// Only records and logs the wait (the hidden `--virtual-sleep` testing aid), so the test suite
/// can drive retries through the real binary without waiting.
#[derive(Default)]
pub struct VirtualSleeper {
    pub total: Duration,
}

impl Sleeper for VirtualSleeper {
    fn sleep(&mut self, duration: Duration) {
        self.total += duration;
        tracing::info!(
            "virtual sleep: {:.1} s (total {:.1} s)",
            duration.as_secs_f64(),
            self.total.as_secs_f64()
        );
    }
}
