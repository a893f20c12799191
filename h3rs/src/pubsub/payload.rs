//! `Payload`: what a publish carries to every subscriber, built once.

// The layers above use what they need of it: with `ws` or `sse` off, some goes unused.
#![cfg_attr(not(all(feature = "ws", feature = "sse")), allow(dead_code))]

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A published message: text or binary, with an optional SSE event name and, on topics that
/// keep a replay log, the id the log gave it.
///
/// The data is one reference-counted [`Bytes`]: a publish builds its payload once and every
/// subscriber gets a clone of the same buffer, whatever it is (a WebSocket peer, an event
/// stream, a [`Subscription`](crate::pubsub::Subscription)). Text stays text and binary
/// stays binary on the way.
///
/// Anything `publish` accepts converts into it: `&str`, `String`, `Vec<u8>`, `Bytes`,
/// `Json<T>`, a [`ws::Message`](crate::ws::Message), an [`SseEvent`](crate::sse::SseEvent).
///
/// ```
/// use h3rs::pubsub::Payload;
///
/// let text = Payload::from("hello");
/// assert!(text.is_text());
/// assert_eq!(text.as_str(), Some("hello"));
///
/// let binary = Payload::from(vec![0xff, 0x00]);
/// assert!(binary.is_binary());
/// assert_eq!(binary.bytes(), [0xff, 0x00]);
///
/// // Followed by an SSE stream, this one arrives as `event: chat`.
/// let named = Payload::from("hi").with_event("chat");
/// assert_eq!(named.event(), Some("chat"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Payload {
    data: Bytes,
    /// Whether `data` is text, in which case it is valid UTF-8 (every constructor ensures it).
    text: bool,
    /// Rarely set: kept behind one pointer so that a plain payload stays small.
    meta: Option<Arc<Meta>>,
}

#[derive(Clone, Default, PartialEq, Eq)]
struct Meta {
    event: Option<Box<str>>,
    id: Option<Box<str>>,
}

impl Payload {
    /// A binary payload.
    ///
    /// ```
    /// // Text that subscribers must get as a binary WebSocket frame.
    /// let payload = h3rs::pubsub::Payload::binary("raw");
    /// assert!(payload.is_binary());
    /// ```
    pub fn binary(bytes: impl Into<Bytes>) -> Self {
        Payload {
            data: bytes.into(),
            text: false,
            meta: None,
        }
    }

    /// A text payload holding `value` as JSON.
    ///
    /// # Errors
    ///
    /// When `value` cannot be serialized.
    ///
    /// ```
    /// let payload = h3rs::pubsub::Payload::from_json(&serde_json::json!({ "n": 1 })).unwrap();
    /// assert_eq!(payload.as_str(), Some(r#"{"n":1}"#));
    /// ```
    pub fn from_json<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::to_string(value).map(Payload::from)
    }

    /// A text payload over bytes that are known to be UTF-8 (a frame tungstenite checked).
    ///
    /// # Safety
    ///
    /// `bytes` must be valid UTF-8.
    pub(crate) unsafe fn from_utf8_unchecked(bytes: Bytes) -> Self {
        Payload {
            data: bytes,
            text: true,
            meta: None,
        }
    }

    /// Sets the SSE event name: an event stream that follows the topic writes it as
    /// `event:` (WebSocket peers ignore it).
    ///
    /// ```
    /// # fn demo(app: &h3rs::H3) {
    /// use h3rs::pubsub::Payload;
    /// // Browsers listen with `source.addEventListener("price", ...)`.
    /// app.publish("prices", Payload::from("BTC 1").with_event("price"));
    /// # }
    /// ```
    pub fn with_event(self, event: impl Into<String>) -> Self {
        let event = event.into().into_boxed_str();
        self.with_meta(|meta| meta.event = Some(event))
    }

    /// Sets the replay id. The hub's backend does this for topics that keep a replay log;
    /// a backend of your own gives its ids here.
    ///
    /// ```
    /// let payload = h3rs::pubsub::Payload::from("x").with_id("7");
    /// assert_eq!(payload.id(), Some("7"));
    /// ```
    pub fn with_id(self, id: impl Into<String>) -> Self {
        let id = id.into().into_boxed_str();
        self.with_meta(|meta| meta.id = Some(id))
    }

    fn with_meta(mut self, change: impl FnOnce(&mut Meta)) -> Self {
        let mut meta = self.meta.as_deref().cloned().unwrap_or_default();
        change(&mut meta);
        self.meta = Some(Arc::new(meta));
        self
    }

    /// The SSE event name, if set.
    ///
    /// ```
    /// assert_eq!(h3rs::pubsub::Payload::from("x").event(), None);
    /// ```
    pub fn event(&self) -> Option<&str> {
        self.meta.as_ref()?.event.as_deref()
    }

    /// The replay id, on topics that keep a replay log: what a client hands back to
    /// resume (an SSE stream sends it as `id:`, and the browser as `Last-Event-ID`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use futures_util::StreamExt;
    ///
    /// let hub = h3rs::pubsub::Hub::new();
    /// hub.replay("news", h3rs::pubsub::ReplayPolicy::last(10));
    /// let mut news = hub.subscription("news", 8);
    /// hub.publish("news", "first");
    /// assert!(news.next().await.unwrap().id().is_some());
    /// # }
    /// ```
    pub fn id(&self) -> Option<&str> {
        self.meta.as_ref()?.id.as_deref()
    }

    /// The text, or `None` for a binary payload.
    ///
    /// ```
    /// use h3rs::pubsub::Payload;
    /// assert_eq!(Payload::from("hi").as_str(), Some("hi"));
    /// assert_eq!(Payload::binary("hi").as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        // SAFETY: a text payload's data is UTF-8, checked or known at construction.
        self.text
            .then(|| unsafe { std::str::from_utf8_unchecked(&self.data) })
    }

    /// The data as text; binary data that is not UTF-8 is converted lossily.
    ///
    /// ```
    /// use h3rs::pubsub::Payload;
    /// assert_eq!(Payload::from("hi").text(), "hi");
    /// assert_eq!(Payload::binary(vec![0x68, 0xff]).text(), "h\u{fffd}");
    /// ```
    pub fn text(&self) -> Cow<'_, str> {
        match self.as_str() {
            Some(text) => Cow::Borrowed(text),
            None => String::from_utf8_lossy(&self.data),
        }
    }

    /// The data as bytes.
    ///
    /// ```
    /// assert_eq!(h3rs::pubsub::Payload::from("héllo").bytes().len(), 6);
    /// ```
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// The data as a shared buffer (a reference count, not a copy).
    ///
    /// ```
    /// let payload = h3rs::pubsub::Payload::from("shared");
    /// assert_eq!(payload.to_bytes().as_ptr(), payload.bytes().as_ptr());
    /// ```
    pub fn to_bytes(&self) -> Bytes {
        self.data.clone()
    }

    /// Parses the data as JSON.
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct Move { x: i32 }
    /// let payload = h3rs::pubsub::Payload::from(r#"{"x":3}"#);
    /// assert_eq!(payload.json::<Move>().unwrap().x, 3);
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.data)
    }

    /// Whether this is text.
    pub fn is_text(&self) -> bool {
        self.text
    }

    /// Whether this is binary.
    pub fn is_binary(&self) -> bool {
        !self.text
    }

    /// The data's size in bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the data is empty.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct(if self.text { "Text" } else { "Binary" });
        match self.as_str() {
            Some(text) => out.field("data", &text),
            None => out.field("data", &self.data),
        };
        if let Some(event) = self.event() {
            out.field("event", &event);
        }
        if let Some(id) = self.id() {
            out.field("id", &id);
        }
        out.finish()
    }
}

impl From<&str> for Payload {
    fn from(text: &str) -> Self {
        Payload::from(text.to_owned())
    }
}

impl From<String> for Payload {
    fn from(text: String) -> Self {
        Payload {
            data: Bytes::from(text),
            text: true,
            meta: None,
        }
    }
}

impl From<&String> for Payload {
    fn from(text: &String) -> Self {
        Payload::from(text.as_str())
    }
}

impl From<Cow<'_, str>> for Payload {
    fn from(text: Cow<'_, str>) -> Self {
        Payload::from(text.into_owned())
    }
}

impl From<Bytes> for Payload {
    fn from(bytes: Bytes) -> Self {
        Payload::binary(bytes)
    }
}

impl From<Vec<u8>> for Payload {
    fn from(bytes: Vec<u8>) -> Self {
        Payload::binary(bytes)
    }
}

impl From<&[u8]> for Payload {
    fn from(bytes: &[u8]) -> Self {
        Payload::binary(Bytes::copy_from_slice(bytes))
    }
}

impl From<&Payload> for Payload {
    fn from(payload: &Payload) -> Self {
        payload.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_buffer() {
        let payload = Payload::from(vec![1u8; 1024]);
        let clone = payload.clone();
        assert_eq!(payload.bytes().as_ptr(), clone.bytes().as_ptr());
    }

    #[test]
    fn event_and_id_are_kept_together() {
        let payload = Payload::from("x").with_event("chat").with_id("1");
        assert_eq!((payload.event(), payload.id()), (Some("chat"), Some("1")));
        assert!(payload.is_text());
        let plain = Payload::from("x");
        assert_ne!(payload, plain);
        assert_eq!(
            format!("{payload:?}"),
            r#"Text { data: "x", event: "chat", id: "1" }"#
        );
    }
}
