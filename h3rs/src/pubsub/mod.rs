//! Topic pub/sub shared by WebSocket peers and SSE streams (CrossWS semantics).

pub(crate) mod hub;
mod subscription;

pub use hub::{Hub, Subscriber, SubscriberId};
pub use subscription::Subscription;
