//! The safety promises under odd but possible API replies, and backups that never stop
//! silently: each case through the real binary against the emulator.

use std::process::Stdio;
use std::time::Duration;

use fake_do::{DateFormat, Fault, FaultKind};

use crate::account::{Account, DAY, HOUR, T0, droplet, named, owned, seed};
use crate::harness::{Run, command, finish};

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn on(method: &str, path: &str, kind: FaultKind) -> Fault {
    Fault {
        method: Some(method.into()),
        path: Some(path.into()),
        times: 1,
        ..Fault::new(kind)
    }
}

fn echo(status: u16) -> FaultKind {
    FaultKind::Status {
        status,
        retry_after: None,
        body: Some(format!(
            r#"{{"id":"proxy","message":"upstream refused; headers were Authorization: {}"}}"#,
            fake_do::AUTHORIZATION_PLACEHOLDER
        )),
    }
}

#[test]
fn a_token_echoed_in_error_bodies_never_leaves_the_process() {
    // One token of the current shape, one of no recognisable shape: only its value betrays it.
    for token in [fake_do::DEFAULT_TOKEN, "proxy-issued-credential-4711"] {
        for extra in [&[][..], &["--json"][..]] {
            let mut s = seed(
                vec![droplet(1, "web-1", &["autosnapshot"])],
                vec![
                    owned(10, 1, "web-1", T0 - 20 * DAY),
                    owned(11, 1, "web-1", T0 - 10 * DAY),
                ],
            );
            s.token = token.to_string();
            let account = Account::start(s);
            let f = &account.fake;
            f.add_fault(on("GET", "/v2/snapshots", echo(500)));
            f.add_fault(on("DELETE", "/v2/snapshots/10", echo(503)));
            f.add_fault(on("POST", "/v2/images/11/actions", echo(403)));
            f.add_fault(on("POST", "/v2/droplets/1/actions", echo(422)));
            let mut args = vec!["-s", "1w", "-k", "0d:2w", "-r", "lon1", "-vvv"];
            args.extend_from_slice(extra);
            let run = account.run(&args);
            // The one droplet's transfer and snapshot both failed.
            run.expect_code(1).expect_no_panic();
            for text in [&run.stdout, &run.stderr] {
                assert!(!text.contains(token), "the token leaked:\n{text}");
                assert!(!text.contains(&token[7..]), "the token leaked:\n{text}");
            }
            // The bodies were seen, with the credential masked.
            run.expect_stderr("Authorization: Bearer <token>");
            let out = if extra.is_empty() {
                &run.stdout
            } else {
                &json(&run).to_string()
            };
            assert!(out.contains("Bearer <token>"), "{out}");
        }
    }
}

#[test]
fn a_nonsense_created_at_does_not_age_a_fresh_snapshot() {
    for created in ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z"] {
        let mut fresh = owned(12, 1, "web-1", T0 - 2 * HOUR);
        fresh.created_at = created.parse().unwrap();
        let account = Account::start(seed(
            vec![
                droplet(1, "web-1", &["autosnapshot"]),
                droplet(2, "web-2", &["autosnapshot"]),
            ],
            vec![
                owned(10, 1, "web-1", T0 - 3 * DAY),
                fresh,
                owned(20, 2, "web-2", T0 - 3 * DAY),
                owned(21, 2, "web-2", T0 - HOUR),
            ],
        ));
        let run = account.run(&["-s", "1d", "-k", "0d:1d"]);
        run.expect_code(3).expect_no_panic();
        run.expect_stderr("web-1-autosnapshot-20251231T220000Z");
        run.expect_stderr(&format!("created at {}", &created[..19]));
        run.expect_stdout("withheld: web-1");
        let ids: Vec<u64> = account.fake.snapshots().iter().map(|s| s.id).collect();
        assert!(ids.contains(&10) && ids.contains(&12), "{ids:?}");
        assert!(!ids.contains(&20), "web-2 is pruned as usual: {ids:?}");
        // Two hours old by its name: not due.
        assert_eq!(account.snapshot_actions(1), 0);
    }
}

#[test]
fn names_with_impossible_times_are_not_owned() {
    let account = Account::start(seed(
        vec![droplet(1, "web", &["autosnapshot"])],
        vec![
            named(10, 1, "web-autosnapshot-99999999T999999Z", T0 - 30 * DAY),
            named(11, 1, "web-autosnapshot-20261399T256199Z", T0 - 30 * DAY),
            owned(12, 1, "web", T0 - 20 * DAY),
            owned(13, 1, "web", T0 - HOUR),
        ],
    ));
    let run = account.run(&["-s", "1d", "-k", "0d:1d", "--json"]);
    run.expect_code(0);
    assert_eq!(json(&run)["droplets"][0]["owned"], 2);
    let deletes: Vec<String> = account
        .mutations()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path)
        .collect();
    assert_eq!(deletes, ["/v2/snapshots/12"]);
}

#[test]
fn a_snapshot_seconds_ahead_of_the_api_is_just_taken() {
    let account = Account::start(seed(
        vec![droplet(1, "web", &["autosnapshot"])],
        vec![owned(10, 1, "web", T0 + 20)],
    ));
    let run = account.run(&["-s", "1d"]);
    run.expect_code(0);
    run.expect_stdout("not due");
    assert!(
        !run.stderr.contains("after the API's clock"),
        "{}",
        run.stderr
    );
    assert_eq!(account.snapshot_actions(1), 0);
    // An hour ahead is a clock problem: ignored, with a warning, and a snapshot is taken.
    let account = Account::start(seed(
        vec![droplet(1, "web", &["autosnapshot"])],
        vec![owned(10, 1, "web", T0 + HOUR)],
    ));
    let run = account.run(&["-s", "1d"]);
    run.expect_code(0)
        .expect_stderr("dated more than 10min after the API's clock");
    assert_eq!(account.snapshot_actions(1), 1);
}

#[test]
fn a_snapshot_the_listing_lacks_but_exists_counts_for_due_ness() {
    let account = Account::start(seed(
        vec![droplet(1, "web", &["autosnapshot"])],
        vec![
            owned(10, 1, "web", T0 - 3 * DAY),
            owned(11, 1, "web", T0 - HOUR),
        ],
    ));
    // The listing leaves out the newest snapshot, which the droplet names.
    let body = serde_json::json!({
        "snapshots": [{"id": "10", "name": "web-autosnapshot-20251229T000000Z",
            "created_at": "2025-12-29T00:00:00Z", "resource_id": "1",
            "resource_type": "droplet", "regions": ["nyc3"]}],
        "links": {}, "meta": {"total": 1}
    });
    account.fake.add_fault(Fault {
        method: Some("GET".into()),
        path: Some("/v2/snapshots".into()),
        query: Some("resource_type".into()),
        ..Fault::new(FaultKind::Malformed {
            body: body.to_string(),
        })
    });
    let run = account.run(&["-s", "1d", "-k", "0d:1d"]);
    run.expect_code(3);
    run.expect_stdout("not due");
    assert_eq!(account.count("GET", "/v2/snapshots/11"), 1);
    assert_eq!(account.snapshot_actions(1), 0);
    assert!(account.mutations().is_empty(), "{:?}", account.mutations());
}

#[test]
fn a_completed_snapshot_not_listed_yet_is_not_taken_again() {
    let account = Account::start(seed(vec![droplet(1, "web", &["autosnapshot"])], vec![]));
    account.fake.set_listing_lag(4 * HOUR);
    account.run(&["-s", "1d"]).expect_code(0);
    // Completed ten minutes ago (it took ten), not listed yet.
    account.fake.advance(20 * 60);
    let run = account.run(&["-s", "1d"]);
    run.expect_stdout("completed");
    run.expect_stdout("not listed yet");
    assert_eq!(account.snapshot_actions(1), 1);
}

#[test]
fn a_listing_that_ignored_its_tag_filter_is_not_acted_on() {
    let mut s = seed(
        vec![
            droplet(1, "web", &["autosnapshot"]),
            droplet(2, "prod-db", &["prod"]),
        ],
        vec![
            owned(20, 2, "prod-db", T0 - 30 * DAY),
            owned(21, 2, "prod-db", T0 - 20 * DAY),
        ],
    );
    s.ignore_tag_filter = true;
    let account = Account::start(s);
    let run = account.run(&["-s", "1d", "-k", "0d:1d"]);
    run.expect_code(1).expect_no_panic();
    run.expect_stderr("prod-db");
    run.expect_stderr("does not carry that tag");
    run.expect_stderr("nothing was changed");
    assert!(account.mutations().is_empty(), "{:?}", account.mutations());
}

#[test]
fn every_http_date_form_is_the_apis_clock() {
    for format in [DateFormat::Rfc850, DateFormat::Asctime, DateFormat::Imf] {
        let account = Account::start(seed(
            vec![droplet(1, "web", &["autosnapshot"])],
            vec![
                owned(10, 1, "web", T0 - 20 * DAY),
                owned(11, 1, "web", T0 - HOUR),
            ],
        ));
        account.fake.set_date_format(format);
        let run = account.run(&["-s", "1d", "-k", "0d:1w"]);
        run.expect_code(0);
        assert!(!run.stderr.contains("Date header"), "{}", run.stderr);
        // The local clock is months past the emulator's: the warning says how far, readably.
        assert!(
            run.stderr.contains("d ") && run.stderr.contains("h ahead of the API's"),
            "{}",
            run.stderr
        );
        assert_eq!(account.count("DELETE", "/v2/snapshots/10"), 1);
    }
}

#[test]
fn a_droplet_locked_for_days_is_overdue() {
    let account = Account::start(seed(
        vec![
            droplet(1, "stuck", &["autosnapshot"]),
            droplet(2, "fine", &["autosnapshot"]),
            droplet(3, "never", &["autosnapshot"]),
        ],
        vec![
            owned(10, 1, "stuck", T0 - 3 * DAY),
            owned(20, 2, "fine", T0 - HOUR),
        ],
    ));
    account.fake.set_locked(1, true);
    account.fake.set_locked(3, true);
    let run = account.run(&["-s", "1d"]);
    run.expect_code(3);
    run.expect_stderr("droplet stuck: overdue");
    run.expect_stderr("3d 0h old");
    run.expect_stderr("droplet never: overdue: it has no snapshot");
    run.expect_stdout("3d 0h OVERDUE");
    let doc = json(&account.run(&["-s", "1d", "--json"]));
    assert_eq!(doc["exit_code"], 3);
    let d = &doc["droplets"];
    assert_eq!(
        (&d[0]["overdue"], &d[1]["overdue"], &d[2]["overdue"]),
        (&true.into(), &false.into(), &true.into())
    );
    assert_eq!(d[0]["newest"]["age_seconds"], 3 * DAY);
    assert_eq!(d[1]["newest"]["name"], "fine-autosnapshot-20251231T230000Z");
    assert!(d[2]["newest"].is_null());
}

#[test]
fn snapshot_actions_that_end_errored_are_failures() {
    for format in ["table", "json"] {
        let account = Account::start(seed(
            vec![droplet(1, "web", &["autosnapshot"])],
            vec![owned(10, 1, "web", T0 - DAY)],
        ));
        account.fake.fail_actions("snapshot", 1);
        account.run(&["-s", "1d"]).expect_code(0);
        account.fake.advance(4 * HOUR);
        let errored = account.fake.actions()[0].id;
        if format == "json" {
            let doc = json(&account.run(&["-s", "1d", "--json"]));
            assert_eq!(doc["exit_code"], 3);
            assert_eq!(doc["droplets"][0]["errored_actions"][0]["id"], errored);
        } else {
            let run = account.run(&["-s", "1d"]);
            run.expect_code(3);
            run.expect_stderr(&format!("snapshot action {errored}"));
            run.expect_stdout(&format!("failed: web: snapshot action {errored}"));
        }
        // It is tried again.
        assert_eq!(account.snapshot_actions(1), 2);
    }
}

#[test]
fn a_closed_stderr_does_not_stop_the_run() {
    let account = Account::start(seed(
        vec![
            droplet(1, "web-1", &["autosnapshot"]),
            droplet(2, "web-2", &["autosnapshot"]),
        ],
        vec![],
    ));
    let mut child = account
        .command(&["-s", "1d", "-vvv"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    drop(child.stderr.take());
    let out = child.wait_with_output().expect("ends");
    let run = finish(out);
    run.expect_code(0);
    assert_eq!(account.snapshot_actions(1), 1);
    assert_eq!(account.snapshot_actions(2), 1);
}

/// Two droplets with snapshots to delete; the first delete is held so a signal can arrive
/// while it is in flight.
fn held_account() -> Account {
    let account = Account::start(seed(
        vec![
            droplet(1, "web-1", &["autosnapshot"]),
            droplet(2, "web-2", &["autosnapshot"]),
        ],
        vec![
            owned(10, 1, "web-1", T0 - 20 * DAY),
            owned(11, 1, "web-1", T0 - 5 * DAY),
            owned(20, 2, "web-2", T0 - 20 * DAY),
            owned(21, 2, "web-2", T0 - 5 * DAY),
        ],
    ));
    account.fake.add_fault(Fault {
        times: 1,
        ..on("DELETE", "/v2/snapshots/10", FaultKind::Hold)
    });
    account
}

pub fn signal(child: &std::process::Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // SAFETY: kill(2) with a live child's pid.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
}

#[test]
fn sigterm_finishes_the_request_in_flight_reports_and_exits_5() {
    let account = held_account();
    let child = account
        .command(&["-s", "1w", "-k", "0d:1w"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    assert!(account.fake.wait_for_held(Duration::from_secs(20)));
    signal(&child, libc::SIGTERM);
    account.fake.release_held();
    let run = finish(child.wait_with_output().expect("ends"));
    run.expect_code(5).expect_no_panic();
    run.expect_stderr("interrupted by SIGTERM");
    run.expect_stdout("stopped: interrupted by SIGTERM");
    run.expect_stdout("not attempted");
    // The delete in flight finished; nothing started after it.
    let mutations = account.mutations();
    assert_eq!(mutations.len(), 1, "{mutations:?}");
    assert_eq!(mutations[0].path, "/v2/snapshots/10");
    // The lock was released: the next run goes ahead.
    account.run(&["-s", "1w", "-k", "0d:1w"]).expect_code(0);
}

#[test]
fn a_second_signal_exits_at_once() {
    let account = held_account();
    let child = account
        .command(&["-s", "1w", "-k", "0d:1w", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    assert!(account.fake.wait_for_held(Duration::from_secs(20)));
    signal(&child, libc::SIGINT);
    signal(&child, libc::SIGINT);
    let run = finish(child.wait_with_output().expect("ends"));
    account.fake.release_held();
    run.expect_code(5);
    run.expect_stderr("second signal");
}

#[test]
fn a_long_tag_gets_a_short_lock_file_name() {
    let tag = "t".repeat(240);
    let account = Account::start(seed(vec![droplet(1, "web", &[tag.as_str()])], vec![]));
    let token = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(token.path(), fake_do::DEFAULT_TOKEN).unwrap();
    let runtime = tempfile::tempdir().unwrap();
    let url = account.fake.base_url();
    let args = [
        "--api-url",
        &url,
        "--virtual-sleep",
        "--token",
        token.path().to_str().unwrap(),
        "-s",
        "1d",
        "-t",
        &tag,
    ];
    let env = [("XDG_RUNTIME_DIR", runtime.path().to_str().unwrap())];
    let run = finish(command(&args, &env).output().unwrap());
    run.expect_code(0);
    assert_eq!(account.snapshot_actions(1), 1);
    let locks: Vec<_> = std::fs::read_dir(runtime.path()).unwrap().collect();
    assert_eq!(locks.len(), 1);
}

#[test]
fn token_files_with_a_bom_work_and_a_directory_is_refused() {
    let account = Account::start(seed(vec![droplet(1, "web", &["autosnapshot"])], vec![]));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, format!("\u{feff}{}\n", fake_do::DEFAULT_TOKEN)).unwrap();
    let run = account.run_env(&["--token", file.to_str().unwrap(), "-s", "1d"], &[]);
    run.expect_code(0);
    assert!(!run.stderr.contains("trying again"), "{}", run.stderr);
    assert_eq!(account.snapshot_actions(1), 1);
    let before = account.fake.requests().len();
    let run = account.run_env(&["--token", dir.path().to_str().unwrap(), "-s", "1d"], &[]);
    run.expect_code(2).expect_stderr("is a directory");
    assert_eq!(account.fake.requests().len(), before, "nothing sent");
}

#[test]
fn the_seeds_cronjob_arguments_run_unchanged() {
    let account = Account::start(seed(
        vec![droplet(1, "web", &["autosnapshot"])],
        vec![
            owned(10, 1, "web", T0 - 20 * DAY),
            owned(11, 1, "web", T0 - 2 * DAY),
        ],
    ));
    // As a Kubernetes CronJob lists them: each option with its value in one argument.
    let run = account.run(&[
        "-s 1d",
        "-r lon1",
        "-k 3d:1d",
        "-k 1w:1w",
        "-k 1m:2m",
        "-k 0d:6m ",
        "--tag autosnapshot",
    ]);
    run.expect_code(0).expect_no_panic();
    assert_eq!(account.snapshot_actions(1), 1);
    assert_eq!(account.count("POST", "/v2/images/"), 2);
}

#[test]
fn months_written_where_minutes_were_likely_meant_are_questioned() {
    let run = crate::harness::do_snapshot(&["-s", "30m", "--simulate", "1d:1w"]);
    run.expect_code(0).expect_stderr("-s 30m means 30 months");
    run.expect_stderr("30min");
    let run = crate::harness::do_snapshot(&["-s", "1d", "-k", "1m:2m", "--simulate", "1d:1w"]);
    assert!(!run.stderr.contains("months of 30 days"), "{}", run.stderr);
}

#[test]
fn doctls_token_variable_and_quiet_runs() {
    let account = Account::start(seed(vec![droplet(1, "web", &["autosnapshot"])], vec![]));
    let env = [("DIGITALOCEAN_ACCESS_TOKEN", fake_do::DEFAULT_TOKEN)];
    let run = account.run_env(&["-s", "1d", "-q"], &env);
    run.expect_code(0);
    // stdout is empty; stderr has only the warning that this machine's clock is not the
    // emulator's.
    assert_eq!(run.stdout, "");
    assert!(!run.stderr.contains("Droplet"), "{}", run.stderr);
    assert_eq!(account.snapshot_actions(1), 1);
    // Not quiet when something is wrong: a droplet locked with no snapshot is overdue.
    account.fake.set_locked(1, true);
    let run = account.run_env(&["-s", "1d", "--quiet"], &env);
    run.expect_code(3).expect_stdout("OVERDUE");
    let token = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(token.path(), fake_do::DEFAULT_TOKEN).unwrap();
    let path = token.path().to_str().unwrap();
    account
        .run_env(&["--access-token", path, "-s", "1d", "-q"], &[])
        .expect_code(3);
}

#[test]
fn a_long_snapshot_completed_but_not_listed_yet_is_not_taken_again() {
    let mut s = seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]);
    // Forty minutes to make, ten more before the listings show it.
    s.snapshot_seconds = 2_400;
    s.listing_lag_seconds = 600;
    let account = Account::start(s);
    account.run(&["-s", "30min"]).expect_code(0);
    // 45 minutes on: done five minutes ago, still missing from the listings.
    account.fake.advance(2_700);
    let run = account.run(&["-s", "30min"]);
    run.expect_no_panic();
    run.expect_stdout("not listed yet");
    assert_eq!(account.snapshot_actions(1), 1);
}
