//! How the simulated world departs from clockwork: runs that start late (`--jitter`),
//! snapshots dated after their request (`--latency`), runs that fail outright (`--fail-rate`)
//! and outages (`--outage`). They change only when the engine runs and what the in-memory
//! account records; the engine is the real one. All zero, the default, a simulation runs like
//! clockwork, as the seed's did.

use super::random::Random;
use crate::time::Timestamp;

/// The models of one simulation, checked by `config`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Models {
    /// Each run starts up to this many seconds after its scheduled time (less than INTERVAL,
    /// so runs keep their order).
    pub jitter: i64,
    /// A snapshot's `created_at` is up to this many seconds after it was asked for (its name
    /// keeps the time of the request).
    pub latency: i64,
    /// Each run fails outright, doing nothing, with this probability.
    pub fail_rate: f64,
    /// No run starts during these.
    pub outages: Vec<Outage>,
    /// The same seed gives the same simulation.
    pub seed: u64,
}

/// A stretch of time without runs, from `start` seconds after the simulation's start, for
/// `duration` seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outage {
    pub start: i64,
    pub duration: i64,
}

/// What becomes of one scheduled run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Scheduled in an outage: it never starts.
    Outage,
    /// It starts and fails before doing anything.
    Failed,
    /// It runs at `at`; a snapshot it asks for is dated `latency` seconds later.
    Runs { at: Timestamp, latency: i64 },
}

impl Models {
    /// True when every model is off: the simulation is clockwork.
    pub fn is_clockwork(&self) -> bool {
        self.jitter == 0 && self.latency == 0 && self.fail_rate == 0.0 && self.outages.is_empty()
    }
}

/// The models at work over one simulation: one random stream for each, so turning one on does
/// not change what another draws.
#[derive(Debug)]
pub struct World {
    models: Models,
    start: Timestamp,
    jitter: Random,
    latency: Random,
    failure: Random,
}

impl World {
    pub fn new(models: Models, start: Timestamp) -> World {
        let seed = models.seed;
        World {
            models,
            start,
            jitter: Random::new(seed, 1),
            latency: Random::new(seed, 2),
            failure: Random::new(seed, 3),
        }
    }

    /// The fate of the run scheduled at `scheduled`.
    pub fn fate(&mut self, scheduled: Timestamp) -> Fate {
        let offset = scheduled.since(self.start);
        let m = &self.models;
        if m.outages
            .iter()
            .any(|o| offset >= o.start && offset - o.start < o.duration)
        {
            return Fate::Outage;
        }
        if self.failure.chance(m.fail_rate) {
            return Fate::Failed;
        }
        let late = self.jitter.up_to(m.jitter);
        Fate::Runs {
            at: scheduled.checked_add(late).unwrap_or(scheduled),
            latency: self.latency.up_to(m.latency),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn fates(models: &Models, runs: i64) -> Vec<Fate> {
        let mut world = World::new(models.clone(), t(0));
        (0..runs).map(|k| world.fate(t(k * 3_600))).collect()
    }

    #[test]
    fn clockwork_runs_on_time_without_latency() {
        let models = Models::default();
        assert!(models.is_clockwork());
        for (k, fate) in fates(&models, 100).into_iter().enumerate() {
            assert_eq!(
                fate,
                Fate::Runs {
                    at: t(k as i64 * 3_600),
                    latency: 0
                }
            );
        }
    }

    #[test]
    fn jitter_and_latency_stay_within_their_bounds_and_vary() {
        let models = Models {
            jitter: 120,
            latency: 300,
            ..Models::default()
        };
        let mut lates = Vec::new();
        for (k, fate) in fates(&models, 500).into_iter().enumerate() {
            let Fate::Runs { at, latency } = fate else {
                panic!("{fate:?}")
            };
            let late = at.since(t(k as i64 * 3_600));
            assert!((0..=120).contains(&late) && (0..=300).contains(&latency));
            lates.push(late);
        }
        assert!(lates.iter().any(|&l| l < 10) && lates.iter().any(|&l| l > 110));
    }

    #[test]
    fn the_same_seed_gives_the_same_fates_and_models_draw_apart() {
        let jitter = Models {
            jitter: 600,
            fail_rate: 0.1,
            seed: 42,
            ..Models::default()
        };
        assert_eq!(fates(&jitter, 300), fates(&jitter, 300));
        let other_seed = Models {
            seed: 43,
            ..jitter.clone()
        };
        assert_ne!(fates(&jitter, 300), fates(&other_seed, 300));
        // Adding latency leaves the runs' times and failures as they were.
        let with_latency = Models {
            latency: 300,
            ..jitter.clone()
        };
        let times = |fates: Vec<Fate>| {
            fates
                .into_iter()
                .map(|f| match f {
                    Fate::Runs { at, .. } => Some(at),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(times(fates(&jitter, 300)), times(fates(&with_latency, 300)));
    }

    #[test]
    fn failures_follow_the_rate_and_outages_stop_runs() {
        let models = Models {
            fail_rate: 0.25,
            outages: vec![Outage {
                start: 10 * 3_600,
                duration: 5 * 3_600,
            }],
            ..Models::default()
        };
        let all = fates(&models, 4_000);
        let outage: Vec<usize> = all
            .iter()
            .enumerate()
            .filter(|(_, f)| **f == Fate::Outage)
            .map(|(k, _)| k)
            .collect();
        assert_eq!(outage, [10, 11, 12, 13, 14]);
        let failed = all.iter().filter(|f| **f == Fate::Failed).count();
        assert!((900..1_100).contains(&failed), "{failed}");
    }
}
