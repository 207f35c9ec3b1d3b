//! The `/_fake` control API: no auth, not logged, not rate limited.

use serde_json::json;

use super::client::{control_post, get, send};
use super::fixtures::{small_seed, start};
use super::requests::start_snapshot;
use crate::Seed;

#[test]
fn state_advance_and_lock_over_http() {
    let fake = start(Seed {
        rate_limit_per_hour: 1,
        ..small_seed()
    });
    start_snapshot(&fake, 1, "n");

    let advanced = control_post(&fake, "/_fake/advance", r#"{"seconds": 600}"#);
    assert_eq!(advanced.status, 200);
    assert_eq!(advanced.json()["now"], "2026-01-01T00:10:00Z");
    let backwards = control_post(&fake, "/_fake/advance", r#"{"seconds": -1}"#);
    assert_eq!(backwards.status, 400);

    let state = send(&fake, "GET", "/_fake/state", None, None).json();
    assert_eq!(state["now"], "2026-01-01T00:10:00Z");
    assert_eq!(state["droplets"][0]["snapshot_ids"][1], 500_000_000);
    assert_eq!(state["snapshots"][1]["name"], "n");
    assert_eq!(state["actions"][0]["status"], "completed");
    assert_eq!(state["actions"][0]["kind"], "snapshot");

    let locked = control_post(&fake, "/_fake/lock", r#"{"droplet_id": 2, "locked": true}"#);
    assert_eq!(locked.status, 200);
    assert_eq!(locked.json()["droplet"]["locked"], true);
    assert!(fake.droplets()[1].locked);
    let missing = control_post(&fake, "/_fake/lock", r#"{"droplet_id": 9, "locked": true}"#);
    assert_eq!(missing.status, 404);
    let garbage = control_post(&fake, "/_fake/lock", "{");
    assert_eq!(garbage.status, 400);

    // Only the one API request was logged and counted.
    assert_eq!(fake.requests().len(), 1);
    let requests = send(&fake, "GET", "/_fake/requests", None, None).json();
    assert_eq!(requests[0]["path"], "/v2/droplets/1/actions");
    assert_eq!(requests[0]["status"], 201);
    assert_eq!(
        send(&fake, "DELETE", "/_fake/requests", None, None).status,
        204
    );
    assert!(fake.requests().is_empty());
}

#[test]
fn faults_over_http() {
    let fake = start(small_seed());
    let added = control_post(
        &fake,
        "/_fake/faults",
        r#"{"method": "GET", "times": 1, "kind": "status", "status": 429, "retry_after": 2}"#,
    );
    assert_eq!(added.status, 204);
    let reply = get(&fake, "/v2/account");
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("retry-after"), Some("2"));
    assert_eq!(reply.json()["id"], "too_many_requests");

    let forever = json!({"kind": "truncate"}).to_string();
    control_post(&fake, "/_fake/faults", &forever);
    assert_eq!(get(&fake, "/v2/account").body.len() % 2, 0, "truncated");
    assert_eq!(
        send(&fake, "DELETE", "/_fake/faults", None, None).status,
        204
    );
    assert_eq!(get(&fake, "/v2/account").status, 200);

    let invalid = control_post(
        &fake,
        "/_fake/faults",
        r#"{"kind": "status", "status": 42}"#,
    );
    assert_eq!(invalid.status, 400);
    let unknown_kind = control_post(&fake, "/_fake/faults", r#"{"kind": "explode"}"#);
    assert_eq!(unknown_kind.status, 400);
}
