//! `Hub`: topics and their subscribers, in memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::ws::{Message, Peer};

/// A process-unique subscriber id (WebSocket peers and SSE streams share the space).
pub type SubscriberId = u64;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) fn next_subscriber_id() -> SubscriberId {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Something that receives published messages: a WebSocket peer's queue, an
/// SSE stream. Delivery must not block or await: it enqueues and returns.
pub trait Subscriber: Send + Sync + 'static {
    /// The subscriber's id, used to skip the sender of a publish.
    fn id(&self) -> SubscriberId;
    /// Enqueues `message`; a full queue is the subscriber's policy to handle.
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
    pub fn subscriber_count(&self, topic: &str) -> usize {
        self.snapshot(topic).map_or(0, |s| s.len())
    }

    /// How many topics have at least one subscriber.
    pub fn topic_count(&self) -> usize {
        self.inner
            .topics
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// The WebSocket peers connected to this app, in no particular order.
    pub fn peers(&self) -> Vec<Peer> {
        let peers = self.inner.peers.read().unwrap_or_else(|e| e.into_inner());
        peers.values().cloned().collect()
    }

    /// How many WebSocket peers are connected.
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
