//! Block-storage volumes and their snapshots, where every id is a UUID
//! string.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::parse_body;
use crate::errors::ApiError;
use crate::model::{VolumeSnapshotState, VolumeState};
use crate::pagination::{EmptyLinks, ListQuery};
use crate::state::{Shared, lock};
use crate::views;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/volumes", get(list))
        .route("/v2/volumes/{id}", get(show))
        .route(
            "/v2/volumes/{id}/snapshots",
            get(snapshots).post(take_snapshot),
        )
        .route(
            "/v2/volumes/snapshots/{sid}",
            get(show_snapshot).delete(remove_snapshot),
        )
}

/// `GET /v2/volumes[?name=N][&region=R]`, by id. Both filters are exact;
/// an empty one is no filter.
async fn list(State(shared): State<Shared>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let query = ListQuery::from_uri(&uri)?;
    let name = query.param("name").filter(|n| !n.is_empty());
    let region = query.param("region").filter(|r| !r.is_empty());
    let world = lock(&shared);
    let volumes: Vec<&VolumeState> = world
        .volumes
        .values()
        .filter(|v| name.is_none_or(|n| v.name == n))
        .filter(|v| region.is_none_or(|r| v.region == r))
        .collect();
    Ok(Json(query.envelope(
        "volumes",
        &volumes,
        EmptyLinks::Bare,
        |v| views::volume(v),
    )))
}

async fn show(
    State(shared): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let world = lock(&shared);
    let volume = world.volumes.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(Json(json!({ "volume": views::volume(volume) })))
}

/// `GET /v2/volumes/{id}/snapshots`: the volume's snapshots, oldest first;
/// 404 once the volume is gone, though its snapshots remain elsewhere.
async fn snapshots(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let query = ListQuery::from_uri(&uri)?;
    let world = lock(&shared);
    if !world.volumes.contains_key(&id) {
        return Err(ApiError::not_found());
    }
    let snapshots: Vec<&VolumeSnapshotState> = world
        .listed_volume_snapshots()
        .into_iter()
        .filter(|s| s.volume_id == id)
        .collect();
    Ok(Json(query.envelope(
        "snapshots",
        &snapshots,
        EmptyLinks::Bare,
        |s| views::volume_snapshot(s),
    )))
}

/// The body of `POST /v2/volumes/{id}/snapshots`. godo also sends
/// `description` and `volume_id`, which are ignored like any other field.
#[derive(Debug, Deserialize)]
struct SnapshotRequest {
    name: Option<String>,
    tags: Option<Vec<String>>,
}

/// `POST /v2/volumes/{id}/snapshots` → 201 `{"snapshot": …}` at once. An
/// unknown volume is a 404 before any complaint about the body.
async fn take_snapshot(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut world = lock(&shared);
    if !world.volumes.contains_key(&id) {
        return Err(ApiError::not_found());
    }
    let SnapshotRequest { name, tags } = parse_body(&body)?;
    let snapshot = world.create_volume_snapshot(&id, name, tags)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "snapshot": views::volume_snapshot(&snapshot) })),
    ))
}

/// `GET /v2/volumes/snapshots/{sid}`: the same object as
/// `/v2/snapshots/{sid}`; droplet snapshot ids are 404 here.
async fn show_snapshot(
    State(shared): State<Shared>,
    Path(sid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let world = lock(&shared);
    let snapshot = world
        .listed_volume_snapshot(&sid)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(
        json!({ "snapshot": views::volume_snapshot(snapshot) }),
    ))
}

/// `DELETE /v2/volumes/snapshots/{sid}`: 204, then 404.
async fn remove_snapshot(
    State(shared): State<Shared>,
    Path(sid): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete_snapshot(&shared, &sid)
}

/// Deletes a volume snapshot by id with a 204; 404 if there is none.
pub(super) fn delete_snapshot(shared: &Shared, sid: &str) -> Result<StatusCode, ApiError> {
    if lock(shared).delete_volume_snapshot(sid) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}
