//! `WebSocket`: the hooks of a WebSocket route, and `Upgrade`: accepting a handshake.

use std::future::Future;

use http::header::{HeaderName, HeaderValue};
use http::{Extensions, HeaderMap};

use crate::event::H3Event;
use crate::response::{IntoResponse, Response};
use crate::ws::{CloseDetails, Message, Peer, WsError};

/// The hooks of a WebSocket route, as in CrossWS: `upgrade`, `open`,
/// `message`, `close`, `error`, `drain`. Every hook has a default that does
/// nothing (and `upgrade` accepts), so an implementation writes only what it
/// needs. `#[websocket("/path")]` on an `impl` block implements this trait;
/// it can also be implemented by hand and registered with
/// [`H3::websocket`](crate::H3::websocket).
///
/// `message` hooks of one peer run one at a time, in order: a slow hook
/// slows only its own peer's reading.
///
/// ```
/// use h3rs::ws::{Message, Peer, WebSocket};
///
/// struct Echo;
///
/// impl WebSocket for Echo {
///     async fn message(&self, peer: &Peer, message: Message) {
///         peer.send(message);
///     }
/// }
///
/// let app = h3rs::H3::new().websocket("/echo", Echo);
/// # let _ = app;
/// ```
pub trait WebSocket: Send + Sync + 'static {
    /// Decides on the handshake: accept (possibly with a subprotocol,
    /// response headers and a typed context for the peer) or reject with
    /// any response. App middleware has already run.
    fn upgrade(&self, event: &H3Event) -> impl Future<Output = Result<Upgrade, Response>> + Send {
        let _ = event;
        async { Ok(Upgrade::accept()) }
    }

    /// A peer connected.
    fn open(&self, peer: &Peer) -> impl Future<Output = ()> + Send {
        let _ = peer;
        async {}
    }

    /// A peer sent a text or binary message.
    fn message(&self, peer: &Peer, message: Message) -> impl Future<Output = ()> + Send {
        let _ = (peer, message);
        async {}
    }

    /// A peer left: runs exactly once per peer, whoever closed.
    fn close(&self, peer: &Peer, details: CloseDetails) -> impl Future<Output = ()> + Send {
        let _ = (peer, details);
        async {}
    }

    /// A protocol or I/O error on a peer's connection (the peer is then closed).
    fn error(&self, peer: &Peer, error: WsError) -> impl Future<Output = ()> + Send {
        let _ = (peer, error);
        async {}
    }

    /// A peer's outgoing queue emptied after having been full.
    fn drain(&self, peer: &Peer) -> impl Future<Output = ()> + Send {
        let _ = peer;
        async {}
    }
}

/// An accepted handshake: the subprotocol, extra response headers and the
/// peer's typed context.
///
/// ```
/// use h3rs::ws::Upgrade;
/// #[derive(Clone)]
/// struct User(String);
/// let upgrade = Upgrade::accept()
///     .protocol("chat.v1")
///     .header("x-server", "h3rs")
///     .context(User("ada".into()));
/// # let _ = upgrade;
/// ```
#[derive(Debug, Default)]
pub struct Upgrade {
    pub(crate) protocol: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) context: Extensions,
}

impl Upgrade {
    /// Accepts the handshake as it is.
    pub fn accept() -> Self {
        Upgrade::default()
    }

    /// Chooses a subprotocol; it must be one the client offered in
    /// `Sec-WebSocket-Protocol` (see [`offered_protocols`]).
    pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocol = Some(protocol.into());
        self
    }

    /// Adds a header to the 101 response (an invalid header is ignored and logged).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            _ => tracing::error!(name, "invalid header in WebSocket upgrade; ignored"),
        }
        self
    }

    /// Seeds the peer's typed context ([`Peer::context`]).
    pub fn context<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.context.insert(value);
        self
    }
}

/// The subprotocols the client offered, in its order of preference.
///
/// ```
/// # fn demo(event: &h3rs::H3Event) {
/// let wants_chat = h3rs::ws::offered_protocols(event).any(|p| p == "chat");
/// # }
/// ```
pub fn offered_protocols(event: &H3Event) -> impl Iterator<Item = &str> {
    event
        .headers()
        .get_all(http::header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
}

/// What an `upgrade` hook written with `#[websocket]` may return: nothing
/// (accept), an [`Upgrade`], or a `Result` whose error is any response.
pub trait IntoUpgrade {
    /// Converts into the hook's result.
    // A rejection is a whole response by design, built once per refused handshake.
    #[allow(clippy::result_large_err)]
    fn into_upgrade(self) -> Result<Upgrade, Response>;
}

impl IntoUpgrade for () {
    fn into_upgrade(self) -> Result<Upgrade, Response> {
        Ok(Upgrade::accept())
    }
}

impl IntoUpgrade for Upgrade {
    fn into_upgrade(self) -> Result<Upgrade, Response> {
        Ok(self)
    }
}

impl<T: IntoUpgrade, E: IntoResponse> IntoUpgrade for Result<T, E> {
    fn into_upgrade(self) -> Result<Upgrade, Response> {
        match self {
            Ok(value) => value.into_upgrade(),
            Err(rejection) => Err(rejection.into_response()),
        }
    }
}
