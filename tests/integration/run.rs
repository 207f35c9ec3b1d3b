//! Real runs through the binary against the emulator (the API client, the run, the report).

use crate::account::{Account, DAY, HOUR, T0, droplet, named, owned, seed};

fn three_tagged_one_not() -> Account {
    Account::start(seed(
        vec![
            droplet(1, "web-1", &["autosnapshot"]),
            droplet(2, "web-2", &["autosnapshot", "prod"]),
            droplet(3, "db-1", &["autosnapshot"]),
            droplet(4, "scratch", &["other"]),
        ],
        vec![],
    ))
}

#[test]
fn a_first_run_snapshots_every_tagged_droplet_and_nothing_else() {
    let account = three_tagged_one_not();
    let run = account.run(&["-s", "1d"]);
    run.expect_code(0).expect_no_panic();
    for (id, name) in [(1, "web-1"), (2, "web-2"), (3, "db-1")] {
        assert_eq!(account.snapshot_actions(id), 1, "{id}");
        run.expect_stdout(&format!("taken: {name}-autosnapshot-20260101T000000Z"));
    }
    assert_eq!(account.snapshot_actions(4), 0);
    assert!(!run.stdout.contains("scratch"));
    assert_eq!(account.mutations().len(), 3);
    // Completed, the snapshots carry the names the run gave them.
    account.fake.advance(600);
    assert_eq!(
        account.snapshot_names(),
        [
            "db-1-autosnapshot-20260101T000000Z",
            "web-1-autosnapshot-20260101T000000Z",
            "web-2-autosnapshot-20260101T000000Z"
        ]
    );
}

#[test]
fn a_run_before_the_snapshot_age_takes_none() {
    let account = three_tagged_one_not();
    account.run(&["-s", "1d"]).expect_code(0);
    account.fake.advance(23 * HOUR);
    account.fake.clear_requests();
    let run = account.run(&["-s", "1d"]);
    run.expect_code(0);
    assert!(account.mutations().is_empty(), "{:?}", account.mutations());
    run.expect_stdout("not due (newest 2026-01-01T00:00:00Z)");
    account.fake.advance(HOUR);
    account.run(&["-s", "1d"]).expect_code(0);
    assert_eq!(account.snapshot_actions(1), 2);
}

#[test]
fn a_snapshot_in_progress_is_not_duplicated() {
    let mut s = seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]);
    s.snapshot_seconds = 2 * HOUR;
    let account = Account::start(s);
    account.run(&["-s", "1h"]).expect_code(0);
    // An hour later the snapshot is still running: invisible in the lists, droplet locked.
    account.fake.advance(HOUR);
    // The droplet has no snapshot yet, so it is overdue (exit 3) until its first completes.
    let run = account.run(&["-s", "1h"]);
    run.expect_code(3);
    run.expect_stdout("skipped: the droplet is locked");
    run.expect_stdout("overdue: web-1: it has no snapshot");
    // Even if the lock flag were wrong, the droplet's actions show the snapshot.
    account.fake.set_locked(1, false);
    let run = account.run(&["-s", "1h"]);
    run.expect_code(3);
    run.expect_stdout("skipped: a snapshot is already in progress");
    assert_eq!(account.snapshot_actions(1), 1);
}

#[test]
fn survivors_reach_every_region_and_no_transfer_is_requested_twice() {
    let account = Account::start(seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]));
    // lon1 twice: asked for once.
    let args = ["-s", "1d", "-r", "lon1", "-r", "sfo3", "-r", "lon1"];
    account.run(&args).expect_code(0);
    account.fake.advance(HOUR); // the snapshot completes
    let run = account.run(&args);
    run.expect_code(0);
    assert_eq!(account.count("POST", "/v2/images/"), 2, "{}", run.stdout);
    // While the transfers run, another run requests nothing more.
    account.fake.advance(10 * 60);
    let run = account.run(&args);
    run.expect_code(0);
    assert_eq!(account.count("POST", "/v2/images/"), 2, "{}", run.stdout);
    account.fake.advance(HOUR); // transfers complete
    account.run(&args).expect_code(0);
    assert_eq!(account.count("POST", "/v2/images/"), 2);
    let snap = &account.fake.snapshots()[0];
    let mut regions = snap.regions.clone();
    regions.sort();
    assert_eq!(regions, ["lon1", "nyc3", "sfo3"]);
}

#[test]
fn weeks_of_runs_delete_exactly_what_the_simulator_predicts() {
    let policy = ["-s", "1d", "-k", "1d:2d", "-k", "1w:1w", "-k", "0d:3w"];
    let account = Account::start(seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]));
    let runs = 6 * 35; // every 4 hours for 5 weeks
    for _ in 0..runs {
        account.run(&policy).expect_code(0);
        account.fake.advance(4 * HOUR);
    }
    let real: Vec<String> = {
        let mut s = account.fake.snapshots();
        s.sort_by_key(|s| s.created_at);
        s.iter().map(|s| s.created_at.to_string()).collect()
    };
    let mut args = policy.to_vec();
    args.extend([
        "--simulate",
        "4h:5w",
        "--start",
        "2026-01-01T00:00:00Z",
        "--json",
    ]);
    let sim = crate::harness::do_snapshot(&args);
    sim.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&sim.stdout).unwrap();
    let predicted: Vec<String> = doc["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["created_at"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(real, predicted);
    assert!(predicted.len() >= 5, "{predicted:?}");
    let deletes = account.count("DELETE", "/v2/snapshots/") as u64;
    assert_eq!(deletes, doc["snapshots_deleted"].as_u64().unwrap());
}

#[test]
fn snapshots_the_tool_does_not_own_are_never_touched() {
    let old = T0 - 400 * DAY;
    let account = Account::start(seed(
        vec![
            droplet(1, "web-1", &["autosnapshot"]),
            droplet(2, "other", &["untagged"]),
        ],
        vec![
            owned(10, 1, "web-1", old),
            owned(11, 1, "web-1", old + DAY),
            named(12, 1, "web-1-before-upgrade", old),
            named(13, 1, "web-1-autosnapshot-20250101T000000Z-manual", old),
            named(14, 1, "x-web-1-autosnapshot-20250101T000000Z", old),
            owned(15, 2, "other", old),
            owned(16, 2, "other", old + DAY),
            // A snapshot of a droplet that no longer exists, named like the tool's.
            owned(17, 99, "gone", old),
        ],
    ));
    let run = account.run(&["-s", "1y", "-k", "0d:1d"]);
    run.expect_code(0);
    let deleted: Vec<String> = account
        .mutations()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path)
        .collect();
    assert_eq!(
        deleted,
        ["/v2/snapshots/10"],
        "only the older owned one; 11 is the newest"
    );
}

#[test]
fn dryrun_sends_only_reads_and_says_what_it_would_do() {
    let account = Account::start(seed(
        vec![droplet(1, "web-1", &["autosnapshot"])],
        vec![
            owned(10, 1, "web-1", T0 - 10 * DAY),
            owned(11, 1, "web-1", T0 - 5 * DAY),
        ],
    ));
    for flag in ["--dryrun", "--dry-run"] {
        let run = account.run(&["-s", "5d", "-k", "0d:1w", "-r", "lon1", flag]);
        run.expect_code(0);
        assert!(account.mutations().is_empty(), "{:?}", account.mutations());
        run.expect_stdout("would take: web-1-autosnapshot-");
        run.expect_stdout("Dry run: nothing was changed.");
        let json = account.run(&["-s", "5d", "-k", "0d:1w", "-r", "lon1", flag, "--json"]);
        let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(doc["dry_run"], true);
        assert_eq!(doc["droplets"][0]["deleted"][0]["id"], 10);
        assert_eq!(doc["droplets"][0]["transfers"].as_array().unwrap().len(), 1);
    }
}

#[test]
fn pagination_past_200_droplets_and_200_snapshots_in_15_requests() {
    let droplets: Vec<_> = (1..=250)
        .map(|i| droplet(i, &format!("node-{i}"), &["autosnapshot"]))
        .collect();
    let snapshots: Vec<_> = (1..=250u64)
        .flat_map(|d| {
            (0..10).map(move |k| {
                owned(
                    1000 + d * 10 + k,
                    d,
                    &format!("node-{d}"),
                    T0 - (k as i64) * HOUR - 60,
                )
            })
        })
        .collect();
    let account = Account::start(seed(droplets, snapshots));
    let run = account.run(&["-s", "1d", "--json"]);
    run.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let reports = doc["droplets"].as_array().unwrap();
    assert_eq!(reports.len(), 250);
    assert!(
        reports
            .iter()
            .all(|d| d["owned"] == 10 && d["snapshot"]["status"] == "not_due")
    );
    // A steady-state run: ceil(250/200) + ceil(2500/200) requests, all reads.
    let requests = account.fake.requests();
    assert_eq!(requests.len(), 2 + 13, "{requests:#?}");
    assert!(
        requests
            .iter()
            .all(|r| r.method == "GET" && r.query.contains("per_page=200"))
    );
}

#[test]
fn a_rejected_token_fails_cleanly_touching_nothing() {
    let account = Account::start(seed(
        vec![droplet(1, "web-1", &["autosnapshot"])],
        vec![owned(10, 1, "web-1", T0 - 10 * DAY)],
    ));
    let wrong = format!("dop_v1_{}", "f".repeat(64));
    let run = account.run_env(&["-s", "1d", "-k", "0d:1h"], &[("DO_TOKEN", &wrong)]);
    run.expect_code(1).expect_no_panic();
    run.expect_stderr("the API rejected the token (401");
    assert!(account.mutations().is_empty());
    assert!(!run.stderr.contains(&wrong) && !run.stdout.contains(&wrong));
}

#[test]
fn the_token_appears_nowhere_even_at_the_most_verbose() {
    let token = "dop_v1_7e3a9c51d2b84f06a1c3e5d7f9b2468ace13579bdf02468ace13579bdf024680";
    let mut s = seed(
        vec![droplet(1, "web-1", &["autosnapshot"])],
        vec![
            owned(10, 1, "web-1", T0 - 10 * DAY),
            owned(11, 1, "web-1", T0 - 9 * DAY),
        ],
    );
    s.token = token.to_string();
    let account = Account::start(s);
    account.fake.add_fault(fake_do::Fault {
        times: 1,
        ..fake_do::Fault::new(fake_do::FaultKind::Status {
            status: 500,
            retry_after: None,
            body: None,
        })
    });
    let runs = [
        account.run_env(&["-s", "1w", "-k", "0d:1d", "-vvv", "--token", token], &[]),
        account.run_env(
            &["-s", "1w", "-k", "0d:1d", "-vvv", "--json"],
            &[("DO_TOKEN", token)],
        ),
        account.run(&["-s", "1w", "-vvv", "--dryrun"]),
        // Pasted where no value belongs, clap would echo it.
        account.run(&["-s", "1w", token]),
    ];
    for run in &runs {
        run.expect_no_panic();
        for text in [&run.stdout, &run.stderr] {
            assert!(!text.contains(&token[7..]), "the token leaked:\n{text}");
        }
    }
    runs[0].expect_code(0).expect_stderr("GET /v2/droplets");
    runs[3]
        .expect_code(2)
        .expect_stderr("unexpected argument '<token>'");
}

#[test]
fn a_tag_no_droplet_carries_is_reported() {
    let account = three_tagged_one_not();
    let run = account.run(&["-s", "1d", "-t", "prdo"]);
    run.expect_code(0);
    run.expect_stderr("no droplet carries the tag `prdo`");
    run.expect_stdout("(no droplet carries the tag)");
    assert!(account.mutations().is_empty());
}
