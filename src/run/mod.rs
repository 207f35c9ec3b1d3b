//! One run of the tool against an account: read, plan each droplet, then act (or, with
//! `--dryrun`, only say what would be done). Real runs and simulations both come through here.

mod act;
mod finish;
mod hook;
mod orphans;
mod outcome;
mod progress;
mod volumes;

use std::collections::BTreeMap;

pub use finish::{Finish, PowerOff};
pub use hook::Hook;
pub use orphans::Mode as Orphans;
pub use outcome::{
    DeletedSnapshot, DropletReport, ErroredAction, ExplainedSnapshot, HookReport, HookResult,
    NewestSnapshot, OrphanReport, OrphanSnapshot, PowerPlan, PowerReport, RunReport,
    SnapshotOutcome, Storage, TransferRequest, VolumeReport, WaitReport, WaitState,
};
pub use volumes::MAX_PER_VOLUME;

use std::collections::HashSet;

use crate::cloud::{Cloud, CloudError, HoldBack, VolumeInventory};
use crate::core::activity::RecentActions;
use crate::core::explain::{self, Explained};
use crate::core::model::{of_droplet, sort_by_droplet};
use crate::core::naming::PrefixTemplate;
use crate::core::plan::{FUTURE_SLACK, Plan, Settings, SnapshotPlan, overdue_after, plan_droplet};
use crate::core::span::human;
use crate::sanitize::Clean;
use crate::time::Timestamp;

/// How to act on the plans.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Send no request that changes anything.
    pub dry_run: bool,
    /// `--max-delete`: delete at most this many snapshots in this run.
    pub max_delete: Option<usize>,
    /// `--wait`, `--power-off`, `--hook`: take the due snapshots in a phase of their own, wait
    /// for them and copy them in the same run.
    pub finish: Option<Finish>,
    /// `--volumes`: also the tagged droplets' volumes, their snapshots named by this template.
    pub volumes: Option<PrefixTemplate>,
    /// `--orphans`.
    pub orphans: Orphans,
    /// `--price-per-gb`: USD per GB-month of snapshot storage.
    pub price_per_gb: f64,
    /// `--explain`: put every owned snapshot's verdict and reason in the report.
    pub explain: bool,
}

/// Runs once. An `Err` means nothing could be decided, so nothing was done (the listing
/// failed, or the token was refused); failures after that are in the report: per droplet, and
/// in `stopped` when one ended the run early.
pub fn run_once(
    cloud: &mut dyn Cloud,
    settings: &Settings,
    options: &Options,
) -> Result<RunReport, CloudError> {
    let volume_inventory = match options.volumes {
        Some(_) => Some(cloud.volumes()?),
        None => None,
    };
    let Planned {
        now,
        mut plans,
        unsure,
        problems,
        mut volumes,
        volume_holds,
        orphans,
        mut explained,
    } = plan_all(cloud, settings, options, volume_inventory.as_ref())?;
    if !settings.regions.is_empty() && volumes.as_ref().is_some_and(|v| !v.is_empty()) {
        tracing::info!(
            "volume snapshots stay in their volume's region: DigitalOcean cannot copy them, so \
             -r copies droplet snapshots only"
        );
    }
    let recent = recent_actions(cloud, &plans, now)?;
    let mut budget = options.max_delete.unwrap_or(usize::MAX);
    let mut droplets = Vec::with_capacity(plans.len());
    let mut stopped: Option<CloudError> = None;
    let mut ready = Vec::new();
    for (i, plan) in plans.iter_mut().enumerate() {
        let mine = volumes
            .as_mut()
            .and_then(|v| v.remove(&plan.droplet_id))
            .unwrap_or_default();
        if stopped.is_some() {
            droplets.push(act::not_reached(plan));
            continue;
        }
        let withheld = unsure.reason_for(plan.droplet_id);
        let index = droplets.len();
        let (staged, fatal) = act::execute(
            cloud,
            plan,
            mine,
            recent.as_ref(),
            options,
            withheld,
            &mut budget,
            &mut droplets,
        );
        if let Some(list) = explained.get_mut(i) {
            let list = std::mem::take(list).into_iter();
            droplets[index].explain = Some(list.map(ExplainedSnapshot::from).collect());
        }
        ready.extend(staged.map(|r| (index, r)));
        stopped = fatal;
    }
    let mut orphan_reports = Vec::new();
    if stopped.is_none() && !orphans.is_empty() {
        let held = |id: u64| unsure.droplets.get(&id).cloned();
        let held_volume = |id: &str| volume_holds.as_ref().and_then(|h| h.reason_for(id));
        let (found, fatal) = orphans::settle(
            cloud,
            orphans,
            settings,
            options,
            now,
            &mut budget,
            unsure.all.as_ref(),
            &held,
            &held_volume,
        );
        orphan_reports = found;
        stopped = fatal;
    }
    if let (Some(finish), None, false) = (&options.finish, &stopped, ready.is_empty()) {
        stopped = finish::finish(cloud, now, ready, &mut droplets, &settings.regions, finish);
    }
    let mut report = RunReport {
        now,
        dry_run: options.dry_run,
        droplets,
        problems,
        deletes_withheld: unsure.all,
        interrupted: matches!(stopped, Some(CloudError::Interrupted { .. })),
        stopped: stopped.map(|e| e.to_string()),
        overdue_after_seconds: overdue_after(settings.snapshot_every),
        orphans: orphan_reports,
        storage: Storage::default(),
        volumes_stay: options.volumes.is_some() && !settings.regions.is_empty(),
    };
    report.price(options.price_per_gb);
    Ok(report)
}

/// The account's recent actions, read once when any droplet is due or has snapshots to copy:
/// what each due droplet's check needs (a snapshot under way, one completed but not listed yet,
/// one that ended errored) back to the start of its `-s` window, and the transfers under way.
/// A failed read only means each droplet reads its own; a refused token stops the run.
fn recent_actions(
    cloud: &mut dyn Cloud,
    plans: &[Plan],
    now: Timestamp,
) -> Result<Option<RecentActions>, CloudError> {
    let due = plans
        .iter()
        .filter_map(|p| match &p.snapshot {
            SnapshotPlan::Take { check, .. } => Some(check.actions_since()),
            _ => None,
        })
        .min();
    let copies = plans.iter().any(|p| !p.transfers.is_empty());
    let Some(since) =
        due.or_else(|| copies.then(|| now.checked_add(-TRANSFER_HORIZON).unwrap_or(now)))
    else {
        return Ok(None);
    };
    match cloud.recent_actions(since) {
        Ok(recent) => {
            if !recent.whole {
                tracing::info!(
                    "the account's actions since {since} are more than one read takes; due \
                     droplets read their own"
                );
            }
            Ok(Some(recent))
        }
        Err(e) if e.is_fatal() => Err(e),
        Err(e) => {
            tracing::warn!(
                "reading the account's recent actions failed ({e}); each droplet reads its own"
            );
            Ok(None)
        }
    }
}

/// How far back the shared read looks for transfers under way when no droplet is due (an
/// older transfer still running is refused by the API as already under way).
const TRANSFER_HORIZON: i64 = 6 * 3_600;

/// Whose deletions must not happen, and why.
#[derive(Default)]
struct Unsure {
    /// Everyone's, for this reason.
    all: Option<String>,
    /// These droplets', each for its first reason.
    droplets: BTreeMap<u64, String>,
}

impl Unsure {
    fn reason_for(&self, droplet_id: u64) -> Option<String> {
        self.all
            .clone()
            .or_else(|| self.droplets.get(&droplet_id).cloned())
    }
}

/// What a run decides from: the plans, and what the listings left unsure.
struct Planned {
    now: Timestamp,
    plans: Vec<Plan>,
    unsure: Unsure,
    problems: Vec<String>,
    /// With `--volumes`: each droplet's volumes' plans. (Options here and below: without the
    /// flag there is nothing to drop, on every run of a simulation.)
    volumes: Option<BTreeMap<u64, Vec<volumes::VolumePlan>>>,
    /// Whose volume deletions the volume listing stops.
    volume_holds: Option<volumes::Holds>,
    /// Snapshots whose droplet or volume may be gone.
    orphans: Vec<orphans::Candidate>,
    /// With `--explain`, each droplet's verdicts and reasons, in the order of `plans` (empty
    /// without it).
    explained: Vec<Vec<Explained>>,
}

fn plan_all(
    cloud: &mut dyn Cloud,
    settings: &Settings,
    options: &Options,
    volume_inventory: Option<&VolumeInventory>,
) -> Result<Planned, CloudError> {
    let inventory = cloud.inventory(&settings.tag)?;
    let now = inventory.now;
    // A listing that ignored its tag filter would have every droplet of the account
    // snapshotted and pruned.
    inventory.check_tag(&settings.tag)?;
    if inventory.droplets.is_empty() {
        // Not an error (a tag can be empty for a while), but a typo here means no backups.
        tracing::warn!(
            "no droplet carries the tag `{}`: nothing to snapshot",
            Clean(&settings.tag)
        );
    }
    let mut unsure = Unsure::default();
    let mut problems = Vec::new();
    for item in &inventory.unreadable {
        // Problems quote text from the API: escape it before it reaches a log or terminal.
        let problem = Clean(&item.problem).to_string();
        tracing::error!("{problem}");
        let why = format!("the listing has a problem: {problem}");
        match item.holds_back {
            HoldBack::Nothing => {}
            HoldBack::All => unsure.all = unsure.all.take().or(Some(why)),
            HoldBack::Droplet(id) => {
                unsure.droplets.entry(id).or_insert(why);
            }
        }
        problems.push(problem);
    }
    let mut by_droplet = inventory.snapshots;
    if !inventory.sorted {
        sort_by_droplet(&mut by_droplet);
    }
    let mut explained = Vec::new();
    let mut plans = Vec::with_capacity(inventory.droplets.len());
    for droplet in inventory.droplets.iter() {
        let snapshots = of_droplet(&by_droplet, droplet.id);
        let plan = plan_droplet(droplet, snapshots, settings, now);
        if options.explain {
            let prefix = settings.prefix.expand(&droplet.name, &settings.tag);
            let list = explain::explain(snapshots, &prefix, &settings.policy, now);
            explained.push(list);
        }
        if plan.future > 0 {
            tracing::warn!(
                "droplet {}: {} snapshot(s) are dated more than {} after the API's clock \
                 ({now}); they are kept and ignored when deciding whether a snapshot is due",
                Clean(&plan.droplet_name),
                plan.future,
                human(FUTURE_SLACK)
            );
        }
        for problem in &plan.disputed {
            tracing::error!("droplet {}: {problem}", Clean(&plan.droplet_name));
            unsure
                .droplets
                .entry(plan.droplet_id)
                .or_insert_with(|| format!("the listing has a problem: {problem}"));
            problems.push(problem.clone());
        }
        plans.push(plan);
    }
    let mut volume_plans = None;
    let mut volume_holds = None;
    let mut orphans = Vec::new();
    let look_for_orphans = options.orphans != Orphans::Keep;
    if look_for_orphans {
        let tagged: HashSet<u64> = inventory.droplets.iter().map(|d| d.id).collect();
        orphans =
            orphans::droplet_candidates(&by_droplet, &tagged, &settings.prefix, &settings.tag);
    }
    if let (Some(template), Some(listing)) = (&options.volumes, volume_inventory) {
        let (found, trouble, holds) = volumes::plan_all(
            listing,
            &inventory.droplets,
            settings,
            template,
            now,
            options.explain,
        );
        volume_plans = Some(found);
        volume_holds = Some(holds);
        problems.extend(trouble);
        if look_for_orphans {
            let known: HashSet<&str> = listing.volumes.iter().map(|v| v.id.as_str()).collect();
            orphans.extend(orphans::volume_candidates(
                &listing.snapshots,
                &known,
                template,
                &settings.tag,
            ));
        }
    }
    Ok(Planned {
        now,
        plans,
        unsure,
        problems,
        volumes: volume_plans,
        volume_holds,
        orphans,
        explained,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::memory::MemoryCloud;
    use crate::core::naming::PrefixTemplate;
    use crate::core::policy::{Policy, Rule};
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
                let mut previous = run_once(&mut cloud, &s, &Options::default()).unwrap();
                for _ in 0..2 {
                    let newest = cloud.snapshots().last().map(|x| x.id);
                    let took = matches!(previous.droplets[0].snapshot, SnapshotOutcome::Taken { .. });
                    let next = run_once(&mut cloud, &s, &Options::default()).unwrap();
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
            run_once(&mut cloud, &keep_all, &Options::default()).unwrap();
        }
        cloud.set_now(start.checked_add(10 * 3_600).unwrap());
        let options = Options {
            max_delete: Some(2),
            ..Options::default()
        };
        let report = run_once(&mut cloud, &s, &options).unwrap();
        assert_eq!(report.droplets[0].deleted.len(), 2);
        assert_eq!(report.held_back(), 2);
    }
}
