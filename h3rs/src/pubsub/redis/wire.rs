//! How a payload travels between instances: one binary frame per message, on a Redis
//! channel and in a Stream entry.
//!
//! ```text
//! message = flags:u8 instance:u64 [origin:u64] [event:u16-len bytes] [id:u16-len bytes] data
//! channel = 'P' message                      a plain topic: PUBLISH by the sender
//!         | 'S' stream-id ' ' length '\n' message   a replayable topic: PUBLISH by the
//!                                            script that appended the Stream entry
//! ```
//!
//! The origin is the sender's subscriber id, which is unique in its process only: with the
//! instance id beside it, it is unique across instances.

use bytes::{BufMut, Bytes, BytesMut};

use crate::pubsub::backend::SubscriberId;
use crate::pubsub::payload::Payload;

const TEXT: u8 = 1;
const ORIGIN: u8 = 2;
const EVENT: u8 = 4;
const ID: u8 = 8;

/// A message as it left its instance.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub(crate) instance: u64,
    pub(crate) origin: Option<u64>,
    pub(crate) payload: Payload,
}

/// What came on a channel.
#[derive(Debug)]
pub(crate) enum Incoming {
    Plain(Decoded),
    Stream {
        id: String,
        len: usize,
        message: Decoded,
    },
}

fn short(text: Option<&str>) -> Option<&[u8]> {
    // Longer names and ids are not worth a wider field: they are cut.
    text.map(|text| &text.as_bytes()[..text.len().min(u16::MAX as usize)])
}

/// Encodes `payload` from `origin` of `instance`; a plain topic's frame starts with `P`,
/// and keeps the payload's own id (a replayable topic's id is the Stream's).
pub(crate) fn encode(
    instance: u64,
    origin: Option<SubscriberId>,
    payload: &Payload,
    plain: bool,
) -> Bytes {
    let event = short(payload.event());
    let id = if plain { short(payload.id()) } else { None };
    let mut out = BytesMut::with_capacity(
        2 + 16 + event.map_or(0, |e| 2 + e.len()) + id.map_or(0, |i| 2 + i.len()) + payload.len(),
    );
    if plain {
        out.put_u8(b'P');
    }
    let mut flags = 0;
    if payload.is_text() {
        flags |= TEXT;
    }
    if origin.is_some() {
        flags |= ORIGIN;
    }
    if event.is_some() {
        flags |= EVENT;
    }
    if id.is_some() {
        flags |= ID;
    }
    out.put_u8(flags);
    out.put_u64(instance);
    if let Some(origin) = origin {
        out.put_u64(origin.get());
    }
    for field in [event, id].into_iter().flatten() {
        out.put_u16(field.len() as u16);
        out.put_slice(field);
    }
    out.put_slice(payload.bytes());
    out.freeze()
}

/// Decodes a message frame (without its channel prefix); `None` if it is not one of ours.
pub(crate) fn decode(frame: &[u8]) -> Option<Decoded> {
    let (&flags, mut rest) = frame.split_first()?;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(head)
    };
    let u64_of = |bytes: &[u8]| u64::from_be_bytes(bytes.try_into().expect("8 bytes"));
    let instance = u64_of(take(8)?);
    let origin = if flags & ORIGIN != 0 {
        Some(u64_of(take(8)?))
    } else {
        None
    };
    let mut field = |present: bool| -> Option<Option<String>> {
        if !present {
            return Some(None);
        }
        let len = u16::from_be_bytes(take(2)?.try_into().expect("2 bytes")) as usize;
        let text = std::str::from_utf8(take(len)?).ok()?;
        Some(Some(text.to_owned()))
    };
    let event = field(flags & EVENT != 0)?;
    let id = field(flags & ID != 0)?;
    let data = Bytes::copy_from_slice(rest);
    let mut payload = if flags & TEXT != 0 {
        std::str::from_utf8(&data).ok()?;
        // SAFETY: checked just above.
        unsafe { Payload::from_utf8_unchecked(data) }
    } else {
        Payload::binary(data)
    };
    if let Some(event) = event {
        payload = payload.with_event(event);
    }
    if let Some(id) = id {
        payload = payload.with_id(id);
    }
    Some(Decoded {
        instance,
        origin,
        payload,
    })
}

/// Decodes what came on a channel.
pub(crate) fn decode_channel(frame: &[u8]) -> Option<Incoming> {
    match frame.split_first()? {
        (b'P', message) => decode(message).map(Incoming::Plain),
        (b'S', rest) => {
            let newline = rest.iter().position(|&b| b == b'\n')?;
            let head = std::str::from_utf8(&rest[..newline]).ok()?;
            let (id, len) = head.split_once(' ')?;
            Some(Incoming::Stream {
                id: id.to_owned(),
                len: len.parse().ok()?,
                message: decode(&rest[newline + 1..])?,
            })
        }
        _ => None,
    }
}

/// A Stream id (`<ms>-<seq>`, or `<ms>` alone) as numbers that order like the Stream.
pub(crate) fn stream_id(id: &str) -> Option<(u64, u64)> {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_binary_event_origin_and_id_survive_the_trip() {
        let origin = SubscriberId::next();
        let text = Payload::from("héllo").with_event("chat").with_id("7");
        let Some(Incoming::Plain(got)) = decode_channel(&encode(42, Some(origin), &text, true))
        else {
            panic!("a plain frame");
        };
        assert_eq!((got.instance, got.origin), (42, Some(origin.get())));
        assert_eq!(got.payload, text);

        let binary = Payload::binary(vec![0xff, 0, 1]);
        let got = decode(&encode(1, None, &binary, false)).unwrap();
        assert_eq!((got.origin, got.payload), (None, binary));
    }

    #[test]
    fn a_stream_frame_carries_its_id_and_length() {
        let mut frame = b"S1700000000000-3 12\n".to_vec();
        frame.extend_from_slice(&encode(9, None, &Payload::from("x").with_id("no"), false));
        let Some(Incoming::Stream { id, len, message }) = decode_channel(&frame) else {
            panic!("a stream frame");
        };
        assert_eq!((id.as_str(), len), ("1700000000000-3", 12));
        // The Stream gives the id: a replayable topic's frame does not carry one.
        assert_eq!(message.payload.id(), None);
    }

    #[test]
    fn frames_of_strangers_are_refused() {
        assert!(decode_channel(b"").is_none());
        assert!(decode_channel(b"hello").is_none());
        assert!(decode_channel(b"P\x01\x00").is_none());
        // Text that is not UTF-8.
        let mut bad = vec![b'P', TEXT];
        bad.extend_from_slice(&[0; 8]);
        bad.push(0xff);
        assert!(decode_channel(&bad).is_none());
    }

    #[test]
    fn stream_ids_order_as_in_redis() {
        assert!(stream_id("5-10").unwrap() > stream_id("5-9").unwrap());
        assert!(stream_id("6").unwrap() > stream_id("5-99").unwrap());
        assert_eq!(stream_id("garbage"), None);
    }
}
