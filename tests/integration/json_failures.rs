//! `--json` prints one JSON document whatever happens: a run that fails outright gives
//! `{"error": {"message", "exit_code"}, "warnings": [...], ...}`, never an empty stdout, and
//! never the token.

use std::fs::File;

use fake_do::{Fault, FaultKind};
use serde_json::Value;

use crate::account::{Account, droplet, seed};
use crate::harness::{Run, do_snapshot};

fn account() -> Account {
    Account::start(seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]))
}

/// The document on stdout, after checking it is the only thing there and has the error's
/// shape: `error.exit_code` and `exit_code` both the process's.
#[track_caller]
fn failure(run: &Run, code: i32) -> Value {
    run.expect_code(code).expect_no_panic();
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", run.stdout));
    assert_eq!(doc["error"]["exit_code"], code, "{doc:#}");
    assert_eq!(doc["exit_code"], code, "{doc:#}");
    assert!(doc["error"]["message"].is_string(), "{doc:#}");
    assert!(doc["warnings"].is_array(), "{doc:#}");
    doc
}

fn message(doc: &Value) -> &str {
    doc["error"]["message"].as_str().unwrap_or_default()
}

#[test]
fn a_refused_token_is_an_error_document_without_the_token() {
    let account = account();
    let wrong = "dop_v1_1111111111111111111111111111111111111111111111111111111111111111";
    // Given on the command line, it is also warned about, and the warning is in the document.
    let run = account.run_env(&["-s", "1d", "--json", "--token", wrong], &[]);
    let doc = failure(&run, 1);
    assert!(message(&doc).contains("rejected the token"), "{doc:#}");
    assert!(!message(&doc).starts_with("error:"), "{doc:#}");
    let warnings = doc["warnings"].to_string();
    assert!(
        warnings.contains("which other users can see in `ps`"),
        "{doc:#}"
    );
    assert!(!run.stdout.contains(&wrong[7..]) && !run.stderr.contains(&wrong[7..]));
    // stderr says it too, for cron.
    run.expect_stderr("do-snapshot: error: the API rejected the token");
}

#[test]
fn an_unreachable_api_is_an_error_document_with_the_retries_as_warnings() {
    let account = account();
    let lock = account.lock_file().display().to_string();
    let token = account.token_path();
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    let run = crate::harness::do_snapshot(&[
        "-s",
        "1d",
        "--json",
        "--virtual-sleep",
        "--token",
        &token,
        "--lock-file",
        &lock,
    ]);
    let doc = failure(&run, 1);
    assert!(message(&doc).contains("GET /v2/droplets"), "{doc:#}");
    assert!(message(&doc).ends_with("nothing was changed"), "{doc:#}");
    assert!(
        doc["warnings"].to_string().contains("trying again"),
        "{doc:#}"
    );
    assert_eq!(doc["droplets"], serde_json::json!([]));
}

#[test]
fn a_failed_listing_is_an_error_document() {
    let account = account();
    account.fake.add_fault(Fault {
        path: Some("/v2/snapshots".into()),
        ..Fault::new(FaultKind::Status {
            status: 500,
            retry_after: None,
            body: None,
        })
    });
    let doc = failure(&account.run(&["-s", "1d", "--json"]), 1);
    assert!(message(&doc).contains("/v2/snapshots"), "{doc:#}");
    assert!(account.mutations().is_empty());
}

#[test]
fn a_held_lock_is_an_error_document() {
    let account = account();
    let held = File::create(account.lock_file()).expect("the lock file");
    held.try_lock().expect("the test holds the lock");
    let doc = failure(&account.run(&["-s", "1d", "--json"]), 4);
    assert!(
        message(&doc).contains("another do-snapshot run holds the lock"),
        "{doc:#}"
    );
    assert!(account.fake.requests().is_empty());
}

#[test]
fn bad_usage_is_an_error_document() {
    // Found when the flags are checked, after parsing.
    let run = do_snapshot(&["-s", "1d", "-r", "LON1", "--json"]);
    let doc = failure(&run, 2);
    assert!(message(&doc).starts_with("--region `LON1`"), "{doc:#}");
    // Found by the parser itself.
    let run = do_snapshot(&["-s", "1d", "--max-delete", "many", "--json"]);
    let doc = failure(&run, 2);
    assert!(message(&doc).contains("--max-delete"), "{doc:#}");
    // A simulation too large to run.
    let run = do_snapshot(&["-s", "1d", "--simulate", "1min:100y", "--json"]);
    failure(&run, 2);
}

#[test]
fn a_run_stopped_midway_has_the_report_and_the_error() {
    let account = Account::start(seed(
        vec![
            droplet(1, "web-1", &["autosnapshot"]),
            droplet(2, "web-2", &["autosnapshot"]),
        ],
        vec![],
    ));
    // The token is refused from the first snapshot request on.
    account.fake.add_fault(Fault {
        method: Some("POST".into()),
        ..Fault::new(FaultKind::Status {
            status: 401,
            retry_after: None,
            body: None,
        })
    });
    let doc = failure(&account.run(&["-s", "1d", "--json"]), 1);
    assert!(message(&doc).contains("rejected the token"), "{doc:#}");
    assert_eq!(doc["droplets"][1]["snapshot"]["status"], "not_attempted");
    assert!(doc["stopped"].is_string(), "{doc:#}");
}

#[test]
fn a_run_that_went_well_has_a_null_error_and_its_warnings() {
    let account = account();
    let run = account.run(&["-s", "1d", "--json"]);
    run.expect_code(0);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(doc["error"], Value::Null);
    // The emulator's clock is in 2026-01, not this machine's: warned, and listed.
    assert!(doc["warnings"].to_string().contains("clock"), "{doc:#}");
}
