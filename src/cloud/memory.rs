//! An in-memory account for `--simulate`: one droplet, snapshots that complete at once, and a
//! clock the simulator sets. Listings lend out the account's own vectors, so a run costs time in
//! proportion to the snapshots held, with no copying.

use std::borrow::Cow;

use super::{Cloud, CloudError, Deleted, Inventory, Started};
use crate::core::activity::SnapshotAction;
use crate::core::model::{Droplet, Snapshot};
use crate::time::Timestamp;

/// A simulated account.
#[derive(Debug)]
pub struct MemoryCloud {
    now: Timestamp,
    tag: String,
    droplets: Vec<Droplet>,
    /// Kept oldest first: snapshots are only ever appended at the current time.
    snapshots: Vec<Snapshot>,
    next_id: u64,
}

impl MemoryCloud {
    /// An account holding one droplet, `name`, carrying `tag`, in `region`.
    pub fn new(name: &str, tag: &str, region: &str, now: Timestamp) -> MemoryCloud {
        MemoryCloud {
            now,
            tag: tag.to_string(),
            droplets: vec![Droplet {
                id: 1,
                name: name.to_string(),
                region: region.to_string(),
                locked: false,
                tags: vec![tag.to_string()],
            }],
            snapshots: Vec::new(),
            next_id: 1,
        }
    }

    /// Moves the account's clock.
    pub fn set_now(&mut self, now: Timestamp) {
        self.now = now;
    }

    /// The snapshots held, oldest first.
    pub fn snapshots(&self) -> &[Snapshot] {
        &self.snapshots
    }

    fn find(&self, id: u64) -> Option<usize> {
        self.snapshots.iter().position(|s| s.id == id)
    }
}

impl Cloud for MemoryCloud {
    fn inventory(&mut self, tag: &str) -> Result<Inventory<'_>, CloudError> {
        let droplets: &[Droplet] = if tag == self.tag { &self.droplets } else { &[] };
        Ok(Inventory {
            now: self.now,
            droplets: Cow::Borrowed(droplets),
            snapshots: Cow::Borrowed(&self.snapshots),
            unreadable: Vec::new(),
        })
    }

    fn snapshot_actions(&mut self, _droplet_id: u64) -> Result<Vec<SnapshotAction>, CloudError> {
        // Snapshots here complete the moment they are asked for.
        Ok(Vec::new())
    }

    fn transfers_in_progress(&mut self, _snapshot_id: u64) -> Result<Vec<String>, CloudError> {
        Ok(Vec::new())
    }

    fn delete_snapshot(&mut self, snapshot_id: u64) -> Result<Deleted, CloudError> {
        Ok(match self.find(snapshot_id) {
            Some(i) => {
                self.snapshots.remove(i);
                Deleted::Now
            }
            None => Deleted::AlreadyGone,
        })
    }

    fn transfer_snapshot(&mut self, snapshot_id: u64, region: &str) -> Result<(), CloudError> {
        if let Some(i) = self.find(snapshot_id) {
            self.snapshots[i].regions.push(region.to_string());
        }
        Ok(())
    }

    fn take_snapshot(&mut self, droplet_id: u64, name: &str) -> Result<Started, CloudError> {
        let region = self.droplets.iter().find(|d| d.id == droplet_id);
        let snapshot = Snapshot::new(
            self.next_id,
            name.to_string(),
            self.now,
            droplet_id,
            region.map(|d| d.region.clone()).into_iter().collect(),
        );
        self.next_id += 1;
        self.snapshots.push(snapshot);
        Ok(Started::Now)
    }
}
