//! What a policy achieved over a simulation, computed from its history: for each rule, the
//! largest gap between consecutive snapshots in the rule's age band, after the last run and the
//! worst after any run; the snapshots held over time; the storage they took. Pure: the history
//! in, the figures out.
//!
//! A rule governs the ages from its AGE up to the next older rule's AGE (the oldest rule, every
//! age from its AGE on). A gap between two consecutive snapshots belongs to the band its older
//! snapshot is in: the older one is where the rule's thinning made the gap.

use super::policy::{Policy, Rule};
use crate::time::Timestamp;

/// One snapshot's life in a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Life {
    /// The time in its name: when it was asked for, and where its age is measured from.
    pub time: Timestamp,
    /// When the account dated it: its storage is paid for from then.
    pub created_at: Timestamp,
    /// When the run that deleted it ran; `None` if it lived to the end.
    pub deleted: Option<Timestamp>,
}

/// A run that ran, and the snapshots held after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub at: Timestamp,
    pub held: usize,
}

/// One rule's promise and what it achieved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleOutcome {
    pub rule: Rule,
    /// The youngest age the rule governs, in seconds: its AGE.
    pub from_age: i64,
    /// The age it governs up to (not included): the next older rule's AGE; `None` for the
    /// oldest rule. Equal to `from_age` for a rule another with the same AGE shadows.
    pub to_age: Option<i64>,
    /// The largest gap in the band after the last run, in seconds (`None`: no two snapshots).
    pub end_gap: Option<i64>,
    /// The largest gap in the band after any run.
    pub worst_gap: Option<i64>,
    /// Snapshots in the band after the last run.
    pub held: usize,
}

/// Everything the summary of a simulation reports beyond its table.
#[derive(Clone, Debug, PartialEq)]
pub struct Achieved {
    /// Per rule, oldest AGE first (the policy's order).
    pub rules: Vec<RuleOutcome>,
    pub held_min: usize,
    pub held_max: usize,
    pub held_mean: f64,
    /// Seconds of storage summed over snapshots: each from its `created_at` until it was
    /// deleted or the simulation ended.
    pub stored_seconds: i64,
}

/// Seconds in the tool's month (30 days): storage is billed per GB-month.
pub const MONTH: i64 = 30 * 86_400;

/// What storing the snapshots cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Storage {
    pub gb_months: f64,
    /// GB held on average over the simulated period.
    pub mean_gb: f64,
    /// USD.
    pub cost: f64,
}

/// The storage of snapshots of `size_gb` each, held `stored_seconds` in all over a period of
/// `period_seconds`, at `price_per_gb` USD per GB-month.
pub fn storage(
    stored_seconds: i64,
    period_seconds: i64,
    size_gb: f64,
    price_per_gb: f64,
) -> Storage {
    let gb_months = stored_seconds as f64 / MONTH as f64 * size_gb;
    Storage {
        gb_months,
        mean_gb: stored_seconds as f64 / period_seconds.max(1) as f64 * size_gb,
        cost: gb_months * price_per_gb,
    }
}

/// How many of `count` events fall in 30 days on average over `period_seconds`.
pub fn per_30_days(count: u64, period_seconds: i64) -> f64 {
    count as f64 * MONTH as f64 / period_seconds.max(1) as f64
}

/// The age bands of `policy`'s rules, oldest first: `(from, to)` seconds, `to` exclusive.
pub fn bands(policy: &Policy) -> Vec<(i64, i64)> {
    let mut to = i64::MAX;
    policy
        .rules()
        .iter()
        .map(|r| {
            let from = r.age.seconds();
            let band = (from, to.max(from));
            to = from;
            band
        })
        .collect()
}

/// The band an age falls in: the first (oldest) whose AGE it has reached, as in retention.
pub fn band_of(bands: &[(i64, i64)], age: i64) -> Option<usize> {
    bands.iter().position(|(from, _)| age >= *from)
}

/// What `policy` achieved over a simulation whose snapshots lived `lives` (ordered by `time`)
/// and whose runs left `samples` (in order); `end` is when the simulated period ended.
pub fn achieved(lives: &[Life], samples: &[Sample], policy: &Policy, end: Timestamp) -> Achieved {
    let bands = bands(policy);
    let times: Vec<Timestamp> = samples.iter().map(|s| s.at).collect();
    let sweep = Sweep::run(lives, &times, &bands);
    let rules = policy
        .rules()
        .iter()
        .zip(&bands)
        .enumerate()
        .map(|(i, (rule, (from, to)))| RuleOutcome {
            rule: *rule,
            from_age: *from,
            to_age: (*to != i64::MAX).then_some(*to),
            end_gap: sweep.end_gaps[i],
            worst_gap: sweep.worst_gaps[i],
            held: sweep.end_held[i],
        })
        .collect();
    let held = samples.iter().map(|s| s.held);
    Achieved {
        rules,
        held_min: held.clone().min().unwrap_or(0),
        held_max: held.clone().max().unwrap_or(0),
        held_mean: held.sum::<usize>() as f64 / samples.len().max(1) as f64,
        stored_seconds: lives
            .iter()
            .map(|l| l.deleted.unwrap_or(end).since(l.created_at).max(0))
            .sum(),
    }
}

/// The gaps of every band, found in one pass over the history. Two snapshots stay neighbours
/// from the run that made them so (the younger taken, or one between them deleted) until a
/// run deletes either; meanwhile their gap is fixed and only the older one's age, and so its
/// band, moves. So each pair of neighbours is looked at once, when it ends, instead of once per
/// run it lasts.
struct Sweep<'a> {
    lives: &'a [Life],
    times: &'a [Timestamp],
    bands: &'a [(i64, i64)],
    worst_gaps: Vec<Option<i64>>,
    end_gaps: Vec<Option<i64>>,
    end_held: Vec<usize>,
}

impl<'a> Sweep<'a> {
    fn run(lives: &'a [Life], times: &'a [Timestamp], bands: &'a [(i64, i64)]) -> Sweep<'a> {
        let mut sweep = Sweep {
            lives,
            times,
            bands,
            worst_gaps: vec![None; bands.len()],
            end_gaps: vec![None; bands.len()],
            end_held: vec![0; bands.len()],
        };
        let mut deaths: Vec<(Timestamp, usize)> = lives
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.deleted.map(|d| (d, i)))
            .collect();
        // By time alone: deaths in one run may be handled in any order.
        deaths.sort_unstable_by_key(|&(d, _)| d);
        // Alive after the latest run: (life, the run from which it has neighboured the one
        // before it), oldest first.
        let mut alive: Vec<(usize, usize)> = Vec::new();
        let (mut next_life, mut next_death) = (0, 0);
        for (k, &t) in times.iter().enumerate() {
            while let Some(&(_, dead)) = deaths.get(next_death).filter(|(d, _)| *d <= t) {
                next_death += 1;
                let key = |&(i, _): &(usize, usize)| (lives[i].time, i);
                let Ok(p) = alive.binary_search_by_key(&(lives[dead].time, dead), key) else {
                    continue;
                };
                if p > 0 {
                    sweep.pair_ended(alive[p - 1].0, dead, alive[p].1, k);
                }
                if let Some(next) = alive.get_mut(p + 1) {
                    let (younger, since) = *next;
                    next.1 = k;
                    sweep.pair_ended(dead, younger, since, k);
                }
                alive.remove(p);
            }
            while let Some(life) = lives.get(next_life).filter(|l| l.time <= t) {
                if life.deleted.is_none_or(|d| d > t) {
                    alive.push((next_life, k));
                }
                next_life += 1;
            }
        }
        let Some(&last) = times.last() else {
            return sweep;
        };
        for (p, &(i, _)) in alive.iter().enumerate() {
            let Some(band) = band_of(bands, last.since(lives[i].time)) else {
                continue;
            };
            sweep.end_held[band] += 1;
            if let Some(&(younger, since)) = alive.get(p + 1) {
                let gap = lives[younger].time.since(lives[i].time);
                raise(&mut sweep.end_gaps[band], gap);
                sweep.pair_ended(i, younger, since, times.len());
            }
        }
        sweep
    }

    /// Neighbours `older` and `younger` were so after runs `from` up to, not including,
    /// `until`: their gap counts for each band the older one's age was in after one of them.
    fn pair_ended(&mut self, older: usize, younger: usize, from: usize, until: usize) {
        if from >= until {
            return;
        }
        let born = self.lives[older].time;
        let gap = self.lives[younger].time.since(born);
        let times = &self.times[from..until];
        let band_at = |t: &Timestamp| band_of(self.bands, t.since(born));
        // Ages only grow, so bands only move towards the oldest (lower indices).
        let Some(last) = times.last().and_then(band_at) else {
            return;
        };
        let first = band_at(&times[0]).unwrap_or(self.bands.len());
        for band in last..first.min(self.bands.len() - 1) + 1 {
            let (from_age, to_age) = self.bands[band];
            let touched = band == last
                || band == first
                || times
                    .get(times.partition_point(|t| t.since(born) < from_age))
                    .is_some_and(|t| t.since(born) < to_age);
            if touched {
                raise(&mut self.worst_gaps[band], gap);
            }
        }
    }
}

fn raise(slot: &mut Option<i64>, value: i64) {
    *slot = Some(slot.map_or(value, |v| v.max(value)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const D: i64 = 86_400;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn policy(rules: &[&str]) -> Policy {
        Policy::new(rules.iter().map(|r| Rule::parse(r).unwrap()).collect())
    }

    /// The same figures the slow way: after every run, every pair of neighbours.
    fn brute_force(lives: &[Life], times: &[Timestamp], policy: &Policy) -> Vec<[Option<i64>; 2]> {
        let bands = bands(policy);
        let mut out = vec![[None, None]; bands.len()];
        for (k, &at) in times.iter().enumerate() {
            let mut alive: Vec<Timestamp> = lives
                .iter()
                .filter(|l| l.time <= at && l.deleted.is_none_or(|d| d > at))
                .map(|l| l.time)
                .collect();
            alive.sort();
            for pair in alive.windows(2) {
                if let Some(band) = band_of(&bands, at.since(pair[0])) {
                    let gap = pair[1].since(pair[0]);
                    raise(&mut out[band][1], gap);
                    if k + 1 == times.len() {
                        raise(&mut out[band][0], gap);
                    }
                }
            }
        }
        out
    }

    fn gaps(a: &Achieved) -> Vec<[Option<i64>; 2]> {
        a.rules.iter().map(|r| [r.end_gap, r.worst_gap]).collect()
    }

    fn samples(times: &[i64]) -> Vec<Sample> {
        times
            .iter()
            .map(|&s| Sample { at: t(s), held: 0 })
            .collect()
    }

    #[test]
    fn a_gap_belongs_to_the_band_of_its_older_snapshot() {
        // Snapshots 20 and 6 days old at the end under 1w:1m and 2w:1w: bands [30d, ∞) and
        // [7d, 30d). The 14-day gap (34 → 20) has its older end in the 1w:1m band.
        let p = policy(&["2w:1w", "1w:1m"]);
        let lives: Vec<Life> = [0, 14, 28, 34]
            .iter()
            .map(|&d| Life {
                time: t(d * D),
                created_at: t(d * D),
                deleted: None,
            })
            .collect();
        let a = achieved(&lives, &samples(&[34 * D, 54 * D]), &p, t(54 * D));
        // At 54d: ages 54, 40, 26, 20. Pairs: (54,40) 14d and (40,26) 14d in 1w:1m; (26,20) 6d
        // in 2w:1w.
        assert_eq!(a.rules[0].rule.to_string(), "1w:1m");
        assert_eq!((a.rules[0].end_gap, a.rules[0].held), (Some(14 * D), 2));
        assert_eq!((a.rules[1].end_gap, a.rules[1].held), (Some(6 * D), 2));
        assert_eq!(a.rules[1].to_age, Some(30 * D));
        assert_eq!(a.rules[0].to_age, None);
        // At 34d: ages 34, 20, 6, 0: (34,20) 14d in 1w:1m, (20,6) 14d in 2w:1w.
        assert_eq!(a.rules[1].worst_gap, Some(14 * D));
        assert_eq!(gaps(&a), brute_force(&lives, &[t(34 * D), t(54 * D)], &p));
    }

    #[test]
    fn held_counts_and_storage() {
        let lives = [
            Life {
                time: t(0),
                created_at: t(100),
                deleted: Some(t(D)),
            },
            Life {
                time: t(D),
                created_at: t(D),
                deleted: None,
            },
        ];
        let runs = [
            Sample { at: t(0), held: 1 },
            Sample { at: t(D), held: 1 },
            Sample {
                at: t(2 * D),
                held: 4,
            },
        ];
        let a = achieved(&lives, &runs, &policy(&[]), t(3 * D));
        assert_eq!((a.held_min, a.held_max), (1, 4));
        assert!((a.held_mean - 2.0).abs() < 1e-9);
        assert_eq!(a.stored_seconds, (D - 100) + 2 * D);
        assert!(a.rules.is_empty());
    }

    #[test]
    fn storage_in_gb_months_and_cost() {
        // Two snapshots of 25 GB held for a month each over three months.
        let s = storage(2 * MONTH, 3 * MONTH, 25.0, 0.06);
        assert!((s.gb_months - 50.0).abs() < 1e-9);
        assert!((s.mean_gb - 50.0 / 3.0).abs() < 1e-9);
        assert!((s.cost - 3.0).abs() < 1e-9);
        assert!((per_30_days(90, 90 * 86_400) - 30.0).abs() < 1e-9);
        assert_eq!(per_30_days(5, 0), 5.0 * MONTH as f64);
    }

    #[test]
    fn an_empty_history_has_no_gaps() {
        let a = achieved(&[], &[], &policy(&["1d:1d"]), t(0));
        assert_eq!(gaps(&a), [[None, None]]);
        assert_eq!((a.held_min, a.held_max, a.stored_seconds), (0, 0, 0));
    }

    fn arb_rule() -> impl Strategy<Value = String> {
        (0u64..4, 0usize..3, 0u64..6, 0usize..3).prop_map(|(i, iu, a, au)| {
            let u = ["h", "d", "w"];
            format!("{i}{}:{a}{}", u[iu], u[au])
        })
    }

    /// Runs at irregular times, each taking a snapshot or not, and snapshots deleted by
    /// later runs (or never): any history a simulation could leave.
    fn arb_history() -> impl Strategy<Value = (Vec<Life>, Vec<Timestamp>)> {
        proptest::collection::vec((1i64..3 * D, any::<bool>(), 0usize..40), 1..80).prop_map(
            |steps| {
                let mut now = 0;
                let times: Vec<i64> = steps
                    .iter()
                    .map(|(gap, _, _)| {
                        now += gap;
                        now
                    })
                    .collect();
                let lives = steps
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, take, _))| *take)
                    .map(|(k, (_, _, dies))| Life {
                        time: t(times[k]),
                        created_at: t(times[k]),
                        deleted: times.get(k + 1 + dies).map(|&d| t(d)),
                    })
                    .collect();
                (lives, times.into_iter().map(t).collect())
            },
        )
    }

    proptest! {
        #[test]
        fn the_sweep_agrees_with_the_brute_force(
            rules in proptest::collection::vec(arb_rule(), 0..5),
            (lives, times) in arb_history(),
        ) {
            let refs: Vec<&str> = rules.iter().map(String::as_str).collect();
            let p = policy(&refs);
            let runs: Vec<Sample> = times.iter().map(|&at| Sample { at, held: 0 }).collect();
            let end = *times.last().unwrap();
            let a = achieved(&lives, &runs, &p, end);
            prop_assert_eq!(gaps(&a), brute_force(&lives, &times, &p));
            let last = *times.last().unwrap();
            let alive: Vec<&Life> = lives.iter().filter(|l| l.deleted.is_none()).collect();
            let bands = bands(&p);
            for (band, r) in a.rules.iter().enumerate() {
                let held = alive.iter().filter(|l| band_of(&bands, last.since(l.time)) == Some(band)).count();
                prop_assert_eq!(r.held, held);
            }
        }
    }
}
