//! Typed WebSocket messages: the `message` hook takes `Json<Command>`, so a client message
//! is parsed before the hook runs, and one that does not parse never reaches it.
//!
//! ```sh
//! cargo run --example typed-messages
//! # in another terminal (websocat, or `new WebSocket("ws://127.0.0.1:3000/_ws")` in a browser):
//! websocat ws://127.0.0.1:3000/_ws
//! {"type":"join","room":"lobby"}
//! {"type":"say","room":"lobby","text":"hello"}
//! {"type":"say","room":"lobby"
//! ```
//!
//! The first two get JSON answers (`say` also reaches everyone else in the room); the last is
//! malformed JSON: the `error` hook logs serde's message and position, and the client is
//! closed with 1007 and the reason `invalid JSON: EOF while parsing an object at line 1
//! column 28`. A binary frame to `/_ws/text` (a `String` hook) is closed with 1003.

use h3rs::prelude::*;
use serde::{Deserialize, Serialize};

/// What a client may send.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Command {
    Join { room: String },
    Say { room: String, text: String },
}

/// What the server sends: built once, serialized once however many peers it reaches.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Event<'a> {
    Joined {
        room: &'a str,
    },
    Said {
        room: &'a str,
        from: u64,
        text: &'a str,
    },
}

struct Rooms;

#[websocket("/_ws")]
impl Rooms {
    async fn message(&self, peer: &Peer, Json(command): Json<Command>) {
        match command {
            Command::Join { room } => {
                peer.subscribe(&room);
                peer.send(Json(&Event::Joined { room: &room }));
            }
            Command::Say { room, text } => {
                let said = Event::Said {
                    room: &room,
                    from: peer.id(),
                    text: &text,
                };
                peer.publish(&room, Json(&said));
                peer.send(Json(&said));
            }
        }
    }

    async fn error(&self, peer: &Peer, error: WsError) {
        match error.invalid_message() {
            Some(invalid) => {
                tracing::info!(%peer, position = ?invalid.position(), "bad message: {invalid}")
            }
            None => tracing::warn!(%peer, %error, "websocket error"),
        }
    }
}

/// Text frames only: `String` refuses binary ones (close 1003).
struct Shout;

#[websocket("/_ws/text")]
impl Shout {
    fn message(&self, peer: &Peer, text: String) {
        peer.send(text.to_uppercase());
    }
}

h3rs::serve!(Rooms, Shout);
