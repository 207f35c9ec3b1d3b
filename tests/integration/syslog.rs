//! `--syslog`: the report goes to syslog as one line per droplet (priority info) and stdout
//! stays empty. Read from a socket the test binds in place of /dev/log (the hidden
//! `--syslog-socket`); without a socket there, the lines come to stderr with a notice.

use std::os::unix::net::UnixDatagram;

use fake_do::{AUTHORIZATION_PLACEHOLDER, Fault, FaultKind};

use crate::account::{Account, DAY, T0, droplet, owned, seed};

/// Web-1 holds two old snapshots (with `-k 0d:1w`, one to delete, the newest kept and copied
/// to lon1; with `-s 2w` it is not due); web-2 has none, so a snapshot is taken.
fn account() -> Account {
    Account::start(seed(
        vec![
            droplet(1, "web-1", &["autosnapshot"]),
            droplet(2, "web-2", &["autosnapshot"]),
        ],
        vec![
            owned(10, 1, "web-1", T0 - 20 * DAY),
            owned(11, 1, "web-1", T0 - 10 * DAY),
        ],
    ))
}

/// A datagram socket standing in for /dev/log, and its path.
fn listen(account: &Account) -> (UnixDatagram, String) {
    let path = account.path("log.sock");
    let socket = UnixDatagram::bind(&path).expect("the socket binds");
    socket.set_nonblocking(true).expect("non-blocking");
    (socket, path.display().to_string())
}

/// Every message sent so far (the run is over, so all are queued).
fn received(socket: &UnixDatagram) -> Vec<String> {
    let mut messages = Vec::new();
    let mut buf = vec![0u8; 65_536];
    while let Ok(n) = socket.recv(&mut buf) {
        messages.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    messages
}

/// The messages at this priority (`<14>` is user.info), without the `<PRI>do-snapshot[PID]: `.
fn at(messages: &[String], priority: u8) -> Vec<String> {
    let head = format!("<{priority}>do-snapshot[");
    messages
        .iter()
        .filter_map(|m| m.strip_prefix(&head))
        .map(|rest| {
            rest.split_once("]: ")
                .expect("ident[pid]: text")
                .1
                .to_string()
        })
        .collect()
}

#[test]
fn the_report_goes_to_syslog_one_line_per_droplet_and_nothing_is_printed() {
    let account = account();
    let (socket, path) = listen(&account);
    let run = account.run(&[
        "-s",
        "2w",
        "-k",
        "0d:1w",
        "-r",
        "lon1",
        "--syslog",
        "--syslog-socket",
        &path,
    ]);
    run.expect_code(0).expect_no_panic();
    assert_eq!(run.stdout, "");
    // Even the warning about this machine's clock (the emulator's is in 2026-01) went to
    // syslog: cron has nothing to mail.
    assert_eq!(run.stderr, "");
    let messages = received(&socket);
    let info = at(&messages, 14);
    assert_eq!(info.len(), 3, "two droplets and the summary: {messages:#?}");
    assert!(
        info[0].starts_with("web-1 (1): 2 snapshot(s), newest 10d 0h old; deleted web-1-autosnapshot-20251212T000000Z (under -k 0d:1w); copying snapshot 11 to lon1; snapshot not due (newest 2025-12-22T00:00:00Z)"),
        "{}",
        info[0]
    );
    assert!(
        info[1].starts_with("web-2 (2): 0 snapshot(s), none yet; deleted none; snapshot taken: web-2-autosnapshot-20260101T000000Z"),
        "{}",
        info[1]
    );
    assert_eq!(info[2], "run done: 2 droplet(s) tagged, exit code 0");
    let warnings = at(&messages, 12);
    assert!(
        warnings.iter().any(|w| w.contains("clock")),
        "{messages:#?}"
    );
    assert_eq!(account.mutations().len(), 3);
}

#[test]
fn a_run_that_needs_a_look_says_so_on_stderr_too() {
    let account = account();
    account.fake.set_locked(2, true);
    let (socket, path) = listen(&account);
    // The emulator echoes the token in the error body of a refused copy.
    account.fake.add_fault(Fault {
        method: Some("POST".into()),
        path: Some("/v2/images".into()),
        ..Fault::new(FaultKind::Status {
            status: 403,
            retry_after: None,
            body: Some(format!(
                r#"{{"id":"forbidden","message":"no: {AUTHORIZATION_PLACEHOLDER}"}}"#
            )),
        })
    });
    let run = account.run(&[
        "-s",
        "1w",
        "-r",
        "lon1",
        "--syslog",
        "--syslog-socket",
        &path,
    ]);
    // web-1's copy failed and web-2, locked with no snapshot, is overdue.
    run.expect_code(3);
    assert_eq!(run.stdout, "");
    run.expect_stderr(
        "do-snapshot: the run ended with exit code 3 (partly done); the report is in syslog",
    );
    let messages = received(&socket);
    let info = at(&messages, 14);
    assert!(
        info[0].contains("; error: POST /v2/images/11/actions"),
        "{}",
        info[0]
    );
    assert!(
        info[1].contains("snapshot skipped: the droplet is locked"),
        "{}",
        info[1]
    );
    assert!(
        info[1].contains("; overdue: it has no snapshot"),
        "{}",
        info[1]
    );
    let errors = at(&messages, 11);
    assert!(
        errors.iter().any(|e| e.contains("droplet web-2: overdue")),
        "{errors:#?}"
    );
    for text in messages.iter().chain([&run.stderr]) {
        assert!(
            !text.contains(&fake_do::DEFAULT_TOKEN[7..]),
            "the token leaked: {text}"
        );
    }
    assert!(
        messages.iter().any(|m| m.contains("Bearer <token>")),
        "{messages:#?}"
    );
}

#[test]
fn without_a_syslog_socket_the_report_comes_to_stderr() {
    let account = account();
    let missing = account.path("no-such.sock").display().to_string();
    let run = account.run(&["-s", "1w", "--syslog", "--syslog-socket", &missing]);
    run.expect_code(0);
    assert_eq!(run.stdout, "");
    run.expect_stderr(&format!(
        "--syslog: there is no syslog socket at {missing} to send to (No such file"
    ));
    run.expect_stderr("so logging to stderr instead");
    run.expect_stderr("do-snapshot: web-1 (1): 2 snapshot(s)");
    run.expect_stderr("do-snapshot: run done: 2 droplet(s) tagged, exit code 0");
}

#[test]
fn with_json_stdout_has_the_document_and_syslog_the_lines() {
    let account = account();
    let (socket, path) = listen(&account);
    let run = account.run(&["-s", "1w", "--json", "--syslog", "--syslog-socket", &path]);
    run.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(doc["droplets"].as_array().map(Vec::len), Some(2));
    assert_eq!(at(&received(&socket), 14).len(), 3);
}
