//! An in-memory account for `--simulate`: one droplet, snapshots that complete at once, and a
//! clock the simulator sets. Listings lend out the account's own vectors, so a run costs time in
//! proportion to the snapshots held, with no copying. It keeps a journal of every snapshot's
//! life, from which the simulation's summary is computed.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

use super::{
    Cloud, CloudError, Copying, Deleted, DropletState, Inventory, PowerAction, Started,
    VolumeInventory,
};
use crate::core::achieved::Life;
use crate::core::activity::{ActionStatus, DropletAction, RecentActions, SnapshotAction};
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
    /// Ids of the actions started, which complete as they start.
    next_action: u64,
    /// How many seconds after its request the next snapshot is dated (`--latency`).
    latency: i64,
    /// Every snapshot taken, in order: snapshot ids count up from 1, so snapshot `id` is entry
    /// `id - 1`.
    journal: Vec<Life>,
    /// The last snapshot deleted, whose name and region buffers the next one taken reuses: a
    /// simulation takes and deletes about one snapshot per run, and would otherwise allocate
    /// and free three buffers each time.
    spare: Option<Snapshot>,
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
                status: "active".to_string(),
                tags: vec![tag.to_string()],
                volume_ids: Vec::new(),
            }],
            snapshots: Vec::new(),
            next_id: 1,
            next_action: 1,
            latency: 0,
            journal: Vec::new(),
            spare: None,
        }
    }

    /// Dates the snapshots asked for from now on `seconds` after their request.
    pub fn set_latency(&mut self, seconds: i64) {
        self.latency = seconds;
    }

    /// Every snapshot taken so far, in the order taken, with when it was deleted; the account
    /// keeps no journal after this.
    pub fn take_journal(&mut self) -> Vec<Life> {
        std::mem::take(&mut self.journal)
    }

    /// Moves the account's clock.
    pub fn set_now(&mut self, now: Timestamp) {
        self.now = now;
    }

    /// The snapshots held, oldest first.
    pub fn snapshots(&self) -> &[Snapshot] {
        &self.snapshots
    }

    /// Where snapshot `id` is: ids count up as snapshots are taken, and the list is oldest
    /// first, so they are in order.
    fn find(&self, id: u64) -> Option<usize> {
        self.snapshots.binary_search_by_key(&id, |s| s.id).ok()
    }

    /// An action that is over as soon as it starts.
    fn action(&mut self) -> Started {
        self.next_action += 1;
        Started::Now {
            action: Some(self.next_action - 1),
        }
    }
}

impl Cloud for MemoryCloud {
    fn inventory(&mut self, tag: &str) -> Result<Inventory<'_>, CloudError> {
        let droplets: &[Droplet] = if tag == self.tag { &self.droplets } else { &[] };
        debug_assert!(
            self.snapshots
                .is_sorted_by_key(|s| (s.droplet_id, s.time(), s.id)),
            "the in-memory account keeps its snapshots in order"
        );
        Ok(Inventory {
            now: self.now,
            droplets: Cow::Borrowed(droplets),
            snapshots: Cow::Borrowed(&self.snapshots),
            sorted: true,
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
                let gone = self.snapshots.remove(i);
                if let Some(life) = usize::try_from(gone.id - 1)
                    .ok()
                    .and_then(|at| self.journal.get_mut(at))
                {
                    life.deleted = Some(self.now);
                }
                self.spare = Some(gone);
                Deleted::Now
            }
            None => Deleted::AlreadyGone,
        })
    }

    fn transfer_snapshot(&mut self, snapshot_id: u64, region: &str) -> Result<Copying, CloudError> {
        if let Some(i) = self.find(snapshot_id) {
            self.snapshots[i].regions.push(region.to_string());
        }
        Ok(Copying::Started)
    }

    fn recent_actions(&mut self, since: Timestamp) -> Result<RecentActions, CloudError> {
        // Every action here is over before the run that started it ends.
        Ok(RecentActions {
            since: Some(since),
            actions: Vec::new(),
            whole: true,
        })
    }

    fn take_snapshot(&mut self, droplet_id: u64, name: &str) -> Result<Started, CloudError> {
        let region = self.droplets.iter().find(|d| d.id == droplet_id);
        let created_at = self.now.checked_add(self.latency).unwrap_or(self.now);
        let (mut reused_name, mut regions) = self
            .spare
            .take()
            .map_or_else(Default::default, |s| (s.name, s.regions));
        reused_name.clear();
        reused_name.push_str(name);
        regions.truncate(1);
        match (regions.first_mut(), region) {
            (Some(first), Some(d)) => {
                first.clear();
                first.push_str(&d.region);
            }
            (None, Some(d)) => regions.push(d.region.clone()),
            (_, None) => regions.clear(),
        }
        let snapshot = Snapshot::new(self.next_id, reused_name, created_at, droplet_id, regions);
        self.journal.push(Life {
            time: snapshot.time(),
            created_at,
            deleted: None,
        });
        self.next_id += 1;
        self.snapshots.push(snapshot);
        Ok(self.action())
    }

    fn action_statuses(&mut self, ids: &[u64]) -> Result<BTreeMap<u64, ActionStatus>, CloudError> {
        Ok(ids
            .iter()
            .map(|id| (*id, ActionStatus::Completed))
            .collect())
    }

    fn droplet_state(&mut self, droplet_id: u64) -> Result<DropletState, CloudError> {
        let droplet = self.droplets.iter().find(|d| d.id == droplet_id);
        Ok(DropletState {
            status: droplet.map_or_else(String::new, |d| d.status.clone()),
            locked: false,
        })
    }

    fn power(&mut self, droplet_id: u64, action: PowerAction) -> Result<Started, CloudError> {
        let status = match action {
            PowerAction::Shutdown | PowerAction::PowerOff => "off",
            PowerAction::PowerOn => "active",
        };
        if let Some(d) = self.droplets.iter_mut().find(|d| d.id == droplet_id) {
            d.status = status.to_string();
        }
        Ok(self.action())
    }

    fn droplet_actions(&mut self, _droplet_id: u64) -> Result<Vec<DropletAction>, CloudError> {
        // Every action here is over before the run that started it ends.
        Ok(Vec::new())
    }

    fn find_snapshots(&mut self, wanted: &[(u64, String)]) -> Result<Vec<Snapshot>, CloudError> {
        Ok(self
            .snapshots
            .iter()
            .filter(|s| {
                wanted
                    .iter()
                    .any(|(d, n)| *d == s.droplet_id && *n == s.name)
            })
            .cloned()
            .collect())
    }

    fn volumes(&mut self) -> Result<VolumeInventory, CloudError> {
        // The simulated droplet has no volume.
        Ok(VolumeInventory::default())
    }

    fn snapshot_volume(&mut self, _volume_id: &str, _name: &str) -> Result<(), CloudError> {
        Ok(())
    }

    fn delete_volume_snapshot(&mut self, _snapshot_id: &str) -> Result<Deleted, CloudError> {
        Ok(Deleted::AlreadyGone)
    }

    fn droplet_exists(&mut self, droplet_id: u64) -> Result<bool, CloudError> {
        Ok(self.droplets.iter().any(|d| d.id == droplet_id))
    }

    fn volume_exists(&mut self, _volume_id: &str) -> Result<bool, CloudError> {
        Ok(false)
    }

    fn pause(&mut self, _duration: Duration) {
        // Nothing here takes time: actions are over as soon as they start.
    }

    fn elapsed(&self) -> Duration {
        Duration::ZERO
    }

    fn now(&self) -> Option<Timestamp> {
        Some(self.now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_taken_after_a_delete_is_whole_and_new() {
        let t0 = Timestamp::from_second(1_600_000_000).unwrap();
        let mut cloud = MemoryCloud::new("d", "t", "nyc3", t0);
        cloud.take_snapshot(1, "d-20200913T122640Z").unwrap();
        // The first snapshot was copied to two more regions, then deleted.
        cloud.transfer_snapshot(1, "lon1").unwrap();
        cloud.transfer_snapshot(1, "sfo3").unwrap();
        assert_eq!(cloud.delete_snapshot(1).unwrap(), Deleted::Now);
        cloud.set_now(t0.checked_add(3_600).unwrap());
        cloud.take_snapshot(1, "d-20200913T132640Z").unwrap();
        let s = &cloud.snapshots()[0];
        assert_eq!((s.id, s.name.as_str()), (2, "d-20200913T132640Z"));
        assert_eq!(s.regions, ["nyc3"]);
        assert_eq!(s.stamp, Timestamp::from_second(1_600_003_600));
        assert_eq!(cloud.delete_snapshot(1).unwrap(), Deleted::AlreadyGone);
        let journal = cloud.take_journal();
        assert_eq!(journal.len(), 2);
        assert_eq!(journal[0].deleted, Some(t0));
        assert_eq!(journal[1].deleted, None);
    }
}
