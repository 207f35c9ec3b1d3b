//! The command line through the real binary: every seed flag, clear errors, exit codes.

use crate::harness::do_snapshot;

#[test]
fn help_lists_every_seed_flag_and_the_exit_codes() {
    let run = do_snapshot(&["--help"]);
    run.expect_code(0);
    for flag in [
        "-t, --tag",
        "-p, --prefix",
        "-r, --region",
        "-s, --snapshot",
        "-k, --keep",
        "--dryrun",
        "--token",
        "--simulate",
        "--syslog",
        "-v, --verbose",
        "--version",
        "-h, --help",
        "--start",
        "--json",
        "--api-url",
        "--max-delete",
        "--lock-file",
    ] {
        assert!(
            run.stdout.contains(flag),
            "{flag} missing from --help:\n{}",
            run.stdout
        );
    }
    for code in [
        "0  success",
        "1  failure",
        "2  usage",
        "3  partly done",
        "4  another run",
    ] {
        assert!(run.stdout.contains(code), "{code}");
    }
    assert!(
        !run.stdout.contains("virtual-sleep"),
        "testing aids stay hidden"
    );
}

#[test]
fn version_prints() {
    let run = do_snapshot(&["--version"]);
    run.expect_code(0);
    assert!(run.stdout.starts_with("do-snapshot "));
}

#[test]
fn dry_run_has_both_spellings() {
    for flag in ["--dryrun", "--dry-run"] {
        let run = do_snapshot(&["-s", "1d", flag, "--simulate", "1d:2d"]);
        run.expect_code(0);
    }
}

/// Each bad value exits 2, names the flag and the value, and lists what is accepted.
#[test]
fn bad_spans_are_usage_errors_naming_flag_value_and_units() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&["-s", "3x"], "--snapshot", "3x"),
        (&["-s", "-3d"], "--snapshot", "-3d"),
        (&["-s", "3"], "--snapshot", "3"),
        (&["-s", ""], "--snapshot", ""),
        (&["-s", "1d", "-k", "3d:"], "--keep", "3d:"),
        (&["-s", "1d", "-k", ":1w"], "--keep", ":1w"),
        (&["-s", "1d", "-k", "1w:2w:3w"], "--keep", "1w:2w:3w"),
        (&["-s", "1d", "-k", "1w:2q"], "--keep", "1w:2q"),
        (
            &["-s", "1d", "-k", "99999999999999999999d:1d"],
            "--keep",
            "99999999999999999999d:1d",
        ),
        (&["-s", "1d", "--simulate", "0h:1w"], "--simulate", "0h:1w"),
        (&["-s", "1d", "--simulate", "4h"], "--simulate", "4h"),
        (
            &["-s", "1d", "--simulate", "4h:1w", "--start", "monday"],
            "--start",
            "monday",
        ),
    ];
    for (args, flag, value) in cases {
        let run = do_snapshot(args);
        run.expect_code(2).expect_no_panic();
        assert!(run.stderr.contains(flag), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("'{value}'")),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
    let run = do_snapshot(&["-s", "3x"]);
    run.expect_stderr("m (months of 30 days)");
}

#[test]
fn absurd_simulations_are_refused_before_they_start() {
    let run = do_snapshot(&["-s", "1d", "--simulate", "1min:100y"]);
    run.expect_code(2)
        .expect_stderr("more than the 10000000 a simulation may make");
    let run = do_snapshot(&[
        "-s",
        "1d",
        "--simulate",
        "1d:2y",
        "--start",
        "9998-06-01T00:00:00Z",
    ]);
    run.expect_code(2).expect_stderr("past the year 9999");
}

#[test]
fn missing_snapshot_age_is_a_usage_error() {
    let run = do_snapshot(&["--simulate", "1h:1d"]);
    run.expect_code(2);
    run.expect_stderr("--snapshot <AGE>");
}

#[test]
fn bad_prefix_tag_region_and_url_are_usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        (&["-p", "$host-"], "--prefix"),
        (&["-t", "a b"], "--tag"),
        (&["-t", "../etc"], "--tag"),
        (&["-r", "LON 1"], "--region"),
    ];
    for (args, flag) in cases {
        let mut all = vec!["-s", "1d", "--simulate", "1h:1d"];
        all.extend_from_slice(args);
        let run = do_snapshot(&all);
        run.expect_code(2).expect_no_panic();
        assert!(run.stderr.contains(flag), "{args:?}: {}", run.stderr);
    }
    let run = do_snapshot(&[
        "-s",
        "1d",
        "--token",
        "/dev/null",
        "--api-url",
        "http://example.com",
    ]);
    run.expect_code(2);
    run.expect_stderr("--api-url");
}

#[test]
fn a_token_in_the_wrong_flag_is_refused_and_never_echoed() {
    let token = "dop_v1_7e3a9c51d2b84f06a1c3e5d7f9b2468ace13579bdf02468ace13579bdf024680";
    let legacy = "7e3a9c51d2b84f06a1c3e5d7f9b2468ace13579bdf02468ace13579bdf024680";
    for args in [
        ["-t", token],
        ["-t", legacy],
        ["-p", token],
        ["-r", token],
        ["-r", legacy],
    ] {
        let mut all = vec!["-s", "1d", "--simulate", "1h:1d"];
        all.extend_from_slice(&args);
        let run = do_snapshot(&all);
        run.expect_code(2).expect_stderr(args[0]);
        assert!(
            !run.stderr.contains(&legacy[..40]),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn no_token_names_both_ways_to_give_one() {
    let run = do_snapshot(&["-s", "1d"]);
    run.expect_code(2).expect_no_panic();
    run.expect_stderr("--token").expect_stderr("DO_TOKEN");
}

#[test]
fn syslog_without_a_socket_says_so_and_still_logs() {
    let run = do_snapshot(&["-s", "1d", "-k", "0d:6h", "--simulate", "1d:2d", "--syslog"]);
    run.expect_code(0);
    if !std::path::Path::new("/dev/log").exists() {
        run.expect_stderr("no syslog socket");
        run.expect_stderr("AGE 6h is younger than -s 1d");
    }
}

#[test]
fn bad_waiting_and_power_values_are_usage_errors_naming_the_flag() {
    let cases: &[(&[&str], &str)] = &[
        (&["--wait-timeout", "0"], "--wait-timeout"),
        (&["--wait-timeout", "soon"], "--wait-timeout"),
        (&["--shutdown-timeout", "-5"], "--shutdown-timeout"),
        (&["--max-down", "0"], "--max-down"),
        (&["--max-down", "1.5"], "--max-down"),
        (&["--hook-timeout", "9999999"], "--hook-timeout"),
        (&["--hook", "  "], "--hook"),
    ];
    for (args, flag) in cases {
        let mut all = vec!["-s", "1d", "--token", "/dev/null"];
        all.extend_from_slice(args);
        let run = do_snapshot(&all);
        run.expect_code(2).expect_no_panic();
        assert!(run.stderr.contains(flag), "{args:?}: {}", run.stderr);
    }
}
