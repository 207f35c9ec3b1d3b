//! SIGTERM and SIGINT (a Kubernetes deadline, `systemctl stop`, Ctrl-C) ask the run to stop
//! cleanly: the request in flight finishes, nothing new starts, the report of what was done is
//! printed, the lock is released, and the process exits with the "interrupted" code. A second
//! signal ends the process at once, for someone who really means it.
//!
//! The handler only counts signals (and, on the second, exits); every long wait and every
//! request checks `should_stop()`. While a droplet this run powered off is down, a `Shield`
//! keeps requests and waits going after the first signal, so the run can still power it on;
//! and the second signal's message names what is left off (see `set_left_off`).

use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU32, Ordering};

use crate::exit::Exit;

/// Signals received so far.
static COUNT: AtomicU32 = AtomicU32::new(0);
/// The first signal received.
static FIRST: AtomicI32 = AtomicI32::new(0);
/// Shields alive now: while any is, the first signal does not stop requests or waits.
static SHIELDS: AtomicU32 = AtomicU32::new(0);
/// What the second signal adds to its message (droplets left powered off), or null. Each
/// message is leaked on purpose: the handler may be reading the previous one at any moment,
/// and a run sets only a few.
static LEFT_OFF: AtomicPtr<Vec<u8>> = AtomicPtr::new(std::ptr::null_mut());

/// Installs the handlers for SIGTERM and SIGINT.
pub fn install() {
    for signal in [libc::SIGTERM, libc::SIGINT] {
        // SAFETY: the action is zeroed and then filled in as sigaction(2) requires; the handler
        // only touches atomics and calls the async-signal-safe write(2) and _exit(2).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            // Let a request's blocking read or write carry on after the signal.
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

extern "C" fn on_signal(signal: libc::c_int) {
    let seen = COUNT.fetch_add(1, Ordering::SeqCst);
    let shielded = SHIELDS.load(Ordering::SeqCst) > 0;
    let text: &[u8] = match (seen, shielded) {
        (0, false) => {
            b"do-snapshot: stopping: finishing the request in flight and starting nothing new \
              (a second signal exits at once)\n"
        }
        (0, true) => {
            b"do-snapshot: stopping: starting nothing new, but first waiting for the snapshots \
              of powered-off droplets to finish and powering them back on (a second signal \
              exits at once and leaves them off)\n"
        }
        _ => b"do-snapshot: second signal: exiting at once\n",
    };
    if seen == 0 {
        let _ = FIRST.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
    }
    // SAFETY: write(2) and _exit(2) are async-signal-safe; the buffers are a static string and
    // a leaked message that is never freed or changed.
    unsafe {
        libc::write(2, text.as_ptr().cast(), text.len());
        if seen > 0 {
            let left = LEFT_OFF.load(Ordering::SeqCst);
            if let Some(left) = left.as_ref() {
                libc::write(2, left.as_ptr().cast(), left.len());
            }
            libc::_exit(Exit::Interrupted as libc::c_int);
        }
    }
}

/// The name of the signal that asked the run to stop, once one has.
pub fn requested() -> Option<&'static str> {
    match FIRST.load(Ordering::SeqCst) {
        0 => None,
        libc::SIGINT => Some("SIGINT"),
        _ => Some("SIGTERM"),
    }
}

/// Like `requested`, but `None` while a `Shield` is up: requests and waits go on.
pub fn should_stop() -> Option<&'static str> {
    if SHIELDS.load(Ordering::SeqCst) > 0 {
        None
    } else {
        requested()
    }
}

/// While alive, a first signal does not stop requests or waits (the run still has droplets to
/// power on); the code holding it checks `requested()` to stop starting new work.
pub struct Shield(());

impl Shield {
    pub fn raise() -> Shield {
        SHIELDS.fetch_add(1, Ordering::SeqCst);
        Shield(())
    }
}

impl Drop for Shield {
    fn drop(&mut self) {
        SHIELDS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Sets what a second signal says is left behind (`None`: nothing). The text should end in a
/// newline.
pub fn set_left_off(text: Option<String>) {
    let new = text.map_or(std::ptr::null_mut(), |t| {
        Box::into_raw(Box::new(crate::output::scrub(&t).into_owned().into_bytes()))
    });
    // The previous message is deliberately not freed: see LEFT_OFF.
    LEFT_OFF.store(new, Ordering::SeqCst);
}
