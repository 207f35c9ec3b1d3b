//! Droplet snapshots seen as images, where ids are integers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::{parse_id, snapshots};
use crate::errors::ApiError;
use crate::state::{Image, Shared, lock};
use crate::views;

pub fn routes() -> Router<Shared> {
    Router::new().route("/v2/images/{id}", get(show).delete(remove))
}

async fn show(
    State(shared): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let image = match lock(&shared).listed_image(id) {
        Image::Snapshot(snapshot) => views::image(snapshot),
        Image::Base => views::base_image(),
        Image::Missing => return Err(ApiError::not_found()),
    };
    Ok(Json(json!({ "image": image })))
}

/// `DELETE /v2/images/{id}`: the same deletion as `/v2/snapshots/{id}`.
async fn remove(
    State(shared): State<Shared>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    snapshots::delete(&shared, &id, refusal)
}

/// The public base image is not the account's to delete, so 403 rather than
/// the 400 `/v2/snapshots/{id}` gives it.
fn refusal(image: Image<'_>) -> ApiError {
    match image {
        Image::Base => ApiError::for_status(StatusCode::FORBIDDEN),
        _ => ApiError::not_found(),
    }
}
