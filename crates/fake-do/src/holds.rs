//! Requests stopped by a `hold` fault until the test lets them go, so a test
//! can act (signal the client, change the world) at a known point in a
//! request without sleeping.
//!
//! Two kinds of waiter meet here: the held request futures on the server's
//! runtime, which must not block it, and the test's own thread, which has no
//! runtime. The futures wait on a tokio `watch` channel; the test thread on a
//! std `Condvar`.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

/// The requests held now, and the release that frees them.
#[derive(Debug)]
pub struct Holds {
    held: Mutex<Held>,
    /// Signalled whenever a request starts being held.
    arrived: Condvar,
    /// Carries [`Held::round`]; a new value frees every request of the
    /// round before.
    released: watch::Sender<u64>,
}

#[derive(Debug, Default)]
struct Held {
    /// Requests waiting for the end of the current round.
    count: usize,
    /// How many releases there have been.
    round: u64,
}

impl Default for Holds {
    fn default() -> Self {
        Holds {
            held: Mutex::new(Held::default()),
            arrived: Condvar::new(),
            released: watch::Sender::new(0),
        }
    }
}

/// Forgets a held request that goes away before its release (its client
/// hung up, or the server stopped), so the count stays true.
struct Waiting<'a> {
    holds: &'a Holds,
    round: u64,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut held = self.holds.lock();
        if held.round == self.round {
            held.count = held.count.saturating_sub(1);
        }
    }
}

impl Holds {
    /// Like [`crate::state::lock`]: a panic elsewhere leaves only a count.
    fn lock(&self) -> MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Holds the calling request until the next [`Holds::release`].
    pub async fn hold(&self) {
        let (mut released, waiting) = {
            let mut held = self.lock();
            // Subscribed under the lock, so a release right after it is
            // seen as a change and cannot be missed.
            let released = self.released.subscribe();
            held.count += 1;
            self.arrived.notify_all();
            let round = held.round;
            (released, Waiting { holds: self, round })
        };
        // Fails only if the sender is gone, and it lives as long as `self`.
        let _ = released.wait_for(|&round| round != waiting.round).await;
    }

    /// Frees every request held now; later ones are held again.
    pub fn release(&self) {
        let mut held = self.lock();
        held.count = 0;
        held.round += 1;
        self.released.send_replace(held.round);
    }

    /// How many requests are held now.
    pub fn count(&self) -> usize {
        self.lock().count
    }

    /// Blocks the calling thread until at least one request is held, or
    /// `timeout` passes; true if one is.
    pub fn wait_for_held(&self, timeout: Duration) -> bool {
        let held = self.lock();
        let (held, _) = self
            .arrived
            .wait_timeout_while(held, timeout, |held| held.count == 0)
            .unwrap_or_else(PoisonError::into_inner);
        held.count > 0
    }
}
