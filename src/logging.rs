//! Where log lines go: stderr (timestamp, level, message), or the local syslog with `--syslog`.
//! stdout is never used, so it carries only the table or JSON. Every line passes through
//! `output`, which removes the token.

use std::io;
use std::path::Path;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

use crate::output;

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
            .with_writer(Lines(Sink::Syslog))
            .with_max_level(max)
            .with_target(false)
            .with_level(false)
            .with_ansi(false)
            .without_time()
            .init();
        return;
    }
    if syslog {
        output::stderr_line(&format!(
            "do-snapshot: --syslog: there is no syslog socket at {}, so logging to stderr instead",
            socket.display()
        ));
    }
    tracing_subscriber::fmt()
        .with_writer(Lines(Sink::Stderr))
        .with_max_level(max)
        .with_target(false)
        .with_ansi(false)
        .init();
}

/// Where a log line goes.
#[derive(Clone, Copy)]
enum Sink {
    Stderr,
    Syslog,
}

/// Hands each formatted event, whole, to `output`, which scrubs it and writes it (to stderr, or
/// to syslog(3) at the event's priority). A write that fails (a closed stderr) is dropped, so
/// logging can never abort the run.
struct Lines(Sink);

/// One event's text, sent when the formatter drops it.
struct Line {
    sink: Sink,
    priority: libc::c_int,
    text: Vec<u8>,
}

impl<'a> MakeWriter<'a> for Lines {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line {
            sink: self.0,
            priority: libc::LOG_INFO,
            text: Vec::new(),
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Line {
        let priority = match *meta.level() {
            Level::ERROR => libc::LOG_ERR,
            Level::WARN => libc::LOG_WARNING,
            Level::INFO => libc::LOG_NOTICE,
            Level::DEBUG => libc::LOG_INFO,
            Level::TRACE => libc::LOG_DEBUG,
        };
        Line {
            sink: self.0,
            priority,
            text: Vec::new(),
        }
    }
}

impl io::Write for Line {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.text);
        match self.sink {
            Sink::Stderr => output::stderr(&text),
            Sink::Syslog => output::syslog(self.priority, &text),
        }
    }
}
