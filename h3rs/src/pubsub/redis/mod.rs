//! `RedisPubSub`: topics shared by every server instance through Redis (feature `redis`).

mod error;
mod health;
mod options;
mod outbox;
mod resume;
mod upstream;
mod wire;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::watch;

pub use error::ConnectError;
pub use options::RedisOptions;

use crate::pubsub::backend::{PubSub, Subscriber, SubscriberId};
use crate::pubsub::memory::MemoryPubSub;
use crate::pubsub::payload::Payload;
use crate::pubsub::replay::{Pattern, ReplayPolicy};
use health::Health;
use options::Names;
use outbox::{Outbox, Outgoing};
use resume::Resuming;
use wire::Incoming;

/// A pub/sub backend that spans server instances through Redis: give it to
/// [`H3::pubsub`](crate::H3::pubsub), and `peer.publish`, `app.publish` and
/// `event.hub().publish` reach the subscribers of every instance that shares the Redis.
///
/// ```no_run
/// use h3rs::pubsub::RedisPubSub;
///
/// # async fn demo() -> Result<(), h3rs::pubsub::ConnectError> {
/// let app = h3rs::H3::new().pubsub(RedisPubSub::connect("redis://127.0.0.1:6379").await?);
/// # let _ = app;
/// # Ok(())
/// # }
/// ```
///
/// How it works, and what it promises:
///
/// - **Local first.** Each instance keeps its own subscribers in memory (a
///   [`MemoryPubSub`]). A publish on a plain topic is delivered to them at once, exactly as
///   without Redis, and a copy goes to Redis in the background (`PUBLISH`, pipelined by
///   one task, so one publisher's messages keep their order). Each instance ignores its own
///   copies coming back, so nobody gets a message twice.
/// - **One Redis subscription per topic in use**, not per subscriber: the first local
///   subscriber of a topic subscribes this instance to the topic's channel, the last one
///   to leave unsubscribes it. A message from another instance is decoded once and fanned
///   out locally like a local publish.
/// - **Sender exclusion everywhere**: the sender's id travels with the message beside the
///   instance's id (random, 64 bits), so `peer.publish` skips its sender and only it.
/// - **Text stays text, binary stays binary**; an SSE event name (`Payload::with_event`)
///   travels too.
/// - **Replay across instances.** A topic under a [`ReplayPolicy`] (`hub.replay`,
///   [`TopicReplay`](crate::sse::TopicReplay)) keeps its log in a Redis Stream
///   (`XADD ... MAXLEN ~ n`, with the idle time as the key's expiry), appended and
///   published in one script, so the Stream's ids are the event ids on every instance and
///   every instance sees the topic in the Stream's order. Its messages are delivered when
///   Redis has given them their id (one round trip), to the publishing instance too: the
///   id is the Stream's, and so is the order. A client that resumes with `Last-Event-ID`
///   on any instance gets what it missed, in order, once, then the live messages.
/// - **Faults.** [`connect`](RedisPubSub::connect) fails with a clear [`ConnectError`]
///   when Redis cannot be reached. If the connection is lost while serving, the instance
///   logs one warning, keeps delivering to its own subscribers (a replayable topic's
///   messages then go out without an id and are not kept), reconnects with backoff (20 ms
///   doubling to 250 ms), resubscribes its topics, and logs once when it is back. Delivery
///   between instances is **at most once** during an outage: what is published meanwhile
///   does not reach the other instances (counted in [`lost`](RedisPubSub::lost)). A
///   subscriber never gets a message twice, and one publisher's messages arrive in order.
///
/// `publish` returns how many local subscribers it reached; on a replayable topic, an
/// estimate of how many will get it (its local subscribers, less the sender): it is
/// delivered after the round trip. `replay_len` is the Stream's length as this instance
/// last saw it (`MAXLEN ~` may keep a few more than the policy's number). A policy's idle
/// time becomes the Stream's expiry, renewed by each publish. One Redis server (or a
/// primary behind Sentinel) is supported, not Redis Cluster: the script touches a Stream
/// and a channel that Cluster would want in one slot.
///
/// Cloning gives another handle on the same backend: keep one to call
/// [`synced`](RedisPubSub::synced) or [`instance_id`](RedisPubSub::instance_id) after
/// handing a clone to the app.
#[derive(Clone)]
pub struct RedisPubSub {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    outbox: Outbox,
}

/// What the tasks share with the handles.
pub(crate) struct Shared {
    local: MemoryPubSub,
    instance: u64,
    names: Arc<Names>,
    health: Arc<Health>,
    commands: ConnectionManager,
    policies: RwLock<Vec<(Pattern, ReplayPolicy)>>,
    /// Whether `policies` has any: most apps have none, and their publishes skip the lock.
    replaying: AtomicBool,
    /// The topics that have local subscribers, and a generation bumped at every change.
    wanted: Mutex<Wanted>,
    wanted_changes: watch::Sender<u64>,
    /// The generation of `wanted` that the current connection has subscribed to; `None`
    /// while disconnected.
    synced: watch::Sender<Option<u64>>,
    /// The length of each replayable topic's Stream, as last seen.
    lengths: Mutex<HashMap<Box<str>, usize>>,
    closing: watch::Sender<bool>,
    runtime: tokio::runtime::Handle,
}

#[derive(Default)]
struct Wanted {
    topics: HashSet<Box<str>>,
    generation: u64,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last handle is gone: the tasks stop (the outbox's end, with `outbox`).
        self.shared.closing.send_replace(true);
    }
}

impl std::fmt::Debug for RedisPubSub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisPubSub")
            .field("instance", &format_args!("{:016x}", self.instance_id()))
            .field("connected", &self.is_connected())
            .finish_non_exhaustive()
    }
}

/// An id for this instance that no other instance has: 64 random bits.
fn instance_id() -> u64 {
    let mut hasher = std::hash::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos()),
    );
    hasher.finish()
}

/// Completes when the backend closes.
pub(crate) async fn closed(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|closing| *closing).await;
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RedisPubSub {
    /// Connects to the Redis at `url` (`redis://host:port/db`, `rediss://` for TLS if the
    /// `redis` crate was built with it) with the default [`RedisOptions`].
    ///
    /// # Errors
    ///
    /// When the URL is not a Redis URL or Redis cannot be reached (within 2 s).
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        Self::connect_with(url, RedisOptions::default()).await
    }

    /// Connects to the Redis at `url` with `options`.
    ///
    /// ```no_run
    /// use h3rs::pubsub::{RedisOptions, RedisPubSub};
    /// # async fn demo() -> Result<(), h3rs::pubsub::ConnectError> {
    /// let backend =
    ///     RedisPubSub::connect_with("redis://127.0.0.1:6379", RedisOptions::default().prefix("shop:"))
    ///         .await?;
    /// # let _ = backend;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// When the URL is not a Redis URL or Redis cannot be reached (within 2 s).
    pub async fn connect_with(url: &str, options: RedisOptions) -> Result<Self, ConnectError> {
        let failed = |error| ConnectError::new(url, error);
        let client = redis::Client::open(url).map_err(failed)?;
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(options.max_backoff)
            .set_connection_timeout(Some(upstream::CONNECT_TIMEOUT))
            .set_response_timeout(Some(Duration::from_secs(5)));
        let commands = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(failed)?;
        let pubsub = tokio::time::timeout(upstream::CONNECT_TIMEOUT, client.get_async_pubsub())
            .await
            .map_err(|_| {
                failed(redis::RedisError::from(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "timed out opening the subscriber connection",
                )))
            })?
            .map_err(failed)?;
        let runtime = tokio::runtime::Handle::current();
        let instance = instance_id();
        let names = Arc::new(Names::new(&options.prefix));
        let health = Arc::new(Health::new());
        let shared = Arc::new(Shared {
            local: MemoryPubSub::new(),
            instance,
            names: names.clone(),
            health: health.clone(),
            commands: commands.clone(),
            policies: RwLock::new(Vec::new()),
            replaying: AtomicBool::new(false),
            wanted: Mutex::new(Wanted::default()),
            wanted_changes: watch::Sender::new(0),
            synced: watch::Sender::new(None),
            lengths: Mutex::new(HashMap::new()),
            closing: watch::Sender::new(false),
            runtime: runtime.clone(),
        });
        runtime.spawn(upstream::run(
            shared.clone(),
            client,
            pubsub,
            options.max_backoff,
        ));
        let outbox = Outbox::start(
            options.outbox_capacity,
            instance,
            names,
            commands,
            health,
            &runtime,
        );
        Ok(RedisPubSub {
            inner: Arc::new(Inner { shared, outbox }),
        })
    }

    /// This instance's id, random and unique across instances: it travels with every
    /// message, so that an instance knows its own copies and a sender is skipped on every
    /// instance. Handy to make peer names unique across instances (`examples/chat-cluster.rs`).
    pub fn instance_id(&self) -> u64 {
        self.inner.shared.instance
    }

    /// Whether the connection to Redis works now.
    pub fn is_connected(&self) -> bool {
        self.inner.shared.health.is_up()
    }

    /// How many messages for other instances were not sent: published during an outage, or
    /// beyond [`RedisOptions::outbox_capacity`].
    pub fn lost(&self) -> u64 {
        self.inner.shared.health.lost()
    }

    /// How many times the connection was lost.
    pub fn outages(&self) -> u64 {
        self.inner.shared.health.outages()
    }

    /// Completes once every topic subscribed here so far is subscribed in Redis too (and
    /// those left are unsubscribed): from then on, what other instances publish to them
    /// arrives here. A subscriber always starts receiving local publishes at once; this
    /// is for tests, and for an app that wants to know before it announces itself.
    pub fn synced(&self) -> impl Future<Output = ()> + Send + 'static {
        let shared = &self.inner.shared;
        let target = lock(&shared.wanted).generation;
        let mut synced = shared.synced.subscribe();
        async move {
            let _ = synced
                .wait_for(|at| at.is_some_and(|at| at >= target))
                .await;
        }
    }
}

impl Shared {
    fn policy_for(&self, topic: &str) -> Option<ReplayPolicy> {
        if !self.replaying.load(Ordering::Acquire) {
            return None;
        }
        self.policies
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|(pattern, _)| pattern.matches(topic))
            .max_by_key(|(pattern, _)| pattern.specificity())
            .map(|(_, policy)| *policy)
    }

    /// The topics in use, and the generation they are.
    fn wanted_topics(&self) -> (HashSet<Box<str>>, u64) {
        let wanted = lock(&self.wanted);
        (wanted.topics.clone(), wanted.generation)
    }

    fn changed(&self, wanted: &mut Wanted) {
        wanted.generation += 1;
        self.wanted_changes.send_replace(wanted.generation);
    }

    /// A message from the subscriber connection.
    fn receive(&self, message: &redis::Msg) {
        let Some(topic) = self.names.topic(message.get_channel_name()) else {
            return;
        };
        match wire::decode_channel(message.get_payload_bytes()) {
            None => {
                tracing::debug!(
                    topic,
                    "a message that h3rs did not send, on its channel: skipped"
                );
            }
            Some(Incoming::Plain(message)) => {
                // This instance delivered its own publishes already.
                if message.instance != self.instance {
                    self.local.publish(topic, message.payload, None);
                }
            }
            Some(Incoming::Stream { id, len, message }) => {
                lock(&self.lengths).insert(topic.into(), len);
                // A replayable topic is delivered from here on every instance, the sender's
                // too: the sender is skipped only where it lives.
                let origin = (message.instance == self.instance)
                    .then_some(message.origin)
                    .flatten()
                    .map(SubscriberId::from_raw);
                self.local
                    .publish(topic, message.payload.with_id(id), origin);
            }
        }
    }
}

impl PubSub for RedisPubSub {
    fn publish(&self, topic: &str, payload: Payload, origin: Option<SubscriberId>) -> usize {
        let shared = &*self.inner.shared;
        let replay = shared.policy_for(topic);
        let reached = match replay {
            Some(_) if shared.health.is_up() => {
                let here = shared.local.subscriber_count(topic);
                here.saturating_sub(usize::from(origin.is_some() && here > 0))
            }
            // A replayable topic without Redis: here at once, without an id, not kept.
            Some(_) => return shared.local.publish(topic, payload, origin),
            None => shared.local.publish(topic, payload.clone(), origin),
        };
        self.inner.outbox.send(Outgoing {
            topic: topic.into(),
            payload,
            origin,
            replay,
        });
        reached
    }

    fn subscribe(
        &self,
        topic: &str,
        id: SubscriberId,
        subscriber: Arc<dyn Subscriber>,
        after: Option<&str>,
    ) -> bool {
        let shared = &self.inner.shared;
        let resume = after.and_then(|after| Some((after, shared.policy_for(topic)?)));
        let (subscriber, resuming) = match resume {
            Some((_, policy)) => {
                let resuming = Arc::new(Resuming::new(subscriber, policy.capacity.max(1024)));
                (resuming.clone() as Arc<dyn Subscriber>, Some(resuming))
            }
            None => (subscriber, None),
        };
        let generation = {
            let mut wanted = lock(&shared.wanted);
            if !shared.local.subscribe(topic, id, subscriber, None) {
                return false;
            }
            if wanted.topics.insert(topic.into()) {
                shared.changed(&mut wanted);
            }
            wanted.generation
        };
        if let (Some((after, policy)), Some(resuming)) = (resume, resuming) {
            shared.runtime.spawn(resume::catch_up(
                shared.clone(),
                topic.to_owned(),
                Arc::downgrade(&resuming),
                after.to_owned(),
                policy.capacity,
                generation,
            ));
        }
        true
    }

    fn unsubscribe(&self, topic: &str, id: SubscriberId) {
        let shared = &self.inner.shared;
        let mut wanted = lock(&shared.wanted);
        shared.local.unsubscribe(topic, id);
        if shared.local.subscriber_count(topic) == 0 && wanted.topics.remove(topic) {
            shared.changed(&mut wanted);
        }
    }

    fn subscriber_count(&self, topic: &str) -> usize {
        self.inner.shared.local.subscriber_count(topic)
    }

    fn topic_count(&self) -> usize {
        self.inner.shared.local.topic_count()
    }

    fn replay(&self, pattern: &str, policy: ReplayPolicy) {
        let shared = &self.inner.shared;
        let pattern = Pattern::new(pattern);
        let mut policies = shared
            .policies
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        policies.retain(|(known, _)| *known != pattern);
        policies.push((pattern, policy));
        shared.replaying.store(true, Ordering::Release);
    }

    fn replay_len(&self, topic: &str) -> usize {
        lock(&self.inner.shared.lengths)
            .get(topic)
            .copied()
            .unwrap_or(0)
    }

    fn hand_over(&self, target: &dyn PubSub) {
        let shared = &self.inner.shared;
        let policies = std::mem::take(
            &mut *shared
                .policies
                .write()
                .unwrap_or_else(PoisonError::into_inner),
        );
        shared.replaying.store(false, Ordering::Release);
        for (pattern, policy) in policies {
            target.replay(pattern.as_str(), policy);
        }
        let mut wanted = lock(&shared.wanted);
        shared.local.hand_over(target);
        wanted.topics.clear();
        shared.changed(&mut wanted);
    }
}
