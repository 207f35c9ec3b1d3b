//! Actions over time: starting them, with the refusals the real API gives,
//! and completing them once the emulator clock reaches their end.
//!
//! Completion is lazy: nothing runs in the background; every request and
//! every `advance` first completes whatever is due, in order of due time.

use crate::errors::ApiError;
use crate::model::{ActionState, SnapshotState};
use crate::regions::{TRANSFER_REGIONS, is_known_region};
use crate::state::{Image, SNAPSHOT_SIZE_GIGABYTES, World};
use crate::timefmt::add_seconds;

pub const IN_PROGRESS: &str = "in-progress";
pub const COMPLETED: &str = "completed";
pub const ERRORED: &str = "errored";

/// A test's request that the next `remaining` actions of `kind` to finish
/// end `errored`, as real transfers and snapshots sometimes do.
#[derive(Debug)]
pub struct PlannedFailure {
    kind: String,
    remaining: u32,
}

/// Droplet action types the spec allows (`droplet_actions.yml`, the `type`
/// enum of `dropletActions_post`). `snapshot`, `shutdown`, `power_off` and
/// `power_on` have effects; the others only lock the droplet for a while
/// (see [`World::due_at`]) and complete without changing anything.
const DROPLET_ACTION_TYPES: [&str; 15] = [
    "enable_backups",
    "disable_backups",
    "reboot",
    "power_cycle",
    "shutdown",
    "power_off",
    "power_on",
    "restore",
    "password_reset",
    "resize",
    "rebuild",
    "rename",
    "change_kernel",
    "enable_ipv6",
    "snapshot",
];

/// The real API's refusal while another action holds the droplet
/// [obs: packer#1814, api-v2#129].
const PENDING_EVENT: &str = "Droplet already has a pending event.";

impl World {
    /// `POST /v2/droplets/{id}/actions`: starts an action and locks the
    /// droplet until it completes.
    pub fn start_droplet_action(
        &mut self,
        droplet_id: u64,
        kind: &str,
        name: Option<String>,
    ) -> Result<ActionState, ApiError> {
        let droplet = self
            .droplets
            .get(&droplet_id)
            .ok_or_else(ApiError::not_found)?;
        if !DROPLET_ACTION_TYPES.contains(&kind) {
            return Err(ApiError::unprocessable(format!(
                "'{kind}' is not a supported action type; use one of {}.",
                DROPLET_ACTION_TYPES.join(", ")
            )));
        }
        let busy = droplet.locked
            || self.actions.values().any(|a| {
                a.status == IN_PROGRESS
                    && a.resource_type == "droplet"
                    && a.resource_id == droplet_id
            });
        if busy {
            return Err(ApiError::unprocessable(PENDING_EVENT));
        }
        // The control panel's default name: `<droplet-name>-<epoch-ms>`,
        // for a missing name and an empty one alike.
        let snapshot_name = (kind == "snapshot").then(|| {
            name.filter(|n| !n.is_empty())
                .unwrap_or_else(|| format!("{}-{}", droplet.name, self.now.as_millisecond()))
        });
        let action = ActionState {
            id: self.fresh_action_id(),
            kind: kind.to_string(),
            status: IN_PROGRESS.to_string(),
            resource_id: droplet_id,
            resource_type: "droplet".to_string(),
            region: None,
            started_at: self.now,
            completed_at: None,
            snapshot_name,
        };
        if let Some(droplet) = self.droplets.get_mut(&droplet_id) {
            droplet.locked = true;
        }
        self.actions.insert(action.id, action.clone());
        Ok(action)
    }

    /// `POST /v2/images/{id}/actions`: starts a transfer (a copy) of a
    /// completed snapshot to another region.
    pub fn start_image_action(
        &mut self,
        image_id: u64,
        kind: &str,
        region: Option<String>,
    ) -> Result<ActionState, ApiError> {
        let snapshot = match self.image(image_id) {
            Image::Snapshot(snapshot) => snapshot,
            Image::Base => {
                return Err(ApiError::unprocessable(
                    "Only snapshots can be transferred; this is a public image.",
                ));
            }
            Image::Missing => return Err(ApiError::not_found()),
        };
        match kind {
            "transfer" => {}
            // Every image here already is a snapshot; convert is for backups.
            "convert" => {
                return Err(ApiError::unprocessable(
                    "Only backups can be converted to snapshots.",
                ));
            }
            _ => {
                return Err(ApiError::unprocessable(format!(
                    "'{kind}' is not a supported image action type; use transfer or convert."
                )));
            }
        }
        let region = region
            .filter(|r| !r.is_empty())
            .ok_or_else(|| ApiError::unprocessable("region is required for a transfer."))?;
        if !is_known_region(&region) {
            return Err(ApiError::unprocessable(format!(
                "'{region}' is not a valid region slug; use one of {}.",
                TRANSFER_REGIONS.join(", ")
            )));
        }
        if snapshot.regions.contains(&region) {
            return Err(ApiError::unprocessable(format!(
                "Image is already in region {region}"
            )));
        }
        let in_flight = self.actions.values().any(|a| {
            a.status == IN_PROGRESS
                && a.kind == "transfer"
                && a.resource_id == image_id
                && a.region.as_deref() == Some(region.as_str())
        });
        if in_flight {
            return Err(ApiError::unprocessable(format!(
                "Image {image_id}: transfer already in progress to region {region}"
            )));
        }
        let action = ActionState {
            id: self.fresh_action_id(),
            kind: "transfer".to_string(),
            status: IN_PROGRESS.to_string(),
            resource_id: image_id,
            resource_type: "image".to_string(),
            region: Some(region),
            started_at: self.now,
            completed_at: None,
            snapshot_name: None,
        };
        self.actions.insert(action.id, action.clone());
        Ok(action)
    }

    /// When an action started at `started_at` is finished.
    fn due_at(&self, action: &ActionState) -> jiff::Timestamp {
        let seconds = match action.kind.as_str() {
            "snapshot" => self.snapshot_seconds,
            "transfer" => self.transfer_seconds,
            // Power changes and the other droplet actions are much quicker
            // than a disk image.
            _ => self.snapshot_seconds / 10,
        };
        add_seconds(action.started_at, seconds)
    }

    /// Completes every in-progress action whose end is at or before `now`,
    /// earliest first, applying its effect as of its own end time.
    pub fn complete_due(&mut self) {
        let mut due: Vec<(jiff::Timestamp, u64)> = self
            .actions
            .values()
            .filter(|a| a.status == IN_PROGRESS)
            .map(|a| (self.due_at(a), a.id))
            .filter(|&(at, _)| at <= self.now)
            .collect();
        due.sort_unstable();
        for (at, id) in due {
            let Some(kind) = self.actions.get(&id).map(|a| a.kind.clone()) else {
                continue;
            };
            let errored = self.take_planned_failure(&kind);
            if let Some(action) = self.actions.get_mut(&id) {
                action.status = if errored { ERRORED } else { COMPLETED }.to_string();
                action.completed_at = Some(at);
                let action = action.clone();
                if errored {
                    self.unlock(&action);
                } else {
                    self.apply_completion(&action);
                }
            }
        }
    }

    /// Makes the next `count` actions of type `kind` to finish end `errored`
    /// without effect (no snapshot, no new region, no power change).
    pub fn plan_failures(&mut self, kind: &str, count: u32) {
        if count > 0 {
            self.planned_failures.push(PlannedFailure {
                kind: kind.to_string(),
                remaining: count,
            });
        }
    }

    /// Uses up one planned failure for `kind`, if any is left.
    fn take_planned_failure(&mut self, kind: &str) -> bool {
        let Some(plan) = self
            .planned_failures
            .iter_mut()
            .find(|p| p.kind == kind && p.remaining > 0)
        else {
            return false;
        };
        plan.remaining -= 1;
        self.planned_failures.retain(|p| p.remaining > 0);
        true
    }

    /// A finished droplet action, whatever its outcome, frees the droplet.
    fn unlock(&mut self, action: &ActionState) {
        if action.resource_type == "droplet"
            && let Some(droplet) = self.droplets.get_mut(&action.resource_id)
        {
            droplet.locked = false;
        }
    }

    /// The effect of an action that completed successfully.
    fn apply_completion(&mut self, action: &ActionState) {
        self.unlock(action);
        match action.kind.as_str() {
            "transfer" => self.add_region(action),
            "snapshot" => self.create_snapshot(action),
            "shutdown" if self.ignores_shutdown(action.resource_id) => {}
            "shutdown" | "power_off" => self.set_status(action.resource_id, "off"),
            "power_on" => self.set_status(action.resource_id, "active"),
            _ => {}
        }
    }

    /// A finished transfer: the image now also lives in the target region,
    /// unless it was deleted while the copy ran.
    fn add_region(&mut self, action: &ActionState) {
        if let (Some(snapshot), Some(region)) =
            (self.snapshots.get_mut(&action.resource_id), &action.region)
            && !snapshot.regions.contains(region)
        {
            snapshot.regions.push(region.clone());
        }
    }

    /// A finished snapshot action: the snapshot appears, stamped with the
    /// time it was requested, not the time it completed. The read endpoints
    /// show it once the listing lag has passed (see [`World::is_listed`]).
    fn create_snapshot(&mut self, action: &ActionState) {
        let id = self.fresh_snapshot_id();
        let Some(droplet) = self.droplets.get_mut(&action.resource_id) else {
            return;
        };
        droplet.snapshot_ids.push(id);
        let completed_at = action.completed_at.unwrap_or(self.now);
        self.snapshot_completions.insert(id, completed_at);
        let snapshot = SnapshotState {
            id,
            name: action.snapshot_name.clone().unwrap_or_default(),
            created_at: action.started_at,
            resource_id: droplet.id,
            regions: vec![droplet.region.clone()],
            size_gigabytes: SNAPSHOT_SIZE_GIGABYTES,
        };
        self.snapshots.insert(id, snapshot);
    }

    /// Whether the droplet lets a completed `shutdown` leave it running.
    fn ignores_shutdown(&self, droplet_id: u64) -> bool {
        self.droplets
            .get(&droplet_id)
            .is_some_and(|d| d.ignores_shutdown)
    }

    fn set_status(&mut self, droplet_id: u64, status: &str) {
        if let Some(droplet) = self.droplets.get_mut(&droplet_id) {
            droplet.status = status.to_string();
        }
    }

    /// Deletes a snapshot (= image) and forgets it on its droplet; false if
    /// there is no such snapshot.
    pub fn delete_snapshot(&mut self, id: u64) -> bool {
        let Some(snapshot) = self.snapshots.remove(&id) else {
            return false;
        };
        self.snapshot_completions.remove(&id);
        if let Some(droplet) = self.droplets.get_mut(&snapshot.resource_id) {
            droplet.snapshot_ids.retain(|&s| s != id);
        }
        true
    }
}
