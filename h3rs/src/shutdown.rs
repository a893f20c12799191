//! `Shutdown`: the one signal every connection, peer and stream listens to.

use std::sync::Arc;

use tokio::sync::watch;

/// A shutdown signal plus a count of the work that must finish before the
/// process exits.
///
/// The server makes one, triggers it on Ctrl-C or SIGTERM (or when you call
/// [`Shutdown::trigger`]), stops accepting, and waits for every
/// [`ShutdownGuard`] to be dropped, up to the grace period. Long-lived work
/// (an upgraded connection, a stream) takes a guard and listens to
/// [`Shutdown::triggered`].
///
/// ```
/// # async fn demo() {
/// let shutdown = h3rs::Shutdown::new();
/// let guard = shutdown.guard();
/// let waiter = shutdown.clone();
/// tokio::spawn(async move {
///     waiter.triggered().await;
///     drop(guard); // done cleaning up
/// });
/// shutdown.trigger();
/// shutdown.idle().await;
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Shutdown {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    triggered: watch::Sender<bool>,
    active: watch::Sender<usize>,
}

/// Counts as running work until dropped; see [`Shutdown::guard`].
#[derive(Debug)]
pub struct ShutdownGuard {
    inner: Arc<Inner>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

impl Shutdown {
    /// A signal that has not fired, with no work running.
    pub fn new() -> Self {
        Shutdown {
            inner: Arc::new(Inner {
                triggered: watch::Sender::new(false),
                active: watch::Sender::new(0),
            }),
        }
    }

    /// Fires the signal (idempotent).
    pub fn trigger(&self) {
        self.inner.triggered.send_replace(true);
    }

    /// Whether the signal has fired.
    pub fn is_triggered(&self) -> bool {
        *self.inner.triggered.borrow()
    }

    /// Completes once the signal has fired (at once if it already has).
    pub async fn triggered(&self) {
        let mut rx = self.inner.triggered.subscribe();
        // The sender lives in `self`, so the channel cannot close under us.
        let _ = rx.wait_for(|fired| *fired).await;
    }

    /// Registers running work; the server waits for it on shutdown.
    pub fn guard(&self) -> ShutdownGuard {
        self.inner.active.send_modify(|n| *n += 1);
        ShutdownGuard {
            inner: self.inner.clone(),
        }
    }

    /// How many guards are alive.
    pub fn active(&self) -> usize {
        *self.inner.active.borrow()
    }

    /// Completes once no guard is alive.
    pub async fn idle(&self) {
        let mut rx = self.inner.active.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}

impl Drop for ShutdownGuard {
    fn drop(&mut self) {
        self.inner.active.send_modify(|n| *n -= 1);
    }
}
