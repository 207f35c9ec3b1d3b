//! `--simulate INTERVAL:DURATION`: the run engine, every INTERVAL of virtual time, against an
//! in-memory account holding one droplet called `simulated`. The models of `models.rs` decide
//! when each run really starts (or whether it does) and how the account dates a snapshot.

pub mod models;
mod random;

use serde::Serialize;

pub use models::{Models, Outage};

use self::models::{Fate, World};
use crate::cloud::CloudError;
use crate::cloud::memory::MemoryCloud;
use crate::core::achieved::{Life, Sample};
use crate::core::explain::explain;
use crate::core::model::Snapshot;
use crate::core::plan::Settings;
use crate::core::span::Span;
use crate::run::{ExplainedSnapshot, Options, Orphans, SnapshotOutcome, run_once};
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
    /// Runs made (not counting those that failed or fell in an outage).
    pub runs: u64,
    /// Runs that failed outright (`--fail-rate`).
    pub runs_failed: u64,
    /// Runs that never started: scheduled in an `--outage`.
    pub runs_missed: u64,
    pub snapshots_taken: u64,
    pub snapshots_deleted: u64,
    /// Snapshots held at the start of a run, on average: what a run's cost follows.
    pub mean_held: f64,
    /// Surviving snapshots, oldest first.
    pub snapshots: Vec<Survivor>,
    /// With `--explain`: why each snapshot left at the end is kept, judged after the last run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<Vec<ExplainedSnapshot>>,
    /// How it got there, for the summary and the chart.
    #[serde(skip)]
    pub history: History,
}

/// The history of a simulation: every snapshot's life and the snapshots held after each run.
#[derive(Clone, Debug)]
pub struct History {
    /// Every snapshot taken, oldest first.
    pub lives: Vec<Life>,
    /// Each run made, and the snapshots held after it.
    pub samples: Vec<Sample>,
    /// The end of the simulated period: start + DURATION.
    pub end: Timestamp,
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
/// run; `models` decide when runs start and how snapshots are dated; `max_visits` bounds the work
/// (`MAX_VISITS` from the command line).
pub fn simulate(
    settings: &Settings,
    schedule: Schedule,
    models: &Models,
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
    let mut world = World::new(models.clone(), schedule.start);
    let end = schedule.start.as_second() + schedule.duration.seconds();
    let runs = usize::try_from(
        schedule
            .duration
            .seconds()
            .div_euclid(schedule.every.seconds().max(1))
            + 1,
    )
    .unwrap_or(0);
    let mut outcome = Outcome {
        start: schedule.start,
        last_run: schedule.start,
        runs: 0,
        runs_failed: 0,
        runs_missed: 0,
        snapshots_taken: 0,
        snapshots_deleted: 0,
        mean_held: 0.0,
        snapshots: Vec::new(),
        explain: None,
        // A sample per run made: reserved once (up to a million runs, 16 MB), so the samples
        // of a long simulation are not copied again and again as they grow.
        history: History {
            lives: Vec::new(),
            samples: Vec::with_capacity(runs.min(1 << 20)),
            end: Timestamp::from_second(end).unwrap_or(schedule.start),
        },
    };
    // Each run's verdicts are not wanted, only the final state's.
    let run_options = Options {
        explain: false,
        ..options.clone()
    };
    let mut visits: u64 = 0;
    let mut scheduled = Some(schedule.start);
    while let Some(at) = scheduled.filter(|at| at.as_second() < end) {
        scheduled = at.checked_add(schedule.every.seconds());
        let now = match world.fate(at) {
            Fate::Runs { at, latency } => {
                cloud.set_latency(latency);
                at
            }
            Fate::Failed => {
                outcome.runs_failed += 1;
                continue;
            }
            Fate::Outage => {
                outcome.runs_missed += 1;
                continue;
            }
        };
        cloud.set_now(now);
        let held = cloud.snapshots().len();
        visits += held as u64;
        if visits > max_visits {
            return Err(SimulateError::TooLong {
                runs: outcome.runs,
                held,
            });
        }
        let report = run_once(&mut cloud, settings, &run_options)?;
        for droplet in &report.droplets {
            outcome.snapshots_deleted += droplet.deleted.len() as u64;
            if matches!(droplet.snapshot, SnapshotOutcome::Taken { .. }) {
                outcome.snapshots_taken += 1;
            }
        }
        outcome.runs += 1;
        outcome.last_run = now;
        outcome.history.samples.push(Sample {
            at: now,
            held: cloud.snapshots().len(),
        });
    }
    outcome.mean_held = visits as f64 / outcome.runs.max(1) as f64;
    outcome.snapshots = cloud.snapshots().iter().map(Survivor::from).collect();
    outcome.history.lives = cloud.take_journal();
    if options.explain {
        let prefix = settings.prefix.expand(DROPLET, &settings.tag);
        let final_state = explain(
            cloud.snapshots(),
            &prefix,
            &settings.policy,
            outcome.last_run,
        );
        outcome.explain = Some(final_state.into_iter().map(Into::into).collect());
    }
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
    use crate::core::plan::slack_changes_cadence;
    use crate::core::policy::{Policy, Rule};
    use proptest::prelude::*;

    /// The seed's loop written plainly, with the newest snapshot kept as this tool adds: a run
    /// every `every` seconds before `end`, pruning each rule's group (oldest AGE first) to one
    /// per INTERVAL, then a snapshot when the newest is at least `s` old. `rules` are
    /// (INTERVAL, AGE) in seconds. Returns the survivors' times.
    fn seed_model(rules: &[(i64, i64)], s: i64, every: i64, end: i64) -> Vec<i64> {
        let mut rules = rules.to_vec();
        rules.sort_by_key(|(_, age)| std::cmp::Reverse(*age));
        let mut held: Vec<i64> = Vec::new();
        let mut now = 0;
        while now < end {
            let mut keep = vec![true; held.len()];
            for (r, (interval, _)) in rules.iter().enumerate() {
                let mut last: Option<i64> = None;
                for (i, t) in held.iter().enumerate() {
                    if rules.iter().position(|(_, age)| now - t >= *age) != Some(r) {
                        continue;
                    }
                    if *interval > 0 && last.is_none_or(|l| t - l >= *interval) {
                        last = Some(*t);
                    } else {
                        keep[i] = false;
                    }
                }
            }
            if let Some(newest) = keep.last_mut() {
                *newest = true;
            }
            let mut k = keep.iter();
            held.retain(|_| *k.next().unwrap_or(&true));
            if held.last().is_none_or(|newest| now - newest >= s) {
                held.push(now);
            }
            now += every;
        }
        held
    }

    fn arb_span(units: &'static [(&'static str, i64)]) -> impl Strategy<Value = (String, i64)> {
        (0i64..5, 0..units.len())
            .prop_map(move |(n, u)| (format!("{n}{}", units[u].0), n * units[u].1))
    }

    const UNITS: &[(&str, i64)] = &[("h", 3_600), ("d", 86_400), ("w", 604_800)];

    proptest! {
        /// Without jitter, and where no whole number of runs falls within the slack below -s,
        /// a simulation keeps exactly what the seed's loop keeps.
        #[test]
        fn clockwork_simulations_keep_what_the_seed_kept(
            rules in proptest::collection::vec((arb_span(UNITS), arb_span(UNITS)), 0..4),
            s_hours in 1i64..72,
            every_minutes in 10i64..1_500,
        ) {
            let s = Span::parse(&format!("{s_hours}h")).unwrap();
            let every = Span::parse(&format!("{every_minutes}min")).unwrap();
            prop_assume!(slack_changes_cadence(s, every).is_none());
            let settings = Settings {
                snapshot_every: s,
                policy: Policy::new(
                    rules.iter().map(|((i, _), (a, _))| Rule::parse(&format!("{i}:{a}")).unwrap()).collect(),
                ),
                ..keep_everything()
            };
            let start = Timestamp::parse("2020-01-01T00:00:00Z").unwrap();
            let schedule = Schedule { start, every, duration: Span::parse("60d").unwrap() };
            let outcome = simulate(&settings, schedule, &Models::default(), &Options::default(), MAX_VISITS).unwrap();
            let kept: Vec<i64> = outcome.snapshots.iter().map(|x| x.created_at.since(start)).collect();
            let model_rules: Vec<(i64, i64)> = rules.iter().map(|((_, i), (_, a))| (*i, *a)).collect();
            prop_assert_eq!(kept, seed_model(&model_rules, s.seconds(), every.seconds(), 60 * 86_400));
        }
    }

    #[test]
    fn a_seed_gives_the_same_run_and_models_change_it() {
        let settings = Settings {
            snapshot_every: Span::parse("1d").unwrap(),
            policy: Policy::new(vec![Rule::parse("1w:1w").unwrap()]),
            ..keep_everything()
        };
        let schedule = Schedule {
            start: Timestamp::parse("2020-01-01T00:00:00Z").unwrap(),
            every: Span::parse("4h").unwrap(),
            duration: Span::parse("3m").unwrap(),
        };
        let run = |models: &Models| {
            let o = simulate(&settings, schedule, models, &Options::default(), MAX_VISITS).unwrap();
            (o.runs, o.runs_failed, o.history.lives, o.history.samples)
        };
        let models = Models {
            jitter: 600,
            latency: 300,
            fail_rate: 0.1,
            outages: vec![Outage {
                start: 86_400,
                duration: 86_400,
            }],
            seed: 5,
        };
        assert_eq!(run(&models), run(&models));
        assert_ne!(
            run(&models),
            run(&Models {
                seed: 6,
                ..models.clone()
            })
        );
        let (runs, failed, lives, _) = run(&models);
        assert_eq!(runs + failed + 6, 540);
        assert!(lives.iter().any(|l| l.created_at > l.time));
        assert!(lives.iter().all(|l| l.created_at.since(l.time) <= 300));
        let (_, _, clockwork, _) = run(&Models::default());
        assert!(clockwork.iter().all(|l| l.created_at == l.time));
    }

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
        let err = simulate(
            &keep_everything(),
            schedule,
            &Models::default(),
            &Options::default(),
            5_000,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string().split(':').nth(1).unwrap().trim(),
            "stopped after 100 runs, holding 100 snapshots"
        );
        let outcome = simulate(
            &keep_everything(),
            schedule,
            &Models::default(),
            &Options::default(),
            MAX_VISITS,
        )
        .unwrap();
        assert_eq!(outcome.runs, 720);
        assert_eq!(outcome.snapshots.len(), 720);
        assert!((outcome.mean_held - 359.5).abs() < 1e-9);
    }
}
