//! The HTTP side of a path's upgrade slot: which requests ask for it, and the answer to
//! those that do not on a path that only upgrades.

use http::StatusCode;
use http::header::{self, HeaderValue};

use crate::error::HttpError;

/// Whether a request asks for a WebSocket upgrade (`Upgrade: websocket`).
pub(crate) fn is_upgrade_request(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(header::UPGRADE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("websocket"))
}

/// The answer to a plain request on a WebSocket-only path.
pub(crate) fn upgrade_required() -> HttpError {
    HttpError::new(
        StatusCode::UPGRADE_REQUIRED,
        "This route only speaks WebSocket: send Upgrade: websocket",
    )
    .with_header(header::UPGRADE, HeaderValue::from_static("websocket"))
    .with_header(header::CONNECTION, HeaderValue::from_static("Upgrade"))
}
