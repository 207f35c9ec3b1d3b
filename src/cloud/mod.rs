//! The account a run works on, behind one trait: the real DigitalOcean API or an in-memory
//! account for `--simulate`. The run engine sees only this trait, so a simulation executes
//! exactly the code a real run does.

pub mod digitalocean;
mod error;
pub mod memory;

use std::borrow::Cow;

pub use error::CloudError;

use crate::core::activity::SnapshotAction;
use crate::core::model::{Droplet, Snapshot};
use crate::time::Timestamp;

/// Everything a run decides from, read at the start of the run.
#[derive(Debug)]
pub struct Inventory<'a> {
    /// The account's clock (for the API, its `Date` header): ages are measured against it.
    pub now: Timestamp,
    /// Droplets carrying the tag, each once.
    pub droplets: Cow<'a, [Droplet]>,
    /// The account's droplet snapshots, any droplet, any order.
    pub snapshots: Cow<'a, [Snapshot]>,
    /// Items that could not be read, and whose deletions each one stops.
    pub unreadable: Vec<Unreadable>,
}

/// A listed item that could not be understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub problem: String,
    pub holds_back: HoldBack,
}

/// Whose deletions an unreadable item stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldBack {
    /// Nobody's (an unreadable droplet: it is skipped, and the run reports the failure).
    Nothing,
    /// This droplet's: one of its snapshots could not be read.
    Droplet(u64),
    /// Everyone's: a snapshot whose droplet is unknown, or no trustworthy clock.
    All,
}

/// The outcome of a delete that did not fail.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Deleted {
    Now,
    /// It was gone already (404): someone or something else deleted it.
    AlreadyGone,
}

/// The outcome of a snapshot request that did not fail.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Started {
    Now,
    /// The droplet had another action pending (422): nothing was started.
    DropletBusy,
}

/// An account: the real API or the simulator's.
pub trait Cloud {
    /// Reads the droplets carrying `tag`, all droplet snapshots, and the account's clock.
    fn inventory(&mut self, tag: &str) -> Result<Inventory<'_>, CloudError>;

    /// The droplet's snapshot actions: one under way (invisible in snapshot lists until done),
    /// completed, or errored.
    fn snapshot_actions(&mut self, droplet_id: u64) -> Result<Vec<SnapshotAction>, CloudError>;

    /// Regions a transfer of this snapshot is currently copying it to.
    fn transfers_in_progress(&mut self, snapshot_id: u64) -> Result<Vec<String>, CloudError>;

    fn delete_snapshot(&mut self, snapshot_id: u64) -> Result<Deleted, CloudError>;

    fn transfer_snapshot(&mut self, snapshot_id: u64, region: &str) -> Result<(), CloudError>;

    /// Starts a snapshot; must never start two, even when a response is lost.
    fn take_snapshot(&mut self, droplet_id: u64, name: &str) -> Result<Started, CloudError>;
}
