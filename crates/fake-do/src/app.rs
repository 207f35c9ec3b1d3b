//! The HTTP application: the `/v2` API behind the pipeline, plus the
//! `/_fake` control API beside it.

use axum::Router;
use axum::middleware::from_fn_with_state;

use crate::pipeline::api_pipeline;
use crate::routes::{api_router, control};
use crate::state::Shared;

pub fn app(shared: Shared) -> Router {
    api_router()
        .layer(from_fn_with_state(shared.clone(), api_pipeline))
        .merge(control::routes())
        .with_state(shared)
}
