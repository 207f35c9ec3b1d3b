//! Droplet actions, image actions and the account-wide action list (newest
//! first; the per-resource lists are oldest first).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse_body, parse_id};
use crate::errors::ApiError;
use crate::model::ActionState;
use crate::pagination::{EmptyLinks, ListQuery};
use crate::state::{Image, Shared, World, lock};
use crate::views;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/actions", get(list_all))
        .route("/v2/actions/{aid}", get(show_any))
        .route(
            "/v2/droplets/{id}/actions",
            get(list_for_droplet).post(start_for_droplet),
        )
        .route("/v2/droplets/{id}/actions/{aid}", get(show_for_droplet))
        .route(
            "/v2/images/{id}/actions",
            get(list_for_image).post(start_for_image),
        )
        .route("/v2/images/{id}/actions/{aid}", get(show_for_image))
}

/// The body of `POST …/actions`; which fields matter depends on `type`.
#[derive(Debug, Deserialize)]
struct ActionRequest {
    #[serde(rename = "type")]
    kind: Option<String>,
    name: Option<String>,
    region: Option<String>,
}

impl ActionRequest {
    fn kind(&self) -> Result<&str, ApiError> {
        self.kind
            .as_deref()
            .ok_or_else(|| ApiError::unprocessable("type is required"))
    }
}

/// Which resource an action list or lookup is scoped to.
#[derive(Debug, Clone, Copy)]
enum Scope {
    Any,
    Droplet(u64),
    Image(u64),
}

impl Scope {
    fn holds(self, action: &ActionState) -> bool {
        match self {
            Scope::Any => true,
            Scope::Droplet(id) => action.resource_type == "droplet" && action.resource_id == id,
            Scope::Image(id) => action.resource_type == "image" && action.resource_id == id,
        }
    }

    /// The account-wide list is newest first (descending id), as the real
    /// `GET /v2/actions` is; a droplet's or an image's list is oldest first.
    fn newest_first(self) -> bool {
        matches!(self, Scope::Any)
    }

    /// How a one-page list shows its empty `links`: `{}` for a droplet's
    /// actions (the `dropletActions_list` example), `{"pages": {}}` for the
    /// image actions and the account-wide list.
    fn empty_links(self) -> EmptyLinks {
        match self {
            Scope::Droplet(_) => EmptyLinks::Bare,
            Scope::Any | Scope::Image(_) => EmptyLinks::Pages,
        }
    }

    /// 404 when the droplet or image itself does not exist.
    fn check_exists(self, world: &World) -> Result<(), ApiError> {
        let exists = match self {
            Scope::Any => true,
            Scope::Droplet(id) => world.droplets.contains_key(&id),
            Scope::Image(id) => !matches!(world.image(id), Image::Missing),
        };
        if exists {
            Ok(())
        } else {
            Err(ApiError::not_found())
        }
    }
}

fn list(shared: &Shared, scope: Scope, uri: &Uri) -> Result<Json<Value>, ApiError> {
    let query = ListQuery::from_uri(uri)?;
    let world = lock(shared);
    scope.check_exists(&world)?;
    let mut actions: Vec<&ActionState> =
        world.actions.values().filter(|a| scope.holds(a)).collect();
    if scope.newest_first() {
        actions.reverse();
    }
    Ok(Json(query.envelope(
        "actions",
        &actions,
        scope.empty_links(),
        |a| views::action(&world, a),
    )))
}

fn show(shared: &Shared, scope: Scope, action_id: &str) -> Result<Json<Value>, ApiError> {
    let action_id = parse_id(action_id)?;
    let world = lock(shared);
    scope.check_exists(&world)?;
    let action = world
        .actions
        .get(&action_id)
        .filter(|a| scope.holds(a))
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(json!({ "action": views::action(&world, action) })))
}

/// `POST …/actions` on the droplet or image `scope` names: a 404 for an
/// unknown resource comes before any complaint about the body, then `begin`
/// reads the fields its action type needs and starts it.
fn start(
    shared: &Shared,
    scope: Scope,
    body: &[u8],
    begin: impl FnOnce(&mut World, ActionRequest) -> Result<ActionState, ApiError>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut world = lock(shared);
    scope.check_exists(&world)?;
    let action = begin(&mut world, parse_body(body)?)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "action": views::action(&world, &action) })),
    ))
}

async fn list_all(State(shared): State<Shared>, uri: Uri) -> Result<Json<Value>, ApiError> {
    list(&shared, Scope::Any, &uri)
}

async fn show_any(
    State(shared): State<Shared>,
    Path(aid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    show(&shared, Scope::Any, &aid)
}

async fn list_for_droplet(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    list(&shared, Scope::Droplet(parse_id(&id)?), &uri)
}

async fn show_for_droplet(
    State(shared): State<Shared>,
    Path((id, aid)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    show(&shared, Scope::Droplet(parse_id(&id)?), &aid)
}

/// `POST /v2/droplets/{id}/actions` with `{"type": …, "name": …}`.
async fn start_for_droplet(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = parse_id(&id)?;
    start(&shared, Scope::Droplet(id), &body, |world, request| {
        world.start_droplet_action(id, request.kind()?, request.name.clone())
    })
}

async fn list_for_image(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    list(&shared, Scope::Image(parse_id(&id)?), &uri)
}

async fn show_for_image(
    State(shared): State<Shared>,
    Path((id, aid)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    show(&shared, Scope::Image(parse_id(&id)?), &aid)
}

/// `POST /v2/images/{id}/actions` with `{"type": "transfer", "region": …}`.
async fn start_for_image(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = parse_id(&id)?;
    start(&shared, Scope::Image(id), &body, |world, request| {
        world.start_image_action(id, request.kind()?, request.region.clone())
    })
}
