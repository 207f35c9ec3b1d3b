//! One droplet's plan for one run: what to delete, what to copy to more regions, and whether to
//! take a snapshot. Pure: the same inputs always give the same plan.

use super::activity::DueCheck;
use super::model::{Droplet, Snapshot};
use super::naming::{Prefix, PrefixTemplate};
use super::policy::{Policy, Rule};
use super::retention::{Verdict, judge};
use super::span::{Span, human};
use crate::sanitize::Clean;
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
#[derive(Clone, Debug, PartialEq)]
pub struct Doomed {
    pub id: u64,
    pub name: String,
    pub created_at: Timestamp,
    pub size_gigabytes: f64,
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
    /// Due, under this name, once the droplet's actions show nothing under way. A snapshot
    /// asked for later in the run (after powering the droplet off) is named by `prefix` at
    /// that time instead.
    Take {
        name: String,
        prefix: Prefix,
        check: DueCheck,
    },
    /// Due, but the droplet is locked by another action (often a snapshot still in progress).
    Locked,
}

/// The newest owned snapshot that counts (not further in the future than `FUTURE_SLACK`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Newest {
    pub name: String,
    /// The time in its name.
    pub time: Timestamp,
    /// Seconds from `time` to now (negative for one dated a little ahead of the API's clock).
    pub age: i64,
}

/// The plan for one droplet.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub droplet_id: u64,
    pub droplet_name: String,
    /// The droplet's status (`active`, `off`…), for `--power-off`.
    pub status: String,
    /// Owned snapshots found, before deletions.
    pub owned: usize,
    /// What they take (`size_gigabytes` summed), before deletions.
    pub owned_gigabytes: f64,
    /// Owned snapshots dated more than `FUTURE_SLACK` after `now`: never deleted, ignored for
    /// `-s`, worth a warning.
    pub future: usize,
    pub newest: Option<Newest>,
    /// The newest snapshot is older than `overdue_after(-s)`: backups have fallen behind.
    pub overdue: bool,
    /// Owned snapshots whose name's time and `created_at` disagree by more than a day: one of
    /// them is wrong, so the droplet's deletions must wait.
    pub disputed: Vec<String>,
    pub deletes: Vec<Doomed>,
    pub transfers: Vec<Transfer>,
    pub snapshot: SnapshotPlan,
}

/// How far ahead of the API's clock a snapshot's time may be and still count as just taken:
/// the API's servers' clocks differ by seconds, and a run's own clock reading by more.
pub const FUTURE_SLACK: i64 = 600;

/// How far a snapshot's name's time and its `created_at` may differ before one of them is
/// distrusted (the name's is the time the tool asked; the API's comes a little later).
const MAX_DISAGREEMENT: i64 = 86_400;

/// The age past which a droplet's newest snapshot means backups have fallen behind: twice
/// `-s`, and at least `-s` plus six hours, so a run that is a little late is not an alarm.
pub fn overdue_after(snapshot_every: Span) -> i64 {
    let every = snapshot_every.seconds();
    (2 * every).max(every + 6 * 3_600)
}

/// What a plan is for: a droplet, or anything planned the way a droplet is (one of its volumes,
/// which has no lock and no copies in other regions; the snapshots of a droplet or volume that
/// no longer exists).
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    pub id: u64,
    pub name: &'a str,
    /// Another action blocks it: a due snapshot waits.
    pub locked: bool,
    pub status: &'a str,
    /// Names its snapshots.
    pub prefix: Prefix,
    /// Regions every surviving snapshot should also be in.
    pub regions: &'a [String],
}

/// Plans one droplet. `snapshots` are the droplet's snapshots (owned or not), ordered by
/// `Snapshot::time`; `verdicts` is scratch space reused across calls to spare an allocation
/// per droplet.
pub fn plan_droplet(
    droplet: &Droplet,
    snapshots: &[Snapshot],
    settings: &Settings,
    now: Timestamp,
    verdicts: &mut Vec<Verdict>,
) -> Plan {
    let subject = Subject {
        id: droplet.id,
        name: &droplet.name,
        locked: droplet.locked,
        status: &droplet.status,
        prefix: settings.prefix.expand(&droplet.name, &settings.tag),
        regions: &settings.regions,
    };
    plan(&subject, snapshots, settings, now, verdicts)
}

/// Plans one subject under the settings' policy and `-s` (its regions and prefix are its own).
pub fn plan(
    subject: &Subject,
    snapshots: &[Snapshot],
    settings: &Settings,
    now: Timestamp,
    verdicts: &mut Vec<Verdict>,
) -> Plan {
    let prefix = &subject.prefix;
    let mut owned: Vec<(&Snapshot, Timestamp)> = Vec::with_capacity(snapshots.len());
    let mut disputed = Vec::new();
    for s in snapshots {
        let Some(time) = prefix.owns(s) else { continue };
        if time.since(s.created_at).abs() > MAX_DISAGREEMENT {
            disputed.push(format!(
                "snapshot {} ({}): its name says it was taken at {time}, but the API says it \
                 was created at {} ({} apart); deletions of its droplet wait until they agree",
                Clean(&s.name),
                s.id,
                s.created_at,
                human(time.since(s.created_at).abs())
            ));
        }
        owned.push((s, time));
    }
    judge(
        owned.iter().map(|(_, time)| *time),
        &settings.policy,
        now,
        verdicts,
    );
    let rules = settings.policy.rules();
    let mut deletes = Vec::new();
    let mut transfers = Vec::new();
    for ((snap, time), verdict) in owned.iter().zip(verdicts.iter()) {
        if let Verdict::Delete { rule } = *verdict {
            deletes.push(Doomed {
                id: snap.id,
                name: snap.name.clone(),
                created_at: *time,
                size_gigabytes: snap.size_gigabytes,
                rule: rules[rule],
            });
            continue;
        }
        for region in subject.regions {
            if !snap.regions.contains(region) {
                transfers.push(Transfer {
                    snapshot_id: snap.id,
                    region: region.clone(),
                });
            }
        }
    }
    let counts = |time: &Timestamp| now.since(*time) >= -FUTURE_SLACK;
    let newest = owned
        .iter()
        .rev()
        .find(|(_, time)| counts(time))
        .map(|(s, time)| Newest {
            name: s.name.clone(),
            time: *time,
            age: now.since(*time),
        });
    let every = settings.snapshot_every;
    let due = newest.as_ref().is_none_or(|n| n.age >= every.seconds());
    let snapshot = match &newest {
        Some(n) if !due => SnapshotPlan::NotDue { newest: n.time },
        _ if subject.locked => SnapshotPlan::Locked,
        _ => {
            let window_start = Timestamp::from_second(now.as_second() - every.seconds())
                .unwrap_or(Timestamp::EPOCH);
            let near = |t: Timestamp| t.since(window_start) >= -FUTURE_SLACK;
            let listed = snapshots
                .iter()
                .flat_map(|s| [Some(s.created_at), s.stamp])
                .flatten()
                .filter(|t| near(*t))
                .collect();
            SnapshotPlan::Take {
                name: prefix.name_at(now),
                prefix: prefix.clone(),
                check: DueCheck {
                    window_start,
                    now,
                    newest: newest.as_ref().map(|n| n.time),
                    listed,
                },
            }
        }
    };
    Plan {
        droplet_id: subject.id,
        droplet_name: subject.name.to_string(),
        status: subject.status.to_string(),
        owned: owned.len(),
        owned_gigabytes: owned.iter().map(|(s, _)| s.size_gigabytes).sum(),
        future: owned.iter().filter(|(_, time)| !counts(time)).count(),
        overdue: newest
            .as_ref()
            .is_some_and(|n| n.age > overdue_after(every)),
        newest,
        disputed,
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
            status: "active".to_string(),
            tags: vec!["autosnapshot".into()],
            volume_ids: Vec::new(),
        }
    }

    fn snap(id: u64, at: i64, name: Option<&str>, regions: &[&str]) -> Snapshot {
        let created_at = Timestamp::from_second(at).unwrap();
        Snapshot::new(
            id,
            name.map_or_else(
                || format!("web-autosnapshot-{}", created_at.compact()),
                str::to_string,
            ),
            created_at,
            7,
            regions.iter().map(ToString::to_string).collect(),
        )
    }

    /// An owned snapshot taken at `at` whose listed `created_at` is `created`.
    fn listed_as(id: u64, at: i64, created: &str) -> Snapshot {
        let name = format!(
            "web-autosnapshot-{}",
            Timestamp::from_second(at).unwrap().compact()
        );
        Snapshot::new(id, name, Timestamp::parse(created).unwrap(), 7, Vec::new())
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
        let SnapshotPlan::Take { name, check, .. } = p.snapshot else {
            panic!("{:?}", p.snapshot)
        };
        assert_eq!(name, "web-autosnapshot-19700101T000000Z");
        assert_eq!((check.newest, check.listed.len()), (None, 0));
        assert!(!p.overdue);
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

    #[test]
    fn the_name_gives_the_time_not_created_at() {
        // Taken two hours ago by its name; the API's created_at is nonsense.
        let now = 1_800_000_000;
        let s = settings(&["0d:1h"], &[]);
        for created in ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z"] {
            let snaps = [
                snap(1, now - 3 * D, None, &[]),
                listed_as(2, now - 7_200, created),
            ];
            let p = plan(&s, &droplet(false), &snaps, now);
            assert!(
                matches!(p.snapshot, SnapshotPlan::NotDue { .. }),
                "{created}"
            );
            assert_eq!(p.deletes.iter().map(|d| d.id).collect::<Vec<_>>(), [1]);
            assert_eq!(p.newest.as_ref().map(|n| n.age), Some(7_200));
            assert_eq!(p.disputed.len(), 1);
            assert!(p.disputed[0].contains(created), "{}", p.disputed[0]);
        }
        // A day apart is tolerated; more is not.
        let snaps = [listed_as(3, now - 7_200, "2027-01-14T06:00:00Z")];
        assert!(plan(&s, &droplet(false), &snaps, now).disputed.is_empty());
    }

    #[test]
    fn up_to_ten_minutes_ahead_is_just_taken() {
        let s = settings(&[], &[]);
        let p = plan(
            &s,
            &droplet(false),
            &[snap(1, 5 * D + 30, None, &[])],
            5 * D,
        );
        assert!(matches!(p.snapshot, SnapshotPlan::NotDue { .. }));
        assert_eq!((p.future, p.newest.unwrap().age), (0, -30));
        let p = plan(
            &s,
            &droplet(false),
            &[snap(1, 5 * D + 601, None, &[])],
            5 * D,
        );
        assert!(matches!(p.snapshot, SnapshotPlan::Take { .. }));
        assert_eq!((p.future, p.newest), (1, None));
    }

    #[test]
    fn overdue_past_twice_the_cadence_and_six_hours_more() {
        let day = Span::parse("1d").unwrap();
        let hour = Span::parse("1h").unwrap();
        assert_eq!(overdue_after(day), 2 * D);
        assert_eq!(overdue_after(hour), 7 * 3_600);
        let s = settings(&[], &[]);
        let snaps = [snap(1, 0, None, &[])];
        assert!(!plan(&s, &droplet(false), &snaps, 2 * D).overdue);
        assert!(plan(&s, &droplet(true), &snaps, 2 * D + 1).overdue);
    }

    #[test]
    fn a_due_check_knows_the_recent_listed_times() {
        let s = settings(&[], &[]);
        let snaps = [
            snap(1, 0, None, &[]),
            snap(2, 9 * D, Some("web-by-hand"), &[]),
        ];
        let p = plan(&s, &droplet(false), &snaps, 10 * D);
        let SnapshotPlan::Take { check, .. } = p.snapshot else {
            panic!("{:?}", p.snapshot)
        };
        assert_eq!(check.newest, Timestamp::from_second(0));
        assert_eq!(check.listed, [Timestamp::from_second(9 * D).unwrap()]);
    }
}
