//! The action requests most tests make, so that a test names only what it
//! varies: which droplet or image, and which snapshot name or region.

use serde_json::json;

use super::client::{Reply, post};
use crate::FakeDo;

/// `POST /v2/droplets/{droplet_id}/actions` starting a snapshot named `name`.
pub fn start_snapshot(fake: &FakeDo, droplet_id: u64, name: &str) -> Reply {
    let body = json!({"type": "snapshot", "name": name});
    post(
        fake,
        &format!("/v2/droplets/{droplet_id}/actions"),
        &body.to_string(),
    )
}

/// `POST /v2/images/{image_id}/actions` starting a transfer to `region`.
pub fn start_transfer(fake: &FakeDo, image_id: u64, region: &str) -> Reply {
    let body = json!({"type": "transfer", "region": region});
    post(
        fake,
        &format!("/v2/images/{image_id}/actions"),
        &body.to_string(),
    )
}

/// `POST /v2/volumes/{volume_id}/snapshots` named `name`.
pub fn snapshot_volume(fake: &FakeDo, volume_id: &str, name: &str) -> Reply {
    let body = json!({"name": name});
    post(
        fake,
        &format!("/v2/volumes/{volume_id}/snapshots"),
        &body.to_string(),
    )
}
