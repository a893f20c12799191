//! `MemoryPubSub`: the in-process backend, the default of every hub.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use crate::pubsub::backend::{Delivery, PubSub, Subscriber, SubscriberId};
use crate::pubsub::payload::Payload;
use crate::pubsub::replay::{Log, Pattern, ReplayPolicy};

/// Topics and subscribers in the memory of this process: the backend of
/// [`Hub::new`](crate::pubsub::Hub::new).
///
/// A publish reads an immutable snapshot of the topic's subscribers, so no lock is held
/// while it delivers and publishes never wait on each other; subscribing rebuilds the
/// snapshot (copy on write), the rarer operation. Topics with a replay log are the
/// exception: their publishes take the log's lock to number the payload and deliver it,
/// so that every subscriber sees the same order and a resuming one meets the live
/// payloads exactly where its catch-up ends.
///
/// ```
/// use h3rs::pubsub::{Hub, MemoryPubSub};
/// // The same as `Hub::new()`: a backend of your own would go here.
/// let hub = Hub::with_backend(MemoryPubSub::new());
/// assert_eq!(hub.publish("news", "hello"), 0);
/// ```
pub struct MemoryPubSub {
    state: Arc<State>,
}

struct State {
    topics: RwLock<HashMap<Arc<str>, Arc<Topic>>>,
    policies: RwLock<Vec<(Pattern, ReplayPolicy)>>,
    /// Tells this run's replay ids from another's.
    run: Box<str>,
    /// The origin of the idle clocks (tokio's, which tests can pause).
    epoch: Instant,
    last_sweep: AtomicU64,
    /// How often the sweeper task runs, in milliseconds, once there is one.
    sweep_every: Mutex<Option<u64>>,
}

/// One topic, replaced as a whole when its subscribers change.
struct Topic {
    subscribers: Arc<[Member]>,
    log: Option<Arc<LogCell>>,
}

#[derive(Clone)]
struct Member {
    id: SubscriberId,
    subscriber: Arc<dyn Subscriber>,
}

struct LogCell {
    state: Mutex<LogState>,
    idle: Option<Duration>,
    /// When the topic was last published to or left, in milliseconds since the epoch.
    touched: AtomicU64,
}

struct LogState {
    log: Log,
    /// Evicted or handed over: a publish or subscriber that still holds it starts again.
    removed: bool,
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

impl LogCell {
    fn lock(&self) -> MutexGuard<'_, LogState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_idle(&self, now: u64) -> bool {
        self.idle.is_some_and(|idle| {
            now.saturating_sub(self.touched.load(Ordering::Relaxed)) >= idle.as_millis() as u64
        })
    }
}

impl Default for MemoryPubSub {
    fn default() -> Self {
        MemoryPubSub::new()
    }
}

impl std::fmt::Debug for MemoryPubSub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryPubSub")
            .field("topics", &read(&self.state.topics).len())
            .finish_non_exhaustive()
    }
}

impl MemoryPubSub {
    /// An empty backend.
    pub fn new() -> Self {
        let run = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis());
        MemoryPubSub {
            state: Arc::new(State {
                topics: RwLock::new(HashMap::new()),
                policies: RwLock::new(Vec::new()),
                run: format!("{run:x}").into(),
                epoch: Instant::now(),
                last_sweep: AtomicU64::new(0),
                sweep_every: Mutex::new(None),
            }),
        }
    }
}

impl State {
    fn now(&self) -> u64 {
        Instant::now()
            .saturating_duration_since(self.epoch)
            .as_millis() as u64
    }

    fn get(&self, topic: &str) -> Option<Arc<Topic>> {
        read(&self.topics).get(topic).cloned()
    }

    fn policy_for(&self, topic: &str) -> Option<ReplayPolicy> {
        read(&self.policies)
            .iter()
            .filter(|(pattern, _)| pattern.matches(topic))
            .max_by_key(|(pattern, _)| pattern.specificity())
            .map(|(_, policy)| *policy)
    }

    fn new_log(&self, policy: &ReplayPolicy) -> Arc<LogCell> {
        Arc::new(LogCell {
            state: Mutex::new(LogState {
                log: Log::new(policy),
                removed: false,
            }),
            idle: policy.idle,
            touched: AtomicU64::new(self.now()),
        })
    }

    /// The topic, made now if it is new: with a log when a replay policy covers it, and
    /// only if it has a log or `plain` allows it.
    fn get_or_create(&self, topic: &str, plain: bool) -> Option<Arc<Topic>> {
        if let Some(current) = self.get(topic) {
            return Some(current);
        }
        let policy = self.policy_for(topic);
        if policy.is_none() && !plain {
            return None;
        }
        let made = {
            let mut topics = write(&self.topics);
            if let Some(current) = topics.get(topic) {
                return Some(current.clone());
            }
            let made = Arc::new(Topic {
                subscribers: Arc::from([]),
                log: policy.as_ref().map(|policy| self.new_log(policy)),
            });
            topics.insert(Arc::from(topic), made.clone());
            made
        };
        if let Some(idle) = policy.and_then(|p| p.idle) {
            // New rooms are what grows memory: making one is when to drop the idle ones,
            // in case no sweeper task runs (a hub used outside a runtime).
            let now = self.now();
            let last = self.last_sweep.load(Ordering::Relaxed);
            if now.saturating_sub(last) >= (idle.as_millis() as u64) / 2 {
                self.last_sweep.store(now, Ordering::Relaxed);
                self.sweep();
            }
        }
        Some(made)
    }

    /// Drops the logs that have been idle, with no subscriber, for their policy's time.
    fn sweep(&self) {
        let now = self.now();
        let candidates: Vec<(Arc<str>, Arc<LogCell>)> = read(&self.topics)
            .iter()
            .filter_map(|(name, topic)| {
                let log = topic.log.as_ref()?;
                (topic.subscribers.is_empty() && log.is_idle(now))
                    .then(|| (name.clone(), log.clone()))
            })
            .collect();
        for (name, cell) in candidates {
            // The log's lock first, then the map's: the order of publishes and resumes.
            let mut log = cell.lock();
            let mut topics = write(&self.topics);
            let still_idle = topics.get(&name).is_some_and(|topic| {
                topic.subscribers.is_empty()
                    && topic.log.as_ref().is_some_and(|l| Arc::ptr_eq(l, &cell))
                    && cell.is_idle(now)
            });
            if still_idle {
                topics.remove(&name);
                log.removed = true;
            }
        }
    }

    fn insert(&self, topic: &str, member: Member) -> Insert {
        let mut topics = write(&self.topics);
        let Some(current) = topics.get_mut(topic) else {
            return Insert::Gone;
        };
        if current.subscribers.iter().any(|m| m.id == member.id) {
            return Insert::Duplicate;
        }
        let mut next = Vec::with_capacity(current.subscribers.len() + 1);
        next.extend(current.subscribers.iter().cloned());
        next.push(member);
        *current = Arc::new(Topic {
            subscribers: next.into(),
            log: current.log.clone(),
        });
        Insert::Done
    }

    fn contains(&self, topic: &str, id: SubscriberId) -> bool {
        self.get(topic)
            .is_some_and(|t| t.subscribers.iter().any(|m| m.id == id))
    }
}

enum Insert {
    Done,
    Duplicate,
    /// The topic went away in between (emptied, evicted): start again.
    Gone,
}

/// Delivers to every member but `origin`; returns how many accepted. Members that
/// overflowed are told so at once when `overflowed` is `None` (no lock is held), or
/// collected to be told later.
fn fan_out(
    members: &[Member],
    payload: &Payload,
    origin: Option<SubscriberId>,
    mut overflowed: Option<&mut Vec<Arc<dyn Subscriber>>>,
) -> usize {
    let mut reached = 0;
    for member in members {
        if Some(member.id) == origin {
            continue;
        }
        match member.subscriber.deliver(payload) {
            Delivery::Accepted => reached += 1,
            Delivery::Skipped => {}
            Delivery::Overflowed => match overflowed.as_deref_mut() {
                Some(later) => later.push(member.subscriber.clone()),
                None => member.subscriber.overflowed(),
            },
        }
    }
    reached
}

impl PubSub for MemoryPubSub {
    fn publish(&self, topic: &str, payload: Payload, origin: Option<SubscriberId>) -> usize {
        let state = &*self.state;
        let Some(current) = state.get_or_create(topic, false) else {
            return 0;
        };
        let Some(cell) = current.log.clone() else {
            return fan_out(&current.subscribers, &payload, origin, None);
        };
        let mut overflowed = Vec::new();
        let reached = {
            let mut log = cell.lock();
            if log.removed {
                drop(log);
                return self.publish(topic, payload, origin);
            }
            let payload = log.log.record(&state.run, payload);
            cell.touched.store(state.now(), Ordering::Relaxed);
            // Read again under the log's lock: a subscriber that resumed while this publish
            // waited for it is in this snapshot, and has not had this payload.
            let members = state
                .get(topic)
                .map_or_else(|| Arc::from([]), |t| t.subscribers.clone());
            fan_out(&members, &payload, origin, Some(&mut overflowed))
        };
        for subscriber in overflowed {
            subscriber.overflowed();
        }
        reached
    }

    fn subscribe(
        &self,
        topic: &str,
        id: SubscriberId,
        subscriber: Arc<dyn Subscriber>,
        after: Option<&str>,
    ) -> bool {
        let state = &*self.state;
        loop {
            let current = state
                .get_or_create(topic, true)
                .expect("a plain topic is always made");
            let member = Member {
                id,
                subscriber: subscriber.clone(),
            };
            let Some(cell) = current.log.clone() else {
                match state.insert(topic, member) {
                    Insert::Done => return true,
                    Insert::Duplicate => return false,
                    Insert::Gone => continue,
                }
            };
            let log = cell.lock();
            if log.removed {
                continue;
            }
            if state.contains(topic, id) {
                return false;
            }
            let mut overflowed = false;
            if let Some(last) = after {
                for payload in log.log.after(&state.run, last) {
                    match subscriber.deliver(payload) {
                        Delivery::Overflowed => {
                            overflowed = true;
                            break;
                        }
                        Delivery::Accepted | Delivery::Skipped => {}
                    }
                }
            }
            if overflowed {
                // A catch-up larger than the subscriber's queue: it closes, and does not
                // become a member that would miss what it could not take.
                drop(log);
                subscriber.overflowed();
                return true;
            }
            // Under the log's lock: no publish can come between the catch-up and this.
            match state.insert(topic, member) {
                Insert::Done => {
                    cell.touched.store(state.now(), Ordering::Relaxed);
                    return true;
                }
                Insert::Duplicate => return false,
                Insert::Gone => continue,
            }
        }
    }

    fn unsubscribe(&self, topic: &str, id: SubscriberId) {
        let state = &*self.state;
        let mut topics = write(&state.topics);
        let Some(current) = topics.get_mut(topic) else {
            return;
        };
        if !current.subscribers.iter().any(|m| m.id == id) {
            return;
        }
        let rest: Vec<Member> = current
            .subscribers
            .iter()
            .filter(|m| m.id != id)
            .cloned()
            .collect();
        match &current.log {
            None if rest.is_empty() => {
                topics.remove(topic);
            }
            log => {
                if let Some(log) = log {
                    // Idle from now: a client that just left may come back to resume.
                    log.touched.store(state.now(), Ordering::Relaxed);
                }
                *current = Arc::new(Topic {
                    subscribers: rest.into(),
                    log: log.clone(),
                });
            }
        }
    }

    fn subscriber_count(&self, topic: &str) -> usize {
        self.state.get(topic).map_or(0, |t| t.subscribers.len())
    }

    fn topic_count(&self) -> usize {
        read(&self.state.topics)
            .values()
            .filter(|t| !t.subscribers.is_empty())
            .count()
    }

    fn replay(&self, pattern: &str, policy: ReplayPolicy) {
        let state = &*self.state;
        let pattern = Pattern::new(pattern);
        {
            let mut policies = write(&state.policies);
            policies.retain(|(known, _)| *known != pattern);
            policies.push((pattern.clone(), policy));
        }
        {
            // Topics in use already get their log now.
            let mut topics = write(&state.topics);
            for (name, topic) in topics.iter_mut() {
                if topic.log.is_none() && pattern.matches(name) {
                    *topic = Arc::new(Topic {
                        subscribers: topic.subscribers.clone(),
                        log: Some(state.new_log(&policy)),
                    });
                }
            }
        }
        if let Some(idle) = policy.idle {
            let every = (idle / 2).max(Duration::from_millis(1));
            let mut current = state
                .sweep_every
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            // One task sweeps for every policy, at the pace of the shortest idle time.
            if current.is_none_or(|ms| (every.as_millis() as u64) < ms)
                && spawn_sweeper(Arc::downgrade(&self.state), every)
            {
                *current = Some(every.as_millis() as u64);
            }
        }
    }

    fn replay_len(&self, topic: &str) -> usize {
        self.state
            .get(topic)
            .and_then(|t| t.log.clone())
            .map_or(0, |log| log.lock().log.len())
    }

    fn hand_over(&self, target: &dyn PubSub) {
        let state = &*self.state;
        let policies = std::mem::take(&mut *write(&state.policies));
        let topics = std::mem::take(&mut *write(&state.topics));
        for (pattern, policy) in policies {
            target.replay(pattern.as_str(), policy);
        }
        for (name, topic) in topics {
            if let Some(log) = &topic.log {
                log.lock().removed = true;
            }
            for member in topic.subscribers.iter() {
                target.subscribe(&name, member.id, member.subscriber.clone(), None);
            }
        }
    }
}

/// Sweeps idle logs `every` so often while the backend lives, if there is a runtime to run
/// on (without one, making a new topic sweeps); returns whether it could. A sweeper stops
/// when a faster one has started.
fn spawn_sweeper(state: Weak<State>, every: Duration) -> bool {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return false;
    };
    let pace = every.as_millis() as u64;
    runtime.spawn(async move {
        let mut tick = tokio::time::interval_at(Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(state) = state.upgrade() else {
                return;
            };
            let fastest = *state
                .sweep_every
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if fastest.is_some_and(|fastest| fastest < pace) {
                return;
            }
            state.sweep();
        }
    });
    true
}
