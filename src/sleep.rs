//! Waiting, behind a trait so that retries and pacing can be tested without sleeping.

use std::time::Duration;

/// Something that waits.
pub trait Sleeper {
    fn sleep(&mut self, duration: Duration);
}

/// Really sleeps.
pub struct RealSleeper;

impl Sleeper for RealSleeper {
    fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
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
