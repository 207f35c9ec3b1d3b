//! The account a run works on, behind one trait: the real DigitalOcean API or an in-memory
//! account for `--simulate`. The run engine sees only this trait, so a simulation executes
//! exactly the code a real run does.

pub mod digitalocean;
mod error;
pub mod memory;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

pub use error::CloudError;

use crate::core::activity::{ActionStatus, DropletAction, RecentActions, SnapshotAction};
use crate::core::model::{Droplet, Snapshot, Volume, VolumeSnapshot};
use crate::sanitize::Clean;
use crate::time::Timestamp;

/// Everything a run decides from, read at the start of the run.
#[derive(Debug)]
pub struct Inventory<'a> {
    /// The account's clock (for the API, its `Date` header): ages are measured against it.
    pub now: Timestamp,
    /// Droplets carrying the tag, each once.
    pub droplets: Cow<'a, [Droplet]>,
    /// The account's droplet snapshots, any droplet, any order (unless `sorted`).
    pub snapshots: Cow<'a, [Snapshot]>,
    /// The snapshots are known to come grouped by droplet and oldest first, by
    /// `(droplet_id, time(), id)`, as the in-memory account keeps them: a run then need not
    /// check, which in a simulation would be one more pass over every snapshot on every run.
    pub sorted: bool,
    /// Items that could not be read, and whose deletions each one stops.
    pub unreadable: Vec<Unreadable>,
}

/// The account's volumes and volume snapshots (`--volumes`), read whole like the droplet
/// snapshots: a volume's snapshots are judged on this listing.
#[derive(Debug, Default)]
pub struct VolumeInventory {
    /// Every volume of the account.
    pub volumes: Vec<Volume>,
    /// Every volume snapshot of the account.
    pub snapshots: Vec<VolumeSnapshot>,
    /// Entries that could not be read: each names its volume when that much could be read
    /// (its deletions wait), else none (every volume's deletions wait).
    pub unreadable: Vec<(Option<String>, String)>,
}

impl Inventory<'_> {
    /// Fails unless every listed droplet carries `tag`: a listing that ignored its tag filter
    /// holds the whole account, so one droplet without the tag and nothing in it is trusted.
    pub fn check_tag(&self, tag: &str) -> Result<(), CloudError> {
        let Some(stranger) = self
            .droplets
            .iter()
            .find(|d| !d.tags.iter().any(|t| t == tag))
        else {
            return Ok(());
        };
        Err(CloudError::Untrusted(format!(
            "the listing of droplets tagged `{}` holds droplet {} ({}), which does not carry \
             that tag (its tags: {}); the API may have ignored the tag filter, so the listing \
             cannot be trusted",
            Clean(tag),
            Clean(&stranger.name),
            stranger.id,
            if stranger.tags.is_empty() {
                "none".to_string()
            } else {
                Clean(&stranger.tags.join(", ")).to_string()
            }
        )))
    }
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

/// The outcome of a transfer request that did not fail.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Copying {
    Started,
    /// The API refused it as already under way (a transfer the run's reads did not show), or
    /// the copy is there already: nothing more to ask.
    UnderWay,
}

/// The outcome of a snapshot or power request that did not fail.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Started {
    /// Started, as this action (`None` when the reply was lost and the action that did start
    /// could not be told apart).
    Now { action: Option<u64> },
    /// The droplet had another action pending (422): nothing was started.
    DropletBusy,
}

/// A droplet's state, as `--power-off` watches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DropletState {
    /// `active`, `off`, `new` or `archive`.
    pub status: String,
    /// An action (a shutdown, a snapshot…) is still running on it.
    pub locked: bool,
}

/// A change of a droplet's power.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PowerAction {
    /// Graceful: asks the operating system to shut down (it may not).
    Shutdown,
    /// Hard: cuts the power.
    PowerOff,
    PowerOn,
}

impl PowerAction {
    /// The action's `type` in the API.
    pub fn api_type(self) -> &'static str {
        match self {
            PowerAction::Shutdown => "shutdown",
            PowerAction::PowerOff => "power_off",
            PowerAction::PowerOn => "power_on",
        }
    }
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

    fn transfer_snapshot(&mut self, snapshot_id: u64, region: &str) -> Result<Copying, CloudError>;

    /// The account's actions started since `since`, newest first, read once for the whole run
    /// (within a bound of pages: `whole` says whether they reach back that far).
    fn recent_actions(&mut self, since: Timestamp) -> Result<RecentActions, CloudError>;

    /// Starts a snapshot; must never start two, even when a response is lost.
    fn take_snapshot(&mut self, droplet_id: u64, name: &str) -> Result<Started, CloudError>;

    /// Where each of these actions stands now; an action left out could not be found. Meant
    /// for many actions at once: the real account answers from its account-wide list, so a
    /// poll costs a request or two however many snapshots are pending.
    fn action_statuses(&mut self, ids: &[u64]) -> Result<BTreeMap<u64, ActionStatus>, CloudError>;

    /// The droplet's power status and lock now.
    fn droplet_state(&mut self, droplet_id: u64) -> Result<DropletState, CloudError>;

    /// Starts a power action; a droplet busy with another action is `DropletBusy`.
    fn power(&mut self, droplet_id: u64, action: PowerAction) -> Result<Started, CloudError>;

    /// The droplet's actions of every kind (for finding one this tool left powered off).
    fn droplet_actions(&mut self, droplet_id: u64) -> Result<Vec<DropletAction>, CloudError>;

    /// The listed snapshots among `wanted` (droplet id, snapshot name): those this run took,
    /// once their actions completed, to copy them to more regions. One missing may only be
    /// late to the listing.
    fn find_snapshots(&mut self, wanted: &[(u64, String)]) -> Result<Vec<Snapshot>, CloudError>;

    /// Reads every volume and volume snapshot of the account.
    fn volumes(&mut self) -> Result<VolumeInventory, CloudError>;

    /// Takes a volume's snapshot, which is ready at once; must never take two, even when a
    /// response is lost.
    fn snapshot_volume(&mut self, volume_id: &str, name: &str) -> Result<(), CloudError>;

    fn delete_volume_snapshot(&mut self, snapshot_id: &str) -> Result<Deleted, CloudError>;

    /// Whether the droplet still exists (false only on the API's own 404).
    fn droplet_exists(&mut self, droplet_id: u64) -> Result<bool, CloudError>;

    /// Whether the volume still exists (false only on the API's own 404).
    fn volume_exists(&mut self, volume_id: &str) -> Result<bool, CloudError>;

    /// Waits (really, or on the simulator's or a test's clock).
    fn pause(&mut self, duration: Duration);

    /// Time since the client was made, by the clock `pause` waits on.
    fn elapsed(&self) -> Duration;

    /// The account's clock now, as last seen (the time a snapshot requested now is named
    /// after).
    fn now(&self) -> Option<Timestamp>;
}
