//! Injected failures, so client retry and recovery paths can be tested.
//!
//! A fault matches requests by method, path and query substring. It lets
//! `skip` matching requests through, then fires on the next `times` matching
//! requests (forever when `times` is 0). Faults are consulted in the order
//! they were added and the first that fires wins; faults after it do not see
//! that request.

use serde::{Deserialize, Serialize};

/// When and how to break a request. As JSON the kind is flattened in:
/// `{"path": "/v2/droplets", "times": 1, "kind": "status", "status": 503}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// Only this HTTP method (e.g. `POST`); `None` matches any.
    #[serde(default)]
    pub method: Option<String>,
    /// Matches when the request path contains this string.
    #[serde(default)]
    pub path: Option<String>,
    /// Matches when the raw query string contains this string (e.g. `page=3`).
    #[serde(default)]
    pub query: Option<String>,
    /// Matching requests to let through before firing.
    #[serde(default)]
    pub skip: u32,
    /// Matching requests to fire on; 0 means forever.
    #[serde(default)]
    pub times: u32,
    #[serde(flatten)]
    pub kind: FaultKind,
}

/// What a firing fault does to the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status without applying the request. The body
    /// defaults to the DO error JSON for the status; a custom body (say, an
    /// HTML 502 page) is sent verbatim, except that every
    /// [`AUTHORIZATION_PLACEHOLDER`] becomes the request's `Authorization`
    /// header, as a proxy that echoes the request would leak it.
    Status {
        status: u16,
        #[serde(default)]
        retry_after: Option<u64>,
        #[serde(default)]
        body: Option<String>,
    },
    /// Apply the request, then answer with this status and an error body:
    /// "accepted, but the response was lost".
    AfterApply { status: u16 },
    /// Wait this long in real time before answering. With `apply` the request
    /// takes effect (before the wait) and the real response follows; without
    /// it the request is dropped and a 504 follows.
    Delay {
        millis: u64,
        #[serde(default)]
        apply: bool,
    },
    /// Apply the request but send only the first half of the body.
    Truncate,
    /// Answer 200 with exactly this body, without applying the request;
    /// [`AUTHORIZATION_PLACEHOLDER`] is replaced as for `Status`.
    Malformed { body: String },
    /// Keep the request waiting until the test releases it
    /// ([`crate::FakeDo::release_held`] or `POST /_fake/release`), then
    /// serve it normally. The test learns that it is waiting from
    /// [`crate::FakeDo::wait_for_held`], so it can act at that point without
    /// sleeping.
    Hold,
}

/// Text in a `Status` or `Malformed` fault body that is replaced by the
/// request's `Authorization` value as received (empty without one), so a
/// test can check that the client never prints an error body verbatim.
pub const AUTHORIZATION_PLACEHOLDER: &str = "{{authorization}}";

/// A fault `body` with every [`AUTHORIZATION_PLACEHOLDER`] replaced by
/// `authorization`, or removed when the request had none.
pub fn echo_credentials(body: &str, authorization: Option<&str>) -> String {
    body.replace(AUTHORIZATION_PLACEHOLDER, authorization.unwrap_or(""))
}

impl Fault {
    /// A fault of this kind on every API request, forever; narrow it with
    /// struct update syntax: `Fault { times: 1, ..Fault::new(kind) }`.
    pub fn new(kind: FaultKind) -> Fault {
        Fault {
            method: None,
            path: None,
            query: None,
            skip: 0,
            times: 0,
            kind,
        }
    }

    fn matches(&self, method: &str, path: &str, query: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.as_deref().is_none_or(|p| path.contains(p))
            && self.query.as_deref().is_none_or(|q| query.contains(q))
    }
}

/// A fault plus how many matching requests it has let through and fired on.
#[derive(Debug)]
struct Armed {
    fault: Fault,
    skipped: u32,
    fired: u32,
}

/// The active faults, in the order they were added.
#[derive(Debug, Default)]
pub struct FaultList {
    armed: Vec<Armed>,
}

impl FaultList {
    pub fn add(&mut self, fault: Fault) {
        self.armed.push(Armed {
            fault,
            skipped: 0,
            fired: 0,
        });
    }

    pub fn clear(&mut self) {
        self.armed.clear();
    }

    /// The fault to apply to this request, if any, updating the counters.
    pub fn pick(&mut self, method: &str, path: &str, query: &str) -> Option<FaultKind> {
        for armed in &mut self.armed {
            let spent = armed.fault.times != 0 && armed.fired >= armed.fault.times;
            if spent || !armed.fault.matches(method, path, query) {
                continue;
            }
            if armed.skipped < armed.fault.skip {
                armed.skipped += 1;
                continue;
            }
            armed.fired += 1;
            return Some(armed.fault.kind.clone());
        }
        None
    }
}
