//! Two runs for the same tag at once: the second stops at once, touching nothing.

use std::time::{Duration, Instant};

use fake_do::{Fault, FaultKind};

use crate::account::{Account, droplet, seed};
use crate::harness::finish;

#[test]
fn a_second_run_finds_the_lock_and_exits_4() {
    let account = Account::start(seed(vec![droplet(1, "web-1", &["autosnapshot"])], vec![]));
    // Make the first run slow: its droplet listing takes 1.5 s to answer.
    account.fake.add_fault(Fault {
        path: Some("/v2/droplets".into()),
        times: 1,
        ..Fault::new(FaultKind::Delay {
            millis: 1_500,
            apply: true,
        })
    });
    let first = account
        .command(&["-s", "1d"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the first run starts");
    // Wait (bounded) until the first run has written its pid into the lock file.
    let started = Instant::now();
    let pid = first.id().to_string();
    while std::fs::read_to_string(account.lock_file()).map_or(true, |t| t.trim() != pid) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the first run never took the lock"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let second = account.run(&["-s", "1d"]);
    second.expect_code(4).expect_no_panic();
    second.expect_stderr("another do-snapshot run holds the lock");
    second.expect_stderr(&format!("(pid {pid})"));
    assert!(second.stdout.is_empty());
    let first = finish(first.wait_with_output().expect("the first run ends"));
    first.expect_code(0);
    assert_eq!(
        account.snapshot_actions(1),
        1,
        "only the first run snapshotted"
    );
    // Once the first run is over, the lock is free again.
    account.fake.advance(86_400);
    account.run(&["-s", "1d"]).expect_code(0);
}
