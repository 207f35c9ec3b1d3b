//! Listing lag: a snapshot whose action is `completed` stays out of the
//! read endpoints until `completed_at + listing_lag_seconds`.

use serde_json::{Value, json};

use super::client::{delete, get};
use super::fixtures::{small_seed, start};
use super::requests::start_snapshot;
use crate::{FakeDo, Seed};

/// What each read endpoint shows of droplet 1's snapshot `id`.
#[derive(Debug, PartialEq)]
struct Seen {
    listed: bool,
    of_droplet: bool,
    in_snapshot_ids: bool,
    snapshot_status: u16,
    image_status: u16,
}

fn contains(list: &Value, id: Value) -> bool {
    list.as_array()
        .expect("list")
        .iter()
        .any(|item| item["id"] == id)
}

fn seen(fake: &FakeDo, id: u64) -> Seen {
    Seen {
        listed: contains(
            &get(fake, "/v2/snapshots").json()["snapshots"],
            json!(id.to_string()),
        ),
        of_droplet: contains(
            &get(fake, "/v2/droplets/1/snapshots").json()["snapshots"],
            json!(id),
        ),
        in_snapshot_ids: get(fake, "/v2/droplets").json()["droplets"][0]["snapshot_ids"]
            .as_array()
            .expect("ids")
            .contains(&json!(id)),
        snapshot_status: get(fake, &format!("/v2/snapshots/{id}")).status,
        image_status: get(fake, &format!("/v2/images/{id}")).status,
    }
}

const HIDDEN: Seen = Seen {
    listed: false,
    of_droplet: false,
    in_snapshot_ids: false,
    snapshot_status: 404,
    image_status: 404,
};

const SHOWN: Seen = Seen {
    listed: true,
    of_droplet: true,
    in_snapshot_ids: true,
    snapshot_status: 200,
    image_status: 200,
};

#[test]
fn a_new_snapshot_lags_behind_its_completed_action() {
    let fake = start(Seed {
        listing_lag_seconds: 300,
        ..small_seed()
    });
    let action = start_snapshot(&fake, 1, "lagging").json()["action"]["id"].clone();
    fake.advance(600);
    let polled = get(&fake, &format!("/v2/actions/{action}")).json();
    assert_eq!(polled["action"]["status"], "completed");
    assert_eq!(polled["action"]["completed_at"], "2026-01-01T00:10:00Z");

    let made = fake.snapshots();
    assert_eq!(made.len(), 2, "the library sees lagging snapshots");
    let id = made[1].id;
    assert_eq!(fake.droplets()[0].snapshot_ids, [100, id]);
    assert_eq!(seen(&fake, id), HIDDEN);
    assert_eq!(seen(&fake, 100), SHOWN, "seeded snapshots never lag");
    let listed = get(&fake, "/v2/snapshots").json();
    assert_eq!(listed["meta"]["total"], 1, "counted as missing too");
    let of_droplet = get(&fake, "/v2/droplets/1/snapshots").json();
    assert_eq!(of_droplet["meta"]["total"], 1);
    let one = get(&fake, "/v2/droplets/1").json();
    assert_eq!(one["droplet"]["snapshot_ids"], json!([100]));
    assert_eq!(
        get(&fake, &format!("/v2/snapshots/{id}")).json()["id"],
        "not_found"
    );

    fake.advance(299);
    assert_eq!(seen(&fake, id), HIDDEN);
    fake.advance(1);
    assert_eq!(seen(&fake, id), SHOWN, "at completed_at + lag");
    let one = get(&fake, "/v2/droplets/1").json();
    assert_eq!(one["droplet"]["snapshot_ids"], json!([100, id]));
}

#[test]
fn the_lag_in_force_decides_and_negative_counts_as_zero() {
    let fake = start(small_seed());
    fake.set_listing_lag(3600);
    start_snapshot(&fake, 1, "n");
    fake.advance(600);
    let id = fake.snapshots()[1].id;
    assert_eq!(seen(&fake, id), HIDDEN);
    fake.set_listing_lag(-5);
    assert_eq!(seen(&fake, id), SHOWN, "a shorter lag frees it at once");
    fake.set_listing_lag(60);
    assert_eq!(seen(&fake, id), HIDDEN, "and a longer one hides it again");
    fake.advance(60);
    assert_eq!(seen(&fake, id), SHOWN);
}

#[test]
fn without_lag_a_snapshot_shows_when_its_action_completes() {
    let fake = start(small_seed());
    start_snapshot(&fake, 1, "n");
    fake.advance(599);
    assert_eq!(fake.snapshots().len(), 1);
    fake.advance(1);
    let id = fake.snapshots()[1].id;
    assert_eq!(seen(&fake, id), SHOWN);
}

#[test]
fn a_lagging_snapshot_can_still_be_deleted_by_id() {
    let fake = start(Seed {
        listing_lag_seconds: 300,
        ..small_seed()
    });
    start_snapshot(&fake, 1, "n");
    fake.advance(600);
    let id = fake.snapshots()[1].id;
    assert_eq!(delete(&fake, &format!("/v2/snapshots/{id}")).status, 204);
    assert_eq!(fake.snapshots().len(), 1);
    fake.advance(300);
    assert_eq!(get(&fake, &format!("/v2/snapshots/{id}")).status, 404);
    assert_eq!(fake.droplets()[0].snapshot_ids, [100]);
}

#[test]
fn seed_json_names_the_lag_and_the_tag_filter() {
    let seed =
        Seed::from_json(r#"{"listing_lag_seconds": 90, "ignore_tag_filter": true}"#).expect("seed");
    assert_eq!(seed.listing_lag_seconds, 90);
    assert!(seed.ignore_tag_filter);
    let default = Seed::default();
    assert_eq!(default.listing_lag_seconds, 0);
    assert!(!default.ignore_tag_filter);
}
