//! `--volumes`: the block-storage volumes attached to each tagged droplet, snapshotted and
//! pruned under the same `-s` and `-k` policy, each judged on its own snapshots. The core plans
//! a volume exactly as it plans a droplet (a volume has no lock and no copies in other
//! regions); this module only maps its UUIDs to the numbers the planner works with and back.
//!
//! A volume snapshot is made at once (the API answers with it), so nothing is waited for; and
//! DigitalOcean keeps at most 25 per volume, so a volume at that limit is reported instead of
//! failing run after run.

use std::collections::BTreeMap;

use super::Options;
use super::act::{deleted_verb, settle_into};
use super::outcome::{
    DeletedSnapshot, ExplainedSnapshot, NewestSnapshot, SnapshotOutcome, VolumeReport,
};
use crate::cloud::{Cloud, CloudError, Deleted, VolumeInventory};
use crate::core::explain;
use crate::core::model::{Droplet, Snapshot, Volume};
use crate::core::naming::{Prefix, PrefixTemplate};
use crate::core::plan::{Plan, Settings, SnapshotPlan, Subject, plan};
use crate::sanitize::Clean;
use crate::time::Timestamp;

/// DigitalOcean's limit of snapshots per volume.
pub const MAX_PER_VOLUME: usize = 25;

/// One volume's plan.
#[derive(Debug)]
pub struct VolumePlan {
    pub volume: Volume,
    pub plan: Plan,
    /// The volume's snapshots' UUIDs, by the number the plan knows each by.
    ids: Vec<String>,
    /// Their sizes, likewise.
    sizes: Vec<f64>,
    /// Why its deletions must wait, if they must.
    withheld: Option<String>,
    /// Names its snapshots.
    pub prefix: Prefix,
    /// With `--explain`: each owned snapshot's verdict and reason.
    explained: Option<Vec<ExplainedSnapshot>>,
}

/// The volume snapshot to take in the finishing phase (with `--power-off`, while the droplet
/// is off; with `--hook`, between the hooks).
#[derive(Debug)]
pub struct StagedVolume {
    /// Its report's place among the droplet's volumes.
    pub index: usize,
    pub volume_id: String,
    pub volume_name: String,
    pub prefix: Prefix,
}

/// Plans every tagged droplet's volumes; returns them by droplet id, and the problems found
/// (a volume a droplet names that the listing lacks, entries that could not be read).
pub fn plan_all(
    inventory: &VolumeInventory,
    droplets: &[Droplet],
    settings: &Settings,
    template: &PrefixTemplate,
    now: Timestamp,
    explain: bool,
) -> (BTreeMap<u64, Vec<VolumePlan>>, Vec<String>, Holds) {
    let mut problems: Vec<String> = Vec::new();
    let Holds {
        all: mut hold_all,
        volumes: mut hold,
    } = Holds::default();
    for (volume, problem) in &inventory.unreadable {
        let problem = Clean(problem).to_string();
        tracing::error!("{problem}");
        let why = format!("the volume listing has a problem: {problem}");
        match volume {
            Some(id) => {
                hold.entry(id.clone()).or_insert(why);
            }
            None => hold_all = hold_all.or(Some(why)),
        }
        problems.push(problem);
    }
    let mut plans = BTreeMap::new();
    for droplet in droplets {
        let mut mine = Vec::new();
        for id in &droplet.volume_ids {
            let Some(volume) = inventory.volumes.iter().find(|v| v.id == *id) else {
                let problem = format!(
                    "droplet {} names volume {}, which the volume listing lacks; it is left \
                     alone this run",
                    Clean(&droplet.name),
                    Clean(id)
                );
                tracing::error!("{problem}");
                problems.push(problem);
                continue;
            };
            let mut snapshots: Vec<(String, Snapshot)> = inventory
                .snapshots
                .iter()
                .filter(|s| s.volume_id == volume.id)
                .map(|s| (s.id.clone(), s.as_snapshot(0)))
                .collect();
            snapshots.sort_by_key(|(_, s)| s.time());
            let (ids, mut snapshots): (Vec<String>, Vec<Snapshot>) = snapshots.into_iter().unzip();
            for (n, s) in snapshots.iter_mut().enumerate() {
                s.id = n as u64;
            }
            let prefix = template.expand_volume(&volume.name, &droplet.name, &settings.tag);
            let subject = Subject {
                id: 0,
                name: &volume.name,
                locked: false,
                status: "",
                prefix: prefix.clone(),
                regions: &[],
            };
            let plan = plan(subject, &snapshots, settings, now);
            let explained = explain.then(|| {
                explain::explain(&snapshots, &prefix, &settings.policy, now)
                    .into_iter()
                    .map(ExplainedSnapshot::from)
                    .collect()
            });
            let mut withheld = hold_all.clone().or_else(|| hold.get(id).cloned());
            for problem in &plan.disputed {
                tracing::error!("volume {}: {problem}", Clean(&volume.name));
                withheld.get_or_insert_with(|| format!("the listing has a problem: {problem}"));
                problems.push(problem.clone());
            }
            mine.push(VolumePlan {
                volume: volume.clone(),
                plan,
                sizes: snapshots.iter().map(|s| s.size_gigabytes).collect(),
                ids,
                withheld,
                prefix,
                explained,
            });
        }
        if !mine.is_empty() {
            plans.insert(droplet.id, mine);
        }
    }
    (
        plans,
        problems,
        Holds {
            all: hold_all,
            volumes: hold,
        },
    )
}

/// Whose volume deletions the volume listing's unreadable entries stop, and why: everyone's,
/// or those of the volumes named.
#[derive(Debug, Default)]
pub struct Holds {
    pub all: Option<String>,
    pub volumes: BTreeMap<String, String>,
}

impl Holds {
    /// Why the volume's deletions must wait, if they must.
    pub fn reason_for(&self, volume_id: &str) -> Option<String> {
        self.all
            .clone()
            .or_else(|| self.volumes.get(volume_id).cloned())
    }
}

/// Acts on one volume's plan: deletes, then takes its snapshot if due (or, when `stage`,
/// leaves that to the finishing phase). `budget` is what `--max-delete` still allows; a fatal
/// error comes back beside the report.
pub fn act(
    cloud: &mut dyn Cloud,
    vp: VolumePlan,
    options: &Options,
    withheld: Option<&String>,
    budget: &mut usize,
    stage: bool,
) -> (VolumeReport, Option<StagedVolume>, Option<CloudError>) {
    let VolumePlan {
        volume,
        plan,
        ids,
        sizes,
        withheld: own,
        prefix,
        explained,
    } = vp;
    let name = Clean(&volume.name).to_string();
    let mut report = VolumeReport {
        id: volume.id.clone(),
        name: volume.name.clone(),
        owned: plan.owned,
        newest: plan.newest.map(NewestSnapshot::from),
        overdue: plan.overdue,
        deleted: Vec::new(),
        held_back: 0,
        deletes_withheld: None,
        snapshot: SnapshotOutcome::NotAttempted,
        at_limit: false,
        errors: Vec::new(),
        storage_gigabytes: plan.owned_gigabytes,
        monthly_cost: 0.0,
        explain: explained,
    };
    let mut fatal = None;
    let withheld = withheld.cloned().or(own);
    if let (Some(why), false) = (&withheld, plan.deletes.is_empty()) {
        tracing::error!(
            "volume {name}: deleting nothing ({} wanted by the policy) because {why}",
            plan.deletes.len()
        );
        report.deletes_withheld = withheld;
    } else {
        for doomed in plan.deletes {
            if *budget == 0 {
                report.held_back += 1;
                continue;
            }
            let id = &ids[doomed.id as usize];
            let outcome = if options.dry_run {
                Ok(Deleted::Now)
            } else {
                cloud.delete_volume_snapshot(id)
            };
            let outcome = match settle_into(outcome, &mut report.errors) {
                Ok(Some(outcome)) => outcome,
                Ok(None) => continue,
                Err(e) => {
                    fatal = Some(e);
                    break;
                }
            };
            *budget -= 1;
            tracing::info!(
                "volume {name}: {} snapshot {} ({id}) under -k {}",
                deleted_verb(options.dry_run),
                Clean(&doomed.name),
                doomed.rule
            );
            report.storage_gigabytes -= sizes[doomed.id as usize];
            report.deleted.push(DeletedSnapshot {
                id: id.clone(),
                name: doomed.name,
                created_at: doomed.created_at,
                rule: doomed.rule,
                size_gigabytes: doomed.size_gigabytes,
                already_gone: outcome == Deleted::AlreadyGone,
            });
        }
    }
    if fatal.is_some() {
        return (report, None, fatal);
    }
    let snapshot_name = match plan.snapshot {
        SnapshotPlan::NotDue { newest } => {
            report.snapshot = SnapshotOutcome::NotDue { newest };
            return (report, None, None);
        }
        SnapshotPlan::Take { name, .. } => name,
        // Volumes are never locked; the planner is only told so for droplets.
        SnapshotPlan::Locked => return (report, None, None),
    };
    let held = ids.len() - report.deleted.len();
    if held >= MAX_PER_VOLUME {
        report.at_limit = true;
        let reason = format!(
            "the volume holds {held} snapshots, DigitalOcean's limit is {MAX_PER_VOLUME}: delete \
             some, or keep fewer with -k"
        );
        tracing::error!("volume {name}: snapshot due but not taken: {reason}");
        report.snapshot = SnapshotOutcome::Skipped { reason };
        return (report, None, None);
    }
    if options.dry_run {
        tracing::info!(
            "volume {name}: would take snapshot {}",
            Clean(&snapshot_name)
        );
        report.snapshot = SnapshotOutcome::WouldTake {
            name: snapshot_name,
        };
        return (report, None, None);
    }
    if stage {
        let staged = StagedVolume {
            index: 0,
            volume_id: volume.id,
            volume_name: volume.name,
            prefix,
        };
        return (report, Some(staged), None);
    }
    let (outcome, fatal) = take(
        cloud,
        &volume.id,
        &volume.name,
        &snapshot_name,
        &mut report.errors,
    );
    report.snapshot = outcome;
    (report, None, fatal)
}

/// Takes a volume's snapshot now; says how it went, recording a failure in `errors` (a fatal
/// one comes back as well).
pub fn take(
    cloud: &mut dyn Cloud,
    volume_id: &str,
    volume_name: &str,
    name: &str,
    errors: &mut Vec<String>,
) -> (SnapshotOutcome, Option<CloudError>) {
    match cloud.snapshot_volume(volume_id, name) {
        Ok(()) => {
            tracing::info!(
                "volume {}: took snapshot {}",
                Clean(volume_name),
                Clean(name)
            );
            let taken = SnapshotOutcome::Taken {
                name: name.to_string(),
            };
            (taken, None)
        }
        Err(e) => {
            let conflict = matches!(&e, CloudError::Status { status: 409, .. });
            let message = if conflict {
                format!(
                    "a snapshot named {} already exists on the volume (409): {e}",
                    Clean(name)
                )
            } else {
                e.to_string()
            };
            tracing::error!("volume {}: {message}", Clean(volume_name));
            errors.push(message);
            (SnapshotOutcome::Failed, e.is_fatal().then_some(e))
        }
    }
}
