//! `ignore_tag_filter`: a droplet listing that drops its `tag_name`.

use serde_json::{Value, json};

use super::client::get;
use super::fixtures::{droplet, small_seed, start};
use crate::Seed;

fn ids(body: &Value) -> Vec<u64> {
    body["droplets"]
        .as_array()
        .expect("list")
        .iter()
        .map(|d| d["id"].as_u64().expect("integer id"))
        .collect()
}

/// Droplets 1 and 2 tagged `db`, 3 tagged `web`, 4 untagged.
fn tagged() -> Seed {
    Seed {
        droplets: vec![
            droplet(1, "db-1", &["db"]),
            droplet(2, "db-2", &["db", "prod"]),
            droplet(3, "web-1", &["web"]),
            droplet(4, "spare", &[]),
        ],
        ..Seed::default()
    }
}

#[test]
fn an_ignored_filter_lists_every_droplet_with_its_own_tags() {
    let fake = start(Seed {
        ignore_tag_filter: true,
        ..tagged()
    });
    let first = get(&fake, "/v2/droplets?tag_name=db&per_page=3").json();
    assert_eq!(ids(&first), [1, 2, 3]);
    assert_eq!(first["meta"]["total"], 4, "counts every droplet");
    assert_eq!(
        first["links"]["pages"]["next"],
        "https://api.digitalocean.com/v2/droplets?tag_name=db&page=2&per_page=3"
    );
    let tags: Vec<&Value> = first["droplets"]
        .as_array()
        .expect("list")
        .iter()
        .map(|d| &d["tags"])
        .collect();
    assert_eq!(
        tags,
        [&json!(["db"]), &json!(["db", "prod"]), &json!(["web"])]
    );
    let second = get(&fake, "/v2/droplets?tag_name=db&page=2&per_page=3").json();
    assert_eq!(ids(&second), [4]);
    assert_eq!(second["droplets"][0]["tags"], json!([]));
    let missing = get(&fake, "/v2/droplets?tag_name=nothing").json();
    assert_eq!(missing["meta"]["total"], 4);
}

#[test]
fn the_library_switches_the_filter_off_and_on() {
    let fake = start(tagged());
    assert_eq!(ids(&get(&fake, "/v2/droplets?tag_name=db").json()), [1, 2]);
    fake.set_ignore_tag_filter(true);
    assert_eq!(
        ids(&get(&fake, "/v2/droplets?tag_name=db").json()),
        [1, 2, 3, 4]
    );
    fake.set_ignore_tag_filter(false);
    let filtered = get(&fake, "/v2/droplets?tag_name=web").json();
    assert_eq!(ids(&filtered), [3]);
    assert_eq!(filtered["meta"]["total"], 1);
}

#[test]
fn the_filter_is_honoured_by_default() {
    let fake = start(small_seed());
    let db = get(&fake, "/v2/droplets?tag_name=db").json();
    assert_eq!(ids(&db), [2]);
    assert_eq!(db["meta"]["total"], 1);
}
