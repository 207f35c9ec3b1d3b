//! The emulator's world as plain data.
//!
//! These structs are both the internal state and what tests inspect through
//! [`crate::FakeDo`], so a test sees exactly what the HTTP handlers see.

use serde::{Deserialize, Serialize};

/// One droplet. Only the fields the snapshot tool reads are modelled; the
/// rest of the API shape (size, image, networks…) is rendered from constants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DropletState {
    pub id: u64,
    pub name: String,
    /// Region slug, e.g. `nyc3`.
    pub region: String,
    pub tags: Vec<String>,
    /// `active`, `off`, `new` or `archive`.
    pub status: String,
    /// True while an action runs (or when a test locks it by hand); new
    /// actions are refused with 422 while it is set.
    pub locked: bool,
    /// A `shutdown` that completes leaves `status` as it is (the real
    /// shutdown is best effort, api-v2#79); `power_off` still powers off.
    #[serde(default)]
    pub ignores_shutdown: bool,
    /// Ids of the droplet's completed snapshots, ascending, including those
    /// the listing lag still hides from the API.
    pub snapshot_ids: Vec<u64>,
}

/// One completed droplet snapshot (which is also an image with the same id),
/// whether or not the listing lag still hides it from the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotState {
    pub id: u64,
    pub name: String,
    pub created_at: jiff::Timestamp,
    /// The droplet the snapshot was taken from.
    pub resource_id: u64,
    /// Regions holding a completed copy, in the order they were added.
    pub regions: Vec<String>,
    pub size_gigabytes: f64,
}

/// One block-storage volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumeState {
    /// A lowercase UUID.
    pub id: String,
    pub name: String,
    /// Region slug, e.g. `nyc3`.
    pub region: String,
    pub size_gigabytes: u64,
    /// The droplet it is attached to: empty or one id.
    pub droplet_ids: Vec<u64>,
    pub tags: Vec<String>,
    pub created_at: jiff::Timestamp,
}

/// One volume snapshot. These are made at once (no action), are not
/// images, and are never in a droplet's `snapshot_ids`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumeSnapshotState {
    /// A lowercase UUID.
    pub id: String,
    pub name: String,
    pub created_at: jiff::Timestamp,
    /// The volume it was taken from, which may since have been destroyed.
    pub volume_id: String,
    pub regions: Vec<String>,
    /// The size of the volume it was taken from, in GB.
    pub min_disk_size: u64,
    pub size_gigabytes: f64,
    pub tags: Vec<String>,
}

/// One action, in progress or finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionState {
    pub id: u64,
    /// `transfer`, or a droplet action type of the spec (`snapshot`,
    /// `shutdown`, `power_off`, `power_on`, `reboot`, `power_cycle`…).
    pub kind: String,
    /// `in-progress`, `completed` or `errored`.
    pub status: String,
    /// The droplet id for droplet actions, the image id for transfers.
    pub resource_id: u64,
    /// `droplet` or `image`.
    pub resource_type: String,
    /// The target region of a transfer; `None` for droplet actions, whose
    /// region is the droplet's.
    pub region: Option<String>,
    pub started_at: jiff::Timestamp,
    pub completed_at: Option<jiff::Timestamp>,
    /// The requested snapshot name, for snapshot actions.
    pub snapshot_name: Option<String>,
}

/// One `/v2` request as the emulator answered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string, `""` when there is none.
    pub query: String,
    /// The status code actually sent (after any fault).
    pub status: u16,
    /// The `Authorization` header exactly as received.
    pub authorization: Option<String>,
}
