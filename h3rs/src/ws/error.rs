//! `WsError`: what went wrong on a WebSocket connection.

use std::fmt;

use tokio_tungstenite::tungstenite;

use crate::ws::InvalidMessage;

/// A protocol or I/O error on a peer's connection, or a message that did not convert into the
/// type of a typed `message` hook ([`WsError::invalid_message`]), given to the `error` hook.
/// The peer is closed with [`WsError::close_code`] (an invalid message leaves it open under
/// [`InvalidMessages::Report`](crate::ws::InvalidMessages::Report)).
///
/// ```
/// use h3rs::ws::{Peer, WebSocket, WsError};
///
/// struct Feed;
///
/// impl WebSocket for Feed {
///     async fn error(&self, peer: &Peer, error: WsError) {
///         tracing::warn!(%peer, %error, "websocket error");
///     }
/// }
/// ```
#[derive(Debug)]
pub struct WsError {
    code: u16,
    message: String,
    invalid: Option<InvalidMessage>,
}

impl WsError {
    pub(crate) fn new(code: u16, message: impl Into<String>) -> Self {
        WsError {
            code,
            message: message.into(),
            invalid: None,
        }
    }

    /// Classifies a tungstenite error by the close code RFC 6455 gives it:
    /// 1002 protocol error, 1007 invalid UTF-8, 1009 too big, 1006 for a
    /// dead socket.
    pub(crate) fn from_wire(error: &tungstenite::Error) -> Self {
        use tungstenite::Error;
        use tungstenite::error::ProtocolError;
        let code = match error {
            // The client vanished without a close frame: nothing to answer.
            Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => 1006,
            Error::Protocol(_) | Error::AttackAttempt => 1002,
            Error::Utf8(_) => 1007,
            Error::Capacity(_) => 1009,
            _ => 1006,
        };
        WsError::new(code, error.to_string())
    }

    /// The close code the peer is closed with (1006 when the socket died:
    /// no close frame can be sent then).
    ///
    /// ```
    /// use h3rs::ws::{Peer, WebSocket, WsError};
    ///
    /// struct Uploads;
    ///
    /// impl WebSocket for Uploads {
    ///     async fn error(&self, peer: &Peer, error: WsError) {
    ///         // 1009: the client sent more than `max_message_size`; worth a hint.
    ///         if error.close_code() == 1009 {
    ///             tracing::info!(%peer, "upload too large");
    ///         }
    ///     }
    /// }
    /// ```
    pub fn close_code(&self) -> u16 {
        self.code
    }
}

impl WsError {
    /// The message that did not convert into the hook's type, with what failed (serde's
    /// message and position for JSON); `None` for a protocol or I/O error.
    ///
    /// ```
    /// use h3rs::ws::{Peer, WebSocket, WsError};
    ///
    /// struct Api;
    ///
    /// impl WebSocket for Api {
    ///     async fn error(&self, peer: &Peer, error: WsError) {
    ///         if let Some(invalid) = error.invalid_message() {
    ///             tracing::info!(%peer, position = ?invalid.position(), "client sent {invalid}");
    ///         }
    ///     }
    /// }
    /// ```
    pub fn invalid_message(&self) -> Option<&InvalidMessage> {
        self.invalid.as_ref()
    }
}

/// A message a typed hook refused, with the close code that fits it (1003 or 1007).
///
/// ```
/// use h3rs::ws::{InvalidMessage, WsError};
/// let error = WsError::from(InvalidMessage::wrong_kind("text"));
/// assert_eq!(error.close_code(), 1003);
/// assert!(error.invalid_message().is_some());
/// ```
impl From<InvalidMessage> for WsError {
    fn from(invalid: InvalidMessage) -> Self {
        WsError {
            code: invalid.close_code(),
            message: invalid.to_string(),
            invalid: Some(invalid),
        }
    }
}

impl fmt::Display for WsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.invalid
            .as_ref()
            .map(|invalid| invalid as &(dyn std::error::Error + 'static))
    }
}
