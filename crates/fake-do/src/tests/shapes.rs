//! The fields the client relies on, in every droplet response and in the
//! single-snapshot answer.

use serde_json::{Value, json};

use super::client::{control_post, get};
use super::fixtures::{small_seed, start};

/// `tags` (strings), `snapshot_ids` (integers), `locked` and `status`.
fn assert_droplet_shape(droplet: &Value, from: &str) {
    let tags = droplet["tags"].as_array().expect(from);
    assert!(tags.iter().all(Value::is_string), "{from}: tags");
    let ids = droplet["snapshot_ids"].as_array().expect(from);
    assert!(ids.iter().all(Value::is_u64), "{from}: snapshot_ids");
    assert!(droplet["locked"].is_boolean(), "{from}: locked");
    assert!(droplet["status"].is_string(), "{from}: status");
    assert!(droplet["id"].is_u64(), "{from}: id");
}

#[test]
fn every_droplet_response_carries_tags_snapshot_ids_locked_and_status() {
    let fake = start(small_seed());
    let listed = get(&fake, "/v2/droplets").json();
    for droplet in listed["droplets"].as_array().expect("list") {
        assert_droplet_shape(droplet, "/v2/droplets");
    }
    let tagged = get(&fake, "/v2/droplets?tag_name=db").json();
    assert_droplet_shape(&tagged["droplets"][0], "?tag_name=db");
    assert_eq!(tagged["droplets"][0]["tags"], json!(["prod", "db"]));
    let one = get(&fake, "/v2/droplets/1").json();
    assert_droplet_shape(&one["droplet"], "/v2/droplets/1");
    assert_eq!(one["droplet"]["snapshot_ids"], json!([100]));
    assert_eq!(one["droplet"]["locked"], false);
    assert_eq!(one["droplet"]["status"], "active");
    assert_eq!(one["droplet"], listed["droplets"][0], "the same object");
    let locked = control_post(&fake, "/_fake/lock", r#"{"droplet_id": 2, "locked": true}"#);
    assert_droplet_shape(&locked.json()["droplet"], "/_fake/lock");
    let two = get(&fake, "/v2/droplets/2").json();
    assert_eq!(two["droplet"]["locked"], true);
    assert_eq!(two["droplet"]["snapshot_ids"], json!([]));
}

#[test]
fn one_snapshot_is_wrapped_and_shaped_as_in_the_listing() {
    let fake = start(small_seed());
    let listed = get(&fake, "/v2/snapshots").json()["snapshots"][0].clone();
    let reply = get(&fake, "/v2/snapshots/100");
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let keys: Vec<&String> = body.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["snapshot"]);
    let one = &body["snapshot"];
    assert_eq!(one, &listed);
    assert_eq!(one["id"], "100");
    assert_eq!(one["resource_id"], "1");
    assert_eq!(one["created_at"], "2025-12-01T00:00:00Z");
    assert_eq!(one["regions"], json!(["nyc3"]));
    assert!(one["size_gigabytes"].is_f64());
}
