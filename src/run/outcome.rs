//! What a run did, droplet by droplet: the data behind the table and the JSON report.

use serde::Serialize;

use crate::core::policy::Rule;
use crate::exit::Exit;
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
    /// Why the run stopped before it was through (the token was refused mid-run, say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
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
    /// Not looked at: the run stopped before it got there.
    NotAttempted,
}

impl DropletReport {
    /// A report with nothing done yet.
    pub fn new(id: u64, name: String, owned: usize) -> DropletReport {
        DropletReport {
            id,
            name,
            owned,
            deleted: Vec::new(),
            held_back: 0,
            deletes_withheld: None,
            transfers: Vec::new(),
            transfers_in_progress: 0,
            snapshot: SnapshotOutcome::NotAttempted,
            errors: Vec::new(),
        }
    }
}

impl RunReport {
    /// The exit code this outcome calls for: 1 when the run stopped early or every droplet
    /// failed, 3 when only some did, an item could not be read, or deletions were held back.
    pub fn exit(&self) -> Exit {
        let failed = self
            .droplets
            .iter()
            .filter(|d| !d.errors.is_empty() || d.deletes_withheld.is_some())
            .count();
        if self.stopped.is_some() || (failed > 0 && failed == self.droplets.len()) {
            Exit::Failure
        } else if failed > 0 || self.held_back() > 0 || !self.problems.is_empty() {
            Exit::Partial
        } else {
            Exit::Ok
        }
    }

    /// Snapshots the policy wanted deleted but `--max-delete` held back.
    pub fn held_back(&self) -> usize {
        self.droplets.iter().map(|d| d.held_back).sum()
    }
}

pub(super) fn serialize_display<S: serde::Serializer>(
    value: &impl std::fmt::Display,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}
