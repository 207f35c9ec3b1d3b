//! One droplet's plan for one run: what to delete, what to copy to more regions, and whether to
//! take a snapshot. Pure: the same inputs always give the same plan.

use std::borrow::Cow;

use serde::Serialize;

use super::activity::{DueCheck, Listed};
use super::model::{Droplet, Snapshot};
use super::naming::{Prefix, PrefixTemplate};
use super::policy::{Policy, Rule};
use super::retention::Judge;
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

/// A snapshot the policy deletes; once the run has deleted it, an entry of its report (as
/// `DeletedSnapshot`, in the same list the plan gave it, with no copy). A droplet's snapshot
/// has a number for its id; a volume's a UUID.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Doomed<Id = u64> {
    pub id: Id,
    pub name: String,
    /// Its time: the one in its name.
    pub created_at: Timestamp,
    pub size_gigabytes: f64,
    /// The `-k` rule that deletes it.
    pub rule: Rule,
    /// Set by the run: it was already gone when the delete was sent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub already_gone: bool,
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
    /// asked for later in the run (after powering the droplet off) is named by the name's
    /// prefix (`Prefix::of_name`) at that time instead.
    Take { name: String, check: DueCheck },
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
    pub status: Cow<'static, str>,
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

/// How much younger than `-s` the newest snapshot may be and still make a snapshot due: a tenth
/// of `-s`, at most five minutes. Runs start late (cron, queues) by varying amounts, so a
/// snapshot named a minute late yesterday would otherwise be a few seconds short of `-s` today
/// and slip a whole run interval; the slip repeats, and `-s 1d` run every 4 hours takes about
/// 313 snapshots a year instead of 365. The tenth keeps short cadences (`-s 10min`) honest.
pub fn due_slack(snapshot_every: Span) -> i64 {
    (snapshot_every.seconds() / 10).min(300)
}

/// When runs come exactly every `run_every` (a simulation without `--jitter`), whether the
/// slack makes snapshots come more often than a strict `-s` would, as the original tool's did:
/// only when some whole number of run intervals falls within the slack below `-s`. Says so,
/// with both cadences, if it does.
pub fn slack_changes_cadence(snapshot_every: Span, run_every: Span) -> Option<String> {
    let (every, run) = (snapshot_every.seconds(), run_every.seconds());
    if every <= 0 || run <= 0 {
        return None;
    }
    let due_at = every - due_slack(snapshot_every);
    let runs = |age: i64| (age.div_euclid(run) + i64::from(age % run != 0)).max(1);
    let (with_slack, strict) = (runs(due_at), runs(every));
    let nth = |n: i64| match n {
        1 => "every run".to_string(),
        2 => "every 2nd run".to_string(),
        3 => "every 3rd run".to_string(),
        n => format!("every {n}th run"),
    };
    (with_slack != strict).then(|| {
        format!(
            "-s {snapshot_every} with a run every {}: a snapshot is due once the newest is {} \
             old (-s less its slack of {}), so one is taken {}; due only at -s, as in the \
             original tool, it would be {}",
            human(run),
            human(due_at),
            human(due_slack(snapshot_every)),
            nth(with_slack),
            nth(strict)
        )
    })
}

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
/// `Snapshot::time`.
pub fn plan_droplet(
    droplet: &Droplet,
    snapshots: &[Snapshot],
    settings: &Settings,
    now: Timestamp,
) -> Plan {
    let subject = Subject {
        id: droplet.id,
        name: &droplet.name,
        locked: droplet.locked,
        status: &droplet.status,
        prefix: settings.prefix.expand(&droplet.name, &settings.tag),
        regions: &settings.regions,
    };
    plan(subject, snapshots, settings, now)
}

/// A droplet's status as the plan keeps it: one of the API's own statuses without a copy (a
/// simulation plans a droplet on every one of its runs), anything else copied.
fn status_of(status: &str) -> Cow<'static, str> {
    match status {
        "active" => Cow::Borrowed("active"),
        "off" => Cow::Borrowed("off"),
        "new" => Cow::Borrowed("new"),
        "archive" => Cow::Borrowed("archive"),
        other => Cow::Owned(other.to_string()),
    }
}

/// Plans one subject under the settings' policy and `-s` (its regions and prefix are its own).
pub fn plan(subject: Subject, snapshots: &[Snapshot], settings: &Settings, now: Timestamp) -> Plan {
    let Subject {
        id,
        name,
        locked,
        status,
        prefix,
        regions,
    } = subject;
    let every = settings.snapshot_every;
    let window_start =
        Timestamp::from_second(now.as_second() - every.seconds()).unwrap_or(Timestamp::EPOCH);
    let near = window_start.as_second() - FUTURE_SLACK;
    debug_assert!(
        snapshots.is_sorted_by_key(Snapshot::time),
        "the planner walks snapshots oldest first"
    );
    // One walk over the snapshots, oldest first, does all a run needs of every one of them,
    // with no list of the owned ones to walk again (a simulation pays for this walk on every
    // run, so it carries as little as it can): the listed times the due check needs, the owned
    // snapshots' count and size, and the policy's verdict on each owned one as it passes,
    // acted on at once. What only the newest few decide is found after it, walking back.
    let mut judge = Judge::new(&settings.policy, now);
    let (mut owned, mut owned_gigabytes) = (0, 0.0);
    // The last snapshot deleted, and where its copies would have gone among the transfers.
    let mut last_doomed: Option<(&Snapshot, usize)> = None;
    let mut listed = Listed::new();
    let mut disputed = Vec::new();
    let mut deletes = Vec::new();
    let mut transfers = Vec::new();
    for s in snapshots {
        if s.latest() >= near {
            list_near(s, near, &mut listed);
        }
        let Some(time) = prefix.owns(s) else { continue };
        if s.apart() > MAX_DISAGREEMENT {
            disputed.push(dispute(s, time));
        }
        owned += 1;
        owned_gigabytes += s.size_gigabytes;
        match judge.deletes(time) {
            Some(rule) => {
                last_doomed = Some((s, transfers.len()));
                deletes.push(Doomed {
                    id: s.id,
                    name: s.name.clone(),
                    created_at: time,
                    size_gigabytes: s.size_gigabytes,
                    rule: *rule,
                    already_gone: false,
                });
            }
            None => {
                if !regions.is_empty() {
                    transfers.extend(missing(s, regions));
                }
            }
        }
    }
    let Newer {
        newest,
        future,
        protected,
    } = newer(snapshots, &prefix, now);
    // The newest snapshot not dated after now is always kept (`protect_newest`). Snapshots
    // after it are never deleted, so if its rule deleted it, it was the last deletion.
    if let (Some(p), Some((d, at))) = (protected, last_doomed)
        && std::ptr::eq(p, d)
    {
        deletes.pop();
        transfers.splice(at..at, missing(p, regions));
    }
    let newest = newest.map(|(s, time)| Newest {
        name: s.name.clone(),
        time,
        age: now.since(time),
    });
    let due = newest
        .as_ref()
        .is_none_or(|n| n.age >= every.seconds() - due_slack(every));
    let snapshot = match &newest {
        Some(n) if !due => SnapshotPlan::NotDue { newest: n.time },
        _ if locked => SnapshotPlan::Locked,
        _ => SnapshotPlan::Take {
            name: prefix.into_name_at(now),
            check: DueCheck {
                window_start,
                now,
                newest: newest.as_ref().map(|n| n.time),
                listed,
            },
        },
    };
    Plan {
        droplet_id: id,
        droplet_name: name.to_string(),
        status: status_of(status),
        owned,
        owned_gigabytes,
        future,
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

/// The copies a kept snapshot still needs: one to each of `regions` it is not in.
fn missing<'a>(snap: &'a Snapshot, regions: &'a [String]) -> impl Iterator<Item = Transfer> + 'a {
    regions
        .iter()
        .filter(|region| !snap.regions.contains(region))
        .map(|region| Transfer {
            snapshot_id: snap.id,
            region: region.clone(),
        })
}

/// Adds a snapshot's times from around the `-s` window (at or after `near`) to the due check's.
#[cold]
fn list_near(s: &Snapshot, near: i64, listed: &mut Listed) {
    if s.created_at.as_second() >= near {
        listed.push(s.created_at);
    }
    if let Some(stamp) = s.stamp
        && stamp.as_second() >= near
    {
        listed.push(stamp);
    }
}

/// What the newest owned snapshots decide, found walking back from the newest.
struct Newer<'s> {
    /// The newest owned snapshot that counts for `-s` (dated no more than `FUTURE_SLACK`
    /// after now), with its name's time.
    newest: Option<(&'s Snapshot, Timestamp)>,
    /// Owned snapshots dated more than `FUTURE_SLACK` after now.
    future: usize,
    /// The newest owned snapshot not dated after now: the one the policy may not delete.
    protected: Option<&'s Snapshot>,
}

/// Walks back from the newest of `snapshots` (oldest first) to the newest owned one not dated
/// after `now`: usually only the last snapshot or two.
fn newer<'s>(snapshots: &'s [Snapshot], prefix: &Prefix, now: Timestamp) -> Newer<'s> {
    let counts_until = now.as_second().saturating_add(FUTURE_SLACK);
    let mut found = Newer {
        newest: None,
        future: 0,
        protected: None,
    };
    for s in snapshots.iter().rev() {
        let Some(time) = prefix.owns(s) else { continue };
        if time.as_second() > counts_until {
            found.future += 1;
            continue;
        }
        found.newest = found.newest.or(Some((s, time)));
        if time <= now {
            found.protected = Some(s);
            break;
        }
    }
    found
}

/// Why an owned snapshot's two times cast doubt on its droplet's deletions. Rare, and kept out
/// of the planner's loop, which runs for every snapshot of every run of a simulation.
#[cold]
#[inline(never)]
fn dispute(s: &Snapshot, time: Timestamp) -> String {
    format!(
        "snapshot {} ({}): its name says it was taken at {time}, but the API says it was \
         created at {} ({} apart); deletions of its droplet wait until they agree",
        Clean(&s.name),
        s.id,
        s.created_at,
        human(time.since(s.created_at).abs())
    )
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
        listed_as_at(id, at, Timestamp::parse(created).unwrap().as_second())
    }

    /// An owned snapshot named at `at` whose `created_at` is `created`, both in seconds.
    fn listed_as_at(id: u64, at: i64, created: i64) -> Snapshot {
        let name = format!(
            "web-autosnapshot-{}",
            Timestamp::from_second(at).unwrap().compact()
        );
        Snapshot::new(
            id,
            name,
            Timestamp::from_second(created).unwrap(),
            7,
            Vec::new(),
        )
    }

    fn plan(s: &Settings, d: &Droplet, snaps: &[Snapshot], now: i64) -> Plan {
        plan_droplet(d, snaps, s, Timestamp::from_second(now).unwrap())
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
    fn due_at_the_snapshot_age_less_the_slack() {
        let s = settings(&[], &[]);
        let snaps = [snap(1, 0, None, &[])];
        assert!(matches!(
            plan(&s, &droplet(false), &snaps, D - 301).snapshot,
            SnapshotPlan::NotDue { .. }
        ));
        assert!(matches!(
            plan(&s, &droplet(false), &snaps, D - 300).snapshot,
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
    fn the_slack_is_a_tenth_of_the_cadence_and_at_most_five_minutes() {
        let slack = |text| due_slack(Span::parse(text).unwrap());
        assert_eq!(slack("1d"), 300);
        assert_eq!(slack("1h"), 300);
        assert_eq!(slack("50min"), 300);
        assert_eq!(slack("10min"), 60);
        assert_eq!(slack("1min"), 6);
        assert_eq!(slack("0h"), 0);
    }

    #[test]
    fn the_slack_changes_a_clockwork_cadence_only_within_its_reach() {
        let says = |s: &str, run: &str| {
            slack_changes_cadence(Span::parse(s).unwrap(), Span::parse(run).unwrap())
        };
        // The seed's example and the reference simulation: no multiple of the run interval
        // falls within five minutes below -s.
        assert_eq!(says("1d", "4h"), None);
        assert_eq!(says("1h", "1h"), None);
        assert_eq!(says("1d", "7h"), None);
        let w = says("1h", "55min").unwrap();
        assert!(w.contains("one is taken every run"), "{w}");
        assert!(w.contains("it would be every 2nd run"), "{w}");
        assert!(says("1d", "8min").is_none());
        // 180 runs of 8 min make 24 h exactly, and 179 (23h 52min) fall short of the slack;
        // 205 runs of 7 min make 23h 55min, within it, where 206 were needed.
        let w = says("1d", "7min").unwrap();
        assert!(w.contains("every 205th run"), "{w}");
    }

    proptest::proptest! {
        /// Due exactly from `-s` less the slack, measured from the name's time, whatever
        /// `created_at` says (a snapshot dated minutes after its request).
        #[test]
        fn due_from_the_name_less_the_slack(
            every in 1i64..3_000_000,
            age in 0i64..3_000_000,
            latency in 0i64..3_600,
        ) {
            let mut s = settings(&[], &[]);
            s.snapshot_every = Span::parse(&format!("{every}min")).unwrap();
            let every = every * 60;
            let now = 10_000_000_000;
            let snaps = [listed_as_at(1, now - age, now - age + latency)];
            let due = matches!(plan(&s, &droplet(false), &snaps, now).snapshot, SnapshotPlan::Take { .. });
            proptest::prop_assert_eq!(due, age >= every - (every / 10).min(300));
        }
    }

    proptest::proptest! {
        /// The plan's one walk agrees with judging the owned snapshots on their own: the same
        /// deletions, transfers in the same order, the same newest and future counts.
        #[test]
        fn the_walk_agrees_with_the_judge(
            snaps in proptest::collection::vec((0i64..400, 0u8..4, 0u8..4, 0i64..4), 0..30),
            rules in proptest::collection::vec((0i64..3, 0i64..30), 0..3),
            now_day in 0i64..400,
        ) {
            let rules: Vec<String> = rules.iter().map(|(i, a)| format!("{i}w:{a}d")).collect();
            let refs: Vec<&str> = rules.iter().map(String::as_str).collect();
            let s = settings(&refs, &["lon1", "sfo3"]);
            // Some snapshots a few minutes after a whole day: after now, and within or beyond
            // FUTURE_SLACK of it, when that day is today.
            let mut times: Vec<_> = snaps
                .iter()
                .map(|(d, kind, regions, minutes)| (d * D + minutes * 300, *kind, *regions))
                .collect();
            times.sort_by_key(|(t, _, _)| *t);
            let all: Vec<Snapshot> = times
                .iter()
                .enumerate()
                .map(|(i, (t, kind, regions))| {
                    let name = (*kind == 0).then_some("web-by-hand");
                    let regions: &[&str] = match regions { 0 => &[], 1 => &["lon1"], 2 => &["sfo3"], _ => &["lon1", "sfo3"] };
                    snap(i as u64 + 1, *t, name, regions)
                })
                .collect();
            let now = Timestamp::from_second(now_day * D).unwrap();
            let p = plan_droplet(&droplet(false), &all, &s, now);
            let prefix = s.prefix.expand("web", &s.tag);
            let owned: Vec<(&Snapshot, Timestamp)> =
                all.iter().filter_map(|x| prefix.owns(x).map(|t| (x, t))).collect();
            let mut verdicts = Vec::new();
            crate::core::retention::judge(owned.iter().map(|(_, t)| *t), &s.policy, now, &mut verdicts);
            let deleted: Vec<u64> = owned.iter().zip(&verdicts).filter(|(_, v)| v.is_delete()).map(|((x, _), _)| x.id).collect();
            proptest::prop_assert_eq!(p.deletes.iter().map(|d| d.id).collect::<Vec<_>>(), deleted);
            let transfers: Vec<(u64, String)> = owned.iter().zip(&verdicts)
                .filter(|(_, v)| !v.is_delete())
                .flat_map(|((x, _), _)| s.regions.iter().filter(|r| !x.regions.contains(r)).map(|r| (x.id, r.clone())))
                .collect();
            proptest::prop_assert_eq!(p.transfers.iter().map(|t| (t.snapshot_id, t.region.clone())).collect::<Vec<_>>(), transfers);
            let counts = |t: &Timestamp| now.since(*t) >= -FUTURE_SLACK;
            proptest::prop_assert_eq!(p.newest.map(|n| n.time), owned.iter().rev().map(|(_, t)| *t).find(counts));
            proptest::prop_assert_eq!(p.future, owned.iter().filter(|(_, t)| !counts(t)).count());
            proptest::prop_assert_eq!(p.owned, owned.len());
        }
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
        assert_eq!(check.listed[..], [Timestamp::from_second(9 * D).unwrap()]);
    }
}
