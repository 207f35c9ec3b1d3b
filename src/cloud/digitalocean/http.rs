//! Sending one API request well: the token, timeouts, retries with backoff, `Retry-After`,
//! slowing down before the rate limit bites, and noting the API's clock. Knows nothing of
//! droplets or snapshots.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::retry::{self, Failure, GiveUp};
use crate::cloud::CloudError;
use crate::config::Api;
use crate::interrupt;
use crate::sleep::Sleeper;
use crate::time::Timestamp;

/// The largest response body read; a bigger one is an error, not an out-of-memory.
const BODY_LIMIT: u64 = 64 * 1024 * 1024;

/// A request's method and body.
pub enum Method {
    Get,
    Delete,
    Post(Value),
}

impl Method {
    fn name(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Delete => "DELETE",
            Method::Post(_) => "POST",
        }
    }
}

/// Whether a request may simply be sent again when a try fails.
#[derive(Copy, Clone, PartialEq, Eq)]
pub enum Repeat {
    /// Sending it twice does no harm (reads, deletes).
    Safe,
    /// Sending it twice could act twice (starting a snapshot): retry only failures that show
    /// the request never arrived; report any other failure as possibly applied.
    OnlyIfUnsent,
}

/// A response that ended the retries: success, or a status not worth retrying.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// The `x-request-id` header, for errors whose body names none.
    pub request_id: Option<String>,
}

impl Reply {
    /// The error this reply stands for when its status is not the one wanted: a 401 means the
    /// token; anything else is reported with the API's own id and message (or, for a proxy's
    /// HTML page, the start of its text).
    pub fn error(&self, request: &str) -> CloudError {
        if self.status == 401 {
            return CloudError::Unauthorized;
        }
        let (id, message, request_id) = super::wire::error(&self.body);
        CloudError::Status {
            request: request.to_string(),
            status: self.status,
            id,
            message,
            request_id: request_id.or_else(|| self.request_id.clone()),
        }
    }
}

/// A request that failed for good.
#[derive(Debug)]
pub struct Failed {
    pub error: CloudError,
    /// The server may have acted on it (only for `Repeat::OnlyIfUnsent`).
    pub maybe_applied: bool,
}

/// The HTTP side of the client.
pub struct Http {
    agent: ureq::Agent,
    base: String,
    api: Api,
    sleeper: Box<dyn Sleeper>,
    /// The API's clock, from the last response's `Date` header.
    pub date: Option<Timestamp>,
    /// The last `ratelimit-remaining` and `ratelimit-reset` seen.
    rate: Option<(u64, i64)>,
    /// The per-minute limit, kept by the client itself.
    burst: retry::Burst,
    random: u64,
}

impl Http {
    pub fn new(api: Api, sleeper: Box<dyn Sleeper>) -> Http {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(api.timeout))
            .timeout_connect(Some(api.timeout.min(Duration::from_secs(10))))
            .user_agent(concat!("do-snapshot/", env!("CARGO_PKG_VERSION")))
            .max_redirects(0);
        if api.base_url.starts_with("http://") {
            // Loopback only (checked in config): never send it through a proxy.
            config = config.proxy(None);
        }
        let seed = {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u32(std::process::id());
            h.finish() | 1
        };
        Http {
            agent: config.build().new_agent(),
            base: api.base_url.clone(),
            api,
            sleeper,
            date: None,
            rate: None,
            burst: retry::Burst::default(),
            random: seed,
        }
    }

    /// Sends `method` to `path` (which starts with `/v2/` and may carry a query), retrying as
    /// the policy allows.
    pub fn call(&mut self, method: &Method, path: &str, repeat: Repeat) -> Result<Reply, Failed> {
        let request = format!("{} {path}", method.name());
        let mut waited = Duration::ZERO;
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.pace();
            // Checked after any wait, right before sending: nothing new starts once asked to stop.
            if let Some(signal) = interrupt::should_stop() {
                return Err(Failed {
                    error: CloudError::Interrupted { signal },
                    maybe_applied: false,
                });
            }
            let started = Instant::now();
            let outcome = self.send(method, path);
            let (failure, maybe_applied, error) = match outcome {
                Ok((status, body, headers)) => {
                    tracing::debug!(
                        "{request} -> {status} in {} ms",
                        started.elapsed().as_millis()
                    );
                    let failure = Failure::Status {
                        status,
                        retry_after: headers.retry_after,
                        until_reset: headers.until_reset,
                    };
                    let reply = Reply {
                        status,
                        body,
                        request_id: headers.request_id,
                    };
                    if !retry::retryable(failure) {
                        return Ok(reply);
                    }
                    (failure, status != 429, reply.error(&request))
                }
                Err(SendError { detail, sent }) => {
                    tracing::debug!("{request} failed: {detail}");
                    let error = CloudError::Transport {
                        request: request.clone(),
                        detail,
                    };
                    let failure = match sent {
                        Sent::Never => Failure::Unsendable,
                        Sent::No | Sent::Maybe => Failure::Transport,
                    };
                    (failure, sent == Sent::Maybe, error)
                }
            };
            if maybe_applied && repeat == Repeat::OnlyIfUnsent {
                return Err(Failed {
                    error,
                    maybe_applied: true,
                });
            }
            let wait = match retry::delay(attempt, failure, waited, self.next_random()) {
                Ok(wait) => wait,
                Err(why) => {
                    return Err(Failed {
                        error: give_up(error, attempt, why),
                        maybe_applied: false,
                    });
                }
            };
            tracing::warn!(
                "{error}; trying again in {:.1} s (attempt {} of {})",
                wait.as_secs_f64(),
                attempt + 1,
                retry::MAX_ATTEMPTS
            );
            self.sleeper.sleep(wait);
            waited += wait;
        }
    }

    /// Waits, through the injected sleeper.
    pub fn pause(&mut self, duration: Duration) {
        self.sleeper.sleep(duration);
    }

    /// Time since the client was made, by the sleeper's clock.
    pub fn elapsed(&self) -> Duration {
        self.sleeper.elapsed()
    }

    /// Waits before a request to stay under the per-minute limit, and when the hourly allowance
    /// is running out.
    fn pace(&mut self) {
        if let Some(wait) = self.burst.take(self.sleeper.elapsed()) {
            tracing::debug!(
                "keeping under 250 requests a minute: pausing {:.2} s",
                wait.as_secs_f64()
            );
            self.sleeper.sleep(wait);
        }
        let (Some((remaining, reset)), Some(now)) = (self.rate, self.date) else {
            return;
        };
        let until_reset = u64::try_from(reset.saturating_sub(now.as_second())).unwrap_or(0);
        if let Some(wait) = retry::pace(remaining, until_reset) {
            tracing::info!(
                "only {remaining} API requests left this hour; pausing {:.1} s to stay under the \
                 rate limit",
                wait.as_secs_f64()
            );
            self.sleeper.sleep(wait);
            // Count this request against the allowance until the next response says otherwise.
            self.rate = Some((remaining.saturating_sub(1), reset));
        }
    }

    /// One try. On failure, the error text and whether the request could have reached the
    /// server.
    fn send(&mut self, method: &Method, path: &str) -> Result<(u16, Vec<u8>, Headers), SendError> {
        let url = format!("{}{path}", self.base);
        let bearer = self.api.token.bearer();
        let result = match method {
            Method::Get => self
                .agent
                .get(&url)
                .header("Authorization", &bearer)
                .header("Accept", "application/json")
                .call(),
            Method::Delete => self
                .agent
                .delete(&url)
                .header("Authorization", &bearer)
                .header("Accept", "application/json")
                .call(),
            Method::Post(body) => self
                .agent
                .post(&url)
                .header("Authorization", &bearer)
                .header("Accept", "application/json")
                .send_json(body),
        };
        let mut response = result.map_err(|e| {
            let sent = match e {
                ureq::Error::Http(_)
                | ureq::Error::BadUri(_)
                | ureq::Error::InvalidProxyUrl
                | ureq::Error::RequireHttpsOnly(_) => Sent::Never,
                ureq::Error::ConnectionFailed
                | ureq::Error::HostNotFound
                | ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => Sent::No,
                _ => Sent::Maybe,
            };
            SendError {
                detail: describe(&e, self.api.timeout),
                sent,
            }
        })?;
        let status = response.status().as_u16();
        let headers = Headers::read(response.headers());
        if let Some(date) = headers.date {
            self.date = Some(date);
        }
        if let (Some(remaining), Some(reset)) = (headers.remaining, headers.reset) {
            self.rate = Some((remaining, reset));
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
            .map_err(|e| SendError {
                detail: format!("reading the response: {}", describe(&e, self.api.timeout)),
                sent: Sent::Maybe,
            })?;
        Ok((status, body, headers))
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64: plenty for jitter.
        let mut x = self.random;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.random = x;
        x
    }
}

/// A try that got no response.
struct SendError {
    detail: String,
    sent: Sent,
}

/// Whether a failed try reached the server.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Sent {
    /// It could not be built, so it was never sent, and never will be: not worth retrying.
    Never,
    /// It surely did not arrive (no connection was made): safe to send again.
    No,
    /// It may have arrived and been acted on.
    Maybe,
}

/// Adds why the client stopped trying to an error.
fn give_up(error: CloudError, attempts: u32, why: GiveUp) -> CloudError {
    let note = match why {
        GiveUp::NotRetryable => return error,
        GiveUp::OutOfTries => format!("gave up after {attempts} tries"),
        GiveUp::WaitTooLong(wait) => format!(
            "gave up after {attempts} {}: the API asked to wait {} s, longer than the {} s a run waits in all",
            if attempts == 1 { "try" } else { "tries" },
            wait.as_secs(),
            retry::MAX_TOTAL_WAIT.as_secs()
        ),
    };
    match error {
        CloudError::Status {
            request,
            status,
            id,
            message,
            request_id,
        } => CloudError::Status {
            request: format!("{request} ({note})"),
            status,
            id,
            message,
            request_id,
        },
        CloudError::Transport { request, detail } => CloudError::Transport {
            request: format!("{request} ({note})"),
            detail,
        },
        other => other,
    }
}

/// A transport error in words, never including the request (which holds nothing secret, but
/// keeps messages short).
fn describe(e: &ureq::Error, timeout: Duration) -> String {
    match e {
        ureq::Error::Timeout(_) => {
            format!("no answer within {} s (see --timeout)", timeout.as_secs())
        }
        ureq::Error::ConnectionFailed => "could not connect to the API".to_string(),
        ureq::Error::HostNotFound => "the API's host name could not be resolved".to_string(),
        ureq::Error::BodyExceedsLimit(n) => format!("the response was larger than {n} bytes"),
        other => other.to_string(),
    }
}

/// The response headers the client acts on.
struct Headers {
    date: Option<Timestamp>,
    remaining: Option<u64>,
    reset: Option<i64>,
    retry_after: Option<u64>,
    until_reset: Option<u64>,
    request_id: Option<String>,
}

impl Headers {
    fn read(h: &ureq::http::HeaderMap) -> Headers {
        let text = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let date = text("date").and_then(Timestamp::parse_http_date);
        let reset: Option<i64> = text("ratelimit-reset").and_then(|v| v.parse().ok());
        let retry_after = text("retry-after").and_then(|v| {
            v.parse::<u64>().ok().or_else(|| {
                let at = Timestamp::parse_http_date(v)?;
                let now = date?;
                u64::try_from(at.since(now)).ok()
            })
        });
        let remaining = text("ratelimit-remaining").and_then(|v| v.parse().ok());
        // Waiting for the reset only helps when the hourly allowance is what ran out.
        let until_reset = match (reset, date, remaining) {
            (Some(reset), Some(now), Some(0)) => {
                u64::try_from(reset.saturating_sub(now.as_second())).ok()
            }
            _ => None,
        };
        Headers {
            date,
            remaining,
            reset,
            retry_after,
            until_reset,
            request_id: text("x-request-id").map(str::to_string),
        }
    }
}
