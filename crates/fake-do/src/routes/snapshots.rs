//! The account-wide snapshot endpoints, where ids are strings: droplet
//! snapshots' numbers and volume snapshots' UUIDs.

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::{parse_id, volumes};
use crate::errors::ApiError;
use crate::model::{SnapshotState, VolumeSnapshotState};
use crate::pagination::{EmptyLinks, ListQuery};
use crate::state::{Image, Shared, lock};
use crate::views;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/snapshots", get(list))
        .route("/v2/snapshots/{id}", get(show).delete(remove))
}

/// A snapshot of either kind, as `/v2/snapshots` lists them.
#[derive(Debug, Clone, Copy)]
enum AnySnapshot<'a> {
    Droplet(&'a SnapshotState),
    Volume(&'a VolumeSnapshotState),
}

/// `GET /v2/snapshots[?resource_type=droplet|volume]`: the listed droplet
/// snapshots by id, then the volume snapshots oldest first; a
/// `resource_type` keeps one kind.
async fn list(State(shared): State<Shared>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let query = ListQuery::from_uri(&uri)?;
    let world = lock(&shared);
    let (droplet, volume) = match query.param("resource_type") {
        None => (true, true),
        Some("droplet") => (true, false),
        Some("volume") => (false, true),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "resource_type must be droplet or volume, not '{other}'"
            )));
        }
    };
    let mut snapshots: Vec<AnySnapshot<'_>> = Vec::new();
    if droplet {
        snapshots.extend(world.listed_snapshots().map(AnySnapshot::Droplet));
    }
    if volume {
        let of_volumes = world.listed_volume_snapshots();
        snapshots.extend(of_volumes.into_iter().map(AnySnapshot::Volume));
    }
    Ok(Json(query.envelope(
        "snapshots",
        &snapshots,
        EmptyLinks::Bare,
        |s| match *s {
            AnySnapshot::Droplet(s) => views::snapshot(s),
            AnySnapshot::Volume(s) => views::volume_snapshot(s),
        },
    )))
}

/// `GET /v2/snapshots/{id}`: a number names a droplet snapshot, anything
/// else a volume snapshot.
async fn show(
    State(shared): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let world = lock(&shared);
    let Ok(number) = parse_id(&id) else {
        let snapshot = world
            .listed_volume_snapshot(&id)
            .ok_or_else(ApiError::not_found)?;
        return Ok(Json(
            json!({ "snapshot": views::volume_snapshot(snapshot) }),
        ));
    };
    match world.listed_image(number) {
        Image::Snapshot(snapshot) => Ok(Json(json!({ "snapshot": views::snapshot(snapshot) }))),
        other => Err(refusal(other)),
    }
}

/// `DELETE /v2/snapshots/{id}`: 204, then 404 for the same id, for a
/// droplet snapshot (a number) or a volume snapshot (anything else).
async fn remove(
    State(shared): State<Shared>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if parse_id(&id).is_err() {
        return volumes::delete_snapshot(&shared, &id);
    }
    delete(&shared, &id, refusal)
}

/// Deletes the snapshot `raw_id` names with a 204. `/v2/snapshots/{id}` and
/// `/v2/images/{id}` delete the same way and differ only in how they refuse
/// an id that is not a snapshot, which `refuse` decides.
pub(super) fn delete(
    shared: &Shared,
    raw_id: &str,
    refuse: fn(Image<'_>) -> ApiError,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(raw_id)?;
    let mut world = lock(shared);
    match world.image(id) {
        Image::Snapshot(_) => {
            world.delete_snapshot(id);
            Ok(StatusCode::NO_CONTENT)
        }
        other => Err(refuse(other)),
    }
}

/// Since 2024 these endpoints refuse images that are not snapshots with a
/// 400 (spec `not_a_snapshot.yml`).
fn refusal(image: Image<'_>) -> ApiError {
    match image {
        Image::Base => ApiError::bad_request("the resource is not a snapshot"),
        _ => ApiError::not_found(),
    }
}
