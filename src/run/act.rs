//! Acting on one droplet's plan: delete, then transfer, then snapshot; or, in a dry run, only
//! record what would be done. Everything that happens is written into the droplet's report.

use super::Options;
use super::outcome::{
    DeletedSnapshot, DropletReport, ErroredAction, NewestSnapshot, SnapshotOutcome, TransferRequest,
};
use crate::cloud::{Cloud, CloudError, Deleted, Started};
use crate::core::plan::{Doomed, Newest, Plan, SnapshotPlan, Transfer};
use crate::sanitize::Clean;

/// Acts on one droplet's plan. `withheld` says why its deletions must not happen, if so;
/// `budget` is what `--max-delete` still allows.
///
/// A fatal error (the token refused, say) stops the droplet where it happened; it comes back
/// beside the report of what was done before it, so the run can stop and still say so.
pub fn execute(
    cloud: &mut dyn Cloud,
    plan: Plan,
    options: Options,
    withheld: Option<String>,
    budget: &mut usize,
) -> (DropletReport, Option<CloudError>) {
    let Plan {
        droplet_id,
        droplet_name,
        owned,
        future: _,
        newest,
        overdue,
        disputed: _,
        deletes,
        transfers,
        snapshot,
    } = plan;
    let mut report = DropletReport::new(droplet_id, String::new(), owned);
    report.newest = newest.map(NewestSnapshot::from);
    let mut step = Step {
        cloud,
        name: Clean(&droplet_name),
        options,
    };
    let act = || -> Result<(), CloudError> {
        step.delete(deletes, withheld, budget, &mut report)?;
        step.transfer(transfers, &mut report)?;
        report.snapshot = step.snapshot(droplet_id, snapshot, &mut report)?;
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
    report.overdue = overdue || (report.newest.is_none() && !took);
    for e in &report.errors {
        tracing::error!("droplet {}: {e}", Clean(&droplet_name));
    }
    report.name = droplet_name;
    (report, fatal)
}

/// The report of a droplet the run did not reach.
pub fn not_reached(plan: Plan) -> DropletReport {
    let mut report = DropletReport::new(plan.droplet_id, plan.droplet_name, plan.owned);
    report.overdue = plan.overdue;
    report.newest = plan.newest.map(NewestSnapshot::from);
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
    options: Options,
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
        for doomed in deletes {
            if *budget == 0 {
                report.held_back += 1;
                continue;
            }
            let outcome = if self.options.dry_run {
                Ok(Deleted::Now)
            } else {
                self.cloud.delete_snapshot(doomed.id)
            };
            let Some(outcome) = settle(outcome, report)? else {
                continue;
            };
            *budget -= 1;
            tracing::info!(
                "droplet {name}: {} snapshot {} ({}) under -k {}",
                if self.options.dry_run {
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
        Ok(())
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
                let in_progress = self.cloud.transfers_in_progress(t.snapshot_id);
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
                Ok(())
            } else {
                self.cloud.transfer_snapshot(t.snapshot_id, &t.region)
            };
            if settle(outcome, report)?.is_none() {
                continue;
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

    /// Takes the snapshot if due and nothing is under way.
    fn snapshot(
        &mut self,
        droplet_id: u64,
        plan: SnapshotPlan,
        report: &mut DropletReport,
    ) -> Result<SnapshotOutcome, CloudError> {
        let name = self.name;
        let busy = |reason: &str| {
            tracing::info!("droplet {name}: snapshot due but skipped: {reason}");
            Ok(SnapshotOutcome::Skipped {
                reason: reason.to_string(),
            })
        };
        let (snapshot_name, check) = match plan {
            SnapshotPlan::NotDue { newest } => return Ok(SnapshotOutcome::NotDue { newest }),
            SnapshotPlan::Locked => return busy("the droplet is locked by another action"),
            SnapshotPlan::Take { name, check } => (name, check),
        };
        let Some(actions) = settle(self.cloud.snapshot_actions(droplet_id), report)? else {
            return Ok(SnapshotOutcome::Failed);
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
            return busy(&reason);
        }
        if self.options.dry_run {
            tracing::info!(
                "droplet {name}: would take snapshot {}",
                Clean(&snapshot_name)
            );
            return Ok(SnapshotOutcome::WouldTake {
                name: snapshot_name,
            });
        }
        match settle(self.cloud.take_snapshot(droplet_id, &snapshot_name), report)? {
            Some(Started::Now) => {
                tracing::info!("droplet {name}: taking snapshot {}", Clean(&snapshot_name));
                Ok(SnapshotOutcome::Taken {
                    name: snapshot_name,
                })
            }
            Some(Started::DropletBusy) => busy("the droplet already has a pending event"),
            None => Ok(SnapshotOutcome::Failed),
        }
    }
}

/// One rule for every request's failure: a fatal one (the token refused) stops the run; any
/// other is recorded against the droplet, and the caller moves on (`None`).
fn settle<T>(
    result: Result<T, CloudError>,
    report: &mut DropletReport,
) -> Result<Option<T>, CloudError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_fatal() => Err(e),
        Err(e) => {
            report.errors.push(e.to_string());
            Ok(None)
        }
    }
}
