//! `FromMessage`: what a `message` hook may take instead of a [`Message`], and what happens to
//! a message that does not convert.

use std::fmt;

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::Json;
use crate::ws::{InvalidMessages, Message, Peer, WebSocket, WsError};

/// A type a `message` hook may take: converts a received text or binary [`Message`], or says
/// why it cannot.
///
/// | Type | Text frame | Binary frame |
/// |------|-----------|--------------|
/// | [`Message`] | taken | taken |
/// | `String` | taken | refused, 1003 |
/// | [`Bytes`] | refused, 1003 | taken |
/// | [`Json<T>`] (`T: DeserializeOwned`) | parsed; bad JSON 1007 | parsed; bad JSON 1007 |
///
/// `Bytes` takes binary frames only, as `String` takes text only: a protocol that speaks
/// binary is told when a client sends text, and a hook that takes both takes `Message`.
/// A message that does not convert never reaches the hook: [`reject`] gives it to the `error`
/// hook and, by default, closes the peer with the code of the [`InvalidMessage`]
/// ([`WsOptions::invalid_messages`](crate::ws::WsOptions::invalid_messages) can keep it open).
///
/// Implement it for a type of your own protocol:
///
/// ```
/// use h3rs::prelude::*;
/// use h3rs::ws::{FromMessage, InvalidMessage};
///
/// /// `"+room"` joins a room, `"-room"` leaves it.
/// enum Command {
///     Join(String),
///     Leave(String),
/// }
///
/// impl FromMessage for Command {
///     fn from_message(message: Message) -> Result<Self, InvalidMessage> {
///         let text = String::from_message(message)?;
///         match text.split_at_checked(1) {
///             Some(("+", room)) => Ok(Command::Join(room.to_owned())),
///             Some(("-", room)) => Ok(Command::Leave(room.to_owned())),
///             _ => Err(InvalidMessage::invalid("a command", "expected `+room` or `-room`")),
///         }
///     }
/// }
///
/// struct Rooms;
///
/// #[websocket("/rooms")]
/// impl Rooms {
///     async fn message(&self, peer: &Peer, command: Command) {
///         match command {
///             Command::Join(room) => peer.subscribe(&room),
///             Command::Leave(room) => peer.unsubscribe(&room),
///         }
///     }
/// }
/// # let _ = H3::new().register(Rooms);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a WebSocket message",
    label = "not a message type",
    note = "a `message` hook takes `Message`, `String` (text frames), `Bytes` (binary frames), `Json<T>` (T: Deserialize), or a type implementing `h3rs::ws::FromMessage`"
)]
pub trait FromMessage: Sized {
    /// Converts the message, or says what is wrong with it.
    ///
    /// ```
    /// use h3rs::ws::{FromMessage, Message};
    /// let text = String::from_message(Message::from("hi")).unwrap();
    /// assert_eq!(text, "hi");
    /// let refused = String::from_message(Message::binary(vec![1, 2])).unwrap_err();
    /// assert_eq!(refused.close_code(), 1003);
    /// ```
    fn from_message(message: Message) -> Result<Self, InvalidMessage>;
}

impl FromMessage for Message {
    fn from_message(message: Message) -> Result<Self, InvalidMessage> {
        Ok(message)
    }
}

impl FromMessage for String {
    fn from_message(message: Message) -> Result<Self, InvalidMessage> {
        if message.is_binary() {
            return Err(InvalidMessage::wrong_kind("text"));
        }
        Ok(message.text().into_owned())
    }
}

impl FromMessage for Bytes {
    fn from_message(message: Message) -> Result<Self, InvalidMessage> {
        if message.is_text() {
            return Err(InvalidMessage::wrong_kind("binary"));
        }
        Ok(message.into_bytes())
    }
}

impl<T: DeserializeOwned> FromMessage for Json<T> {
    fn from_message(message: Message) -> Result<Self, InvalidMessage> {
        message.json().map(Json).map_err(InvalidMessage::json)
    }
}

/// Why a received message did not convert into the type a `message` hook takes: the close
/// code that fits (1003 for the wrong kind of frame, 1007 for data the type cannot hold), what
/// was expected, and what failed, with serde's position for JSON.
///
/// ```
/// use h3rs::Json;
/// use h3rs::ws::{FromMessage, Message};
///
/// let error = Json::<Vec<u32>>::from_message(Message::from("[1, 2,")).unwrap_err();
/// assert_eq!(error.close_code(), 1007);
/// assert_eq!(error.position(), Some((1, 6)));
/// assert!(error.to_string().starts_with("invalid JSON: EOF while parsing"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidMessage {
    code: u16,
    expected: &'static str,
    detail: String,
    position: Option<(usize, usize)>,
}

impl InvalidMessage {
    /// A frame of the wrong kind: `expected` is `"text"` or `"binary"` (close code 1003,
    /// unsupported data).
    ///
    /// ```
    /// let error = h3rs::ws::InvalidMessage::wrong_kind("binary");
    /// assert_eq!(error.to_string(), "expected a binary message, got text");
    /// ```
    pub fn wrong_kind(expected: &'static str) -> Self {
        let got = if expected == "text" { "binary" } else { "text" };
        InvalidMessage {
            code: 1003,
            expected,
            detail: format!("expected a {expected} message, got {got}"),
            position: None,
        }
    }

    /// Data that is not valid for the type: `expected` names what was expected, `error` says
    /// what is wrong (close code 1007, invalid payload data).
    ///
    /// ```
    /// let error = h3rs::ws::InvalidMessage::invalid("a move", "unknown square z9");
    /// assert_eq!(error.close_code(), 1007);
    /// assert_eq!(error.to_string(), "invalid a move: unknown square z9");
    /// ```
    pub fn invalid(expected: &'static str, error: impl fmt::Display) -> Self {
        InvalidMessage {
            code: 1007,
            expected,
            detail: format!("invalid {expected}: {error}"),
            position: None,
        }
    }

    /// JSON that does not parse into the type: serde's message, line and column (1007).
    ///
    /// ```
    /// let serde_error = serde_json::from_str::<u8>("300").unwrap_err();
    /// let error = h3rs::ws::InvalidMessage::json(serde_error);
    /// assert_eq!(error.position(), Some((1, 3)));
    /// ```
    pub fn json(error: serde_json::Error) -> Self {
        let position = (error.line() > 0).then(|| (error.line(), error.column()));
        InvalidMessage {
            position,
            ..InvalidMessage::invalid("JSON", error)
        }
    }

    /// 1003 (unsupported data) for the wrong kind of frame, 1007 (invalid payload data) for
    /// data the type cannot hold.
    ///
    /// ```
    /// assert_eq!(h3rs::ws::InvalidMessage::wrong_kind("text").close_code(), 1003);
    /// ```
    pub fn close_code(&self) -> u16 {
        self.code
    }

    /// What the hook's type expects: `"text"`, `"binary"`, `"JSON"`, or what a
    /// [`FromMessage`] implementation named.
    ///
    /// ```
    /// assert_eq!(h3rs::ws::InvalidMessage::wrong_kind("text").expected(), "text");
    /// ```
    pub fn expected(&self) -> &'static str {
        self.expected
    }

    /// The line and column (from 1) where parsing failed, when the parser gives them.
    ///
    /// ```
    /// let error = h3rs::ws::InvalidMessage::invalid("a move", "unknown square");
    /// assert_eq!(error.position(), None);
    /// ```
    pub fn position(&self) -> Option<(usize, usize)> {
        self.position
    }

    /// The close reason sent to the client: the description, cut to the 123 bytes a close
    /// frame holds.
    pub(crate) fn close_reason(&self) -> &str {
        let mut end = self.detail.len().min(123);
        while !self.detail.is_char_boundary(end) {
            end -= 1;
        }
        &self.detail[..end]
    }
}

impl fmt::Display for InvalidMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for InvalidMessage {}

/// What a `message` hook that takes a [`FromMessage`] type does with a message that did not
/// convert: gives the `error` hook a [`WsError`] carrying `invalid`
/// ([`WsError::invalid_message`]), then, under [`InvalidMessages::Close`] (the default),
/// closes the peer with the error's code and description as the reason. Under
/// [`InvalidMessages::Report`] the peer stays open.
///
/// `#[websocket]` calls it for a typed hook; a hand-written handler does the same:
///
/// ```
/// use h3rs::Json;
/// use h3rs::ws::{FromMessage, Message, Peer, WebSocket, WsError};
///
/// #[derive(serde::Deserialize)]
/// struct Move { x: i32, y: i32 }
///
/// struct Board;
///
/// impl WebSocket for Board {
///     async fn message(&self, peer: &Peer, message: Message) {
///         match Json::<Move>::from_message(message) {
///             Ok(Json(step)) => peer.publish("board", format!("{},{}", step.x, step.y)),
///             Err(invalid) => return h3rs::ws::reject(self, peer, invalid).await,
///         };
///     }
///     async fn error(&self, peer: &Peer, error: WsError) {
///         tracing::info!(%peer, %error, "bad move");
///     }
/// }
/// # let _ = h3rs::H3::new().websocket("/board", Board);
/// ```
pub async fn reject<H: WebSocket + ?Sized>(handler: &H, peer: &Peer, invalid: InvalidMessage) {
    let code = invalid.close_code();
    let reason = invalid.close_reason().to_owned();
    tracing::debug!(peer = peer.id(), code, %invalid, "invalid WebSocket message");
    handler.error(peer, WsError::from(invalid)).await;
    if peer.options().invalid_messages == InvalidMessages::Close {
        peer.close(code, &reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_takes_its_kind_of_frame() {
        assert_eq!(
            Bytes::from_message(Message::binary(vec![0xff])).unwrap(),
            Bytes::from_static(&[0xff])
        );
        assert_eq!(
            Bytes::from_message(Message::from("x")).unwrap_err(),
            InvalidMessage::wrong_kind("binary")
        );
        let Json(n) = Json::<u8>::from_message(Message::binary(b"7".to_vec())).unwrap();
        assert_eq!(n, 7);
    }

    #[test]
    fn deeply_nested_json_is_invalid_data_not_a_stack_overflow() {
        let nested = Message::from("[".repeat(100_000));
        let error = Json::<serde_json::Value>::from_message(nested).unwrap_err();
        assert_eq!(error.close_code(), 1007);
        assert!(
            error.to_string().contains("recursion limit exceeded"),
            "{error}"
        );
    }

    #[test]
    fn close_reasons_fit_a_close_frame() {
        let long = InvalidMessage::invalid("text", "é".repeat(100));
        assert!(long.close_reason().len() <= 123);
        assert!(long.close_reason().starts_with("invalid text: é"));
    }
}
