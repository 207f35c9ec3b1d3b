//! Where log lines go: stderr as text (timestamp, level, message) or as one JSON object a line
//! (`--log-format json`), or the local syslog with `--syslog`. stdout is never used, so it
//! carries only the table or JSON. Every line passes through `output`, which removes the token.
//!
//! Two more duties: every warning is also kept, for the `warnings` array of `--json`; and with
//! `--syslog` the run's report goes there as one line per droplet (`report`), whatever `-v`
//! says, since that report replaces the table.

use std::io;
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

use crate::cli::LogFormat;
use crate::output;
use crate::syslog::{self, Severity};

/// How to log, from the command line.
pub struct Logging<'a> {
    /// `-v` count.
    pub verbosity: u8,
    pub format: LogFormat,
    /// `--syslog`, and the socket to use (`/dev/log` unless a test says otherwise).
    pub syslog: Option<&'a Path>,
}

/// `-v` count to the most detailed level shown.
fn level(verbosity: u8) -> Level {
    match verbosity {
        0 => Level::WARN,
        1 => Level::INFO,
        2 => Level::DEBUG,
        _ => Level::TRACE,
    }
}

/// Installs the logger. With `--syslog` but no syslog socket to send to, says so on stderr and
/// logs there.
pub fn init(how: &Logging) {
    let filter = LevelFilter::from_level(level(how.verbosity));
    let to_syslog = match how.syslog.map(|socket| (socket, syslog::open(socket))) {
        Some((_, Ok(()))) => true,
        Some((socket, Err(e))) => {
            output::stderr_line(&format!(
                "do-snapshot: --syslog: there is no syslog socket at {} to send to ({e}), so \
                 logging to stderr instead",
                socket.display()
            ));
            false
        }
        None => false,
    };
    let json = !to_syslog && how.format == LogFormat::Json;
    let syslog_layer = to_syslog.then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(Lines(Sink::Syslog))
            .with_target(false)
            .with_level(false)
            .with_ansi(false)
            .without_time()
    });
    let text_layer = (!to_syslog && !json).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(Lines(Sink::Stderr))
            .with_target(false)
            .with_ansi(false)
    });
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(syslog_layer)
        .with(text_layer)
        .with(json.then_some(JsonLines))
        .with(KeepWarnings)
        .try_init();
}

/// One line of the run's report (one droplet's), sent to syslog at priority info; when
/// `--syslog` fell back to stderr, written there. Not a log event: `-v` does not filter it.
pub fn report(line: &str) {
    if syslog::is_open() {
        output::syslog(Severity::Info, line);
    } else {
        output::stderr_line(&format!("do-snapshot: {line}"));
    }
}

/// The warnings logged so far, scrubbed, oldest first.
pub fn warnings() -> Vec<String> {
    WARNINGS.lock().map(|w| w.clone()).unwrap_or_default()
}

static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Keeps each warning's text for `warnings`.
struct KeepWarnings;

impl<S: Subscriber> Layer<S> for KeepWarnings {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if *event.metadata().level() != Level::WARN {
            return;
        }
        let fields = Fields::of(event);
        let mut text = fields.message;
        for (name, value) in &fields.rest {
            text.push_str(&format!(" {name}={value}"));
        }
        if let Ok(mut kept) = WARNINGS.lock() {
            kept.push(output::scrub(&text).into_owned());
        }
    }
}

/// `--log-format json`: each event as one JSON object on its own line of stderr.
struct JsonLines;

impl<S: Subscriber> Layer<S> for JsonLines {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let fields = Fields::of(event);
        output::stderr_line(&json_line(
            &jiff::Timestamp::now(),
            *event.metadata().level(),
            fields,
        ));
    }
}

/// The JSON object for one event. The strings are scrubbed before they are encoded, so a
/// token with characters JSON escapes cannot slip past the scrubber in its escaped form.
fn json_line(time: &jiff::Timestamp, level: Level, fields: Fields) -> String {
    let scrub = |v: Value| match v {
        Value::String(s) => Value::String(output::scrub(&s).into_owned()),
        other => other,
    };
    let rest: Map<String, Value> = fields
        .rest
        .into_iter()
        .map(|(name, value)| (name, scrub(value)))
        .collect();
    let line = serde_json::json!({
        "time": format!("{time:.3}"),
        "level": level.as_str(),
        "message": output::scrub(&fields.message),
        "fields": rest,
    });
    line.to_string()
}

/// An event's message and its other fields.
#[derive(Default)]
struct Fields {
    message: String,
    rest: Vec<(String, Value)>,
}

impl Fields {
    fn of(event: &Event<'_>) -> Fields {
        let mut fields = Fields::default();
        event.record(&mut fields);
        fields
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.rest
                .push((field.name().to_string(), Value::String(text)));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.rest
                .push((field.name().to_string(), Value::String(value.to_string())));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.rest.push((field.name().to_string(), value.into()));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.rest.push((field.name().to_string(), value.into()));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.rest.push((field.name().to_string(), value.into()));
    }
}

/// Where a text log line goes.
#[derive(Clone, Copy)]
enum Sink {
    Stderr,
    Syslog,
}

/// Hands each formatted event, whole, to `output`, which scrubs it and writes it (to stderr, or
/// to syslog at the event's severity). A write that fails (a closed stderr) is dropped, so
/// logging can never abort the run.
struct Lines(Sink);

/// One event's text, sent when the formatter drops it.
struct Line {
    sink: Sink,
    severity: Severity,
    text: Vec<u8>,
}

impl<'a> MakeWriter<'a> for Lines {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line {
            sink: self.0,
            severity: Severity::Info,
            text: Vec::new(),
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Line {
        let severity = match *meta.level() {
            Level::ERROR => Severity::Error,
            Level::WARN => Severity::Warning,
            Level::INFO => Severity::Notice,
            Level::DEBUG => Severity::Info,
            Level::TRACE => Severity::Debug,
        };
        Line {
            sink: self.0,
            severity,
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
            Sink::Syslog => output::syslog(self.severity, &text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_line_has_time_level_message_and_fields() {
        let time: jiff::Timestamp = "2026-01-01T00:00:00.5Z".parse().unwrap();
        let fields = Fields {
            message: "droplet web-1: taking snapshot".to_string(),
            rest: vec![("droplet".to_string(), 101.into())],
        };
        let line: Value = serde_json::from_str(&json_line(&time, Level::INFO, fields)).unwrap();
        assert_eq!(
            line,
            serde_json::json!({
                "time": "2026-01-01T00:00:00.500Z",
                "level": "INFO",
                "message": "droplet web-1: taking snapshot",
                "fields": {"droplet": 101},
            })
        );
    }
}
