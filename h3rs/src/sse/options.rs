//! `SseOptions`: the app-wide settings of server-sent event streams.

use std::time::Duration;

use crate::pubsub::Overflow;

/// Settings of every event stream of an app, given with
/// [`H3::sse_options`](crate::H3::sse_options); a route may change its own keep-alive
/// (`#[sse("/feed", keep_alive = 30)]`, or [`Sse::keep_alive`](crate::sse::Sse::keep_alive)).
///
/// ```
/// use std::time::Duration;
/// use h3rs::sse::SseOptions;
///
/// let app = h3rs::H3::new().sse_options(
///     SseOptions::default()
///         .keep_alive(Duration::from_secs(30))
///         .queue_capacity(64),
/// );
/// # let _ = app;
/// ```
#[derive(Clone, Debug)]
pub struct SseOptions {
    pub(crate) keep_alive: Option<Duration>,
    pub(crate) queue_capacity: usize,
    pub(crate) slow_consumer: Overflow,
}

/// The default keep-alive: a comment after 15 s of silence, well under the idle timeouts
/// of common proxies and load balancers (often 30 to 60 s).
///
/// ```
/// use h3rs::sse::{SseOptions, DEFAULT_KEEP_ALIVE};
/// // Behind a proxy that cuts after 10 s of silence.
/// let options = SseOptions::default().keep_alive(DEFAULT_KEEP_ALIVE / 2);
/// # let _ = options;
/// assert_eq!(DEFAULT_KEEP_ALIVE.as_secs(), 15);
/// ```
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The default capacity of an [`EventStream`](crate::sse::EventStream)'s queue.
///
/// ```
/// use h3rs::sse::{SseOptions, DEFAULT_QUEUE_CAPACITY};
/// // Bursty producers: give slow clients more room before they are cut off.
/// let options = SseOptions::default().queue_capacity(4 * DEFAULT_QUEUE_CAPACITY);
/// # let _ = options;
/// assert_eq!(DEFAULT_QUEUE_CAPACITY, 1024);
/// ```
pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;

impl Default for SseOptions {
    fn default() -> Self {
        SseOptions {
            keep_alive: Some(DEFAULT_KEEP_ALIVE),
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            slow_consumer: Overflow::Close,
        }
    }
}

impl SseOptions {
    /// Sends a comment after `silence` without an event (default 15 s), so that proxies
    /// do not cut an idle stream, and a client that went away is noticed.
    ///
    /// ```
    /// let options = h3rs::sse::SseOptions::default().keep_alive(std::time::Duration::from_secs(5));
    /// # let _ = options;
    /// ```
    pub fn keep_alive(mut self, silence: std::time::Duration) -> Self {
        self.keep_alive = Some(silence);
        self
    }

    /// Sends no keep-alive comments.
    ///
    /// ```
    /// let options = h3rs::sse::SseOptions::default().no_keep_alive();
    /// # let _ = options;
    /// ```
    pub fn no_keep_alive(mut self) -> Self {
        self.keep_alive = None;
        self
    }

    /// How many events an [`EventStream`](crate::sse::EventStream) holds for a client that
    /// reads slower than they are pushed (default 1024). When the queue is full, the stream
    /// is closed rather than let grow: the browser reconnects, and with event ids and
    /// `Last-Event-ID` it resumes where it was.
    ///
    /// ```
    /// let options = h3rs::sse::SseOptions::default().queue_capacity(16);
    /// # let _ = options;
    /// ```
    pub fn queue_capacity(mut self, events: usize) -> Self {
        self.queue_capacity = events.max(1);
        self
    }

    /// What a full queue does (default [`Overflow::Close`]: the stream ends after sending
    /// what it holds, and the browser reconnects). [`Overflow::DropOldest`] keeps a slow
    /// client on the freshest events instead, for feeds where a gap does no harm.
    ///
    /// ```
    /// use h3rs::pubsub::Overflow;
    /// let ticker = h3rs::sse::SseOptions::default().slow_consumer(Overflow::DropOldest);
    /// # let _ = ticker;
    /// ```
    pub fn slow_consumer(mut self, policy: Overflow) -> Self {
        self.slow_consumer = policy;
        self
    }
}
