//! Fault injection through the real binary: for each fault, what the emulator ends up holding,
//! what was sent, the exit code, and a message a person can act on.

use fake_do::{Fault, FaultKind};

use crate::account::{Account, DAY, HOUR, T0, droplet, named, owned, seed};

/// Two tagged droplets, each with three old owned snapshots; `-k 0d:1w` wants the two older of
/// each deleted, and a snapshot is due for both.
fn account() -> Account {
    Account::start(seed(
        vec![
            droplet(1, "web-1", &["autosnapshot"]),
            droplet(2, "web-2", &["autosnapshot"]),
        ],
        vec![
            owned(10, 1, "web-1", T0 - 30 * DAY),
            owned(11, 1, "web-1", T0 - 20 * DAY),
            owned(12, 1, "web-1", T0 - 10 * DAY),
            owned(20, 2, "web-2", T0 - 30 * DAY),
            owned(21, 2, "web-2", T0 - 20 * DAY),
            owned(22, 2, "web-2", T0 - 10 * DAY),
        ],
    ))
}

const POLICY: [&str; 4] = ["-s", "1w", "-k", "0d:1w"];

fn status(status: u16) -> FaultKind {
    FaultKind::Status {
        status,
        retry_after: None,
        body: None,
    }
}

fn on(path: &str, kind: FaultKind) -> Fault {
    Fault {
        path: Some(path.to_string()),
        ..Fault::new(kind)
    }
}

/// A fault on POST requests to `path`.
fn post(path: &str, kind: FaultKind) -> Fault {
    Fault {
        method: Some("POST".into()),
        ..on(path, kind)
    }
}

/// A fault answering GET requests to `path` with this 200 body instead of the real listing.
fn listing(path: &str, body: &serde_json::Value) -> Fault {
    Fault {
        method: Some("GET".into()),
        ..on(
            path,
            FaultKind::Malformed {
                body: body.to_string(),
            },
        )
    }
}

fn times(fault: Fault, n: u32) -> Fault {
    Fault { times: n, ..fault }
}

fn remaining_ids(account: &Account) -> Vec<u64> {
    let mut ids: Vec<u64> = account.fake.snapshots().iter().map(|s| s.id).collect();
    ids.sort_unstable();
    ids
}

/// The policy's full effect: the two older snapshots of each droplet gone, one new each.
#[track_caller]
fn assert_policy_applied(account: &Account) {
    account.fake.advance(HOUR);
    let ids = remaining_ids(account);
    assert!(ids.contains(&12) && ids.contains(&22), "{ids:?}");
    assert!(!ids.iter().any(|i| [10, 11, 20, 21].contains(i)), "{ids:?}");
    assert_eq!(account.snapshot_actions(1), 1);
    assert_eq!(account.snapshot_actions(2), 1);
}

/// Nothing deleted, nothing started.
#[track_caller]
fn assert_untouched(account: &Account) {
    assert_eq!(remaining_ids(account), [10, 11, 12, 20, 21, 22]);
    assert!(
        !account.mutations().iter().any(|r| r.method == "DELETE"),
        "{:?}",
        account.mutations()
    );
}

#[test]
fn a_429_storm_with_retry_after_is_waited_out() {
    let account = account();
    account.fake.add_fault(times(
        on(
            "/v2/snapshots",
            FaultKind::Status {
                status: 429,
                retry_after: Some(7),
                body: None,
            },
        ),
        3,
    ));
    let run = account.run(&POLICY);
    run.expect_code(0).expect_no_panic();
    assert_eq!(
        run.stderr.matches("trying again in 7.0 s").count(),
        3,
        "{}",
        run.stderr
    );
    assert_policy_applied(&account);
}

#[test]
fn a_429_storm_without_retry_after_backs_off() {
    let account = account();
    account
        .fake
        .add_fault(times(on("/v2/droplets", status(429)), 4));
    let run = account.run(&POLICY);
    run.expect_code(0);
    assert_eq!(
        run.stderr.matches("trying again in").count(),
        4,
        "{}",
        run.stderr
    );
    assert_policy_applied(&account);
}

#[test]
fn an_endless_429_gives_up_deleting_nothing() {
    let account = account();
    account.fake.add_fault(on("/v2/snapshots", status(429)));
    let run = account.run(&POLICY);
    run.expect_code(1).expect_no_panic();
    run.expect_stderr("429");
    run.expect_stderr("gave up after 5 tries");
    run.expect_stderr("nothing was changed");
    assert_untouched(&account);
    assert!(account.mutations().is_empty());
}

#[test]
fn a_5xx_burst_with_html_pages_is_retried() {
    let account = account();
    account.fake.add_fault(times(
        on(
            "/v2/droplets",
            FaultKind::Status {
                status: 502,
                retry_after: None,
                body: Some("<html><body><h1>502 Bad Gateway</h1></body></html>".into()),
            },
        ),
        2,
    ));
    account
        .fake
        .add_fault(times(on("/v2/snapshots/", status(503)), 2));
    let run = account.run(&POLICY);
    run.expect_code(0);
    run.expect_stderr("502 Bad Gateway");
    assert_policy_applied(&account);
}

#[test]
fn a_timeout_is_retried() {
    let account = account();
    account.fake.add_fault(times(
        on(
            "/v2/droplets",
            FaultKind::Delay {
                millis: 2_500,
                apply: false,
            },
        ),
        1,
    ));
    let run = account.run(&POLICY);
    run.expect_code(0);
    run.expect_stderr("no answer within 2 s");
    assert_policy_applied(&account);
}

#[test]
fn a_truncated_page_is_read_again() {
    let account = account();
    account
        .fake
        .add_fault(times(on("/v2/snapshots", FaultKind::Truncate), 1));
    let run = account.run(&POLICY);
    run.expect_code(0);
    run.expect_stderr("could not be read");
    assert_policy_applied(&account);
}

#[test]
fn a_failure_on_page_3_of_the_snapshot_listing_deletes_nothing() {
    // 450 snapshots of a third, untagged droplet make the listing three pages long.
    let mut s = seed(
        vec![
            droplet(1, "web-1", &["autosnapshot"]),
            droplet(3, "big", &["other"]),
        ],
        vec![
            owned(10, 1, "web-1", T0 - 30 * DAY),
            owned(11, 1, "web-1", T0 - 20 * DAY),
        ],
    );
    s.snapshots
        .extend((0..450).map(|i| named(1_000 + i, 3, &format!("big-{i}"), T0 - DAY)));
    let account = Account::start(s);
    account.fake.add_fault(Fault {
        query: Some("page=3".into()),
        ..on("/v2/snapshots", status(500))
    });
    let run = account.run(&["-s", "1d", "-k", "0d:1w"]);
    run.expect_code(1).expect_no_panic();
    run.expect_stderr("page=3");
    run.expect_stderr("nothing was changed");
    assert!(account.mutations().is_empty(), "{:?}", account.mutations());
}

#[test]
fn an_incomplete_listing_deletes_nothing() {
    let account = account();
    // A page that claims more snapshots exist than it lists, and links nowhere.
    let body = serde_json::json!({
        "snapshots": [{"id": "12", "name": "web-1-autosnapshot-20251222T000000Z",
                        "created_at": "2025-12-22T00:00:00Z", "resource_id": "1",
                        "resource_type": "droplet", "regions": ["nyc3"]}],
        "links": {}, "meta": {"total": 6}
    });
    account.fake.add_fault(listing("/v2/snapshots", &body));
    let run = account.run(&POLICY);
    run.expect_code(1);
    run.expect_stderr("incomplete");
    run.expect_stderr("meta.total says 6 but 1 were listed");
    assert!(account.mutations().is_empty());
}

#[test]
fn an_unreadable_snapshot_stops_deletions_for_its_droplet_only() {
    let account = account();
    let snapshot = |id: u64, droplet: u64, created: &str| {
        serde_json::json!({"id": id.to_string(), "name": format!("web-{droplet}-autosnapshot-x"),
            "created_at": created, "resource_id": droplet.to_string(), "resource_type": "droplet",
            "regions": ["nyc3"]})
    };
    let mut items: Vec<serde_json::Value> = fake_snapshots(&account);
    items.push(snapshot(99, 1, "last\u{202e} tuesday"));
    let body = serde_json::json!({"snapshots": items, "links": {}, "meta": {"total": items.len()}});
    account.fake.add_fault(listing("/v2/snapshots", &body));
    let run = account.run(&POLICY);
    run.expect_code(3).expect_no_panic();
    run.expect_stderr("snapshot \"99\": created_at");
    run.expect_stdout("withheld: web-1")
        .expect_stdout("unreadable: snapshot \"99\": created_at `last\\u{202e} tuesday`");
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains('\u{202e}'), "{text}");
    }
    let ids = remaining_ids(&account);
    assert!(
        ids.contains(&10) && ids.contains(&11),
        "web-1 kept all: {ids:?}"
    );
    assert!(
        !ids.contains(&20) && !ids.contains(&21),
        "web-2 pruned: {ids:?}"
    );
    // An unreadable snapshot whose droplet is unknown stops every deletion.
    let account = self::account();
    let mut items = fake_snapshots(&account);
    items.push(serde_json::json!({"id": "98", "name": "mystery"}));
    let body = serde_json::json!({"snapshots": items, "links": {}, "meta": {"total": items.len()}});
    account.fake.add_fault(listing("/v2/snapshots", &body));
    let run = account.run(&POLICY);
    run.expect_code(1);
    assert_untouched(&account);
}

/// The emulator's snapshots as `/v2/snapshots` lists them.
fn fake_snapshots(account: &Account) -> Vec<serde_json::Value> {
    account
        .fake
        .snapshots()
        .iter()
        .map(|s| {
            serde_json::json!({"id": s.id.to_string(), "name": s.name, "created_at": s.created_at,
                "resource_id": s.resource_id.to_string(), "resource_type": "droplet",
                "regions": s.regions})
        })
        .collect()
}

/// Faults on the snapshot request itself: whatever happened to the answer, the droplet gets
/// exactly one snapshot, and the request is repeated only when none started.
#[test]
fn faults_on_the_snapshot_request_never_make_a_second_snapshot() {
    let cases = [
        (
            "a timeout after the request was accepted",
            FaultKind::Delay {
                millis: 2_500,
                apply: true,
            },
            1,
            "the snapshot did start; not asking again",
        ),
        (
            "a 500 after the request was accepted",
            FaultKind::AfterApply { status: 500 },
            1,
            "the snapshot did start; not asking again",
        ),
        (
            "a 500 with nothing started",
            status(500),
            2,
            "no snapshot started; asking again",
        ),
    ];
    for (case, kind, posts, message) in cases {
        let account = account();
        account
            .fake
            .add_fault(times(post("/v2/droplets/1/actions", kind), 1));
        let run = account.run(&POLICY);
        run.expect_code(0).expect_stderr(message);
        assert_eq!(
            account.count("POST", "/v2/droplets/1/actions"),
            posts,
            "{case}"
        );
        assert_policy_applied(&account);
    }
}

#[test]
fn a_422_on_a_locked_droplet_is_a_skip_not_a_failure() {
    let account = account();
    let pending =
        r#"{"id":"unprocessable_entity","message":"Droplet already has a pending event."}"#;
    account.fake.add_fault(post(
        "/v2/droplets/1/actions",
        FaultKind::Status {
            status: 422,
            retry_after: None,
            body: Some(pending.to_string()),
        },
    ));
    let run = account.run(&POLICY);
    run.expect_code(0);
    run.expect_stdout("skipped: the droplet already has a pending event");
    assert_eq!(account.snapshot_actions(1), 0);
    assert_eq!(account.snapshot_actions(2), 1);
}

#[test]
fn any_other_422_on_the_snapshot_request_is_a_failure_not_a_skip() {
    // Backups must not stop silently because the API refuses the request for another reason.
    let account = account();
    account
        .fake
        .add_fault(post("/v2/droplets/1/actions", status(422)));
    let run = account.run(&POLICY);
    run.expect_code(3);
    run.expect_stdout("error: web-1: POST /v2/droplets/1/actions: the API answered 422");
    run.expect_stdout("request payload validation failed");
    run.expect_stderr("ERROR droplet web-1");
    assert_eq!(account.snapshot_actions(1), 0);
    assert_eq!(account.snapshot_actions(2), 1);
}

#[test]
fn deletes_that_404_count_as_already_gone() {
    let account = account();
    account.fake.add_fault(Fault {
        method: Some("DELETE".into()),
        ..on("/v2/snapshots/10", status(404))
    });
    let run = account.run(&[&POLICY[..], &["--json"]].concat());
    run.expect_code(0);
    assert!(!run.stderr.contains("ERROR"), "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let deleted = &doc["droplets"][0]["deleted"];
    assert_eq!(deleted[0]["id"], 10);
    assert_eq!(deleted[0]["already_gone"], true);
    assert_eq!(deleted[1]["id"], 11);
    assert!(deleted[1].get("already_gone").is_none());
    assert_eq!(doc["exit_code"], 0);
}

#[test]
fn a_deletion_failure_on_one_droplet_leaves_the_others_done() {
    let account = account();
    account.fake.add_fault(Fault {
        method: Some("DELETE".into()),
        ..on("/v2/snapshots/20", status(500))
    });
    let run = account.run(&POLICY);
    run.expect_code(3).expect_no_panic();
    run.expect_stdout("error: web-2: DELETE /v2/snapshots/20");
    let ids = remaining_ids(&account);
    assert!(
        ids.contains(&20) && !ids.contains(&21) && !ids.contains(&10),
        "{ids:?}"
    );
}

#[test]
fn max_delete_holds_back_the_rest_and_says_so() {
    let account = account();
    let run = account.run(&["-s", "1w", "-k", "0d:1w", "--max-delete", "1"]);
    run.expect_code(3);
    run.expect_stdout("--max-delete held back 3 deletion(s)");
    assert_eq!(account.count("DELETE", "/v2/snapshots/"), 1);
    let run = account.run(&["-s", "1w", "-k", "0d:1w", "--max-delete", "10"]);
    run.expect_code(0);
    assert_eq!(account.count("DELETE", "/v2/snapshots/"), 4);
}

#[test]
fn ages_follow_the_api_clock_and_future_snapshots_are_kept() {
    // The emulator's clock is 2026-01-01, the machine's is later: by the local clock every
    // snapshot would be older than 6 months and, but for the newest, deleted.
    let account = Account::start(seed(
        vec![droplet(1, "web-1", &["autosnapshot"])],
        vec![
            owned(10, 1, "web-1", T0 - 3 * DAY),
            owned(11, 1, "web-1", T0 - 2 * DAY),
            owned(12, 1, "web-1", T0 + 30 * DAY),
        ],
    ));
    let run = account.run(&["-s", "1d", "-k", "0d:6m"]);
    run.expect_code(0);
    run.expect_stderr("ahead of the API's");
    run.expect_stderr("dated more than 10min after the API's clock");
    assert_eq!(remaining_ids(&account), [10, 11, 12]);
    // The future-dated snapshot does not stop the one that is due.
    assert_eq!(account.snapshot_actions(1), 1);
}

#[test]
fn names_from_the_api_are_escaped() {
    let account = Account::start(seed(
        vec![droplet(1, "evil\u{1b}[2J\u{202e}", &["autosnapshot"])],
        vec![],
    ));
    let run = account.run(&["-s", "1d", "-v"]);
    run.expect_code(0);
    for text in [&run.stdout, &run.stderr] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{text:?}"
        );
    }
    run.expect_stdout("evil\\u{1b}[2J\\u{202e}");
}

#[test]
fn running_low_on_the_hourly_allowance_slows_down_instead_of_hitting_429() {
    let mut s = seed(
        vec![
            droplet(1, "web-1", &["autosnapshot"]),
            droplet(2, "web-2", &["autosnapshot"]),
        ],
        vec![],
    );
    s.rate_limit_per_hour = 52;
    let account = Account::start(s);
    let run = account.run(&["-s", "1d", "-v"]);
    run.expect_code(0);
    run.expect_stderr("API requests left this hour; pausing");
    assert!(account.fake.requests().iter().all(|r| r.status != 429));
    assert_eq!(account.snapshot_actions(1) + account.snapshot_actions(2), 2);
}

#[test]
fn a_used_up_hourly_allowance_is_reported_not_waited_out_for_an_hour() {
    let mut s = seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]);
    s.rate_limit_per_hour = 1;
    let account = Account::start(s);
    let run = account.run(&["-s", "1d"]);
    run.expect_code(1).expect_no_panic();
    run.expect_stderr("429");
    run.expect_stderr("longer than the 300 s a run waits");
    assert!(account.mutations().is_empty());
}

/// A page whose `meta.total` disagrees with the first page's: something changed the listing
/// while it was read.
fn shifted_page() -> Fault {
    let body = serde_json::json!({
        "snapshots": [], "links": {"pages": {"first": "https://api.digitalocean.com/v2/snapshots?page=1"}},
        "meta": {"total": 499}
    });
    Fault {
        query: Some("&page=2&".into()),
        ..listing("/v2/snapshots", &body)
    }
}

/// The fault suite's account, with 450 snapshots of an untagged droplet making the snapshot
/// listing three pages long.
fn long_account() -> Account {
    let account = account();
    let mut s = seed(
        vec![
            droplet(1, "web-1", &["autosnapshot"]),
            droplet(2, "web-2", &["autosnapshot"]),
        ],
        account
            .fake
            .snapshots()
            .iter()
            .map(|x| {
                owned(
                    x.id,
                    x.resource_id,
                    &format!("web-{}", x.resource_id),
                    x.created_at.as_second(),
                )
            })
            .collect(),
    );
    s.snapshots
        .extend((0..450).map(|i| named(1_000 + i, 3, &format!("big-{i}"), T0 - DAY)));
    Account::start(s)
}

#[test]
fn a_listing_that_changes_while_it_is_read_is_read_again() {
    let account = long_account();
    account.fake.add_fault(times(shifted_page(), 1));
    let run = account.run(&POLICY);
    run.expect_code(0);
    run.expect_stderr("meta.total went from 456 to 499 between pages; reading it again");
    assert_policy_applied(&account);
}

#[test]
fn a_listing_that_keeps_changing_deletes_nothing() {
    let account = long_account();
    account.fake.add_fault(shifted_page());
    let run = account.run(&POLICY);
    run.expect_code(1).expect_no_panic();
    run.expect_stderr("it kept changing while being read; nothing was changed");
    assert!(account.mutations().is_empty(), "{:?}", account.mutations());
}

#[test]
fn a_snapshot_a_droplet_names_but_the_listing_lacks_stops_that_droplets_deletions() {
    let account = account();
    // The listing lacks web-1's snapshot 12, though the droplet still names it.
    let items: Vec<serde_json::Value> = fake_snapshots(&account)
        .into_iter()
        .filter(|s| s["id"] != "12")
        .collect();
    let body = serde_json::json!({"snapshots": items, "links": {}, "meta": {"total": items.len()}});
    account.fake.add_fault(listing("/v2/snapshots", &body));
    let run = account.run(&POLICY);
    run.expect_code(3);
    run.expect_stderr("droplet 1 has snapshot 12, but the snapshot listing lacks it");
    run.expect_stdout("withheld: web-1");
    let ids = remaining_ids(&account);
    assert!(
        ids.contains(&10) && ids.contains(&11),
        "web-1 untouched: {ids:?}"
    );
    assert!(
        !ids.contains(&20) && !ids.contains(&21),
        "web-2 pruned: {ids:?}"
    );
}

#[test]
fn a_refused_token_mid_run_stops_and_reports_what_was_done() {
    let account = account();
    account.fake.add_fault(Fault {
        method: Some("DELETE".into()),
        ..on("/v2/snapshots/20", status(401))
    });
    let run = account.run(&[&POLICY[..], &["--json"]].concat());
    run.expect_code(1).expect_no_panic();
    run.expect_stderr("the run stopped there");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["exit_code"], 1);
    assert!(
        doc["stopped"]
            .as_str()
            .unwrap()
            .contains("rejected the token")
    );
    assert_eq!(doc["droplets"][0]["deleted"].as_array().unwrap().len(), 2);
    assert_eq!(doc["droplets"][1]["snapshot"]["status"], "not_attempted");
    let ids = remaining_ids(&account);
    assert!(
        !ids.contains(&10) && !ids.contains(&11),
        "web-1 was pruned: {ids:?}"
    );
    assert!(
        ids.contains(&20) && ids.contains(&21),
        "nothing after the 401: {ids:?}"
    );
    assert_eq!(account.snapshot_actions(2), 0, "nothing after the 401");
}

#[test]
fn a_missing_permission_fails_that_operation_only() {
    // A token without the image:update scope: copies fail, snapshots and pruning go on.
    let account = account();
    account.fake.add_fault(post("/v2/images/", status(403)));
    let run = account.run(&["-s", "1d", "-k", "0d:1w", "-r", "lon1"]);
    // Every droplet has a failure to report, so the run as a whole failed...
    run.expect_code(1)
        .expect_stdout("error: web-1: POST /v2/images/12/actions: the API answered 403")
        .expect_stdout("error: web-2: POST /v2/images/22/actions: the API answered 403");
    // ...but everything else was done.
    assert_policy_applied(&account);
}
