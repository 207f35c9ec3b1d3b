//! The emulator's mutable world, shared between the HTTP handlers and the
//! [`crate::FakeDo`] handle behind one mutex, beside the requests a `hold`
//! fault keeps waiting.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use jiff::Timestamp;

use crate::faults::FaultList;
use crate::holds::Holds;
use crate::lifecycle::PlannedFailure;
use crate::model::{
    ActionState, DropletState, LoggedRequest, SnapshotState, VolumeSnapshotState, VolumeState,
};
use crate::ratelimit::RateLimits;
use crate::seed::{DEFAULT_REGION, Seed};
use crate::timefmt::{DateFormat, add_seconds, whole_seconds};

/// First id handed to a snapshot created by the emulator (unless seeded ids
/// are higher), chosen to look like real image ids.
const FIRST_SNAPSHOT_ID: u64 = 500_000_000;
/// First id handed to an action, from its own counter.
const FIRST_ACTION_ID: u64 = 900_000_000;
/// Billable size reported for every snapshot; the emulator stores no data,
/// and the example value in do-api.md is as good as any.
pub const SNAPSHOT_SIZE_GIGABYTES: f64 = 2.34;
/// The public distribution image every droplet runs. It exists so that the
/// image endpoints can show how they treat an image that is not a snapshot.
pub const BASE_IMAGE_ID: u64 = 100_000_001;
/// Seeded droplets claim to be this old at the clock start.
const DROPLET_AGE_SECONDS: i64 = 365 * 24 * 3600;

/// Everything the emulator knows. Collections are keyed by id so every
/// listing comes out ordered by id without sorting.
#[derive(Debug)]
pub struct World {
    pub token: String,
    pub now: Timestamp,
    pub snapshot_seconds: i64,
    pub transfer_seconds: i64,
    /// `created_at` reported for every droplet.
    pub droplets_created_at: Timestamp,
    pub droplets: BTreeMap<u64, DropletState>,
    pub snapshots: BTreeMap<u64, SnapshotState>,
    pub actions: BTreeMap<u64, ActionState>,
    pub rate: RateLimits,
    /// Real time every `/v2` reply waits before it is sent.
    pub latency: Duration,
    pub requests: Vec<LoggedRequest>,
    /// How many `/v2` replies had status 429, whatever the cause; the
    /// request log can be cleared, this count cannot.
    pub too_many_requests: usize,
    pub faults: FaultList,
    pub planned_failures: Vec<PlannedFailure>,
    /// The form of every `Date` header.
    pub date_format: DateFormat,
    /// `GET /v2/droplets?tag_name=` lists every droplet, as a broken proxy
    /// that drops the query would.
    pub ignore_tag_filter: bool,
    /// How long after its action completes a new snapshot stays out of the
    /// read endpoints (see [`World::is_listed`]).
    pub listing_lag_seconds: i64,
    /// When the action that made each emulator-made snapshot completed;
    /// seeded snapshots have no entry and are listed at once.
    pub snapshot_completions: BTreeMap<u64, Timestamp>,
    /// Volumes by id (lowercase UUIDs, so ordered as strings).
    pub volumes: BTreeMap<String, VolumeState>,
    /// Volume snapshots by id; listings order them by `created_at`, then id
    /// (see [`World::ordered_volume_snapshots`]).
    pub volume_snapshots: BTreeMap<String, VolumeSnapshotState>,
    /// When each emulator-made volume snapshot was made, for the listing
    /// lag; seeded volume snapshots have no entry and are listed at once.
    pub volume_snapshot_completions: BTreeMap<String, Timestamp>,
    /// The shortest time between two snapshots of one volume; 0 is no limit.
    pub volume_snapshot_interval_seconds: i64,
    /// How many volume snapshot ids have been handed out.
    pub(crate) volume_snapshots_made: u64,
    next_snapshot_id: u64,
    next_action_id: u64,
    requests_seen: u64,
}

/// What an image id names.
#[derive(Debug, Clone, Copy)]
pub enum Image<'a> {
    Snapshot(&'a SnapshotState),
    /// The public base image, which is not a snapshot.
    Base,
    Missing,
}

/// The world as the server thread and the test handle share it. Held
/// requests wait outside the world's mutex, so holding one blocks nothing.
#[derive(Debug, Clone)]
pub struct Shared {
    world: Arc<Mutex<World>>,
    pub holds: Arc<Holds>,
}

impl Shared {
    pub fn new(world: World) -> Shared {
        Shared {
            world: Arc::new(Mutex::new(world)),
            holds: Arc::default(),
        }
    }
}

/// Locks the world. A handler that panicked cannot leave it half-updated in
/// a way that matters to a test, so a poisoned lock is simply reused.
pub fn lock(shared: &Shared) -> MutexGuard<'_, World> {
    shared.world.lock().unwrap_or_else(PoisonError::into_inner)
}

impl World {
    /// Builds the starting world, refusing seeds with duplicate ids.
    pub fn from_seed(seed: Seed) -> Result<World, String> {
        let now = whole_seconds(seed.now);
        let mut droplets = BTreeMap::new();
        for d in seed.droplets {
            let droplet = DropletState {
                id: d.id,
                name: d.name,
                region: d.region,
                tags: d.tags,
                status: d.status,
                locked: d.locked,
                ignores_shutdown: d.ignores_shutdown,
                snapshot_ids: Vec::new(),
            };
            if droplets.insert(d.id, droplet).is_some() {
                return Err(format!("seed has two droplets with id {}", d.id));
            }
        }
        let mut snapshots = BTreeMap::new();
        for s in seed.snapshots {
            let droplet = droplets.get_mut(&s.resource_id);
            let regions = if !s.regions.is_empty() {
                s.regions
            } else {
                let region = droplet.as_ref().map_or(DEFAULT_REGION, |d| &d.region);
                vec![region.to_string()]
            };
            if let Some(droplet) = droplet {
                droplet.snapshot_ids.push(s.id);
            }
            let snapshot = SnapshotState {
                id: s.id,
                name: s.name,
                created_at: whole_seconds(s.created_at),
                resource_id: s.resource_id,
                regions,
                size_gigabytes: SNAPSHOT_SIZE_GIGABYTES,
            };
            if snapshots.insert(s.id, snapshot).is_some() {
                return Err(format!("seed has two snapshots with id {}", s.id));
            }
        }
        for droplet in droplets.values_mut() {
            droplet.snapshot_ids.sort_unstable();
        }
        let highest_seeded = droplets.keys().chain(snapshots.keys()).max().copied();
        let above_seeded = highest_seeded.map_or(0, |id| id.saturating_add(1));
        let mut world = World {
            token: seed.token,
            now,
            snapshot_seconds: seed.snapshot_seconds.max(0),
            transfer_seconds: seed.transfer_seconds.max(0),
            droplets_created_at: add_seconds(now, -DROPLET_AGE_SECONDS),
            droplets,
            snapshots,
            actions: BTreeMap::new(),
            rate: RateLimits::new(seed.rate_limit_per_hour, seed.rate_limit_per_minute),
            latency: Duration::from_millis(seed.latency_millis),
            requests: Vec::new(),
            too_many_requests: 0,
            faults: FaultList::default(),
            planned_failures: Vec::new(),
            date_format: seed.date_format,
            ignore_tag_filter: seed.ignore_tag_filter,
            listing_lag_seconds: seed.listing_lag_seconds.max(0),
            snapshot_completions: BTreeMap::new(),
            volumes: BTreeMap::new(),
            volume_snapshots: BTreeMap::new(),
            volume_snapshot_completions: BTreeMap::new(),
            volume_snapshot_interval_seconds: seed.volume_snapshot_interval_seconds.max(0),
            volume_snapshots_made: 0,
            next_snapshot_id: above_seeded.max(FIRST_SNAPSHOT_ID),
            next_action_id: above_seeded.max(FIRST_ACTION_ID),
            requests_seen: 0,
        };
        world.seed_volumes(seed.volumes, seed.volume_snapshots)?;
        Ok(world)
    }

    /// Moves the clock forward (never back) and completes what is now due.
    pub fn advance(&mut self, seconds: i64) {
        self.now = add_seconds(self.now, seconds.max(0));
        self.complete_due();
    }

    /// Looks an image id up; snapshots win over the base image's id.
    pub fn image(&self, id: u64) -> Image<'_> {
        match self.snapshots.get(&id) {
            Some(snapshot) => Image::Snapshot(snapshot),
            None if id == BASE_IMAGE_ID => Image::Base,
            None => Image::Missing,
        }
    }

    /// Locks or unlocks a droplet by hand; `None` if there is no such droplet.
    pub fn set_locked(&mut self, droplet_id: u64, locked: bool) -> Option<&DropletState> {
        let droplet = self.droplets.get_mut(&droplet_id)?;
        droplet.locked = locked;
        Some(droplet)
    }

    /// Makes a droplet ignore (or obey) a graceful `shutdown`; false if
    /// there is no such droplet. Actions already due complete first, under
    /// the flag as it was until now.
    pub fn set_ignores_shutdown(&mut self, droplet_id: u64, ignores: bool) -> bool {
        self.complete_due();
        let Some(droplet) = self.droplets.get_mut(&droplet_id) else {
            return false;
        };
        droplet.ignores_shutdown = ignores;
        true
    }

    pub fn fresh_snapshot_id(&mut self) -> u64 {
        let id = self.next_snapshot_id;
        self.next_snapshot_id += 1;
        id
    }

    pub fn fresh_action_id(&mut self) -> u64 {
        let id = self.next_action_id;
        self.next_action_id += 1;
        id
    }

    /// A UUID-shaped id for the `x-request-id` header and error bodies,
    /// sequential so test failures are easy to correlate with the log.
    pub fn fresh_request_id(&mut self) -> String {
        self.requests_seen += 1;
        format!("00000000-0000-4000-8000-{:012x}", self.requests_seen)
    }
}
