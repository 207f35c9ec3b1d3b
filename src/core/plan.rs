//! One droplet's plan for one run: what to delete, what to copy to more regions, and whether to
//! take a snapshot. Pure: the same inputs always give the same plan.

use super::model::{Droplet, Snapshot};
use super::naming::PrefixTemplate;
use super::policy::{Policy, Rule};
use super::retention::{Verdict, judge};
use super::span::Span;
use crate::time::Timestamp;

/// What a run is asked to do, fixed for all droplets.
#[derive(Clone, Debug)]
pub struct Settings {
    pub tag: String,
    pub prefix: PrefixTemplate,
    /// `-s`: take a snapshot once the newest is at least this old.
    pub snapshot_every: Span,
    pub policy: Policy,
    /// `-r`: regions every surviving snapshot should also be in.
    pub regions: Vec<String>,
}

/// A snapshot the policy deletes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doomed {
    pub id: u64,
    pub name: String,
    pub created_at: Timestamp,
    /// The rule that deletes it.
    pub rule: Rule,
}

/// A copy of a surviving snapshot to a region it is missing from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    pub snapshot_id: u64,
    pub region: String,
}

/// Whether to take a snapshot now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotPlan {
    /// The newest owned snapshot, taken at `newest`, is younger than `-s`.
    NotDue { newest: Timestamp },
    /// Due, under this name.
    Take { name: String },
    /// Due, but the droplet is locked by another action (often a snapshot still in progress).
    Locked,
}

/// The plan for one droplet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub droplet_id: u64,
    pub droplet_name: String,
    /// Owned snapshots found, before deletions.
    pub owned: usize,
    /// Owned snapshots dated after `now`: never deleted, ignored for `-s`, worth a warning.
    pub future: usize,
    pub deletes: Vec<Doomed>,
    pub transfers: Vec<Transfer>,
    pub snapshot: SnapshotPlan,
}

/// Plans one droplet. `snapshots` are the droplet's snapshots (owned or not), oldest first;
/// `verdicts` is scratch space reused across calls to spare an allocation per droplet.
pub fn plan_droplet(
    droplet: &Droplet,
    snapshots: &[Snapshot],
    settings: &Settings,
    now: Timestamp,
    verdicts: &mut Vec<Verdict>,
) -> Plan {
    let prefix = settings.prefix.expand(&droplet.name, &settings.tag);
    let mut owned: Vec<&Snapshot> = Vec::with_capacity(snapshots.len());
    for s in snapshots {
        if prefix.owns(&s.name) {
            owned.push(s);
        }
    }
    judge(
        owned.iter().map(|s| s.created_at),
        &settings.policy,
        now,
        verdicts,
    );
    let rules = settings.policy.rules();
    let mut deletes = Vec::new();
    let mut transfers = Vec::new();
    for (snap, verdict) in owned.iter().zip(verdicts.iter()) {
        if let Verdict::Delete { rule } = *verdict {
            deletes.push(Doomed {
                id: snap.id,
                name: snap.name.clone(),
                created_at: snap.created_at,
                rule: rules[rule],
            });
            continue;
        }
        for region in &settings.regions {
            if !snap.regions.contains(region) {
                transfers.push(Transfer {
                    snapshot_id: snap.id,
                    region: region.clone(),
                });
            }
        }
    }
    let newest = owned
        .iter()
        .rev()
        .map(|s| s.created_at)
        .find(|at| *at <= now);
    let due = newest.is_none_or(|at| now.since(at) >= settings.snapshot_every.seconds());
    let snapshot = match newest {
        Some(newest) if !due => SnapshotPlan::NotDue { newest },
        _ if droplet.locked => SnapshotPlan::Locked,
        _ => SnapshotPlan::Take {
            name: prefix.name_at(now),
        },
    };
    Plan {
        droplet_id: droplet.id,
        droplet_name: droplet.name.clone(),
        owned: owned.len(),
        future: verdicts
            .iter()
            .filter(|v| **v == Verdict::KeepFuture)
            .count(),
        deletes,
        transfers,
        snapshot,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = 86_400;

    fn settings(rules: &[&str], regions: &[&str]) -> Settings {
        Settings {
            tag: "autosnapshot".into(),
            prefix: PrefixTemplate::parse("$droplet-autosnapshot-").unwrap(),
            snapshot_every: Span::parse("1d").unwrap(),
            policy: Policy::new(rules.iter().map(|r| Rule::parse(r).unwrap()).collect()),
            regions: regions.iter().map(ToString::to_string).collect(),
        }
    }

    fn droplet(locked: bool) -> Droplet {
        Droplet {
            id: 7,
            name: "web".into(),
            region: "nyc3".into(),
            locked,
        }
    }

    fn snap(id: u64, at: i64, name: Option<&str>, regions: &[&str]) -> Snapshot {
        let created_at = Timestamp::from_second(at).unwrap();
        Snapshot {
            id,
            name: name.map_or_else(
                || format!("web-autosnapshot-{}", created_at.compact()),
                str::to_string,
            ),
            created_at,
            droplet_id: 7,
            regions: regions.iter().map(ToString::to_string).collect(),
        }
    }

    fn plan(s: &Settings, d: &Droplet, snaps: &[Snapshot], now: i64) -> Plan {
        plan_droplet(
            d,
            snaps,
            s,
            Timestamp::from_second(now).unwrap(),
            &mut Vec::new(),
        )
    }

    #[test]
    fn first_run_takes_a_snapshot_named_after_now() {
        let p = plan(&settings(&[], &[]), &droplet(false), &[], 0);
        assert_eq!(
            p.snapshot,
            SnapshotPlan::Take {
                name: "web-autosnapshot-19700101T000000Z".into()
            }
        );
    }

    #[test]
    fn due_exactly_at_the_snapshot_age() {
        let s = settings(&[], &[]);
        let snaps = [snap(1, 0, None, &[])];
        assert!(matches!(
            plan(&s, &droplet(false), &snaps, D - 1).snapshot,
            SnapshotPlan::NotDue { .. }
        ));
        assert!(matches!(
            plan(&s, &droplet(false), &snaps, D).snapshot,
            SnapshotPlan::Take { .. }
        ));
        assert_eq!(
            plan(&s, &droplet(true), &snaps, D).snapshot,
            SnapshotPlan::Locked
        );
    }

    #[test]
    fn foreign_snapshots_are_neither_counted_nor_deleted() {
        let s = settings(&["0d:1h"], &[]);
        let snaps = [
            snap(1, 0, Some("web-manual-before-upgrade"), &[]),
            snap(2, D, None, &[]),
            snap(
                3,
                2 * D,
                Some("web-autosnapshot-20200101T000000Z-keep"),
                &[],
            ),
            snap(4, 3 * D, None, &[]),
        ];
        let p = plan(&s, &droplet(false), &snaps, 10 * D);
        assert_eq!(p.owned, 2);
        assert_eq!(p.deletes.iter().map(|d| d.id).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn survivors_missing_a_region_are_transferred_and_doomed_ones_are_not() {
        let s = settings(&["0d:2d"], &["lon1", "sfo3"]);
        let snaps = [
            snap(1, 0, None, &["nyc3"]),
            snap(2, 9 * D, None, &["nyc3", "lon1"]),
        ];
        let p = plan(&s, &droplet(false), &snaps, 10 * D);
        assert_eq!(p.deletes.len(), 1);
        assert_eq!(
            p.transfers,
            [Transfer {
                snapshot_id: 2,
                region: "sfo3".into()
            }]
        );
    }

    #[test]
    fn future_snapshots_do_not_stop_snapshots() {
        let s = settings(&[], &[]);
        let snaps = [snap(1, 0, None, &[]), snap(2, 100 * D, None, &[])];
        let p = plan(&s, &droplet(false), &snaps, 5 * D);
        assert_eq!(p.future, 1);
        assert!(matches!(p.snapshot, SnapshotPlan::Take { .. }));
    }
}
