//! `Hub`: the app's topics, in front of a `PubSub` backend.

use std::sync::{Arc, OnceLock};

use crate::pubsub::backend::{PubSub, Subscriber, SubscriberId};
use crate::pubsub::memory::MemoryPubSub;
use crate::pubsub::payload::Payload;
use crate::pubsub::replay::ReplayPolicy;

/// The app's topics. Cheap to clone; every clone is the same hub.
///
/// Publishing reaches every subscriber of a topic: WebSocket peers, event streams,
/// [`Subscription`](crate::pubsub::Subscription)s, your own [`Subscriber`]s. The hub hands
/// out subscriber ids and returns a [`SubscriptionGuard`] for each subscription, whose drop
/// unsubscribes. Where topics live is the backend's business ([`PubSub`]): in memory by
/// default.
///
/// ```
/// # async fn demo() {
/// let app = h3rs::H3::new();
/// let hub = app.hub().clone();
/// tokio::spawn(async move {
///     hub.publish("news", "extra! extra!");
/// });
/// # }
/// ```
#[derive(Clone)]
pub struct Hub {
    cell: Arc<Cell>,
}

struct Cell {
    backend: Arc<dyn PubSub>,
    /// Set when this hub was absorbed by another: every clone then acts as that one.
    absorbed_by: OnceLock<Hub>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("topics", &self.topic_count())
            .finish_non_exhaustive()
    }
}

impl Hub {
    /// A new, empty hub in memory (each app has its own: [`H3::hub`](crate::H3::hub)).
    ///
    /// ```
    /// // A hub of its own, for a background service that is not an app.
    /// let hub = h3rs::pubsub::Hub::new();
    /// assert_eq!(hub.topic_count(), 0);
    /// ```
    pub fn new() -> Self {
        Hub::with_backend(MemoryPubSub::new())
    }

    /// A hub over `backend`.
    pub fn with_backend(backend: impl PubSub) -> Self {
        Hub {
            cell: Arc::new(Cell {
                backend: Arc::new(backend),
                absorbed_by: OnceLock::new(),
            }),
        }
    }

    /// The hub this one stands for: itself, unless it was absorbed.
    fn current(&self) -> &Hub {
        let mut hub = self;
        while let Some(next) = hub.cell.absorbed_by.get() {
            hub = next;
        }
        hub
    }

    fn backend(&self) -> &dyn PubSub {
        &*self.current().cell.backend
    }

    /// Delivers `payload` to every subscriber of `topic`; returns how many it reached
    /// (peers, streams and subscriptions; a replay log does not count).
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// assert_eq!(hub.publish("nobody-listens", "hello"), 0);
    /// ```
    pub fn publish(&self, topic: &str, payload: impl Into<Payload>) -> usize {
        self.backend().publish(topic, payload.into(), None)
    }

    /// Delivers `payload` to every subscriber of `topic` except `origin`, as
    /// [`Peer::publish`](crate::ws::Peer::publish) does for its peer.
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// let me = hub.subscriber_id();
    /// let mut mine = hub.subscription("chat", 8);
    /// assert_eq!(hub.publish_from(me, "chat", "hi"), 1);
    /// # drop(mine);
    /// ```
    pub fn publish_from(
        &self,
        origin: SubscriberId,
        topic: &str,
        payload: impl Into<Payload>,
    ) -> usize {
        self.backend().publish(topic, payload.into(), Some(origin))
    }

    /// A fresh subscriber id, for a subscriber that follows several topics under one id
    /// (so that [`publish_from`](Hub::publish_from) skips it on all of them).
    pub fn subscriber_id(&self) -> SubscriberId {
        SubscriberId::next()
    }

    /// Subscribes `subscriber` to `topic` under a fresh id, until the guard is dropped.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use h3rs::pubsub::{Delivery, Hub, Payload, Subscriber};
    ///
    /// struct Quiet;
    /// impl Subscriber for Quiet {
    ///     fn deliver(&self, _: &Payload) -> Delivery {
    ///         Delivery::Accepted
    ///     }
    /// }
    ///
    /// let hub = Hub::new();
    /// let guard = hub.subscribe("news", Arc::new(Quiet));
    /// assert_eq!(hub.subscriber_count("news"), 1);
    /// drop(guard);
    /// assert_eq!(hub.subscriber_count("news"), 0);
    /// ```
    pub fn subscribe(&self, topic: &str, subscriber: Arc<dyn Subscriber>) -> SubscriptionGuard {
        let id = self.subscriber_id();
        self.subscribe_as(id, topic, subscriber, None)
            .expect("a fresh id is never subscribed")
    }

    /// Subscribes `subscriber` to `topic` under `id`; `None` if `id` follows `topic`
    /// already. With `after` (a client's last seen id, e.g. its `Last-Event-ID`), the
    /// payloads the topic's replay log kept after it come first, in order, then the live
    /// ones, each once.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use h3rs::pubsub::{Delivery, Hub, Payload, ReplayPolicy, Subscriber};
    ///
    /// #[derive(Default)]
    /// struct Log(Mutex<Vec<Payload>>);
    /// impl Subscriber for Log {
    ///     fn deliver(&self, payload: &Payload) -> Delivery {
    ///         self.0.lock().unwrap().push(payload.clone());
    ///         Delivery::Accepted
    ///     }
    /// }
    ///
    /// let hub = Hub::new();
    /// hub.replay("news", ReplayPolicy::last(10));
    /// let log = Arc::new(Log::default());
    /// let first = hub.subscribe("news", log.clone());
    /// hub.publish("news", "one");
    /// drop(first);
    /// hub.publish("news", "two"); // missed while away
    ///
    /// // Back, after the last one seen: "two" comes from the log, then the live ones.
    /// let last = log.0.lock().unwrap()[0].id().unwrap().to_owned();
    /// let id = hub.subscriber_id();
    /// let _back = hub.subscribe_as(id, "news", log.clone(), Some(&last)).unwrap();
    /// hub.publish("news", "three");
    /// let texts: Vec<_> = log.0.lock().unwrap().iter().map(|p| p.text().into_owned()).collect();
    /// assert_eq!(texts, ["one", "two", "three"]);
    /// // One id follows a topic once.
    /// assert!(hub.subscribe_as(id, "news", log.clone(), None).is_none());
    /// ```
    pub fn subscribe_as(
        &self,
        id: SubscriberId,
        topic: &str,
        subscriber: Arc<dyn Subscriber>,
        after: Option<&str>,
    ) -> Option<SubscriptionGuard> {
        self.backend()
            .subscribe(topic, id, subscriber, after)
            .then(|| SubscriptionGuard {
                hub: self.clone(),
                topic: Arc::from(topic),
                id,
            })
    }

    pub(crate) fn unsubscribe(&self, topic: &str, id: SubscriberId) {
        self.backend().unsubscribe(topic, id);
    }

    /// Keeps a replay log for every topic that `pattern` matches: a name (`news`), or a
    /// prefix and `*` (`room:*`). See [`ReplayPolicy`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use h3rs::pubsub::ReplayPolicy;
    ///
    /// let hub = h3rs::pubsub::Hub::new();
    /// hub.replay("room:*", ReplayPolicy::last(100).evict_after(Duration::from_secs(300)));
    /// ```
    pub fn replay(&self, pattern: &str, policy: ReplayPolicy) {
        self.backend().replay(pattern, policy);
    }

    /// How many payloads the replay log of `topic` keeps now (0 without a log).
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// hub.replay("news", h3rs::pubsub::ReplayPolicy::last(10));
    /// hub.publish("news", "kept, though nobody listens");
    /// assert_eq!(hub.replay_len("news"), 1);
    /// ```
    pub fn replay_len(&self, topic: &str) -> usize {
        self.backend().replay_len(topic)
    }

    /// How many subscribers `topic` has.
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// let _a = hub.subscription("room:1", 8);
    /// let _b = hub.subscription("room:1", 8);
    /// // Skip rendering an update that nobody would receive.
    /// assert_eq!(hub.subscriber_count("room:1"), 2);
    /// assert_eq!(hub.subscriber_count("room:2"), 0);
    /// ```
    pub fn subscriber_count(&self, topic: &str) -> usize {
        self.backend().subscriber_count(topic)
    }

    /// How many topics have at least one subscriber.
    pub fn topic_count(&self) -> usize {
        self.backend().topic_count()
    }

    /// Makes `other` and every clone of it act as this hub: its subscriptions and replay
    /// policies move here, and whatever uses it afterwards uses this hub. This is how a
    /// mounted app ends up with its parent's hub, one per served app. Payloads that
    /// `other`'s replay logs kept are not moved (mounting happens before serving).
    pub(crate) fn absorb(&self, other: &Hub) {
        let this = self.current().clone();
        loop {
            let from = other.current();
            if Arc::ptr_eq(&from.cell, &this.cell) {
                return;
            }
            if from.cell.absorbed_by.set(this.clone()).is_ok() {
                // New calls through `other` land here from now on; then what it held moves.
                from.cell.backend.hand_over(&*this.cell.backend);
                return;
            }
        }
    }

    /// Whether the two are the same hub (clones, or one absorbed by the other).
    #[cfg(test)]
    pub(crate) fn same(&self, other: &Hub) -> bool {
        Arc::ptr_eq(&self.current().cell, &other.current().cell)
    }
}

/// One subscription of the hub: dropping it unsubscribes.
///
/// ```
/// use std::sync::Arc;
/// use h3rs::pubsub::{Delivery, Hub, Payload, Subscriber};
///
/// struct Quiet;
/// impl Subscriber for Quiet {
///     fn deliver(&self, _: &Payload) -> Delivery {
///         Delivery::Accepted
///     }
/// }
///
/// let hub = Hub::new();
/// let guard = hub.subscribe("news", Arc::new(Quiet));
/// assert_eq!(guard.topic(), "news");
/// drop(guard);
/// assert_eq!(hub.publish("news", "hello"), 0);
/// ```
#[must_use = "dropping the guard unsubscribes at once"]
pub struct SubscriptionGuard {
    hub: Hub,
    topic: Arc<str>,
    id: SubscriberId,
}

impl SubscriptionGuard {
    /// The topic followed.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The subscriber's id.
    pub fn id(&self) -> SubscriberId {
        self.id
    }
}

impl Drop for SubscriptionGuard {
    fn drop(&mut self) {
        self.hub.unsubscribe(&self.topic, self.id);
    }
}

impl std::fmt::Debug for SubscriptionGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubscriptionGuard")
            .field("topic", &self.topic)
            .field("id", &self.id)
            .finish()
    }
}
