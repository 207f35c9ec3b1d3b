//! The tables people read: the simulation's (the seed's format, so existing scripts keep
//! working) and the run report's.

use std::fmt::Write;

use crate::core::span::human;
use crate::run::{
    DropletReport, HookResult, NewestSnapshot, PowerPlan, PowerReport, RunReport, SnapshotOutcome,
    WaitReport, WaitState,
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

/// One row per droplet: snapshots found, the newest one's age, deleted, transfers, and the
/// snapshot decision.
pub fn run_table(report: &RunReport) -> String {
    let mut rows: Vec<[String; 7]> = Vec::new();
    for d in &report.droplets {
        rows.push([
            Clean(&d.name).to_string(),
            d.id.to_string(),
            d.owned.to_string(),
            newest_text(d.newest.as_ref(), d.overdue),
            deleted_text(d.deleted.len(), d.held_back, d.deletes_withheld.is_some()),
            d.transfers.len().to_string(),
            snapshot_cell(d),
        ]);
        // Each volume on a row of its own under its droplet.
        for v in &d.volumes {
            rows.push([
                format!("  └ {}", Clean(&v.name)),
                v.id.chars().take(8).collect(),
                v.owned.to_string(),
                newest_text(v.newest.as_ref(), v.overdue),
                deleted_text(v.deleted.len(), v.held_back, v.deletes_withheld.is_some()),
                "-".to_string(),
                outcome_text(&v.snapshot),
            ]);
        }
    }
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
        for (kind, note) in droplet_notes(d, report) {
            let _ = writeln!(out, "{kind}: {}: {note}", Clean(&d.name));
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
    orphans(&mut out, report);
    if report.volumes_stay {
        out.push_str(
            "note: volume snapshots stay in their volume's region (DigitalOcean cannot copy \
             them); -r copies droplet snapshots only\n",
        );
    }
    let _ = writeln!(
        out,
        "Storage: {:.2} GB of snapshots{}, {:.2} USD a month at {} USD per GB-month",
        report.storage.gigabytes,
        if report.dry_run {
            " after the deletions"
        } else {
            ""
        },
        report.storage.monthly_cost,
        report.storage.price_per_gb
    );
    if report.dry_run {
        out.push_str("Dry run: nothing was changed.\n");
    }
    out
}

/// The orphans: snapshots whose droplet or volume no longer exists, still billed.
fn orphans(out: &mut String, report: &RunReport) {
    if report.orphans.is_empty() {
        return;
    }
    out.push_str("Orphans (their droplet or volume no longer exists; they are still billed):\n");
    for o in &report.orphans {
        let _ = write!(
            out,
            "  {} {} ({}): {} snapshot(s), {:.2} GB, {:.2} USD a month",
            o.kind,
            Clean(&o.id.to_string().replace('"', "")),
            Clean(&o.name),
            o.snapshots.len(),
            o.size_gigabytes,
            o.monthly_cost
        );
        if !o.deleted.is_empty() {
            let verb = if report.dry_run {
                "would delete"
            } else {
                "deleted"
            };
            let _ = write!(out, "; {verb} {}", o.deleted.len());
        }
        if o.deletes_withheld.is_some() {
            out.push_str("; deletions withheld");
        }
        out.push('\n');
    }
}

/// The snapshot column for a volume (or anything but a droplet's snapshot taken this run).
fn outcome_text(outcome: &SnapshotOutcome) -> String {
    match outcome {
        SnapshotOutcome::NotDue { newest } => format!("not due (newest {newest})"),
        SnapshotOutcome::Taken { name } => format!("taken: {}", Clean(name)),
        SnapshotOutcome::WouldTake { name } => format!("would take: {}", Clean(name)),
        SnapshotOutcome::Skipped { reason } => format!("skipped: {reason}"),
        SnapshotOutcome::Failed => "FAILED".to_string(),
        SnapshotOutcome::NotAttempted => "not attempted (the run stopped)".to_string(),
    }
}

/// The age of the newest snapshot, and whether backups have fallen behind.
fn newest_text(newest: Option<&NewestSnapshot>, overdue: bool) -> String {
    let mut text = newest.map_or_else(|| "none".to_string(), |n| human(n.age_seconds));
    if overdue {
        text.push_str(" OVERDUE");
    }
    text
}

/// The deletions column.
fn deleted_text(deleted: usize, held_back: usize, withheld: bool) -> String {
    if withheld {
        return "withheld".to_string();
    }
    let mut text = deleted.to_string();
    if held_back > 0 {
        let _ = write!(text, " (+{held_back} held)");
    }
    text
}

/// The Snapshot column: what happened about a new snapshot.
pub(super) fn snapshot_cell(d: &DropletReport) -> String {
    match &d.snapshot {
        SnapshotOutcome::Taken { name } => {
            format!("taken: {}{}", Clean(name), wait_note(d.wait.as_ref()))
        }
        other => outcome_text(other),
    }
}

/// What the table says under its rows about one droplet, each as its kind (`error`,
/// `withheld`, `failed`, `overdue`, `power`, `hook`) and its text.
pub(super) fn droplet_notes(d: &DropletReport, report: &RunReport) -> Vec<(&'static str, String)> {
    let mut notes = Vec::new();
    for e in &d.errors {
        notes.push(("error", Clean(e).to_string()));
    }
    if let Some(why) = &d.deletes_withheld {
        notes.push((
            "withheld",
            format!("nothing deleted because {}", Clean(why)),
        ));
    }
    for a in &d.errored_actions {
        notes.push((
            "failed",
            format!(
                "snapshot action {} (started {}) ended errored and left no snapshot",
                a.id,
                a.started_at
                    .map_or_else(|| "at an unknown time".to_string(), |t| t.to_string())
            ),
        ));
    }
    if let Some(why) = d.overdue_reason(report.overdue_after_seconds) {
        notes.push(("overdue", why));
    }
    if let Some(power) = &d.power {
        notes.push(("power", power_note(power, report.dry_run)));
    }
    for h in &d.hooks {
        let result = match (h.result, h.exit_code) {
            (HookResult::Ok, _) => "ok".to_string(),
            (HookResult::TimedOut, _) => "FAILED: killed after --hook-timeout".to_string(),
            (HookResult::Failed, Some(code)) => format!("FAILED with exit code {code}"),
            (HookResult::Failed, None) => "FAILED: killed by a signal, or not started".to_string(),
        };
        notes.push(("hook", format!("{} {result} ({:.1} s)", h.phase, h.seconds)));
    }
    for v in &d.volumes {
        let volume = Clean(&v.name);
        for e in &v.errors {
            notes.push(("error", format!("volume {volume}: {}", Clean(e))));
        }
        if let Some(why) = &v.deletes_withheld {
            notes.push((
                "withheld",
                format!("volume {volume}: nothing deleted because {}", Clean(why)),
            ));
        }
        if v.overdue {
            notes.push((
                "overdue",
                format!("volume {volume}: its newest snapshot is too old"),
            ));
        }
        if let SnapshotOutcome::Skipped { reason } = &v.snapshot {
            notes.push(("volume", format!("{volume}: snapshot skipped: {reason}")));
        }
    }
    notes
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
