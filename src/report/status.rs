//! `status` for people and for Nagios/Icinga: the first line is the verdict and the plugin's
//! summary (`OK: …`, `WARNING: …`, `CRITICAL: …`, `UNKNOWN: …`), naming the droplets that
//! caused it; then one line per droplet. Or, with `--json`, one document.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::core::span::human;
use crate::core::status::{DropletStatus, Level, Status};
use crate::sanitize::Clean;

/// The verdict line, then one line per droplet and one per unreadable item.
pub fn status_text(status: &Status) -> String {
    let mut out = format!("{}: {}\n", status.level.word(), summary(status));
    for d in &status.droplets {
        let _ = write!(out, "{} ({}): ", Clean(&d.name), d.id);
        match &d.newest {
            Some(n) => {
                let _ = write!(
                    out,
                    "newest {}, {} old, in {}",
                    Clean(&n.name),
                    human(n.age_seconds),
                    if n.regions.is_empty() {
                        "no region".to_string()
                    } else {
                        Clean(&n.regions.join(", ")).to_string()
                    }
                );
            }
            None => out.push_str("no snapshot"),
        }
        if !d.missing_regions.is_empty() {
            let _ = write!(
                out,
                "; no recent copy in {}",
                Clean(&d.missing_regions.join(", "))
            );
        }
        if d.unreadable {
            out.push_str("; part of its listing could not be read");
        }
        let _ = writeln!(out, " [{}]", d.level.word());
    }
    for problem in &status.problems {
        let _ = writeln!(out, "unreadable: {}", Clean(problem));
    }
    out
}

/// What the first line says after the verdict: every droplet that is not OK, worst first.
fn summary(status: &Status) -> String {
    let max_age = human(status.max_age_seconds);
    let with = |level: Level| status.droplets.iter().filter(move |d| d.level == level);
    let name = |d: &DropletStatus| Clean(&d.name).to_string();
    let mut parts = Vec::new();
    let late: Vec<String> = with(Level::Critical)
        .map(|d| {
            let age = d.newest.as_ref().map_or(0, |n| n.age_seconds);
            format!("{} ({} old)", name(d), human(age))
        })
        .collect();
    if !late.is_empty() {
        parts.push(format!(
            "newest snapshot older than {max_age}: {}",
            late.join(", ")
        ));
    }
    let unsure: Vec<String> = with(Level::Unknown).map(name).collect();
    if !unsure.is_empty() {
        parts.push(format!("listing unreadable for {}", unsure.join(", ")));
    } else if !status.problems.is_empty() {
        parts.push(format!(
            "{} listed item(s) could not be read",
            status.problems.len()
        ));
    }
    let never: Vec<String> = with(Level::Warning)
        .filter(|d| d.newest.is_none())
        .map(name)
        .collect();
    if !never.is_empty() {
        parts.push(format!("no snapshot at all: {}", never.join(", ")));
    }
    let uncopied: Vec<String> = with(Level::Warning)
        .filter(|d| d.newest.is_some())
        .map(|d| format!("{} ({})", name(d), Clean(&d.missing_regions.join(", "))))
        .collect();
    if !uncopied.is_empty() {
        parts.push(format!(
            "no copy younger than {max_age} in: {}",
            uncopied.join(", ")
        ));
    }
    if status.droplets.is_empty() {
        parts.push(format!(
            "no droplet carries the tag `{}`",
            Clean(&status.tag)
        ));
    }
    if parts.is_empty() {
        let oldest = status
            .droplets
            .iter()
            .filter_map(|d| d.newest.as_ref())
            .map(|n| n.age_seconds)
            .max()
            .unwrap_or(0);
        let mut ok = format!(
            "{} droplet(s) tagged `{}`, every newest snapshot younger than {max_age} (the oldest \
             is {} old)",
            status.droplets.len(),
            Clean(&status.tag),
            human(oldest)
        );
        if !status.regions.is_empty() {
            let _ = write!(ok, ", with copies in {}", Clean(&status.regions.join(", ")));
        }
        parts.push(ok);
    }
    parts.join("; ")
}

/// The status as one JSON document: `level`, `exit_code`, `summary` (the first line's text),
/// `now`, `tag`, `max_age_seconds`, `regions`, `droplets`, `problems`, `error` (null).
pub fn status_json(status: &Status) -> Value {
    let mut document = json!(status);
    if let Value::Object(fields) = &mut document {
        fields.insert("exit_code".into(), json!(status.level as u8));
        fields.insert("summary".into(), json!(summary(status)));
        fields.insert("error".into(), Value::Null);
    }
    document
}

/// `status` when it could not check: UNKNOWN, and why.
pub fn unknown_text(message: &str) -> String {
    format!("UNKNOWN: {message}\n")
}

/// `unknown_text` as a JSON document.
pub fn unknown_json(message: &str) -> Value {
    json!({
        "level": Level::Unknown,
        "exit_code": Level::Unknown as u8,
        "summary": message,
        "droplets": [],
        "error": {"message": message, "exit_code": Level::Unknown as u8},
    })
}
