//! One line per request, at `info` on target `h3rs::request`: method, path, status and
//! latency (to the response head: a WebSocket's 101, an event stream's 200).
//!
//! A served request pays for it only when the line is wanted: with the event disabled
//! (`RUST_LOG=info,h3rs::request=off`, or no subscriber) nothing is cloned and no clock read.

use std::time::Instant;

use http::{Method, StatusCode, Uri};

/// The log target, for `RUST_LOG` (`h3rs::request=off`) and subscribers' filters.
pub(crate) const TARGET: &str = "h3rs::request";

/// A request being served, to log once its response head is ready.
pub(crate) struct RequestLog {
    method: Method,
    uri: Uri,
    started: Instant,
}

impl RequestLog {
    /// Starts the line of `request`, or `None` when no subscriber wants it.
    pub(crate) fn start<B>(request: &http::Request<B>) -> Option<RequestLog> {
        // The callsite's interest is cached: disabled, this is a load and a branch.
        if !tracing::enabled!(target: TARGET, tracing::Level::INFO) {
            return None;
        }
        Some(RequestLog {
            method: request.method().clone(),
            uri: request.uri().clone(),
            started: Instant::now(),
        })
    }

    /// Writes the line, with the response's status.
    pub(crate) fn finish(self, status: StatusCode) {
        tracing::info!(
            target: TARGET,
            method = %self.method,
            path = %self.uri.path(),
            status = status.as_u16(),
            latency = ?self.started.elapsed(),
            "request"
        );
    }
}
