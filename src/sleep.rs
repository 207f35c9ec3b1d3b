//! Waiting, and the clock waits are measured by, behind a trait so that retries, pacing and
//! `--wait` can be tested without sleeping.

use std::time::{Duration, Instant};

use crate::interrupt;

/// Something that waits, and says how long the program has been running by the same clock.
pub trait Sleeper {
    fn sleep(&mut self, duration: Duration);

    /// Time since the sleeper was made: what wait timeouts and downtimes are measured in.
    fn elapsed(&self) -> Duration;
}

/// Really sleeps, but wakes early when a signal asks the run to stop, so a long wait (a rate
/// limit's reset, a backoff) never holds up a clean exit.
pub struct RealSleeper {
    started: Instant,
}

impl Default for RealSleeper {
    fn default() -> Self {
        RealSleeper {
            started: Instant::now(),
        }
    }
}

/// How often a real sleep looks whether the run should stop.
const WAKE_EVERY: Duration = Duration::from_millis(100);

impl Sleeper for RealSleeper {
    fn sleep(&mut self, duration: Duration) {
        let mut left = duration;
        while !left.is_zero() && interrupt::should_stop().is_none() {
            let slice = left.min(WAKE_EVERY);
            std::thread::sleep(slice);
            left -= slice;
        }
    }

    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

/// Only records and logs the wait (the hidden `--virtual-sleep` testing aid), so the test suite
/// can drive retries and waits through the real binary without waiting. Its clock is the sum of
/// the waits. With `advance` (the hidden `--fake-clock`), each wait also moves the emulator's
/// clock by as much, so actions finish while the tool "sleeps", as they would for real.
#[derive(Default)]
pub struct VirtualSleeper {
    pub total: Duration,
    /// Moves the emulator's clock by whole seconds.
    pub advance: Option<Box<dyn FnMut(u64)>>,
    /// Whole seconds already passed on to `advance`.
    advanced: u64,
}

impl VirtualSleeper {
    pub fn new(advance: Option<Box<dyn FnMut(u64)>>) -> VirtualSleeper {
        VirtualSleeper {
            total: Duration::ZERO,
            advance,
            advanced: 0,
        }
    }
}

impl Sleeper for VirtualSleeper {
    fn sleep(&mut self, duration: Duration) {
        self.total += duration;
        tracing::info!(
            "virtual sleep: {:.1} s (total {:.1} s)",
            duration.as_secs_f64(),
            self.total.as_secs_f64()
        );
        if let Some(advance) = &mut self.advance {
            let due = self.total.as_secs() - self.advanced;
            if due > 0 {
                advance(due);
                self.advanced += due;
            }
        }
    }

    fn elapsed(&self) -> Duration {
        self.total
    }
}
