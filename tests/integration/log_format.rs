//! `--log-format json`: every line on stderr is one JSON object with `time`, `level`,
//! `message` and `fields`, for log shippers.

use serde_json::Value;

use crate::account::{Account, droplet, seed};

#[test]
fn every_stderr_line_is_one_json_object() {
    let account = Account::start(seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]));
    let run = account.run(&["-s", "1d", "-v", "--log-format", "json"]);
    run.expect_code(0);
    let lines: Vec<Value> = run
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    for line in &lines {
        let time = line["time"].as_str().expect("time");
        assert!(time.parse::<jiff::Timestamp>().is_ok(), "{time}");
        assert!(
            line["message"].is_string() && line["fields"].is_object(),
            "{line}"
        );
    }
    let levels: Vec<&str> = lines.iter().filter_map(|l| l["level"].as_str()).collect();
    assert!(
        levels.contains(&"WARN") && levels.contains(&"INFO"),
        "{levels:?}"
    );
    assert!(
        lines.iter().any(|l| l["message"]
            == "droplet web-1: taking snapshot web-1-autosnapshot-20260101T000000Z"),
        "{}",
        run.stderr
    );
    // The table is still on stdout.
    run.expect_stdout("taken: web-1-autosnapshot-20260101T000000Z");
}

#[test]
fn a_bad_log_format_is_refused_naming_the_choices() {
    let run = crate::harness::do_snapshot(&["-s", "1d", "--log-format", "xml"]);
    run.expect_code(2)
        .expect_stderr("--log-format")
        .expect_stderr("text, json");
}
