//! Topic pub/sub shared by WebSocket peers and SSE streams (CrossWS semantics).

pub(crate) mod hub;

pub use hub::{Hub, Subscriber, SubscriberId};
