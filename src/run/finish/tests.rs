//! The finishing phase under a bug: a panic mid-wait still powers the droplet on.

use super::*;
use crate::cloud::memory::MemoryCloud;
use crate::cloud::{Copying, Deleted, DropletState, Inventory, PowerAction, VolumeInventory};
use crate::core::activity::{DropletAction, RecentActions, SnapshotAction};
use crate::core::model::Snapshot;
use crate::core::naming::PrefixTemplate;

/// The simulator's account, but polling an action panics: a bug in the middle of the wait.
struct Buggy(MemoryCloud);

impl Cloud for Buggy {
    fn inventory(&mut self, tag: &str) -> Result<Inventory<'_>, CloudError> {
        self.0.inventory(tag)
    }
    fn snapshot_actions(&mut self, id: u64) -> Result<Vec<SnapshotAction>, CloudError> {
        self.0.snapshot_actions(id)
    }
    fn transfers_in_progress(&mut self, id: u64) -> Result<Vec<String>, CloudError> {
        self.0.transfers_in_progress(id)
    }
    fn delete_snapshot(&mut self, id: u64) -> Result<Deleted, CloudError> {
        self.0.delete_snapshot(id)
    }
    fn transfer_snapshot(&mut self, id: u64, region: &str) -> Result<Copying, CloudError> {
        self.0.transfer_snapshot(id, region)
    }
    fn recent_actions(&mut self, since: Timestamp) -> Result<RecentActions, CloudError> {
        self.0.recent_actions(since)
    }
    fn take_snapshot(&mut self, id: u64, name: &str) -> Result<Started, CloudError> {
        self.0.take_snapshot(id, name)
    }
    fn action_statuses(&mut self, _ids: &[u64]) -> Result<BTreeMap<u64, ActionStatus>, CloudError> {
        panic!("a bug while polling")
    }
    fn droplet_state(&mut self, id: u64) -> Result<DropletState, CloudError> {
        self.0.droplet_state(id)
    }
    fn power(&mut self, id: u64, action: PowerAction) -> Result<Started, CloudError> {
        self.0.power(id, action)
    }
    fn droplet_actions(&mut self, id: u64) -> Result<Vec<DropletAction>, CloudError> {
        self.0.droplet_actions(id)
    }
    fn find_snapshots(&mut self, wanted: &[(u64, String)]) -> Result<Vec<Snapshot>, CloudError> {
        self.0.find_snapshots(wanted)
    }
    fn volumes(&mut self) -> Result<VolumeInventory, CloudError> {
        self.0.volumes()
    }
    fn snapshot_volume(&mut self, id: &str, name: &str) -> Result<(), CloudError> {
        self.0.snapshot_volume(id, name)
    }
    fn delete_volume_snapshot(&mut self, id: &str) -> Result<Deleted, CloudError> {
        self.0.delete_volume_snapshot(id)
    }
    fn droplet_exists(&mut self, id: u64) -> Result<bool, CloudError> {
        self.0.droplet_exists(id)
    }
    fn volume_exists(&mut self, id: &str) -> Result<bool, CloudError> {
        self.0.volume_exists(id)
    }
    fn pause(&mut self, duration: Duration) {
        self.0.pause(duration);
    }
    fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }
    fn now(&self) -> Option<Timestamp> {
        self.0.now()
    }
}

#[test]
fn a_panic_mid_wait_still_powers_the_droplet_on() {
    let now = Timestamp::from_second(1_700_000_000).unwrap();
    let mut cloud = Buggy(MemoryCloud::new("db", "t", "nyc3", now));
    let ready = Ready {
        droplet_id: 1,
        droplet_name: "db".to_string(),
        take: Some(
            PrefixTemplate::parse("$droplet-")
                .unwrap()
                .expand("db", "t"),
        ),
        volumes: Vec::new(),
        power: Some(PowerPlan::Cycle),
        running: None,
    };
    let mut reports = vec![DropletReport::new(1, "db".to_string(), 0)];
    let f = Finish {
        wait_timeout: Duration::from_secs(600),
        power_off: Some(PowerOff {
            shutdown_timeout: Duration::from_secs(60),
            max_down: 1,
        }),
        hook: None,
        progress: false,
    };
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        finish(&mut cloud, now, vec![(0, ready)], &mut reports, &[], &f)
    }));
    assert!(outcome.is_err(), "the panic goes on");
    // Shut down and snapshotted before the panic; powered on after it.
    assert_eq!(cloud.0.snapshots().len(), 1);
    assert_eq!(cloud.droplet_state(1).unwrap().status, "active");
}
