//! Where log lines go: stderr (timestamp, level, message), or the local syslog with `--syslog`.
//! stdout is never used, so it carries only the table or JSON.

use std::ffi::CString;
use std::io;
use std::path::Path;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// `-v` count to the most detailed level shown.
fn level(verbosity: u8) -> Level {
    match verbosity {
        0 => Level::WARN,
        1 => Level::INFO,
        2 => Level::DEBUG,
        _ => Level::TRACE,
    }
}

/// Installs the logger. With `syslog` but no syslog socket, says so on stderr and logs there.
pub fn init(verbosity: u8, syslog: bool) {
    let max = level(verbosity);
    let socket = Path::new("/dev/log");
    if syslog && socket.exists() {
        // SAFETY: the ident is a 'static C string, as openlog requires; flags are libc's.
        unsafe { libc::openlog(c"do-snapshot".as_ptr(), libc::LOG_PID, libc::LOG_USER) };
        tracing_subscriber::fmt()
            .with_writer(Syslog)
            .with_max_level(max)
            .with_target(false)
            .with_level(false)
            .with_ansi(false)
            .without_time()
            .init();
        return;
    }
    if syslog {
        eprintln!(
            "do-snapshot: --syslog: there is no syslog socket at {}, so logging to stderr instead",
            socket.display()
        );
    }
    tracing_subscriber::fmt()
        .with_writer(io::stderr)
        .with_max_level(max)
        .with_target(false)
        .with_ansi(false)
        .init();
}

/// Hands each formatted event to syslog(3) at the matching priority.
struct Syslog;

/// One event's text, sent when the formatter drops it.
struct SyslogLine {
    priority: libc::c_int,
    text: Vec<u8>,
}

impl<'a> MakeWriter<'a> for Syslog {
    type Writer = SyslogLine;

    fn make_writer(&'a self) -> SyslogLine {
        SyslogLine {
            priority: libc::LOG_INFO,
            text: Vec::new(),
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> SyslogLine {
        let priority = match *meta.level() {
            Level::ERROR => libc::LOG_ERR,
            Level::WARN => libc::LOG_WARNING,
            Level::INFO => libc::LOG_NOTICE,
            Level::DEBUG => libc::LOG_INFO,
            Level::TRACE => libc::LOG_DEBUG,
        };
        SyslogLine {
            priority,
            text: Vec::new(),
        }
    }
}

impl io::Write for SyslogLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for SyslogLine {
    fn drop(&mut self) {
        let text: Vec<u8> = self.text.iter().copied().filter(|b| *b != 0).collect();
        let line = String::from_utf8_lossy(&text);
        if let Ok(c) = CString::new(line.trim_end()) {
            // SAFETY: both pointers are valid NUL-terminated strings; "%s" stops syslog from
            // reading the message as a format.
            unsafe { libc::syslog(self.priority, c"%s".as_ptr(), c.as_ptr()) };
        }
    }
}
