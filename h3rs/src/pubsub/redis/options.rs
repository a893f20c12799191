//! `RedisOptions`: how a `RedisPubSub` names things in Redis and how much it queues.

use std::time::Duration;

/// Settings of [`RedisPubSub::connect_with`](crate::pubsub::RedisPubSub::connect_with).
///
/// ```
/// use h3rs::pubsub::RedisOptions;
/// // Two apps sharing one Redis keep their topics apart by prefix.
/// let options = RedisOptions::default().prefix("shop:").outbox_capacity(100_000);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct RedisOptions {
    pub(crate) prefix: String,
    pub(crate) outbox_capacity: usize,
    pub(crate) max_backoff: Duration,
}

impl Default for RedisOptions {
    /// Prefix `h3rs:`, 65,536 messages queued for Redis, reconnect attempts at most 250 ms apart.
    fn default() -> Self {
        RedisOptions {
            prefix: "h3rs:".to_owned(),
            outbox_capacity: 65_536,
            max_backoff: Duration::from_millis(250),
        }
    }
}

impl RedisOptions {
    /// What the Redis channel and the Stream key of every topic start with
    /// (`h3rs:` by default: topic `chat` is channel and Stream `h3rs:chat`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How many published messages may wait to be sent to Redis; beyond that, copies for
    /// other instances are dropped (local subscribers still get them).
    pub fn outbox_capacity(mut self, capacity: usize) -> Self {
        self.outbox_capacity = capacity.max(1);
        self
    }

    /// The longest wait between two reconnection attempts (they start at 20 ms and double).
    pub fn max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max.max(Duration::from_millis(1));
        self
    }
}

/// Topic names to Redis names and back.
pub(crate) struct Names {
    prefix: Box<str>,
}

impl Names {
    pub(crate) fn new(prefix: &str) -> Self {
        Names {
            prefix: prefix.into(),
        }
    }

    pub(crate) fn channel(&self, topic: &str) -> String {
        format!("{}{topic}", self.prefix)
    }

    /// The Stream of a replayable topic (keys and channels do not share names in Redis).
    pub(crate) fn stream(&self, topic: &str) -> String {
        self.channel(topic)
    }

    pub(crate) fn topic<'a>(&self, channel: &'a str) -> Option<&'a str> {
        channel.strip_prefix(&*self.prefix)
    }
}
