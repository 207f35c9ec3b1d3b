//! Seeds: JSON defaults, derived fields, refusals.

use std::io::ErrorKind;

use crate::{DEFAULT_TOKEN, FakeDo, Seed, SeedDroplet, SeedSnapshot};

#[test]
fn json_seed_fills_in_defaults() {
    let seed = Seed::from_json(
        r#"{
            "droplets": [{"id": 1, "name": "web-1", "tags": ["prod"]},
                         {"id": 2, "name": "db-1", "region": "fra1", "status": "off", "locked": true}],
            "snapshots": [{"id": 10, "name": "a", "created_at": "2025-06-01T12:00:00Z", "resource_id": 2},
                          {"id": 11, "name": "b", "resource_id": 77},
                          {"id": 12, "name": "c", "resource_id": 1, "regions": ["nyc3", "ams3"]}]
        }"#,
    )
    .expect("seed");
    assert_eq!(seed.token, DEFAULT_TOKEN);
    assert_eq!(seed.now.to_string(), "2026-01-01T00:00:00Z");
    assert_eq!((seed.snapshot_seconds, seed.transfer_seconds), (600, 1800));
    assert_eq!(seed.rate_limit_per_hour, 5000);
    assert_eq!(seed.rate_limit_per_minute, 250);
    assert_eq!(seed.latency_millis, 0);
    assert_eq!(seed.droplets[0].region, "nyc3");
    assert_eq!(seed.droplets[0].status, "active");

    let fake = FakeDo::start(seed).expect("start");
    let droplets = fake.droplets();
    assert_eq!(droplets[0].snapshot_ids, [12]);
    assert_eq!(droplets[1].snapshot_ids, [10]);
    assert!(droplets[1].locked);
    let snapshots = fake.snapshots();
    assert_eq!(snapshots[0].regions, ["fra1"], "the droplet's region");
    assert_eq!(snapshots[1].regions, ["nyc3"], "no droplet: nyc3");
    assert_eq!(snapshots[1].created_at.to_string(), "2026-01-01T00:00:00Z");
    assert_eq!(snapshots[2].regions, ["nyc3", "ams3"]);
}

#[test]
fn new_ids_are_above_every_seeded_id() {
    let fake = FakeDo::start(Seed {
        snapshot_seconds: 0,
        droplets: vec![SeedDroplet {
            id: 950_000_000,
            name: "big".to_string(),
            ..Default::default()
        }],
        snapshots: vec![SeedSnapshot {
            id: 600_000_000,
            resource_id: 950_000_000,
            ..Default::default()
        }],
        ..Seed::default()
    })
    .expect("start");
    let reply = super::requests::start_snapshot(&fake, 950_000_000, "n");
    assert_eq!(reply.json()["action"]["id"], 950_000_001_u64);
    fake.advance(0);
    assert_eq!(fake.snapshots()[1].id, 950_000_001, "its own counter");
}

#[test]
fn duplicate_ids_are_refused() {
    let twice = |id| SeedDroplet {
        id,
        ..Default::default()
    };
    let error = FakeDo::start(Seed {
        droplets: vec![twice(1), twice(1)],
        ..Seed::default()
    })
    .expect_err("duplicate droplet");
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    let error = FakeDo::start(Seed {
        snapshots: vec![SeedSnapshot::default(), SeedSnapshot::default()],
        ..Seed::default()
    })
    .expect_err("duplicate snapshot");
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
}

#[test]
fn base_url_and_drop() {
    let fake = FakeDo::start(Seed::default()).expect("start");
    let port = fake.port();
    assert_eq!(fake.base_url(), format!("http://127.0.0.1:{port}"));
    drop(fake);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "stopped"
    );
}

/// The main crate's test helpers build a `SeedSnapshot` from exactly these
/// five fields, without `..Default::default()`; this stops compiling if a
/// field is added, and volume snapshots live in `SeedVolumeSnapshot`.
#[test]
fn a_seed_snapshot_keeps_exactly_its_five_fields() {
    let snapshot = SeedSnapshot {
        id: 7,
        name: "n".to_string(),
        created_at: jiff::Timestamp::UNIX_EPOCH,
        resource_id: 1,
        regions: Vec::new(),
    };
    let SeedSnapshot {
        id,
        name,
        created_at,
        resource_id,
        regions,
    } = snapshot;
    assert_eq!((id, name.as_str(), resource_id), (7, "n", 1));
    assert_eq!(created_at, jiff::Timestamp::UNIX_EPOCH);
    assert!(regions.is_empty());
}

/// The example seed file and the README's seed parse and start.
#[test]
fn the_documented_seeds_start() {
    let example = Seed::from_json(include_str!("../../examples/seed.json")).expect("example");
    let fake = FakeDo::start(example).expect("example starts");
    assert_eq!(fake.volumes()[0].droplet_ids, [101]);
    assert_eq!(fake.volume_snapshots().len(), 1);

    let readme = include_str!("../../README.md");
    let start = readme.find("```json\n{\n  \"token\"").expect("README seed") + "```json\n".len();
    let end = start + readme[start..].find("```").expect("end of the README seed");
    let documented = Seed::from_json(&readme[start..end]).expect("README seed parses");
    let fake = FakeDo::start(documented).expect("README seed starts");
    assert_eq!(fake.volumes()[0].droplet_ids, [3_164_444]);
    assert_eq!(fake.volume_snapshots()[0].regions, ["nyc3"]);
}

#[test]
fn json_seed_reads_the_burst_limit_and_the_latency() {
    let seed =
        Seed::from_json(r#"{"rate_limit_per_minute": 0, "latency_millis": 25}"#).expect("seed");
    assert_eq!(seed.rate_limit_per_minute, 0);
    assert_eq!(seed.latency_millis, 25);
    let fake = FakeDo::start(seed).expect("start");
    let state = super::client::send(&fake, "GET", "/_fake/state", None, None).json();
    assert_eq!(state["rate_limit"]["per_minute"], 0);
    assert_eq!(state["latency_millis"], 25);
}
