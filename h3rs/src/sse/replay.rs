//! `TopicReplay`: the last events of a topic, with ids, for clients that reconnect.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::pubsub::hub::next_subscriber_id;
use crate::pubsub::{Hub, Subscriber, SubscriberId};
use crate::sse::event::SseEvent;
use crate::sse::event_stream::{event_of, Pushed, Shared};
use crate::sse::last_event_id::LastEventId;
use crate::ws::Message;

/// Keeps the last `capacity` messages of a topic as events with ids, so that an
/// [`EventStream`](crate::sse::EventStream) that follows the topic through it
/// ([`follow_with_replay`](crate::sse::EventStream::follow_with_replay)) can send a reconnecting
/// client what it missed, in order and without duplicates.
///
/// It subscribes to the topic once, for as long as the hub lives, and gives every text
/// message an id `RUN-N`: `N` counts the messages, and `RUN` tells this run of the server from
/// the next, whose counter starts again (an id from another run replays everything kept).
/// Streams that follow through it get every event from it, under one lock, which is what
/// makes the catch-up and the live events meet without a gap or a repeat.
///
/// ```
/// use h3rs::sse::TopicReplay;
///
/// let app = h3rs::H3::new();
/// let news = TopicReplay::new(app.hub(), "news", 100);
/// app.publish("news", "first");
/// assert_eq!(news.len(), 1);
/// let app = app.state(news); // for the routes: event.state::<TopicReplay>()
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct TopicReplay {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TopicReplay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopicReplay")
            .field("topic", &self.inner.topic)
            .field("capacity", &self.inner.capacity)
            .field("len", &self.len())
            .finish()
    }
}

struct Inner {
    id: SubscriberId,
    topic: Arc<str>,
    run: String,
    capacity: usize,
    state: Mutex<State>,
}

struct State {
    /// The number of the next message.
    next: u64,
    /// The last `capacity` events and their numbers, oldest first.
    events: VecDeque<(u64, SseEvent)>,
    followers: Vec<(SubscriberId, Weak<Shared>)>,
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
        let run = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis());
        let inner = Arc::new(Inner {
            id: next_subscriber_id(),
            topic: Arc::from(topic),
            run: format!("{run:x}"),
            capacity,
            state: Mutex::new(State {
                next: 1,
                events: VecDeque::with_capacity(capacity.min(1024)),
                followers: Vec::new(),
            }),
        });
        hub.subscribe(topic, inner.clone());
        TopicReplay { inner }
    }

    /// The topic recorded.
    ///
    /// ```
    /// let replay = h3rs::sse::TopicReplay::new(&h3rs::pubsub::Hub::new(), "news", 10);
    /// assert_eq!(replay.topic(), "news");
    /// ```
    pub fn topic(&self) -> &str {
        &self.inner.topic
    }

    /// How many events are kept now.
    ///
    /// ```
    /// let replay = h3rs::sse::TopicReplay::new(&h3rs::pubsub::Hub::new(), "news", 10);
    /// assert!(replay.is_empty());
    /// ```
    pub fn len(&self) -> usize {
        self.inner.lock().events.len()
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

    pub(crate) fn same(&self, other: &TopicReplay) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Sends `stream` the events after `last`, then makes it a follower, in one step.
    pub(crate) fn attach(&self, stream: &Arc<Shared>, last: &LastEventId) {
        let overflowed = {
            let mut state = self.inner.lock();
            let missed = self.inner.missed(&state, last);
            let mut overflowed = false;
            for (_, event) in state.events.iter().skip(missed) {
                if let Pushed::Full = stream.try_push(event.clone()) {
                    overflowed = true;
                    break;
                }
            }
            if !overflowed {
                state
                    .followers
                    .push((stream.subscriber(), Arc::downgrade(stream)));
            }
            overflowed
        };
        if overflowed {
            stream.overflowed();
        }
    }

    /// Forgets a follower (it closed).
    pub(crate) fn detach(&self, follower: SubscriberId) {
        self.inner
            .lock()
            .followers
            .retain(|(id, _)| *id != follower);
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where in `state.events` the events that the client has not seen start.
    fn missed(&self, state: &State, last: &LastEventId) -> usize {
        let Some(last) = last.get() else {
            // A first connection: only what comes next.
            return state.events.len();
        };
        let seen = last
            .split_once('-')
            .filter(|(run, _)| *run == self.run)
            .and_then(|(_, number)| number.parse::<u64>().ok());
        match seen {
            Some(seen) => state.events.partition_point(|(number, _)| *number <= seen),
            // Another run's id, or not one of ours: everything kept is new to the client.
            None => 0,
        }
    }
}

impl Subscriber for Inner {
    fn id(&self) -> SubscriberId {
        self.id
    }

    fn deliver(&self, message: &Message) {
        let Some(event) = event_of(message) else {
            return;
        };
        let mut full = Vec::new();
        // The followers reached, kept until the lock is released: dropping the last handle
        // of a stream closes it, and closing takes this lock.
        let mut reached = Vec::new();
        {
            let mut state = self.lock();
            let number = state.next;
            state.next += 1;
            let event = event.id(format!("{}-{number}", self.run));
            // Under the lock, so that every follower sees the events in the same order.
            state.followers.retain(|(_, follower)| {
                let Some(follower) = follower.upgrade() else {
                    return false;
                };
                let pushed = follower.try_push(event.clone());
                let keep = match pushed {
                    Pushed::Done => true,
                    Pushed::Full => {
                        full.push(follower.clone());
                        false
                    }
                };
                reached.push(follower);
                keep
            });
            if self.capacity > 0 {
                if state.events.len() == self.capacity {
                    state.events.pop_front();
                }
                state.events.push_back((number, event));
            }
        }
        // Closing leaves the replay, which takes the lock: after it is released.
        for follower in full {
            follower.overflowed();
        }
        drop(reached);
    }
}
