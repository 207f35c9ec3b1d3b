//! The account-wide snapshot endpoints, where ids are strings.

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::parse_id;
use crate::errors::ApiError;
use crate::model::SnapshotState;
use crate::pagination::{EmptyLinks, ListQuery};
use crate::state::{Image, Shared, lock};
use crate::views;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/snapshots", get(list))
        .route("/v2/snapshots/{id}", get(show).delete(remove))
}

/// `GET /v2/snapshots[?resource_type=droplet|volume]`. The emulator has no
/// volume snapshots, so `volume` lists nothing.
async fn list(State(shared): State<Shared>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let query = ListQuery::from_uri(&uri)?;
    let world = lock(&shared);
    let snapshots: Vec<&SnapshotState> = match query.param("resource_type") {
        None | Some("droplet") => world.listed_snapshots().collect(),
        Some("volume") => Vec::new(),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "resource_type must be droplet or volume, not '{other}'"
            )));
        }
    };
    Ok(Json(query.envelope(
        "snapshots",
        &snapshots,
        EmptyLinks::Bare,
        |s| views::snapshot(s),
    )))
}

async fn show(
    State(shared): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    match lock(&shared).listed_image(id) {
        Image::Snapshot(snapshot) => Ok(Json(json!({ "snapshot": views::snapshot(snapshot) }))),
        other => Err(refusal(other)),
    }
}

/// `DELETE /v2/snapshots/{id}`: 204, then 404 for the same id.
async fn remove(
    State(shared): State<Shared>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
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
