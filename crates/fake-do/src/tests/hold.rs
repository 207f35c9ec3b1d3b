//! The `hold` fault: a request waits, without blocking others, until the
//! test releases it, and then gets its real reply.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use super::client::{control_post, get, send};
use super::fixtures::{small_seed, start};
use super::requests::start_snapshot;
use crate::{Fault, FaultKind};

/// Far longer than any of these tests needs, so only a bug times out.
const PATIENCE: Duration = Duration::from_secs(10);

fn hold_on(method: &str, path: &str, times: u32) -> Fault {
    Fault {
        method: Some(method.to_string()),
        path: Some(path.to_string()),
        times,
        ..Fault::new(FaultKind::Hold)
    }
}

#[test]
fn a_held_get_waits_for_the_release_while_others_are_answered() {
    let fake = start(small_seed());
    let expected = get(&fake, "/v2/droplets/1").body;
    fake.clear_requests();
    fake.add_fault(hold_on("GET", "/v2/droplets/1", 1));
    assert!(
        !fake.wait_for_held(Duration::from_millis(20)),
        "nothing is held yet"
    );
    thread::scope(|scope| {
        let held = scope.spawn(|| get(&fake, "/v2/droplets/1"));
        assert!(fake.wait_for_held(PATIENCE));
        let state = send(&fake, "GET", "/_fake/state", None, None).json();
        assert_eq!(state["held"], 1);
        assert_eq!(get(&fake, "/v2/account").status, 200);
        assert_eq!(get(&fake, "/v2/droplets/2").status, 200);
        assert!(!held.is_finished(), "still held");
        let logged: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
        assert_eq!(
            logged,
            ["/v2/account", "/v2/droplets/2"],
            "logged when sent"
        );

        fake.release_held();
        let reply = held.join().expect("client thread");
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, expected, "the real reply");
    });
    assert!(!fake.wait_for_held(Duration::from_millis(20)));
    assert_eq!(get(&fake, "/v2/droplets/1").status, 200, "times: 1");
    let state = send(&fake, "GET", "/_fake/state", None, None).json();
    assert_eq!(state["held"], 0);
}

#[test]
fn a_held_post_is_applied_only_after_the_release() {
    let fake = start(small_seed());
    fake.add_fault(hold_on("POST", "/actions", 1));
    thread::scope(|scope| {
        let held = scope.spawn(|| start_snapshot(&fake, 1, "held"));
        assert!(fake.wait_for_held(PATIENCE));
        assert!(fake.actions().is_empty(), "not applied while held");
        assert!(!fake.droplets()[0].locked);
        fake.release_held();
        let reply = held.join().expect("client thread");
        assert_eq!(reply.status, 201);
        assert_eq!(reply.json()["action"]["type"], "snapshot");
    });
    assert_eq!(fake.actions().len(), 1);
    assert!(fake.droplets()[0].locked);
}

#[test]
fn the_fault_holds_again_per_times_and_the_control_api_releases() {
    let fake = start(small_seed());
    fake.add_fault(hold_on("GET", "/v2/account", 2));
    thread::scope(|scope| {
        for round in 0..2 {
            let held = scope.spawn(|| get(&fake, "/v2/account"));
            assert!(fake.wait_for_held(PATIENCE), "round {round}");
            let released = control_post(&fake, "/_fake/release", "");
            assert_eq!(released.status, 204);
            assert_eq!(held.join().expect("client thread").status, 200);
        }
    });
    assert_eq!(get(&fake, "/v2/account").status, 200, "spent after 2");
    assert_eq!(fake.requests().len(), 3);
}

#[test]
fn dropping_the_emulator_does_not_wait_for_a_held_request() {
    let fake = start(small_seed());
    fake.add_fault(hold_on("GET", "/v2/account", 0));
    let port = fake.port();
    let client = thread::spawn(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        let auth = super::client::bearer();
        let head = format!(
            "GET /v2/account HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).expect("write");
        let mut reply = Vec::new();
        // The connection closes without a reply; an error is as good.
        let _ = stream.read_to_end(&mut reply);
        reply
    });
    assert!(fake.wait_for_held(PATIENCE));
    drop(fake);
    let reply = client.join().expect("client thread");
    assert!(
        reply.is_empty(),
        "no reply: {:?}",
        String::from_utf8_lossy(&reply)
    );
}
