//! DigitalOcean-style error responses (do-api.md §7).
//!
//! Handlers return an [`ApiError`] without knowing the request id; the
//! pipeline renders the body once it has one, so every error carries the
//! same `request_id` as the `x-request-id` header, as the real API does.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error the emulator answers with: HTTP status, DO error `id`, message.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub id: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, id: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            id,
            message: message.into(),
        }
    }

    /// The real API's 404 wording [obs: doctl#312].
    pub fn not_found() -> ApiError {
        ApiError::for_status(StatusCode::NOT_FOUND)
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable_entity",
            message,
        )
    }

    /// The canonical error for a bare status, used for faults and for
    /// axum's own rejections (405, malformed paths…) so no response ever
    /// leaves without a DO error body.
    pub fn for_status(status: StatusCode) -> ApiError {
        let (id, message) = match status.as_u16() {
            400 => ("bad_request", "error parsing request body"),
            401 => ("unauthorized", "Unable to authenticate you."),
            403 => (
                "forbidden",
                "You do not have access for the attempted action.",
            ),
            404 => (
                "not_found",
                "The resource you were accessing could not be found.",
            ),
            405 => ("method_not_allowed", "Method not allowed."),
            409 => (
                "conflict",
                "The request conflicts with the resource's state.",
            ),
            422 => ("unprocessable_entity", "request payload validation failed"),
            429 => ("too_many_requests", "API rate limit exceeded."),
            502 => ("bad_gateway", "Bad gateway."),
            503 => ("service_unavailable", "Service unavailable."),
            504 => ("gateway_timeout", "Gateway timeout."),
            _ if status.is_client_error() => ("bad_request", "The request could not be processed."),
            _ => ("server_error", "Unexpected server-side error"),
        };
        ApiError::new(status, id, message)
    }

    /// The JSON error body, with `request_id` when one is known.
    pub fn render(&self, request_id: Option<&str>) -> Response {
        let mut body = json!({ "id": self.id, "message": self.message });
        if let Some(request_id) = request_id {
            body["request_id"] = json!(request_id);
        }
        (self.status, Json(body)).into_response()
    }
}

/// Handlers' errors travel as a response extension; the pipeline renders them.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut response = status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}
