//! `GET /v2/account`: the cheap call clients use to check a token.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::state::Shared;

pub fn routes() -> Router<Shared> {
    Router::new().route("/v2/account", get(account))
}

async fn account() -> Json<Value> {
    Json(json!({
        "account": {
            "droplet_limit": 25,
            "floating_ip_limit": 3,
            "email": "fake@example.com",
            "name": "Fake DO",
            "uuid": "00000000000000000000000000000000fa4ed0f0",
            "email_verified": true,
            "status": "active",
            "status_message": "",
        }
    }))
}
