//! Order of the action lists: `GET /v2/actions` newest first, a droplet's
//! and an image's actions oldest first.

use serde_json::{Value, json};

use super::client::{get, post};
use super::fixtures::{small_seed, start};
use super::requests::{start_snapshot, start_transfer};
use crate::{FakeDo, Seed};

fn ids(body: &Value) -> Vec<u64> {
    body["actions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["id"].as_u64().expect("integer id"))
        .collect()
}

fn action_id(reply: &super::client::Reply) -> u64 {
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["action"]["id"].as_u64().expect("integer id")
}

/// Five actions, oldest first: a snapshot and a power-off of droplet 1, a
/// power-off of droplet 2, and two transfers of image 100.
fn five_actions(fake: &FakeDo) -> Vec<u64> {
    let mut started = vec![action_id(&start_snapshot(fake, 1, "a"))];
    fake.advance(10);
    started.push(action_id(&start_transfer(fake, 100, "lon1")));
    started.push(action_id(&post(
        fake,
        "/v2/droplets/2/actions",
        r#"{"type":"power_off"}"#,
    )));
    fake.advance(10);
    started.push(action_id(&start_transfer(fake, 100, "ams3")));
    fake.advance(600);
    started.push(action_id(&post(
        fake,
        "/v2/droplets/1/actions",
        r#"{"type":"power_off"}"#,
    )));
    started
}

#[test]
fn the_account_wide_list_is_newest_first() {
    let fake = start(Seed {
        snapshot_seconds: 100,
        ..small_seed()
    });
    let started = five_actions(&fake);
    let newest_first: Vec<u64> = started.iter().rev().copied().collect();

    let all = get(&fake, "/v2/actions").json();
    assert_eq!(ids(&all), newest_first);
    assert_eq!(all["meta"]["total"], 5);
    assert_eq!(all["links"], json!({ "pages": {} }));

    // Paging walks the same descending order; links and totals as before.
    let first = get(&fake, "/v2/actions?per_page=2").json();
    assert_eq!(ids(&first), newest_first[0..2]);
    assert_eq!(first["meta"]["total"], 5);
    assert_eq!(
        first["links"],
        json!({ "pages": {
            "next": "https://api.digitalocean.com/v2/actions?page=2&per_page=2",
            "last": "https://api.digitalocean.com/v2/actions?page=3&per_page=2",
        }})
    );
    let middle = get(&fake, "/v2/actions?page=2&per_page=2").json();
    assert_eq!(ids(&middle), newest_first[2..4]);
    let last = get(&fake, "/v2/actions?page=3&per_page=2").json();
    assert_eq!(ids(&last), newest_first[4..]);
    assert_eq!(
        last["links"],
        json!({ "pages": {
            "first": "https://api.digitalocean.com/v2/actions?page=1&per_page=2",
            "prev": "https://api.digitalocean.com/v2/actions?page=2&per_page=2",
        }})
    );
    let past = get(&fake, "/v2/actions?page=4&per_page=2").json();
    assert_eq!(past["actions"], json!([]));
    assert_eq!(past["meta"]["total"], 5);
}

#[test]
fn per_resource_lists_and_the_library_stay_oldest_first() {
    let fake = start(Seed {
        snapshot_seconds: 100,
        ..small_seed()
    });
    let started = five_actions(&fake);

    let droplet = get(&fake, "/v2/droplets/1/actions").json();
    assert_eq!(ids(&droplet), [started[0], started[4]]);
    let image = get(&fake, "/v2/images/100/actions").json();
    assert_eq!(ids(&image), [started[1], started[3]]);
    let library: Vec<u64> = fake.actions().iter().map(|a| a.id).collect();
    assert_eq!(library, started);
    let state = super::client::send(&fake, "GET", "/_fake/state", None, None).json();
    assert_eq!(ids(&state), started, "/_fake/state is by id too");
}
