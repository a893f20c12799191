//! Whether this instance is connected to Redis, and the one log line per outage.

use std::fmt::Display;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use tokio::sync::watch;
use tokio::time::Instant;

/// Up or down, as the subscriber connection and the command connection found it. Either
/// side may find it down; only the subscriber task brings it up again (after both work).
pub(crate) struct Health {
    up: AtomicBool,
    /// Bumped at every change, for the tasks that wait on one.
    changes: watch::Sender<u64>,
    since: Mutex<Option<Instant>>,
    /// Messages for other instances that were not sent: dropped during an outage, or
    /// because the outgoing queue was full.
    lost: AtomicU64,
    outages: AtomicU64,
}

impl Health {
    pub(crate) fn new() -> Self {
        Health {
            up: AtomicBool::new(true),
            changes: watch::Sender::new(0),
            since: Mutex::new(None),
            lost: AtomicU64::new(0),
            outages: AtomicU64::new(0),
        }
    }

    pub(crate) fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    pub(crate) fn watch(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// The connection failed: logged once per outage, whoever notices first.
    pub(crate) fn down(&self, error: &dyn Display) {
        if self.up.swap(false, Ordering::AcqRel) {
            self.outages.fetch_add(1, Ordering::Relaxed);
            *self.since.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
            tracing::warn!(
                %error,
                "lost the connection to Redis: delivering to this instance's subscribers only \
                 until it is back; reconnecting"
            );
            self.changes.send_modify(|n| *n += 1);
        }
    }

    /// Both connections work again and the topics are subscribed.
    pub(crate) fn up(&self, topics: usize) {
        if !self.up.swap(true, Ordering::AcqRel) {
            let since = self
                .since
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            let outage_ms = since.map_or(0, |since| since.elapsed().as_millis() as u64);
            tracing::info!(
                outage_ms,
                topics,
                lost = self.lost(),
                "reconnected to Redis and resubscribed"
            );
            self.changes.send_modify(|n| *n += 1);
        }
    }

    pub(crate) fn count_lost(&self, n: usize) {
        self.lost.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    pub(crate) fn outages(&self) -> u64 {
        self.outages.load(Ordering::Relaxed)
    }
}
