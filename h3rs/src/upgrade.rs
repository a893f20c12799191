//! The HTTP side of a path's upgrade slot: which requests ask for it, and the answer to
//! those that do not on a path that only upgrades.
//!
//! A WebSocket opens with `GET` and `Upgrade: websocket` over HTTP/1.1 (RFC 6455), and with an
//! extended `CONNECT` whose `:protocol` is `websocket` over HTTP/2 (RFC 8441): both land in
//! the same slot, and [`ws`](crate::ws) tells them apart.

use http::header::{self, HeaderValue};
use http::{Method, StatusCode, Version};

use crate::error::HttpError;

/// Whether a request asks for a WebSocket: `GET` with `Upgrade: websocket` (HTTP/1.1), or
/// `CONNECT` with the `:protocol` pseudo-header `websocket` (HTTP/2).
pub(crate) fn is_upgrade_request(parts: &http::request::Parts) -> bool {
    match parts.method {
        Method::GET => parts
            .headers
            .get_all(header::UPGRADE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|token| token.trim().eq_ignore_ascii_case("websocket")),
        Method::CONNECT => is_extended_connect(parts),
        _ => false,
    }
}

/// Whether a request is an RFC 8441 extended `CONNECT` for a WebSocket.
pub(crate) fn is_extended_connect(parts: &http::request::Parts) -> bool {
    parts.method == Method::CONNECT
        && parts
            .extensions
            .get::<hyper::ext::Protocol>()
            .is_some_and(|p| p.as_str().eq_ignore_ascii_case("websocket"))
}

/// The answer to a plain request on a WebSocket-only path. HTTP/2 has no `Upgrade` (its
/// connection-specific headers are illegal there), so it is told how to ask instead.
pub(crate) fn upgrade_required(version: Version) -> HttpError {
    if version >= Version::HTTP_2 {
        return HttpError::bad_request(
            "This route only speaks WebSocket: over HTTP/2, open it with an extended CONNECT \
             (RFC 8441, :protocol websocket)",
        );
    }
    HttpError::new(
        StatusCode::UPGRADE_REQUIRED,
        "This route only speaks WebSocket: send Upgrade: websocket",
    )
    .with_header(header::UPGRADE, HeaderValue::from_static("websocket"))
    .with_header(header::CONNECTION, HeaderValue::from_static("Upgrade"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(request: http::Request<()>) -> http::request::Parts {
        request.into_parts().0
    }

    #[test]
    fn both_ways_of_asking_for_a_websocket() {
        let h1 = http::Request::get("/ws")
            .header("upgrade", "h2c, WebSocket")
            .body(())
            .unwrap();
        assert!(is_upgrade_request(&parts(h1)));
        let connect = || {
            http::Request::connect("/ws")
                .version(Version::HTTP_2)
                .body(())
                .unwrap()
        };
        assert!(
            !is_upgrade_request(&parts(connect())),
            "CONNECT without :protocol"
        );
        let mut h2 = connect();
        h2.extensions_mut()
            .insert(hyper::ext::Protocol::from_static("websocket"));
        assert!(is_upgrade_request(&parts(h2)));
        let mut other = http::Request::connect("/ws").body(()).unwrap();
        other
            .extensions_mut()
            .insert(hyper::ext::Protocol::from_static("connect-udp"));
        assert!(!is_upgrade_request(&parts(other)));
        let post = http::Request::post("/ws")
            .header("upgrade", "websocket")
            .body(())
            .unwrap();
        assert!(!is_upgrade_request(&parts(post)));
    }

    #[test]
    fn no_connection_specific_headers_over_http2() {
        let h2 = upgrade_required(Version::HTTP_2);
        assert_eq!(h2.status, StatusCode::BAD_REQUEST);
        assert!(h2.headers.is_empty(), "{:?}", h2.headers);
        let h1 = upgrade_required(Version::HTTP_11);
        assert_eq!(h1.status, StatusCode::UPGRADE_REQUIRED);
        assert!(
            h1.headers
                .iter()
                .any(|(name, value)| name == header::UPGRADE && value == "websocket")
        );
    }
}
