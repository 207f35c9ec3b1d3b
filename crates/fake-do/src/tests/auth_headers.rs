//! Authentication, the rate limit and the headers on every response.

use super::client::{bearer, get, send};
use super::fixtures::{small_seed, start};
use crate::{DEFAULT_TOKEN, Seed};

#[test]
fn missing_or_wrong_token_is_401_with_do_error_body() {
    let fake = start(small_seed());
    for auth in [None, Some("Bearer nope"), Some(DEFAULT_TOKEN)] {
        let reply = send(&fake, "GET", "/v2/droplets", auth, None);
        assert_eq!(reply.status, 401, "{auth:?}");
        let body = reply.json();
        assert_eq!(body["id"], "unauthorized");
        assert_eq!(body["message"], "Unable to authenticate you.");
        assert_eq!(
            body["request_id"].as_str(),
            reply.header("x-request-id"),
            "request_id matches the header"
        );
        assert!(reply.header("ratelimit-limit").is_some());
    }
    let logged = fake.requests();
    assert_eq!(logged.len(), 3);
    assert_eq!(logged[1].authorization.as_deref(), Some("Bearer nope"));
    assert_eq!(logged[0].authorization, None);
    assert!(logged.iter().all(|r| r.status == 401));
}

#[test]
fn account_answers_with_the_right_token() {
    let fake = start(Seed::default());
    let reply = get(&fake, "/v2/account");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let account = &reply.json()["account"];
    assert_eq!(account["droplet_limit"], 25);
    assert_eq!(account["email"], "fake@example.com");
    assert_eq!(account["status"], "active");
    let lower = send(
        &fake,
        "GET",
        "/v2/account",
        Some(&format!("bearer {DEFAULT_TOKEN}")),
        None,
    );
    assert_eq!(lower.status, 200, "the scheme is case-insensitive");
}

#[test]
fn custom_token_replaces_the_default() {
    let fake = start(Seed {
        token: "secret".to_string(),
        ..Seed::default()
    });
    assert_eq!(get(&fake, "/v2/account").status, 401);
    let reply = send(&fake, "GET", "/v2/account", Some("Bearer secret"), None);
    assert_eq!(reply.status, 200);
}

#[test]
fn date_header_follows_the_emulator_clock() {
    let fake = start(Seed::default());
    let reply = get(&fake, "/v2/account");
    assert_eq!(reply.header("date"), Some("Thu, 01 Jan 2026 00:00:00 GMT"));
    fake.advance(90 * 60 + 5);
    let reply = get(&fake, "/v2/account");
    assert_eq!(reply.header("date"), Some("Thu, 01 Jan 2026 01:30:05 GMT"));
    assert_eq!(fake.now().to_string(), "2026-01-01T01:30:05Z");
    fake.advance(-100);
    assert_eq!(
        fake.now().to_string(),
        "2026-01-01T01:30:05Z",
        "never backwards"
    );
}

#[test]
fn rate_limit_counts_down_refuses_and_recovers() {
    let fake = start(Seed {
        rate_limit_per_hour: 3,
        ..Seed::default()
    });
    let start_second = fake.now().as_second();
    let header = |reply: &super::client::Reply, name: &str| -> i64 {
        reply.header(name).and_then(|v| v.parse().ok()).expect(name)
    };
    let first = get(&fake, "/v2/account");
    assert_eq!(header(&first, "ratelimit-limit"), 3);
    assert_eq!(header(&first, "ratelimit-remaining"), 2);
    assert_eq!(header(&first, "ratelimit-reset"), start_second + 3600);
    fake.advance(60);
    get(&fake, "/v2/account");
    let third = get(&fake, "/v2/account");
    assert_eq!(header(&third, "ratelimit-remaining"), 0);
    assert_eq!(header(&third, "ratelimit-reset"), start_second + 3600);

    let refused = get(&fake, "/v2/account");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.json()["id"], "too_many_requests");
    assert_eq!(refused.json()["message"], "API rate limit exceeded.");
    assert_eq!(
        refused.header("retry-after"),
        None,
        "only burst 429s have it"
    );
    assert_eq!(header(&refused, "ratelimit-remaining"), 0);
    assert_eq!(header(&refused, "ratelimit-reset"), start_second + 3600);

    // The first request expires an hour after it was made.
    fake.advance(3600 - 60);
    let again = get(&fake, "/v2/account");
    assert_eq!(again.status, 200);
    assert_eq!(header(&again, "ratelimit-remaining"), 0);
    assert_eq!(header(&again, "ratelimit-reset"), start_second + 60 + 3600);
    fake.advance(60);
    assert_eq!(header(&get(&fake, "/v2/account"), "ratelimit-remaining"), 1);
}

#[test]
fn hourly_limit_429_reports_the_reset_of_the_oldest_request_not_retry_after() {
    let fake = start(Seed {
        rate_limit_per_hour: 2,
        ..Seed::default()
    });
    let start_second = fake.now().as_second();
    get(&fake, "/v2/account");
    fake.advance(600);
    get(&fake, "/v2/account");
    fake.advance(100);
    for _ in 0..2 {
        let refused = get(&fake, "/v2/droplets");
        assert_eq!(refused.status, 429);
        assert_eq!(refused.json()["id"], "too_many_requests");
        assert_eq!(refused.header("retry-after"), None);
        assert_eq!(refused.header("ratelimit-limit"), Some("2"));
        assert_eq!(refused.header("ratelimit-remaining"), Some("0"));
        let reset = (start_second + 3600).to_string();
        assert_eq!(refused.header("ratelimit-reset"), Some(reset.as_str()));
    }
    // The oldest request expires at the reset; then the next one counts.
    fake.advance(3600 - 700);
    let again = get(&fake, "/v2/account");
    assert_eq!(again.status, 200);
    let reset = (start_second + 600 + 3600).to_string();
    assert_eq!(again.header("ratelimit-reset"), Some(reset.as_str()));
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 429, 429, 200]);
}

#[test]
fn injected_429_fault_keeps_its_retry_after() {
    let fake = start(Seed::default());
    fake.add_fault(crate::Fault {
        method: None,
        path: None,
        query: None,
        skip: 0,
        times: 1,
        kind: crate::FaultKind::Status {
            status: 429,
            retry_after: Some(29),
            body: None,
        },
    });
    let reply = get(&fake, "/v2/account");
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("retry-after"), Some("29"));
    assert_eq!(get(&fake, "/v2/account").header("retry-after"), None);
}

#[test]
fn unknown_routes_and_methods_get_json_errors() {
    let fake = start(Seed::default());
    let reply = get(&fake, "/v2/nothing/here");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["id"], "not_found");
    assert!(reply.header("x-request-id").is_some());
    let reply = send(&fake, "PUT", "/v2/account", Some(&bearer()), None);
    assert_eq!(reply.status, 405);
    assert_eq!(reply.json()["id"], "method_not_allowed");
}
