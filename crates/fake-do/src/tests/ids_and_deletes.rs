//! String ids on `/v2/snapshots`, integer ids elsewhere, and deletion.

use serde_json::json;

use super::client::{delete, get};
use super::fixtures::{small_seed, start};

#[test]
fn snapshot_ids_are_strings_only_on_v2_snapshots() {
    let fake = start(small_seed());
    let listed = get(&fake, "/v2/snapshots?resource_type=droplet").json();
    let item = &listed["snapshots"][0];
    assert_eq!(item["id"], "100");
    assert_eq!(item["resource_id"], "1");
    assert_eq!(item["resource_type"], "droplet");
    assert_eq!(item["tags"], json!([]));
    assert_eq!(item["min_disk_size"], 25);
    assert!(item["size_gigabytes"].is_f64());
    assert_eq!(item["created_at"], "2025-12-01T00:00:00Z");

    let one = get(&fake, "/v2/snapshots/100").json();
    assert_eq!(one["snapshot"]["id"], "100");

    let of_droplet = get(&fake, "/v2/droplets/1/snapshots").json();
    let item = &of_droplet["snapshots"][0];
    assert_eq!(item["id"], 100);
    assert_eq!(item["type"], "snapshot");
    assert_eq!(item["regions"], json!(["nyc3"]));
    assert!(item.get("resource_id").is_none());
    assert!(item.get("resource_type").is_none());

    let image = get(&fake, "/v2/images/100").json();
    assert_eq!(image["image"]["id"], 100);
    assert_eq!(image["image"]["type"], "snapshot");
    assert_eq!(image["image"]["slug"], json!(null));
    assert_eq!(image["image"]["public"], false);

    let droplet = get(&fake, "/v2/droplets/1").json();
    assert_eq!(droplet["droplet"]["id"], 1);
    assert_eq!(droplet["droplet"]["snapshot_ids"], json!([100]));
    assert_eq!(droplet["droplet"]["region"]["slug"], "nyc3");
    assert_eq!(droplet["droplet"]["status"], "active");
    assert_eq!(
        droplet["droplet"]["networks"],
        json!({ "v4": [], "v6": [] })
    );
}

#[test]
fn resource_type_filter() {
    let fake = start(small_seed());
    assert_eq!(get(&fake, "/v2/snapshots").json()["meta"]["total"], 1);
    let volume = get(&fake, "/v2/snapshots?resource_type=volume").json();
    assert_eq!(volume["snapshots"], json!([]));
    let bad = get(&fake, "/v2/snapshots?resource_type=database");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["id"], "bad_request");
}

#[test]
fn unknown_ids_are_404() {
    let fake = start(small_seed());
    for path in [
        "/v2/droplets/3",
        "/v2/droplets/x",
        "/v2/droplets/3/snapshots",
        "/v2/snapshots/101",
        "/v2/snapshots/abc",
        "/v2/images/101",
        "/v2/actions/1",
        "/v2/droplets/1/actions/1",
    ] {
        let reply = get(&fake, path);
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.json()["id"], "not_found", "{path}");
    }
}

#[test]
fn delete_is_204_then_404_through_either_endpoint() {
    let fake = start(small_seed());
    let gone = delete(&fake, "/v2/snapshots/100");
    assert_eq!(gone.status, 204);
    assert_eq!(gone.body, "");
    assert_eq!(delete(&fake, "/v2/snapshots/100").status, 404);
    assert_eq!(get(&fake, "/v2/snapshots/100").status, 404);
    assert_eq!(get(&fake, "/v2/images/100").status, 404);
    assert_eq!(delete(&fake, "/v2/images/100").status, 404);
    assert_eq!(delete(&fake, "/v2/snapshots/not-a-number").status, 404);
    assert_eq!(fake.droplets()[0].snapshot_ids, Vec::<u64>::new());
    assert_eq!(
        get(&fake, "/v2/droplets/1/snapshots").json()["meta"]["total"],
        0
    );
}

#[test]
fn delete_through_images_too() {
    let fake = start(small_seed());
    assert_eq!(delete(&fake, "/v2/images/100").status, 204);
    assert_eq!(delete(&fake, "/v2/snapshots/100").status, 404);
    assert!(fake.snapshots().is_empty());
}

#[test]
fn a_droplets_snapshots_are_full_image_objects() {
    let fake = start(small_seed());
    let of_droplet = get(&fake, "/v2/droplets/1/snapshots").json();
    assert_eq!(
        of_droplet["snapshots"][0],
        json!({
            "id": 100,
            "name": "web-1-old",
            "type": "snapshot",
            "distribution": "Ubuntu",
            "slug": null,
            "public": false,
            "regions": ["nyc3"],
            "created_at": "2025-12-01T00:00:00Z",
            "min_disk_size": 25,
            "size_gigabytes": 2.34,
            "description": "",
            "tags": [],
            "status": "available",
            "error_message": "",
        })
    );
    let image = get(&fake, "/v2/images/100").json();
    assert_eq!(of_droplet["snapshots"][0], image["image"]);
}
