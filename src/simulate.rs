//! `--simulate INTERVAL:DURATION`: the run engine, every INTERVAL of virtual time, against an
//! in-memory account holding one droplet called `simulated`.

use serde::Serialize;

use crate::cloud::CloudError;
use crate::cloud::memory::MemoryCloud;
use crate::core::model::Snapshot;
use crate::core::plan::Settings;
use crate::core::span::Span;
use crate::run::{Options, Orphans, SnapshotOutcome, run_once};
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
    /// Snapshots held at the start of a run, on average: what a run's cost follows.
    pub mean_held: f64,
    /// Surviving snapshots, oldest first.
    pub snapshots: Vec<Survivor>,
}

/// A snapshot left at the end.
#[derive(Clone, Debug, Serialize)]
pub struct Survivor {
    pub created_at: Timestamp,
    pub name: String,
}

/// The most snapshot visits (snapshots held, summed over runs) a simulation may make, some
/// seconds of work: a policy that keeps everything makes each run slower than the last.
pub const MAX_VISITS: u64 = 500_000_000;

/// Why a simulation could not finish.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error(transparent)]
    Cloud(#[from] CloudError),
    #[error(
        "--simulate: stopped after {runs} runs, holding {held} snapshots: this policy keeps so \
         many that the simulation would take too long; check the -k rules, or simulate a \
         shorter DURATION or a longer INTERVAL"
    )]
    TooLong { runs: u64, held: usize },
}

/// Runs the simulation. `options` mirror a real run's (`--max-delete`, `--wait`, `--power-off`),
/// so their effect can be previewed too, but the simulation never runs a hook and is never a dry
/// run; `max_visits` bounds the work (`MAX_VISITS` from the command line).
pub fn simulate(
    settings: &Settings,
    schedule: Schedule,
    options: &Options,
    max_visits: u64,
) -> Result<Outcome, SimulateError> {
    // The simulated account holds one droplet and nothing else: no orphans to look for.
    let options = &Options {
        orphans: Orphans::Keep,
        ..options.clone()
    };
    let region = "nyc3";
    let mut cloud = MemoryCloud::new(DROPLET, &settings.tag, region, schedule.start);
    let end = schedule.start.as_second() + schedule.duration.seconds();
    let mut outcome = Outcome {
        start: schedule.start,
        last_run: schedule.start,
        runs: 0,
        snapshots_taken: 0,
        snapshots_deleted: 0,
        mean_held: 0.0,
        snapshots: Vec::new(),
    };
    let mut visits: u64 = 0;
    let mut now = schedule.start;
    while now.as_second() < end {
        cloud.set_now(now);
        let held = cloud.snapshots().len();
        visits += held as u64;
        if visits > max_visits {
            return Err(SimulateError::TooLong {
                runs: outcome.runs,
                held,
            });
        }
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
    outcome.mean_held = visits as f64 / outcome.runs.max(1) as f64;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::naming::PrefixTemplate;
    use crate::core::policy::Policy;

    fn keep_everything() -> Settings {
        Settings {
            tag: "t".into(),
            prefix: PrefixTemplate::parse("$droplet-").unwrap(),
            snapshot_every: Span::parse("1h").unwrap(),
            policy: Policy::default(),
            regions: Vec::new(),
        }
    }

    #[test]
    fn a_policy_that_keeps_everything_is_stopped_before_it_takes_too_long() {
        let schedule = Schedule {
            start: Timestamp::parse("2020-01-01T00:00:00Z").unwrap(),
            every: Span::parse("1h").unwrap(),
            duration: Span::parse("1m").unwrap(),
        };
        // 100 runs hold 0 + 1 + ... + 99 = 4,950 snapshots in all; the next would pass 5,000.
        let err = simulate(&keep_everything(), schedule, &Options::default(), 5_000).unwrap_err();
        assert_eq!(
            err.to_string().split(':').nth(1).unwrap().trim(),
            "stopped after 100 runs, holding 100 snapshots"
        );
        let outcome = simulate(
            &keep_everything(),
            schedule,
            &Options::default(),
            MAX_VISITS,
        )
        .unwrap();
        assert_eq!(outcome.runs, 720);
        assert_eq!(outcome.snapshots.len(), 720);
        assert!((outcome.mean_held - 359.5).abs() < 1e-9);
    }
}
