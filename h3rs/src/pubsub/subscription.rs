//! `Subscription`: a topic of the hub as a `Stream` of messages.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::Stream;
use tokio::sync::mpsc;

use crate::pubsub::hub::next_subscriber_id;
use crate::pubsub::{Hub, Subscriber, SubscriberId};
use crate::ws::Message;

/// The messages published to one topic, as a `Stream`: what an `#[sse]`
/// function (or any task) iterates to follow a topic. Dropping it
/// unsubscribes.
///
/// Publishing never waits for a subscription: when `capacity` messages are
/// waiting unread, newer ones are dropped and counted ([`Subscription::dropped`]).
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
    topic: Arc<str>,
    id: SubscriberId,
    hub: Hub,
    messages: mpsc::Receiver<Message>,
    feed: Arc<Feed>,
}

struct Feed {
    id: SubscriberId,
    queue: mpsc::Sender<Message>,
    dropped: std::sync::atomic::AtomicU64,
}

impl Subscriber for Feed {
    fn id(&self) -> SubscriberId {
        self.id
    }

    fn deliver(&self, message: &Message) {
        if self.queue.try_send(message.clone()).is_err() {
            self.dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

impl Hub {
    /// Subscribes to `topic` as a stream that holds at most `capacity`
    /// unread messages.
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// let news = hub.subscription("news", 16);
    /// assert_eq!(hub.subscriber_count("news"), 1);
    /// drop(news);
    /// assert_eq!(hub.subscriber_count("news"), 0);
    /// ```
    pub fn subscription(&self, topic: &str, capacity: usize) -> Subscription {
        let (queue, messages) = mpsc::channel(capacity.max(1));
        let id = next_subscriber_id();
        let feed = Arc::new(Feed {
            id,
            queue,
            dropped: std::sync::atomic::AtomicU64::new(0),
        });
        self.subscribe(topic, feed.clone());
        Subscription {
            topic: Arc::from(topic),
            id,
            hub: self.clone(),
            messages,
            feed,
        }
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
        &self.topic
    }

    /// How many messages were dropped because `capacity` were waiting unread.
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// let news = hub.subscription("news", 1);
    /// hub.publish("news", "one");
    /// hub.publish("news", "two");
    /// assert_eq!(news.dropped(), 1);
    /// ```
    pub fn dropped(&self) -> u64 {
        self.feed.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Stream for Subscription {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.messages.poll_recv(cx)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.unsubscribe(&self.topic, self.id);
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("topic", &self.topic)
            .field("dropped", &self.dropped())
            .finish()
    }
}
