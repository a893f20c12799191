//! Topic pub/sub shared by WebSocket peers and SSE streams (CrossWS semantics).
//!
//! Every app has a [`Hub`]; anything holding a clone publishes to its topics,
//! and a [`Subscription`] follows one topic as a stream:
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

pub(crate) mod hub;
mod subscription;

pub use hub::{next_subscriber_id, Hub, Subscriber, SubscriberId};
pub use subscription::Subscription;
