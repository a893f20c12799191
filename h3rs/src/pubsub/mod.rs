//! Topic pub/sub shared by WebSocket peers and SSE streams (CrossWS semantics), at the
//! bottom of h3rs: it knows nothing of WebSockets or SSE.
//!
//! - [`Payload`]: what a publish carries, built once and shared by every recipient.
//! - [`Hub`]: the app's topics (cheap to clone), in front of a [`PubSub`] backend,
//!   [`MemoryPubSub`] by default. It hands out [`SubscriberId`]s and returns a
//!   [`SubscriptionGuard`] per subscription.
//! - [`Subscriber`]: what receives payloads (peers, event streams, [`Subscription`]s).
//! - [`Overflow`]: what a subscriber's bounded queue does when it is full.
//! - [`ReplayPolicy`]: the last payloads of the topics matching a pattern, with ids, for
//!   subscribers that resume (`Last-Event-ID`).
//! - `RedisPubSub` (feature `redis`): topics and replay logs shared by every server
//!   instance through Redis.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use futures_util::StreamExt;
//!
//! let app = h3rs::H3::new();
//! let mut prices = app.hub().subscription("prices", 16);
//! assert_eq!(app.publish("prices", "BTC 1"), 1);
//! assert_eq!(prices.next().await.unwrap().text(), "BTC 1");
//! # }
//! ```

mod backend;
mod hub;
mod memory;
mod payload;
pub(crate) mod queue;
#[cfg(feature = "redis")]
mod redis;
mod replay;
mod subscription;

pub use backend::{Delivery, PubSub, Subscriber, SubscriberId};
pub use hub::{Hub, SubscriptionGuard};
pub use memory::MemoryPubSub;
pub use payload::Payload;
pub use queue::Overflow;
#[cfg(feature = "redis")]
pub use redis::{ConnectError, RedisOptions, RedisPubSub};
pub use replay::ReplayPolicy;
pub use subscription::Subscription;

#[cfg(test)]
mod tests;
