//! Seeds shared by the tests.

use crate::{FakeDo, Seed, SeedDroplet, SeedSnapshot, SeedVolume, SeedVolumeSnapshot};

pub fn droplet(id: u64, name: &str, tags: &[&str]) -> SeedDroplet {
    SeedDroplet {
        id,
        name: name.to_string(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    }
}

/// Two droplets (1 `web-1` in nyc3, 2 `db-1` in lon1) and one snapshot
/// (100, of droplet 1).
pub fn small_seed() -> Seed {
    Seed {
        droplets: vec![
            droplet(1, "web-1", &["prod"]),
            SeedDroplet {
                region: "lon1".to_string(),
                ..droplet(2, "db-1", &["prod", "db"])
            },
        ],
        snapshots: vec![SeedSnapshot {
            id: 100,
            name: "web-1-old".to_string(),
            created_at: "2025-12-01T00:00:00Z".parse().expect("timestamp"),
            resource_id: 1,
            regions: Vec::new(),
        }],
        ..Default::default()
    }
}

/// Volume `data-1` (10 GB, nyc3, attached to droplet 1).
pub const VOLUME_1: &str = "506f78a4-e098-11e5-ad9f-000f53306ae1";
/// Volume `data-2` (100 GB, lon1, detached).
pub const VOLUME_2: &str = "506f78a4-e098-11e5-ad9f-000f53305eb2";
/// The seeded snapshot of volume 1.
pub const VOLUME_SNAPSHOT_1: &str = "fbe805e8-866b-11e6-96bf-000f53315a41";

/// [`small_seed`] plus two volumes and one volume snapshot, with the
/// volume snapshot interval off unless a test turns it on.
pub fn volume_seed() -> Seed {
    Seed {
        volume_snapshot_interval_seconds: 0,
        volumes: vec![
            SeedVolume {
                id: VOLUME_1.to_string(),
                name: "data-1".to_string(),
                size_gigabytes: 10,
                droplet_ids: vec![1],
                tags: vec!["db".to_string()],
                ..Default::default()
            },
            SeedVolume {
                id: VOLUME_2.to_string(),
                name: "data-2".to_string(),
                region: "lon1".to_string(),
                ..Default::default()
            },
        ],
        volume_snapshots: vec![SeedVolumeSnapshot {
            id: VOLUME_SNAPSHOT_1.to_string(),
            name: "data-1-old".to_string(),
            created_at: "2025-12-15T00:00:00Z".parse().expect("timestamp"),
            volume_id: VOLUME_1.to_string(),
            ..Default::default()
        }],
        ..small_seed()
    }
}

pub fn start(seed: Seed) -> FakeDo {
    FakeDo::start(seed).expect("start fake-do")
}
