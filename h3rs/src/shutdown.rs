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
/// [`Shutdown::triggered`]. A handler reaches the server's signal through
/// [`H3Event::shutdown`](crate::H3Event::shutdown); clones share one signal
/// and one count.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
///
/// let shutdown = h3rs::Shutdown::new();
/// // Background work holds a guard, so that shutdown waits for it.
/// let guard = shutdown.guard();
/// let signal = shutdown.clone();
/// tokio::spawn(async move {
///     signal.triggered().await;
///     // ... flush what is buffered, say goodbye to the peer ...
///     drop(guard);
/// });
///
/// // What the server does on Ctrl-C: fire the signal, then wait for the
/// // guards, but not forever.
/// shutdown.trigger();
/// let drained = tokio::time::timeout(Duration::from_secs(5), shutdown.idle()).await;
/// assert!(drained.is_ok());
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

/// Counts as running work until dropped; see [`Shutdown::guard`]. Move it
/// into the task it stands for, so that a task that ends early, or panics,
/// stops counting too.
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
    /// A signal that has not fired, with no work running. The server makes
    /// its own; make one to drive the same kind of shutdown elsewhere, or
    /// in a test.
    pub fn new() -> Self {
        Shutdown {
            inner: Arc::new(Inner {
                triggered: watch::Sender::new(false),
                active: watch::Sender::new(0),
            }),
        }
    }

    /// Fires the signal, waking every [`Shutdown::triggered`]. Idempotent: a
    /// second call (a second Ctrl-C) changes nothing, and the signal cannot
    /// be reset.
    pub fn trigger(&self) {
        self.inner.triggered.send_replace(true);
    }

    /// Whether the signal has fired, for a loop that checks between jobs;
    /// await [`Shutdown::triggered`] instead to be woken by it.
    pub fn is_triggered(&self) -> bool {
        *self.inner.triggered.borrow()
    }

    /// Completes once the signal has fired (at once if it already has).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// let shutdown = h3rs::Shutdown::new();
    /// let signal = shutdown.clone();
    /// let ticker = tokio::spawn(async move {
    ///     let mut ticks = 0;
    ///     loop {
    ///         tokio::select! {
    ///             () = signal.triggered() => return ticks,
    ///             () = tokio::time::sleep(Duration::from_millis(1)) => ticks += 1,
    ///         }
    ///     }
    /// });
    /// shutdown.trigger();
    /// ticker.await.unwrap();
    /// # }
    /// ```
    pub async fn triggered(&self) {
        let mut rx = self.inner.triggered.subscribe();
        // The sender lives in `self`, so the channel cannot close under us.
        let _ = rx.wait_for(|fired| *fired).await;
    }

    /// Registers running work, until the returned guard is dropped; the
    /// server waits for it on shutdown, up to its grace period. A guard can
    /// be taken after the signal fired, and is waited for too.
    pub fn guard(&self) -> ShutdownGuard {
        self.inner.active.send_modify(|n| *n += 1);
        ShutdownGuard {
            inner: self.inner.clone(),
        }
    }

    /// How many guards are alive: under a server, one per open connection
    /// and one per WebSocket peer, plus those taken by your own code.
    pub fn active(&self) -> usize {
        *self.inner.active.borrow()
    }

    /// Completes once no guard is alive (at once if none is). It does not
    /// fire the signal and has no timeout of its own: wrap it in
    /// `tokio::time::timeout`, as the server does with its grace period.
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
