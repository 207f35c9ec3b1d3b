//! `page`/`per_page`, absolute links on the real host, `meta.total`.

use serde_json::{Value, json};

use super::client::get;
use super::fixtures::{droplet, small_seed, start};
use crate::{Seed, SeedSnapshot};

/// 250 droplets tagged `env:prod` (ids 1..=250) plus 5 untagged ones.
fn many_droplets() -> Seed {
    let mut droplets: Vec<_> = (1..=250)
        .map(|id| droplet(id, &format!("web-{id}"), &["env:prod"]))
        .collect();
    droplets.extend((251..=255).map(|id| droplet(id, &format!("other-{id}"), &[])));
    Seed {
        droplets,
        ..Seed::default()
    }
}

fn ids(body: &Value, key: &str) -> Vec<u64> {
    body[key]
        .as_array()
        .expect("list")
        .iter()
        .map(|d| d["id"].as_u64().expect("integer id"))
        .collect()
}

#[test]
fn pages_through_250_tagged_droplets() {
    let fake = start(many_droplets());
    let first = get(&fake, "/v2/droplets?tag_name=env%3Aprod&per_page=200").json();
    assert_eq!(first["meta"]["total"], 250);
    assert_eq!(ids(&first, "droplets"), (1..=200).collect::<Vec<_>>());
    assert_eq!(
        first["links"],
        json!({ "pages": {
            "next": "https://api.digitalocean.com/v2/droplets?tag_name=env%3Aprod&page=2&per_page=200",
            "last": "https://api.digitalocean.com/v2/droplets?tag_name=env%3Aprod&page=2&per_page=200",
        }})
    );
    let second = get(
        &fake,
        "/v2/droplets?tag_name=env%3Aprod&page=2&per_page=200",
    )
    .json();
    assert_eq!(ids(&second, "droplets"), (201..=250).collect::<Vec<_>>());
    assert_eq!(
        second["links"],
        json!({ "pages": {
            "first": "https://api.digitalocean.com/v2/droplets?tag_name=env%3Aprod&page=1&per_page=200",
            "prev": "https://api.digitalocean.com/v2/droplets?tag_name=env%3Aprod&page=1&per_page=200",
        }})
    );
    let past = get(
        &fake,
        "/v2/droplets?tag_name=env%3Aprod&page=3&per_page=200",
    );
    assert_eq!(past.status, 200);
    assert_eq!(past.json()["droplets"], json!([]));
    assert_eq!(past.json()["meta"]["total"], 250);
}

#[test]
fn middle_pages_link_all_four_ways_and_defaults_apply() {
    let fake = start(many_droplets());
    let middle = get(&fake, "/v2/droplets?page=2&per_page=100").json();
    let pages = middle["links"]["pages"].as_object().expect("pages");
    let mut keys: Vec<&str> = pages.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["first", "last", "next", "prev"]);
    assert_eq!(
        pages["last"],
        "https://api.digitalocean.com/v2/droplets?page=3&per_page=100"
    );
    assert_eq!(middle["meta"]["total"], 255);

    let default = get(&fake, "/v2/droplets").json();
    assert_eq!(
        ids(&default, "droplets").len(),
        20,
        "per_page defaults to 20"
    );
    assert_eq!(
        default["links"]["pages"]["last"],
        "https://api.digitalocean.com/v2/droplets?page=13&per_page=20"
    );
    let clamped = get(&fake, "/v2/droplets?per_page=1000").json();
    assert_eq!(
        ids(&clamped, "droplets").len(),
        200,
        "per_page is clamped to 200"
    );
    let tiny = get(&fake, "/v2/droplets?per_page=0&page=0").json();
    assert_eq!(
        ids(&tiny, "droplets"),
        [1],
        "per_page and page are at least 1"
    );
}

#[test]
fn single_pages_have_empty_links_in_each_endpoints_style() {
    let fake = start(small_seed());
    let droplets = get(&fake, "/v2/droplets?tag_name=prod").json();
    assert_eq!(droplets["links"], json!({ "pages": {} }));
    assert_eq!(droplets["meta"]["total"], 2);
    let snapshots = get(&fake, "/v2/snapshots?resource_type=droplet").json();
    assert_eq!(snapshots["links"], json!({}));
    assert_eq!(snapshots["meta"]["total"], 1);
    let of_droplet = get(&fake, "/v2/droplets/1/snapshots").json();
    assert_eq!(of_droplet["links"], json!({}));
    let none = get(&fake, "/v2/droplets?tag_name=missing").json();
    assert_eq!(none["droplets"], json!([]));
    assert_eq!(none["meta"]["total"], 0);
}

#[test]
fn snapshot_links_keep_resource_type() {
    let snapshots = (1..=45)
        .map(|id| SeedSnapshot {
            id,
            name: format!("s-{id}"),
            resource_id: 7,
            ..Default::default()
        })
        .collect();
    let fake = start(Seed {
        snapshots,
        ..Seed::default()
    });
    let first = get(&fake, "/v2/snapshots?resource_type=droplet&per_page=20").json();
    assert_eq!(
        first["links"]["pages"]["last"],
        "https://api.digitalocean.com/v2/snapshots?resource_type=droplet&page=3&per_page=20"
    );
    let last = get(
        &fake,
        "/v2/snapshots?page=3&resource_type=droplet&per_page=20",
    )
    .json();
    let ids: Vec<&str> = last["snapshots"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["id"].as_str().expect("string id"))
        .collect();
    assert_eq!(ids, ["41", "42", "43", "44", "45"]);
    assert_eq!(
        last["links"]["pages"]["prev"],
        "https://api.digitalocean.com/v2/snapshots?resource_type=droplet&page=2&per_page=20"
    );
}

#[test]
fn non_numeric_paging_is_a_400() {
    let fake = start(small_seed());
    let reply = get(&fake, "/v2/droplets?page=two");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["id"], "bad_request");
}

#[test]
fn pages_through_2500_snapshots_of_250_droplets() {
    let mut seed = many_droplets();
    seed.snapshots = (1..=250)
        .flat_map(|droplet| {
            (0..10).map(move |n| SeedSnapshot {
                id: 1_000 + droplet * 10 + n,
                name: format!("web-{droplet}-{n}"),
                resource_id: droplet,
                ..Default::default()
            })
        })
        .collect();
    let fake = start(seed);
    let started = std::time::Instant::now();
    let mut seen = Vec::new();
    for page in 1..=13 {
        let body = get(
            &fake,
            &format!("/v2/snapshots?resource_type=droplet&page={page}&per_page=200"),
        )
        .json();
        assert_eq!(body["meta"]["total"], 2500);
        let has_next = body["links"]["pages"].get("next").is_some();
        assert_eq!(has_next, page < 13, "page {page}");
        seen.extend(
            body["snapshots"]
                .as_array()
                .expect("list")
                .iter()
                .map(|s| s["id"].clone()),
        );
    }
    assert_eq!(seen.len(), 2500);
    for page in 1..=2 {
        let body = get(
            &fake,
            &format!("/v2/droplets?tag_name=env:prod&page={page}&per_page=200"),
        )
        .json();
        for droplet in body["droplets"].as_array().expect("list") {
            assert_eq!(droplet["snapshot_ids"].as_array().map(Vec::len), Some(10));
        }
    }
    let one = get(&fake, "/v2/droplets/250/snapshots?per_page=200").json();
    assert_eq!(one["meta"]["total"], 10);
    eprintln!(
        "paged 2500 snapshots and 250 droplets in {:?}",
        started.elapsed()
    );
}
