//! `--simulate INTERVAL:DURATION`: the run engine, every INTERVAL of virtual time, against an
//! in-memory account holding one droplet called `simulated`.

use serde::Serialize;

use crate::cloud::CloudError;
use crate::cloud::memory::MemoryCloud;
use crate::core::model::Snapshot;
use crate::core::plan::Settings;
use crate::core::span::Span;
use crate::run::{Options, SnapshotOutcome, run_once};
use crate::time::Timestamp;

/// The simulated droplet's name, as in the seed's output.
pub const DROPLET: &str = "simulated";

/// When and how often to run.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    pub start: Timestamp,
    pub every: Span,
    /// Runs happen while `now < start + duration`.
    pub duration: Span,
}

/// What a simulation ended with.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub start: Timestamp,
    /// The time of the last run.
    pub last_run: Timestamp,
    pub runs: u64,
    pub snapshots_taken: u64,
    pub snapshots_deleted: u64,
    /// Surviving snapshots, oldest first.
    pub snapshots: Vec<Survivor>,
}

/// A snapshot left at the end.
#[derive(Clone, Debug, Serialize)]
pub struct Survivor {
    pub created_at: Timestamp,
    pub name: String,
}

/// Runs the simulation. `max_delete` mirrors `--max-delete`, so its effect can be previewed too.
pub fn simulate(
    settings: &Settings,
    schedule: Schedule,
    max_delete: Option<usize>,
) -> Result<Outcome, CloudError> {
    let region = "nyc3";
    let mut cloud = MemoryCloud::new(DROPLET, &settings.tag, region, schedule.start);
    let options = Options {
        dry_run: false,
        max_delete,
    };
    let end = schedule.start.as_second() + schedule.duration.seconds();
    let mut outcome = Outcome {
        start: schedule.start,
        last_run: schedule.start,
        runs: 0,
        snapshots_taken: 0,
        snapshots_deleted: 0,
        snapshots: Vec::new(),
    };
    let mut now = schedule.start;
    while now.as_second() < end {
        cloud.set_now(now);
        let report = run_once(&mut cloud, settings, options)?;
        for droplet in &report.droplets {
            outcome.snapshots_deleted += droplet.deleted.len() as u64;
            if matches!(droplet.snapshot, SnapshotOutcome::Taken { .. }) {
                outcome.snapshots_taken += 1;
            }
        }
        outcome.runs += 1;
        outcome.last_run = now;
        match now.checked_add(schedule.every.seconds()) {
            Some(next) => now = next,
            None => break,
        }
    }
    outcome.snapshots = cloud.snapshots().iter().map(Survivor::from).collect();
    Ok(outcome)
}

impl From<&Snapshot> for Survivor {
    fn from(s: &Snapshot) -> Survivor {
        Survivor {
            created_at: s.created_at,
            name: s.name.clone(),
        }
    }
}
