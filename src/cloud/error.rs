//! Errors from an account, each worded for the person reading the log: what was being done, what
//! the API said, and what to do.

/// A failed conversation with the account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    #[error(
        "the API rejected the token (401 Unauthorized): check that it is current, not revoked, \
         and copied whole"
    )]
    Unauthorized,
    #[error("{request}: the API answered {status}{}: {message}{}", id_note(.id), request_id_note(.request_id))]
    Status {
        request: String,
        status: u16,
        id: String,
        message: String,
        request_id: Option<String>,
    },
    #[error("{request}: {detail}")]
    Transport { request: String, detail: String },
    #[error("{request}: the response could not be read: {detail}")]
    Malformed { request: String, detail: String },
    #[error("{request}: the listing is incomplete: {detail}")]
    Incomplete { request: String, detail: String },
    #[error("{0}")]
    Untrusted(String),
    #[error("interrupted by {signal}")]
    Interrupted { signal: &'static str },
}

fn id_note(id: &str) -> String {
    if id.is_empty() {
        String::new()
    } else {
        format!(" ({id})")
    }
}

fn request_id_note(id: &Option<String>) -> String {
    id.as_deref()
        .map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

impl CloudError {
    /// True when no later request can succeed either, or none may be sent, so the run should
    /// stop at once: the token refused, or a signal asking to stop. A 403 is not: a token's
    /// scopes are granted per operation, and one it lacks (copying, say) must not stop the
    /// others (snapshotting).
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            CloudError::Unauthorized | CloudError::Interrupted { .. }
        )
    }
}
