//! The outbox: copies of local publishes on their way to Redis, sent by one task in
//! order, batched into pipelines.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use redis::aio::ConnectionManager;
use tokio::sync::mpsc;

use crate::pubsub::backend::SubscriberId;
use crate::pubsub::payload::Payload;
use crate::pubsub::redis::health::Health;
use crate::pubsub::redis::options::Names;
use crate::pubsub::redis::wire;
use crate::pubsub::replay::ReplayPolicy;

/// Appends to a topic's Stream and publishes the entry with its id and the Stream's
/// length, in one step: every instance receives a replayable topic's messages in the
/// Stream's order, whichever instance sent them.
pub(crate) const APPEND: &str = r"
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[1])
local len = redis.call('XLEN', KEYS[1])
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
redis.call('PUBLISH', KEYS[2], 'S' .. id .. ' ' .. len .. '\n' .. ARGV[1])
return id
";

/// How many messages one pipeline carries at most.
const BATCH: usize = 256;

/// One publish, for the other instances.
pub(crate) struct Outgoing {
    pub(crate) topic: Box<str>,
    pub(crate) payload: Payload,
    pub(crate) origin: Option<SubscriberId>,
    pub(crate) replay: Option<ReplayPolicy>,
}

/// The publishers' end.
pub(crate) struct Outbox {
    sender: mpsc::Sender<Outgoing>,
    health: Arc<Health>,
    /// Set when a message met a full queue, until the queue moves again: one warning per
    /// episode.
    full: Arc<AtomicBool>,
}

impl Outbox {
    /// Starts the task that sends what is queued, at most `capacity` messages behind.
    pub(crate) fn start(
        capacity: usize,
        instance: u64,
        names: Arc<Names>,
        commands: ConnectionManager,
        health: Arc<Health>,
        runtime: &tokio::runtime::Handle,
    ) -> Self {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let full = Arc::new(AtomicBool::new(false));
        let task = Sender {
            receiver,
            instance,
            names,
            commands,
            health: health.clone(),
            full: full.clone(),
        };
        runtime.spawn(task.run());
        Outbox {
            sender,
            health,
            full,
        }
    }

    /// Queues `outgoing` without waiting; a full queue drops it (counted, warned once).
    pub(crate) fn send(&self, outgoing: Outgoing) {
        if self.sender.try_send(outgoing).is_err() {
            self.health.count_lost(1);
            if !self.full.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "the queue of messages for Redis is full: messages for other instances \
                     are dropped until it drains"
                );
            }
        }
    }
}

struct Sender {
    receiver: mpsc::Receiver<Outgoing>,
    instance: u64,
    names: Arc<Names>,
    commands: ConnectionManager,
    health: Arc<Health>,
    full: Arc<AtomicBool>,
}

impl Sender {
    /// Runs until every `Outbox` is gone.
    async fn run(mut self) {
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            batch.clear();
            if self.receiver.recv_many(&mut batch, BATCH).await == 0 {
                return;
            }
            if !self.health.is_up() {
                // At most once: what is published during an outage does not reach the
                // other instances (the subscriber task brings the connection back).
                self.health.count_lost(batch.len());
                continue;
            }
            let mut pipe = redis::pipe();
            for out in &batch {
                let channel = self.names.channel(&out.topic);
                match out.replay {
                    None => {
                        let frame = wire::encode(self.instance, out.origin, &out.payload, true);
                        pipe.cmd("PUBLISH").arg(channel).arg(&frame[..]).ignore();
                    }
                    Some(policy) => {
                        let frame = wire::encode(self.instance, out.origin, &out.payload, false);
                        let idle = policy.idle.map_or(0, |idle| idle.as_millis().max(1) as u64);
                        pipe.cmd("EVAL")
                            .arg(APPEND)
                            .arg(2)
                            .arg(self.names.stream(&out.topic))
                            .arg(channel)
                            .arg(&frame[..])
                            .arg(policy.capacity.max(1))
                            .arg(idle)
                            .ignore();
                    }
                }
            }
            match pipe.query_async::<()>(&mut self.commands).await {
                Ok(()) => self.full.store(false, Ordering::Relaxed),
                Err(error) => {
                    self.health.count_lost(batch.len());
                    self.health.down(&error);
                }
            }
        }
    }
}
