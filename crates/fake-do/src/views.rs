//! The JSON shapes of droplets, snapshots, images and actions, following
//! the spec's schemas and do-api.md. Where the API disagrees with itself the
//! emulator does too: snapshot ids are integers under `/v2/droplets` and
//! `/v2/images` but strings under `/v2/snapshots`.

use serde_json::{Value, json};

use crate::model::{ActionState, DropletState, SnapshotState, VolumeSnapshotState, VolumeState};
use crate::regions::region_json;
use crate::seed::DEFAULT_REGION;
use crate::state::{BASE_IMAGE_ID, World};
use crate::timefmt::rfc3339;

/// Every droplet is the same small size; the tool never looks at it.
const SIZE_SLUG: &str = "s-1vcpu-1gb";
const MEMORY_MB: u32 = 1024;
const DISK_GB: u32 = 25;

/// The filesystem every volume claims to carry.
const FILESYSTEM_TYPE: &str = "ext4";
/// ext4 labels hold at most 16 bytes.
const FILESYSTEM_LABEL_MAX: usize = 16;

/// The full droplet object (spec `droplet.yml`). Its `snapshot_ids` leave
/// out the snapshots the listing lag still hides; its `volume_ids` are the
/// (string) ids of the volumes attached to it.
pub fn droplet(world: &World, d: &DropletState) -> Value {
    let snapshot_ids: Vec<u64> = d
        .snapshot_ids
        .iter()
        .copied()
        .filter(|&id| world.is_listed(id))
        .collect();
    json!({
        "id": d.id,
        "name": d.name,
        "memory": MEMORY_MB,
        "vcpus": 1,
        "disk": DISK_GB,
        "disk_info": [{ "type": "local", "size": { "amount": DISK_GB, "unit": "gib" } }],
        "locked": d.locked,
        "status": d.status,
        "kernel": null,
        "created_at": rfc3339(world.droplets_created_at),
        "features": ["private_networking"],
        "backup_ids": [],
        "next_backup_window": null,
        "snapshot_ids": snapshot_ids,
        "image": base_image(),
        "volume_ids": world.volume_ids_of(d.id),
        "size": {
            "slug": SIZE_SLUG,
            "memory": MEMORY_MB,
            "vcpus": 1,
            "disk": DISK_GB,
            "transfer": 1.0,
            "price_monthly": 6.0,
            "price_hourly": 0.00893,
            "regions": [d.region],
            "available": true,
            "description": "Basic",
        },
        "size_slug": SIZE_SLUG,
        "networks": { "v4": [], "v6": [] },
        "region": region_json(&d.region),
        "tags": d.tags,
        "vpc_uuid": format!("00000000-0000-4000-9000-{:012x}", d.id),
    })
}

/// The public distribution image every droplet claims to run.
pub fn base_image() -> Value {
    json!({
        "id": BASE_IMAGE_ID,
        "name": "24.04 (LTS) x64",
        "distribution": "Ubuntu",
        "slug": "ubuntu-24-04-x64",
        "public": true,
        "regions": ["ams3", "blr1", "fra1", "lon1", "nyc1", "nyc3", "sfo3", "sgp1", "syd1", "tor1"],
        "created_at": "2024-04-25T00:00:00Z",
        "type": "base",
        "min_disk_size": 7,
        "size_gigabytes": 2.4,
        "description": "Ubuntu 24.04 (LTS) x64",
        "tags": [],
        "status": "available",
        "error_message": "",
    })
}

/// An item of `GET /v2/droplets/{id}/snapshots`. The spec's
/// `droplet_snapshot.yml` lists only the image fields it requires (integer
/// id, `type`, no resource fields), but the real API returns the full image
/// object (godo decodes it into `Image`; do-api.md §2), so that is what this
/// is.
pub fn droplet_snapshot(s: &SnapshotState) -> Value {
    image(s)
}

/// An item of `/v2/snapshots` (`snapshots.yml`): string id and resource id.
pub fn snapshot(s: &SnapshotState) -> Value {
    json!({
        "id": s.id.to_string(),
        "name": s.name,
        "created_at": rfc3339(s.created_at),
        "regions": s.regions,
        "resource_id": s.resource_id.to_string(),
        "resource_type": "droplet",
        "min_disk_size": DISK_GB,
        "size_gigabytes": s.size_gigabytes,
        "tags": [],
    })
}

/// The volume object (spec `volume_full.yml`). There is no description,
/// every filesystem is ext4, and its label is the volume's name cut to 16
/// bytes.
pub fn volume(v: &VolumeState) -> Value {
    let label: String = v
        .name
        .char_indices()
        .take_while(|&(at, c)| at + c.len_utf8() <= FILESYSTEM_LABEL_MAX)
        .map(|(_, c)| c)
        .collect();
    json!({
        "id": v.id,
        "region": region_json(&v.region),
        "droplet_ids": v.droplet_ids,
        "name": v.name,
        "description": "",
        "size_gigabytes": v.size_gigabytes,
        "created_at": rfc3339(v.created_at),
        "filesystem_type": FILESYSTEM_TYPE,
        "filesystem_label": label,
        "tags": v.tags,
    })
}

/// A volume snapshot (`snapshots.yml`), the same object on `/v2/snapshots`
/// and under `/v2/volumes`: UUID id, the volume's id as `resource_id`.
pub fn volume_snapshot(s: &VolumeSnapshotState) -> Value {
    json!({
        "id": s.id,
        "name": s.name,
        "created_at": rfc3339(s.created_at),
        "regions": s.regions,
        "resource_id": s.volume_id,
        "resource_type": "volume",
        "min_disk_size": s.min_disk_size,
        "size_gigabytes": s.size_gigabytes,
        "tags": s.tags,
    })
}

/// A droplet snapshot seen as an image (`image.yml`): integer id.
pub fn image(s: &SnapshotState) -> Value {
    json!({
        "id": s.id,
        "name": s.name,
        "type": "snapshot",
        "distribution": "Ubuntu",
        "slug": null,
        "public": false,
        "regions": s.regions,
        "created_at": rfc3339(s.created_at),
        "min_disk_size": DISK_GB,
        "size_gigabytes": s.size_gigabytes,
        "description": "",
        "tags": [],
        "status": "available",
        "error_message": "",
    })
}

/// The action object (`action.yml`). A transfer reports its target region
/// (api-v2#29); a droplet action reports the droplet's region.
pub fn action(world: &World, a: &ActionState) -> Value {
    let region = a.region.clone().unwrap_or_else(|| {
        world
            .droplets
            .get(&a.resource_id)
            .map_or_else(|| DEFAULT_REGION.to_string(), |d| d.region.clone())
    });
    json!({
        "id": a.id,
        "status": a.status,
        "type": a.kind,
        "started_at": rfc3339(a.started_at),
        "completed_at": a.completed_at.map(rfc3339),
        "resource_id": a.resource_id,
        "resource_type": a.resource_type,
        "region": region_json(&region),
        "region_slug": region,
    })
}
