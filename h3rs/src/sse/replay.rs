//! `TopicReplay`: one topic's replay log, as a value to keep in the app's state.

use std::sync::Arc;

use crate::pubsub::{Hub, ReplayPolicy};

/// Keeps the last `capacity` messages of one topic with ids, so that an
/// [`EventStream`](crate::sse::EventStream) that follows the topic through it
/// ([`follow_with_replay`](crate::sse::EventStream::follow_with_replay)) can send a
/// reconnecting client what it missed, in order and without duplicates.
///
/// It is a handle on the hub's replay log for the topic
/// ([`Hub::replay`](crate::pubsub::Hub::replay) with [`ReplayPolicy::last`]), kept for as
/// long as the hub lives. Ids are `RUN-N`: `N` counts the topic's messages, and `RUN` tells
/// this run of the server from the next, whose counter starts again (an id from another run
/// replays everything kept). For topics that come and go (`room:*`), give the hub a policy
/// on the pattern instead, with an idle time, and follow with
/// [`follow_after`](crate::sse::EventStream::follow_after).
///
/// ```
/// use h3rs::sse::TopicReplay;
///
/// let app = h3rs::H3::new();
/// let news = TopicReplay::new(app.hub(), "news", 100);
/// // A replay log is not a subscriber: nobody was reached, and the message is kept.
/// assert_eq!(app.publish("news", "first"), 0);
/// assert_eq!(news.len(), 1);
/// let app = app.state(news); // for the routes: event.state::<TopicReplay>()
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct TopicReplay {
    hub: Hub,
    topic: Arc<str>,
    capacity: usize,
}

impl std::fmt::Debug for TopicReplay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopicReplay")
            .field("topic", &self.topic)
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl TopicReplay {
    /// Starts recording `topic` of `hub`, keeping the last `capacity` messages.
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// let replay = h3rs::sse::TopicReplay::new(&hub, "prices", 50);
    /// # let _ = replay;
    /// ```
    pub fn new(hub: &Hub, topic: &str, capacity: usize) -> Self {
        hub.replay(topic, ReplayPolicy::last(capacity));
        TopicReplay {
            hub: hub.clone(),
            topic: Arc::from(topic),
            capacity,
        }
    }

    /// The topic recorded.
    ///
    /// ```
    /// let replay = h3rs::sse::TopicReplay::new(&h3rs::pubsub::Hub::new(), "news", 10);
    /// assert_eq!(replay.topic(), "news");
    /// ```
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The hub whose topic is recorded.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// How many events are kept now.
    ///
    /// ```
    /// let replay = h3rs::sse::TopicReplay::new(&h3rs::pubsub::Hub::new(), "news", 10);
    /// assert!(replay.is_empty());
    /// ```
    pub fn len(&self) -> usize {
        self.hub.replay_len(&self.topic)
    }

    /// Whether no event is kept.
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// let replay = h3rs::sse::TopicReplay::new(&hub, "news", 10);
    /// hub.publish("news", "hello");
    /// assert!(!replay.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
