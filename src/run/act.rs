//! Acting on one droplet's plan: delete, then transfer, then snapshot; or, in a dry run, only
//! record what would be done. Everything that happens is written into the droplet's report.

use super::Options;
use super::outcome::{
    DropletReport, ErroredAction, NewestSnapshot, PowerPlan, PowerReport, SnapshotOutcome,
    TransferRequest,
};
use crate::cloud::{Cloud, CloudError, Copying, Deleted, Started};
use crate::core::activity::RecentActions;
use crate::core::naming::Prefix;
use crate::core::plan::{Doomed, Newest, Plan, SnapshotPlan, Transfer};
use crate::core::recovery::{self, Recovery};
use crate::sanitize::Clean;

use super::volumes::{self, StagedVolume, VolumePlan};

/// A droplet whose snapshot, waiting and power the finishing phase (`--wait`, `--power-off`,
/// `--hook`) carries out, after every droplet has been planned and pruned.
#[derive(Debug)]
pub struct Ready {
    pub droplet_id: u64,
    pub droplet_name: String,
    /// Due, checked and clear: the snapshot to request, named when it is requested.
    pub take: Option<Prefix>,
    /// Its volumes' due snapshots, taken just before its own.
    pub volumes: Vec<StagedVolume>,
    /// With `--power-off`: what to do with the droplet's power.
    pub power: Option<PowerPlan>,
    /// A snapshot an earlier run left running on a droplet it powered off: wait for it, then
    /// power the droplet on.
    pub running: Option<u64>,
}

/// Acts on one droplet's plan, taking its parts, and adds the droplet's report to `droplets`
/// (built in place there: a simulation reports a droplet on every run). `withheld` says why
/// its deletions must not happen, if so; `budget` is what `--max-delete` still allows. A due
/// snapshot that the finishing phase will request comes back as `Ready` (its report says
/// `not_attempted` until then).
///
/// A fatal error (the token refused, say) stops the droplet where it happened; it comes back,
/// and the report says what was done before it, so the run can stop and still say so.
#[allow(clippy::too_many_arguments)]
pub fn execute(
    cloud: &mut dyn Cloud,
    plan: &mut Plan,
    volumes: Vec<VolumePlan>,
    recent: Option<&RecentActions>,
    options: &Options,
    withheld: Option<String>,
    budget: &mut usize,
    droplets: &mut Vec<DropletReport>,
) -> (Option<Ready>, Option<CloudError>) {
    let droplet_id = plan.droplet_id;
    let droplet_name = std::mem::take(&mut plan.droplet_name);
    let status = std::mem::take(&mut plan.status);
    let deletes = std::mem::take(&mut plan.deletes);
    let transfers = std::mem::take(&mut plan.transfers);
    let snapshot = std::mem::replace(&mut plan.snapshot, SnapshotPlan::Locked);
    let index = droplets.len();
    droplets.push(DropletReport::new(droplet_id, String::new(), plan.owned));
    let report = &mut droplets[index];
    report.owned_gigabytes = plan.owned_gigabytes;
    report.newest = plan.newest.take().map(NewestSnapshot::from);
    report.storage_gigabytes = plan.owned_gigabytes;
    // Volumes' snapshots wait for the finishing phase when it brackets them: taken while the
    // droplet is off, or between the hooks.
    let stage_volumes = !options.dry_run
        && options
            .finish
            .as_ref()
            .is_some_and(|f| f.power_off.is_some() || f.hook.is_some());
    let volume_hold = withheld.clone();
    let mut step = Step {
        cloud,
        name: Clean(&droplet_name),
        options,
        recent,
    };
    let mut ready = None;
    let act = || -> Result<(), CloudError> {
        step.delete(deletes, withheld, budget, report)?;
        step.transfer(transfers, report)?;
        let recovery = step.left_off(droplet_id, &status, report)?;
        let take = step.snapshot(droplet_id, snapshot, report)?;
        let mut staged = Vec::new();
        for vp in volumes {
            let hold = volume_hold.as_ref();
            let (v, stage, fatal) =
                volumes::act(step.cloud, vp, options, hold, budget, stage_volumes);
            if let Some(mut stage) = stage {
                stage.index = report.volumes.len();
                staged.push(stage);
            }
            report.volumes.push(v);
            if let Some(e) = fatal {
                return Err(e);
            }
        }
        ready = step.stage(
            droplet_id,
            &droplet_name,
            &status,
            take,
            staged,
            recovery,
            report,
        );
        Ok(())
    };
    let fatal = act().err();
    if let Some(e) = &fatal {
        report.errors.push(e.to_string());
    }
    let took = matches!(
        report.snapshot,
        SnapshotOutcome::Taken { .. } | SnapshotOutcome::WouldTake { .. }
    );
    report.overdue = plan.overdue || (report.newest.is_none() && !took);
    for e in &report.errors {
        tracing::error!("droplet {}: {e}", Clean(&droplet_name));
    }
    report.name = droplet_name;
    (ready, fatal)
}

/// The report of a droplet the run did not reach.
pub fn not_reached(plan: &mut Plan) -> DropletReport {
    let mut report = DropletReport::new(
        plan.droplet_id,
        std::mem::take(&mut plan.droplet_name),
        plan.owned,
    );
    report.overdue = plan.overdue;
    report.owned_gigabytes = plan.owned_gigabytes;
    report.newest = plan.newest.take().map(NewestSnapshot::from);
    report
}

impl From<Newest> for NewestSnapshot {
    fn from(n: Newest) -> NewestSnapshot {
        NewestSnapshot {
            name: n.name,
            time: n.time,
            age_seconds: n.age,
        }
    }
}

/// What every action on one droplet needs.
struct Step<'a> {
    cloud: &'a mut dyn Cloud,
    /// The droplet's name, escaped for logs.
    name: Clean<'a>,
    options: &'a Options,
    /// The account's recent actions, read once for the run, if they could be.
    recent: Option<&'a RecentActions>,
}

impl Step<'_> {
    /// Deletes what the policy doomed, within the `--max-delete` budget, unless withheld.
    fn delete(
        &mut self,
        deletes: Vec<Doomed>,
        withheld: Option<String>,
        budget: &mut usize,
        report: &mut DropletReport,
    ) -> Result<(), CloudError> {
        let name = self.name;
        if let (Some(why), false) = (&withheld, deletes.is_empty()) {
            tracing::error!(
                "droplet {name}: deleting nothing ({} wanted by the policy) because {why}",
                deletes.len()
            );
            report.deletes_withheld = withheld;
            return Ok(());
        }
        // The deleted stay in the plan's list, which becomes the report's.
        let mut deletes = deletes;
        let mut fatal = None;
        deletes.retain_mut(|doomed| {
            if fatal.is_some() {
                return false;
            }
            if *budget == 0 {
                report.held_back += 1;
                return false;
            }
            let outcome = if self.options.dry_run {
                Ok(Deleted::Now)
            } else {
                self.cloud.delete_snapshot(doomed.id)
            };
            let outcome = match settle(outcome, report) {
                Ok(Some(outcome)) => outcome,
                Ok(None) => return false,
                Err(e) => {
                    fatal = Some(e);
                    return false;
                }
            };
            *budget -= 1;
            tracing::info!(
                "droplet {name}: {} snapshot {} ({}) under -k {}",
                deleted_verb(self.options.dry_run),
                Clean(&doomed.name),
                doomed.id,
                doomed.rule
            );
            report.storage_gigabytes -= doomed.size_gigabytes;
            doomed.already_gone = outcome == Deleted::AlreadyGone;
            true
        });
        // A droplet's deletions are all made here: its report's list is still empty.
        report.deleted = deletes;
        fatal.map_or(Ok(()), Err)
    }

    /// Requests the transfers, skipping regions a transfer is already copying to.
    fn transfer(
        &mut self,
        transfers: Vec<Transfer>,
        report: &mut DropletReport,
    ) -> Result<(), CloudError> {
        let name = self.name;
        let mut busy: Option<(u64, Vec<String>)> = None;
        for t in transfers {
            if busy.as_ref().is_none_or(|(id, _)| *id != t.snapshot_id) {
                // The run's shared read of the account's actions shows the transfers under
                // way; without it (or in a dry run, which cannot hear the API refuse a second
                // transfer), the image's own actions are read.
                let shared = self.recent.filter(|r| r.whole && !self.options.dry_run);
                let in_progress = match shared {
                    Some(recent) => Ok(recent.transfers_in_progress(t.snapshot_id)),
                    None => self.cloud.transfers_in_progress(t.snapshot_id),
                };
                busy = settle(in_progress, report)?.map(|regions| (t.snapshot_id, regions));
                if busy.is_none() {
                    continue;
                }
            }
            if busy.as_ref().is_some_and(|(_, r)| r.contains(&t.region)) {
                report.transfers_in_progress += 1;
                continue;
            }
            let outcome = if self.options.dry_run {
                Ok(Copying::Started)
            } else {
                self.cloud.transfer_snapshot(t.snapshot_id, &t.region)
            };
            match settle(outcome, report)? {
                None => continue,
                Some(Copying::UnderWay) => {
                    report.transfers_in_progress += 1;
                    continue;
                }
                Some(Copying::Started) => {}
            }
            tracing::info!(
                "droplet {name}: {} snapshot {} to {}",
                if self.options.dry_run {
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
        Ok(())
    }

    /// Takes the snapshot if due and nothing is under way; or, when the finishing phase is to
    /// take it, returns its name's prefix for then.
    fn snapshot(
        &mut self,
        droplet_id: u64,
        plan: SnapshotPlan,
        report: &mut DropletReport,
    ) -> Result<Option<Prefix>, CloudError> {
        let name = self.name;
        let busy = |reason: &str, report: &mut DropletReport| {
            tracing::info!("droplet {name}: snapshot due but skipped: {reason}");
            report.snapshot = SnapshotOutcome::Skipped {
                reason: reason.to_string(),
            };
            Ok(None)
        };
        let (snapshot_name, check) = match plan {
            SnapshotPlan::NotDue { newest } => {
                report.snapshot = SnapshotOutcome::NotDue { newest };
                return Ok(None);
            }
            SnapshotPlan::Locked => {
                return busy("the droplet is locked by another action", report);
            }
            SnapshotPlan::Take { name, check } => (name, check),
        };
        // The run's shared read of the account's recent actions, when it reaches back far
        // enough; else the droplet's own.
        let shared = self
            .recent
            .and_then(|r| r.snapshot_actions(droplet_id, check.actions_since()));
        let actions = match shared {
            Some(actions) => actions,
            None => match settle(self.cloud.snapshot_actions(droplet_id), report)? {
                Some(actions) => actions,
                None => {
                    report.snapshot = SnapshotOutcome::Failed;
                    return Ok(None);
                }
            },
        };
        let assessment = check.assess(&actions);
        for a in assessment.errored {
            tracing::error!(
                "droplet {name}: snapshot action {} (started {}) ended errored and left no \
                 snapshot",
                a.id,
                a.started_at
                    .map_or_else(|| "at an unknown time".to_string(), |t| t.to_string())
            );
            report.errored_actions.push(ErroredAction {
                id: a.id,
                started_at: a.started_at,
            });
        }
        if let Some(reason) = assessment.busy {
            return busy(&reason, report);
        }
        if self.options.dry_run {
            tracing::info!(
                "droplet {name}: would take snapshot {}",
                Clean(&snapshot_name)
            );
            report.snapshot = SnapshotOutcome::WouldTake {
                name: snapshot_name,
            };
            return Ok(None);
        }
        if self.options.finish.is_some() {
            return Ok(Some(Prefix::of_name(snapshot_name)));
        }
        report.snapshot =
            match settle(self.cloud.take_snapshot(droplet_id, &snapshot_name), report)? {
                Some(Started::Now { .. }) => {
                    tracing::info!("droplet {name}: taking snapshot {}", Clean(&snapshot_name));
                    SnapshotOutcome::Taken {
                        name: snapshot_name,
                    }
                }
                Some(Started::DropletBusy) => {
                    return busy("the droplet already has a pending event", report);
                }
                None => SnapshotOutcome::Failed,
            };
        Ok(None)
    }

    /// With `--power-off`, whether a droplet found off was left off by an earlier run (which
    /// was killed before it could power it on again).
    fn left_off(
        &mut self,
        droplet_id: u64,
        status: &str,
        report: &mut DropletReport,
    ) -> Result<Option<Recovery>, CloudError> {
        let power_off = self
            .options
            .finish
            .as_ref()
            .is_some_and(|f| f.power_off.is_some());
        if !power_off || status != "off" {
            return Ok(None);
        }
        let Some(actions) = settle(self.cloud.droplet_actions(droplet_id), report)? else {
            return Ok(None);
        };
        let found = recovery::left_off(&actions);
        if found.is_some() {
            tracing::warn!(
                "droplet {}: an earlier run powered it off for a snapshot and did not power it on \
                 again; {}",
                self.name,
                if self.options.dry_run {
                    "it would be powered on"
                } else {
                    "powering it on"
                }
            );
        }
        Ok(found)
    }

    /// What the finishing phase is to do for this droplet, if anything; in a dry run, what it
    /// would do goes into the report instead.
    #[allow(clippy::too_many_arguments)]
    fn stage(
        &mut self,
        droplet_id: u64,
        droplet_name: &str,
        status: &str,
        take: Option<Prefix>,
        volumes: Vec<StagedVolume>,
        recovery: Option<Recovery>,
        report: &mut DropletReport,
    ) -> Option<Ready> {
        let finish = self.options.finish.as_ref()?;
        let would_take = matches!(report.snapshot, SnapshotOutcome::WouldTake { .. })
            || report
                .volumes
                .iter()
                .any(|v| matches!(v.snapshot, SnapshotOutcome::WouldTake { .. }));
        let power = finish.power_off.and_then(|_| {
            if recovery.is_some() {
                Some(PowerPlan::Restore)
            } else if !(take.is_some() || !volumes.is_empty() || would_take) {
                None
            } else if status == "active" {
                Some(PowerPlan::Cycle)
            } else {
                Some(PowerPlan::AsItIs)
            }
        });
        if let Some(plan) = power {
            report.power = Some(PowerReport::new(status, plan));
        }
        if self.options.dry_run {
            if power == Some(PowerPlan::Cycle) {
                tracing::info!(
                    "droplet {}: would shut it down, take the snapshot and power it on again",
                    self.name
                );
            }
            if finish.hook.is_some() && would_take {
                tracing::info!(
                    "droplet {}: would run the hook before and after the snapshot",
                    self.name
                );
            }
            return None;
        }
        if take.is_none() && volumes.is_empty() && recovery.is_none() {
            return None;
        }
        Some(Ready {
            droplet_id,
            droplet_name: droplet_name.to_string(),
            take,
            volumes,
            power,
            running: match recovery {
                Some(Recovery::AfterSnapshot { action }) => Some(action),
                _ => None,
            },
        })
    }
}

/// How a deletion is told in the log: done, or in a dry run only planned.
pub fn deleted_verb(dry_run: bool) -> &'static str {
    if dry_run { "would delete" } else { "deleted" }
}

/// One rule for every request's failure: a fatal one (the token refused) stops the run; any
/// other is recorded against the droplet, and the caller moves on (`None`).
fn settle<T>(
    result: Result<T, CloudError>,
    report: &mut DropletReport,
) -> Result<Option<T>, CloudError> {
    settle_into(result, &mut report.errors)
}

/// `settle`, recording into any list of errors (a volume's).
pub fn settle_into<T>(
    result: Result<T, CloudError>,
    errors: &mut Vec<String>,
) -> Result<Option<T>, CloudError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_fatal() => Err(e),
        Err(e) => {
            errors.push(e.to_string());
            Ok(None)
        }
    }
}
