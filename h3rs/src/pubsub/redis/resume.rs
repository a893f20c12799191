//! A subscriber that resumes a replayable topic after a client's last id, on any
//! instance: the gap between the Stream's history and the live messages.
//!
//! The order of the steps is what makes it exact:
//! 1. the subscriber joins the topic here at once, wrapped in [`Resuming`], which buffers
//!    what arrives live;
//! 2. the catch-up waits until this instance's Redis subscription to the topic is
//!    acknowledged, so every entry appended from then on reaches the buffer;
//! 3. it reads the Stream after the client's id (`XREVRANGE key + (id`), which holds
//!    every entry appended before the read;
//! 4. it delivers those, then the buffered ones whose ids are past the last one
//!    delivered (the buffer and the read overlap), and the subscriber goes live, still
//!    skipping what is not past that id: the subscriber connection may lag behind the
//!    read, so entries the read returned can still be on their way live.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use redis::Value;
use redis::streams::StreamRangeReply;

use crate::pubsub::backend::{Delivery, Subscriber};
use crate::pubsub::payload::Payload;
use crate::pubsub::redis::wire::{self, stream_id};
use crate::pubsub::redis::{Shared, closed};

/// A subscriber between its arrival and the end of its catch-up.
pub(crate) struct Resuming {
    inner: Arc<dyn Subscriber>,
    /// Set once nothing is left to skip: deliveries go straight through.
    live: AtomicBool,
    pending: Mutex<Pending>,
}

struct Pending {
    buffered: Vec<Payload>,
    /// Whether the catch-up is done.
    live: bool,
    /// Once live: the last id delivered by the catch-up, until a later one comes.
    seen: Option<(u64, u64)>,
    limit: usize,
    /// More came live than the buffer holds: the subscriber is closed at the end, to
    /// resume again rather than miss what was dropped.
    overflowed: bool,
}

impl Resuming {
    pub(crate) fn new(inner: Arc<dyn Subscriber>, limit: usize) -> Self {
        Resuming {
            inner,
            live: AtomicBool::new(false),
            pending: Mutex::new(Pending {
                buffered: Vec::new(),
                live: false,
                seen: None,
                limit,
                overflowed: false,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Delivers the catch-up read after `after`, then what was buffered meanwhile and is
    /// newer, and goes live.
    fn go_live(&self, caught_up: Vec<Payload>, after: Option<(u64, u64)>) {
        let mut pending = self.lock();
        let mut overflowed = pending.overflowed;
        let mut last = after;
        for payload in &caught_up {
            if let Some(id) = payload.id().and_then(stream_id) {
                last = Some(id);
            }
        }
        let buffered = std::mem::take(&mut pending.buffered);
        let newer = buffered.into_iter().filter(|payload| {
            // Without an id it was delivered locally during an outage: never in the Stream.
            match (payload.id().and_then(stream_id), last) {
                (Some(id), Some(seen)) => id > seen,
                _ => true,
            }
        });
        for payload in caught_up.into_iter().chain(newer) {
            if overflowed {
                break;
            }
            if self.inner.deliver(&payload) == Delivery::Overflowed {
                overflowed = true;
            }
        }
        pending.seen = last;
        pending.live = true;
        if last.is_none() {
            self.live.store(true, Ordering::Release);
        }
        drop(pending);
        if overflowed {
            self.inner.overflowed();
        }
    }
}

impl Subscriber for Resuming {
    fn deliver(&self, payload: &Payload) -> Delivery {
        if self.live.load(Ordering::Acquire) {
            return self.inner.deliver(payload);
        }
        let mut pending = self.lock();
        if pending.live {
            if let (Some(id), Some(seen)) = (payload.id().and_then(stream_id), pending.seen)
                && id <= seen
            {
                // Replayed by the catch-up already.
                return Delivery::Skipped;
            }
            // Past the catch-up: from here on, everything is new.
            self.live.store(true, Ordering::Release);
            drop(pending);
            return self.inner.deliver(payload);
        }
        if pending.buffered.len() >= pending.limit {
            pending.overflowed = true;
            return Delivery::Skipped;
        }
        pending.buffered.push(payload.clone());
        Delivery::Accepted
    }

    fn overflowed(&self) {
        self.inner.overflowed();
    }
}

/// Runs the catch-up of `resuming` on `topic` after `after`, once this instance's
/// subscriptions have reached `generation`; retries after a lost connection, and gives up
/// when the subscriber is gone or the backend closes.
pub(crate) async fn catch_up(
    shared: Arc<Shared>,
    topic: String,
    resuming: Weak<Resuming>,
    after: String,
    capacity: usize,
    generation: u64,
) {
    let mut synced = shared.synced.subscribe();
    let mut closing = shared.closing.subscribe();
    let after_id = stream_id(&after);
    loop {
        tokio::select! {
            _ = closed(&mut closing) => return,
            ready = async {
                synced.wait_for(|synced| synced.is_some_and(|at| at >= generation)).await.is_ok()
            } => {
                if !ready {
                    return;
                }
            }
        }
        if resuming.strong_count() == 0 {
            return;
        }
        match read(&shared, &topic, after_id.map(|_| after.as_str()), capacity).await {
            Ok(caught_up) => {
                if let Some(resuming) = resuming.upgrade() {
                    resuming.go_live(caught_up, after_id);
                }
                return;
            }
            Err(error) => {
                shared.health.down(&error);
                // Wait for the subscriber task to reconnect (it resets `synced` first).
                synced.mark_unchanged();
                tokio::select! {
                    _ = closed(&mut closing) => return,
                    _ = synced.changed() => {}
                }
            }
        }
    }
}

/// The last `capacity` entries of the topic's Stream after `after` (all it keeps without
/// an id of its own), oldest first, with their Stream ids.
async fn read(
    shared: &Shared,
    topic: &str,
    after: Option<&str>,
    capacity: usize,
) -> redis::RedisResult<Vec<Payload>> {
    let start = after.map_or_else(|| "-".to_owned(), |after| format!("({after}"));
    let reply: StreamRangeReply = redis::cmd("XREVRANGE")
        .arg(shared.names.stream(topic))
        .arg("+")
        .arg(start)
        .arg("COUNT")
        .arg(capacity.max(1))
        .query_async(&mut shared.commands.clone())
        .await?;
    Ok(reply
        .ids
        .into_iter()
        .rev()
        .filter_map(|entry| {
            let Some(Value::BulkString(frame)) = entry.map.get("m") else {
                return None;
            };
            let message = wire::decode(frame)?;
            Some(message.payload.with_id(entry.id))
        })
        .collect())
}
