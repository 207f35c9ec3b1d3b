//! The retention engine: which of one droplet's owned snapshots the policy keeps.
//!
//! Semantics are the seed's: each snapshot belongs to the first rule (oldest AGE first) whose AGE
//! it has reached; within a rule, walking oldest to newest, the first is kept and then only those
//! at least INTERVAL after the last one kept. Two deliberate safety rules sit on top: a snapshot
//! dated after `now` is never deleted, and neither is the newest one dated at or before `now`.

use super::policy::{Policy, Rule};
use crate::time::Timestamp;

/// What happens to one snapshot, and why.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Younger than every rule's AGE: no rule governs it yet.
    KeepYoung,
    /// Dated after `now` (a clock problem somewhere): never touched.
    KeepFuture,
    /// Kept by rule `rule` (an index into `Policy::rules`): first of its group, or at least
    /// INTERVAL after the previous one kept.
    Keep { rule: usize },
    /// Rule `rule` would delete it, but it is the newest snapshot, which is always kept.
    KeepNewest { rule: usize },
    /// Deleted by rule `rule`: INTERVAL is zero, or it is closer than INTERVAL to the one kept
    /// before it.
    Delete { rule: usize },
}

impl Verdict {
    pub fn is_delete(self) -> bool {
        matches!(self, Verdict::Delete { .. })
    }
}

/// The policy applied one snapshot at a time, oldest first: as the walk moves to newer
/// snapshots their age only falls, so the governing rule only moves down the list. It does not
/// apply the newest-snapshot protection, which needs to know which snapshot is the last:
/// `judge` adds that with `protect_newest` once the walk is over. The planner, which walks a
/// droplet's snapshots anyway, judges each one as it passes and undoes the newest one's
/// deletion at the end instead.
///
/// A simulation judges every snapshot held on every run, so the state is kept as times to
/// compare with, not ages to compute: a comparison with each of three times decides most
/// snapshots.
pub struct Judge<'p> {
    rules: &'p [Rule],
    /// Now, in seconds: a snapshot after it is in the future.
    now: i64,
    /// The rule governing the previous snapshot (rules are oldest AGE first); `rules.len()`
    /// once the walk is younger than every rule.
    rule: usize,
    /// The newest time that rule governs (now less its AGE): a newer snapshot is another's.
    until: i64,
    /// The rule's INTERVAL in seconds.
    interval: i64,
    /// The earliest time the rule keeps another snapshot from: the last one kept plus INTERVAL;
    /// the start of time before its first; the end of time when INTERVAL is zero.
    keep_from: i64,
}

impl<'p> Judge<'p> {
    pub fn new(policy: &'p Policy, now: Timestamp) -> Judge<'p> {
        let mut judge = Judge {
            rules: policy.rules(),
            now: now.as_second(),
            rule: 0,
            until: i64::MAX,
            interval: 0,
            keep_from: i64::MAX,
        };
        judge.enter(0);
        judge
    }

    /// Moves the walk into rule `rule`'s group (or past every rule).
    fn enter(&mut self, rule: usize) {
        self.rule = rule;
        match self.rules.get(rule) {
            Some(r) => {
                self.until = self.now.saturating_sub(r.age.seconds());
                self.interval = r.interval.seconds();
                self.keep_from = if self.interval == 0 {
                    i64::MAX
                } else {
                    i64::MIN
                };
            }
            // Past every rule: no time ends it, and it keeps everything.
            None => {
                self.until = i64::MAX;
                self.interval = 0;
                self.keep_from = i64::MIN;
            }
        }
    }

    /// Whether the next snapshot, taken at `at`, is deleted, and by which rule: all the
    /// planner asks of every snapshot on every run of a simulation, in two comparisons. A
    /// snapshot younger than every rule is past them all, where the walk keeps everything; so
    /// is one dated after now, which is younger than any AGE (even 0) allows.
    pub fn deletes(&mut self, at: Timestamp) -> Option<&'p Rule> {
        let t = at.as_second();
        while t > self.until {
            self.enter(self.rule + 1);
        }
        if t >= self.keep_from {
            // A timestamp (years 1 to 9999) plus an INTERVAL (at most 10,000 years) is far
            // inside i64, so this cannot wrap; if it ever did, the next snapshots would be kept,
            // not deleted. One instruction where a saturating add takes several.
            self.keep_from = t.wrapping_add(self.interval);
            None
        } else {
            self.rules.get(self.rule)
        }
    }

    /// The verdict on the next snapshot, taken at `at` (never `KeepNewest`): `deletes`, with
    /// the reason for keeping.
    pub fn next(&mut self, at: Timestamp) -> Verdict {
        if at.as_second() > self.now {
            return Verdict::KeepFuture;
        }
        match self.deletes(at) {
            Some(_) => Verdict::Delete { rule: self.rule },
            None if self.rule == self.rules.len() => Verdict::KeepYoung,
            None => Verdict::Keep { rule: self.rule },
        }
    }
}

/// The newest-snapshot protection, on a walk's verdicts given newest first: the newest one not
/// dated in the future is kept even if its rule would delete it.
pub fn protect_newest<'v>(newest_first: impl IntoIterator<Item = &'v mut Verdict>) {
    if let Some(newest) = newest_first
        .into_iter()
        .find(|v| **v != Verdict::KeepFuture)
        && let Verdict::Delete { rule } = *newest
    {
        *newest = Verdict::KeepNewest { rule };
    }
}

/// Judges snapshots given by creation time, oldest first (ties in a stable order), writing one
/// verdict per snapshot into `out` (cleared first), the newest-snapshot protection included.
pub fn judge(
    created: impl IntoIterator<Item = Timestamp>,
    policy: &Policy,
    now: Timestamp,
    out: &mut Vec<Verdict>,
) {
    out.clear();
    let mut judge = Judge::new(policy, now);
    out.extend(created.into_iter().map(|at| judge.next(at)));
    protect_newest(out.iter_mut().rev());
}

#[cfg(test)]
mod tests {
    use super::super::policy::Rule;
    use super::*;
    use proptest::prelude::*;

    const H: i64 = 3_600;
    const D: i64 = 86_400;

    fn policy(rules: &[&str]) -> Policy {
        Policy::new(rules.iter().map(|r| Rule::parse(r).unwrap()).collect())
    }

    fn run(rules: &[&str], created: &[i64], now: i64) -> Vec<Verdict> {
        let mut out = Vec::new();
        judge(
            created.iter().map(|&s| Timestamp::from_second(s).unwrap()),
            &policy(rules),
            Timestamp::from_second(now).unwrap(),
            &mut out,
        );
        out
    }

    #[test]
    fn no_rules_keeps_everything() {
        let v = run(&[], &[0, D, 2 * D], 3 * D);
        assert_eq!(v, [Verdict::KeepYoung; 3]);
    }

    #[test]
    fn younger_than_every_age_is_kept() {
        let v = run(&["0d:1w"], &[0, 5 * D, 6 * D], 7 * D);
        assert_eq!(
            v,
            [
                Verdict::Delete { rule: 0 },
                Verdict::KeepYoung,
                Verdict::KeepYoung
            ]
        );
    }

    #[test]
    fn interval_keeps_first_then_spaced() {
        // Daily snapshots all older than 1d, keep one per 3 days.
        let created: Vec<i64> = (0..7).map(|d| d * D).collect();
        let v = run(&["3d:1d"], &created, 30 * D);
        let kept: Vec<bool> = v.iter().map(|v| !v.is_delete()).collect();
        // Day 6 is the newest: the policy keeps it anyway (6 >= 3 + 3).
        assert_eq!(kept, [true, false, false, true, false, false, true]);
    }

    #[test]
    fn exactly_interval_apart_is_kept() {
        let v = run(&["1d:0h"], &[0, D, D + 1, 2 * D], 10 * D);
        assert_eq!(
            v,
            [
                Verdict::Keep { rule: 0 },
                Verdict::Keep { rule: 0 },
                Verdict::Delete { rule: 0 },
                Verdict::Keep { rule: 0 }
            ]
        );
    }

    #[test]
    fn groups_restart_spacing_per_rule() {
        // Rule 1w:1m governs the two oldest; rule 1d:1d the rest; spacing restarts per group.
        let v = run(&["1d:1d", "1w:1m"], &[0, H, 40 * D, 40 * D + H], 42 * D);
        assert_eq!(
            v,
            [
                Verdict::Keep { rule: 0 },
                Verdict::Delete { rule: 0 },
                Verdict::Keep { rule: 1 },
                Verdict::KeepNewest { rule: 1 }
            ]
        );
    }

    #[test]
    fn the_newest_survives_a_delete_everything_rule() {
        // The seed's failure: -k 0d:6m once snapshots stopped 6 months ago deletes them all.
        let v = run(&["0d:6m"], &[0, D, 2 * D], 400 * D);
        assert_eq!(
            v,
            [
                Verdict::Delete { rule: 0 },
                Verdict::Delete { rule: 0 },
                Verdict::KeepNewest { rule: 0 }
            ]
        );
    }

    #[test]
    fn future_snapshots_are_kept_and_do_not_shield_the_newest_past_one() {
        let v = run(&["0d:1h"], &[0, D, 10 * D], 5 * D);
        assert_eq!(
            v,
            [
                Verdict::Delete { rule: 0 },
                Verdict::KeepNewest { rule: 0 },
                Verdict::KeepFuture
            ]
        );
    }

    fn arb_rule() -> impl Strategy<Value = String> {
        (0u64..5, 0usize..4, 0u64..5, 0usize..4).prop_map(|(i, iu, a, au)| {
            let u = ["h", "d", "w", "m"];
            format!("{i}{}:{a}{}", u[iu], u[au])
        })
    }

    fn arb_case() -> impl Strategy<Value = (Vec<String>, Vec<i64>, i64)> {
        (
            proptest::collection::vec(arb_rule(), 0..5),
            proptest::collection::vec(0i64..200 * D, 0..40),
            0i64..250 * D,
        )
            .prop_map(|(rules, mut created, now)| {
                created.sort_unstable();
                (rules, created, now)
            })
    }

    /// Like `arb_case`, with times on the hour, so snapshots often fall exactly INTERVAL apart
    /// or AGE old (the rules are whole hours, days, weeks and months).
    fn arb_hourly_case() -> impl Strategy<Value = (Vec<String>, Vec<i64>, i64)> {
        arb_case().prop_map(|(rules, created, now)| {
            let hour = |t: i64| t / H * H;
            (rules, created.into_iter().map(hour).collect(), hour(now))
        })
    }

    proptest! {
        #[test]
        fn the_newest_is_never_deleted((rules, created, now) in arb_case()) {
            let refs: Vec<&str> = rules.iter().map(String::as_str).collect();
            let v = run(&refs, &created, now);
            if let Some(i) = created.iter().rposition(|&c| c <= now) {
                prop_assert!(!v[i].is_delete());
            }
            for (c, verdict) in created.iter().zip(&v) {
                if *c > now { prop_assert_eq!(*verdict, Verdict::KeepFuture); }
            }
        }

        #[test]
        fn younger_than_every_age_is_never_deleted((rules, created, now) in arb_case()) {
            let refs: Vec<&str> = rules.iter().map(String::as_str).collect();
            let p = policy(&refs);
            let youngest_age = p.rules().iter().map(|r| r.age.seconds()).min();
            let v = run(&refs, &created, now);
            for (c, verdict) in created.iter().zip(&v) {
                if youngest_age.is_none_or(|a| now - c < a) {
                    prop_assert!(!verdict.is_delete());
                }
            }
        }

        #[test]
        fn judging_survivors_again_deletes_nothing((rules, created, now) in arb_case()) {
            let refs: Vec<&str> = rules.iter().map(String::as_str).collect();
            let v = run(&refs, &created, now);
            let survivors: Vec<i64> = created.iter().zip(&v)
                .filter(|(_, v)| !v.is_delete()).map(|(c, _)| *c).collect();
            let again = run(&refs, &survivors, now);
            prop_assert!(again.iter().all(|v| !v.is_delete()), "{:?}", again);
        }

        #[test]
        fn kept_snapshots_of_a_rule_are_interval_apart(
            (rules, created, now) in prop_oneof![arb_case(), arb_hourly_case()]
        ) {
            let refs: Vec<&str> = rules.iter().map(String::as_str).collect();
            let p = policy(&refs);
            let v = run(&refs, &created, now);
            for (rule, r) in p.rules().iter().enumerate() {
                let kept: Vec<i64> = created.iter().zip(&v)
                    .filter(|(_, v)| **v == Verdict::Keep { rule })
                    .map(|(c, _)| *c).collect();
                for pair in kept.windows(2) {
                    prop_assert!(r.interval.seconds() > 0);
                    prop_assert!(pair[1] - pair[0] >= r.interval.seconds());
                }
            }
        }
    }
}
