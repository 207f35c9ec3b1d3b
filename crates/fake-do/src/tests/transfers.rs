//! Image transfers: a copy to another region that completes over time.

use serde_json::json;

use super::client::{get, post};
use super::fixtures::{small_seed, start};
use super::requests::start_transfer;

#[test]
fn transfer_adds_the_region_on_completion() {
    let fake = start(small_seed());
    let reply = start_transfer(&fake, 100, "lon1");
    assert_eq!(reply.status, 201);
    let action = reply.json()["action"].clone();
    assert_eq!(action["type"], "transfer");
    assert_eq!(action["status"], "in-progress");
    assert_eq!(action["resource_type"], "image");
    assert_eq!(action["resource_id"], 100);
    assert_eq!(action["region_slug"], "lon1", "the target region");
    assert_eq!(action["region"]["name"], "London 1");
    let action_id = action["id"].as_u64().expect("id");

    let duplicate = start_transfer(&fake, 100, "lon1");
    assert_eq!(duplicate.status, 422);
    assert!(
        duplicate.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("transfer already in progress"))
    );
    // Other regions can be copied to in parallel.
    let parallel = start_transfer(&fake, 100, "fra1");
    assert_eq!(parallel.status, 201);

    fake.advance(1799);
    let snapshot = get(&fake, "/v2/snapshots/100").json();
    assert_eq!(snapshot["snapshot"]["regions"], json!(["nyc3"]));
    fake.advance(1);
    let snapshot = get(&fake, "/v2/snapshots/100").json();
    assert_eq!(
        snapshot["snapshot"]["regions"],
        json!(["nyc3", "lon1", "fra1"])
    );
    let polled = get(&fake, &format!("/v2/images/100/actions/{action_id}")).json();
    assert_eq!(polled["action"]["status"], "completed");
    assert_eq!(polled["action"]["completed_at"], "2026-01-01T00:30:00Z");
    let listed = get(&fake, "/v2/images/100/actions").json();
    assert_eq!(listed["meta"]["total"], 2);
    assert_eq!(listed["links"], json!({ "pages": {} }));

    let present = start_transfer(&fake, 100, "lon1");
    assert_eq!(present.status, 422);
    assert_eq!(present.json()["message"], "Image is already in region lon1");
    // A transfer does not lock the droplet.
    assert!(!fake.droplets()[0].locked);
}

#[test]
fn bad_transfers_are_refused() {
    let fake = start(small_seed());
    let home = start_transfer(&fake, 100, "nyc3");
    assert_eq!(home.status, 422);
    assert_eq!(home.json()["id"], "unprocessable_entity");
    let unknown = start_transfer(&fake, 4242, "lon1");
    assert_eq!(unknown.status, 404);
    let no_region = post(&fake, "/v2/images/100/actions", r#"{"type":"transfer"}"#);
    assert_eq!(no_region.status, 422);
    let other = post(
        &fake,
        "/v2/images/100/actions",
        r#"{"type":"resize","region":"lon1"}"#,
    );
    assert_eq!(other.status, 422);
    let convert = post(&fake, "/v2/images/100/actions", r#"{"type":"convert"}"#);
    assert_eq!(convert.status, 422);
    let garbage = post(&fake, "/v2/images/100/actions", "nope");
    assert_eq!(garbage.status, 400);
    assert!(fake.actions().is_empty());
    assert_eq!(get(&fake, "/v2/images/4242/actions").status, 404);
}

#[test]
fn transfer_of_an_image_deleted_meanwhile_just_completes() {
    let fake = start(small_seed());
    start_transfer(&fake, 100, "lon1");
    assert_eq!(super::client::delete(&fake, "/v2/images/100").status, 204);
    fake.advance(1800);
    assert_eq!(fake.actions()[0].status, "completed");
    assert!(fake.snapshots().is_empty());
}

#[test]
fn planned_failure_errors_a_transfer_without_adding_the_region() {
    let fake = start(small_seed());
    fake.fail_actions("transfer", 1);
    start_transfer(&fake, 100, "lon1");
    fake.advance(1800);
    let action = &fake.actions()[0];
    assert_eq!(action.status, "errored");
    assert!(action.completed_at.is_some());
    assert_eq!(fake.snapshots()[0].regions, ["nyc3"]);
    let polled = get(&fake, &format!("/v2/actions/{}", action.id)).json();
    assert_eq!(polled["action"]["status"], "errored");
    // Only one failure was planned: the retry succeeds.
    start_transfer(&fake, 100, "lon1");
    fake.advance(1800);
    assert_eq!(fake.snapshots()[0].regions, ["nyc3", "lon1"]);
}

#[test]
fn the_base_image_is_not_a_snapshot() {
    let fake = start(small_seed());
    let base = get(&fake, "/v2/droplets/1").json()["droplet"]["image"]["id"].clone();
    let base = base.as_u64().expect("image id");
    let image = get(&fake, &format!("/v2/images/{base}")).json();
    assert_eq!(image["image"]["type"], "base");
    assert_eq!(image["image"]["public"], true);
    let as_snapshot = get(&fake, &format!("/v2/snapshots/{base}"));
    assert_eq!(as_snapshot.status, 400);
    assert_eq!(
        as_snapshot.json()["message"],
        "the resource is not a snapshot"
    );
    let deleted = super::client::delete(&fake, &format!("/v2/snapshots/{base}"));
    assert_eq!(deleted.status, 400);
    let deleted = super::client::delete(&fake, &format!("/v2/images/{base}"));
    assert_eq!(deleted.status, 403);
    assert_eq!(deleted.json()["id"], "forbidden");
    let transfer = start_transfer(&fake, base, "lon1");
    assert_eq!(transfer.status, 422);
    let actions = get(&fake, &format!("/v2/images/{base}/actions")).json();
    assert_eq!(actions["meta"]["total"], 0);
}

#[test]
fn transfers_go_only_to_the_specs_region_slugs() {
    let fake = start(small_seed());
    for region in ["atl1", "mars1", "LON1", " lon1", "nyc 3"] {
        let reply = start_transfer(&fake, 100, region);
        assert_eq!(reply.status, 422, "{region:?}");
        let body = reply.json();
        assert_eq!(body["id"], "unprocessable_entity");
        let message = body["message"].as_str().expect("message");
        assert!(
            message.contains(&format!("'{region}' is not a valid region slug")),
            "{message}"
        );
        assert!(
            message.contains("ams1") && message.contains("syd1"),
            "{message}"
        );
    }
    assert!(fake.actions().is_empty());
    let spec = [
        "ams1", "ams2", "ams3", "blr1", "fra1", "lon1", "nyc1", "nyc2", "sfo1", "sfo2", "sfo3",
        "sgp1", "tor1", "syd1",
    ];
    for region in spec {
        let reply = start_transfer(&fake, 100, region);
        assert_eq!(reply.status, 201, "{region}");
        assert_eq!(reply.json()["action"]["region_slug"], region);
    }
    // nyc3, the last of the spec's slugs, is where the snapshot already is.
    let home = start_transfer(&fake, 100, "nyc3");
    assert_eq!(home.json()["message"], "Image is already in region nyc3");
    fake.advance(1800);
    let mut regions = fake.snapshots()[0].regions.clone();
    regions.sort();
    let mut expected: Vec<&str> = spec.iter().copied().chain(["nyc3"]).collect();
    expected.sort_unstable();
    assert_eq!(regions, expected);
}
