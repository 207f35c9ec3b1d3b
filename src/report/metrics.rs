//! The run as Prometheus text exposition (format 0.0.4), for node_exporter's textfile
//! collector (`--metrics-file`). Written after every run, a failed one too, so an alert on
//! `do_snapshot_last_run_success == 0` or on an old `do_snapshot_last_run_timestamp_seconds`
//! catches a backup that stopped. Every series carries the tag, so the files of several cron
//! lines (one per tag) can sit side by side in the collector's directory.

use std::fmt::Write;

use crate::exit::Exit;
use crate::run::{DeletedSnapshot, DropletReport, RunReport, SnapshotOutcome};

/// One job's part of a run: its tag, how it ended, and what it did (absent when it failed
/// before doing anything).
pub struct JobRun<'a> {
    /// The job's name in a config file: a label, since two jobs may share a tag.
    pub job: Option<&'a str>,
    pub tag: &'a str,
    pub exit: Exit,
    pub report: Option<&'a RunReport>,
}

/// The metrics of a run that ended at `finished` (Unix seconds) with `exit`; `report` is what
/// it did, absent when it failed before doing anything.
pub fn run_metrics(tag: &str, finished: i64, exit: Exit, report: Option<&RunReport>) -> String {
    jobs_metrics(
        finished,
        &[JobRun {
            job: None,
            tag,
            exit,
            report,
        }],
    )
}

/// The metrics of a run of several jobs (a config file's), each family written once with a
/// series per job's tag (and per droplet).
pub fn jobs_metrics(finished: i64, runs: &[JobRun]) -> String {
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, samples: &[(String, String)]| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    };
    // One sample per job.
    let run_labels = |r: &JobRun| match r.job {
        Some(job) => format!("job=\"{}\",tag=\"{}\"", escape(job), escape(r.tag)),
        None => format!("tag=\"{}\"", escape(r.tag)),
    };
    let per_run = |value: &dyn Fn(&JobRun) -> String| {
        runs.iter()
            .map(|r| (run_labels(r), value(r)))
            .collect::<Vec<_>>()
    };
    gauge(
        "do_snapshot_last_run_timestamp_seconds",
        "When the last run ended (Unix time).",
        &per_run(&|_| finished.to_string()),
    );
    gauge(
        "do_snapshot_last_run_success",
        "1 if the last run ended with exit code 0, else 0.",
        &per_run(&|r| u8::from(r.exit == Exit::Ok).to_string()),
    );
    gauge(
        "do_snapshot_last_run_exit_code",
        "The last run's exit code (see do-snapshot --help).",
        &per_run(&|r| (r.exit as u8).to_string()),
    );
    let count = |f: &dyn Fn(&DropletReport, bool) -> usize| {
        per_run(&|r| {
            let dry_run = r.report.is_some_and(|x| x.dry_run);
            let droplets = r.report.map_or(&[][..], |x| &x.droplets[..]);
            droplets
                .iter()
                .map(|d| f(d, dry_run))
                .sum::<usize>()
                .to_string()
        })
    };
    gauge(
        "do_snapshot_last_run_taken",
        "Snapshots the last run requested.",
        &count(&|d, _| usize::from(matches!(d.snapshot, SnapshotOutcome::Taken { .. }))),
    );
    gauge(
        "do_snapshot_last_run_deleted",
        "Snapshots the last run deleted (none in a dry run).",
        &count(&|d, dry_run| if dry_run { 0 } else { d.deleted.len() }),
    );
    gauge(
        "do_snapshot_last_run_transferred",
        "Copies to other regions the last run requested (none in a dry run).",
        &count(&|d, dry_run| if dry_run { 0 } else { d.transfers.len() }),
    );
    gauge(
        "do_snapshot_last_run_failed",
        "Droplets the last run reported errors for.",
        &count(&|d, _| usize::from(!d.errors.is_empty())),
    );
    // One sample per droplet of every job.
    let per_droplet = |value: &dyn Fn(&DropletReport, bool) -> Option<String>| {
        runs.iter()
            .flat_map(|r| {
                let dry_run = r.report.is_some_and(|x| x.dry_run);
                let droplets = r.report.map_or(&[][..], |x| &x.droplets[..]);
                let run = run_labels(r);
                droplets.iter().filter_map(move |d| {
                    // Two droplets may share a name: then their ids tell their series apart.
                    let twin = droplets.iter().filter(|o| o.name == d.name).count() > 1;
                    let id = if twin {
                        format!("droplet_id=\"{}\",", d.id)
                    } else {
                        String::new()
                    };
                    let labels = format!("droplet=\"{}\",{id}{run}", escape(&d.name));
                    value(d, dry_run).map(|v| (labels, v))
                })
            })
            .collect::<Vec<_>>()
    };
    // What each droplet holds after the run: its owned snapshots less those it deleted.
    fn gone(d: &DropletReport, dry_run: bool) -> &[DeletedSnapshot] {
        if dry_run { &[] } else { &d.deleted }
    }
    gauge(
        "do_snapshot_newest_age_seconds",
        "Age of the droplet's newest snapshot, by the API's clock (absent: it has none).",
        &per_droplet(&|d, _| d.newest.as_ref().map(|n| n.age_seconds.to_string())),
    );
    gauge(
        "do_snapshot_snapshots",
        "Snapshots of the droplet that the tool owns, after the last run.",
        &per_droplet(&|d, dry_run| Some((d.owned - gone(d, dry_run).len()).to_string())),
    );
    gauge(
        "do_snapshot_storage_gigabytes",
        "Size of those snapshots in all, as the API reports it.",
        &per_droplet(&|d, dry_run| {
            let freed: f64 = gone(d, dry_run).iter().map(|s| s.size_gigabytes).sum();
            Some(number((d.owned_gigabytes - freed).max(0.0)))
        }),
    );
    out
}

/// A label value as the exposition format wants it: backslash, double quote and line feed
/// escaped.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: at most three decimals (sums of sizes like 2.34 carry float noise).
fn number(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(escape("two\nlines"), "two\\nlines");
    }

    #[test]
    fn numbers_lose_float_noise() {
        assert_eq!(number(2.34 * 3.0), "7.02");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(12.5), "12.5");
    }

    #[test]
    fn a_failed_run_still_says_when_and_how() {
        let text = run_metrics("web", 1_767_225_600, Exit::Failure, None);
        assert!(text.contains("do_snapshot_last_run_timestamp_seconds{tag=\"web\"} 1767225600\n"));
        assert!(text.contains("do_snapshot_last_run_success{tag=\"web\"} 0\n"));
        assert!(text.contains("do_snapshot_last_run_exit_code{tag=\"web\"} 1\n"));
        assert!(text.contains("# TYPE do_snapshot_snapshots gauge\n"));
        assert!(!text.contains("droplet="));
    }
}
