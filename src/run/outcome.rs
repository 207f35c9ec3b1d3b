//! What a run did, droplet by droplet: the data behind the table and the JSON report.

use serde::Serialize;

use crate::core::explain::Explained;
use crate::core::span::human;
use crate::exit::Exit;
use crate::sanitize::Clean;
use crate::time::Timestamp;

/// What one run did (or, in a dry run, would do).
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// The account's clock at the start of the run.
    pub now: Timestamp,
    pub dry_run: bool,
    pub droplets: Vec<DropletReport>,
    /// Listed items that could not be read.
    pub problems: Vec<String>,
    /// Why no droplet's deletions were made: the account as a whole could not be trusted (a
    /// snapshot of an unknown droplet could not be read, the API sent no clock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletes_withheld: Option<String>,
    /// Why the run stopped before it was through (the token was refused mid-run, say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// A signal (SIGTERM, SIGINT) stopped the run.
    pub interrupted: bool,
    /// The age, in seconds, past which a droplet's newest snapshot makes it overdue.
    pub overdue_after_seconds: i64,
    /// Snapshots whose droplet or volume no longer exists (`--orphans report` or `prune`).
    pub orphans: Vec<OrphanReport>,
    /// What every owned snapshot (droplets', volumes', orphans') takes, in all.
    pub storage: Storage,
    /// `--volumes` with `-r`: volume snapshots cannot be copied, so they stay in their region.
    pub volumes_stay: bool,
}

/// What one run did for one droplet.
#[derive(Clone, Debug, Serialize)]
pub struct DropletReport {
    pub id: u64,
    pub name: String,
    /// Owned snapshots found before deletions.
    pub owned: usize,
    /// Their size in all, as the API reports it.
    pub owned_gigabytes: f64,
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
    /// The newest owned snapshot, whatever happened this run.
    pub newest: Option<NewestSnapshot>,
    /// Backups of this droplet have fallen behind: its newest snapshot is older than
    /// `overdue_after_seconds`, or it has none and none was taken.
    pub overdue: bool,
    /// Snapshot actions that ended `errored` since the newest snapshot: each left no snapshot.
    pub errored_actions: Vec<ErroredAction>,
    /// Failures that concern this droplet.
    pub errors: Vec<String>,
    /// With `--wait`: how the wait for this run's snapshot ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait: Option<WaitReport>,
    /// With `--power-off`: what was done to the droplet's power.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power: Option<PowerReport>,
    /// With `--hook`: each run of the hook, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<HookReport>,
    /// With `--volumes`: each attached volume.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<VolumeReport>,
    /// What its owned snapshots take after this run's deletions (`size_gigabytes` summed).
    pub storage_gigabytes: f64,
    /// `storage_gigabytes` at `--price-per-gb`.
    pub monthly_cost: f64,
    /// With `--explain`: every owned snapshot found, oldest first, with the policy's verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<Vec<ExplainedSnapshot>>,
}

/// What one run did for one volume of a droplet (`--volumes`).
#[derive(Clone, Debug, Serialize)]
pub struct VolumeReport {
    /// The volume's id, a UUID.
    pub id: String,
    pub name: String,
    /// Owned snapshots found before deletions.
    pub owned: usize,
    pub newest: Option<NewestSnapshot>,
    pub overdue: bool,
    pub deleted: Vec<DeletedSnapshot<String>>,
    pub held_back: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletes_withheld: Option<String>,
    pub snapshot: SnapshotOutcome,
    /// The volume holds the 25 snapshots DigitalOcean allows: no new one could be taken.
    pub at_limit: bool,
    pub errors: Vec<String>,
    pub storage_gigabytes: f64,
    pub monthly_cost: f64,
    /// With `--explain`: every owned snapshot found, oldest first, with the policy's verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<Vec<ExplainedSnapshot>>,
}

/// Snapshots whose droplet or volume no longer exists (they are billed all the same).
#[derive(Clone, Debug, Serialize)]
pub struct OrphanReport {
    /// `droplet` or `volume`.
    pub kind: &'static str,
    /// The former droplet's id (a number) or volume's (a UUID).
    pub id: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub droplet_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_id: Option<String>,
    /// Its name, as its snapshots' names tell it.
    pub name: String,
    /// Its owned snapshots, oldest first (before any pruning).
    pub snapshots: Vec<OrphanSnapshot>,
    pub size_gigabytes: f64,
    pub monthly_cost: f64,
    /// With `--orphans prune`: what the policy deleted.
    pub deleted: Vec<DeletedSnapshot<serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletes_withheld: Option<String>,
    pub held_back: usize,
    pub errors: Vec<String>,
}

/// A snapshot of an orphan.
#[derive(Clone, Debug, Serialize)]
pub struct OrphanSnapshot {
    pub id: serde_json::Value,
    pub name: String,
    /// The time in its name.
    pub created_at: Timestamp,
    pub size_gigabytes: f64,
}

/// The storage owned snapshots take, and what it costs.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Storage {
    pub gigabytes: f64,
    pub monthly_cost: f64,
    /// `--price-per-gb`, in USD per GB-month.
    pub price_per_gb: f64,
}

/// One owned snapshot, the policy's verdict on it and the reason (`--explain`).
#[derive(Clone, Debug, Serialize)]
pub struct ExplainedSnapshot {
    pub name: String,
    /// Its time: the one in its name, as for deleted snapshots.
    pub created_at: Timestamp,
    /// `kept` or `delete`.
    pub verdict: &'static str,
    pub reason: String,
    /// The `-k` rule the verdict turned on (none for a snapshot younger than every rule or
    /// dated in the future).
    pub rule: Option<String>,
}

impl From<Explained> for ExplainedSnapshot {
    fn from(e: Explained) -> ExplainedSnapshot {
        ExplainedSnapshot {
            verdict: if e.delete { "delete" } else { "kept" },
            reason: e.reason.to_string(),
            rule: e.reason.rule().map(|r| r.to_string()),
            name: e.name,
            created_at: e.time,
        }
    }
}

/// How the wait for a snapshot ended.
#[derive(Clone, Debug, Serialize)]
pub struct WaitReport {
    pub state: WaitState,
    /// The snapshot's action, when the API said which it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_id: Option<u64>,
    /// From the snapshot request to the end of the wait.
    pub seconds: u64,
}

/// Where a waited-for snapshot stood at the end of the wait.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitState {
    Completed,
    /// The action ended `errored`: no snapshot (its id is in `errored_actions`).
    Errored,
    /// `--wait-timeout` passed first; the snapshot goes on, and the next run carries on.
    TimedOut,
    /// A signal stopped the wait; the snapshot goes on.
    Interrupted,
    /// Its action could not be followed (the API named none, or stopped showing it).
    Unknown,
}

/// What `--power-off` did to one droplet.
#[derive(Clone, Debug, Serialize)]
pub struct PowerReport {
    /// The droplet's status when the run found it.
    pub before: String,
    pub plan: PowerPlan,
    /// How it went off: `shutdown` (graceful) or `power_off` (hard, after the shutdown timed
    /// out); absent when this run did not power it off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<&'static str>,
    /// This run powered it on again.
    pub powered_on: bool,
    /// It is off at the end of the run although it should be on: power it on by hand.
    pub left_off: bool,
    /// From the power-off request until it was active again (or the end of the run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downtime_seconds: Option<u64>,
}

/// What `--power-off` does with a droplet.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerPlan {
    /// Running: shut down, snapshot, power on.
    Cycle,
    /// Off already: snapshotted as it is, and left off.
    AsItIs,
    /// Left off by an earlier run that was killed: (snapshotted if due, then) powered on.
    Restore,
}

/// One run of the `--hook` command.
#[derive(Clone, Debug, Serialize)]
pub struct HookReport {
    /// `pre` or `post`.
    pub phase: &'static str,
    pub result: HookResult,
    /// The command's exit code, when it exited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    pub seconds: f64,
}

/// How a hook ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookResult {
    Ok,
    /// It exited with a code other than 0, was killed by a signal, or could not be started.
    Failed,
    /// It ran longer than `--hook-timeout` and was killed.
    TimedOut,
}

/// A droplet's newest owned snapshot.
#[derive(Clone, Debug, Serialize)]
pub struct NewestSnapshot {
    pub name: String,
    /// The time in its name: when the tool asked for it.
    pub time: Timestamp,
    pub age_seconds: i64,
}

/// A snapshot action that ended `errored`.
#[derive(Clone, Debug, Serialize)]
pub struct ErroredAction {
    pub id: u64,
    pub started_at: Option<Timestamp>,
}

/// A snapshot deleted by the policy (a droplet's has a number for its id; a volume's a UUID):
/// the plan's entry, kept.
pub type DeletedSnapshot<Id = u64> = crate::core::plan::Doomed<Id>;

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
    /// Not looked at: the run stopped before it got there.
    NotAttempted,
}

impl PowerReport {
    /// Nothing done yet to a droplet found in `status`.
    pub fn new(status: &str, plan: PowerPlan) -> PowerReport {
        PowerReport {
            before: status.to_string(),
            plan,
            stopped_by: None,
            powered_on: false,
            left_off: false,
            downtime_seconds: None,
        }
    }
}

impl DropletReport {
    /// A report with nothing done yet.
    pub fn new(id: u64, name: String, owned: usize) -> DropletReport {
        DropletReport {
            id,
            name,
            owned,
            owned_gigabytes: 0.0,
            deleted: Vec::new(),
            held_back: 0,
            deletes_withheld: None,
            transfers: Vec::new(),
            transfers_in_progress: 0,
            snapshot: SnapshotOutcome::NotAttempted,
            newest: None,
            overdue: false,
            errored_actions: Vec::new(),
            errors: Vec::new(),
            wait: None,
            power: None,
            hooks: Vec::new(),
            volumes: Vec::new(),
            storage_gigabytes: 0.0,
            monthly_cost: 0.0,
            explain: None,
        }
    }

    /// Why the droplet is overdue, for the log and the table; `None` when it is not.
    pub fn overdue_reason(&self, overdue_after: i64) -> Option<String> {
        if !self.overdue {
            return None;
        }
        Some(match &self.newest {
            Some(n) => format!(
                "its newest snapshot, {}, is {} old: more than the {} that -s allows before \
                 backups count as behind",
                Clean(&n.name),
                human(n.age_seconds),
                human(overdue_after)
            ),
            None => "it has no snapshot, and none was taken this run".to_string(),
        })
    }
}

impl RunReport {
    /// The exit code this outcome calls for: 5 when a signal stopped it; 1 when it stopped
    /// early otherwise, every droplet failed, or nothing could be deleted anywhere; 3 when only
    /// some droplets failed, any had deletions withheld, is overdue, had a snapshot action end
    /// `errored`, a wait time out, a hook fail or was left powered off, or a volume of theirs is
    /// at its snapshot limit; orphans could not be pruned; an item could not be read, or
    /// deletions were held back.
    pub fn exit(&self) -> Exit {
        let failed = self
            .droplets
            .iter()
            .filter(|d| !d.errors.is_empty())
            .count();
        let troubled = self.droplets.iter().any(|d| {
            d.deletes_withheld.is_some()
                || d.overdue
                || !d.errored_actions.is_empty()
                || d.wait
                    .as_ref()
                    .is_some_and(|w| matches!(w.state, WaitState::TimedOut | WaitState::Unknown))
                || d.power.as_ref().is_some_and(|p| p.left_off)
                || d.hooks.iter().any(|h| h.result != HookResult::Ok)
                || d.volumes.iter().any(|v| {
                    v.deletes_withheld.is_some() || v.overdue || v.at_limit || !v.errors.is_empty()
                })
        }) || self
            .orphans
            .iter()
            .any(|o| o.deletes_withheld.is_some() || !o.errors.is_empty());
        if self.interrupted {
            Exit::Interrupted
        } else if self.stopped.is_some()
            || self.deletes_withheld.is_some()
            || (failed > 0 && failed == self.droplets.len())
        {
            Exit::Failure
        } else if failed > 0 || troubled || self.held_back() > 0 || !self.problems.is_empty() {
            Exit::Partial
        } else {
            Exit::Ok
        }
    }

    /// Prices the storage at `price` USD per GB-month: every droplet's, volume's and orphan's,
    /// and the total.
    pub fn price(&mut self, price: f64) {
        let mut total = 0.0;
        for d in &mut self.droplets {
            d.owned_gigabytes = gigabytes(d.owned_gigabytes);
            d.storage_gigabytes = gigabytes(d.storage_gigabytes);
            d.monthly_cost = cost(d.storage_gigabytes, price);
            total += d.storage_gigabytes;
            for v in &mut d.volumes {
                v.storage_gigabytes = gigabytes(v.storage_gigabytes);
                v.monthly_cost = cost(v.storage_gigabytes, price);
                total += v.storage_gigabytes;
            }
        }
        for o in &mut self.orphans {
            o.size_gigabytes = gigabytes(o.size_gigabytes);
            o.monthly_cost = cost(o.size_gigabytes, price);
            total += o.size_gigabytes;
        }
        let gigabytes = gigabytes(total);
        self.storage = Storage {
            gigabytes,
            monthly_cost: cost(gigabytes, price),
            price_per_gb: price,
        };
    }

    /// Snapshots the policy wanted deleted but `--max-delete` held back.
    pub fn held_back(&self) -> usize {
        let droplets = self
            .droplets
            .iter()
            .map(|d| d.held_back + d.volumes.iter().map(|v| v.held_back).sum::<usize>());
        let orphans = self.orphans.iter().map(|o| o.held_back);
        droplets.chain(orphans).sum()
    }
}

/// A sum of sizes without the float noise of adding many decimals (to 0.0001 GB).
fn gigabytes(sum: f64) -> f64 {
    to_nearest(sum * 10_000.0) / 10_000.0
}

/// Dollars and cents.
fn cost(gigabytes: f64, price: f64) -> f64 {
    to_nearest(gigabytes * price * 100.0) / 100.0
}

/// `x` rounded to the nearest whole number (halves up), 0 for anything negative or not a
/// number. Through an integer: `f64::round` is a library call on the baseline x86-64 target,
/// and a simulation prices every one of its runs' reports.
fn to_nearest(x: f64) -> f64 {
    // `as` saturates: no size or cost comes near i64's range.
    (x.max(0.0) + 0.5) as i64 as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_sizes_and_costs_to_the_nearest_unit() {
        assert_eq!(gigabytes(1.23456), 1.2346);
        assert_eq!(gigabytes(-0.0), 0.0);
        assert_eq!(gigabytes(f64::NAN), 0.0);
        assert_eq!(cost(25.0, 0.06), 1.5);
        assert_eq!(cost(0.125, 1.0), 0.13);
        assert_eq!(cost(0.124, 1.0), 0.12);
    }
}
