//! The `/v2` endpoints, one file per resource, plus the `/_fake` control API.

use axum::Router;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::errors::ApiError;
use crate::state::Shared;

mod account;
mod actions;
pub mod control;
mod droplets;
mod images;
mod snapshots;
mod volumes;

/// Every `/v2` route. Unknown paths and methods answer with DO error bodies.
pub fn api_router() -> Router<Shared> {
    Router::new()
        .merge(account::routes())
        .merge(droplets::routes())
        .merge(actions::routes())
        .merge(snapshots::routes())
        .merge(images::routes())
        .merge(volumes::routes())
        .fallback(async || ApiError::not_found())
        .method_not_allowed_fallback(async || ApiError::for_status(StatusCode::METHOD_NOT_ALLOWED))
}

/// A numeric resource id from the path; anything else names nothing, so 404.
fn parse_id(raw: &str) -> Result<u64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// A JSON request body, or the API's 400 for one it cannot read.
fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError::bad_request("error parsing request body"))
}
