//! What happens to every non-control request around its handler: completing
//! due actions, auth, the rate limits, faults (holding the request, if one
//! says so), the common headers, the request log and the latency.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, DATE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;

use crate::errors::ApiError;
use crate::faults::{FaultKind, echo_credentials};
use crate::model::LoggedRequest;
use crate::ratelimit::{Exceeded, RateHeaders};
use crate::state::{Shared, World, lock};
use crate::timefmt::{DateFormat, http_date};

/// The request as the log records it.
struct Seen {
    method: String,
    path: String,
    query: String,
    authorization: Option<String>,
}

/// The decision taken before the handler runs.
enum Verdict {
    /// Answer with this error; the handler does not run.
    Refuse(ApiError),
    /// Run the handler, possibly through a fault.
    Serve(Option<FaultKind>),
}

/// Everything decided, under one lock, when the request arrives.
struct Admission {
    request_id: String,
    now: Timestamp,
    date_format: DateFormat,
    rate: RateHeaders,
    /// Whole seconds for `retry-after`: set only on a burst-limit 429.
    retry_after: Option<u64>,
    /// Real time the reply waits before it is sent.
    latency: Duration,
    verdict: Verdict,
}

/// The middleware wrapping every `/v2` route and the fallback.
pub async fn api_pipeline(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let seen = Seen {
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        query: request.uri().query().unwrap_or("").to_string(),
        authorization: request
            .headers()
            .get(AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
    };
    let admission = admit(&mut lock(&shared), &seen);
    let request_id = admission.request_id.as_str();
    let authorization = seen.authorization.as_deref();
    let mut delay = Duration::ZERO;
    let mut response = match admission.verdict {
        Verdict::Refuse(ref error) => error.render(Some(request_id)),
        Verdict::Serve(None) => finish(next.run(request).await, request_id),
        Verdict::Serve(Some(FaultKind::Status {
            status,
            retry_after,
            ref body,
        })) => {
            let body = body.as_deref().map(|b| echo_credentials(b, authorization));
            fault_status(status, retry_after, body.as_deref(), request_id)
        }
        Verdict::Serve(Some(FaultKind::AfterApply { status })) => {
            next.run(request).await;
            ApiError::for_status(status_code(status)).render(Some(request_id))
        }
        Verdict::Serve(Some(FaultKind::Delay { millis, apply })) => {
            delay = Duration::from_millis(millis);
            if apply {
                finish(next.run(request).await, request_id)
            } else {
                ApiError::for_status(StatusCode::GATEWAY_TIMEOUT).render(Some(request_id))
            }
        }
        Verdict::Serve(Some(FaultKind::Truncate)) => {
            truncate(finish(next.run(request).await, request_id)).await
        }
        Verdict::Serve(Some(FaultKind::Malformed { ref body })) => with_body(
            StatusCode::OK,
            echo_credentials(body, authorization),
            "application/json",
        ),
        // Outside the world's lock, so every other request goes on. The
        // headers stay those of the arrival; the handler sees the world as
        // it is at the release.
        Verdict::Serve(Some(FaultKind::Hold)) => {
            shared.holds.hold().await;
            finish(next.run(request).await, request_id)
        }
    };
    add_common_headers(response.headers_mut(), &admission);
    let status = response.status().as_u16();
    {
        let mut world = lock(&shared);
        world.requests.push(LoggedRequest {
            method: seen.method,
            path: seen.path,
            query: seen.query,
            status,
            authorization: seen.authorization,
        });
        if status == StatusCode::TOO_MANY_REQUESTS.as_u16() {
            world.too_many_requests += 1;
        }
    }
    // The effect and the log entry already exist: a client that gives up
    // during the wait has still been "accepted". The wait is a timer on the
    // server's runtime, so every other request goes on meanwhile.
    let wait = admission.latency.saturating_add(delay);
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    response
}

/// Completes due actions, then checks the token, then the rate limits (the
/// hourly one first), then picks a fault. Refused requests do not use up
/// either limit.
///
/// Only a burst-limit 429 carries `retry-after` (spec `description.yml`,
/// do-api.md §8), with `ratelimit-remaining: 0` although the hourly budget
/// is not used up. A 429 for the used-up hourly window has none: the client
/// learns when to come back from `ratelimit-reset`.
fn admit(world: &mut World, seen: &Seen) -> Admission {
    world.complete_due();
    let request_id = world.fresh_request_id();
    let now = world.now;
    world.rate.expire(now);
    let mut retry_after = None;
    let verdict = if !authorized(&world.token, seen.authorization.as_deref()) {
        Verdict::Refuse(ApiError::for_status(StatusCode::UNAUTHORIZED))
    } else {
        match world.rate.admit(now) {
            Ok(()) => Verdict::Serve(world.faults.pick(&seen.method, &seen.path, &seen.query)),
            Err(exceeded) => {
                if let Exceeded::Minute { retry_after: wait } = exceeded {
                    retry_after = Some(wait);
                }
                Verdict::Refuse(ApiError::for_status(StatusCode::TOO_MANY_REQUESTS))
            }
        }
    };
    let mut rate = world.rate.headers(now);
    if retry_after.is_some() {
        rate.remaining = 0;
    }
    Admission {
        request_id,
        now,
        date_format: world.date_format,
        rate,
        retry_after,
        latency: world.latency,
        verdict,
    }
}

/// `Bearer <token>`, scheme case-insensitive, surrounding blanks ignored.
fn authorized(token: &str, header: Option<&str>) -> bool {
    let Some(header) = header.map(str::trim) else {
        return false;
    };
    match header.split_once(' ') {
        Some((scheme, given)) => scheme.eq_ignore_ascii_case("bearer") && given.trim() == token,
        None => false,
    }
}

/// Renders a handler's [`ApiError`], and gives axum's own bare error
/// responses (bad path encoding, 405…) a DO error body too.
fn finish(response: Response, request_id: &str) -> Response {
    if let Some(error) = response.extensions().get::<ApiError>() {
        return error.render(Some(request_id));
    }
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let failed = response.status().is_client_error() || response.status().is_server_error();
    if failed && !is_json {
        return ApiError::for_status(response.status()).render(Some(request_id));
    }
    response
}

/// Statuses outside 100..=999 cannot be sent; they become a 500.
fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The reply of a `Status` fault: the DO error body, or the custom body with
/// a content type guessed from it (an HTML error page is the usual case).
fn fault_status(
    status: u16,
    retry_after: Option<u64>,
    body: Option<&str>,
    request_id: &str,
) -> Response {
    let status = status_code(status);
    let mut response = match body {
        None => ApiError::for_status(status).render(Some(request_id)),
        Some(body) => {
            let content_type = if serde_json::from_str::<serde_json::Value>(body).is_ok() {
                "application/json"
            } else if body.trim_start().starts_with('<') {
                "text/html; charset=utf-8"
            } else {
                "text/plain; charset=utf-8"
            };
            with_body(status, body.to_string(), content_type)
        }
    };
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn with_body(status: StatusCode, body: String, content_type: &'static str) -> Response {
    (status, [(CONTENT_TYPE, content_type)], body).into_response()
}

/// Keeps the status and headers but only the first half of the body, with a
/// matching `content-length`, so the client sees a cleanly ended response
/// whose JSON is cut off.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(half.len()));
    Response::from_parts(parts, Body::from(half))
}

/// Rate-limit headers (and `retry-after` on a burst-limit 429), the
/// emulator-clock `Date` and `x-request-id`.
fn add_common_headers(headers: &mut HeaderMap, admission: &Admission) {
    let rate = admission.rate;
    if let Some(seconds) = admission.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    headers.insert(
        HeaderName::from_static("ratelimit-limit"),
        HeaderValue::from(rate.limit),
    );
    headers.insert(
        HeaderName::from_static("ratelimit-remaining"),
        HeaderValue::from(rate.remaining),
    );
    headers.insert(
        HeaderName::from_static("ratelimit-reset"),
        HeaderValue::from(rate.reset),
    );
    if let Ok(date) = HeaderValue::from_str(&http_date(admission.now, admission.date_format)) {
        headers.insert(DATE, date);
    }
    if let Ok(id) = HeaderValue::from_str(&admission.request_id) {
        headers.insert(HeaderName::from_static("x-request-id"), id);
    }
}
