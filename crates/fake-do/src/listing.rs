//! Listing lag: the real API's eventual consistency, where a snapshot whose
//! action already reports `completed` is not yet in the listings.
//!
//! Only the read endpoints lag (`/v2/snapshots`, `/v2/snapshots/{id}`,
//! `/v2/droplets/{id}/snapshots`, `/v2/images/{id}` and a droplet's
//! `snapshot_ids`). The world itself, as [`crate::FakeDo::snapshots`] and
//! `/_fake/state` show it, holds every snapshot from the moment its action
//! completes, and deletes and transfers address snapshots as they are.

use crate::model::SnapshotState;
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
