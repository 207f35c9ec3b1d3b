//! SIGTERM and SIGINT (a Kubernetes deadline, `systemctl stop`, Ctrl-C) ask the run to stop
//! cleanly: the request in flight finishes, nothing new starts, the report of what was done is
//! printed, the lock is released, and the process exits with the "interrupted" code. A second
//! signal ends the process at once, for someone who really means it.
//!
//! The handler only counts signals (and, on the second, exits); every long wait and every
//! request checks `requested()`.

use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};

use crate::exit::Exit;

/// Signals received so far.
static COUNT: AtomicU32 = AtomicU32::new(0);
/// The first signal received.
static FIRST: AtomicI32 = AtomicI32::new(0);

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
    let text: &[u8] = if seen == 0 {
        let _ = FIRST.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
        b"do-snapshot: stopping: finishing the request in flight and starting nothing new \
          (a second signal exits at once)\n"
    } else {
        b"do-snapshot: second signal: exiting at once\n"
    };
    // SAFETY: write(2) and _exit(2) are async-signal-safe; the buffer is a static string.
    unsafe {
        libc::write(2, text.as_ptr().cast(), text.len());
        if seen > 0 {
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
