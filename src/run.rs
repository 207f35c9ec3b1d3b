//! One run of the tool against an account: read, plan each droplet, then act (or, with
//! `--dryrun`, only say what would be done). Real runs and simulations both come through here.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::cloud::{Cloud, CloudError, Deleted, HoldBack, Started};
use crate::core::model::Snapshot;
use crate::core::plan::{Plan, Settings, SnapshotPlan, plan_droplet};
use crate::core::policy::Rule;
use crate::sanitize::Clean;
use crate::time::Timestamp;

/// How to act on the plans.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Send no request that changes anything.
    pub dry_run: bool,
    /// `--max-delete`: delete at most this many snapshots in this run.
    pub max_delete: Option<usize>,
}

/// What one run did (or, in a dry run, would do).
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// The account's clock at the start of the run.
    pub now: Timestamp,
    pub dry_run: bool,
    pub droplets: Vec<DropletReport>,
    /// Listed items that could not be read.
    pub problems: Vec<String>,
}

/// What one run did for one droplet.
#[derive(Clone, Debug, Serialize)]
pub struct DropletReport {
    pub id: u64,
    pub name: String,
    /// Owned snapshots found before deletions.
    pub owned: usize,
    /// Deleted (or, in a dry run, to be deleted).
    pub deleted: Vec<DeletedSnapshot>,
    /// Deletions the policy wanted but `--max-delete` held back.
    pub held_back: usize,
    /// Why nothing was deleted for this droplet although the policy wanted to, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletes_withheld: Option<String>,
    /// Transfers requested (or, in a dry run, to be requested).
    pub transfers: Vec<TransferRequest>,
    /// Transfers not requested because one to that region is still in progress.
    pub transfers_in_progress: usize,
    pub snapshot: SnapshotOutcome,
    /// Failures that concern this droplet.
    pub errors: Vec<String>,
}

/// A snapshot deleted by the policy.
#[derive(Clone, Debug, Serialize)]
pub struct DeletedSnapshot {
    pub id: u64,
    pub name: String,
    pub created_at: Timestamp,
    /// The `-k` rule that deleted it.
    #[serde(serialize_with = "serialize_display")]
    pub rule: Rule,
    /// It was already gone when the delete was sent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub already_gone: bool,
}

/// A copy of a snapshot to another region.
#[derive(Clone, Debug, Serialize)]
pub struct TransferRequest {
    pub snapshot_id: u64,
    pub region: String,
}

/// What happened about a new snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SnapshotOutcome {
    /// Not due: the newest owned snapshot is younger than `-s`.
    NotDue { newest: Timestamp },
    /// Requested under this name.
    Taken { name: String },
    /// Due, and would be requested without `--dryrun`.
    WouldTake { name: String },
    /// Due, but the droplet is busy (locked, a snapshot in progress, or a pending event).
    Skipped { reason: String },
    /// Due, but the request failed.
    Failed,
}

impl RunReport {
    /// Snapshots the policy wanted deleted but `--max-delete` held back.
    pub fn held_back(&self) -> usize {
        self.droplets.iter().map(|d| d.held_back).sum()
    }
}

/// Runs once. An `Err` means nothing could be decided (the listing failed, or the token was
/// refused); failures after that are recorded per droplet in the report.
pub fn run_once(
    cloud: &mut dyn Cloud,
    settings: &Settings,
    options: Options,
) -> Result<RunReport, CloudError> {
    let (now, plans, unsure, problems) = plan_all(cloud, settings)?;
    let mut budget = options.max_delete.unwrap_or(usize::MAX);
    let mut droplets = Vec::with_capacity(plans.len());
    for plan in plans {
        let withheld = unsure.reason_for(plan.droplet_id);
        let report = execute(cloud, plan, options, withheld, &mut budget)?;
        droplets.push(report);
    }
    Ok(RunReport {
        now,
        dry_run: options.dry_run,
        droplets,
        problems,
    })
}

/// Which droplets' listings could not be fully read.
enum Unsure {
    Nothing,
    Droplets(BTreeSet<u64>, String),
    All(String),
}

impl Unsure {
    fn reason_for(&self, droplet_id: u64) -> Option<String> {
        match self {
            Unsure::Nothing => None,
            Unsure::Droplets(ids, why) => ids.contains(&droplet_id).then(|| why.clone()),
            Unsure::All(why) => Some(why.clone()),
        }
    }
}

/// Reads the account and plans every droplet, while the listing is borrowed.
fn plan_all(
    cloud: &mut dyn Cloud,
    settings: &Settings,
) -> Result<(Timestamp, Vec<Plan>, Unsure, Vec<String>), CloudError> {
    let inventory = cloud.inventory(&settings.tag)?;
    let now = inventory.now;
    if inventory.droplets.is_empty() {
        // Not an error (a tag can be empty for a while), but a typo here means no backups.
        tracing::warn!(
            "no droplet carries the tag `{}`: nothing to snapshot",
            Clean(&settings.tag)
        );
    }
    let mut unsure = Unsure::Nothing;
    let mut problems = Vec::new();
    for item in &inventory.unreadable {
        tracing::error!("{}", item.problem);
        problems.push(item.problem.clone());
        let why = format!("an item of the listing could not be read: {}", item.problem);
        unsure = match (unsure, item.holds_back) {
            (unsure, HoldBack::Nothing) => unsure,
            (Unsure::All(w), _) => Unsure::All(w),
            (_, HoldBack::All) => Unsure::All(why),
            (Unsure::Droplets(mut ids, w), HoldBack::Droplet(id)) => {
                ids.insert(id);
                Unsure::Droplets(ids, w)
            }
            (Unsure::Nothing, HoldBack::Droplet(id)) => Unsure::Droplets(BTreeSet::from([id]), why),
        };
    }
    let mut by_droplet: Vec<&Snapshot> = Vec::with_capacity(inventory.snapshots.len());
    by_droplet.extend(inventory.snapshots.iter());
    let key = |s: &&Snapshot| (s.droplet_id, s.created_at, s.id);
    if !by_droplet.is_sorted_by_key(key) {
        by_droplet.sort_unstable_by_key(key);
    }
    let mut verdicts = Vec::with_capacity(by_droplet.len());
    let mut plans = Vec::with_capacity(inventory.droplets.len());
    for droplet in inventory.droplets.iter() {
        let lo = by_droplet.partition_point(|s| s.droplet_id < droplet.id);
        let hi = by_droplet.partition_point(|s| s.droplet_id <= droplet.id);
        let plan = plan_droplet(droplet, &by_droplet[lo..hi], settings, now, &mut verdicts);
        if plan.future > 0 {
            tracing::warn!(
                "droplet {}: {} snapshot(s) are dated after the API's clock ({now}); they are \
                 kept and ignored when deciding whether a snapshot is due",
                Clean(&plan.droplet_name),
                plan.future
            );
        }
        plans.push(plan);
    }
    Ok((now, plans, unsure, problems))
}

/// Acts on one droplet's plan.
fn execute(
    cloud: &mut dyn Cloud,
    plan: Plan,
    options: Options,
    withheld: Option<String>,
    budget: &mut usize,
) -> Result<DropletReport, CloudError> {
    let droplet_name = plan.droplet_name;
    let name = Clean(&droplet_name);
    let mut report = DropletReport {
        id: plan.droplet_id,
        name: String::new(),
        owned: plan.owned,
        deleted: Vec::with_capacity(plan.deletes.len()),
        held_back: 0,
        deletes_withheld: None,
        transfers: Vec::new(),
        transfers_in_progress: 0,
        snapshot: SnapshotOutcome::Failed,
        errors: Vec::new(),
    };
    if let (Some(why), false) = (&withheld, plan.deletes.is_empty()) {
        tracing::error!(
            "droplet {name}: deleting nothing ({} wanted by the policy) because {why}",
            plan.deletes.len()
        );
        report.deletes_withheld = withheld;
    } else {
        for doomed in plan.deletes {
            if *budget == 0 {
                report.held_back += 1;
                continue;
            }
            let outcome = if options.dry_run {
                Ok(Deleted::Now)
            } else {
                cloud.delete_snapshot(doomed.id)
            };
            match outcome {
                Ok(outcome) => {
                    *budget -= 1;
                    tracing::info!(
                        "droplet {name}: {} snapshot {} ({}) under -k {}",
                        if options.dry_run {
                            "would delete"
                        } else {
                            "deleted"
                        },
                        Clean(&doomed.name),
                        doomed.id,
                        doomed.rule
                    );
                    report.deleted.push(DeletedSnapshot {
                        id: doomed.id,
                        name: doomed.name,
                        created_at: doomed.created_at,
                        rule: doomed.rule,
                        already_gone: outcome == Deleted::AlreadyGone,
                    });
                }
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => report.errors.push(e.to_string()),
            }
        }
    }
    transfer(cloud, &droplet_name, plan.transfers, options, &mut report)?;
    report.snapshot = snapshot(
        cloud,
        &droplet_name,
        plan.droplet_id,
        plan.snapshot,
        options,
        &mut report,
    )?;
    for e in &report.errors {
        tracing::error!("droplet {name}: {e}");
    }
    report.name = droplet_name;
    Ok(report)
}

/// Requests the transfers, skipping regions a transfer is already copying to.
fn transfer(
    cloud: &mut dyn Cloud,
    name: &str,
    transfers: Vec<crate::core::plan::Transfer>,
    options: Options,
    report: &mut DropletReport,
) -> Result<(), CloudError> {
    let name = Clean(name);
    let mut busy: Option<(u64, Vec<String>)> = None;
    for t in transfers {
        if busy.as_ref().is_none_or(|(id, _)| *id != t.snapshot_id) {
            match cloud.transfers_in_progress(t.snapshot_id) {
                Ok(regions) => busy = Some((t.snapshot_id, regions)),
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => {
                    report.errors.push(e.to_string());
                    busy = None;
                    continue;
                }
            }
        }
        if busy.as_ref().is_some_and(|(_, r)| r.contains(&t.region)) {
            report.transfers_in_progress += 1;
            continue;
        }
        let outcome = if options.dry_run {
            Ok(())
        } else {
            cloud.transfer_snapshot(t.snapshot_id, &t.region)
        };
        match outcome {
            Ok(()) => {
                tracing::info!(
                    "droplet {name}: {} snapshot {} to {}",
                    if options.dry_run {
                        "would transfer"
                    } else {
                        "transferring"
                    },
                    t.snapshot_id,
                    Clean(&t.region)
                );
                report.transfers.push(TransferRequest {
                    snapshot_id: t.snapshot_id,
                    region: t.region,
                });
            }
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => report.errors.push(e.to_string()),
        }
    }
    Ok(())
}

/// Takes the snapshot if due and nothing is under way.
fn snapshot(
    cloud: &mut dyn Cloud,
    name: &str,
    droplet_id: u64,
    plan: SnapshotPlan,
    options: Options,
    report: &mut DropletReport,
) -> Result<SnapshotOutcome, CloudError> {
    let name = Clean(name);
    let busy = |reason: &str| {
        tracing::info!("droplet {name}: snapshot due but skipped: {reason}");
        Ok(SnapshotOutcome::Skipped {
            reason: reason.to_string(),
        })
    };
    let snapshot_name = match plan {
        SnapshotPlan::NotDue { newest } => return Ok(SnapshotOutcome::NotDue { newest }),
        SnapshotPlan::Locked => return busy("the droplet is locked by another action"),
        SnapshotPlan::Take { name } => name,
    };
    match cloud.snapshot_in_progress(droplet_id) {
        Ok(true) => return busy("a snapshot is already in progress"),
        Ok(false) => {}
        Err(e) if e.is_fatal() => return Err(e),
        Err(e) => {
            report.errors.push(e.to_string());
            return Ok(SnapshotOutcome::Failed);
        }
    }
    if options.dry_run {
        tracing::info!(
            "droplet {name}: would take snapshot {}",
            Clean(&snapshot_name)
        );
        return Ok(SnapshotOutcome::WouldTake {
            name: snapshot_name,
        });
    }
    match cloud.take_snapshot(droplet_id, &snapshot_name) {
        Ok(Started::Now) => {
            tracing::info!("droplet {name}: taking snapshot {}", Clean(&snapshot_name));
            Ok(SnapshotOutcome::Taken {
                name: snapshot_name,
            })
        }
        Ok(Started::DropletBusy) => busy("the droplet already has a pending event"),
        Err(e) if e.is_fatal() => Err(e),
        Err(e) => {
            report.errors.push(e.to_string());
            Ok(SnapshotOutcome::Failed)
        }
    }
}

fn serialize_display<S: serde::Serializer>(
    value: &impl std::fmt::Display,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::memory::MemoryCloud;
    use crate::core::naming::PrefixTemplate;
    use crate::core::policy::Policy;
    use crate::core::span::Span;
    use proptest::prelude::*;

    fn settings(rules: &[String], every: &str) -> Settings {
        Settings {
            tag: "t".into(),
            prefix: PrefixTemplate::parse("$droplet-").unwrap(),
            snapshot_every: Span::parse(every).unwrap(),
            policy: Policy::new(rules.iter().map(|r| Rule::parse(r).unwrap()).collect()),
            regions: vec!["lon1".into()],
        }
    }

    fn arb_rule() -> impl Strategy<Value = String> {
        (0u64..4, 0usize..3, 0u64..4, 0usize..3).prop_map(|(i, iu, a, au)| {
            let u = ["h", "d", "w"];
            format!("{i}{}:{a}{}", u[iu], u[au])
        })
    }

    proptest! {
        /// Whatever the policy and however irregular the schedule, once a run has taken no
        /// snapshot, another run at the same moment does nothing at all; and the newest
        /// snapshot is never deleted.
        #[test]
        fn a_run_that_took_nothing_leaves_nothing_for_the_next(
            rules in proptest::collection::vec(arb_rule(), 0..4),
            gaps in proptest::collection::vec(1i64..200_000, 1..60),
        ) {
            let s = settings(&rules, "1d");
            let start = Timestamp::from_second(1_600_000_000).unwrap();
            let mut cloud = MemoryCloud::new("d", "t", "nyc3", start);
            let mut now = start;
            for gap in gaps {
                now = now.checked_add(gap).unwrap();
                cloud.set_now(now);
                // The first run may take a snapshot; the next then judges with it in place.
                let mut previous = run_once(&mut cloud, &s, Options::default()).unwrap();
                for _ in 0..2 {
                    let newest = cloud.snapshots().last().map(|x| x.id);
                    let took = matches!(previous.droplets[0].snapshot, SnapshotOutcome::Taken { .. });
                    let next = run_once(&mut cloud, &s, Options::default()).unwrap();
                    let d = &next.droplets[0];
                    prop_assert_eq!(cloud.snapshots().last().map(|x| x.id), newest);
                    let not_due = matches!(d.snapshot, SnapshotOutcome::NotDue { .. });
                    prop_assert!(not_due, "{:?}", d.snapshot);
                    if !took {
                        prop_assert!(d.deleted.is_empty(), "{:?} then {:?}", previous, next);
                        prop_assert!(d.transfers.is_empty(), "{:?} then {:?}", previous, next);
                    }
                    previous = next;
                }
            }
        }
    }

    #[test]
    fn max_delete_spans_droplets_and_counts_what_it_holds_back() {
        let s = settings(&["0h:1h".to_string()], "1h");
        let start = Timestamp::from_second(1_600_000_000).unwrap();
        let mut cloud = MemoryCloud::new("d", "t", "nyc3", start);
        for hour in 0..5 {
            cloud.set_now(start.checked_add(hour * 3_600).unwrap());
            let keep_all = settings(&[], "1h");
            run_once(&mut cloud, &keep_all, Options::default()).unwrap();
        }
        cloud.set_now(start.checked_add(10 * 3_600).unwrap());
        let options = Options {
            dry_run: false,
            max_delete: Some(2),
        };
        let report = run_once(&mut cloud, &s, options).unwrap();
        assert_eq!(report.droplets[0].deleted.len(), 2);
        assert_eq!(report.held_back(), 2);
    }
}
