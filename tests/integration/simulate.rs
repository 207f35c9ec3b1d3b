//! `--simulate` through the real binary.

use crate::harness::do_snapshot;

/// The table in the seed's README, to the byte.
const SEED_TABLE: &str = "\
Time                    Name
----------------------- --------------------------------------------------
2018-10-09T01:47:36Z    simulated-autosnapshot-20181009T014736Z
2018-10-23T01:47:36Z    simulated-autosnapshot-20181023T014736Z
2018-11-06T01:47:36Z    simulated-autosnapshot-20181106T014736Z
2018-11-20T01:47:36Z    simulated-autosnapshot-20181120T014736Z
2018-12-04T01:47:36Z    simulated-autosnapshot-20181204T014736Z
2018-12-18T01:47:36Z    simulated-autosnapshot-20181218T014736Z
2018-12-31T01:47:36Z    simulated-autosnapshot-20181231T014736Z
2019-01-01T01:47:36Z    simulated-autosnapshot-20190101T014736Z
2019-01-02T01:47:36Z    simulated-autosnapshot-20190102T014736Z
2019-01-03T01:47:36Z    simulated-autosnapshot-20190103T014736Z
2019-01-04T01:47:36Z    simulated-autosnapshot-20190104T014736Z
2019-01-05T01:47:36Z    simulated-autosnapshot-20190105T014736Z
2019-01-06T01:47:36Z    simulated-autosnapshot-20190106T014736Z
";

/// The seed README's simulation, with the start its table shows.
pub const SEED_EXAMPLE: &[&str] = &[
    "-s",
    "1d",
    "-k",
    "2w:1w",
    "-k",
    "1w:1m",
    "--simulate",
    "4h:3m",
    "--start",
    "2018-10-09T01:47:36Z",
];

#[test]
fn reproduces_the_seed_readme_table() {
    let run = do_snapshot(SEED_EXAMPLE);
    run.expect_code(0);
    assert!(run.stdout.starts_with(SEED_TABLE), "{}", run.stdout);
    // Then the summary line, and after a blank line what the policy achieved.
    let summary = &run.stdout[SEED_TABLE.len()..];
    assert!(
        summary.starts_with(
            "\n540 runs from 2018-10-09T01:47:36Z to 2019-01-06T21:47:36Z: 90 snapshots taken, \
             77 deleted, 13 kept.\n\n"
        ),
        "{summary}"
    );
    // The seed README's point: this policy cannot keep one snapshot a week.
    run.expect_stderr("-k 1w:1m asks for one snapshot per 1w");
}

#[test]
fn json_output_is_one_document() {
    let run = do_snapshot(&[SEED_EXAMPLE, &["--json"]].concat());
    run.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    let snapshots = doc["snapshots"].as_array().unwrap();
    assert_eq!(snapshots.len(), 13);
    assert_eq!(snapshots[0]["created_at"], "2018-10-09T01:47:36Z");
    assert_eq!(
        snapshots[0]["name"],
        "simulated-autosnapshot-20181009T014736Z"
    );
    assert_eq!(doc["runs"], 540);
}

#[test]
fn the_newest_snapshot_survives_a_delete_everything_rule() {
    // The seed ends this with no snapshot at all.
    let run = do_snapshot(&[
        "-s",
        "1d",
        "-k",
        "0d:6h",
        "--simulate",
        "4h:1w",
        "--start",
        "2020-01-01T00:00:00Z",
        "--json",
    ]);
    run.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let snapshots = doc["snapshots"].as_array().unwrap();
    assert_eq!(snapshots.len(), 1, "{doc}");
    assert_eq!(snapshots[0]["created_at"], "2020-01-07T00:00:00Z");
}

#[test]
fn verbose_shows_per_run_detail_and_quiet_does_not() {
    let args = [
        "-s",
        "1d",
        "-k",
        "1d:2d",
        "--simulate",
        "1d:5d",
        "--start",
        "2020-01-01T00:00:00Z",
    ];
    let quiet = do_snapshot(&args);
    quiet.expect_code(0);
    assert!(
        !quiet.stderr.contains("taking snapshot"),
        "{}",
        quiet.stderr
    );
    let mut verbose_args = args.to_vec();
    verbose_args.push("-v");
    let verbose = do_snapshot(&verbose_args);
    verbose.expect_code(0);
    assert_eq!(
        verbose.stderr.matches("taking snapshot").count(),
        5,
        "{}",
        verbose.stderr
    );
    assert_eq!(quiet.stdout, verbose.stdout, "stdout holds only the table");
}

#[test]
fn simulate_needs_no_token_and_no_network() {
    // DO_API_URL points at a closed port in the harness: a simulation must not care.
    let run = do_snapshot(&["-s", "1h", "--simulate", "1h:1d"]);
    run.expect_code(0).expect_no_panic();
    // The table: a header of two lines and 24 snapshots, then the summary line.
    let table: Vec<&str> = run.stdout.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(table.len(), 2 + 24);
    run.expect_stdout("24 runs from");
}

#[test]
fn waiting_and_powering_off_predict_the_same_snapshots() {
    let plain = do_snapshot(SEED_EXAMPLE);
    plain.expect_code(0);
    for extra in [
        &["--wait"][..],
        &["--power-off"],
        &["--power-off", "--hook", "false", "-r", "lon1"],
    ] {
        let mut args = SEED_EXAMPLE.to_vec();
        args.extend_from_slice(extra);
        let run = do_snapshot(&args);
        run.expect_code(0).expect_no_panic();
        assert_eq!(run.stdout, plain.stdout, "{extra:?}");
        assert!(run.stdout.starts_with(SEED_TABLE));
    }
}
