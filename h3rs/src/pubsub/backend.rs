//! The `PubSub` backend trait, and what it delivers to: `Subscriber`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::pubsub::payload::Payload;
use crate::pubsub::replay::ReplayPolicy;

/// A subscriber's id, handed out by [`Hub::subscriber_id`](crate::pubsub::Hub::subscriber_id)
/// and unique in the process: there is no other way to make one, so two subscribers cannot
/// share an id. One id may follow many topics (a WebSocket peer does), which is how a
/// publish skips its sender on every topic.
///
/// ```
/// let hub = h3rs::pubsub::Hub::new();
/// assert_ne!(hub.subscriber_id(), hub.subscriber_id());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriberId(u64);

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl SubscriberId {
    pub(crate) fn next() -> Self {
        SubscriberId(NEXT_ID.fetch_add(1, Ordering::Relaxed))
    }

    /// The id that [`get`](SubscriberId::get) gave in this process: a backend that sent it
    /// elsewhere and received it back (the Redis backend's sender exclusion).
    #[cfg(feature = "redis")]
    pub(crate) fn from_raw(id: u64) -> Self {
        SubscriberId(id)
    }

    /// The id as a number (what a WebSocket peer's `id()` and `Display` show).
    ///
    /// ```
    /// let id = h3rs::pubsub::Hub::new().subscriber_id();
    /// assert_eq!(id.to_string(), id.get().to_string());
    /// ```
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for SubscriberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for SubscriberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubscriberId({})", self.0)
    }
}

/// What a subscriber did with one payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Taken (queued): the publish counts it as reached.
    Accepted,
    /// Not taken: not for this subscriber (a binary payload to an event stream), the
    /// subscriber is closing, or its policy dropped it.
    Skipped,
    /// Not taken, and the subscriber's queue overflowed under [`Overflow::Close`]: the
    /// backend calls [`Subscriber::overflowed`] once it holds no lock.
    ///
    /// [`Overflow::Close`]: crate::pubsub::Overflow::Close
    Overflowed,
}

/// Something that receives published payloads: a WebSocket peer, an event stream, a
/// [`Subscription`](crate::pubsub::Subscription), or your own.
///
/// `deliver` runs in the publisher's task, possibly while the backend holds a topic's lock
/// (topics with a replay log deliver in order under it): it must return at once, without
/// awaiting, blocking, or calling the hub. Enqueue and return; anything more belongs in
/// [`overflowed`](Subscriber::overflowed) or in the subscriber's own task.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use h3rs::pubsub::{Delivery, Hub, Payload, Subscriber};
///
/// #[derive(Default)]
/// struct Meter {
///     bytes: AtomicUsize,
/// }
///
/// impl Subscriber for Meter {
///     fn deliver(&self, payload: &Payload) -> Delivery {
///         self.bytes.fetch_add(payload.len(), Ordering::Relaxed);
///         Delivery::Accepted
///     }
/// }
///
/// let hub = Hub::new();
/// let meter = Arc::new(Meter::default());
/// let guard = hub.subscribe("news", meter.clone());
/// assert_eq!(hub.publish("news", "hello"), 1);
/// assert_eq!(meter.bytes.load(Ordering::Relaxed), 5);
/// drop(guard); // unsubscribes
/// assert_eq!(hub.publish("news", "hello"), 0);
/// ```
pub trait Subscriber: Send + Sync + 'static {
    /// Takes `payload` (see the trait's rules).
    fn deliver(&self, payload: &Payload) -> Delivery;

    /// Called after `deliver` answered [`Delivery::Overflowed`], outside every lock of the
    /// backend: close, unsubscribe, run callbacks here.
    fn overflowed(&self) {}
}

/// A pub/sub backend: where the [`Hub`](crate::pubsub::Hub) keeps topics and subscribers.
///
/// [`MemoryPubSub`](crate::pubsub::MemoryPubSub), the default, keeps them in the process. A
/// backend that spans server instances keeps its local subscribers the same way (it can
/// wrap a `MemoryPubSub` for them) and relays publishes to and from the other instances:
///
/// - `publish` delivers to local subscribers at once and returns how many it reached;
///   copies for other instances go out in the background, never awaited by the publisher.
///   The `origin` travels with them, so that the sender is skipped everywhere.
/// - `subscribe` and `unsubscribe` tell the backend when a topic is first and last used
///   locally: the moment to join and leave the topic upstream (one upstream subscription
///   per topic, not per subscriber).
/// - a topic under a [`ReplayPolicy`] keeps a log; the backend gives each payload its id
///   ([`Payload::with_id`]) and, on `subscribe` with `after`, sends the subscriber what it
///   kept after that id, then the live payloads, each once, in order.
///
/// The trait is synchronous so that the in-memory hot path pays for no future. A backend
/// that talks to a network does that in tasks of its own: `RedisPubSub` (feature `redis`)
/// spawns them on the runtime it was connected on, delivers locally before returning, and
/// runs a resuming subscriber's catch-up in the background while it buffers live payloads.
pub trait PubSub: Send + Sync + 'static {
    /// Delivers `payload` to every subscriber of `topic` but `origin`; returns how many
    /// local subscribers accepted it. A replay log is not a subscriber and is not counted.
    fn publish(&self, topic: &str, payload: Payload, origin: Option<SubscriberId>) -> usize;

    /// Adds `subscriber` to `topic` under `id`; false (and nothing delivered) if `id` is
    /// there already. With `after` (a client's last seen id), the payloads the topic's log
    /// kept after it are delivered first, in order, then the live ones, without a gap or a
    /// repeat; an id the log does not know delivers everything kept.
    fn subscribe(
        &self,
        topic: &str,
        id: SubscriberId,
        subscriber: Arc<dyn Subscriber>,
        after: Option<&str>,
    ) -> bool;

    /// Removes subscriber `id` from `topic`.
    fn unsubscribe(&self, topic: &str, id: SubscriberId);

    /// How many subscribers `topic` has here.
    fn subscriber_count(&self, topic: &str) -> usize;

    /// How many topics have at least one subscriber here.
    fn topic_count(&self) -> usize;

    /// Keeps a replay log for the topics that `pattern` matches (see [`ReplayPolicy`]).
    fn replay(&self, pattern: &str, policy: ReplayPolicy);

    /// How many payloads the log of `topic` keeps now (0 without a log).
    fn replay_len(&self, topic: &str) -> usize;

    /// Moves every subscription and replay policy of this backend into `target`, leaving
    /// this one empty: how a mounted app's hub becomes its parent's.
    fn hand_over(&self, target: &dyn PubSub);
}
