//! Droplet snapshots seen as images, where ids are integers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::parse_id;
use crate::errors::ApiError;
use crate::state::{Shared, lock};
use crate::views;

pub fn routes() -> Router<Shared> {
    Router::new().route("/v2/images/{id}", get(show).delete(remove))
}

async fn show(
    State(shared): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let world = lock(&shared);
    let snapshot = world.snapshots.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(Json(json!({ "image": views::image(snapshot) })))
}

/// `DELETE /v2/images/{id}`: the same deletion as `/v2/snapshots/{id}`.
async fn remove(
    State(shared): State<Shared>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    if lock(&shared).delete_snapshot(id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}
