//! Block-storage volumes and their snapshots (do-api.md §6).
//!
//! A volume snapshot is made at once, without an action, and has a UUID
//! id. It is not an image and never appears in a droplet's `snapshot_ids`;
//! it outlives its volume. The docs' limits (25 snapshots per volume, one
//! per volume every 10 minutes) are enforced, with a guessed status.

use std::collections::BTreeSet;

use axum::http::StatusCode;

use crate::errors::ApiError;
use crate::model::{VolumeSnapshotState, VolumeState};
use crate::seed::{DEFAULT_REGION, DEFAULT_VOLUME_SIZE_GIGABYTES, SeedVolume, SeedVolumeSnapshot};
use crate::state::World;
use crate::timefmt::{add_seconds, rfc3339, whole_seconds};

/// The most snapshots one volume may have (DigitalOcean docs, Snapshots →
/// Limits).
pub const MAX_SNAPSHOTS_PER_VOLUME: usize = 25;

/// Billable size reported for every volume snapshot. The emulator stores
/// no data; the real API reports small, often zero sizes for volume
/// snapshots, and a fractional value shows that the field is a float.
pub const VOLUME_SNAPSHOT_SIZE_GIGABYTES: f64 = 0.5;

/// Whether `id` is a UUID in the canonical lowercase form the API uses,
/// e.g. `506f78a4-e098-11e5-ad9f-000f53306ae1`.
pub fn is_uuid(id: &str) -> bool {
    id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

impl World {
    /// Adds the seeded volumes and volume snapshots, refusing what the real
    /// API could never hold: malformed or duplicate ids, a volume attached
    /// to several droplets, to an unknown droplet or to one in another
    /// region, two volumes of one region with one name, and a volume with
    /// two snapshots of one name or more than 25 snapshots.
    pub(crate) fn seed_volumes(
        &mut self,
        volumes: Vec<SeedVolume>,
        snapshots: Vec<SeedVolumeSnapshot>,
    ) -> Result<(), String> {
        let mut names = BTreeSet::new();
        for v in volumes {
            if !is_uuid(&v.id) {
                return Err(format!(
                    "seed volume id \"{}\" is not a lowercase UUID",
                    v.id
                ));
            }
            if self.volumes.contains_key(&v.id) {
                return Err(format!("seed has two volumes with id {}", v.id));
            }
            if v.droplet_ids.len() > 1 {
                return Err(format!(
                    "seed volume {} is attached to {} droplets; a volume attaches to at most one",
                    v.id,
                    v.droplet_ids.len()
                ));
            }
            if let Some(droplet_id) = v.droplet_ids.first() {
                let Some(droplet) = self.droplets.get(droplet_id) else {
                    return Err(format!(
                        "seed volume {} is attached to droplet {droplet_id}, which is not seeded",
                        v.id
                    ));
                };
                if droplet.region != v.region {
                    return Err(format!(
                        "seed volume {} is in {} but its droplet {droplet_id} is in {}; \
                         a volume attaches only to a droplet of its region",
                        v.id, v.region, droplet.region
                    ));
                }
            }
            let name = if v.name.is_empty() {
                format!("volume-{}", v.id)
            } else {
                v.name
            };
            if !names.insert((v.region.clone(), name.clone())) {
                return Err(format!(
                    "seed has two volumes named \"{name}\" in region {}",
                    v.region
                ));
            }
            let volume = VolumeState {
                id: v.id.clone(),
                name,
                region: v.region,
                size_gigabytes: v.size_gigabytes,
                droplet_ids: v.droplet_ids,
                tags: v.tags,
                created_at: self.droplets_created_at,
            };
            self.volumes.insert(v.id.clone(), volume);
        }
        for s in snapshots {
            if !is_uuid(&s.id) {
                return Err(format!(
                    "seed volume snapshot id \"{}\" is not a lowercase UUID",
                    s.id
                ));
            }
            if self.volume_snapshots.contains_key(&s.id) {
                return Err(format!("seed has two volume snapshots with id {}", s.id));
            }
            if s.volume_id.is_empty() {
                return Err(format!("seed volume snapshot {} has no volume_id", s.id));
            }
            if s.name.is_empty() {
                return Err(format!(
                    "seed volume snapshot {} has no name (the API requires one)",
                    s.id
                ));
            }
            if self.has_volume_snapshot_named(&s.volume_id, &s.name) {
                return Err(format!(
                    "seed has two snapshots named \"{}\" of volume {}",
                    s.name, s.volume_id
                ));
            }
            if self.snapshots_of_volume(&s.volume_id).count() >= MAX_SNAPSHOTS_PER_VOLUME {
                return Err(format!(
                    "seed has more than {MAX_SNAPSHOTS_PER_VOLUME} snapshots of volume {}",
                    s.volume_id
                ));
            }
            let volume = self.volumes.get(&s.volume_id);
            let regions = if s.regions.is_empty() {
                vec![volume.map_or(DEFAULT_REGION, |v| &v.region).to_string()]
            } else {
                s.regions
            };
            let snapshot = VolumeSnapshotState {
                id: s.id.clone(),
                name: s.name,
                created_at: whole_seconds(s.created_at),
                min_disk_size: volume.map_or(DEFAULT_VOLUME_SIZE_GIGABYTES, |v| v.size_gigabytes),
                volume_id: s.volume_id,
                regions,
                size_gigabytes: VOLUME_SNAPSHOT_SIZE_GIGABYTES,
                tags: s.tags,
            };
            if self
                .volume_snapshots
                .insert(s.id.clone(), snapshot)
                .is_some()
            {
                return Err(format!("seed has two volume snapshots with id {}", s.id));
            }
        }
        Ok(())
    }

    /// The ids of the volumes attached to a droplet, ordered.
    pub fn volume_ids_of(&self, droplet_id: u64) -> Vec<&str> {
        self.volumes
            .values()
            .filter(|v| v.droplet_ids.contains(&droplet_id))
            .map(|v| v.id.as_str())
            .collect()
    }

    /// Every volume snapshot, oldest first (`created_at`, then id), the
    /// order of every listing and of [`crate::FakeDo::volume_snapshots`].
    pub fn ordered_volume_snapshots(&self) -> Vec<&VolumeSnapshotState> {
        let mut all: Vec<&VolumeSnapshotState> = self.volume_snapshots.values().collect();
        all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        all
    }

    fn snapshots_of_volume<'a>(
        &'a self,
        volume_id: &'a str,
    ) -> impl Iterator<Item = &'a VolumeSnapshotState> {
        self.volume_snapshots
            .values()
            .filter(move |s| s.volume_id == volume_id)
    }

    fn has_volume_snapshot_named(&self, volume_id: &str, name: &str) -> bool {
        self.snapshots_of_volume(volume_id).any(|s| s.name == name)
    }

    /// `POST /v2/volumes/{id}/snapshots`: takes the snapshot at once, or
    /// refuses it (see the crate README for each status and message).
    pub fn create_volume_snapshot(
        &mut self,
        volume_id: &str,
        name: Option<String>,
        tags: Option<Vec<String>>,
    ) -> Result<VolumeSnapshotState, ApiError> {
        let volume = self
            .volumes
            .get(volume_id)
            .ok_or_else(ApiError::not_found)?;
        let (region, min_disk_size) = (volume.region.clone(), volume.size_gigabytes);
        let name = name
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ApiError::bad_request("name is required"))?;
        if self.has_volume_snapshot_named(volume_id, &name) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("a snapshot named \"{name}\" already exists for volume {volume_id}"),
            ));
        }
        if self.snapshots_of_volume(volume_id).count() >= MAX_SNAPSHOTS_PER_VOLUME {
            return Err(ApiError::unprocessable(format!(
                "volume {volume_id} already has {MAX_SNAPSHOTS_PER_VOLUME} snapshots, the most \
                 a volume can have; delete one before taking another"
            )));
        }
        let interval = self.volume_snapshot_interval_seconds;
        let latest = self
            .snapshots_of_volume(volume_id)
            .map(|s| s.created_at)
            .max();
        if let Some(latest) = latest.filter(|_| interval > 0) {
            let allowed_at = add_seconds(latest, interval);
            if self.now < allowed_at {
                return Err(ApiError::unprocessable(format!(
                    "a volume can be snapshotted at most once every {interval} seconds; the last \
                     snapshot of volume {volume_id} was taken at {}, try again at {}",
                    rfc3339(latest),
                    rfc3339(allowed_at)
                )));
            }
        }
        let snapshot = VolumeSnapshotState {
            id: self.fresh_volume_snapshot_id(),
            name,
            created_at: self.now,
            volume_id: volume_id.to_string(),
            regions: vec![region],
            min_disk_size,
            size_gigabytes: VOLUME_SNAPSHOT_SIZE_GIGABYTES,
            tags: tags.unwrap_or_default(),
        };
        self.volume_snapshot_completions
            .insert(snapshot.id.clone(), snapshot.created_at);
        self.volume_snapshots
            .insert(snapshot.id.clone(), snapshot.clone());
        Ok(snapshot)
    }

    /// A new, unused, UUID-shaped id, sequential so tests can predict it:
    /// `00000000-0000-4000-a000-000000000001`, then `…002`, skipping seeded
    /// ids.
    fn fresh_volume_snapshot_id(&mut self) -> String {
        loop {
            self.volume_snapshots_made += 1;
            let id = format!(
                "00000000-0000-4000-a000-{:012x}",
                self.volume_snapshots_made
            );
            if !self.volume_snapshots.contains_key(&id) {
                return id;
            }
        }
    }

    /// Deletes a volume snapshot; false if there is no such snapshot.
    pub fn delete_volume_snapshot(&mut self, id: &str) -> bool {
        self.volume_snapshot_completions.remove(id);
        self.volume_snapshots.remove(id).is_some()
    }

    /// Destroys a droplet, as `DELETE /v2/droplets/{id}` would: it leaves
    /// every listing, its volumes are detached, and its snapshots and
    /// actions remain. Actions already due complete first. False if there
    /// is no such droplet.
    pub fn destroy_droplet(&mut self, droplet_id: u64) -> bool {
        self.complete_due();
        if self.droplets.remove(&droplet_id).is_none() {
            return false;
        }
        for volume in self.volumes.values_mut() {
            volume.droplet_ids.retain(|&d| d != droplet_id);
        }
        true
    }

    /// Destroys a volume, attached or not; its snapshots remain. False if
    /// there is no such volume.
    pub fn destroy_volume(&mut self, volume_id: &str) -> bool {
        self.volumes.remove(volume_id).is_some()
    }
}
