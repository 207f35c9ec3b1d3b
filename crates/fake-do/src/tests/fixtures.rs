//! Seeds shared by the tests.

use crate::{FakeDo, Seed, SeedDroplet, SeedSnapshot};

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

pub fn start(seed: Seed) -> FakeDo {
    FakeDo::start(seed).expect("start fake-do")
}
