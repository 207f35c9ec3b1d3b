//! `ignores_shutdown`: a droplet whose graceful `shutdown` completes without
//! powering it off, as the real API's best-effort shutdown can (api-v2#79).

use serde_json::json;

use super::client::{control_post, get, post, send};
use super::fixtures::{droplet, small_seed, start};
use crate::{FakeDo, Seed, SeedDroplet};

fn act(fake: &FakeDo, droplet_id: u64, kind: &str) {
    let reply = post(
        fake,
        &format!("/v2/droplets/{droplet_id}/actions"),
        &json!({ "type": kind }).to_string(),
    );
    assert_eq!(reply.status, 201, "{kind}: {}", reply.body);
}

/// Droplet 1 `web-1`, which ignores shutdowns, and droplet 2 `db-1`, which
/// does not.
fn stubborn_seed() -> Seed {
    Seed {
        droplets: vec![
            SeedDroplet {
                ignores_shutdown: true,
                ..droplet(1, "web-1", &["prod"])
            },
            droplet(2, "db-1", &["prod"]),
        ],
        ..Seed::default()
    }
}

#[test]
fn the_flag_defaults_to_false_and_old_seeds_still_parse() {
    assert!(!SeedDroplet::default().ignores_shutdown);
    let seed = Seed::from_json(
        r#"{"droplets": [{"id": 1, "name": "old"},
                         {"id": 2, "name": "new", "ignores_shutdown": true}]}"#,
    )
    .expect("seed");
    assert!(!seed.droplets[0].ignores_shutdown);
    assert!(seed.droplets[1].ignores_shutdown);
    let fake = start(seed);
    let flags: Vec<bool> = fake.droplets().iter().map(|d| d.ignores_shutdown).collect();
    assert_eq!(flags, [false, true]);
}

#[test]
fn an_ignored_shutdown_completes_on_time_and_leaves_the_droplet_active() {
    let fake = start(stubborn_seed());
    act(&fake, 1, "shutdown");
    fake.advance(59);
    assert!(fake.droplets()[0].locked, "it runs for its usual time");
    assert_eq!(fake.actions()[0].status, "in-progress");
    fake.advance(1);
    let action = &fake.actions()[0];
    assert_eq!(action.status, "completed");
    assert_eq!(
        action.completed_at.map(|t| t.to_string()).as_deref(),
        Some("2026-01-01T00:01:00Z")
    );
    let polled = get(&fake, &format!("/v2/actions/{}", action.id)).json();
    assert_eq!(polled["action"]["status"], "completed");
    let shown = get(&fake, "/v2/droplets/1").json()["droplet"].clone();
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["locked"], false);
    assert!(
        shown.get("ignores_shutdown").is_none(),
        "the API's droplet object does not show the emulator's flag"
    );

    // power_off still powers it off; the other droplet obeys shutdown.
    act(&fake, 1, "power_off");
    act(&fake, 2, "shutdown");
    fake.advance(60);
    let statuses: Vec<String> = fake.droplets().into_iter().map(|d| d.status).collect();
    assert_eq!(statuses, ["off", "off"]);
    // A shutdown of a droplet that is already off leaves it off.
    act(&fake, 1, "shutdown");
    fake.advance(60);
    assert_eq!(fake.droplets()[0].status, "off");
    act(&fake, 1, "power_on");
    fake.advance(60);
    assert_eq!(fake.droplets()[0].status, "active");
}

#[test]
fn the_library_method_toggles_the_flag() {
    let fake = start(small_seed());
    fake.set_ignores_shutdown(2, true);
    fake.set_ignores_shutdown(999, true); // unknown ids are ignored
    let flags: Vec<bool> = fake.droplets().iter().map(|d| d.ignores_shutdown).collect();
    assert_eq!(flags, [false, true]);
    act(&fake, 2, "shutdown");
    fake.advance(60);
    assert_eq!(fake.droplets()[1].status, "active");

    fake.set_ignores_shutdown(2, false);
    assert!(!fake.droplets()[1].ignores_shutdown);
    act(&fake, 2, "shutdown");
    fake.advance(60);
    assert_eq!(fake.droplets()[1].status, "off");
}

#[test]
fn the_flag_in_force_at_completion_decides() {
    let fake = start(small_seed());
    act(&fake, 1, "shutdown");
    fake.advance(30);
    fake.set_ignores_shutdown(1, true);
    fake.advance(30);
    assert_eq!(fake.actions()[0].status, "completed");
    assert_eq!(fake.droplets()[0].status, "active");

    fake.set_ignores_shutdown(2, true);
    act(&fake, 2, "shutdown");
    fake.advance(30);
    fake.set_ignores_shutdown(2, false);
    fake.advance(30);
    assert_eq!(fake.droplets()[1].status, "off");
}

#[test]
fn the_control_endpoint_sets_the_flag_and_state_shows_it() {
    let fake = start(small_seed());
    let set = control_post(
        &fake,
        "/_fake/ignore_shutdown",
        r#"{"droplet_id": 1, "ignores": true}"#,
    );
    assert_eq!(set.status, 204);
    assert!(set.body.is_empty());
    assert!(fake.droplets()[0].ignores_shutdown);
    let state = send(&fake, "GET", "/_fake/state", None, None).json();
    assert_eq!(state["droplets"][0]["ignores_shutdown"], true);
    assert_eq!(state["droplets"][1]["ignores_shutdown"], false);

    act(&fake, 1, "shutdown");
    fake.advance(60);
    assert_eq!(fake.droplets()[0].status, "active");

    let cleared = control_post(
        &fake,
        "/_fake/ignore_shutdown",
        r#"{"droplet_id": 1, "ignores": false}"#,
    );
    assert_eq!(cleared.status, 204);
    let state = send(&fake, "GET", "/_fake/state", None, None).json();
    assert_eq!(state["droplets"][0]["ignores_shutdown"], false);

    let missing = control_post(
        &fake,
        "/_fake/ignore_shutdown",
        r#"{"droplet_id": 9, "ignores": true}"#,
    );
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-type"), Some("application/json"));
    assert_eq!(missing.json()["id"], "not_found");
    let garbage = control_post(&fake, "/_fake/ignore_shutdown", r#"{"droplet_id": 1}"#);
    assert_eq!(garbage.status, 400);
    assert_eq!(garbage.json()["id"], "bad_request");
    let wrong_method = send(&fake, "GET", "/_fake/ignore_shutdown", None, None);
    assert_eq!(wrong_method.status, 405);

    // Control calls are not logged: only the one action request is.
    assert_eq!(fake.requests().len(), 1);
}
