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
    ///
    /// Under `#[websocket]`, the hook returns anything [`IntoUpgrade`]; most often
    /// `Result<(), HttpError>`, where `?` rejects with the error's response:
    ///
    /// ```
    /// use h3rs::prelude::*;
    ///
    /// struct Private;
    ///
    /// #[websocket("/private")]
    /// impl Private {
    ///     async fn upgrade(&self, event: &H3Event) -> Result<(), HttpError> {
    ///         let auth = event.headers().get("authorization");
    ///         auth.ok_or_else(|| HttpError::unauthorized("log in first"))?;
    ///         Ok(())
    ///     }
    /// }
    /// # let _ = H3::new().register(Private);
    /// ```
    ///
    /// Implemented by hand, the method returns `Result<Upgrade, Response>`:
    ///
    /// ```
    /// use h3rs::ws::{Upgrade, WebSocket};
    /// use h3rs::{H3Event, HttpError, IntoResponse, Response};
    ///
    /// struct Private;
    ///
    /// impl WebSocket for Private {
    ///     async fn upgrade(&self, event: &H3Event) -> Result<Upgrade, Response> {
    ///         match event.headers().get("authorization") {
    ///             Some(_) => Ok(Upgrade::accept()),
    ///             None => Err(HttpError::unauthorized("log in first").into_response()),
    ///         }
    ///     }
    /// }
    /// ```
    fn upgrade(&self, event: &H3Event) -> impl Future<Output = Result<Upgrade, Response>> + Send {
        let _ = event;
        async { Ok(Upgrade::accept()) }
    }

    /// A peer connected.
    ///
    /// ```
    /// use h3rs::ws::{Peer, WebSocket};
    ///
    /// struct Greeter;
    ///
    /// impl WebSocket for Greeter {
    ///     async fn open(&self, peer: &Peer) {
    ///         peer.send(format!("hello, you are peer {peer}"));
    ///     }
    /// }
    /// ```
    fn open(&self, peer: &Peer) -> impl Future<Output = ()> + Send {
        let _ = peer;
        async {}
    }

    /// A peer sent a text or binary message. The trait takes every message as a [`Message`];
    /// under `#[websocket]` the hook may take a typed one ([`FromMessage`](crate::ws::FromMessage)),
    /// which the generated method converts first, as a hand-written one can with
    /// [`reject`](crate::ws::reject) for what does not convert.
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, WebSocket};
    ///
    /// struct Shout;
    ///
    /// impl WebSocket for Shout {
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         if message.is_text() {
    ///             peer.send(message.text().to_uppercase());
    ///         }
    ///     }
    /// }
    /// ```
    fn message(&self, peer: &Peer, message: Message) -> impl Future<Output = ()> + Send {
        let _ = (peer, message);
        async {}
    }

    /// A peer left: runs exactly once per peer, whoever closed.
    ///
    /// ```
    /// use h3rs::ws::{CloseDetails, Peer, WebSocket};
    ///
    /// struct Presence;
    ///
    /// impl WebSocket for Presence {
    ///     async fn close(&self, peer: &Peer, details: CloseDetails) {
    ///         // 1006: the connection was lost, not closed; the user may be back soon.
    ///         let how = if details.code == 1006 { "lost connection" } else { "left" };
    ///         peer.publish("room", format!("{peer} {how}"));
    ///     }
    /// }
    /// ```
    fn close(&self, peer: &Peer, details: CloseDetails) -> impl Future<Output = ()> + Send {
        let _ = (peer, details);
        async {}
    }

    /// A protocol or I/O error on a peer's connection (the peer is then closed), or a message
    /// that did not convert into a typed `message` hook's type ([`WsError::invalid_message`];
    /// see [`reject`](crate::ws::reject)).
    ///
    /// ```
    /// use h3rs::ws::{Peer, WebSocket, WsError};
    ///
    /// struct Logged;
    ///
    /// impl WebSocket for Logged {
    ///     async fn error(&self, peer: &Peer, error: WsError) {
    ///         tracing::warn!(%peer, code = error.close_code(), %error, "websocket error");
    ///     }
    /// }
    /// ```
    fn error(&self, peer: &Peer, error: WsError) -> impl Future<Output = ()> + Send {
        let _ = (peer, error);
        async {}
    }

    /// A peer's outgoing queue emptied after having been full.
    ///
    /// ```
    /// use h3rs::pubsub::Overflow;
    /// use h3rs::ws::{Peer, WebSocket, WsOptions};
    ///
    /// struct Ticker;
    ///
    /// impl WebSocket for Ticker {
    ///     async fn drain(&self, peer: &Peer) {
    ///         // Messages were dropped while the queue was full: resend the full state.
    ///         peer.send("snapshot");
    ///     }
    /// }
    ///
    /// let options = WsOptions::default().slow_consumer(Overflow::DropOldest);
    /// let app = h3rs::H3::new().websocket_with("/ticker", Ticker, options);
    /// # let _ = app;
    /// ```
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
    ///
    /// ```
    /// use h3rs::ws::{Upgrade, WebSocket};
    /// use h3rs::{H3Event, Response};
    ///
    /// struct Open;
    ///
    /// impl WebSocket for Open {
    ///     async fn upgrade(&self, _event: &H3Event) -> Result<Upgrade, Response> {
    ///         Ok(Upgrade::accept())
    ///     }
    /// }
    /// ```
    pub fn accept() -> Self {
        Upgrade::default()
    }

    /// Chooses a subprotocol; it must be one the client offered in
    /// `Sec-WebSocket-Protocol` (see [`offered_protocols`]).
    ///
    /// ```
    /// use h3rs::ws::{offered_protocols, Upgrade, WebSocket};
    /// use h3rs::{H3Event, IntoResponse, Response, StatusCode};
    ///
    /// struct Graphql;
    ///
    /// impl WebSocket for Graphql {
    ///     async fn upgrade(&self, event: &H3Event) -> Result<Upgrade, Response> {
    ///         if offered_protocols(event).any(|p| p == "graphql-transport-ws") {
    ///             Ok(Upgrade::accept().protocol("graphql-transport-ws"))
    ///         } else {
    ///             Err(StatusCode::BAD_REQUEST.into_response())
    ///         }
    ///     }
    /// }
    /// ```
    pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocol = Some(protocol.into());
        self
    }

    /// Adds a header to the 101 response (an invalid header is ignored and logged).
    ///
    /// ```
    /// use h3rs::ws::{Upgrade, WebSocket};
    /// use h3rs::{H3Event, Response};
    ///
    /// struct Versioned;
    ///
    /// impl WebSocket for Versioned {
    ///     async fn upgrade(&self, _event: &H3Event) -> Result<Upgrade, Response> {
    ///         Ok(Upgrade::accept().header("x-api-version", "2"))
    ///     }
    /// }
    /// ```
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
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, Upgrade, WebSocket};
    /// use h3rs::{H3Event, Response};
    ///
    /// #[derive(Clone)]
    /// struct User(String);
    ///
    /// struct Chat;
    ///
    /// impl WebSocket for Chat {
    ///     async fn upgrade(&self, event: &H3Event) -> Result<Upgrade, Response> {
    ///         let name = event.param::<String>("name").unwrap_or_else(|_| "guest".into());
    ///         Ok(Upgrade::accept().context(User(name)))
    ///     }
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         let user = peer.context().get::<User>().map_or("?", |u| u.0.as_str());
    ///         peer.publish("chat", format!("{user}: {message}"));
    ///     }
    /// }
    ///
    /// let app = h3rs::H3::new().websocket("/chat/:name", Chat);
    /// # let _ = app;
    /// ```
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
///
/// ```
/// use h3rs::ws::{IntoUpgrade, Upgrade};
/// use h3rs::{HttpError, StatusCode};
///
/// assert!(().into_upgrade().is_ok());
/// assert!(Upgrade::accept().protocol("chat").into_upgrade().is_ok());
/// let refused: Result<(), HttpError> = Err(HttpError::forbidden("banned"));
/// assert_eq!(refused.into_upgrade().unwrap_err().status(), StatusCode::FORBIDDEN);
/// ```
#[diagnostic::on_unimplemented(
    message = "an `upgrade` hook cannot return `{Self}`",
    label = "not an upgrade decision",
    note = "`upgrade(&self, event: &H3Event)` returns nothing (accept), `Upgrade`, or `Result<Upgrade, E>` / `Result<(), E>` where `E: IntoResponse` (`Err` rejects the handshake with that response)"
)]
pub trait IntoUpgrade {
    /// Converts into the hook's result.
    ///
    /// ```
    /// use h3rs::ws::{IntoUpgrade, Upgrade};
    /// use h3rs::{IntoResponse, Response, StatusCode};
    ///
    /// // A verdict of your own, usable as the result of an `upgrade` hook.
    /// enum Gate {
    ///     Open,
    ///     Closed,
    /// }
    ///
    /// impl IntoUpgrade for Gate {
    ///     fn into_upgrade(self) -> Result<Upgrade, Response> {
    ///         match self {
    ///             Gate::Open => Ok(Upgrade::accept()),
    ///             Gate::Closed => Err(StatusCode::SERVICE_UNAVAILABLE.into_response()),
    ///         }
    ///     }
    /// }
    ///
    /// assert!(Gate::Open.into_upgrade().is_ok());
    /// assert_eq!(Gate::Closed.into_upgrade().unwrap_err().status(), 503);
    /// ```
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
