//! The run report for syslog (`--syslog`): one line per droplet saying what was deleted,
//! copied, taken or skipped and why, then one line for the run as a whole. Log shippers and
//! `journalctl` read one event per line; the table's columns would mean nothing there.

use std::fmt::Write;

use super::table::{droplet_notes, snapshot_cell};
use crate::core::span::human;
use crate::exit::Exit;
use crate::run::{DropletReport, RunReport};
use crate::sanitize::Clean;

/// The lines, droplets first, the run's summary last.
pub fn run_lines(report: &RunReport, exit: Exit) -> Vec<String> {
    let mut lines: Vec<String> = report
        .droplets
        .iter()
        .map(|d| droplet_line(d, report))
        .collect();
    let mut summary = format!(
        "run {}: {} droplet(s) tagged, exit code {}",
        if report.dry_run { "(dry run)" } else { "done" },
        report.droplets.len(),
        exit as u8
    );
    if report.droplets.is_empty() {
        summary.push_str("; no droplet carries the tag");
    }
    if let Some(why) = &report.deletes_withheld {
        let _ = write!(summary, "; nothing deleted anywhere because {}", Clean(why));
    }
    for problem in &report.problems {
        let _ = write!(summary, "; unreadable: {}", Clean(problem));
    }
    let held = report.held_back();
    if held > 0 {
        let _ = write!(summary, "; --max-delete held back {held} deletion(s)");
    }
    if let Some(why) = &report.stopped {
        let _ = write!(summary, "; stopped: {}", Clean(why));
    }
    lines.push(summary);
    lines
}

/// `NAME (ID): N snapshot(s), newest AGE old; deleted …; transfers …; snapshot …; notes`.
fn droplet_line(d: &DropletReport, report: &RunReport) -> String {
    let (delete, transfer) = if report.dry_run {
        ("would delete", "would copy")
    } else {
        ("deleted", "copying")
    };
    let mut line = format!("{} ({}): {} snapshot(s)", Clean(&d.name), d.id, d.owned);
    match &d.newest {
        Some(n) => {
            let _ = write!(line, ", newest {} old", human(n.age_seconds));
        }
        None => line.push_str(", none yet"),
    }
    if d.deleted.is_empty() {
        let _ = write!(line, "; {delete} none");
    } else {
        let names: Vec<String> = d
            .deleted
            .iter()
            .map(|s| format!("{} (under -k {})", Clean(&s.name), s.rule))
            .collect();
        let _ = write!(line, "; {delete} {}", names.join(", "));
    }
    if d.held_back > 0 {
        let _ = write!(line, " (+{} held back by --max-delete)", d.held_back);
    }
    if !d.transfers.is_empty() {
        let copies: Vec<String> = d
            .transfers
            .iter()
            .map(|t| format!("snapshot {} to {}", t.snapshot_id, Clean(&t.region)))
            .collect();
        let _ = write!(line, "; {transfer} {}", copies.join(", "));
    }
    let _ = write!(line, "; snapshot {}", snapshot_cell(d));
    for (kind, note) in droplet_notes(d, report) {
        let _ = write!(line, "; {kind}: {note}");
    }
    line
}
