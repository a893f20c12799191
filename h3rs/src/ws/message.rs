//! `Message`: a WebSocket data message, text or binary, and close details.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WireCode;
use tokio_tungstenite::tungstenite::{self, Utf8Bytes};

use crate::pubsub::Payload;

/// A WebSocket message: text or binary. Cloning it is cheap (the payload is
/// reference-counted); it converts to and from a pub/sub [`Payload`] without
/// copying, which is how one publish reaches many peers.
///
/// Sending a received message keeps its kind: text stays text, binary stays
/// byte for byte.
///
/// ```
/// use h3rs::ws::Message;
/// let text = Message::from("ping");
/// assert!(text.is_text());
/// assert_eq!(text.text(), "ping");
/// let binary = Message::from(vec![0xff, 0x00]);
/// assert!(binary.is_binary());
/// assert_eq!(binary.bytes(), [0xff, 0x00]);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Message(Payload);

impl Message {
    /// A binary message.
    ///
    /// ```
    /// use h3rs::ws::Message;
    /// // Text that must reach the client as a binary frame (a protocol that says so).
    /// let msg = Message::binary("raw");
    /// assert!(msg.is_binary());
    /// assert_eq!(msg.bytes(), b"raw");
    /// ```
    pub fn binary(bytes: impl Into<Bytes>) -> Self {
        Message(Payload::binary(bytes))
    }

    /// A text message holding `value` as JSON.
    ///
    /// ```
    /// let msg = h3rs::ws::Message::from_json(&serde_json::json!({ "n": 1 })).unwrap();
    /// assert_eq!(msg.text(), r#"{"n":1}"#);
    /// ```
    pub fn from_json<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::to_string(value).map(Message::from)
    }

    /// The payload as text; a binary payload that is not UTF-8 is converted lossily.
    ///
    /// ```
    /// use h3rs::ws::Message;
    /// assert_eq!(Message::from("hi").text(), "hi");
    /// assert_eq!(Message::binary(vec![0x68, 0xff]).text(), "h\u{fffd}");
    /// ```
    pub fn text(&self) -> Cow<'_, str> {
        self.0.text()
    }

    /// The payload as bytes.
    ///
    /// ```
    /// use h3rs::ws::Message;
    /// let msg = Message::from("héllo");
    /// assert_eq!(msg.bytes().len(), 6); // UTF-8: é takes two bytes
    /// ```
    pub fn bytes(&self) -> &[u8] {
        self.0.bytes()
    }

    /// Parses the payload as JSON.
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct Move { x: i32 }
    /// let msg = h3rs::ws::Message::from(r#"{"x":3}"#);
    /// assert_eq!(msg.json::<Move>().unwrap().x, 3);
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        self.0.json()
    }

    /// Whether this is a text message.
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, WebSocket};
    ///
    /// struct TextOnly;
    ///
    /// impl WebSocket for TextOnly {
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         if !message.is_text() {
    ///             peer.close(1003, "Text only");
    ///         }
    ///     }
    /// }
    /// assert!(Message::from("ok").is_text());
    /// ```
    pub fn is_text(&self) -> bool {
        self.0.is_text()
    }

    /// Whether this is a binary message.
    ///
    /// ```
    /// use h3rs::ws::Message;
    /// assert!(Message::from(vec![1, 2, 3]).is_binary());
    /// assert!(!Message::from("123").is_binary());
    /// ```
    pub fn is_binary(&self) -> bool {
        self.0.is_binary()
    }

    /// The payload size in bytes.
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, WebSocket};
    ///
    /// struct Chat;
    ///
    /// impl WebSocket for Chat {
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         // Chat lines only; larger payloads belong to the upload route.
    ///         if message.len() > 4096 {
    ///             peer.send("message too long");
    ///             return;
    ///         }
    ///         peer.publish("chat", message);
    ///     }
    /// }
    /// assert_eq!(Message::from("four").len(), 4);
    /// ```
    pub fn len(&self) -> usize {
        self.bytes().len()
    }

    /// Whether the payload is empty.
    ///
    /// ```
    /// use h3rs::ws::Message;
    /// assert!(Message::from("").is_empty());
    /// assert!(!Message::binary(vec![0]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The payload as a shared buffer (a reference count, not a copy).
    pub(crate) fn into_bytes(self) -> Bytes {
        self.0.to_bytes()
    }

    pub(crate) fn from_wire(message: tungstenite::Message) -> Option<Self> {
        match message {
            // SAFETY: tungstenite hands out text frames as checked UTF-8.
            tungstenite::Message::Text(text) => Some(Message(unsafe {
                Payload::from_utf8_unchecked(Bytes::from(text))
            })),
            tungstenite::Message::Binary(bytes) => Some(Message(Payload::binary(bytes))),
            _ => None,
        }
    }

    pub(crate) fn into_wire(self) -> tungstenite::Message {
        wire_of(&self.0)
    }
}

/// The frame of a payload: a reference count on its buffer, no copy and no UTF-8 check,
/// which is what lets one publish reach many peers at the cost of one.
pub(crate) fn wire_of(payload: &Payload) -> tungstenite::Message {
    if payload.is_text() {
        // SAFETY: a text payload's data is UTF-8 (every `Payload` constructor ensures it).
        tungstenite::Message::Text(unsafe { Utf8Bytes::from_bytes_unchecked(payload.to_bytes()) })
    } else {
        tungstenite::Message::Binary(payload.to_bytes())
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_str() {
            Some(text) => f.debug_tuple("Text").field(&text).finish(),
            None => f.debug_tuple("Binary").field(&self.0.bytes()).finish(),
        }
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message(Payload::from(text))
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message(Payload::from(text))
    }
}

impl From<&String> for Message {
    fn from(text: &String) -> Self {
        Message::from(text.as_str())
    }
}

impl From<Bytes> for Message {
    fn from(bytes: Bytes) -> Self {
        Message(Payload::binary(bytes))
    }
}

impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Self {
        Message(Payload::binary(bytes))
    }
}

impl From<&[u8]> for Message {
    fn from(bytes: &[u8]) -> Self {
        Message(Payload::from(bytes))
    }
}

impl From<&Message> for Message {
    fn from(message: &Message) -> Self {
        message.clone()
    }
}

/// A message to publish: the same buffer, text or binary as it was.
///
/// ```
/// use h3rs::pubsub::Payload;
/// use h3rs::ws::Message;
/// let payload = Payload::from(Message::binary(vec![1, 2]));
/// assert!(payload.is_binary());
/// ```
impl From<Message> for Payload {
    fn from(message: Message) -> Self {
        message.0
    }
}

impl From<&Message> for Payload {
    fn from(message: &Message) -> Self {
        message.0.clone()
    }
}

/// A published payload as a message (an SSE event name or replay id is not part of a
/// WebSocket message and is left out).
///
/// ```
/// use h3rs::pubsub::Payload;
/// use h3rs::ws::Message;
/// let message = Message::from(Payload::from("hi").with_event("chat"));
/// assert_eq!(message, Message::from("hi"));
/// ```
impl From<Payload> for Message {
    fn from(payload: Payload) -> Self {
        if payload.event().is_some() || payload.id().is_some() {
            Message(if payload.is_text() {
                // SAFETY: the data of a text payload is UTF-8.
                unsafe { Payload::from_utf8_unchecked(payload.to_bytes()) }
            } else {
                Payload::binary(payload.to_bytes())
            })
        } else {
            Message(payload)
        }
    }
}

/// JSON as a text message; a value that cannot be serialized becomes `null`
/// (use [`Message::from_json`] to handle that error).
impl<T: Serialize> From<crate::Json<T>> for Message {
    fn from(json: crate::Json<T>) -> Self {
        Message::from_json(&json.0).unwrap_or_else(|_| Message::from("null"))
    }
}

/// Why a peer left: the close code and reason, as sent by the client, chosen
/// by the server, or 1006 when the socket died without a close frame.
///
/// ```
/// let details = h3rs::ws::CloseDetails::new(1000, "bye");
/// assert_eq!(details.code, 1000);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseDetails {
    /// The close code (1000 normal, 1001 going away, 1006 abnormal...).
    ///
    /// ```
    /// use h3rs::ws::CloseDetails;
    /// // 1000 and 1001 are goodbyes; anything else is worth a look.
    /// let clean = |details: &CloseDetails| matches!(details.code, 1000 | 1001);
    /// assert!(clean(&CloseDetails::new(1001, "")));
    /// assert!(!clean(&CloseDetails::new(1011, "Internal Error")));
    /// ```
    pub code: u16,
    /// The close reason, possibly empty.
    ///
    /// ```
    /// let details = h3rs::ws::CloseDetails::new(1008, "Slow consumer");
    /// assert_eq!(details.reason, "Slow consumer");
    /// ```
    pub reason: String,
}

impl CloseDetails {
    /// Details with a code and reason.
    ///
    /// ```
    /// use h3rs::ws::CloseDetails;
    /// let details = CloseDetails::new(4000, format!("kicked by {}", "admin"));
    /// assert_eq!(details, CloseDetails { code: 4000, reason: "kicked by admin".into() });
    /// ```
    pub fn new(code: u16, reason: impl Into<String>) -> Self {
        CloseDetails {
            code,
            reason: reason.into(),
        }
    }

    pub(crate) fn abnormal() -> Self {
        CloseDetails::new(1006, "")
    }

    pub(crate) fn wire_code(code: u16) -> WireCode {
        WireCode::from(code)
    }
}
