//! Volumes: seeds, the volume object, listing and filters, droplets'
//! `volume_ids`, and destroying droplets and volumes.

use std::io::ErrorKind;

use serde_json::{Value, json};

use super::client::{control_post, get, send};
use super::fixtures::{
    VOLUME_1, VOLUME_2, VOLUME_SNAPSHOT_1, droplet, small_seed, start, volume_seed,
};
use crate::regions::region_json;
use crate::{FakeDo, Seed, SeedVolume, SeedVolumeSnapshot};

/// A seeded volume `n` (1-based) with a predictable UUID.
fn volume_id(n: u64) -> String {
    format!("00000000-0000-4000-b000-{n:012x}")
}

fn ids(body: &Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v["id"].as_str().expect("string id").to_string())
        .collect()
}

#[test]
fn json_seed_fills_in_volume_defaults() {
    let seed = Seed::from_json(&format!(
        r#"{{
            "droplets": [{{"id": 1, "name": "web-1"}}],
            "volumes": [{{"id": "{VOLUME_1}", "droplet_ids": [1]}},
                        {{"id": "{VOLUME_2}", "name": "logs", "region": "fra1", "size_gigabytes": 5,
                         "tags": ["k8s"]}}],
            "volume_snapshots": [{{"id": "{VOLUME_SNAPSHOT_1}", "name": "s", "resource_id": "{VOLUME_2}"}}]
        }}"#
    ))
    .expect("seed");
    assert_eq!(seed.volume_snapshot_interval_seconds, 600);
    assert_eq!(seed.volumes[0].region, "nyc3");
    assert_eq!(seed.volumes[0].size_gigabytes, 100);
    assert_eq!(seed.volumes[1].tags, ["k8s"]);
    assert_eq!(
        seed.volume_snapshots[0].volume_id, VOLUME_2,
        "resource_id is read as volume_id"
    );
    let fake = FakeDo::start(seed).expect("start");
    let volumes = fake.volumes();
    assert_eq!(volumes[0].id, VOLUME_2, "ordered by id");
    assert_eq!(volumes[1].name, format!("volume-{VOLUME_1}"));
    assert_eq!(volumes[1].droplet_ids, [1]);
    assert_eq!(
        volumes[1].created_at.to_string(),
        "2025-01-01T00:00:00Z",
        "as old as the droplets"
    );
    let snapshots = fake.volume_snapshots();
    assert_eq!(snapshots[0].regions, ["fra1"], "the volume's region");
    assert_eq!(snapshots[0].min_disk_size, 5, "the volume's size");
    assert_eq!(snapshots[0].created_at.to_string(), "2026-01-01T00:00:00Z");
    assert_eq!(snapshots[0].size_gigabytes, 0.5);

    for required in [
        r#"{"volumes": [{"name": "no-id"}]}"#,
        r#"{"volume_snapshots": [{"name": "n", "volume_id": "x"}]}"#,
        r#"{"volume_snapshots": [{"id": "x", "volume_id": "x"}]}"#,
        r#"{"volume_snapshots": [{"id": "x", "name": "n"}]}"#,
    ] {
        assert!(Seed::from_json(required).is_err(), "{required}");
    }
    let seed = Seed::from_json(r#"{"volume_snapshot_interval_seconds": 0}"#).expect("seed");
    assert_eq!(seed.volume_snapshot_interval_seconds, 0);
}

#[test]
fn a_uuid_in_snapshots_points_at_volume_snapshots() {
    let error = Seed::from_json(&format!(
        r#"{{"snapshots": [{{"id": "{VOLUME_SNAPSHOT_1}", "name": "n", "resource_id": 1}}]}}"#
    ))
    .expect_err("string id");
    assert!(error.to_string().contains("volume_snapshots"), "{error}");
    let error = Seed::from_json(r#"{"snapshots": [{"id": 5, "resource_id": "7"}]}"#)
        .expect_err("string resource id");
    assert!(error.to_string().contains("volume_snapshots"), "{error}");
    let error = Seed::from_json(r#"{"snapshots": [{"id": -5}]}"#).expect_err("negative");
    assert!(
        error.to_string().contains("non-negative integer"),
        "{error}"
    );
    let fine = Seed::from_json(r#"{"snapshots": [{"id": 5, "resource_id": 7}]}"#).expect("ints");
    assert_eq!(
        (fine.snapshots[0].id, fine.snapshots[0].resource_id),
        (5, 7)
    );
}

#[test]
fn impossible_volume_seeds_are_refused() {
    let volume = |id: &str| SeedVolume {
        id: id.to_string(),
        ..Default::default()
    };
    let snapshot = |id: &str, name: &str| SeedVolumeSnapshot {
        id: id.to_string(),
        name: name.to_string(),
        volume_id: VOLUME_1.to_string(),
        ..Default::default()
    };
    let refusals = [
        (
            vec![volume(VOLUME_1), volume(VOLUME_1)],
            vec![],
            "two volumes with id",
        ),
        (vec![volume("vol-1")], vec![], "not a lowercase UUID"),
        (
            vec![volume(&VOLUME_1.to_uppercase())],
            vec![],
            "not a lowercase UUID",
        ),
        (vec![volume("")], vec![], "not a lowercase UUID"),
        (
            vec![SeedVolume {
                droplet_ids: vec![1, 2],
                ..volume(VOLUME_1)
            }],
            vec![],
            "at most one",
        ),
        (
            vec![SeedVolume {
                droplet_ids: vec![9],
                ..volume(VOLUME_1)
            }],
            vec![],
            "not seeded",
        ),
        (
            vec![SeedVolume {
                droplet_ids: vec![2],
                ..volume(VOLUME_1)
            }],
            vec![],
            "of its region",
        ),
        (
            vec![
                SeedVolume {
                    name: "same".to_string(),
                    ..volume(VOLUME_1)
                },
                SeedVolume {
                    name: "same".to_string(),
                    ..volume(VOLUME_2)
                },
            ],
            vec![],
            "two volumes named \"same\" in region nyc3",
        ),
        (
            vec![],
            vec![
                snapshot(VOLUME_SNAPSHOT_1, "a"),
                snapshot(VOLUME_SNAPSHOT_1, "b"),
            ],
            "two volume snapshots with id",
        ),
        (vec![], vec![snapshot("42", "a")], "not a lowercase UUID"),
        (vec![], vec![snapshot(VOLUME_SNAPSHOT_1, "")], "has no name"),
        (
            vec![],
            vec![SeedVolumeSnapshot {
                volume_id: String::new(),
                ..snapshot(VOLUME_SNAPSHOT_1, "a")
            }],
            "has no volume_id",
        ),
        (
            vec![],
            vec![snapshot(VOLUME_SNAPSHOT_1, "a"), snapshot(VOLUME_2, "a")],
            "two snapshots named \"a\"",
        ),
        (
            vec![],
            (1..=26)
                .map(|n| snapshot(&volume_id(n), &format!("s-{n}")))
                .collect(),
            "more than 25 snapshots",
        ),
    ];
    for (volumes, volume_snapshots, message) in refusals {
        let error = FakeDo::start(Seed {
            volumes,
            volume_snapshots,
            ..small_seed()
        })
        .expect_err(message);
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{message}");
        assert!(error.to_string().contains(message), "{error} ≠ {message}");
    }
    // The same name in another region, and 25 snapshots of a volume, are fine.
    let fake = FakeDo::start(Seed {
        volumes: vec![
            SeedVolume {
                name: "same".to_string(),
                ..volume(VOLUME_1)
            },
            SeedVolume {
                name: "same".to_string(),
                region: "lon1".to_string(),
                ..volume(VOLUME_2)
            },
        ],
        volume_snapshots: (1..=25)
            .map(|n| snapshot(&volume_id(n), &format!("s-{n}")))
            .collect(),
        ..small_seed()
    })
    .expect("possible");
    assert_eq!(fake.volume_snapshots().len(), 25);
}

#[test]
fn the_volume_object_has_the_specs_shape() {
    let fake = start(volume_seed());
    let reply = get(&fake, &format!("/v2/volumes/{VOLUME_1}"));
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let keys: Vec<&String> = body.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["volume"]);
    assert_eq!(
        body["volume"],
        json!({
            "id": VOLUME_1,
            "region": region_json("nyc3"),
            "droplet_ids": [1],
            "name": "data-1",
            "description": "",
            "size_gigabytes": 10,
            "created_at": "2025-01-01T00:00:00Z",
            "filesystem_type": "ext4",
            "filesystem_label": "data-1",
            "tags": ["db"],
        })
    );
    let listed = get(&fake, "/v2/volumes").json();
    assert_eq!(listed["volumes"][1], body["volume"], "the same object");
    assert_eq!(listed["volumes"][0]["droplet_ids"], json!([]));
    assert_eq!(listed["volumes"][0]["region"]["slug"], "lon1");
    assert_eq!(listed["links"], json!({}));
    assert_eq!(listed["meta"], json!({ "total": 2 }));
}

#[test]
fn long_names_give_a_16_byte_filesystem_label() {
    let fake = start(Seed {
        volumes: vec![SeedVolume {
            id: VOLUME_1.to_string(),
            name: "a-rather-long-volume-name".to_string(),
            ..Default::default()
        }],
        ..Seed::default()
    });
    let body = get(&fake, &format!("/v2/volumes/{VOLUME_1}")).json();
    assert_eq!(body["volume"]["filesystem_label"], "a-rather-long-vo");
}

#[test]
fn unknown_volumes_are_404() {
    let fake = start(volume_seed());
    for path in [
        "/v2/volumes/506f78a4-e098-11e5-ad9f-000000000000".to_string(),
        "/v2/volumes/1".to_string(),
        "/v2/volumes/snapshots".to_string(),
        format!("/v2/volumes/{}", VOLUME_1.to_uppercase()),
        "/v2/volumes/506f78a4-e098-11e5-ad9f-000000000000/snapshots".to_string(),
    ] {
        let reply = get(&fake, &path);
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.json()["id"], "not_found", "{path}");
    }
    let wrong_method = send(
        &fake,
        "POST",
        "/v2/volumes/snapshots/x",
        Some(&super::client::bearer()),
        Some("{}"),
    );
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.json()["id"], "method_not_allowed");
}

#[test]
fn name_and_region_filters() {
    let fake = start(volume_seed());
    let by_name = get(&fake, "/v2/volumes?name=data-2").json();
    assert_eq!(ids(&by_name, "volumes"), [VOLUME_2]);
    assert_eq!(by_name["meta"]["total"], 1);
    let by_region = get(&fake, "/v2/volumes?region=nyc3").json();
    assert_eq!(ids(&by_region, "volumes"), [VOLUME_1]);
    let both = get(&fake, "/v2/volumes?name=data-1&region=nyc3").json();
    assert_eq!(ids(&both, "volumes"), [VOLUME_1]);
    let neither = get(&fake, "/v2/volumes?name=data-1&region=lon1").json();
    assert_eq!(neither["volumes"], json!([]));
    assert_eq!(neither["meta"]["total"], 0);
    let empty = get(&fake, "/v2/volumes?name=&region=").json();
    assert_eq!(empty["meta"]["total"], 2, "empty filters filter nothing");
    let exact = get(&fake, "/v2/volumes?name=DATA-1").json();
    assert_eq!(exact["meta"]["total"], 0, "names match exactly");
}

#[test]
fn volumes_page_like_every_list() {
    let volumes = (1..=45)
        .map(|n| SeedVolume {
            id: volume_id(n),
            name: format!("v-{n}"),
            ..Default::default()
        })
        .collect();
    let fake = start(Seed {
        volumes,
        ..Seed::default()
    });
    let first = get(&fake, "/v2/volumes?region=nyc3&per_page=20").json();
    assert_eq!(first["meta"]["total"], 45);
    assert_eq!(
        ids(&first, "volumes"),
        (1..=20).map(volume_id).collect::<Vec<_>>()
    );
    assert_eq!(
        first["links"],
        json!({ "pages": {
            "next": "https://api.digitalocean.com/v2/volumes?region=nyc3&page=2&per_page=20",
            "last": "https://api.digitalocean.com/v2/volumes?region=nyc3&page=3&per_page=20",
        }})
    );
    let last = get(&fake, "/v2/volumes?region=nyc3&page=3&per_page=20").json();
    assert_eq!(
        ids(&last, "volumes"),
        (41..=45).map(volume_id).collect::<Vec<_>>()
    );
    assert_eq!(
        last["links"],
        json!({ "pages": {
            "first": "https://api.digitalocean.com/v2/volumes?region=nyc3&page=1&per_page=20",
            "prev": "https://api.digitalocean.com/v2/volumes?region=nyc3&page=2&per_page=20",
        }})
    );
    let past = get(&fake, "/v2/volumes?page=9");
    assert_eq!(past.status, 200);
    assert_eq!(past.json()["volumes"], json!([]));
    assert_eq!(get(&fake, "/v2/volumes?per_page=x").status, 400);
}

#[test]
fn droplets_list_their_attached_volumes_as_strings() {
    let mut seed = volume_seed();
    seed.droplets.push(droplet(3, "web-3", &[]));
    seed.volumes.push(SeedVolume {
        id: volume_id(1),
        name: "data-3".to_string(),
        droplet_ids: vec![1],
        ..Default::default()
    });
    let fake = start(seed);
    let one = get(&fake, "/v2/droplets/1").json();
    assert_eq!(
        one["droplet"]["volume_ids"],
        json!([volume_id(1), VOLUME_1]),
        "ordered by id"
    );
    let listed = get(&fake, "/v2/droplets").json();
    assert_eq!(listed["droplets"][0], one["droplet"]);
    assert_eq!(listed["droplets"][1]["volume_ids"], json!([]));
    assert_eq!(listed["droplets"][2]["volume_ids"], json!([]));
    let tagged = get(&fake, "/v2/droplets?tag_name=prod").json();
    assert_eq!(
        tagged["droplets"][0]["volume_ids"],
        one["droplet"]["volume_ids"]
    );
}

#[test]
fn a_destroyed_droplet_vanishes_and_its_volume_is_detached() {
    let fake = start(volume_seed());
    assert!(fake.destroy_droplet(1));
    assert!(!fake.destroy_droplet(1), "already gone");
    for path in [
        "/v2/droplets/1",
        "/v2/droplets/1/snapshots",
        "/v2/droplets/1/actions",
    ] {
        assert_eq!(get(&fake, path).status, 404, "{path}");
    }
    let listed = get(&fake, "/v2/droplets").json();
    assert_eq!(listed["meta"]["total"], 1);
    assert_eq!(listed["droplets"][0]["id"], 2);
    assert_eq!(fake.droplets().len(), 1);
    // Its snapshot remains, in every listing that does not go through it.
    assert_eq!(get(&fake, "/v2/snapshots/100").status, 200);
    assert_eq!(get(&fake, "/v2/images/100").status, 200);
    assert_eq!(fake.snapshots().len(), 1);
    // Its volume stays, detached.
    let volume = get(&fake, &format!("/v2/volumes/{VOLUME_1}")).json();
    assert_eq!(volume["volume"]["droplet_ids"], json!([]));
    assert!(fake.volumes()[1].droplet_ids.is_empty());
}

#[test]
fn a_droplet_destroyed_mid_snapshot_yields_no_snapshot() {
    let fake = start(small_seed());
    super::requests::start_snapshot(&fake, 1, "n");
    fake.advance(300);
    assert!(fake.destroy_droplet(1));
    fake.advance(300);
    assert_eq!(fake.actions()[0].status, "completed");
    assert_eq!(fake.snapshots().len(), 1, "only the seeded one");
}

#[test]
fn a_destroyed_volume_vanishes_but_its_snapshots_remain() {
    let fake = start(volume_seed());
    assert!(fake.destroy_volume(VOLUME_1), "attached or not");
    assert!(!fake.destroy_volume(VOLUME_1));
    assert_eq!(get(&fake, &format!("/v2/volumes/{VOLUME_1}")).status, 404);
    assert_eq!(
        get(&fake, &format!("/v2/volumes/{VOLUME_1}/snapshots")).status,
        404
    );
    let listed = get(&fake, "/v2/volumes").json();
    assert_eq!(ids(&listed, "volumes"), [VOLUME_2]);
    let droplet = get(&fake, "/v2/droplets/1").json();
    assert_eq!(droplet["droplet"]["volume_ids"], json!([]));
    // The snapshot stays, still naming its volume.
    let snapshot = get(&fake, &format!("/v2/snapshots/{VOLUME_SNAPSHOT_1}")).json();
    assert_eq!(snapshot["snapshot"]["resource_id"], VOLUME_1);
    let volumes_only = get(&fake, "/v2/snapshots?resource_type=volume").json();
    assert_eq!(volumes_only["meta"]["total"], 1);
    assert_eq!(fake.volume_snapshots().len(), 1);
    // A new snapshot of it is a 404.
    let reply = super::requests::snapshot_volume(&fake, VOLUME_1, "late");
    assert_eq!(reply.status, 404);
}

#[test]
fn destroy_over_the_control_api() {
    let fake = start(volume_seed());
    let gone = control_post(&fake, "/_fake/destroy_droplet", r#"{"droplet_id": 2}"#);
    assert_eq!(gone.status, 204);
    let again = control_post(&fake, "/_fake/destroy_droplet", r#"{"droplet_id": 2}"#);
    assert_eq!(again.status, 404);
    assert_eq!(again.json()["id"], "not_found");
    let body = json!({ "volume_id": VOLUME_2 }).to_string();
    assert_eq!(
        control_post(&fake, "/_fake/destroy_volume", &body).status,
        204
    );
    assert_eq!(
        control_post(&fake, "/_fake/destroy_volume", &body).status,
        404
    );
    assert_eq!(
        control_post(&fake, "/_fake/destroy_volume", "{}").status,
        400
    );
    assert_eq!(
        control_post(&fake, "/_fake/destroy_droplet", r#"{"droplet_id": "x"}"#).status,
        400
    );
    assert_eq!(fake.droplets().len(), 1);
    assert_eq!(fake.volumes().len(), 1);
    assert!(fake.requests().is_empty(), "control calls are not logged");
}

#[test]
fn state_shows_volumes_and_volume_snapshots() {
    let fake = start(volume_seed());
    let state = send(&fake, "GET", "/_fake/state", None, None).json();
    assert_eq!(state["volumes"][0]["id"], VOLUME_2);
    assert_eq!(state["volumes"][1]["droplet_ids"], json!([1]));
    assert_eq!(state["volumes"][1]["size_gigabytes"], 10);
    assert_eq!(state["volume_snapshots"][0]["id"], VOLUME_SNAPSHOT_1);
    assert_eq!(state["volume_snapshots"][0]["volume_id"], VOLUME_1);
    assert_eq!(state["volume_snapshots"][0]["min_disk_size"], 10);
}
