//! Listing lag: the real API's eventual consistency, where a snapshot whose
//! action already reports `completed` (or a volume snapshot whose `POST`
//! already answered 201) is not yet in the listings.
//!
//! Only the read endpoints lag (`/v2/snapshots`, `/v2/snapshots/{id}`,
//! `/v2/droplets/{id}/snapshots`, `/v2/images/{id}`, a droplet's
//! `snapshot_ids`, `/v2/volumes/{id}/snapshots` and
//! `/v2/volumes/snapshots/{id}`). The world itself, as
//! [`crate::FakeDo::snapshots`], [`crate::FakeDo::volume_snapshots`] and
//! `/_fake/state` show it, holds every snapshot from the moment it is made,
//! and deletes, transfers and the volume snapshot limits address snapshots
//! as they are.

use crate::model::{SnapshotState, VolumeSnapshotState};
use crate::state::{Image, World};
use crate::timefmt::add_seconds;

impl World {
    /// Whether the read endpoints show snapshot `id` yet: seeded snapshots
    /// at once, made ones from their action's `completed_at` plus the lag in
    /// force now (so changing the lag moves every pending snapshot).
    pub fn is_listed(&self, id: u64) -> bool {
        self.snapshot_completions
            .get(&id)
            .is_none_or(|&completed_at| {
                add_seconds(completed_at, self.listing_lag_seconds) <= self.now
            })
    }

    /// Whether the read endpoints show volume snapshot `id` yet: seeded
    /// ones at once, made ones from their `created_at` plus the lag in
    /// force now.
    pub fn is_volume_snapshot_listed(&self, id: &str) -> bool {
        self.volume_snapshot_completions
            .get(id)
            .is_none_or(|&made_at| add_seconds(made_at, self.listing_lag_seconds) <= self.now)
    }

    /// The volume snapshots the read endpoints show, oldest first.
    pub fn listed_volume_snapshots(&self) -> Vec<&VolumeSnapshotState> {
        let mut listed = self.ordered_volume_snapshots();
        listed.retain(|s| self.is_volume_snapshot_listed(&s.id));
        listed
    }

    /// A volume snapshot as the read endpoints see it: a lagging one is
    /// missing.
    pub fn listed_volume_snapshot(&self, id: &str) -> Option<&VolumeSnapshotState> {
        self.volume_snapshots
            .get(id)
            .filter(|s| self.is_volume_snapshot_listed(&s.id))
    }

    /// The snapshots the read endpoints show, by id.
    pub fn listed_snapshots(&self) -> impl Iterator<Item = &SnapshotState> {
        self.snapshots.values().filter(|s| self.is_listed(s.id))
    }

    /// [`World::image`] as the read endpoints see it: a lagging snapshot
    /// is missing.
    pub fn listed_image(&self, id: u64) -> Image<'_> {
        match self.image(id) {
            Image::Snapshot(snapshot) if !self.is_listed(snapshot.id) => Image::Missing,
            image => image,
        }
    }
}
