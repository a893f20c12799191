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
///
/// ```
/// let shutdown = h3rs::Shutdown::new();
/// let guard: h3rs::ShutdownGuard = shutdown.guard();
/// assert_eq!(shutdown.active(), 1);
/// drop(guard);
/// assert_eq!(shutdown.active(), 0);
/// ```
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
    ///
    /// ```
    /// let shutdown = h3rs::Shutdown::new();
    /// assert!(!shutdown.is_triggered());
    /// assert_eq!(shutdown.active(), 0);
    /// ```
    pub fn new() -> Self {
        Shutdown {
            inner: Arc::new(Inner {
                triggered: watch::Sender::new(false),
                active: watch::Sender::new(0),
            }),
        }
    }

    /// Fires the signal (idempotent).
    ///
    /// ```
    /// let shutdown = h3rs::Shutdown::new();
    /// shutdown.trigger();
    /// shutdown.trigger(); // a second Ctrl-C changes nothing
    /// assert!(shutdown.is_triggered());
    /// ```
    pub fn trigger(&self) {
        self.inner.triggered.send_replace(true);
    }

    /// Whether the signal has fired.
    ///
    /// ```
    /// let shutdown = h3rs::Shutdown::new();
    /// // A loop that checks between jobs instead of awaiting the signal.
    /// let mut done = Vec::new();
    /// for job in ["a", "b", "c"] {
    ///     if shutdown.is_triggered() {
    ///         break;
    ///     }
    ///     done.push(job);
    ///     if job == "b" {
    ///         shutdown.trigger(); // as if Ctrl-C came during job b
    ///     }
    /// }
    /// assert_eq!(done, ["a", "b"]);
    /// ```
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

    /// Registers running work; the server waits for it on shutdown.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let shutdown = h3rs::Shutdown::new();
    /// let guard = shutdown.guard();
    /// let flush = tokio::spawn(async move {
    ///     // ... write what is buffered ...
    ///     drop(guard); // now the server may exit
    /// });
    /// shutdown.trigger();
    /// shutdown.idle().await;
    /// assert_eq!(shutdown.active(), 0);
    /// # flush.await.unwrap();
    /// # }
    /// ```
    pub fn guard(&self) -> ShutdownGuard {
        self.inner.active.send_modify(|n| *n += 1);
        ShutdownGuard {
            inner: self.inner.clone(),
        }
    }

    /// How many guards are alive.
    ///
    /// ```
    /// let shutdown = h3rs::Shutdown::new();
    /// let connections: Vec<_> = (0..3).map(|_| shutdown.guard()).collect();
    /// assert_eq!(shutdown.active(), 3);
    /// drop(connections);
    /// assert_eq!(shutdown.active(), 0);
    /// ```
    pub fn active(&self) -> usize {
        *self.inner.active.borrow()
    }

    /// Completes once no guard is alive.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// let shutdown = h3rs::Shutdown::new();
    /// let guard = shutdown.guard();
    /// tokio::spawn(async move {
    ///     tokio::time::sleep(Duration::from_millis(10)).await;
    ///     drop(guard);
    /// });
    /// // Wait for running work, but not forever.
    /// let drained = tokio::time::timeout(Duration::from_secs(5), shutdown.idle()).await;
    /// assert!(drained.is_ok());
    /// # }
    /// ```
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
