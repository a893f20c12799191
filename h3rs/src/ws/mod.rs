//! WebSockets: `#[websocket]` handlers, [`Peer`], [`Message`], and topic pub/sub.
//!
//! Each connection has a writer fed by a bounded queue, so `send`
//! and `publish` never block the caller; a slow client meets the
//! [`Overflow`](crate::pubsub::Overflow) policy of [`WsOptions::slow_consumer`]
//! instead of growing memory. [`Peers`] lists the connected peers of an app. Protocol violations
//! close with RFC 6455's codes (1002, 1007 for invalid UTF-8, 1009 for
//! oversize), a panicking hook closes its peer with 1011, and graceful
//! shutdown closes every peer with 1001 after running its `close` hook.
//!
//! A `message` hook may take a typed message ([`FromMessage`]: `String`, `Bytes`, `Json<T>`,
//! a type of yours); one that does not convert goes to the `error` hook and closes the peer
//! with 1007 or 1003 ([`InvalidMessages`]).
//!
//! ```
//! use h3rs::ws::{CloseDetails, Message, Peer, WebSocket};
//!
//! struct Room;
//!
//! impl WebSocket for Room {
//!     async fn open(&self, peer: &Peer) {
//!         peer.subscribe("room");
//!     }
//!     async fn message(&self, peer: &Peer, message: Message) {
//!         peer.publish("room", message);
//!     }
//!     async fn close(&self, peer: &Peer, _details: CloseDetails) {
//!         peer.publish("room", format!("{peer} left"));
//!     }
//! }
//!
//! let app = h3rs::H3::new().websocket("/room", Room);
//! # let _ = app;
//! ```

mod connection;
mod duplex;
mod error;
mod from_message;
mod handler;
pub(crate) mod handshake;
mod message;
mod options;
mod peer;
mod peers;
mod raw_socket;
mod read_ahead;
mod socket_handle;
mod wire;

pub use error::WsError;
pub use from_message::{FromMessage, InvalidMessage, reject};
pub use handler::{IntoUpgrade, Upgrade, WebSocket, offered_protocols};
pub use message::{CloseDetails, Message};
pub use options::{InvalidMessages, WsOptions};
pub use peer::Peer;
pub use peers::Peers;
