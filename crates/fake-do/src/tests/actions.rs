//! Droplet actions: the snapshot lifecycle, locking, 422s, power actions.

use serde_json::json;

use super::client::{control_post, get, post};
use super::fixtures::{small_seed, start};
use super::requests::start_snapshot;
use crate::Seed;

#[test]
fn snapshot_action_runs_locks_and_completes_on_the_emulator_clock() {
    let fake = start(small_seed());
    fake.advance(30);
    let started_at = fake.now();
    let reply = start_snapshot(&fake, 1, "web-1-new");
    assert_eq!(reply.status, 201);
    let action = reply.json()["action"].clone();
    assert_eq!(action["status"], "in-progress");
    assert_eq!(action["type"], "snapshot");
    assert_eq!(action["resource_id"], 1);
    assert_eq!(action["resource_type"], "droplet");
    assert_eq!(action["region_slug"], "nyc3");
    assert_eq!(action["region"]["slug"], "nyc3");
    assert_eq!(action["completed_at"], json!(null));
    assert_eq!(action["started_at"], "2026-01-01T00:00:30Z");
    let action_id = action["id"].as_u64().expect("integer id");
    assert!(action_id >= 900_000_000);

    let droplet = get(&fake, "/v2/droplets/1").json();
    assert_eq!(droplet["droplet"]["locked"], true);
    let again = start_snapshot(&fake, 1, "x");
    assert_eq!(again.status, 422);
    assert_eq!(again.json()["id"], "unprocessable_entity");
    assert_eq!(
        again.json()["message"],
        "Droplet already has a pending event."
    );
    let power = post(&fake, "/v2/droplets/1/actions", r#"{"type":"power_off"}"#);
    assert_eq!(power.status, 422, "any action is refused while one runs");

    // Invisible until complete.
    fake.advance(599);
    assert_eq!(
        get(&fake, "/v2/droplets/1/snapshots").json()["meta"]["total"],
        1
    );
    assert_eq!(get(&fake, "/v2/snapshots").json()["meta"]["total"], 1);
    let polled = get(&fake, &format!("/v2/actions/{action_id}")).json();
    assert_eq!(polled["action"]["status"], "in-progress");

    fake.advance(1);
    let polled = get(&fake, &format!("/v2/actions/{action_id}")).json();
    assert_eq!(polled["action"]["status"], "completed");
    assert_eq!(polled["action"]["completed_at"], "2026-01-01T00:10:30Z");
    let scoped = get(&fake, &format!("/v2/droplets/1/actions/{action_id}")).json();
    assert_eq!(scoped["action"]["status"], "completed");

    let snapshots = fake.snapshots();
    let made = snapshots
        .iter()
        .find(|s| s.name == "web-1-new")
        .expect("new snapshot");
    assert_eq!(made.created_at, started_at, "stamped with the request time");
    assert_eq!(made.resource_id, 1);
    assert_eq!(made.regions, ["nyc3"]);
    assert!(made.id >= 500_000_000);

    let droplet = get(&fake, "/v2/droplets/1").json()["droplet"].clone();
    assert_eq!(droplet["locked"], false);
    assert_eq!(droplet["snapshot_ids"], json!([100, made.id]));
    let listed = get(&fake, "/v2/droplets/1/snapshots").json();
    assert_eq!(listed["snapshots"][1]["id"], made.id);
    assert_eq!(listed["snapshots"][1]["created_at"], "2026-01-01T00:00:30Z");
    let image = get(&fake, &format!("/v2/images/{}", made.id));
    assert_eq!(image.status, 200);
    assert_eq!(image.json()["image"]["regions"], json!(["nyc3"]));

    let actions = get(&fake, "/v2/droplets/1/actions").json();
    assert_eq!(actions["meta"]["total"], 1);
    assert_eq!(actions["actions"][0]["id"], action_id);
    assert_eq!(
        fake.actions()[0].snapshot_name.as_deref(),
        Some("web-1-new")
    );
}

#[test]
fn hand_locked_droplet_refuses_actions() {
    let fake = start(small_seed());
    fake.set_locked(2, true);
    let reply = start_snapshot(&fake, 2, "n");
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.json()["message"],
        "Droplet already has a pending event."
    );
    fake.set_locked(2, false);
    let reply = start_snapshot(&fake, 2, "n");
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json()["action"]["region_slug"], "lon1");
}

#[test]
fn bad_action_requests_are_refused_with_do_errors() {
    let fake = start(small_seed());
    let unknown = post(&fake, "/v2/droplets/999/actions", r#"{"type":"snapshot"}"#);
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["id"], "not_found");
    let not_json = post(&fake, "/v2/droplets/1/actions", "{type: snapshot");
    assert_eq!(not_json.status, 400);
    assert_eq!(not_json.json()["id"], "bad_request");
    let wrong_type = post(&fake, "/v2/droplets/1/actions", r#"{"type": 5}"#);
    assert_eq!(wrong_type.status, 400);
    let unsupported = post(&fake, "/v2/droplets/1/actions", r#"{"type":"explode"}"#);
    assert_eq!(unsupported.status, 422);
    assert_eq!(unsupported.json()["id"], "unprocessable_entity");
    assert!(
        unsupported.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("'explode'") && m.contains("power_cycle"))
    );
    let missing = post(&fake, "/v2/droplets/1/actions", r#"{"name":"x"}"#);
    assert_eq!(missing.status, 422);
    let bad_id = post(&fake, "/v2/droplets/abc/actions", r#"{"type":"snapshot"}"#);
    assert_eq!(bad_id.status, 404);
    assert!(fake.actions().is_empty());
    assert!(!fake.droplets()[0].locked);
}

#[test]
fn power_actions_toggle_status_after_a_tenth_of_the_snapshot_time() {
    let fake = start(small_seed());
    assert_eq!(
        post(&fake, "/v2/droplets/1/actions", r#"{"type":"shutdown"}"#).status,
        201
    );
    fake.advance(59);
    assert_eq!(fake.droplets()[0].status, "active");
    assert!(fake.droplets()[0].locked);
    fake.advance(1);
    assert_eq!(fake.droplets()[0].status, "off");
    assert!(!fake.droplets()[0].locked);
    assert_eq!(
        post(&fake, "/v2/droplets/1/actions", r#"{"type":"power_on"}"#).status,
        201
    );
    fake.advance(60);
    assert_eq!(fake.droplets()[0].status, "active");
    assert_eq!(
        post(&fake, "/v2/droplets/1/actions", r#"{"type":"power_off"}"#).status,
        201
    );
    fake.advance(60);
    assert_eq!(fake.droplets()[0].status, "off");
    let actions = fake.actions();
    let statuses: Vec<&str> = actions.iter().map(|a| a.status.as_str()).collect();
    assert_eq!(statuses, ["completed"; 3]);
}

#[test]
fn unnamed_snapshot_gets_the_control_panel_default_name() {
    let fake = start(Seed {
        snapshot_seconds: 10,
        ..small_seed()
    });
    assert_eq!(
        post(&fake, "/v2/droplets/2/actions", r#"{"type":"snapshot"}"#).status,
        201
    );
    fake.advance(10);
    let names: Vec<String> = fake.snapshots().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["web-1-old", "db-1-1767225600000"]);
}

#[test]
fn completed_at_is_the_due_time_not_the_advance_time() {
    let fake = start(Seed {
        snapshot_seconds: 100,
        ..small_seed()
    });
    start_snapshot(&fake, 2, "late");
    fake.advance(50);
    post(&fake, "/v2/droplets/1/actions", r#"{"type":"power_off"}"#);
    fake.advance(1000);
    let completed: Vec<_> = fake
        .actions()
        .into_iter()
        .map(|a| (a.kind, a.completed_at.map(|t| t.to_string())))
        .collect();
    assert_eq!(
        completed,
        [
            (
                "snapshot".to_string(),
                Some("2026-01-01T00:01:40Z".to_string())
            ),
            (
                "power_off".to_string(),
                Some("2026-01-01T00:01:00Z".to_string())
            ),
        ]
    );
    let newest = fake.snapshots().into_iter().last().expect("snapshot");
    assert_eq!(newest.name, "late");
}

#[test]
fn planned_failure_errors_a_snapshot_and_frees_the_droplet() {
    let fake = start(small_seed());
    let fail = control_post(&fake, "/_fake/fail", r#"{"kind": "snapshot"}"#);
    assert_eq!(fail.status, 204);
    start_snapshot(&fake, 1, "doomed");
    fake.advance(600);
    assert_eq!(fake.actions()[0].status, "errored");
    assert!(!fake.droplets()[0].locked);
    assert_eq!(fake.droplets()[0].snapshot_ids, [100]);
    assert!(fake.snapshots().iter().all(|s| s.name != "doomed"));
}

#[test]
fn every_spec_action_type_is_accepted_and_the_others_only_lock_for_a_while() {
    let fake = start(small_seed());
    let types = [
        "enable_backups",
        "disable_backups",
        "reboot",
        "power_cycle",
        "restore",
        "password_reset",
        "resize",
        "rebuild",
        "rename",
        "change_kernel",
        "enable_ipv6",
    ];
    for kind in types {
        let reply = post(
            &fake,
            "/v2/droplets/1/actions",
            &json!({ "type": kind }).to_string(),
        );
        assert_eq!(reply.status, 201, "{kind}");
        let action = reply.json()["action"].clone();
        assert_eq!(action["type"], kind);
        assert_eq!(action["status"], "in-progress");
        assert_eq!(action["resource_type"], "droplet");
        assert!(fake.droplets()[0].locked, "{kind} locks the droplet");
        let blocked = start_snapshot(&fake, 1, "blocked");
        assert_eq!(blocked.status, 422, "{kind} holds the droplet");
        fake.advance(59);
        assert!(fake.droplets()[0].locked, "{kind} still runs");
        fake.advance(1);
        let droplet = &fake.droplets()[0];
        assert!(!droplet.locked, "{kind} is done after snapshot_seconds/10");
        assert_eq!(droplet.status, "active", "{kind} changes nothing");
        assert_eq!(droplet.snapshot_ids, [100]);
    }
    let actions = fake.actions();
    assert_eq!(actions.len(), types.len());
    assert!(actions.iter().all(|a| a.status == "completed"));
    assert!(actions.iter().all(|a| a.snapshot_name.is_none()));
    assert_eq!(fake.snapshots().len(), 1);
    // An off droplet stays off through a reboot or a power cycle.
    post(&fake, "/v2/droplets/2/actions", r#"{"type":"power_off"}"#);
    fake.advance(60);
    post(&fake, "/v2/droplets/2/actions", r#"{"type":"power_cycle"}"#);
    fake.advance(60);
    assert_eq!(fake.droplets()[1].status, "off");
}

#[test]
fn an_empty_snapshot_name_gets_the_default_name_too() {
    let fake = start(Seed {
        snapshot_seconds: 10,
        ..small_seed()
    });
    fake.advance(5);
    let reply = post(
        &fake,
        "/v2/droplets/1/actions",
        r#"{"type":"snapshot","name":""}"#,
    );
    assert_eq!(reply.status, 201);
    assert_eq!(
        fake.actions()[0].snapshot_name.as_deref(),
        Some("web-1-1767225605000")
    );
    fake.advance(10);
    let listed = get(&fake, "/v2/droplets/1/snapshots").json();
    assert_eq!(listed["snapshots"][1]["name"], "web-1-1767225605000");
}

#[test]
fn a_droplets_single_page_of_actions_has_bare_empty_links() {
    let fake = start(small_seed());
    let empty = get(&fake, "/v2/droplets/1/actions").json();
    assert_eq!(empty["links"], json!({}));
    assert_eq!(empty["meta"]["total"], 0);
    start_snapshot(&fake, 1, "one");
    let one = get(&fake, "/v2/droplets/1/actions").json();
    assert_eq!(one["links"], json!({}));
    assert_eq!(one["meta"]["total"], 1);
    // The account-wide list keeps `{"pages": {}}`.
    let all = get(&fake, "/v2/actions").json();
    assert_eq!(all["links"], json!({ "pages": {} }));
    // More than one page still links with absolute URLs.
    fake.advance(600);
    start_snapshot(&fake, 1, "two");
    let first = get(&fake, "/v2/droplets/1/actions?per_page=1").json();
    assert_eq!(
        first["links"]["pages"]["next"],
        "https://api.digitalocean.com/v2/droplets/1/actions?page=2&per_page=1"
    );
}
