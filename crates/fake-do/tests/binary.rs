//! The `fake-do` binary: startup line, port file, seed file, exit code 2.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_fake-do");

/// A file name under the temp dir that no other test run uses.
fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("fake-do-{}-{name}", std::process::id()))
}

/// Kills the server even when an assertion fails, so no orphan keeps the
/// test harness's pipes open.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serves_the_seed_and_reports_its_port() {
    let seed = scratch("seed.json");
    std::fs::write(
        &seed,
        r#"{"token": "t0k", "droplets": [{"id": 7, "name": "web-7", "tags": ["prod"]}]}"#,
    )
    .expect("write seed");
    let port_file = scratch("port");
    let mut child = Running(
        Command::new(BIN)
            .arg("--seed")
            .arg(&seed)
            .arg("--port-file")
            .arg(&port_file)
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn"),
    );
    let mut line = String::new();
    let stdout = child.0.stdout.take().expect("stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read line");
    let port: u16 = line
        .trim()
        .strip_prefix("fake-do listening on http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let written = std::fs::read_to_string(&port_file).expect("port file");
    assert_eq!(written.trim(), port.to_string());

    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .write_all(b"GET /v2/droplets/7 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("read");
    drop(child);
    let _ = std::fs::remove_file(&seed);
    let _ = std::fs::remove_file(&port_file);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains(r#""name":"web-7""#), "{reply}");
}

#[test]
fn bad_arguments_and_seeds_exit_with_2() {
    let bad_seed = scratch("bad-seed.json");
    std::fs::write(&bad_seed, r#"{"droplets": "none"}"#).expect("write seed");
    let cases: [&[&str]; 4] = [
        &["--frobnicate"],
        &["--port", "http"],
        &["--seed"],
        &["--seed", bad_seed.to_str().expect("utf-8 path")],
    ];
    for args in cases {
        let output = Command::new(BIN).args(args).output().expect("run");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("fake-do: "), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_file(&bad_seed);
}
