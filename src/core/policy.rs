//! Retention rules (`-k INTERVAL:AGE`), the order they apply in, and warnings about policies that
//! cannot do what they say.

use std::fmt;

use super::span::{PairError, Span, human, parse_pair};

/// "Keep one snapshot per `interval` among those older than `age`"; an interval of zero deletes
/// every snapshot the rule governs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub interval: Span,
    pub age: Span,
}

impl Rule {
    /// Parses `INTERVAL:AGE`.
    pub fn parse(text: &str) -> Result<Rule, PairError> {
        let (interval, age) = parse_pair(text, "INTERVAL", "AGE")?;
        Ok(Rule { interval, age })
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.interval, self.age)
    }
}

/// As its text, `"1w:1m"`, the way it was given.
impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The rules of one run, ordered oldest AGE first; rules with equal AGEs keep their command-line
/// order. A snapshot is governed by the first rule in this order whose AGE it has reached.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    rules: Vec<Rule>,
}

impl Policy {
    /// Orders `rules` (given in command-line order) for evaluation.
    pub fn new(mut rules: Vec<Rule>) -> Policy {
        rules.sort_by_key(|r| std::cmp::Reverse(r.age.seconds()));
        Policy { rules }
    }

    /// The rules, oldest AGE first.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Warnings about rules that will not behave as their text suggests, given the snapshot
    /// frequency `-s`, each saying what a simulation of the policy shows.
    pub fn warnings(&self, snapshot_every: Span) -> Vec<String> {
        let mut out = Vec::new();
        for rule in &self.rules {
            if rule.age.seconds() < snapshot_every.seconds() {
                let shows = if rule.interval.seconds() == 0 {
                    "every snapshot but the newest is deleted before the next one is taken: a \
                     simulation holds one snapshot"
                        .to_string()
                } else {
                    format!(
                        "every snapshot but the newest is thinned to one per {} before the \
                         next one is taken: none is kept for being recent",
                        rule.interval
                    )
                };
                out.push(format!(
                    "-k {rule}: AGE {} is younger than -s {snapshot_every}, so {shows}",
                    rule.age
                ));
            }
        }
        // Rules are ordered oldest AGE first, so a rule's snapshots have already passed through
        // every rule after it in this list.
        for (i, older) in self.rules.iter().enumerate() {
            for younger in &self.rules[i + 1..] {
                if younger.age == older.age {
                    out.push(format!(
                        "-k {younger} never applies: -k {older} has the same AGE and comes first"
                    ));
                } else if younger.interval.seconds() == 0 {
                    out.push(format!(
                        "-k {older} never sees a snapshot: -k {younger} deletes every snapshot \
                         but the newest before it is {} old, so a simulation shows it holding \
                         none",
                        older.age
                    ));
                } else if older.interval.seconds() != 0
                    && younger.interval.seconds() > older.interval.seconds()
                {
                    out.push(format!(
                        "-k {older} asks for one snapshot per {} ({}) but can achieve only one \
                         per {} at best: -k {younger} leaves no more (a simulation with \
                         --summary shows what it achieves)",
                        older.interval,
                        human(older.interval.seconds()),
                        human(younger.interval.seconds())
                    ));
                }
            }
        }
        out
    }

    /// The most snapshots this policy can hold of one droplet or volume when one is taken every
    /// `snapshot_every` at most; `None` when it holds them without bound (no rule, or its
    /// oldest rule keeps one per INTERVAL forever). An upper bound: each age band holds at most
    /// one per its INTERVAL (and no more than one per `-s`), plus one at its edge.
    pub fn most_held(&self, snapshot_every: Span) -> Option<u64> {
        let every = snapshot_every.seconds().max(1);
        let oldest = self.rules.first()?;
        if oldest.interval.seconds() != 0 {
            return None;
        }
        let per_band = |width: i64, interval: i64| {
            if interval == 0 {
                0
            } else {
                (width / interval.max(every)) as u64 + 1
            }
        };
        // The youngest band (younger than every AGE) keeps everything; the newest snapshot is
        // kept even when that band is empty.
        let youngest = self.rules.last().map_or(0, |r| r.age.seconds());
        let mut most = per_band(youngest, every).max(1);
        for pair in self.rules.windows(2) {
            let (older, younger) = (pair[0], pair[1]);
            most += per_band(
                older.age.seconds() - younger.age.seconds(),
                younger.interval.seconds(),
            );
        }
        Some(most)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_a_policy_holds() {
        let policy =
            |rules: &[&str]| Policy::new(rules.iter().map(|r| Rule::parse(r).unwrap()).collect());
        let day = Span::parse("1d").unwrap();
        // A week of dailies (8 with the edge), then weeklies to a month (4), then nothing.
        assert_eq!(policy(&["1w:1w", "0d:1m"]).most_held(day), Some(8 + 4));
        // Keeping one a month forever, or having no rule, has no bound.
        assert_eq!(policy(&["1m:1m"]).most_held(day), None);
        assert_eq!(policy(&[]).most_held(day), None);
        // Deleting everything past a day still keeps the newest.
        assert_eq!(policy(&["0d:0d"]).most_held(day), Some(1));
        // The seed README's policy: well under the 25 a volume may hold.
        let seed = policy(&["3d:1d", "1w:1w", "1m:2m", "0d:6m"]);
        assert!(seed.most_held(day).unwrap() <= 25);
    }

    fn policy(rules: &[&str]) -> Policy {
        Policy::new(rules.iter().map(|r| Rule::parse(r).unwrap()).collect())
    }

    #[test]
    fn orders_oldest_age_first_keeping_ties_stable() {
        let p = policy(&["1d:1w", "3d:1d", "1w:1m", "2d:1w"]);
        let order: Vec<String> = p.rules().iter().map(ToString::to_string).collect();
        assert_eq!(order, ["1w:1m", "1d:1w", "2d:1w", "3d:1d"]);
    }

    #[test]
    fn warns_about_the_seed_readme_broken_policy() {
        let p = policy(&["2w:1w", "1w:1m"]);
        let w = p.warnings(Span::parse("1d").unwrap());
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("-k 1w:1m asks for one snapshot per 1w"),
            "{w:?}"
        );
        assert!(
            w[0].contains("can achieve only one per 14d 0h at best: -k 2w:1w leaves no more"),
            "{w:?}"
        );
    }

    #[test]
    fn warns_when_age_is_younger_than_the_snapshot_frequency() {
        let w = policy(&["0d:6h"]).warnings(Span::parse("1d").unwrap());
        assert!(w[0].contains("AGE 6h is younger than -s 1d"), "{w:?}");
    }

    #[test]
    fn a_sound_policy_gets_no_warning() {
        let p = policy(&["3d:1d", "1w:1w", "1m:2m", "0d:6m"]);
        assert!(p.warnings(Span::parse("1d").unwrap()).is_empty());
    }

    #[test]
    fn warns_about_shadowed_and_unreachable_rules() {
        let w = policy(&["1d:1w", "2d:1w"]).warnings(Span::parse("1h").unwrap());
        assert!(w[0].contains("-k 2d:1w never applies"), "{w:?}");
        let w = policy(&["0d:1m", "1w:6m"]).warnings(Span::parse("1h").unwrap());
        assert!(w[0].contains("-k 1w:6m never sees a snapshot"), "{w:?}");
    }
}
