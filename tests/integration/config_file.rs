//! `--config FILE`: several jobs in one run, through the binary against the emulator.

use serde_json::Value;

use crate::account::{Account, HOUR, T0, droplet, owned, seed};
use crate::harness::do_snapshot;

/// Droplets of two tags: `web-1` (web) and `db-1` (db).
fn two_tags() -> Account {
    Account::start(seed(
        vec![droplet(1, "web-1", &["web"]), droplet(2, "db-1", &["db"])],
        vec![owned(10, 1, "web-1", T0 - 2 * HOUR)],
    ))
}

/// A config file in a temporary directory.
fn file(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, text).unwrap();
    let shown = path.display().to_string();
    (dir, shown)
}

const TWO_JOBS: &str = r#"
[[job]]
name = "web"
tag = "web"
prefix = "$droplet-web-"
snapshot = "1d"
keep = ["1w:1w", "0d:1m"]

[[job]]
name = "db"
tag = "db"
prefix = "$droplet-db-"
snapshot = "12h"
"#;

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn two_jobs_run_over_one_reading_of_the_snapshot_listing() {
    let account = two_tags();
    let (_dir, path) = file(TWO_JOBS);
    let run = account.run(&["--config", &path, "--json"]);
    run.expect_code(0).expect_no_panic();
    let report = json(&run.stdout);
    let jobs = report["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0]["name"], "web");
    assert_eq!(jobs[1]["tag"], "db");
    // Each job snapshotted its droplets, under its own prefix.
    let mut names: Vec<String> = account
        .fake
        .actions()
        .into_iter()
        .filter_map(|a| a.snapshot_name)
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["db-1-db-20260101T000000Z", "web-1-web-20260101T000000Z"]
    );
    // The account's snapshots were listed once for both jobs.
    assert_eq!(account.count("GET", "/v2/snapshots"), 1);
    // The table shows each job under a heading.
    let account = two_tags();
    let run = account.run(&["--config", &path]);
    run.expect_stdout("Job web (tag web):");
    run.expect_stdout("Job db (tag db):");
}

#[test]
fn job_picks_one_and_a_missing_one_is_named() {
    let account = two_tags();
    let (_dir, path) = file(TWO_JOBS);
    let run = account.run(&["--config", &path, "--job", "db", "--json"]);
    run.expect_code(0);
    let report = json(&run.stdout);
    assert_eq!(report["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(account.snapshot_actions(1), 0);
    assert_eq!(account.snapshot_actions(2), 1);
    let run = account.run(&["--config", &path, "--job", "cache"]);
    run.expect_code(2)
        .expect_stderr("--job `cache`")
        .expect_stderr("`web`, `db`");
}

#[test]
fn mistakes_in_the_file_name_the_line_column_and_key() {
    let cases = [
        (
            "[[job]]\nname = \"web\"\nsnapshot = \"1d\"\nkeep = [\"1w:1w\", \"2x:1d\"]\n",
            "jobs.toml:4:18: `keep`",
        ),
        (
            "[[job]]\nname = \"web\"\nsnapshot = \"1d\"\nkepp = [\"1w:1w\"]\n",
            "jobs.toml:4:1",
        ),
        (
            "[[job]]\nname = \"web\"\ntag = \"a b\"\nsnapshot = \"1d\"\n",
            "jobs.toml:1:1: job `web`: --tag `a b`",
        ),
        ("[[job]]\nname = \"web\"\n", "missing field `snapshot`"),
    ];
    for (text, expected) in cases {
        let (_dir, path) = file(text);
        let run = do_snapshot(&["--config", &path, "--token", "/dev/null"]);
        run.expect_code(2).expect_no_panic();
        assert!(run.stderr.contains(expected), "{text:?}: {}", run.stderr);
    }
}

#[test]
fn a_jobs_flag_on_the_command_line_is_refused_with_config() {
    let (_dir, path) = file(TWO_JOBS);
    for flag in [
        &["-s", "1d"][..],
        &["-t", "web"],
        &["-k", "1d:1d"],
        &["--power-off"],
    ] {
        let mut args = vec!["--config", path.as_str(), "--token", "/dev/null"];
        args.extend_from_slice(flag);
        let run = do_snapshot(&args);
        run.expect_code(2)
            .expect_stderr("cannot be used with --config");
    }
}

#[test]
fn jobs_that_would_own_the_same_snapshots_are_refused_before_anything_is_done() {
    let account = Account::start(seed(
        vec![
            droplet(1, "web-1", &["web"]),
            droplet(3, "both-1", &["web", "db"]),
        ],
        vec![],
    ));
    // Both default prefixes: both-1's snapshots would be both jobs'.
    let (_dir, path) = file(
        "[[job]]\nname = \"web\"\ntag = \"web\"\nsnapshot = \"1d\"\n\
         [[job]]\nname = \"db\"\ntag = \"db\"\nsnapshot = \"1d\"\n",
    );
    let run = account.run(&["--config", &path]);
    run.expect_code(2).expect_no_panic();
    run.expect_stderr("jobs `web` and `db` would own the same snapshots");
    run.expect_stderr("both-1");
    assert!(account.mutations().is_empty());
    // The same tag twice with the same prefix is refused without asking the API.
    let (_dir, path) = file(
        "[[job]]\nname = \"a\"\ntag = \"web\"\nsnapshot = \"1d\"\n\
         [[job]]\nname = \"b\"\ntag = \"web\"\nsnapshot = \"1w\"\n",
    );
    do_snapshot(&["--config", &path, "--token", "/dev/null"])
        .expect_code(2)
        .expect_stderr("jobs `a` and `b` both manage tag `web`");
}

#[test]
fn a_simulation_of_a_config_file_simulates_each_job() {
    let (_dir, path) = file(TWO_JOBS);
    let run = do_snapshot(&[
        "--config",
        &path,
        "--simulate",
        "4h:1m",
        "--start",
        "2026-01-01T00:00:00Z",
    ]);
    run.expect_code(0).expect_no_panic();
    run.expect_stdout("Job web (tag web):");
    run.expect_stdout("simulated-web-20260101T000000Z");
    run.expect_stdout("Job db (tag db):");
    run.expect_stdout("simulated-db-20260101T120000Z");
}

#[test]
fn status_checks_every_job_of_the_file() {
    let account = two_tags();
    let (_dir, path) = file(TWO_JOBS);
    // No droplet has a snapshot under these prefixes: WARNING (never had one).
    let token = account.token_path();
    let run = account.run_exact(&[
        "status",
        "--token",
        &token,
        "--config",
        &path,
        "--max-age",
        "1d",
    ]);
    run.expect_code(1).expect_no_panic();
    assert!(run.stdout.starts_with("WARNING"), "{}", run.stdout);
    run.expect_stdout("db-1");
    run.expect_stdout("web-1");
}

#[test]
fn the_metrics_file_has_a_series_per_job() {
    let account = two_tags();
    let (dir, path) = file(TWO_JOBS);
    let metrics = dir.path().join("do.prom").display().to_string();
    account
        .run(&["--config", &path, "--metrics-file", &metrics])
        .expect_code(0);
    let text = std::fs::read_to_string(&metrics).unwrap();
    assert!(
        text.contains("do_snapshot_last_run_success{job=\"web\",tag=\"web\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("do_snapshot_last_run_success{job=\"db\",tag=\"db\"} 1"),
        "{text}"
    );
    assert_eq!(
        text.matches("# TYPE do_snapshot_last_run_success gauge")
            .count(),
        1
    );
}

#[test]
fn job_still_checks_the_other_jobs_of_the_file() {
    // Two jobs over one tag and one prefix: refused, even when --job runs only one.
    let (_dir, path) = file(
        "[[job]]\nname = \"keepall\"\ntag = \"web\"\nsnapshot = \"1d\"\n\
         [[job]]\nname = \"scratch\"\ntag = \"web\"\nsnapshot = \"1d\"\nkeep = [\"0d:1d\"]\n",
    );
    do_snapshot(&[
        "--config",
        &path,
        "--job",
        "scratch",
        "--token",
        "/dev/null",
    ])
    .expect_code(2)
    .expect_stderr("jobs `keepall` and `scratch` both manage tag `web`");
}

#[test]
fn a_job_that_fails_is_the_documents_error_and_the_others_still_run() {
    let account = two_tags();
    // The db job's droplet listing keeps failing.
    account.fake.add_fault(fake_do::Fault {
        method: Some("GET".to_string()),
        path: Some("/v2/droplets".to_string()),
        query: Some("tag_name=db".to_string()),
        skip: 0,
        times: 0,
        kind: fake_do::FaultKind::Status {
            status: 400,
            retry_after: None,
            body: None,
        },
    });
    let (_dir, path) = file(TWO_JOBS);
    let run = account.run(&["--config", &path, "--json"]);
    run.expect_code(1).expect_no_panic();
    let report = json(&run.stdout);
    let error = report["error"]["message"].as_str().expect("an error");
    assert!(error.contains("job `db`"), "{error}");
    assert_eq!(report["jobs"][0]["exit_code"], 0);
    assert_eq!(report["jobs"][1]["exit_code"], 1);
    // The web job ran all the same.
    assert_eq!(account.snapshot_actions(1), 1);
}

#[test]
fn status_reads_the_token_from_the_file() {
    let account = two_tags();
    let token = account.token_path();
    let (_dir, path) = file(&format!("token = \"{token}\"\n{TWO_JOBS}"));
    let run = account.run_exact(&["status", "--config", &path, "--max-age", "1d"]);
    run.expect_code(1).expect_no_panic();
    assert!(run.stdout.starts_with("WARNING"), "{}", run.stdout);
}
