//! `--explain` through the real binary: a dry run against the emulator and a simulation, in
//! text and in JSON.

use crate::account::{Account, DAY, HOUR, T0, droplet, named, owned, seed};
use crate::harness::do_snapshot;
use crate::simulate::SEED_EXAMPLE;

/// web-01 with owned snapshots 40, 37, 33, 10 and 2 days and 12 hours old, one dated a day
/// ahead, and one made by hand.
fn web_01() -> Account {
    Account::start(seed(
        vec![droplet(1, "web-01", &["autosnapshot"])],
        vec![
            owned(11, 1, "web-01", T0 - 40 * DAY),
            owned(12, 1, "web-01", T0 - 37 * DAY),
            owned(13, 1, "web-01", T0 - 33 * DAY),
            named(14, 1, "web-01-before-upgrade", T0 - 20 * DAY),
            owned(15, 1, "web-01", T0 - 10 * DAY),
            owned(16, 1, "web-01", T0 - 2 * DAY),
            owned(17, 1, "web-01", T0 - 12 * HOUR),
            owned(18, 1, "web-01", T0 + DAY),
        ],
    ))
}

const POLICY: &[&str] = &[
    "-s",
    "1d",
    "-k",
    "1d:1d",
    "-k",
    "1w:1m",
    "--dryrun",
    "--explain",
];

#[test]
fn a_dry_run_explains_every_owned_snapshot_oldest_first() {
    let account = web_01();
    let run = account.run(POLICY);
    run.expect_code(0).expect_no_panic();
    let section = run
        .stdout
        .split_once("\nExplain web-01: 7 owned snapshot(s), oldest first\n")
        .unwrap_or_else(|| panic!("no section in\n{}", run.stdout))
        .1;
    assert_eq!(
        section,
        "\
kept   web-01-autosnapshot-20251122T000000Z  -k 1w:1m: first of its group
delete web-01-autosnapshot-20251125T000000Z  -k 1w:1m: 3d 0h after the one kept before it (needs 1w)
kept   web-01-autosnapshot-20251129T000000Z  -k 1w:1m: 7d 0h after the one kept before it
kept   web-01-autosnapshot-20251222T000000Z  -k 1d:1d: first of its group
kept   web-01-autosnapshot-20251230T000000Z  -k 1d:1d: 8d 0h after the one kept before it
kept   web-01-autosnapshot-20251231T120000Z  younger than every rule (-k 1d:1d is the youngest)
kept   web-01-autosnapshot-20260102T000000Z  dated in the future
"
    );
    // The table before it says the same, and the dry run changed nothing.
    run.expect_stdout("Dry run: nothing was changed.");
    assert!(account.mutations().is_empty(), "{:?}", account.mutations());
    assert!(!section.contains("before-upgrade"));
}

#[test]
fn a_dry_run_explains_in_json_with_name_time_verdict_reason_and_rule() {
    let account = web_01();
    let run = account.run(&[POLICY, &["--json"]].concat());
    run.expect_code(0).expect_no_panic();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let list = doc["droplets"][0]["explain"].as_array().expect("explain");
    assert_eq!(list.len(), 7);
    assert_eq!(
        list[1],
        serde_json::json!({
            "name": "web-01-autosnapshot-20251125T000000Z",
            "created_at": "2025-11-25T00:00:00Z",
            "verdict": "delete",
            "reason": "-k 1w:1m: 3d 0h after the one kept before it (needs 1w)",
            "rule": "1w:1m",
        })
    );
    assert_eq!(list[5]["verdict"], "kept");
    assert_eq!(list[5]["rule"], serde_json::Value::Null);
    let deleted = &doc["droplets"][0]["deleted"];
    assert_eq!(deleted.as_array().unwrap().len(), 1);
    assert_eq!(deleted[0]["name"], list[1]["name"]);
    // Without --explain, the report has no such key.
    let plain = account.run(&["-s", "1d", "-k", "1d:1d", "--dryrun", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&plain.stdout).expect("JSON");
    assert!(doc["droplets"][0].get("explain").is_none(), "{doc}");
}

#[test]
fn a_simulation_explains_its_final_state() {
    let run = do_snapshot(&[SEED_EXAMPLE, &["--explain"]].concat());
    run.expect_code(0).expect_no_panic();
    run.expect_stdout("13 kept.\n\nExplain simulated: 13 owned snapshot(s), oldest first\n");
    run.expect_stdout(
        "kept   simulated-autosnapshot-20181009T014736Z  -k 1w:1m: first of its group\n\
         kept   simulated-autosnapshot-20181023T014736Z  -k 1w:1m: 14d 0h after the one kept \
         before it\n",
    );
    run.expect_stdout(
        "kept   simulated-autosnapshot-20181218T014736Z  -k 2w:1w: first of its group\n\
         kept   simulated-autosnapshot-20181231T014736Z  younger than every rule (-k 2w:1w is \
         the youngest)\n",
    );
    let json = do_snapshot(&[SEED_EXAMPLE, &["--explain", "--json"]].concat());
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let list = doc["explain"].as_array().expect("explain");
    assert_eq!(list.len(), 13);
    assert!(list.iter().all(|e| e["verdict"] == "kept"), "{list:?}");
    assert_eq!(list[4]["rule"], "1w:1m");
    assert_eq!(list[4]["created_at"], "2018-12-04T01:47:36Z");
}

#[test]
fn a_real_run_explains_what_it_deleted() {
    let account = web_01();
    let run = account.run(&["-s", "1d", "-k", "1d:1d", "-k", "1w:1m", "--explain"]);
    run.expect_code(0).expect_no_panic();
    run.expect_stdout(
        "delete web-01-autosnapshot-20251125T000000Z  -k 1w:1m: 3d 0h after the one kept before it \
         (needs 1w)\n",
    );
    assert!(!run.stdout.contains("Dry run"), "{}", run.stdout);
    // The run deleted exactly the snapshot its explanation says it would.
    assert_eq!(account.count("DELETE", "/v2/snapshots/12"), 1);
    assert_eq!(account.count("DELETE", "/v2/snapshots/"), 1);
}
