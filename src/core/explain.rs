//! Why the policy keeps or deletes each of a droplet's owned snapshots (`--explain`): the
//! retention verdicts, with the rule and the gap each one turned on. Pure, and only computed
//! when asked for, so runs and simulations without `--explain` pay nothing for it.

use std::fmt;

use super::model::Snapshot;
use super::naming::Prefix;
use super::policy::{Policy, Rule};
use super::retention::{Verdict, judge};
use super::span::human;
use crate::time::Timestamp;

/// One owned snapshot, the policy's verdict on it, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explained {
    pub name: String,
    /// The time in its name, which its age is measured from.
    pub time: Timestamp,
    /// True when the policy deletes it.
    pub delete: bool,
    pub reason: Reason,
}

/// Why a snapshot is kept or deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Younger than every rule's AGE (`None`: there is no rule at all).
    Young { youngest: Option<Rule> },
    /// Dated after the clock the run measures ages by.
    Future,
    /// Kept: the oldest of those its rule governs.
    First { rule: Rule },
    /// Kept: `gap` seconds after the one kept before it, at least the rule's INTERVAL.
    Spaced { rule: Rule, gap: i64 },
    /// Kept although its rule would delete it: it is the newest snapshot.
    Newest { rule: Rule },
    /// Deleted: the rule's INTERVAL is zero.
    NoneKept { rule: Rule },
    /// Deleted: only `gap` seconds after the one kept before it, less than the INTERVAL.
    TooClose { rule: Rule, gap: i64 },
}

impl Reason {
    /// The `-k` rule the verdict turned on, if one did.
    pub fn rule(&self) -> Option<Rule> {
        match *self {
            Reason::Young { .. } | Reason::Future => None,
            Reason::First { rule }
            | Reason::Spaced { rule, .. }
            | Reason::Newest { rule }
            | Reason::NoneKept { rule }
            | Reason::TooClose { rule, .. } => Some(rule),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Young { youngest: None } => write!(f, "no -k rule: every snapshot is kept"),
            Reason::Young {
                youngest: Some(rule),
            } => write!(f, "younger than every rule (-k {rule} is the youngest)"),
            Reason::Future => write!(f, "dated in the future"),
            Reason::First { rule } => write!(f, "-k {rule}: first of its group"),
            Reason::Spaced { rule, gap } => {
                write!(f, "-k {rule}: {} after the one kept before it", human(*gap))
            }
            Reason::Newest { rule } => write!(
                f,
                "newest snapshot (always kept; -k {rule} would delete it)"
            ),
            Reason::NoneKept { rule } => {
                write!(f, "-k {rule}: keeps none older than {}", rule.age)
            }
            Reason::TooClose { rule, gap } => write!(
                f,
                "-k {rule}: {} after the one kept before it (needs {})",
                human(*gap),
                rule.interval
            ),
        }
    }
}

/// Explains the verdicts on the snapshots `prefix` owns among `snapshots` (one droplet's,
/// ordered by time), judged at `now`, oldest first.
pub fn explain(
    snapshots: &[Snapshot],
    prefix: &Prefix,
    policy: &Policy,
    now: Timestamp,
) -> Vec<Explained> {
    let owned: Vec<(&Snapshot, Timestamp)> = snapshots
        .iter()
        .filter_map(|s| prefix.owns(s).map(|t| (s, t)))
        .collect();
    let mut verdicts = Vec::with_capacity(owned.len());
    judge(owned.iter().map(|(_, t)| *t), policy, now, &mut verdicts);
    let rules = policy.rules();
    let youngest = rules.last().copied();
    // The walk the judge made: the rule of the group, and the last snapshot it kept.
    let mut group: Option<(usize, Option<Timestamp>)> = None;
    owned
        .iter()
        .zip(verdicts)
        .map(|((snapshot, time), verdict)| {
            let rule_index = match verdict {
                Verdict::Keep { rule }
                | Verdict::KeepNewest { rule }
                | Verdict::Delete { rule } => Some(rule),
                Verdict::KeepYoung | Verdict::KeepFuture => None,
            };
            if let Some(r) = rule_index
                && group.is_none_or(|(g, _)| g != r)
            {
                group = Some((r, None));
            }
            let last_kept = group.and_then(|(_, k)| k);
            let gap = last_kept.map(|k| time.since(k));
            let reason = match (verdict, gap) {
                (Verdict::KeepYoung, _) => Reason::Young { youngest },
                (Verdict::KeepFuture, _) => Reason::Future,
                (Verdict::Keep { rule }, None) => Reason::First { rule: rules[rule] },
                (Verdict::Keep { rule }, Some(gap)) => Reason::Spaced {
                    rule: rules[rule],
                    gap,
                },
                (Verdict::KeepNewest { rule }, _) => Reason::Newest { rule: rules[rule] },
                (Verdict::Delete { rule }, _) if rules[rule].interval.seconds() == 0 => {
                    Reason::NoneKept { rule: rules[rule] }
                }
                (Verdict::Delete { rule }, gap) => Reason::TooClose {
                    rule: rules[rule],
                    gap: gap.unwrap_or(0),
                },
            };
            if let (Verdict::Keep { rule }, Some((g, kept))) = (verdict, group.as_mut())
                && *g == rule
            {
                *kept = Some(*time);
            }
            Explained {
                name: snapshot.name.clone(),
                time: *time,
                delete: verdict.is_delete(),
                reason,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::naming::PrefixTemplate;
    use proptest::prelude::*;

    const D: i64 = 86_400;

    fn policy(rules: &[&str]) -> Policy {
        Policy::new(rules.iter().map(|r| Rule::parse(r).unwrap()).collect())
    }

    fn snaps(days: &[i64]) -> Vec<Snapshot> {
        days.iter()
            .enumerate()
            .map(|(i, d)| {
                let at = Timestamp::from_second(1_600_000_000 + d * D).unwrap();
                Snapshot::new(i as u64, format!("web-{}", at.compact()), at, 1, Vec::new())
            })
            .collect()
    }

    fn why(rules: &[&str], days: &[i64], now_day: i64) -> Vec<String> {
        let prefix = PrefixTemplate::parse("$droplet-")
            .unwrap()
            .expand("web", "t");
        let now = Timestamp::from_second(1_600_000_000 + now_day * D).unwrap();
        explain(&snaps(days), &prefix, &policy(rules), now)
            .iter()
            .map(|e| format!("{} {}", if e.delete { "delete" } else { "kept" }, e.reason))
            .collect()
    }

    #[test]
    fn every_kind_of_reason() {
        assert_eq!(
            why(&["1w:1m", "0d:1y"], &[0, 3, 7, 8, 100, 380], 400),
            [
                "delete -k 0d:1y: keeps none older than 1y",
                "delete -k 0d:1y: keeps none older than 1y",
                "delete -k 0d:1y: keeps none older than 1y",
                "delete -k 0d:1y: keeps none older than 1y",
                "kept -k 1w:1m: first of its group",
                "kept younger than every rule (-k 1w:1m is the youngest)",
            ]
        );
        assert_eq!(
            why(&["1w:1d"], &[0, 3, 7, 8, 9, 20], 10),
            [
                "kept -k 1w:1d: first of its group",
                "delete -k 1w:1d: 3d 0h after the one kept before it (needs 1w)",
                "kept -k 1w:1d: 7d 0h after the one kept before it",
                "delete -k 1w:1d: 1d 0h after the one kept before it (needs 1w)",
                "kept newest snapshot (always kept; -k 1w:1d would delete it)",
                "kept dated in the future",
            ]
        );
        assert_eq!(
            why(&[], &[0], 1),
            ["kept no -k rule: every snapshot is kept"]
        );
    }

    #[test]
    fn snapshots_it_does_not_own_are_left_out() {
        let prefix = PrefixTemplate::parse("$droplet-")
            .unwrap()
            .expand("db", "t");
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        assert!(explain(&snaps(&[0, 1]), &prefix, &policy(&["0d:0d"]), now).is_empty());
    }

    proptest! {
        /// The explanation agrees with the plan: the same snapshots deleted, each kept one
        /// spaced from the one before it as its reason says.
        #[test]
        fn the_reasons_agree_with_the_verdicts(
            days in proptest::collection::vec(0i64..200, 0..30),
            rules in proptest::collection::vec((0i64..3, 0i64..40), 0..4),
            now_day in 0i64..250,
        ) {
            let mut days = days;
            days.sort_unstable();
            let rules: Vec<String> = rules.iter().map(|(i, a)| format!("{i}w:{a}d")).collect();
            let refs: Vec<&str> = rules.iter().map(String::as_str).collect();
            let p = policy(&refs);
            let prefix = PrefixTemplate::parse("$droplet-").unwrap().expand("web", "t");
            let now = Timestamp::from_second(1_600_000_000 + now_day * D).unwrap();
            let all = snaps(&days);
            let explained = explain(&all, &prefix, &p, now);
            let mut verdicts = Vec::new();
            judge(all.iter().map(Snapshot::time), &p, now, &mut verdicts);
            prop_assert_eq!(explained.len(), verdicts.len());
            for (e, v) in explained.iter().zip(&verdicts) {
                prop_assert_eq!(e.delete, v.is_delete());
                match e.reason {
                    Reason::Spaced { rule, gap } => prop_assert!(gap >= rule.interval.seconds()),
                    Reason::TooClose { rule, gap } => prop_assert!(gap < rule.interval.seconds()),
                    _ => {}
                }
            }
        }
    }
}
