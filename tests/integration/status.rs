//! `status` through the binary, one test per Nagios exit code: it reads two listings, takes no
//! lock, changes nothing, and its first line is the verdict.

use fake_do::{Fault, FaultKind};
use serde_json::Value;

use crate::account::{Account, DAY, HOUR, T0, droplet, named, owned, seed};
use crate::harness::Run;

/// web-1: newest 5 hours old, copied to lon1 a day before; web-2: newest 2 hours old, in nyc3
/// only.
fn account() -> Account {
    let mut copied = owned(10, 1, "web-1", T0 - DAY);
    copied.regions = vec!["nyc3".into(), "lon1".into()];
    Account::start(seed(
        vec![
            droplet(1, "web-1", &["autosnapshot"]),
            droplet(2, "web-2", &["autosnapshot"]),
            droplet(3, "other", &["db"]),
        ],
        vec![
            copied,
            owned(11, 1, "web-1", T0 - 5 * HOUR),
            owned(20, 2, "web-2", T0 - 2 * HOUR),
        ],
    ))
}

/// `status` with the token file and `args` after it.
fn status(account: &Account, args: &[&str]) -> Run {
    let token = account.token_path();
    let mut all = vec![
        "status",
        "--token",
        &token,
        "--virtual-sleep",
        "--timeout",
        "2",
    ];
    all.extend_from_slice(args);
    account.run_exact(&all)
}

fn first_line(run: &Run) -> &str {
    run.stdout.lines().next().unwrap_or_default()
}

#[test]
fn ok_when_every_newest_snapshot_is_young_enough_and_nothing_is_changed() {
    let account = account();
    let run = status(&account, &["--max-age", "1d"]);
    run.expect_code(0).expect_no_panic();
    assert_eq!(
        first_line(&run),
        "OK: 2 droplet(s) tagged `autosnapshot`, every newest snapshot younger than 1d 0h (the \
         oldest is 5h 0min old)"
    );
    run.expect_stdout(
        "web-1 (1): newest web-1-autosnapshot-20251231T190000Z, 5h 0min old, in nyc3 [OK]",
    );
    assert!(account.mutations().is_empty());
    // Two listings, nothing else; and no lock file anywhere near the account's.
    assert_eq!(account.fake.requests().len(), 2);
    assert!(!account.lock_file().exists());
}

#[test]
fn the_shared_flags_work_before_or_after_status() {
    let account = account();
    let token = account.token_path();
    let url = account.fake.base_url();
    let before = crate::harness::command(
        &[
            "--json",
            "--api-url",
            &url,
            "--token",
            &token,
            "status",
            "--max-age",
            "1d",
        ],
        &[],
    );
    let after = crate::harness::command(
        &[
            "status",
            "--max-age",
            "1d",
            "-v",
            "--api-url",
            &url,
            "--access-token",
            &token,
            "--json",
        ],
        &[],
    );
    for mut command in [before, after] {
        let run = crate::harness::finish(command.output().unwrap());
        run.expect_code(0);
        let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
        assert_eq!(
            (doc["level"].as_str(), doc["exit_code"].as_u64()),
            (Some("OK"), Some(0))
        );
    }
    // A flag of the run is refused with status, not ignored: before it, and after it.
    let run = account.run_exact(&["-s", "1d", "status", "--max-age", "1d"]);
    run.expect_code(2)
        .expect_stderr("--snapshot is a flag of the run");
    let run = status(&account, &["--max-age", "1d", "-s", "1d"]);
    run.expect_code(2).expect_stderr("unexpected argument '-s'");
    let lock = account.lock_file().display().to_string();
    let run = account.run_exact(&["--lock-file", &lock, "status", "--max-age", "1d"]);
    run.expect_code(2)
        .expect_stderr("--lock-file is a flag of the run");
}

#[test]
fn warning_when_a_region_lacks_a_recent_copy_or_a_droplet_has_no_snapshot() {
    let account = account();
    let run = status(&account, &["--max-age", "1d", "-r", "lon1"]);
    run.expect_code(1);
    // web-1's copy in lon1 is a day old: not younger than --max-age.
    assert_eq!(
        first_line(&run),
        "WARNING: no copy younger than 1d 0h in: web-1 (lon1), web-2 (lon1)"
    );
    run.expect_stdout("no recent copy in lon1 [WARNING]");
    let run = status(&account, &["--max-age", "2d", "-r", "lon1"]);
    run.expect_code(1);
    assert_eq!(
        first_line(&run),
        "WARNING: no copy younger than 2d 0h in: web-2 (lon1)"
    );
    // A droplet that never had a snapshot, and a tag no droplet carries.
    let run = status(&account, &["--max-age", "1d", "-t", "db"]);
    run.expect_code(1);
    assert_eq!(first_line(&run), "WARNING: no snapshot at all: other");
    let run = status(&account, &["--max-age", "1d", "-t", "nobody"]);
    run.expect_code(1);
    assert_eq!(
        first_line(&run),
        "WARNING: no droplet carries the tag `nobody`"
    );
}

#[test]
fn critical_names_the_droplets_whose_newest_snapshot_is_too_old() {
    let account = account();
    let run = status(&account, &["--max-age", "3h", "-r", "lon1"]);
    run.expect_code(2);
    assert_eq!(
        first_line(&run),
        "CRITICAL: newest snapshot older than 3h 0min: web-1 (5h 0min old); no copy younger \
         than 3h 0min in: web-2 (lon1)"
    );
    run.expect_stdout("[CRITICAL]");
    // Only the snapshots the run owns count: -p as the run's.
    let account = Account::start(seed(
        vec![droplet(1, "db-1", &["db"])],
        vec![
            named(1, 1, "by-hand-20251231T230000Z", T0 - HOUR),
            owned(2, 1, "db-1", T0 - 10 * DAY),
            named(3, 1, "db-1-nightly-20251231T220000Z", T0 - 2 * HOUR),
        ],
    ));
    let run = status(&account, &["-t", "db", "--max-age", "1d"]);
    run.expect_code(2);
    assert_eq!(
        first_line(&run),
        "CRITICAL: newest snapshot older than 1d 0h: db-1 (10d 0h old)"
    );
    let run = status(
        &account,
        &["-t", "db", "-p", "$droplet-nightly-", "--max-age", "1d"],
    );
    run.expect_code(0);
}

#[test]
fn unknown_when_the_api_cannot_be_read() {
    let account = account();
    // A refused token.
    let wrong = account.path("wrong");
    std::fs::write(&wrong, "dop_v1_".to_string() + &"1".repeat(64)).unwrap();
    let wrong = wrong.display().to_string();
    let run = account.run_exact(&["status", "--token", &wrong, "--max-age", "1d"]);
    run.expect_code(3);
    assert!(
        first_line(&run)
            .starts_with("UNKNOWN: the API could not be read: the API rejected the token"),
        "{}",
        run.stdout
    );
    // Nothing listening.
    let token = account.token_path();
    let run = crate::harness::do_snapshot(&[
        "status",
        "--max-age",
        "1d",
        "--token",
        &token,
        "--virtual-sleep",
    ]);
    run.expect_code(3);
    assert!(first_line(&run).starts_with("UNKNOWN: the API could not be read: GET /v2/droplets"));
    // A snapshot entry that cannot be read: web-2's state is unsure.
    account.fake.add_fault(Fault {
        method: Some("GET".into()),
        path: Some("/v2/snapshots".into()),
        ..Fault::new(FaultKind::Malformed {
            body: serde_json::json!({
                "snapshots": [{"id": "20", "name": 5, "resource_id": "2"}],
                "links": {}, "meta": {"total": 1},
            })
            .to_string(),
        })
    });
    let run = status(&account, &["--max-age", "1d", "--json"]);
    run.expect_code(3);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(doc["level"], "UNKNOWN");
    assert_eq!(doc["droplets"][1]["unreadable"], true);
    assert!(
        doc["problems"].to_string().contains("`name` is missing"),
        "{doc:#}"
    );
    // Bad values are the plugin's UNKNOWN too.
    let run = status(&account, &["--max-age", "1d", "-r", "LON1"]);
    run.expect_code(3);
    assert!(
        first_line(&run).starts_with("UNKNOWN: --region `LON1`"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_json_document_has_each_droplet_and_the_verdict() {
    let account = account();
    let run = status(&account, &["--max-age", "1d", "-r", "lon1", "--json"]);
    run.expect_code(1);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(doc["level"], "WARNING");
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(doc["error"], Value::Null);
    assert_eq!(doc["max_age_seconds"], 86_400);
    let web1 = &doc["droplets"][0];
    assert_eq!(web1["newest"]["age_seconds"], 5 * 3_600);
    assert_eq!(
        web1["newest"]["name"],
        "web-1-autosnapshot-20251231T190000Z"
    );
    assert_eq!(web1["missing_regions"], serde_json::json!(["lon1"]));
    assert_eq!(web1["owned"], 2);
}
