//! `SseEvent`: one server-sent event, and its encoding on the wire.

use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;

use crate::pubsub::Payload;
use crate::response::Json;

/// One server-sent event: data, plus an optional id, event type and reconnection delay; or
/// a comment, which clients ignore (a keep-alive, a note for whoever reads the raw stream).
///
/// It is encoded as H3 and the WHATWG HTML standard write it: `id:`, `event:`, `retry:`
/// (whole milliseconds), then one `data:` line per line of the data (split on `\r\n`, `\r`
/// and `\n`, so a line break in the data can never start a field of its own), then a blank
/// line. Line breaks are removed from the id and the event type for the same reason.
///
/// ```
/// use std::time::Duration;
/// use h3rs::sse::SseEvent;
///
/// let event = SseEvent::new("first line\nsecond line")
///     .id("42")
///     .event("update")
///     .retry(Duration::from_secs(3));
/// assert_eq!(
///     event.to_bytes(),
///     "id: 42\nevent: update\nretry: 3000\ndata: first line\ndata: second line\n\n"
/// );
/// ```
///
/// `&str`, `String` and [`Json<T>`] convert into an event, so an `#[sse]` function can
/// `yield` any of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SseEvent {
    id: Option<String>,
    event: Option<String>,
    retry: Option<Duration>,
    data: Option<String>,
    comment: Option<String>,
}

impl SseEvent {
    /// An event of the default type (`message`) carrying `data`.
    ///
    /// ```
    /// assert_eq!(h3rs::sse::SseEvent::new("hi").to_bytes(), "data: hi\n\n");
    /// assert_eq!(h3rs::sse::SseEvent::new("").to_bytes(), "data: \n\n");
    /// ```
    pub fn new(data: impl Into<String>) -> Self {
        SseEvent {
            data: Some(data.into()),
            ..SseEvent::default()
        }
    }

    /// An event whose data is `value` as JSON.
    ///
    /// # Errors
    ///
    /// When `value` cannot be serialized (a map with non-string keys, a failing `Serialize`).
    ///
    /// ```
    /// let event = h3rs::sse::SseEvent::json(&serde_json::json!({ "n": 1 })).unwrap();
    /// assert_eq!(event.to_bytes(), "data: {\"n\":1}\n\n");
    /// ```
    pub fn json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Self> {
        serde_json::to_string(value).map(SseEvent::new)
    }

    /// A comment: `: text`, one line per line of `text`. Clients ignore it; it keeps idle
    /// connections open through proxies.
    ///
    /// ```
    /// assert_eq!(h3rs::sse::SseEvent::comment("ping").to_bytes(), ": ping\n\n");
    /// ```
    pub fn comment(text: impl Into<String>) -> Self {
        SseEvent {
            comment: Some(text.into()),
            ..SseEvent::default()
        }
    }

    /// Sets the event id, which the browser sends back as `Last-Event-ID` when it
    /// reconnects. Line breaks are removed.
    ///
    /// ```
    /// let event = h3rs::sse::SseEvent::new("x").id("7");
    /// assert_eq!(event.to_bytes(), "id: 7\ndata: x\n\n");
    /// ```
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(single_line(id.into()));
        self
    }

    /// Sets the event type (`addEventListener(type, ...)` in the browser; `message` when
    /// unset). Line breaks are removed.
    ///
    /// ```
    /// let event = h3rs::sse::SseEvent::new("x").event("tick");
    /// assert_eq!(event.to_bytes(), "event: tick\ndata: x\n\n");
    /// ```
    pub fn event(mut self, event: impl Into<String>) -> Self {
        self.event = Some(single_line(event.into()));
        self
    }

    /// Sets how long the browser waits before reconnecting, in whole milliseconds.
    ///
    /// ```
    /// use std::time::Duration;
    /// let event = h3rs::sse::SseEvent::new("x").retry(Duration::from_millis(1500));
    /// assert_eq!(event.to_bytes(), "retry: 1500\ndata: x\n\n");
    /// ```
    pub fn retry(mut self, retry: Duration) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The event id, if set.
    ///
    /// ```
    /// assert_eq!(h3rs::sse::SseEvent::new("x").id("7").get_id(), Some("7"));
    /// ```
    pub fn get_id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The event type, if set.
    ///
    /// ```
    /// assert_eq!(h3rs::sse::SseEvent::new("x").event("tick").get_event(), Some("tick"));
    /// ```
    pub fn get_event(&self) -> Option<&str> {
        self.event.as_deref()
    }

    /// The data, if the event has some (a comment has none).
    ///
    /// ```
    /// assert_eq!(h3rs::sse::SseEvent::new("x").get_data(), Some("x"));
    /// assert_eq!(h3rs::sse::SseEvent::comment("x").get_data(), None);
    /// ```
    pub fn get_data(&self) -> Option<&str> {
        self.data.as_deref()
    }

    /// The event as it is written on the wire, blank line included.
    ///
    /// ```
    /// let event = h3rs::sse::SseEvent::new("hi\n\nevent: system\ndata: INJECTED");
    /// assert_eq!(
    ///     event.to_bytes(),
    ///     "data: hi\ndata: \ndata: event: system\ndata: data: INJECTED\n\n"
    /// );
    /// ```
    pub fn to_bytes(&self) -> Bytes {
        Bytes::from(self.encode())
    }

    /// The encoding in a buffer of exactly its length: `Bytes` takes such a buffer over as it
    /// is, where a spare capacity would cost it an allocation of its own.
    fn encode(&self) -> Vec<u8> {
        // Most events are one line of data and nothing else: written without the line
        // splitting, which cost as much again as the rest of an event's encoding.
        if let (Some(data), None, None, None, None) = (
            &self.data,
            &self.id,
            &self.event,
            &self.retry,
            &self.comment,
        ) {
            if !data.bytes().any(|b| b == b'\r' || b == b'\n') {
                let mut out = Vec::with_capacity(data.len() + 8);
                out.extend_from_slice(b"data: ");
                out.extend_from_slice(data.as_bytes());
                out.extend_from_slice(b"\n\n");
                return out;
            }
        }
        // A comment on its own carries no data; any other event has at least `data: `,
        // which is what H3 writes for empty data.
        let data = match (&self.data, &self.comment) {
            (None, Some(_)) => None,
            (data, _) => Some(data.as_deref().unwrap_or("")),
        };
        let retry = self.retry.map(|retry| retry.as_millis().to_string());
        // `id` and `event` are single lines already (see their setters).
        let field = |value: &Option<String>, name: &str| {
            value.as_ref().map_or(0, |v| name.len() + v.len() + 1)
        };
        let len = self
            .comment
            .as_deref()
            .map_or(0, |text| lines_len(": ", text))
            + field(&self.id, "id: ")
            + field(&self.event, "event: ")
            + field(&retry, "retry: ")
            + data.map_or(0, |text| lines_len("data: ", text))
            + 1;
        let mut out = Vec::with_capacity(len);
        if let Some(comment) = &self.comment {
            put_lines(&mut out, ": ", comment);
        }
        for (name, value) in [
            ("id: ", &self.id),
            ("event: ", &self.event),
            ("retry: ", &retry),
        ] {
            if let Some(value) = value {
                put_lines(&mut out, name, value);
            }
        }
        if let Some(data) = data {
            put_lines(&mut out, "data: ", data);
        }
        out.push(b'\n');
        debug_assert_eq!(out.len(), len);
        out
    }
}

/// The encoded length of `text` as lines that each start with `prefix`.
fn lines_len(prefix: &str, text: &str) -> usize {
    lines(text).map(|line| prefix.len() + line.len() + 1).sum()
}

/// Writes each line of `text` after `prefix`, ending it with `\n`.
fn put_lines(out: &mut Vec<u8>, prefix: &str, text: &str) {
    for line in lines(text) {
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
}

/// `value` without `\r` and `\n`: an id or event type spans one line, whatever it is given.
fn single_line(value: String) -> String {
    if value.contains(['\r', '\n']) {
        value.replace(['\r', '\n'], "")
    } else {
        value
    }
}

/// The lines of `text`, split on `\r\n`, `\r` and `\n` as an SSE client splits them. An
/// empty text is one empty line; a trailing line break leaves an empty last line, so the
/// client rebuilds the same text.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        // A byte search: both breaks are ASCII, so every index it finds is a char boundary.
        match current.bytes().position(|b| b == b'\r' || b == b'\n') {
            Some(at) => {
                let skip = if current.as_bytes()[at..].starts_with(b"\r\n") {
                    2
                } else {
                    1
                };
                rest = Some(&current[at + skip..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

impl From<&str> for SseEvent {
    fn from(data: &str) -> Self {
        SseEvent::new(data)
    }
}

impl From<String> for SseEvent {
    fn from(data: String) -> Self {
        SseEvent::new(data)
    }
}

impl From<&String> for SseEvent {
    fn from(data: &String) -> Self {
        SseEvent::new(data.as_str())
    }
}

/// The value as JSON data. A value that cannot be serialized is logged and sent as a
/// comment, so that the stream goes on.
impl<T: Serialize> From<Json<T>> for SseEvent {
    fn from(Json(value): Json<T>) -> Self {
        SseEvent::json(&value).unwrap_or_else(|error| {
            tracing::error!(%error, "an SSE event's JSON data failed to serialize");
            SseEvent::comment("event data failed to serialize")
        })
    }
}

impl SseEvent {
    /// A published payload as an event, as a `Subscription` yields it in an `#[sse]`
    /// function: the text is the data (binary data is converted lossily), with the
    /// payload's event name and replay id.
    ///
    /// ```
    /// use h3rs::pubsub::Payload;
    /// use h3rs::sse::SseEvent;
    /// let event = SseEvent::from_payload(&Payload::from("hi").with_event("chat").with_id("7"));
    /// assert_eq!(event.to_bytes(), "id: 7\nevent: chat\ndata: hi\n\n");
    /// ```
    pub fn from_payload(payload: &Payload) -> SseEvent {
        let mut event = SseEvent::new(payload.text());
        if let Some(name) = payload.event() {
            event = event.event(name);
        }
        if let Some(id) = payload.id() {
            event = event.id(id);
        }
        event
    }

    /// The event of a payload that a stream follows; a binary payload has no SSE form.
    pub(crate) fn of_payload(payload: &Payload) -> Option<SseEvent> {
        payload.is_text().then(|| SseEvent::from_payload(payload))
    }
}

/// An event to publish: its data as text, and its event type, so that the streams that
/// follow the topic write it as `event:`. The id, retry and comment belong to one stream
/// and are not carried (a topic's replay log gives its own ids).
///
/// ```
/// use h3rs::sse::SseEvent;
/// let app = h3rs::H3::new();
/// // Browsers listen with `source.addEventListener("joined", ...)`.
/// app.publish("chat", SseEvent::new("ada").event("joined"));
/// ```
impl From<SseEvent> for Payload {
    fn from(event: SseEvent) -> Self {
        let payload = Payload::from(event.data.unwrap_or_default());
        match event.event {
            Some(name) => payload.with_event(name),
            None => payload,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_encoded_in_order_into_a_buffer_of_its_exact_size() {
        let cases = [
            (SseEvent::default(), "data: \n\n"),
            (SseEvent::new(""), "data: \n\n"),
            (SseEvent::new("tick 7"), "data: tick 7\n\n"),
            (
                SseEvent::new("a\r\nb\rc\n"),
                "data: a\ndata: b\ndata: c\ndata: \n\n",
            ),
            (SseEvent::comment("x\ny"), ": x\n: y\n\n"),
            (
                SseEvent::comment("note")
                    .id("9")
                    .event("e")
                    .retry(Duration::from_secs(2)),
                ": note\nid: 9\nevent: e\nretry: 2000\n\n",
            ),
            (
                SseEvent::new("d").id("i\nd").event("n\ra\r\nme"),
                "id: id\nevent: name\ndata: d\n\n",
            ),
            (SseEvent::new("é\n✓"), "data: é\ndata: ✓\n\n"),
        ];
        for (event, wire) in cases {
            assert_eq!(event.to_bytes(), wire, "{event:?}");
            let encoded = event.encode();
            assert_eq!(encoded.capacity(), encoded.len(), "{event:?}");
        }
    }

    #[test]
    fn lines_split_like_a_client() {
        let split = |text| lines(text).collect::<Vec<_>>();
        assert_eq!(split(""), [""]);
        assert_eq!(split("a"), ["a"]);
        assert_eq!(split("a\nb"), ["a", "b"]);
        assert_eq!(split("a\r\nb\rc\n"), ["a", "b", "c", ""]);
        assert_eq!(split("\r\r\n\n"), ["", "", "", ""]);
    }
}
