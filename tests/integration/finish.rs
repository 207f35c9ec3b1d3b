//! One run finishes the job: `--wait` (snapshots waited for and copied in the same run),
//! `--power-off` (consistent snapshots, power always restored) and `--hook`. The binary moves
//! the emulator's clock as it "sleeps" (`--fake-clock`), so actions finish while it polls and
//! nothing waits for real.

use std::process::Stdio;
use std::time::Duration;

use fake_do::{Fault, FaultKind, SeedDroplet};
use serde_json::Value;

use crate::account::{Account, DAY, HOUR, droplet, owned, seed};
use crate::harness::finish;

/// `-s 1d` with `--fake-clock` and JSON output, plus `extra`.
fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["-s", "1d", "--fake-clock", "--json"];
    all.extend_from_slice(extra);
    all
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// The kinds of the actions on `droplet`, oldest first.
fn droplet_actions(account: &Account, droplet: u64) -> Vec<String> {
    account
        .fake
        .actions()
        .into_iter()
        .filter(|a| a.resource_type == "droplet" && a.resource_id == droplet)
        .map(|a| a.kind)
        .collect()
}

fn status(account: &Account, id: u64) -> String {
    let droplet = account.fake.droplets().into_iter().find(|d| d.id == id);
    droplet.expect("the droplet").status
}

/// A fault on the matching requests, after `skip` of them, `times` of them (0: every one).
fn fault(account: &Account, method: &str, path: &str, skip: u32, times: u32, kind: FaultKind) {
    account.fake.add_fault(Fault {
        method: Some(method.to_string()),
        path: Some(path.to_string()),
        query: None,
        skip,
        times,
        kind,
    });
}

/// DigitalOcean's refusal of an action on a busy droplet.
fn pending_event() -> FaultKind {
    FaultKind::Status {
        status: 422,
        retry_after: None,
        body: Some(
            r#"{"id":"unprocessable_entity","message":"Droplet already has a pending event."}"#
                .to_string(),
        ),
    }
}

fn off(id: u64, name: &str) -> SeedDroplet {
    SeedDroplet {
        status: "off".to_string(),
        ..droplet(id, name, &["autosnapshot"])
    }
}

#[test]
fn wait_takes_and_copies_the_snapshots_in_one_run() {
    let account = Account::start(seed(
        vec![
            droplet(1, "web-1", &["autosnapshot"]),
            droplet(2, "web-2", &["autosnapshot"]),
        ],
        vec![],
    ));
    let run = account.run(&args(&["-r", "lon1", "--wait"]));
    run.expect_code(0).expect_no_panic();
    let report = json(&run.stdout);
    for d in report["droplets"].as_array().unwrap() {
        assert_eq!(d["snapshot"]["status"], "taken", "{d}");
        assert_eq!(d["wait"]["state"], "completed", "{d}");
        assert_eq!(d["transfers"][0]["region"], "lon1", "{d}");
    }
    // Both snapshots were asked for before the run waited for either.
    let posts: Vec<usize> = account
        .fake
        .requests()
        .iter()
        .enumerate()
        .filter(|(_, r)| r.method == "POST" && r.path.starts_with("/v2/droplets/"))
        .map(|(i, _)| i)
        .collect();
    // (The run reads the account's recent actions once before asking; polls come after.)
    let first_poll = account
        .fake
        .requests()
        .iter()
        .enumerate()
        .position(|(i, r)| r.path == "/v2/actions" && i > posts[0])
        .expect("a poll");
    assert!(
        posts.iter().all(|p| *p < first_poll),
        "{posts:?} {first_poll}"
    );
    // The copies are under way in the emulator, requested by this one run.
    let transfers = account
        .fake
        .actions()
        .into_iter()
        .filter(|a| a.kind == "transfer")
        .count();
    assert_eq!(transfers, 2);
    account.fake.advance(HOUR);
    for s in account.fake.snapshots() {
        assert!(s.regions.contains(&"lon1".to_string()), "{s:?}");
    }
}

#[test]
fn sixty_droplets_are_waited_for_within_the_request_budget() {
    let droplets = (1..=60)
        .map(|i| droplet(i, &format!("web-{i}"), &["autosnapshot"]))
        .collect();
    let mut s = seed(droplets, vec![]);
    // A snapshot that takes 40 minutes: polls back off to one a minute.
    s.snapshot_seconds = 2_400;
    let account = Account::start(s);
    let run = account.run(&args(&["--wait", "-r", "lon1"]));
    run.expect_code(0).expect_no_panic();
    assert_eq!(account.fake.snapshots().len(), 60);
    let requests = account.fake.requests();
    let polls = requests.iter().filter(|r| r.path == "/v2/actions").count();
    // Two listings, then per droplet its actions and the snapshot request, a transfer each,
    // one listing read to find the new snapshots, and the polls.
    assert!(polls <= 50, "{polls} polls");
    assert!(
        requests.len() <= 2 + 2 * 60 + 60 + 1 + polls,
        "{} requests, {polls} polls",
        requests.len()
    );
}

#[test]
fn a_snapshot_that_ends_errored_is_a_failure_with_its_action() {
    let account = Account::start(seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]));
    account.fake.fail_actions("snapshot", 1);
    let run = account.run(&args(&["--wait"]));
    run.expect_code(3).expect_no_panic();
    let report = json(&run.stdout);
    let d = &report["droplets"][0];
    assert_eq!(d["wait"]["state"], "errored");
    let action = d["wait"]["action_id"].as_u64().expect("an action id");
    assert_eq!(d["errored_actions"][0]["id"].as_u64(), Some(action));
}

#[test]
fn past_the_wait_timeout_the_run_says_what_is_still_running_and_exits_3() {
    let mut s = seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]);
    s.snapshot_seconds = 3 * HOUR;
    let account = Account::start(s);
    let run = account.run(&[
        "-s",
        "1d",
        "--fake-clock",
        "--wait",
        "--wait-timeout",
        "600",
    ]);
    run.expect_code(3).expect_no_panic();
    run.expect_stdout("still in progress");
    // The next run carries on as without --wait: the snapshot is under way.
    account.fake.advance(HOUR);
    let run = account.run(&["-s", "1d", "--fake-clock", "--wait"]);
    run.expect_stdout("skipped");
    assert_eq!(account.snapshot_actions(1), 1);
}

#[test]
fn power_off_shuts_down_snapshots_and_powers_on_in_that_order() {
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    let run = account.run(&args(&["--power-off", "-r", "lon1"]));
    run.expect_code(0).expect_no_panic();
    assert_eq!(
        droplet_actions(&account, 1),
        ["shutdown", "snapshot", "power_on"]
    );
    assert_eq!(status(&account, 1), "active");
    let report = json(&run.stdout);
    let power = &report["droplets"][0]["power"];
    assert_eq!(power["plan"], "cycle");
    assert_eq!(power["stopped_by"], "shutdown");
    assert_eq!(power["powered_on"], true);
    // Shutdown (60 s) and snapshot (600 s) and power-on (60 s), polled.
    let down = power["downtime_seconds"].as_u64().expect("downtime");
    assert!((720..=900).contains(&down), "{down}");
    // The snapshot was taken while the droplet was off.
    let snapshot = &account.fake.actions()[1];
    let shutdown = &account.fake.actions()[0];
    assert!(snapshot.started_at >= shutdown.completed_at.unwrap());
    assert_eq!(report["droplets"][0]["transfers"][0]["region"], "lon1");
}

#[test]
fn a_droplet_that_ignores_the_shutdown_is_powered_off_hard() {
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    account.fake.set_ignores_shutdown(1, true);
    let run = account.run(&args(&["--power-off", "--shutdown-timeout", "90"]));
    run.expect_code(0).expect_no_panic();
    assert_eq!(
        droplet_actions(&account, 1),
        ["shutdown", "power_off", "snapshot", "power_on"]
    );
    let power = &json(&run.stdout)["droplets"][0]["power"];
    assert_eq!(power["stopped_by"], "power_off");
    assert_eq!(status(&account, 1), "active");
    // The hard power-off came once the shutdown had had its 90 s.
    let actions = account.fake.actions();
    let gap = actions[1].started_at.as_second() - actions[0].started_at.as_second();
    assert!((90..=100).contains(&gap), "{gap}");
}

#[test]
fn a_droplet_already_off_is_snapshotted_as_it_is_and_left_off() {
    let account = Account::start(seed(vec![off(1, "cold-1")], vec![]));
    let run = account.run(&args(&["--power-off"]));
    run.expect_code(0).expect_no_panic();
    assert_eq!(droplet_actions(&account, 1), ["snapshot"]);
    assert_eq!(status(&account, 1), "off");
    let power = &json(&run.stdout)["droplets"][0]["power"];
    assert_eq!(power["plan"], "as_it_is");
    assert_eq!(power["powered_on"], false);
}

#[test]
fn max_down_powers_off_one_droplet_at_a_time_by_default() {
    let droplets = (1..=3)
        .map(|i| droplet(i, &format!("db-{i}"), &["autosnapshot"]))
        .collect();
    let account = Account::start(seed(droplets, vec![]));
    account.run(&args(&["--power-off"])).expect_code(0);
    // Each droplet's power-on completes before the next one's shutdown starts.
    let actions = account.fake.actions();
    let mut down = 0;
    let mut most = 0;
    let mut events: Vec<(i64, i32)> = Vec::new();
    for a in &actions {
        match a.kind.as_str() {
            "shutdown" => events.push((a.started_at.as_second(), 1)),
            "power_on" => events.push((a.completed_at.unwrap().as_second(), -1)),
            _ => {}
        }
    }
    events.sort();
    for (_, change) in events {
        down += change;
        most = most.max(down);
    }
    assert_eq!(most, 1, "{actions:?}");
    for id in 1..=3 {
        assert_eq!(status(&account, id), "active");
    }
    // With --max-down 2, two are down at once.
    let droplets = (1..=2)
        .map(|i| droplet(i, &format!("db-{i}"), &["autosnapshot"]))
        .collect();
    let account = Account::start(seed(droplets, vec![]));
    account
        .run(&args(&["--power-off", "--max-down", "2"]))
        .expect_code(0);
    let kinds: Vec<String> = account.fake.actions().into_iter().map(|a| a.kind).collect();
    assert_eq!(&kinds[..2], ["shutdown", "shutdown"]);
}

#[test]
fn a_busy_droplet_is_asked_again_for_its_shutdown() {
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    fault(
        &account,
        "POST",
        "/v2/droplets/1/actions",
        0,
        2,
        pending_event(),
    );
    let run = account.run(&args(&["--power-off"]));
    run.expect_code(0).expect_no_panic();
    assert_eq!(
        droplet_actions(&account, 1),
        ["shutdown", "snapshot", "power_on"]
    );
    assert_eq!(status(&account, 1), "active");
}

#[test]
fn a_failed_snapshot_request_still_powers_the_droplet_on() {
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    // The shutdown goes through; the snapshot request is refused for good.
    fault(
        &account,
        "POST",
        "/v2/droplets/1/actions",
        1,
        1,
        FaultKind::Status {
            status: 422,
            retry_after: None,
            body: Some(r#"{"id":"unprocessable_entity","message":"name is invalid"}"#.to_string()),
        },
    );
    let run = account.run(&args(&["--power-off"]));
    run.expect_no_panic();
    assert_ne!(run.code, 0);
    assert_eq!(droplet_actions(&account, 1), ["shutdown", "power_on"]);
    assert_eq!(status(&account, 1), "active");
}

#[test]
fn sigterm_while_a_droplet_is_off_waits_for_its_snapshot_powers_it_on_and_exits_5() {
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    // Hold the first poll of the snapshot's action (after the run's one read of the account's
    // recent actions): the droplet is off, its snapshot running.
    fault(&account, "GET", "/v2/actions", 1, 1, FaultKind::Hold);
    let child = account
        .command(&["-s", "1d", "--fake-clock", "--power-off"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    assert!(account.fake.wait_for_held(Duration::from_secs(20)));
    assert_eq!(status(&account, 1), "off");
    crate::promises::signal(&child, libc::SIGTERM);
    account.fake.release_held();
    let run = finish(child.wait_with_output().expect("ends"));
    run.expect_code(5).expect_no_panic();
    run.expect_stderr("powering them back on");
    assert_eq!(
        droplet_actions(&account, 1),
        ["shutdown", "snapshot", "power_on"]
    );
    assert_eq!(status(&account, 1), "active");
}

#[test]
fn a_second_signal_names_the_droplets_left_off() {
    let account = Account::start(seed(vec![droplet(7, "db-7", &["autosnapshot"])], vec![]));
    fault(&account, "GET", "/v2/actions", 1, 1, FaultKind::Hold);
    let child = account
        .command(&["-s", "1d", "--fake-clock", "--power-off"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    assert!(account.fake.wait_for_held(Duration::from_secs(20)));
    // Two different signals: two of one kind sent at once may arrive as one.
    crate::promises::signal(&child, libc::SIGTERM);
    crate::promises::signal(&child, libc::SIGINT);
    let run = finish(child.wait_with_output().expect("ends"));
    account.fake.release_held();
    run.expect_code(5);
    run.expect_stderr("left powered off: db-7 (droplet 7)");
    run.expect_stderr("doctl compute droplet-action power-on 7");
}

/// Sends a request to the emulator's API, as a person or another tool would.
fn post(account: &Account, path: &str, body: &str) {
    let url = format!("{}{path}", account.fake.base_url());
    let reply = ureq::post(&url)
        .header(
            "Authorization",
            &format!("Bearer {}", fake_do::DEFAULT_TOKEN),
        )
        .header("Content-Type", "application/json")
        .send(body)
        .expect("the emulator answers");
    assert_eq!(reply.status(), 201);
}

#[test]
fn a_droplet_an_earlier_run_left_off_is_powered_on_by_the_next() {
    let stamp = "20260101T000100Z";
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    // What a run killed after its snapshot leaves behind: shut down, snapshotted, still off.
    post(&account, "/v2/droplets/1/actions", r#"{"type":"shutdown"}"#);
    account.fake.advance(60);
    let body = format!(r#"{{"type":"snapshot","name":"db-1-autosnapshot-{stamp}"}}"#);
    post(&account, "/v2/droplets/1/actions", &body);
    account.fake.advance(600);
    assert_eq!(status(&account, 1), "off");
    let run = account.run(&args(&["--power-off"]));
    run.expect_code(0).expect_no_panic();
    run.expect_stderr("did not power it on again");
    assert_eq!(status(&account, 1), "active");
    assert_eq!(json(&run.stdout)["droplets"][0]["power"]["plan"], "restore");
    // Without --power-off, or for a droplet someone shut down long before, nothing is done.
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    post(&account, "/v2/droplets/1/actions", r#"{"type":"shutdown"}"#);
    account.fake.advance(3 * DAY);
    account.run(&args(&["--power-off"])).expect_code(0);
    assert_eq!(status(&account, 1), "off");
    assert_eq!(droplet_actions(&account, 1), ["shutdown", "snapshot"]);
}

#[test]
fn a_dry_run_with_power_off_says_what_it_would_do_and_changes_nothing() {
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    let run = account.run(&args(&["--power-off", "--dryrun", "-v", "--hook", "false"]));
    run.expect_code(0).expect_no_panic();
    run.expect_stderr("would shut it down, take the snapshot and power it on again");
    run.expect_stderr("would run the hook");
    assert!(account.mutations().is_empty(), "{:?}", account.mutations());
    let d = &json(&run.stdout)["droplets"][0];
    assert_eq!(d["power"]["plan"], "cycle");
    assert_eq!(d["snapshot"]["status"], "would_take");
}

/// A hook that appends its phase, droplet, snapshot, result and whether it saw a token to
/// `log`.
fn recording_hook(log: &std::path::Path, then: &str) -> String {
    format!(
        "echo \"$DO_SNAPSHOT_PHASE $DO_SNAPSHOT_DROPLET_ID $DO_SNAPSHOT_DROPLET_NAME \
         $DO_SNAPSHOT_NAME ${{DO_SNAPSHOT_RESULT:-none}} token=${{DO_TOKEN:-}}${{DIGITALOCEAN_ACCESS_TOKEN:-}}${{MY_SECRET:-}}\" >> {}; {then}",
        log.display()
    )
}

#[test]
fn hooks_run_before_and_after_each_snapshot_without_the_token() {
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("hook.log");
    let hook = recording_hook(&log, "true");
    let token = fake_do::DEFAULT_TOKEN;
    let mut cmd = account.command(&args(&["--power-off", "--hook", &hook]));
    cmd.env("DO_TOKEN", token).env("MY_SECRET", token);
    let run = finish(cmd.output().expect("runs"));
    run.expect_code(0).expect_no_panic();
    let lines = std::fs::read_to_string(&log).unwrap();
    let name = "db-1-autosnapshot-20260101T000000Z";
    assert_eq!(
        lines,
        format!("pre 1 db-1 {name} none token=\npost 1 db-1 {name} ok token=\n")
    );
    // Pre before the shutdown, post after the power-on: the hook's output goes to the log.
    let hooks = &json(&run.stdout)["droplets"][0]["hooks"];
    assert_eq!(hooks[0]["phase"], "pre");
    assert_eq!(hooks[1]["phase"], "post");
    assert_eq!(hooks[1]["result"], "ok");
}

#[test]
fn a_failing_pre_hook_skips_the_snapshot_and_post_still_runs() {
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("hook.log");
    let hook = recording_hook(
        &log,
        "echo flushing failed >&2; [ \"$DO_SNAPSHOT_PHASE\" = post ]",
    );
    let run = account.run(&args(&["--power-off", "--hook", &hook]));
    run.expect_code(3).expect_no_panic();
    run.expect_stderr("db-1: pre hook: flushing failed");
    assert_eq!(account.snapshot_actions(1), 0);
    assert!(droplet_actions(&account, 1).is_empty());
    let lines = std::fs::read_to_string(&log).unwrap();
    assert!(lines.contains("post 1 db-1"), "{lines}");
    assert!(lines.contains(" failed token="), "{lines}");
    let d = &json(&run.stdout)["droplets"][0];
    assert_eq!(d["hooks"][0]["result"], "failed");
    assert_eq!(d["hooks"][0]["exit_code"], 1);
    assert_eq!(d["snapshot"]["status"], "skipped");
}

#[test]
fn a_hook_that_runs_too_long_is_killed_and_counts_as_failed() {
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    let started = std::time::Instant::now();
    let run = account.run(&args(&[
        "--wait",
        "--hook",
        "[ \"$DO_SNAPSHOT_PHASE\" = post ] || sleep 30",
        "--hook-timeout",
        "0.3",
    ]));
    run.expect_code(3).expect_no_panic();
    assert!(started.elapsed() < Duration::from_secs(20));
    run.expect_stderr("ran longer than --hook-timeout");
    let d = &json(&run.stdout)["droplets"][0];
    assert_eq!(d["hooks"][0]["result"], "timed_out");
    assert_eq!(d["hooks"][1]["result"], "ok");
    assert_eq!(account.snapshot_actions(1), 0);
}

#[test]
fn waiting_needs_no_new_flag_to_behave_as_before_when_nothing_is_due() {
    // Not due: --wait and --power-off add no request at all.
    let account = Account::start(seed(
        vec![droplet(1, "db-1", &["autosnapshot"])],
        vec![owned(10, 1, "db-1", crate::account::T0 - HOUR)],
    ));
    account.run(&args(&[])).expect_code(0);
    let plain = account.fake.requests().len();
    account.fake.clear_requests();
    account
        .run(&args(&["--wait", "--power-off"]))
        .expect_code(0);
    assert_eq!(account.fake.requests().len(), plain);
    assert!(account.mutations().is_empty());
}

/// A status fault on matching requests, `times` of them (0: every one).
fn refuse(account: &Account, method: &str, path: &str, status: u16, times: u32) {
    let kind = FaultKind::Status {
        status,
        retry_after: None,
        body: None,
    };
    fault(account, method, path, 0, times, kind);
}

#[test]
fn a_poll_that_keeps_failing_ends_at_the_deadline_without_hammering_the_api() {
    // A token without the actions:read scope: every poll is refused.
    let account = Account::start(seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]));
    refuse(&account, "GET", "/v2/actions", 403, 0);
    let run = account.run(&args(&["--wait", "--wait-timeout", "900"]));
    run.expect_code(3).expect_no_panic();
    let polls = account.count("GET", "/v2/actions");
    assert!(polls < 30, "{polls} polls");
    let d = &json(&run.stdout)["droplets"][0];
    assert_eq!(d["wait"]["state"], "unknown", "{d}");
    // With --power-off, the droplet's lock tells when its snapshot is over: it comes back on.
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    refuse(&account, "GET", "/v2/actions", 403, 0);
    let run = account.run(&args(&["--power-off"]));
    run.expect_code(3).expect_no_panic();
    assert_eq!(status(&account, 1), "active");
    assert_eq!(
        droplet_actions(&account, 1),
        ["shutdown", "snapshot", "power_on"]
    );
}

#[test]
fn an_api_outage_while_powering_on_is_waited_out() {
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    // Reads of the droplet fail for a while once its snapshot is under way (each read is
    // itself retried five times): well past five failed reads in a row.
    fault(
        &account,
        "GET",
        "/v2/droplets/1",
        3,
        40,
        FaultKind::Status {
            status: 503,
            retry_after: None,
            body: None,
        },
    );
    let run = account.run(&args(&["--power-off"]));
    run.expect_no_panic();
    assert_eq!(status(&account, 1), "active");
    let power = &json(&run.stdout)["droplets"][0]["power"];
    assert_eq!(power["left_off"], false, "{power}");
}

#[test]
fn a_signal_during_a_pre_hook_starts_nothing_more() {
    let droplets = (1..=3)
        .map(|i| droplet(i, &format!("db-{i}"), &["autosnapshot"]))
        .collect();
    let account = Account::start(seed(droplets, vec![]));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("hook.log");
    // The first pre hook asks the run to stop, as a deadline's SIGTERM would.
    let hook = format!(
        "echo \"$DO_SNAPSHOT_PHASE $DO_SNAPSHOT_DROPLET_ID\" >> {}; \
         [ \"$DO_SNAPSHOT_PHASE $DO_SNAPSHOT_DROPLET_ID\" = 'pre 1' ] && kill -TERM $PPID; true",
        log.display()
    );
    let run = account.run(&args(&["--power-off", "--max-down", "3", "--hook", &hook]));
    run.expect_code(5).expect_no_panic();
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "pre 1\npost 1\n");
    assert!(account.mutations().is_empty(), "{:?}", account.mutations());
}

#[test]
fn a_refused_shutdown_does_not_run_the_pre_hook_again() {
    let account = Account::start(seed(vec![droplet(1, "db-1", &["autosnapshot"])], vec![]));
    fault(
        &account,
        "POST",
        "/v2/droplets/1/actions",
        0,
        2,
        pending_event(),
    );
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("hook.log");
    let hook = recording_hook(&log, "true");
    let run = account.run(&args(&["--power-off", "--hook", &hook]));
    run.expect_code(0).expect_no_panic();
    let lines = std::fs::read_to_string(&log).unwrap();
    assert_eq!(lines.matches("pre ").count(), 1, "{lines}");
    assert_eq!(lines.matches("post ").count(), 1, "{lines}");
    let power = &json(&run.stdout)["droplets"][0]["power"];
    assert_eq!(power["stopped_by"], "shutdown");
}
