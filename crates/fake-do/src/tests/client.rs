//! A tiny blocking HTTP/1.1 client over `std::net`, so the tests need no
//! dev-dependency: one request per connection (`Connection: close`), the
//! response read to EOF.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use crate::{DEFAULT_TOKEN, FakeDo};

/// A response as received.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// Sends one request; `auth` is the whole `Authorization` value, if any.
pub fn send(
    fake: &FakeDo,
    method: &str,
    target: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", fake.port())).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut head =
        format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(auth) = auth {
        head.push_str(&format!("Authorization: {auth}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write head");
    stream.write_all(body.as_bytes()).expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    parse(&String::from_utf8_lossy(&raw))
}

fn parse(raw: &str) -> Reply {
    let (head, body) = raw.split_once("\r\n\r\n").expect("header end");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

/// The `Authorization` value the tests' seeds accept.
pub fn bearer() -> String {
    format!("Bearer {DEFAULT_TOKEN}")
}

/// An authenticated GET.
pub fn get(fake: &FakeDo, target: &str) -> Reply {
    send(fake, "GET", target, Some(&bearer()), None)
}

/// An authenticated POST with a JSON body.
pub fn post(fake: &FakeDo, target: &str, body: &str) -> Reply {
    send(fake, "POST", target, Some(&bearer()), Some(body))
}

/// An authenticated DELETE.
pub fn delete(fake: &FakeDo, target: &str) -> Reply {
    send(fake, "DELETE", target, Some(&bearer()), None)
}

/// A POST to the `/_fake` control API, which takes no `Authorization`.
pub fn control_post(fake: &FakeDo, target: &str, body: &str) -> Reply {
    send(fake, "POST", target, None, Some(body))
}
