//! The WebSocket handshake over hyper's upgrade, and the route that serves it: RFC 6455's
//! `GET` + `Upgrade` on HTTP/1.1, answered 101, and RFC 8441's extended `CONNECT` on HTTP/2,
//! answered 200 on a stream of a shared connection. Everything after the answer (hooks,
//! pub/sub, limits) is the same for both.

use std::sync::Arc;

use http::StatusCode;
use http::header::{self, HeaderValue};
use hyper::upgrade::OnUpgrade;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use crate::error::HttpError;
use crate::event::H3Event;
use crate::handler::{BoxFuture, Handler};
use crate::idle::OpenStream;
use crate::response::{IntoResponse, Response};
use crate::shutdown::Shutdown;
use crate::upgrade::is_extended_connect;
use crate::ws::connection::run_connection;
use crate::ws::handler::offered_protocols;
use crate::ws::peer::PeerInit;
use crate::ws::raw_socket::{self, Unwrapped};
use crate::ws::read_ahead::ReadAhead;
use crate::ws::wire::Wire;
use crate::ws::{Peer, WebSocket, WsOptions};

fn has_token(headers: &http::HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// A `Sec-WebSocket-Key` is 16 random bytes in base64: 24 characters, the
/// last two `==`.
fn valid_key(key: &[u8]) -> bool {
    key.len() == 24
        && key.ends_with(b"==")
        && key[..22]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}

/// A WebSocket route: checks the handshake, asks the handler's `upgrade`
/// hook, answers 101 (HTTP/1.1) or 200 (HTTP/2) and runs the connection.
pub(crate) struct WebSocketRoute<H> {
    pub(crate) handler: Arc<H>,
    pub(crate) options: Option<Arc<WsOptions>>,
}

impl<H: WebSocket> Handler for WebSocketRoute<H> {
    fn call(&self, event: H3Event) -> BoxFuture<'static, Response> {
        let handler = self.handler.clone();
        let options = self.options.clone();
        Box::pin(async move { accept(handler, options, event).await })
    }
}

async fn accept<H: WebSocket>(
    handler: Arc<H>,
    route_options: Option<Arc<WsOptions>>,
    mut event: H3Event,
) -> Response {
    let options = route_options.unwrap_or_else(|| event.ws_options().clone());
    // RFC 8441: over HTTP/2 the method and `:protocol` are the handshake; there is no
    // `Connection`, no key and no accept hash.
    let over_h2 = is_extended_connect(event.parts());
    let headers = event.headers();
    if !over_h2 && !has_token(headers, header::CONNECTION, "upgrade") {
        return HttpError::bad_request("WebSocket handshake without Connection: Upgrade")
            .into_response();
    }
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .map(HeaderValue::as_bytes)
        != Some(b"13")
    {
        return HttpError::bad_request("Unsupported WebSocket version: this server speaks 13")
            .with_header(
                header::SEC_WEBSOCKET_VERSION,
                HeaderValue::from_static("13"),
            )
            .into_response();
    }
    let key = if over_h2 {
        None
    } else {
        let Some(key) = headers
            .get(header::SEC_WEBSOCKET_KEY)
            .filter(|key| valid_key(key.as_bytes()))
            .cloned()
        else {
            return HttpError::bad_request("Missing or malformed Sec-WebSocket-Key")
                .into_response();
        };
        Some(key)
    };
    if let (Some(allowed), Some(origin)) = (&options.allowed_origins, headers.get(header::ORIGIN)) {
        let origin = origin.to_str().unwrap_or("");
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(origin)) {
            return HttpError::forbidden("Origin not allowed").into_response();
        }
    }
    let upgrade = match handler.upgrade(&event).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection,
    };
    if let Some(protocol) = &upgrade.protocol {
        if !offered_protocols(&event).any(|p| p == protocol) {
            return HttpError::internal(format!(
                "upgrade chose subprotocol {protocol:?}, which the client did not offer"
            ))
            .into_response();
        }
    }
    let Some(on_upgrade) = event.take_extension::<OnUpgrade>() else {
        return HttpError::internal("a WebSocket upgrade needs a connection served by h3rs")
            .into_response();
    };
    let shutdown = event.shutdown().cloned();
    // Taken now so that a shutdown starting during the upgrade still waits for this peer.
    let guard = shutdown.as_ref().map(Shutdown::guard);
    // An HTTP/2 WebSocket is a stream of a connection that hyper goes on serving: it keeps
    // that connection from counting as idle until it closes.
    let stream_in_flight = event.take_extension::<OpenStream>().map(OpenStream::hold);
    let mut response = Response::new(crate::Body::empty());
    if let Some(key) = key {
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let response_headers = response.headers_mut();
        response_headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        response_headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
        let accept_key = derive_accept_key(key.as_bytes());
        response_headers.insert(
            header::SEC_WEBSOCKET_ACCEPT,
            HeaderValue::try_from(accept_key).expect("base64 is a valid header value"),
        );
    }
    let response_headers = response.headers_mut();
    if let Some(protocol) = &upgrade.protocol {
        if let Ok(value) = HeaderValue::try_from(protocol.as_str()) {
            response_headers.insert(header::SEC_WEBSOCKET_PROTOCOL, value);
        }
    }
    for (name, value) in &upgrade.headers {
        response_headers.append(name, value.clone());
    }
    let peer = Peer::new(PeerInit {
        uri: crate::detach::uri(event.uri()),
        headers: crate::detach::headers(event.headers()),
        params: event.params().clone(),
        remote_addr: event.remote_addr(),
        protocol: upgrade.protocol,
        context: upgrade.context,
        hub: event.hub().clone(),
        peers: event.peers().clone(),
        options: options.clone(),
    });
    tokio::spawn(async move {
        let _guard = guard;
        let _stream_in_flight = stream_in_flight;
        match on_upgrade.await {
            Ok(upgraded) => {
                let Unwrapped { socket, read, slot } = raw_socket::unwrap(upgraded);
                let config = options.tungstenite_config();
                let socket = Wire::new(ReadAhead::new(socket), read, config);
                run_connection(handler, peer, (socket, slot), shutdown).await;
            }
            Err(e) => tracing::debug!(error = %e, "WebSocket upgrade failed"),
        }
    });
    response
}
