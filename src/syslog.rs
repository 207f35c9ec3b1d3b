//! A syslog client of our own: one datagram per line to the local socket (`/dev/log`), in the
//! form syslog(3) sends, `<PRI>do-snapshot[PID]: text`. Owning the socket, rather than calling
//! libc's syslog, lets the program know whether syslog is there at all (and say so, logging to
//! stderr instead), and lets tests read what is sent (the hidden `--syslog-socket`).
//!
//! Only `output` sends, so every line is scrubbed of the token first.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::OnceLock;

/// The local syslog socket on Linux.
pub const DEFAULT_SOCKET: &str = "/dev/log";

/// The facility: a user program (`LOG_USER`).
const FACILITY_USER: u8 = 1;

/// How bad a line is, as syslog(3) grades it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error = 3,
    Warning = 4,
    Notice = 5,
    Info = 6,
    Debug = 7,
}

static SOCKET: OnceLock<UnixDatagram> = OnceLock::new();

/// Connects to the syslog socket at `path`; on failure (no socket there, or not a datagram
/// one) nothing is opened.
pub fn open(path: &Path) -> std::io::Result<()> {
    let socket = UnixDatagram::unbound()?;
    socket.connect(path)?;
    let _ = SOCKET.set(socket);
    Ok(())
}

/// Whether `open` succeeded: lines go to syslog.
pub fn is_open() -> bool {
    SOCKET.get().is_some()
}

/// Sends one line (already scrubbed). A line that cannot be sent (a full or vanished socket)
/// is dropped: logging never stops the run.
pub(crate) fn send(severity: Severity, text: &str) {
    if let Some(socket) = SOCKET.get() {
        let _ = socket.send(datagram(severity, std::process::id(), text).as_bytes());
    }
}

/// One message: priority, ident and pid, then the text on one line (NUL bytes, which syslog
/// cannot carry, dropped; line breaks, which would split it, as spaces).
fn datagram(severity: Severity, pid: u32, text: &str) -> String {
    let priority = FACILITY_USER * 8 + severity as u8;
    let line: String = text
        .trim_end()
        .chars()
        .filter(|c| *c != '\0')
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    format!("<{priority}>do-snapshot[{pid}]: {line}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagrams_carry_priority_ident_and_pid_on_one_line() {
        assert_eq!(
            datagram(Severity::Info, 42, "web-1: snapshot taken\n"),
            "<14>do-snapshot[42]: web-1: snapshot taken"
        );
        assert_eq!(
            datagram(Severity::Error, 7, "a\nb\0c"),
            "<11>do-snapshot[7]: a bc"
        );
    }

    #[test]
    fn no_socket_means_not_open() {
        let dir = tempfile::tempdir().unwrap();
        assert!(open(&dir.path().join("nothing-here")).is_err());
    }
}
