//! Replay logs: the last payloads of a topic with ids, for subscribers that resume.

use std::time::Duration;

use crate::pubsub::payload::Payload;
use crate::pubsub::queue::{Bounded, Overflow, Weigh};

/// How much of a topic to keep for subscribers that come back (an `EventSource` that
/// reconnects with `Last-Event-ID`), given to [`Hub::replay`](crate::pubsub::Hub::replay)
/// with a topic pattern.
///
/// A topic under a policy has a log from its first publish (or subscriber): every payload
/// gets an id and the last `n` are kept. Rooms that clients create (`room:*`) come and go:
/// with [`evict_after`](ReplayPolicy::evict_after), a log that has had no publish and no
/// subscriber for that long is dropped, so their number cannot grow memory forever.
///
/// ```
/// use std::time::Duration;
/// use h3rs::pubsub::ReplayPolicy;
///
/// let app = h3rs::H3::new();
/// // Each room keeps its last 50 messages, and is forgotten after 10 idle minutes.
/// app.hub().replay("room:*", ReplayPolicy::last(50).evict_after(Duration::from_secs(600)));
/// app.publish("room:lobby", "hello");
/// assert_eq!(app.hub().replay_len("room:lobby"), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayPolicy {
    pub(crate) capacity: usize,
    pub(crate) idle: Option<Duration>,
}

impl ReplayPolicy {
    /// Keeps the last `n` payloads of each topic, for as long as the hub lives.
    ///
    /// ```
    /// let hub = h3rs::pubsub::Hub::new();
    /// hub.replay("news", h3rs::pubsub::ReplayPolicy::last(2));
    /// for n in 0..5 {
    ///     hub.publish("news", n.to_string());
    /// }
    /// assert_eq!(hub.replay_len("news"), 2);
    /// ```
    pub fn last(n: usize) -> Self {
        ReplayPolicy {
            capacity: n,
            idle: None,
        }
    }

    /// Drops a topic's log once it has had no publish and no subscriber for `idle`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = h3rs::pubsub::ReplayPolicy::last(100).evict_after(Duration::from_secs(60));
    /// # let _ = policy;
    /// ```
    pub fn evict_after(mut self, idle: Duration) -> Self {
        self.idle = Some(idle);
        self
    }

    /// How many payloads are kept per topic.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How long a log may stay idle before it is dropped, if it ever is.
    pub fn idle(&self) -> Option<Duration> {
        self.idle
    }
}

/// A topic pattern: a name, or a prefix followed by `*` (`room:*`; `*` alone is every
/// topic).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern(Box<str>);

impl Pattern {
    pub(crate) fn new(pattern: &str) -> Self {
        Pattern(pattern.into())
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn matches(&self, topic: &str) -> bool {
        match self.0.strip_suffix('*') {
            Some(prefix) => topic.starts_with(prefix),
            None => *self.0 == *topic,
        }
    }

    /// Exact names win over prefixes, and longer prefixes over shorter ones.
    pub(crate) fn specificity(&self) -> usize {
        if self.0.ends_with('*') {
            self.0.len()
        } else {
            usize::MAX
        }
    }
}

/// One kept payload and its number in the log.
pub(crate) struct Entry {
    pub(crate) number: u64,
    pub(crate) payload: Payload,
}

impl Weigh for Entry {
    fn weight(&self) -> usize {
        self.payload.len()
    }
}

/// The log of one topic: ids `RUN-N`, where `N` counts the topic's payloads and `RUN` tells
/// this run of the server from the next, whose counters start again.
pub(crate) struct Log {
    next: u64,
    entries: Bounded<Entry>,
}

impl Log {
    pub(crate) fn new(policy: &ReplayPolicy) -> Self {
        Log {
            next: 1,
            entries: Bounded::new(policy.capacity, Overflow::DropOldest),
        }
    }

    /// Gives `payload` the next id and keeps it.
    pub(crate) fn record(&mut self, run: &str, payload: Payload) -> Payload {
        let number = self.next;
        self.next += 1;
        let payload = payload.with_id(format!("{run}-{number}"));
        self.entries.push(Entry {
            number,
            payload: payload.clone(),
        });
        payload
    }

    /// The payloads after `last`; everything kept when `last` is not an id of this run.
    pub(crate) fn after<'a>(
        &'a self,
        run: &str,
        last: &str,
    ) -> impl Iterator<Item = &'a Payload> + 'a {
        let seen = last
            .split_once('-')
            .filter(|(of, _)| *of == run)
            .and_then(|(_, number)| number.parse::<u64>().ok());
        let skip = match seen {
            Some(seen) => self.entries.iter().take_while(|e| e.number <= seen).count(),
            None => 0,
        };
        self.entries.iter().skip(skip).map(|entry| &entry.payload)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_names_and_prefixes() {
        assert!(Pattern::new("room:*").matches("room:1"));
        assert!(Pattern::new("room:*").matches("room:"));
        assert!(!Pattern::new("room:*").matches("rooms"));
        assert!(Pattern::new("news").matches("news"));
        assert!(!Pattern::new("news").matches("newsroom"));
        assert!(Pattern::new("*").matches("anything"));
        assert!(Pattern::new("news").specificity() > Pattern::new("news*").specificity());
    }

    #[test]
    fn a_log_replays_after_an_id_of_its_run_and_everything_for_a_stranger() {
        let mut log = Log::new(&ReplayPolicy::last(3));
        for n in 1..=5 {
            log.record("r", Payload::from(format!("m{n}")));
        }
        let texts = |last| {
            log.after("r", last)
                .map(|p| p.text().into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(texts("r-3"), ["m4", "m5"]);
        assert_eq!(texts("r-5"), Vec::<String>::new());
        // Older than what is kept, from another run, or not an id of ours: all of it.
        assert_eq!(texts("r-1"), ["m3", "m4", "m5"]);
        assert_eq!(texts("other-4"), ["m3", "m4", "m5"]);
        assert_eq!(texts("garbage"), ["m3", "m4", "m5"]);
        assert_eq!(log.len(), 3);
    }
}
