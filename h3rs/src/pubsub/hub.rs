//! `Hub`: topics and their subscribers, in memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::ws::{Message, Peer};

/// A process-unique subscriber id (WebSocket peers and SSE streams share the space).
///
/// ```
/// use h3rs::pubsub::SubscriberId;
/// use h3rs::ws::{Peer, WebSocket};
///
/// struct Lobby;
///
/// impl WebSocket for Lobby {
///     async fn open(&self, peer: &Peer) {
///         let id: SubscriberId = peer.id();
///         peer.publish("lobby", format!("{id} joined"));
///     }
/// }
/// ```
pub type SubscriberId = u64;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh subscriber id, for a hand-written [`Subscriber`]: ids must be
/// unique across WebSocket peers, SSE streams and subscriptions of the process.
///
/// ```
/// let a = h3rs::pubsub::next_subscriber_id();
/// assert_ne!(a, h3rs::pubsub::next_subscriber_id());
/// ```
pub fn next_subscriber_id() -> SubscriberId {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Something that receives published messages: a WebSocket peer's queue, an
/// SSE stream. Delivery must not block or await: it enqueues and returns.
///
/// [`Hub::subscription`] covers most needs; implement this trait to act on
/// each message as it is published, in the publisher's task:
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use h3rs::pubsub::{Hub, Subscriber, SubscriberId};
/// use h3rs::ws::Message;
///
/// #[derive(Default)]
/// struct Meter {
///     bytes: AtomicUsize,
/// }
///
/// impl Subscriber for Meter {
///     fn id(&self) -> SubscriberId {
///         // Far from the ids h3rs hands out, which count up from 1.
///         u64::MAX
///     }
///     fn deliver(&self, message: &Message) {
///         self.bytes.fetch_add(message.len(), Ordering::Relaxed);
///     }
/// }
///
/// let hub = Hub::new();
/// let meter = Arc::new(Meter::default());
/// hub.subscribe("news", meter.clone());
/// hub.publish("news", "hello");
/// assert_eq!(meter.bytes.load(Ordering::Relaxed), 5);
/// ```
pub trait Subscriber: Send + Sync + 'static {
    /// The subscriber's id, used to skip the sender of a publish.
    ///
    /// ```
    /// use h3rs::pubsub::{Hub, Subscriber, SubscriberId};
    /// use h3rs::ws::Message;
    /// use std::sync::Arc;
    ///
    /// struct Log(SubscriberId);
    ///
    /// impl Subscriber for Log {
    ///     fn id(&self) -> SubscriberId {
    ///         self.0
    ///     }
    ///     fn deliver(&self, message: &Message) {
    ///         println!("{message}");
    ///     }
    /// }
    ///
    /// let hub = Hub::new();
    /// // The hub tells subscribers apart by id: the same id subscribes once.
    /// hub.subscribe("news", Arc::new(Log(u64::MAX)));
    /// hub.subscribe("news", Arc::new(Log(u64::MAX)));
    /// assert_eq!(hub.subscriber_count("news"), 1);
    /// ```
    fn id(&self) -> SubscriberId;
    /// Enqueues `message`; a full queue is the subscriber's policy to handle.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use h3rs::pubsub::{Hub, Subscriber, SubscriberId};
    /// use h3rs::ws::Message;
    ///
    /// // Keeps the last message only: a late reader wants the current value.
    /// #[derive(Default)]
    /// struct Latest(Mutex<Option<Message>>);
    ///
    /// impl Subscriber for Latest {
    ///     fn id(&self) -> SubscriberId {
    ///         u64::MAX
    ///     }
    ///     fn deliver(&self, message: &Message) {
    ///         *self.0.lock().unwrap() = Some(message.clone());
    ///     }
    /// }
    ///
    /// let hub = Hub::new();
    /// let latest = Arc::new(Latest::default());
    /// hub.subscribe("temperature", latest.clone());
    /// hub.publish("temperature", "20.5");
    /// hub.publish("temperature", "21.0");
    /// assert_eq!(latest.0.lock().unwrap().as_ref().unwrap().text(), "21.0");
    /// ```
    fn deliver(&self, message: &Message);
}

type Snapshot = Arc<[Arc<dyn Subscriber>]>;

/// The app's topics. Cheap to clone; every clone is the same hub.
///
/// Publishing reads an immutable snapshot of the topic's subscribers, so no
/// lock is held while messages are enqueued and publishes never wait on each
/// other; subscribing rebuilds the snapshot (copy on write), which is the
/// rarer operation.
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
#[derive(Clone, Default)]
pub struct Hub {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    topics: RwLock<HashMap<Arc<str>, Snapshot>>,
    peers: RwLock<HashMap<SubscriberId, Peer>>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("topics", &self.topic_count())
            .field("peers", &self.peer_count())
            .finish()
    }
}

impl Hub {
    /// A new, empty hub (each app has its own: [`H3::hub`](crate::H3::hub)).
    ///
    /// ```
    /// // A hub of its own, for a background service that is not an app.
    /// let hub = h3rs::pubsub::Hub::new();
    /// assert_eq!(hub.topic_count(), 0);
    /// ```
    pub fn new() -> Self {
        Hub::default()
    }

    /// Delivers `message` to every subscriber of `topic`; returns how many it reached.
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// assert_eq!(hub.publish("nobody-listens", "hello"), 0);
    /// ```
    pub fn publish(&self, topic: &str, message: impl Into<Message>) -> usize {
        self.publish_from(None, topic, message.into())
    }

    /// Delivers to every subscriber of `topic` except `sender`.
    pub(crate) fn publish_from(
        &self,
        sender: Option<SubscriberId>,
        topic: &str,
        message: Message,
    ) -> usize {
        let Some(subscribers) = self.snapshot(topic) else {
            return 0;
        };
        let mut reached = 0;
        for subscriber in subscribers.iter() {
            if Some(subscriber.id()) != sender {
                subscriber.deliver(&message);
                reached += 1;
            }
        }
        reached
    }

    fn snapshot(&self, topic: &str) -> Option<Snapshot> {
        let topics = self.inner.topics.read().unwrap_or_else(|e| e.into_inner());
        topics.get(topic).cloned()
    }

    /// Adds `subscriber` to `topic` (no-op when it is already there).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use h3rs::pubsub::{Hub, Subscriber, SubscriberId};
    /// use h3rs::ws::Message;
    ///
    /// struct Quiet(SubscriberId);
    /// impl Subscriber for Quiet {
    ///     fn id(&self) -> SubscriberId { self.0 }
    ///     fn deliver(&self, _: &Message) {}
    /// }
    ///
    /// let hub = Hub::new();
    /// hub.subscribe("news", Arc::new(Quiet(u64::MAX)));
    /// assert_eq!(hub.publish("news", "hello"), 1);
    /// ```
    pub fn subscribe(&self, topic: &str, subscriber: Arc<dyn Subscriber>) {
        let mut topics = self.inner.topics.write().unwrap_or_else(|e| e.into_inner());
        let id = subscriber.id();
        match topics.get_mut(topic) {
            Some(current) => {
                if current.iter().any(|s| s.id() == id) {
                    return;
                }
                let mut next = Vec::with_capacity(current.len() + 1);
                next.extend(current.iter().cloned());
                next.push(subscriber);
                *current = next.into();
            }
            None => {
                topics.insert(Arc::from(topic), Arc::from([subscriber]));
            }
        }
    }

    /// Removes subscriber `id` from `topic`; an emptied topic is forgotten.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use h3rs::pubsub::{Hub, Subscriber, SubscriberId};
    /// use h3rs::ws::Message;
    ///
    /// struct Quiet(SubscriberId);
    /// impl Subscriber for Quiet {
    ///     fn id(&self) -> SubscriberId { self.0 }
    ///     fn deliver(&self, _: &Message) {}
    /// }
    ///
    /// let hub = Hub::new();
    /// hub.subscribe("news", Arc::new(Quiet(u64::MAX)));
    /// hub.unsubscribe("news", u64::MAX);
    /// assert_eq!(hub.publish("news", "hello"), 0);
    /// assert_eq!(hub.topic_count(), 0);
    /// ```
    pub fn unsubscribe(&self, topic: &str, id: SubscriberId) {
        let mut topics = self.inner.topics.write().unwrap_or_else(|e| e.into_inner());
        let Some(current) = topics.get_mut(topic) else {
            return;
        };
        if !current.iter().any(|s| s.id() == id) {
            return;
        }
        let next: Vec<_> = current.iter().filter(|s| s.id() != id).cloned().collect();
        if next.is_empty() {
            topics.remove(topic);
        } else {
            *current = next.into();
        }
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
        self.snapshot(topic).map_or(0, |s| s.len())
    }

    /// How many topics have at least one subscriber.
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// let _a = hub.subscription("room:1", 8);
    /// let _b = hub.subscription("room:2", 8);
    /// let _c = hub.subscription("room:2", 8);
    /// assert_eq!(hub.topic_count(), 2);
    /// ```
    pub fn topic_count(&self) -> usize {
        self.inner
            .topics
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// The WebSocket peers connected to this app, in no particular order.
    ///
    /// ```
    /// let app = h3rs::H3::new();
    /// // Before a deploy: ask every connected client to come back later.
    /// for peer in app.hub().peers() {
    ///     peer.close(1012, "Service restart");
    /// }
    /// assert!(app.hub().peers().is_empty());
    /// ```
    pub fn peers(&self) -> Vec<Peer> {
        let peers = self.inner.peers.read().unwrap_or_else(|e| e.into_inner());
        peers.values().cloned().collect()
    }

    /// How many WebSocket peers are connected.
    ///
    /// ```
    /// use h3rs::{H3, H3Event};
    /// let app = H3::new();
    /// let hub = app.hub().clone();
    /// let app = app.get("/online", move |_: H3Event| {
    ///     let online = hub.peer_count();
    ///     async move { online.to_string() }
    /// });
    /// # let _ = app;
    /// ```
    pub fn peer_count(&self) -> usize {
        self.inner
            .peers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    pub(crate) fn add_peer(&self, peer: Peer) {
        let mut peers = self.inner.peers.write().unwrap_or_else(|e| e.into_inner());
        peers.insert(peer.subscriber_id(), peer);
    }

    pub(crate) fn remove_peer(&self, id: SubscriberId) {
        let mut peers = self.inner.peers.write().unwrap_or_else(|e| e.into_inner());
        peers.remove(&id);
    }
}
