//! `Subscription`: a topic of the hub as a `Stream` of payloads.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::Stream;

use crate::pubsub::backend::{Delivery, Subscriber};
use crate::pubsub::hub::{Hub, SubscriptionGuard};
use crate::pubsub::payload::Payload;
use crate::pubsub::queue::{Overflow, Pushed, Queue, Weigh};

/// The payloads published to one topic, as a `Stream`: what an `#[sse]` function (or any
/// task) iterates to follow a topic. Dropping it unsubscribes.
///
/// Publishing never waits for a subscription: it holds at most `capacity` unread payloads,
/// and beyond that its [`Overflow`] policy applies ([`Hub::subscription`] drops the newest
/// and counts them in [`dropped`](Subscription::dropped)).
///
/// ```
/// # async fn demo() {
/// use futures_util::StreamExt;
///
/// let hub = h3rs::pubsub::Hub::new();
/// let mut news = hub.subscription("news", 64);
/// hub.publish("news", "extra! extra!");
/// assert_eq!(news.next().await.unwrap().text(), "extra! extra!");
/// # }
/// ```
pub struct Subscription {
    queue: Arc<Queue<Payload>>,
    guard: SubscriptionGuard,
}

impl Weigh for Payload {
    fn weight(&self) -> usize {
        self.len()
    }
}

/// The hub's side of a subscription.
struct Feed(Arc<Queue<Payload>>);

impl Subscriber for Feed {
    fn deliver(&self, payload: &Payload) -> Delivery {
        match self.0.push(payload.clone()) {
            Pushed::Queued => Delivery::Accepted,
            Pushed::Dropped | Pushed::Closed => Delivery::Skipped,
            Pushed::Overflowed => Delivery::Overflowed,
        }
    }
}

impl Hub {
    /// Subscribes to `topic` as a stream that holds at most `capacity` unread payloads,
    /// dropping newer ones beyond that.
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// let news = hub.subscription("news", 16);
    /// assert_eq!(hub.subscriber_count("news"), 1);
    /// drop(news);
    /// assert_eq!(hub.subscriber_count("news"), 0);
    /// ```
    pub fn subscription(&self, topic: &str, capacity: usize) -> Subscription {
        self.subscription_with(topic, capacity, Overflow::DropNewest)
    }

    /// Subscribes to `topic` as a stream with `overflow` as its policy: under
    /// [`Overflow::Close`] the stream ends after an overflow, once the payloads it holds
    /// are read.
    ///
    /// ```
    /// use h3rs::pubsub::Overflow;
    /// let hub = h3rs::pubsub::Hub::new();
    /// // A gauge: a slow reader wants the latest values, not the first ones.
    /// let gauge = hub.subscription_with("temperature", 4, Overflow::DropOldest);
    /// # drop(gauge);
    /// ```
    pub fn subscription_with(
        &self,
        topic: &str,
        capacity: usize,
        overflow: Overflow,
    ) -> Subscription {
        let queue = Arc::new(Queue::new(capacity.max(1), overflow));
        let guard = self.subscribe(topic, Arc::new(Feed(queue.clone())));
        Subscription { queue, guard }
    }
}

impl Subscription {
    /// The topic followed.
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// assert_eq!(hub.subscription("news", 1).topic(), "news");
    /// ```
    pub fn topic(&self) -> &str {
        self.guard.topic()
    }

    /// How many payloads the overflow policy dropped.
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// let news = hub.subscription("news", 1);
    /// hub.publish("news", "one");
    /// hub.publish("news", "two");
    /// assert_eq!(news.dropped(), 1);
    /// ```
    pub fn dropped(&self) -> u64 {
        self.queue.dropped()
    }
}

impl Stream for Subscription {
    type Item = Payload;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Payload>> {
        self.queue.poll_pop(cx)
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("topic", &self.topic())
            .field("dropped", &self.dropped())
            .finish()
    }
}
