//! `/_fake`: inspect and steer the emulator over HTTP, for the binary and for
//! tests in other processes. No auth, not logged, not rate limited.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::parse_body;
use crate::errors::ApiError;
use crate::faults::{Fault, FaultKind};
use crate::state::{Shared, lock};
use crate::timefmt::DateFormat;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/_fake/state", get(state))
        .route("/_fake/requests", get(requests).delete(clear_requests))
        .route("/_fake/advance", post(advance))
        .route("/_fake/faults", post(add_fault).delete(clear_faults))
        .route("/_fake/lock", post(set_lock))
        .route("/_fake/ignore_shutdown", post(set_ignore_shutdown))
        .route("/_fake/fail", post(fail_actions))
        .route("/_fake/date_format", post(set_date_format))
        .route("/_fake/rate_limit", post(set_rate_limit))
        .route("/_fake/latency", post(set_latency))
        .route("/_fake/release", post(release))
        .route("/_fake/destroy_droplet", post(destroy_droplet))
        .route("/_fake/destroy_volume", post(destroy_volume))
}

/// Control errors have no request id: they are not API requests.
fn reject(error: ApiError) -> Response {
    error.render(None)
}

async fn state(State(shared): State<Shared>) -> Json<Value> {
    let mut world = lock(&shared);
    world.complete_due();
    Json(json!({
        "now": world.now,
        "droplets": world.droplets.values().collect::<Vec<_>>(),
        "snapshots": world.snapshots.values().collect::<Vec<_>>(),
        "actions": world.actions.values().collect::<Vec<_>>(),
        "volumes": world.volumes.values().collect::<Vec<_>>(),
        "volume_snapshots": world.ordered_volume_snapshots(),
        "held": shared.holds.count(),
        "rate_limit": {
            "per_hour": world.rate.per_hour,
            "per_minute": world.rate.per_minute,
        },
        "latency_millis": u64::try_from(world.latency.as_millis()).unwrap_or(u64::MAX),
        "too_many_requests": world.too_many_requests,
    }))
}

async fn requests(State(shared): State<Shared>) -> Json<Value> {
    Json(json!(lock(&shared).requests))
}

async fn clear_requests(State(shared): State<Shared>) -> StatusCode {
    lock(&shared).requests.clear();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
struct Advance {
    seconds: i64,
}

/// `{"seconds": N}` → `{"now": …}`; the clock never goes back.
async fn advance(State(shared): State<Shared>, body: Bytes) -> Result<Json<Value>, Response> {
    let Advance { seconds } = parse_body(&body).map_err(reject)?;
    if seconds < 0 {
        return Err(reject(ApiError::bad_request(
            "seconds must not be negative",
        )));
    }
    let mut world = lock(&shared);
    world.advance(seconds);
    Ok(Json(json!({ "now": world.now })))
}

async fn add_fault(State(shared): State<Shared>, body: Bytes) -> Result<StatusCode, Response> {
    let fault: Fault = parse_body(&body).map_err(reject)?;
    let status = match fault.kind {
        FaultKind::Status { status, .. } | FaultKind::AfterApply { status } => Some(status),
        _ => None,
    };
    if status.is_some_and(|s| StatusCode::from_u16(s).is_err()) {
        return Err(reject(ApiError::bad_request(
            "status must be an HTTP status code",
        )));
    }
    lock(&shared).faults.add(fault);
    Ok(StatusCode::NO_CONTENT)
}

async fn clear_faults(State(shared): State<Shared>) -> StatusCode {
    lock(&shared).faults.clear();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
struct Lock {
    droplet_id: u64,
    locked: bool,
}

/// `{"droplet_id": N, "locked": bool}` → `{"droplet": …}` or 404.
async fn set_lock(State(shared): State<Shared>, body: Bytes) -> Response {
    let request: Lock = match parse_body(&body) {
        Ok(request) => request,
        Err(error) => return reject(error),
    };
    let mut world = lock(&shared);
    world.complete_due();
    match world.set_locked(request.droplet_id, request.locked) {
        Some(droplet) => Json(json!({ "droplet": droplet })).into_response(),
        None => reject(ApiError::not_found()),
    }
}

#[derive(Debug, Deserialize)]
struct IgnoreShutdown {
    droplet_id: u64,
    ignores: bool,
}

/// `{"droplet_id": N, "ignores": bool}` → 204, or 404 for an unknown
/// droplet: whether a completed `shutdown` leaves the droplet running.
async fn set_ignore_shutdown(State(shared): State<Shared>, body: Bytes) -> Response {
    let request: IgnoreShutdown = match parse_body(&body) {
        Ok(request) => request,
        Err(error) => return reject(error),
    };
    if lock(&shared).set_ignores_shutdown(request.droplet_id, request.ignores) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        reject(ApiError::not_found())
    }
}

#[derive(Debug, Deserialize)]
struct Fail {
    kind: String,
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

/// `{"kind": "transfer", "count": 1}`: the next `count` actions of that type
/// to finish end `errored`.
async fn fail_actions(State(shared): State<Shared>, body: Bytes) -> Result<StatusCode, Response> {
    let Fail { kind, count } = parse_body(&body).map_err(reject)?;
    lock(&shared).plan_failures(&kind, count);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct SetDateFormat {
    format: DateFormat,
}

/// `{"format": "imf" | "rfc850" | "asctime"}`: the form of every later
/// `Date` header.
async fn set_date_format(
    State(shared): State<Shared>,
    body: Bytes,
) -> Result<StatusCode, Response> {
    let SetDateFormat { format } = parse_body(&body).map_err(reject)?;
    lock(&shared).date_format = format;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetRateLimit {
    per_minute: Option<u32>,
    per_hour: Option<u32>,
}

/// `{"per_minute": N, "per_hour": M}`, either optional: the limits from now
/// on (`per_minute: 0` turns the burst limit off).
async fn set_rate_limit(State(shared): State<Shared>, body: Bytes) -> Result<StatusCode, Response> {
    let SetRateLimit {
        per_minute,
        per_hour,
    } = parse_body(&body).map_err(reject)?;
    let mut world = lock(&shared);
    if let Some(per_minute) = per_minute {
        world.rate.per_minute = per_minute;
    }
    if let Some(per_hour) = per_hour {
        world.rate.per_hour = per_hour;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct SetLatency {
    millis: u64,
}

/// `{"millis": N}`: the real time every later `/v2` reply waits.
async fn set_latency(State(shared): State<Shared>, body: Bytes) -> Result<StatusCode, Response> {
    let SetLatency { millis } = parse_body(&body).map_err(reject)?;
    lock(&shared).latency = std::time::Duration::from_millis(millis);
    Ok(StatusCode::NO_CONTENT)
}

/// Lets every request a `hold` fault keeps waiting go on; see
/// `"held"` in `/_fake/state` for how many there are.
async fn release(State(shared): State<Shared>) -> StatusCode {
    shared.holds.release();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
struct DestroyDroplet {
    droplet_id: u64,
}

/// `{"droplet_id": N}` → 204, or 404 for an unknown droplet: the droplet
/// is gone, its snapshots and (detached) volumes stay.
async fn destroy_droplet(State(shared): State<Shared>, body: Bytes) -> Response {
    let request: DestroyDroplet = match parse_body(&body) {
        Ok(request) => request,
        Err(error) => return reject(error),
    };
    if lock(&shared).destroy_droplet(request.droplet_id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        reject(ApiError::not_found())
    }
}

#[derive(Debug, Deserialize)]
struct DestroyVolume {
    volume_id: String,
}

/// `{"volume_id": "…"}` → 204, or 404 for an unknown volume: the volume is
/// gone, its snapshots stay.
async fn destroy_volume(State(shared): State<Shared>, body: Bytes) -> Response {
    let request: DestroyVolume = match parse_body(&body) {
        Ok(request) => request,
        Err(error) => return reject(error),
    };
    if lock(&shared).destroy_volume(&request.volume_id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        reject(ApiError::not_found())
    }
}
