//! Droplets and their snapshot lists.

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::parse_id;
use crate::errors::ApiError;
use crate::model::{DropletState, SnapshotState};
use crate::pagination::{EmptyLinks, ListQuery};
use crate::state::{Shared, lock};
use crate::views;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/droplets", get(list))
        .route("/v2/droplets/{id}", get(show))
        .route("/v2/droplets/{id}/snapshots", get(snapshots))
}

/// `GET /v2/droplets[?tag_name=T]`, by id; an empty `tag_name` is no filter,
/// and neither is any `tag_name` while the world ignores the filter (the
/// links still carry it, as received).
async fn list(State(shared): State<Shared>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let query = ListQuery::from_uri(&uri)?;
    let world = lock(&shared);
    let tag = query
        .param("tag_name")
        .filter(|t| !t.is_empty() && !world.ignore_tag_filter);
    let droplets: Vec<&DropletState> = world
        .droplets
        .values()
        .filter(|d| tag.is_none_or(|t| d.tags.iter().any(|have| have == t)))
        .collect();
    Ok(Json(query.envelope(
        "droplets",
        &droplets,
        EmptyLinks::Pages,
        |d| views::droplet(&world, d),
    )))
}

async fn show(
    State(shared): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let world = lock(&shared);
    let droplet = world.droplets.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(Json(json!({ "droplet": views::droplet(&world, droplet) })))
}

/// `GET /v2/droplets/{id}/snapshots`: completed, listed snapshots only,
/// integer ids.
async fn snapshots(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let query = ListQuery::from_uri(&uri)?;
    let world = lock(&shared);
    if !world.droplets.contains_key(&id) {
        return Err(ApiError::not_found());
    }
    let snapshots: Vec<&SnapshotState> = world
        .listed_snapshots()
        .filter(|s| s.resource_id == id)
        .collect();
    Ok(Json(query.envelope(
        "snapshots",
        &snapshots,
        EmptyLinks::Bare,
        |s| views::droplet_snapshot(s),
    )))
}
