//! `--metrics-file`: Prometheus text exposition after every run, a failed one too, parsed here
//! by a strict reader of the format (metric and label names, escapes, a `# TYPE` before each
//! metric's samples, no series twice).

use std::collections::BTreeMap;

use crate::account::{Account, DAY, T0, droplet, owned, seed};

/// One sample: metric name, labels, value.
#[derive(Debug, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Reads exposition text, failing the test on anything the format does not allow.
fn parse(text: &str) -> Vec<Sample> {
    assert!(text.ends_with('\n'), "the last line ends with a line feed");
    let mut typed = Vec::new();
    let mut helped = Vec::new();
    let mut samples: Vec<Sample> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect("# HELP name text");
            assert!(is_name(name) && !help.is_empty(), "{line}");
            helped.push(name.to_string());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
            assert!(is_name(name), "{line}");
            assert!(["gauge", "counter", "untyped"].contains(&kind), "{line}");
            assert!(!typed.contains(&name.to_string()), "TYPE twice: {line}");
            typed.push(name.to_string());
        } else {
            let sample = sample(line);
            assert!(typed.contains(&sample.name), "no TYPE before {line}");
            assert!(helped.contains(&sample.name), "no HELP for {line}");
            assert!(
                !samples
                    .iter()
                    .any(|s| s.name == sample.name && s.labels == sample.labels),
                "series twice: {line}"
            );
            samples.push(sample);
        }
    }
    samples
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `name{label="value",...} number`, label values with `\\`, `\"` and `\n` escapes.
fn sample(line: &str) -> Sample {
    let end = line.find(['{', ' ']).expect("a name");
    let name = &line[..end];
    assert!(is_name(name), "{line}");
    let mut chars = line[end..].chars().peekable();
    let mut labels = BTreeMap::new();
    if chars.peek() == Some(&'{') {
        chars.next();
        loop {
            let label: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
            assert!(is_name(&label), "label name {label:?} in {line}");
            assert_eq!(
                (chars.next(), chars.next()),
                (Some('='), Some('"')),
                "{line}"
            );
            let mut value = String::new();
            loop {
                match chars.next().expect("a closing quote") {
                    '"' => break,
                    '\\' => value.push(match chars.next() {
                        Some('\\') => '\\',
                        Some('"') => '"',
                        Some('n') => '\n',
                        other => panic!("bad escape {other:?} in {line}"),
                    }),
                    '\n' => panic!("a raw line feed in {line}"),
                    c => value.push(c),
                }
            }
            assert!(
                labels.insert(label, value).is_none(),
                "label twice in {line}"
            );
            match chars.next() {
                Some(',') => {}
                Some('}') => break,
                other => panic!("{other:?} after a label value in {line}"),
            }
        }
    }
    let rest: String = chars.collect();
    let value = rest
        .strip_prefix(' ')
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no value in {line}"));
    Sample {
        name: name.to_string(),
        labels,
        value,
    }
}

/// The value of the series `name` with exactly these labels.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let labels: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    samples
        .iter()
        .find(|s| s.name == name && s.labels == labels)
        .map(|s| s.value)
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

const TAG: (&str, &str) = ("tag", "autosnapshot");

#[test]
fn a_run_writes_its_counts_and_each_droplets_state() {
    // A droplet name with a quote and a backslash, which the format must escape.
    let odd = r#"db "main"\1"#;
    let account = Account::start(seed(
        vec![
            droplet(1, "web-1", &["autosnapshot"]),
            droplet(2, odd, &["autosnapshot"]),
        ],
        vec![
            owned(10, 1, "web-1", T0 - 30 * DAY),
            owned(11, 1, "web-1", T0 - 20 * DAY),
            owned(12, 1, "web-1", T0 - 10 * DAY),
        ],
    ));
    let file = account.path("do_snapshot.prom");
    std::fs::write(&file, "stale\n").unwrap();
    let path = file.display().to_string();
    let before = now();
    let run = account.run(&[
        "-s",
        "2w",
        "-k",
        "0d:1w",
        "-r",
        "lon1",
        "--metrics-file",
        &path,
    ]);
    run.expect_code(0);
    let text = std::fs::read_to_string(&file).unwrap();
    let samples = parse(&text);
    let run_value = |name: &str| value(&samples, name, &[TAG]).unwrap_or(f64::NAN);
    assert_eq!(run_value("do_snapshot_last_run_success"), 1.0);
    assert_eq!(run_value("do_snapshot_last_run_exit_code"), 0.0);
    let finished = run_value("do_snapshot_last_run_timestamp_seconds");
    assert!(
        finished >= before.floor() && finished <= now(),
        "{finished}"
    );
    assert_eq!(run_value("do_snapshot_last_run_taken"), 1.0);
    assert_eq!(run_value("do_snapshot_last_run_deleted"), 2.0);
    assert_eq!(run_value("do_snapshot_last_run_transferred"), 1.0);
    assert_eq!(run_value("do_snapshot_last_run_failed"), 0.0);
    let web = [("droplet", "web-1"), TAG];
    assert_eq!(
        value(&samples, "do_snapshot_newest_age_seconds", &web),
        Some((10 * DAY) as f64)
    );
    assert_eq!(value(&samples, "do_snapshot_snapshots", &web), Some(1.0));
    // The emulator reports 2.34 GB per snapshot; the two deleted no longer count.
    assert_eq!(
        value(&samples, "do_snapshot_storage_gigabytes", &web),
        Some(2.34)
    );
    let db = [("droplet", odd), TAG];
    assert_eq!(value(&samples, "do_snapshot_snapshots", &db), Some(0.0));
    assert_eq!(
        value(&samples, "do_snapshot_storage_gigabytes", &db),
        Some(0.0)
    );
    assert_eq!(value(&samples, "do_snapshot_newest_age_seconds", &db), None);
    assert!(text.contains(r#"droplet="db \"main\"\\1""#), "{text}");
    // Replaced whole: no temporary file is left beside it.
    let left: Vec<_> = std::fs::read_dir(account.path(""))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("prom") && n != "do_snapshot.prom")
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(!text.contains(&fake_do::DEFAULT_TOKEN[7..]));
}

#[test]
fn a_failed_run_writes_its_failure() {
    let account = Account::start(seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]));
    let path = account.path("m.prom").display().to_string();
    let read = || parse(&std::fs::read_to_string(&path).expect("written"));
    // The token refused: nothing done.
    let wrong = account.path("wrong");
    std::fs::write(&wrong, "dop_v1_".to_string() + &"2".repeat(64)).unwrap();
    let wrong = wrong.display().to_string();
    let run = account.run_env(
        &["-s", "1d", "--token", &wrong, "--metrics-file", &path],
        &[],
    );
    run.expect_code(1);
    let samples = read();
    assert_eq!(
        value(&samples, "do_snapshot_last_run_success", &[TAG]),
        Some(0.0)
    );
    assert_eq!(
        value(&samples, "do_snapshot_last_run_exit_code", &[TAG]),
        Some(1.0)
    );
    assert_eq!(
        value(&samples, "do_snapshot_last_run_taken", &[TAG]),
        Some(0.0)
    );
    assert!(samples.iter().all(|s| !s.labels.contains_key("droplet")));
    // The lock held by another run.
    let held = std::fs::File::create(account.lock_file()).unwrap();
    held.try_lock().unwrap();
    account
        .run(&["-s", "1d", "--metrics-file", &path])
        .expect_code(4);
    assert_eq!(
        value(&read(), "do_snapshot_last_run_exit_code", &[TAG]),
        Some(4.0)
    );
    drop(held);
    // A usage error found after parsing, with another tag.
    account
        .run(&[
            "-s",
            "1d",
            "-t",
            "web",
            "-r",
            "LON1",
            "--metrics-file",
            &path,
        ])
        .expect_code(2);
    let samples = read();
    assert_eq!(
        value(
            &samples,
            "do_snapshot_last_run_exit_code",
            &[("tag", "web")]
        ),
        Some(2.0)
    );
    // Partly done (a droplet locked, with no snapshot, is overdue): not a success.
    account.fake.set_locked(1, true);
    account
        .run(&["-s", "1d", "--metrics-file", &path])
        .expect_code(3);
    let samples = read();
    assert_eq!(
        value(&samples, "do_snapshot_last_run_success", &[TAG]),
        Some(0.0)
    );
    assert_eq!(
        value(
            &samples,
            "do_snapshot_snapshots",
            &[("droplet", "web-1"), TAG]
        ),
        Some(0.0)
    );
}

#[test]
fn a_simulation_writes_no_metrics() {
    let run = crate::harness::do_snapshot(&[
        "-s",
        "1d",
        "--simulate",
        "1d:1w",
        "--metrics-file",
        "/tmp/never.prom",
    ]);
    run.expect_code(2)
        .expect_stderr("--metrics-file describes real runs");
    assert!(!std::path::Path::new("/tmp/never.prom").exists());
}

#[test]
fn an_unwritable_metrics_file_is_said_but_the_run_goes_on() {
    let account = Account::start(seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]));
    let path = account.path("no-such-dir/m.prom").display().to_string();
    let run = account.run(&["-s", "1d", "--metrics-file", &path]);
    run.expect_code(0)
        .expect_stderr("--metrics-file: cannot write");
    assert_eq!(account.snapshot_actions(1), 1);
}
