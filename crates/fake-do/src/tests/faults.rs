//! Every fault kind, and how faults are matched and counted.

use std::time::{Duration, Instant};

use super::client::{bearer, get, send};
use super::fixtures::{small_seed, start};
use super::requests::start_snapshot;
use crate::faults::echo_credentials;
use crate::{AUTHORIZATION_PLACEHOLDER, DEFAULT_TOKEN, Fault, FaultKind};

fn status(status: u16) -> FaultKind {
    FaultKind::Status {
        status,
        retry_after: None,
        body: None,
    }
}

#[test]
fn status_fault_answers_without_applying() {
    let fake = start(small_seed());
    fake.add_fault(Fault {
        method: Some("POST".to_string()),
        times: 1,
        ..Fault::new(status(503))
    });
    assert_eq!(get(&fake, "/v2/droplets").status, 200, "GET does not match");
    let reply = start_snapshot(&fake, 1, "n");
    assert_eq!(reply.status, 503);
    assert_eq!(reply.json()["id"], "service_unavailable");
    assert!(reply.header("ratelimit-remaining").is_some());
    assert!(fake.actions().is_empty(), "not applied");
    assert!(!fake.droplets()[0].locked);
    assert_eq!(start_snapshot(&fake, 1, "n").status, 201, "only once");
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 503, 201], "the log records what was sent");
}

#[test]
fn status_fault_with_html_body_and_retry_after() {
    let fake = start(small_seed());
    fake.add_fault(Fault {
        path: Some("/v2/droplets".to_string()),
        skip: 1,
        times: 2,
        ..Fault::new(FaultKind::Status {
            status: 502,
            retry_after: Some(7),
            body: Some("<html><body>502 Bad Gateway</body></html>".to_string()),
        })
    });
    let statuses: Vec<u16> = (0..4).map(|_| get(&fake, "/v2/droplets").status).collect();
    assert_eq!(statuses, [200, 502, 502, 200], "skip 1, then fire twice");
    fake.clear_requests();
    fake.clear_faults();
    fake.add_fault(Fault::new(FaultKind::Status {
        status: 502,
        retry_after: Some(7),
        body: Some("<html>oops</html>".to_string()),
    }));
    let reply = get(&fake, "/v2/account");
    assert_eq!(reply.status, 502);
    assert_eq!(reply.body, "<html>oops</html>");
    assert_eq!(reply.header("retry-after"), Some("7"));
    assert!(
        reply
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    assert_eq!(
        get(&fake, "/v2/account").status,
        502,
        "times 0 fires forever"
    );
    fake.clear_faults();
    assert_eq!(get(&fake, "/v2/account").status, 200);
}

#[test]
fn query_and_path_narrow_the_match() {
    let fake = start(small_seed());
    fake.add_fault(Fault {
        path: Some("/snapshots".to_string()),
        query: Some("page=2".to_string()),
        ..Fault::new(status(500))
    });
    assert_eq!(get(&fake, "/v2/snapshots?page=1&per_page=1").status, 200);
    assert_eq!(get(&fake, "/v2/droplets?page=2").status, 200);
    let reply = get(&fake, "/v2/snapshots?page=2&per_page=1");
    assert_eq!(reply.status, 500);
    assert_eq!(reply.json()["id"], "server_error");
}

#[test]
fn first_matching_fault_wins() {
    let fake = start(small_seed());
    fake.add_fault(Fault {
        times: 1,
        ..Fault::new(status(500))
    });
    fake.add_fault(Fault {
        times: 1,
        ..Fault::new(status(429))
    });
    let statuses: Vec<u16> = (0..3).map(|_| get(&fake, "/v2/account").status).collect();
    assert_eq!(statuses, [500, 429, 200]);
}

#[test]
fn after_apply_applies_then_fails() {
    let fake = start(small_seed());
    fake.add_fault(Fault {
        method: Some("POST".to_string()),
        times: 1,
        ..Fault::new(FaultKind::AfterApply { status: 500 })
    });
    let reply = start_snapshot(&fake, 1, "n");
    assert_eq!(reply.status, 500);
    assert_eq!(reply.json()["id"], "server_error");
    assert_eq!(fake.actions().len(), 1, "the snapshot really started");
    assert!(fake.droplets()[0].locked);
    let retry = start_snapshot(&fake, 1, "n");
    assert_eq!(retry.status, 422, "a blind retry hits the pending event");
}

#[test]
fn delay_with_and_without_apply() {
    let fake = start(small_seed());
    fake.add_fault(Fault {
        times: 1,
        ..Fault::new(FaultKind::Delay {
            millis: 100,
            apply: true,
        })
    });
    let started = Instant::now();
    let reply = start_snapshot(&fake, 1, "n");
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(reply.status, 201);
    assert_eq!(fake.actions().len(), 1);

    fake.add_fault(Fault {
        times: 1,
        ..Fault::new(FaultKind::Delay {
            millis: 20,
            apply: false,
        })
    });
    let reply = start_snapshot(&fake, 2, "n");
    assert_eq!(reply.status, 504);
    assert_eq!(reply.json()["id"], "gateway_timeout");
    assert_eq!(fake.actions().len(), 1, "not applied");
}

#[test]
fn truncate_cuts_the_body_in_half() {
    let fake = start(small_seed());
    let whole = get(&fake, "/v2/droplets/1").body;
    fake.add_fault(Fault {
        method: Some("GET".to_string()),
        times: 1,
        ..Fault::new(FaultKind::Truncate)
    });
    let cut = get(&fake, "/v2/droplets/1");
    assert_eq!(cut.status, 200);
    assert_eq!(cut.body, whole[..whole.len() / 2]);
    assert_eq!(
        cut.header("content-length"),
        Some(cut.body.len().to_string().as_str())
    );
    assert!(serde_json::from_str::<serde_json::Value>(&cut.body).is_err());

    fake.add_fault(Fault {
        method: Some("POST".to_string()),
        times: 1,
        ..Fault::new(FaultKind::Truncate)
    });
    let reply = start_snapshot(&fake, 1, "n");
    assert_eq!(reply.status, 201);
    assert_eq!(fake.actions().len(), 1, "applied");
}

#[test]
fn malformed_sends_the_body_verbatim_without_applying() {
    let fake = start(small_seed());
    let body = r#"{"droplets": [{"id": "one"}], "meta": {}}"#;
    fake.add_fault(Fault {
        times: 1,
        ..Fault::new(FaultKind::Malformed {
            body: body.to_string(),
        })
    });
    let reply = start_snapshot(&fake, 1, "n");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, body);
    assert!(fake.actions().is_empty());
}

#[test]
fn faults_deserialize_from_flat_json() {
    let fault: Fault = serde_json::from_str(
        r#"{"path": "/v2/droplets", "times": 1, "kind": "status", "status": 503}"#,
    )
    .expect("fault");
    assert_eq!(
        fault,
        Fault {
            path: Some("/v2/droplets".to_string()),
            times: 1,
            ..Fault::new(status(503))
        }
    );
    let delay: Fault = serde_json::from_str(r#"{"kind": "delay", "millis": 5}"#).expect("delay");
    assert_eq!(
        delay.kind,
        FaultKind::Delay {
            millis: 5,
            apply: false
        }
    );
    let round_trip: Fault =
        serde_json::from_value(serde_json::to_value(&delay).expect("to json")).expect("from json");
    assert_eq!(round_trip, delay);
}

#[test]
fn fault_bodies_echo_the_authorization_header_as_received() {
    let fake = start(small_seed());
    fake.add_fault(Fault {
        times: 1,
        ..Fault::new(FaultKind::Status {
            status: 502,
            retry_after: None,
            body: Some(
                "<html>proxy saw {{authorization}} and {{authorization}}</html>".to_string(),
            ),
        })
    });
    let reply = get(&fake, "/v2/account");
    assert_eq!(reply.status, 502);
    let auth = bearer();
    assert_eq!(
        reply.body,
        format!("<html>proxy saw {auth} and {auth}</html>")
    );
    assert!(
        reply
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );

    // Exactly as received: the scheme's case is kept.
    let lower = format!("bearer {DEFAULT_TOKEN}");
    fake.add_fault(Fault {
        times: 1,
        ..Fault::new(FaultKind::Malformed {
            body: r#"{"error": "{{authorization}}"}"#.to_string(),
        })
    });
    let reply = send(&fake, "GET", "/v2/droplets", Some(&lower), None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["error"], lower);

    // Without the placeholder the body is untouched.
    fake.add_fault(Fault {
        times: 1,
        ..Fault::new(FaultKind::Malformed {
            body: "{authorization}".to_string(),
        })
    });
    assert_eq!(get(&fake, "/v2/account").body, "{authorization}");
}

#[test]
fn the_placeholder_is_removed_without_an_authorization_header() {
    // Faults fire only after auth, so no request reaches one without the
    // header; the substitution itself still handles its absence.
    assert_eq!(AUTHORIZATION_PLACEHOLDER, "{{authorization}}");
    assert_eq!(echo_credentials("[{{authorization}}]", None), "[]");
    assert_eq!(
        echo_credentials("{{authorization}}", Some("Bearer x")),
        "Bearer x"
    );
}

#[test]
fn hold_deserializes_from_flat_json() {
    let fault: Fault =
        serde_json::from_str(r#"{"path": "/v2/droplets", "times": 1, "kind": "hold"}"#)
            .expect("fault");
    assert_eq!(fault.kind, FaultKind::Hold);
    assert_eq!(serde_json::to_value(&fault).expect("json")["kind"], "hold");
}
