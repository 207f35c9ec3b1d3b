//! What a simulation shows beyond its table, through the real binary: promised against
//! achieved per rule (after the table, and in the JSON), the real-world models and their bad
//! values.

use crate::harness::do_snapshot;
use crate::simulate::SEED_EXAMPLE;

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    [SEED_EXAMPLE, extra].concat()
}

fn json(args: &[&str]) -> serde_json::Value {
    let run = do_snapshot(args);
    run.expect_code(0).expect_no_panic();
    serde_json::from_str(&run.stdout).expect("stdout is JSON")
}

#[test]
fn the_seed_example_promises_a_week_and_achieves_two() {
    let run = do_snapshot(SEED_EXAMPLE);
    run.expect_code(0).expect_no_panic();
    let row = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("-k 1w:1m  "))
        .unwrap_or_else(|| panic!("no row for 1w:1m in\n{}", run.stdout));
    let cells: Vec<&str> = row
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cells,
        [
            "-k 1w:1m",
            "1m and older",
            "one per 7d 0h",
            "14d 0h",
            "14d 0h",
            "5"
        ],
        "{row}"
    );
    run.expect_stdout("-k 1w:1m promises one per 7d 0h but achieved only one per 14d 0h at worst");
    run.expect_stdout("Snapshots held after each run: min 1, mean 10.0, max 13  ▂");
    run.expect_stdout("Snapshots taken per 30 days: 30.0 (-s 1d asks for 30.0)");
    run.expect_stdout("Storage at 25 GB a snapshot: 747.5 GB-months over 3.0 months");
    run.expect_stdout("$44.85 at $0.06 per GB-month");
    // The policy warning says what the simulation shows.
    run.expect_stderr("-k 1w:1m asks for one snapshot per 1w (7d 0h) but can achieve only one per 14d 0h at best: -k 2w:1w leaves no more");
}

#[test]
fn the_json_gives_each_rule_its_promise_and_gaps_in_seconds() {
    let doc = json(&with(&["--json", "--size", "10", "--price-per-gb", "0.05"]));
    let rules = doc["rules"].as_array().expect("rules");
    let weekly = rules.iter().find(|r| r["rule"] == "1w:1m").expect("1w:1m");
    assert_eq!(weekly["promised_gap_seconds"], 7 * 86_400);
    assert_eq!(weekly["end_gap_seconds"], 14 * 86_400);
    assert_eq!(weekly["worst_gap_seconds"], 14 * 86_400);
    assert_eq!(weekly["from_age_seconds"], 30 * 86_400);
    assert_eq!(weekly["to_age_seconds"], serde_json::Value::Null);
    let fortnightly = rules.iter().find(|r| r["rule"] == "2w:1w").expect("2w:1w");
    assert_eq!(fortnightly["to_age_seconds"], 30 * 86_400);
    assert_eq!(doc["held"]["max"], 13);
    assert_eq!(doc["snapshots_per_30_days"], 30.0);
    let storage = &doc["storage"];
    assert_eq!(storage["size_gb"], 10.0);
    assert!(
        (storage["gb_months"].as_f64().unwrap() - 299.0).abs() < 1e-6,
        "{storage}"
    );
    assert!(
        (storage["cost"].as_f64().unwrap() - 14.95).abs() < 1e-6,
        "{storage}"
    );
    // The seed's keys are still there.
    assert_eq!(doc["runs"], 540);
    assert_eq!(doc["snapshots"].as_array().unwrap().len(), 13);
}

/// `-s 1d` run every 4 hours for a year, runs up to 2 minutes late and snapshots dated up to
/// 5 minutes after their request.
fn a_year_of_daily_snapshots(extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "-s",
        "1d",
        "--simulate",
        "4h:365d",
        "--start",
        "2026-01-01T00:00:00Z",
        "--latency",
        "300",
        "--jitter",
        "120",
        "--json",
    ];
    args.extend_from_slice(extra);
    json(&args)
}

#[test]
fn a_daily_cadence_holds_under_late_runs_and_slow_snapshots() {
    for seed in ["0", "1", "2", "12345"] {
        let doc = a_year_of_daily_snapshots(&["--seed", seed]);
        let taken = doc["snapshots_taken"].as_u64().unwrap();
        assert!((360..=366).contains(&taken), "seed {seed}: {taken}");
        // Every snapshot's created_at comes after the time in its name, by at most 5 minutes.
        let mut late = Vec::new();
        for s in doc["snapshots"].as_array().unwrap() {
            let name = s["name"].as_str().unwrap();
            let stamp = &name[name.len() - 16..];
            let named = jiff::fmt::strtime::parse("%Y%m%dT%H%M%SZ", stamp)
                .and_then(|t| t.to_datetime())
                .and_then(|t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC))
                .unwrap()
                .timestamp();
            let created: jiff::Timestamp = s["created_at"].as_str().unwrap().parse().unwrap();
            late.push(created.as_second() - named.as_second());
        }
        assert!(late.iter().all(|l| (0..=300).contains(l)), "{late:?}");
        assert!(late.iter().any(|&l| l > 0), "{late:?}");
    }
}

#[test]
fn the_same_seed_gives_the_same_simulation_and_zero_models_the_clockwork_one() {
    let models = |seed: &'static str| {
        with(&[
            "--jitter",
            "3000",
            "--latency",
            "900",
            "--fail-rate",
            "0.2",
            "--seed",
            seed,
        ])
    };
    let a = do_snapshot(&models("7"));
    let b = do_snapshot(&models("7"));
    a.expect_code(0);
    assert_eq!(a.stdout, b.stdout);
    let other = do_snapshot(&models("8"));
    assert_ne!(a.stdout, other.stdout);
    a.expect_stdout(
        "Models (seed 7): runs up to 50min late; snapshots dated up to 15min after their request;",
    );
    // Zero models, given or not, are the seed's simulation to the byte.
    let plain = do_snapshot(SEED_EXAMPLE);
    let zero = do_snapshot(&with(&[
        "--jitter",
        "0",
        "--latency",
        "0",
        "--fail-rate",
        "0",
        "--seed",
        "99",
    ]));
    assert_eq!(plain.stdout, zero.stdout);
}

#[test]
fn failures_and_outages_cost_runs_and_snapshots() {
    let doc = json(&with(&[
        "--fail-rate",
        "0.5",
        "--outage",
        "10d:20d",
        "--json",
    ]));
    let (runs, failed, missed) = (
        doc["runs"].as_u64().unwrap(),
        doc["runs_failed"].as_u64().unwrap(),
        doc["runs_missed"].as_u64().unwrap(),
    );
    // Twenty days of 4-hourly runs fall in the outage; about half the rest fail.
    assert_eq!(missed, 120);
    assert_eq!(runs + failed + missed, 540);
    assert!((150..270).contains(&failed), "{failed}");
    assert!(doc["snapshots_taken"].as_u64().unwrap() < 90 - 20);
    assert_eq!(doc["models"]["outages"][0]["duration_seconds"], 20 * 86_400);
}

#[test]
fn a_cadence_the_slack_changes_is_named_with_both_figures() {
    let run = do_snapshot(&[
        "-s",
        "1h",
        "--simulate",
        "55min:1d",
        "--start",
        "2026-01-01T00:00:00Z",
    ]);
    run.expect_code(0);
    run.expect_stderr("-s 1h with a run every 55min: a snapshot is due once the newest is 55min old (-s less its slack of 5min), so one is taken every run; due only at -s, as in the original tool, it would be every 2nd run");
    run.expect_stdout("27 snapshots taken");
    // Runs that start late are what the slack is for: no such note then.
    let late = do_snapshot(&["-s", "1h", "--simulate", "55min:1d", "--jitter", "60"]);
    assert!(!late.stderr.contains("slack"), "{}", late.stderr);
}

#[test]
fn bad_model_values_are_usage_errors_naming_the_flag() {
    for (args, expect) in [
        (
            &["--jitter", "14400"][..],
            "--jitter 14400: runs may start at most INTERVAL less a second late (14399 s",
        ),
        (
            &["--jitter", "-1"],
            "`-1` is not a whole number of seconds from 0 to 86400",
        ),
        (
            &["--latency", "86401"],
            "`86401` is not a whole number of seconds from 0 to 86400",
        ),
        (
            &["--fail-rate", "1.5"],
            "`1.5` is not a probability from 0 to 1",
        ),
        (&["--outage", "1d"], "--outage"),
        (
            &["--outage", "1d:0h"],
            "DURATION `0h` must be longer than zero",
        ),
        (&["--seed", "x"], "`x` is not a whole number"),
        (&["--size", "0"], "`0` is not a size in GB above 0"),
        (
            &["--price-per-gb", "-1"],
            "`-1` is not a price in USD from 0 to 1000",
        ),
    ] {
        let run = do_snapshot(&with(args));
        run.expect_code(2).expect_no_panic();
        run.expect_stderr(expect);
        assert!(run.stdout.is_empty(), "{args:?}");
    }
    // The simulation's flags need --simulate.
    for flag in [["--jitter", "5"], ["--chart", "x.svg"]] {
        let run = do_snapshot(&[&["-s", "1d", "--token", "x"][..], &flag].concat());
        run.expect_code(2).expect_no_panic();
        run.expect_stderr("--simulate");
    }
}
