//! What goes to stdout: the simulation's table (the seed's format, so existing scripts keep
//! working) or the run report, as text or as one JSON document. The simulation's summary,
//! `--explain` and the `--chart` picture have modules of their own.

pub mod chart;
pub mod explain;
pub mod summary;

use std::fmt::Write;

use serde_json::json;

use crate::core::span::human;
use crate::exit::Exit;
use crate::run::{
    HookResult, PowerPlan, PowerReport, RunReport, SnapshotOutcome, WaitReport, WaitState,
};
use crate::sanitize::Clean;
use crate::simulate::Outcome;

/// The seed's table of surviving snapshots, then a blank line and a summary.
pub fn simulation_table(outcome: &Outcome) -> String {
    let mut out = format!(
        "{:<23} Name\n{} {}\n",
        "Time",
        "-".repeat(23),
        "-".repeat(50)
    );
    for s in &outcome.snapshots {
        let _ = writeln!(out, "{:<23} {}", s.created_at.to_string(), Clean(&s.name));
    }
    let _ = write!(
        out,
        "\n{} runs from {} to {}: {} snapshots taken, {} deleted, {} kept.\n",
        outcome.runs,
        outcome.start,
        outcome.last_run,
        outcome.snapshots_taken,
        outcome.snapshots_deleted,
        outcome.snapshots.len()
    );
    out
}

/// The simulation as JSON: `snapshots` (oldest first), the summary fields and the summary's
/// figures (`rules`, `held`, `storage`…).
pub fn simulation_json(outcome: &Outcome, summary: &summary::Summary) -> serde_json::Value {
    let mut doc = json!(outcome);
    if let (Some(doc), serde_json::Value::Object(more)) =
        (doc.as_object_mut(), summary::summary_json(summary))
    {
        doc.extend(more);
    }
    doc
}

/// One row per droplet: snapshots found, the newest one's age, deleted, transfers, and the
/// snapshot decision.
pub fn run_table(report: &RunReport) -> String {
    let rows: Vec<[String; 7]> = report
        .droplets
        .iter()
        .map(|d| {
            let snapshot = match &d.snapshot {
                SnapshotOutcome::NotDue { newest } => format!("not due (newest {newest})"),
                SnapshotOutcome::Taken { name } => {
                    format!("taken: {}{}", Clean(name), wait_note(d.wait.as_ref()))
                }
                SnapshotOutcome::WouldTake { name } => format!("would take: {}", Clean(name)),
                SnapshotOutcome::Skipped { reason } => format!("skipped: {reason}"),
                SnapshotOutcome::Failed => "FAILED".to_string(),
                SnapshotOutcome::NotAttempted => "not attempted (the run stopped)".to_string(),
            };
            let mut deleted = d.deleted.len().to_string();
            if d.held_back > 0 {
                let _ = write!(deleted, " (+{} held)", d.held_back);
            }
            if d.deletes_withheld.is_some() {
                deleted = "withheld".to_string();
            }
            let mut newest = d
                .newest
                .as_ref()
                .map_or_else(|| "none".to_string(), |n| human(n.age_seconds));
            if d.overdue {
                newest.push_str(" OVERDUE");
            }
            [
                Clean(&d.name).to_string(),
                d.id.to_string(),
                d.owned.to_string(),
                newest,
                deleted,
                d.transfers.len().to_string(),
                snapshot,
            ]
        })
        .collect();
    let header = [
        "Droplet",
        "Id",
        "Snapshots",
        "Newest",
        if report.dry_run {
            "To delete"
        } else {
            "Deleted"
        },
        if report.dry_run {
            "To transfer"
        } else {
            "Transfers"
        },
        "Snapshot",
    ];
    let widths: Vec<usize> = (0..7)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut line = |cells: [&str; 7]| {
        for (i, cell) in cells.iter().enumerate() {
            if i == 6 {
                out.push_str(cell);
            } else if i == 0 {
                let _ = write!(out, "{cell:<w$}  ", w = widths[i]);
            } else {
                let _ = write!(out, "{cell:>w$}  ", w = widths[i]);
            }
        }
        out.push('\n');
    };
    line(header);
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &r[6]]);
    }
    if report.droplets.is_empty() {
        out.push_str("(no droplet carries the tag)\n");
    }
    for d in &report.droplets {
        for e in &d.errors {
            let _ = writeln!(out, "error: {}: {}", Clean(&d.name), Clean(e));
        }
        if let Some(why) = &d.deletes_withheld {
            let _ = writeln!(
                out,
                "withheld: {}: nothing deleted because {}",
                Clean(&d.name),
                Clean(why)
            );
        }
        for a in &d.errored_actions {
            let _ = writeln!(
                out,
                "failed: {}: snapshot action {} (started {}) ended errored and left no snapshot",
                Clean(&d.name),
                a.id,
                a.started_at
                    .map_or_else(|| "at an unknown time".to_string(), |t| t.to_string())
            );
        }
        if let Some(why) = d.overdue_reason(report.overdue_after_seconds) {
            let _ = writeln!(out, "overdue: {}: {why}", Clean(&d.name));
        }
        if let Some(power) = &d.power {
            let _ = writeln!(
                out,
                "power: {}: {}",
                Clean(&d.name),
                power_note(power, report.dry_run)
            );
        }
        for h in &d.hooks {
            let result = match (h.result, h.exit_code) {
                (HookResult::Ok, _) => "ok".to_string(),
                (HookResult::TimedOut, _) => "FAILED: killed after --hook-timeout".to_string(),
                (HookResult::Failed, Some(code)) => format!("FAILED with exit code {code}"),
                (HookResult::Failed, None) => {
                    "FAILED: killed by a signal, or not started".to_string()
                }
            };
            let _ = writeln!(
                out,
                "hook: {}: {} {result} ({:.1} s)",
                Clean(&d.name),
                h.phase,
                h.seconds
            );
        }
    }
    if let Some(why) = &report.deletes_withheld {
        let _ = writeln!(
            out,
            "withheld: every droplet: nothing deleted because {}",
            Clean(why)
        );
    }
    for problem in &report.problems {
        let _ = writeln!(out, "unreadable: {}", Clean(problem));
    }
    if let Some(why) = &report.stopped {
        let _ = writeln!(out, "stopped: {}", Clean(why));
    }
    let held = report.held_back();
    if held > 0 {
        let _ = writeln!(
            out,
            "--max-delete held back {held} deletion(s); they remain for the next run"
        );
    }
    if report.dry_run {
        out.push_str("Dry run: nothing was changed.\n");
    }
    out
}

/// How the wait for a snapshot taken this run ended, for its table cell.
fn wait_note(wait: Option<&WaitReport>) -> String {
    let Some(w) = wait else {
        return String::new();
    };
    match w.state {
        WaitState::Completed => format!(", completed in {}", human(w.seconds as i64)),
        WaitState::Errored => ", which ended ERRORED".to_string(),
        WaitState::TimedOut => ", still in progress after --wait-timeout".to_string(),
        WaitState::Interrupted => ", still in progress when the wait was interrupted".to_string(),
        WaitState::Unknown => ", whose end could not be followed".to_string(),
    }
}

/// What `--power-off` did to a droplet, in words.
fn power_note(p: &PowerReport, dry_run: bool) -> String {
    if dry_run {
        return match p.plan {
            PowerPlan::Cycle => "would shut it down, snapshot it and power it on again",
            PowerPlan::AsItIs => "off already: would snapshot it as it is and leave it off",
            PowerPlan::Restore => "left off by an earlier run: would power it on",
        }
        .to_string();
    }
    let mut note = match (p.plan, p.stopped_by) {
        (PowerPlan::Cycle, Some("power_off")) => {
            "the shutdown timed out, so it was powered off hard; ".to_string()
        }
        (PowerPlan::Cycle, Some(_)) => "shut down; ".to_string(),
        (PowerPlan::Cycle, None) => "not powered off; ".to_string(),
        (PowerPlan::AsItIs, _) => format!("was {}: snapshotted as it is", Clean(&p.before)),
        (PowerPlan::Restore, _) => "left off by an earlier run; ".to_string(),
    };
    if p.plan != PowerPlan::AsItIs {
        note.push_str(if p.left_off {
            "LEFT OFF: power it on by hand"
        } else if p.powered_on {
            "powered on again"
        } else {
            "on"
        });
    }
    if let Some(down) = p.downtime_seconds {
        let _ = write!(note, " (down {})", human(down as i64));
    }
    note
}

/// The run report as JSON, with the exit code the process ends with.
pub fn run_json(report: &RunReport, exit: Exit) -> serde_json::Value {
    json!({
        "now": report.now,
        "dry_run": report.dry_run,
        "exit_code": exit as u8,
        "held_back": report.held_back(),
        "problems": report.problems,
        "deletes_withheld": report.deletes_withheld,
        "stopped": report.stopped,
        "interrupted": report.interrupted,
        "overdue_after_seconds": report.overdue_after_seconds,
        "droplets": report.droplets,
    })
}
