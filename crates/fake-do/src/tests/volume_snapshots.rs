//! Volume snapshots: made at once, refused by name and by the docs'
//! limits, listed beside droplet snapshots, read and deleted by UUID.

use serde_json::{Value, json};

use super::client::{bearer, delete, get, post, send};
use super::fixtures::{VOLUME_1, VOLUME_2, VOLUME_SNAPSHOT_1, start, volume_seed};
use super::requests::{snapshot_volume, start_snapshot};
use crate::{Fault, FaultKind, Seed, SeedVolumeSnapshot};

/// The id the emulator gives its `n`th volume snapshot.
fn made(n: u64) -> String {
    format!("00000000-0000-4000-a000-{n:012x}")
}

fn ids(body: &Value) -> Vec<String> {
    body["snapshots"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["id"].as_str().expect("string id").to_string())
        .collect()
}

#[test]
fn a_snapshot_is_made_at_once_with_the_specs_shape() {
    let fake = start(volume_seed());
    fake.advance(90);
    let reply = post(
        &fake,
        &format!("/v2/volumes/{VOLUME_1}/snapshots"),
        r#"{"name": "big-data-snapshot1475261774", "tags": ["aninterestingtag"],
            "description": "godo sends this", "volume_id": "and this"}"#,
    );
    assert_eq!(reply.status, 201);
    let body = reply.json();
    let keys: Vec<&String> = body.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["snapshot"]);
    assert_eq!(
        body["snapshot"],
        json!({
            "id": made(1),
            "name": "big-data-snapshot1475261774",
            "created_at": "2026-01-01T00:01:30Z",
            "regions": ["nyc3"],
            "resource_id": VOLUME_1,
            "resource_type": "volume",
            "min_disk_size": 10,
            "size_gigabytes": 0.5,
            "tags": ["aninterestingtag"],
        })
    );
    assert!(fake.actions().is_empty(), "no action");
    let same = get(&fake, &format!("/v2/snapshots/{}", made(1))).json();
    assert_eq!(same, body, "GET /v2/snapshots/{{id}} shows the same object");
    let same = get(&fake, &format!("/v2/volumes/snapshots/{}", made(1))).json();
    assert_eq!(same, body);
    let made_now = &fake.volume_snapshots()[1];
    assert_eq!(made_now.volume_id, VOLUME_1);
    assert_eq!(made_now.created_at, fake.now());

    let untagged = snapshot_volume(&fake, VOLUME_2, "plain").json();
    assert_eq!(untagged["snapshot"]["tags"], json!([]));
    assert_eq!(untagged["snapshot"]["regions"], json!(["lon1"]));
    assert_eq!(untagged["snapshot"]["min_disk_size"], 100);
    assert_eq!(untagged["snapshot"]["id"], made(2), "sequential ids");
    let null_tags = post(
        &fake,
        &format!("/v2/volumes/{VOLUME_2}/snapshots"),
        r#"{"name": "null-tags", "tags": null}"#,
    );
    assert_eq!(null_tags.json()["snapshot"]["tags"], json!([]));
}

#[test]
fn volume_snapshots_touch_no_droplet_or_image() {
    let fake = start(volume_seed());
    snapshot_volume(&fake, VOLUME_1, "n");
    let droplet = get(&fake, "/v2/droplets/1").json();
    assert_eq!(droplet["droplet"]["snapshot_ids"], json!([100]));
    let of_droplet = get(&fake, "/v2/droplets/1/snapshots").json();
    assert_eq!(of_droplet["meta"]["total"], 1);
    assert_eq!(fake.snapshots().len(), 1, "droplet snapshots only");
    for path in [
        format!("/v2/images/{}", made(1)),
        format!("/v2/images/{VOLUME_SNAPSHOT_1}"),
    ] {
        assert_eq!(get(&fake, &path).status, 404, "{path}");
        assert_eq!(delete(&fake, &path).status, 404, "{path}");
    }
    let transfer = post(
        &fake,
        &format!("/v2/images/{}/actions", made(1)),
        r#"{"type": "transfer", "region": "lon1"}"#,
    );
    assert_eq!(
        transfer.status, 404,
        "volume snapshots cannot be transferred"
    );
    assert_eq!(fake.volume_snapshots().len(), 2);
}

#[test]
fn a_name_is_required() {
    let fake = start(volume_seed());
    let path = format!("/v2/volumes/{VOLUME_1}/snapshots");
    for body in [
        r#"{}"#,
        r#"{"name": ""}"#,
        r#"{"name": null, "tags": ["a"]}"#,
    ] {
        let reply = post(&fake, &path, body);
        assert_eq!(reply.status, 400, "{body}");
        let error = reply.json();
        assert_eq!(error["id"], "bad_request", "{body}");
        assert_eq!(error["message"], "name is required", "{body}");
        assert_eq!(
            error["request_id"],
            reply.header("x-request-id").expect("request id"),
        );
    }
    for body in ["", "{", r#"{"name": 5}"#, r#"{"name": "n", "tags": "a"}"#] {
        let reply = post(&fake, &path, body);
        assert_eq!(reply.status, 400, "{body}");
        assert_eq!(reply.json()["message"], "error parsing request body");
    }
    let unknown = post(
        &fake,
        "/v2/volumes/506f78a4-e098-11e5-ad9f-000000000000/snapshots",
        "{",
    );
    assert_eq!(unknown.status, 404, "the volume is looked up first");
    assert_eq!(fake.volume_snapshots().len(), 1);
}

#[test]
fn a_duplicate_name_on_the_same_volume_is_a_409() {
    let fake = start(volume_seed());
    let reply = snapshot_volume(&fake, VOLUME_1, "data-1-old");
    assert_eq!(reply.status, 409);
    assert_eq!(
        reply.json(),
        json!({
            "id": "conflict",
            "message": format!(
                "a snapshot named \"data-1-old\" already exists for volume {VOLUME_1}"
            ),
            "request_id": reply.header("x-request-id").expect("request id"),
        })
    );
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "new").status, 201);
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "new").status, 409);
    assert_eq!(
        snapshot_volume(&fake, VOLUME_2, "data-1-old").status,
        201,
        "another volume may use the name"
    );
    // Once the snapshot is deleted, its name is free again.
    assert_eq!(
        delete(&fake, &format!("/v2/snapshots/{VOLUME_SNAPSHOT_1}")).status,
        204
    );
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "data-1-old").status, 201);
}

#[test]
fn a_volume_holds_at_most_25_snapshots() {
    let fake = start(volume_seed());
    for n in 2..=25 {
        let reply = snapshot_volume(&fake, VOLUME_1, &format!("s-{n}"));
        assert_eq!(reply.status, 201, "snapshot {n}");
    }
    let reply = snapshot_volume(&fake, VOLUME_1, "s-26");
    assert_eq!(reply.status, 422);
    let error = reply.json();
    assert_eq!(error["id"], "unprocessable_entity");
    assert_eq!(
        error["message"],
        format!(
            "volume {VOLUME_1} already has 25 snapshots, the most a volume can have; \
             delete one before taking another"
        )
    );
    assert_eq!(fake.volume_snapshots().len(), 25);
    assert_eq!(snapshot_volume(&fake, VOLUME_2, "other").status, 201);
    delete(&fake, &format!("/v2/volumes/snapshots/{}", made(3)));
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "s-26").status, 201);
}

#[test]
fn one_snapshot_per_volume_every_ten_minutes() {
    let fake = start(Seed {
        volume_snapshot_interval_seconds: 600,
        ..volume_seed()
    });
    assert_eq!(
        snapshot_volume(&fake, VOLUME_1, "first").status,
        201,
        "the seeded snapshot is a month old"
    );
    fake.advance(599);
    let reply = snapshot_volume(&fake, VOLUME_1, "second");
    assert_eq!(reply.status, 422);
    let error = reply.json();
    assert_eq!(error["id"], "unprocessable_entity");
    assert_eq!(
        error["message"],
        format!(
            "a volume can be snapshotted at most once every 600 seconds; the last snapshot of \
             volume {VOLUME_1} was taken at 2026-01-01T00:00:00Z, try again at \
             2026-01-01T00:10:00Z"
        )
    );
    assert_eq!(
        snapshot_volume(&fake, VOLUME_2, "other").status,
        201,
        "the limit is per volume"
    );
    fake.advance(1);
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "second").status, 201);
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "third").status, 422);
    fake.set_volume_snapshot_interval(0);
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "third").status, 201, "off");
    fake.set_volume_snapshot_interval(-3);
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "fourth").status, 201);
    fake.set_volume_snapshot_interval(60);
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "fifth").status, 422);
}

#[test]
fn the_interval_counts_from_the_newest_remaining_snapshot() {
    let fake = start(Seed {
        volume_snapshot_interval_seconds: 600,
        volume_snapshots: vec![SeedVolumeSnapshot {
            id: VOLUME_SNAPSHOT_1.to_string(),
            name: "seeded-just-now".to_string(),
            created_at: "2025-12-31T23:55:00Z".parse().expect("timestamp"),
            volume_id: VOLUME_1.to_string(),
            ..Default::default()
        }],
        ..volume_seed()
    });
    assert_eq!(
        snapshot_volume(&fake, VOLUME_1, "n").status,
        422,
        "seeded count"
    );
    fake.advance(300);
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "n").status, 201);
    fake.advance(60);
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "m").status, 422);
    delete(&fake, &format!("/v2/snapshots/{}", made(1)));
    assert_eq!(
        snapshot_volume(&fake, VOLUME_1, "m").status,
        201,
        "deleting the newest lifts the limit"
    );
}

#[test]
fn the_default_interval_is_ten_minutes() {
    let fake = start(Seed {
        volume_snapshot_interval_seconds: Seed::default().volume_snapshot_interval_seconds,
        ..volume_seed()
    });
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "a").status, 201);
    fake.advance(599);
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "b").status, 422);
}

#[test]
fn a_volumes_snapshots_are_listed_oldest_first_and_paged() {
    let fake = start(volume_seed());
    for n in 1..=4 {
        fake.advance(60);
        snapshot_volume(&fake, VOLUME_1, &format!("s-{n}"));
    }
    snapshot_volume(&fake, VOLUME_2, "elsewhere");
    let path = format!("/v2/volumes/{VOLUME_1}/snapshots");
    let all = get(&fake, &path).json();
    assert_eq!(
        ids(&all),
        [
            VOLUME_SNAPSHOT_1.to_string(),
            made(1),
            made(2),
            made(3),
            made(4)
        ]
    );
    assert_eq!(all["links"], json!({}));
    assert_eq!(all["meta"]["total"], 5);
    assert_eq!(all["snapshots"][0]["resource_id"], VOLUME_1);
    assert_eq!(all["snapshots"][0]["created_at"], "2025-12-15T00:00:00Z");
    let second = get(&fake, &format!("{path}?page=2&per_page=2")).json();
    assert_eq!(ids(&second), [made(2), made(3)]);
    assert_eq!(
        second["links"],
        json!({ "pages": {
            "first": format!("https://api.digitalocean.com{path}?page=1&per_page=2"),
            "prev": format!("https://api.digitalocean.com{path}?page=1&per_page=2"),
            "next": format!("https://api.digitalocean.com{path}?page=3&per_page=2"),
            "last": format!("https://api.digitalocean.com{path}?page=3&per_page=2"),
        }})
    );
    let volumes = fake.volume_snapshots();
    let library: Vec<&str> = volumes.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        library,
        [
            VOLUME_SNAPSHOT_1,
            &made(1),
            &made(2),
            &made(3),
            &made(4),
            &made(5)
        ],
        "oldest first, like the listings"
    );
}

#[test]
fn v2_snapshots_lists_both_kinds_and_filters_by_resource_type() {
    let fake = start(volume_seed());
    fake.advance(60);
    snapshot_volume(&fake, VOLUME_2, "new");
    let all = get(&fake, "/v2/snapshots").json();
    assert_eq!(
        ids(&all),
        ["100".to_string(), VOLUME_SNAPSHOT_1.to_string(), made(1)],
        "droplet snapshots by id, then volume snapshots oldest first"
    );
    assert_eq!(all["meta"]["total"], 3);
    assert_eq!(all["snapshots"][0]["resource_type"], "droplet");
    assert_eq!(
        all["snapshots"][1],
        json!({
            "id": VOLUME_SNAPSHOT_1,
            "name": "data-1-old",
            "created_at": "2025-12-15T00:00:00Z",
            "regions": ["nyc3"],
            "resource_id": VOLUME_1,
            "resource_type": "volume",
            "min_disk_size": 10,
            "size_gigabytes": 0.5,
            "tags": [],
        })
    );
    let volumes = get(&fake, "/v2/snapshots?resource_type=volume").json();
    assert_eq!(ids(&volumes), [VOLUME_SNAPSHOT_1.to_string(), made(1)]);
    assert_eq!(volumes["meta"]["total"], 2);
    assert_eq!(volumes["links"], json!({}));
    let droplets = get(&fake, "/v2/snapshots?resource_type=droplet").json();
    assert_eq!(ids(&droplets), ["100"]);
    let paged = get(&fake, "/v2/snapshots?resource_type=volume&per_page=1").json();
    assert_eq!(ids(&paged), [VOLUME_SNAPSHOT_1]);
    assert_eq!(
        paged["links"]["pages"]["next"],
        "https://api.digitalocean.com/v2/snapshots?resource_type=volume&page=2&per_page=1"
    );
    let mixed = get(&fake, "/v2/snapshots?page=2&per_page=2").json();
    assert_eq!(ids(&mixed), [made(1)], "one list, paged across both kinds");
}

/// What the read endpoints show of volume 1's snapshot `id`: in
/// `/v2/snapshots`, in the volume's list, and the two GETs' statuses.
fn seen(fake: &crate::FakeDo, id: &str) -> (bool, bool, u16, u16) {
    let listed = ids(&get(fake, "/v2/snapshots?resource_type=volume").json());
    let of_volume = ids(&get(fake, &format!("/v2/volumes/{VOLUME_1}/snapshots")).json());
    (
        listed.iter().any(|s| s == id),
        of_volume.iter().any(|s| s == id),
        get(fake, &format!("/v2/snapshots/{id}")).status,
        get(fake, &format!("/v2/volumes/snapshots/{id}")).status,
    )
}

const HIDDEN: (bool, bool, u16, u16) = (false, false, 404, 404);
const SHOWN: (bool, bool, u16, u16) = (true, true, 200, 200);

#[test]
fn volume_snapshots_lag_like_droplet_snapshots() {
    let fake = start(Seed {
        listing_lag_seconds: 300,
        ..volume_seed()
    });
    start_snapshot(&fake, 1, "lagging");
    fake.advance(600);
    let made_now = snapshot_volume(&fake, VOLUME_1, "at-once");
    assert_eq!(made_now.status, 201, "the POST answers with it at once");
    assert_eq!(seen(&fake, &made(1)), HIDDEN);
    assert_eq!(
        seen(&fake, VOLUME_SNAPSHOT_1),
        SHOWN,
        "seeded ones never lag"
    );
    let all = get(&fake, "/v2/snapshots").json();
    assert_eq!(
        ids(&all),
        ["100".to_string(), VOLUME_SNAPSHOT_1.to_string()],
        "neither new snapshot is listed yet"
    );
    assert_eq!(all["meta"]["total"], 2);
    assert_eq!(fake.volume_snapshots().len(), 2, "the library sees it");
    assert_eq!(
        snapshot_volume(&fake, VOLUME_1, "at-once").status,
        409,
        "the API's own checks see it too"
    );

    fake.advance(299);
    assert_eq!(seen(&fake, &made(1)), HIDDEN);
    fake.advance(1);
    assert_eq!(seen(&fake, &made(1)), SHOWN, "at created_at + lag");
    fake.set_listing_lag(3600);
    assert_eq!(seen(&fake, &made(1)), HIDDEN, "the lag in force decides");
    assert_eq!(
        delete(&fake, &format!("/v2/volumes/snapshots/{}", made(1))).status,
        204,
        "a lagging snapshot can still be deleted by id"
    );
    assert_eq!(fake.volume_snapshots().len(), 1);
    fake.set_listing_lag(0);
    assert_eq!(seen(&fake, &made(1)), HIDDEN, "gone for good");
}

#[test]
fn get_and_delete_by_uuid_through_either_path() {
    let fake = start(volume_seed());
    snapshot_volume(&fake, VOLUME_1, "n");
    let one = get(&fake, &format!("/v2/snapshots/{VOLUME_SNAPSHOT_1}"));
    assert_eq!(one.status, 200);
    assert_eq!(
        one.json(),
        get(&fake, &format!("/v2/volumes/snapshots/{VOLUME_SNAPSHOT_1}")).json()
    );

    let gone = delete(&fake, &format!("/v2/snapshots/{VOLUME_SNAPSHOT_1}"));
    assert_eq!(gone.status, 204);
    assert_eq!(gone.body, "");
    for path in [
        format!("/v2/snapshots/{VOLUME_SNAPSHOT_1}"),
        format!("/v2/volumes/snapshots/{VOLUME_SNAPSHOT_1}"),
    ] {
        assert_eq!(get(&fake, &path).status, 404, "{path}");
        let again = delete(&fake, &path);
        assert_eq!(again.status, 404, "{path}");
        assert_eq!(again.json()["id"], "not_found");
    }

    let other = format!("/v2/volumes/snapshots/{}", made(1));
    let gone = delete(&fake, &other);
    assert_eq!(gone.status, 204);
    assert_eq!(gone.body, "");
    assert_eq!(
        delete(&fake, &format!("/v2/snapshots/{}", made(1))).status,
        404
    );
    assert!(fake.volume_snapshots().is_empty());
    assert_eq!(
        get(&fake, &format!("/v2/volumes/{VOLUME_1}/snapshots")).json()["meta"]["total"],
        0
    );

    // Droplet snapshot ids are not volume snapshots, and nothing else is.
    assert_eq!(get(&fake, "/v2/volumes/snapshots/100").status, 404);
    assert_eq!(delete(&fake, "/v2/volumes/snapshots/100").status, 404);
    assert_eq!(fake.snapshots().len(), 1);
    assert_eq!(delete(&fake, "/v2/snapshots/not-a-uuid").status, 404);
    assert_eq!(
        get(
            &fake,
            &format!("/v2/snapshots/{}", VOLUME_SNAPSHOT_1.to_uppercase())
        )
        .status,
        404
    );
}

#[test]
fn new_ids_skip_seeded_ones() {
    let fake = start(Seed {
        volume_snapshots: vec![SeedVolumeSnapshot {
            id: made(1),
            name: "taken".to_string(),
            volume_id: VOLUME_2.to_string(),
            ..Default::default()
        }],
        ..volume_seed()
    });
    let reply = snapshot_volume(&fake, VOLUME_1, "n");
    assert_eq!(reply.json()["snapshot"]["id"], made(2));
}

#[test]
fn auth_rate_limit_log_and_faults_apply() {
    let fake = start(Seed {
        rate_limit_per_hour: 3,
        ..volume_seed()
    });
    let path = format!("/v2/volumes/{VOLUME_1}/snapshots");
    let anonymous = send(&fake, "POST", &path, None, Some(r#"{"name": "n"}"#));
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json()["id"], "unauthorized");
    assert_eq!(send(&fake, "GET", "/v2/volumes", None, None).status, 401);

    fake.add_fault(Fault {
        method: Some("POST".to_string()),
        path: Some("/snapshots".to_string()),
        times: 1,
        ..Fault::new(FaultKind::AfterApply { status: 500 })
    });
    let lost = snapshot_volume(&fake, VOLUME_1, "n");
    assert_eq!(lost.status, 500);
    assert_eq!(lost.json()["id"], "server_error");
    assert_eq!(fake.volume_snapshots().len(), 2, "applied, reply lost");
    let retried = snapshot_volume(&fake, VOLUME_1, "n");
    assert_eq!(retried.status, 409, "the retry finds its own snapshot");
    let listed = get(&fake, "/v2/volumes");
    assert_eq!(listed.status, 200);
    assert_eq!(listed.header("ratelimit-remaining"), Some("0"));
    assert!(listed.header("date").is_some());
    let limited = send(
        &fake,
        "DELETE",
        &format!("/v2/volumes/snapshots/{VOLUME_SNAPSHOT_1}"),
        Some(&bearer()),
        None,
    );
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json()["id"], "too_many_requests");
    assert_eq!(fake.volume_snapshots().len(), 2, "not deleted");

    let log: Vec<(String, String, u16)> = fake
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path, r.status))
        .collect();
    assert_eq!(
        log,
        [
            ("POST".to_string(), path.clone(), 401),
            ("GET".to_string(), "/v2/volumes".to_string(), 401),
            ("POST".to_string(), path.clone(), 500),
            ("POST".to_string(), path, 409),
            ("GET".to_string(), "/v2/volumes".to_string(), 200),
            (
                "DELETE".to_string(),
                format!("/v2/volumes/snapshots/{VOLUME_SNAPSHOT_1}"),
                429
            ),
        ]
    );
}

#[test]
fn faults_match_volume_paths_and_queries() {
    let fake = start(volume_seed());
    fake.add_fault(Fault {
        path: Some("/v2/volumes".to_string()),
        query: Some("page=2".to_string()),
        ..Fault::new(FaultKind::Status {
            status: 503,
            retry_after: None,
            body: None,
        })
    });
    assert_eq!(get(&fake, "/v2/volumes?page=1").status, 200);
    assert_eq!(get(&fake, "/v2/volumes?page=2").status, 503);
    assert_eq!(
        get(&fake, &format!("/v2/volumes/{VOLUME_1}/snapshots?page=2")).status,
        503
    );
    fake.clear_faults();
    fake.add_fault(Fault {
        method: Some("POST".to_string()),
        path: Some("/v2/volumes/".to_string()),
        times: 1,
        ..Fault::new(FaultKind::Status {
            status: 429,
            retry_after: Some(3),
            body: None,
        })
    });
    let refused = snapshot_volume(&fake, VOLUME_1, "n");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("retry-after"), Some("3"));
    assert_eq!(fake.volume_snapshots().len(), 1, "not applied");
    assert_eq!(snapshot_volume(&fake, VOLUME_1, "n").status, 201);
}
