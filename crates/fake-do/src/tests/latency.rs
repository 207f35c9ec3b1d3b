//! The global latency: every `/v2` reply waits that much real time, without
//! blocking other requests; control calls never wait.

use std::thread;
use std::time::{Duration, Instant};

use super::client::{Reply, control_post, get, send};
use super::fixtures::{small_seed, start};
use super::requests::start_snapshot;
use crate::{Fault, FaultKind, Seed};

/// Far longer than any of these tests needs, so only a bug times out.
const PATIENCE: Duration = Duration::from_secs(10);

/// The reply and how long it took.
fn timed(request: impl FnOnce() -> Reply) -> (Reply, Duration) {
    let started = Instant::now();
    let reply = request();
    (reply, started.elapsed())
}

#[test]
fn every_api_reply_waits_but_control_calls_do_not() {
    let latency = Duration::from_millis(300);
    let fake = start(Seed {
        latency_millis: 300,
        ..small_seed()
    });
    let (reply, took) = timed(|| get(&fake, "/v2/droplets"));
    assert_eq!(reply.status, 200);
    assert!(took >= latency, "{took:?}");
    let (reply, took) = timed(|| send(&fake, "GET", "/v2/account", None, None));
    assert_eq!(reply.status, 401);
    assert!(took >= latency, "refusals wait too: {took:?}");
    let (reply, took) = timed(|| get(&fake, "/v2/nothing"));
    assert_eq!(reply.status, 404);
    assert!(took >= latency, "{took:?}");

    let (state, took) = timed(|| send(&fake, "GET", "/_fake/state", None, None));
    assert!(took < latency, "control calls never wait: {took:?}");
    assert_eq!(state.json()["latency_millis"], 300);
    let (set, took) = timed(|| control_post(&fake, "/_fake/latency", r#"{"millis": 0}"#));
    assert_eq!(set.status, 204);
    assert!(took < latency, "{took:?}");
    let (reply, took) = timed(|| get(&fake, "/v2/account"));
    assert_eq!(reply.status, 200);
    assert!(took < latency, "off again: {took:?}");

    assert_eq!(
        control_post(&fake, "/_fake/latency", r#"{"millis": 200}"#).status,
        204
    );
    let (_, took) = timed(|| get(&fake, "/v2/account"));
    assert!(took >= Duration::from_millis(200), "{took:?}");
    for bad in [r#"{"millis": -1}"#, "{}", r#"{"millis": "5"}"#] {
        let reply = control_post(&fake, "/_fake/latency", bad);
        assert_eq!(reply.status, 400, "{bad}");
    }
}

#[test]
fn slow_replies_do_not_block_each_other() {
    let latency = Duration::from_millis(500);
    let fake = start(small_seed());
    fake.set_latency(latency);
    let started = Instant::now();
    let statuses: Vec<u16> = thread::scope(|scope| {
        let clients: Vec<_> = (0..6)
            .map(|_| scope.spawn(|| get(&fake, "/v2/droplets").status))
            .collect();
        clients
            .into_iter()
            .map(|c| c.join().expect("client thread"))
            .collect()
    });
    let took = started.elapsed();
    assert_eq!(statuses, [200; 6]);
    assert!(took >= latency, "{took:?}");
    assert!(
        took < latency * 3,
        "six replies waited together, not one after another: {took:?}"
    );
    fake.set_latency(Duration::ZERO);
    let (_, took) = timed(|| get(&fake, "/v2/account"));
    assert!(took < latency, "{took:?}");
}

#[test]
fn the_request_takes_effect_and_is_logged_before_its_reply_leaves() {
    let fake = start(small_seed());
    fake.set_latency(Duration::from_millis(800));
    thread::scope(|scope| {
        let started = Instant::now();
        let client = scope.spawn(|| start_snapshot(&fake, 1, "slow"));
        while fake.actions().is_empty() {
            assert!(started.elapsed() < PATIENCE, "the action never started");
            thread::sleep(Duration::from_millis(5));
        }
        assert!(!client.is_finished(), "the reply is still waiting");
        let logged = fake.requests();
        assert_eq!(logged.len(), 1);
        assert_eq!(logged[0].status, 201);
        assert!(fake.droplets()[0].locked);
        let reply = client.join().expect("client thread");
        assert_eq!(reply.status, 201);
        assert!(started.elapsed() >= Duration::from_millis(800));
    });
}

#[test]
fn a_delay_fault_adds_to_the_latency() {
    let fake = start(small_seed());
    fake.set_latency(Duration::from_millis(200));
    fake.add_fault(Fault {
        times: 1,
        ..Fault::new(FaultKind::Delay {
            millis: 200,
            apply: true,
        })
    });
    let (reply, took) = timed(|| get(&fake, "/v2/account"));
    assert_eq!(reply.status, 200);
    assert!(took >= Duration::from_millis(400), "{took:?}");
}
