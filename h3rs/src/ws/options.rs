//! `WsOptions`: limits and timings of WebSocket connections.

use std::time::Duration;

/// What to do with a peer whose outgoing queue is full (a slow consumer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlowConsumer {
    /// Close the peer with 1008 (policy violation), dropping what was queued. The default.
    Close,
    /// Drop the oldest queued message to make room: for feeds where only fresh data matters.
    DropOldest,
}

/// Limits and timings of WebSocket connections, for the whole app
/// ([`H3::websocket_options`](crate::H3::websocket_options)) or one route
/// ([`H3::websocket_with`](crate::H3::websocket_with)).
///
/// Buffer sizes are chosen for many idle connections: tungstenite's default
/// 128 KiB read buffer costs about 130 KiB of memory per connection and,
/// measured here, halves echo throughput against 8 KiB. The 8 KiB write
/// buffer lets a batch of small queued messages share one write.
///
/// ```
/// use std::time::Duration;
/// use h3rs::ws::{SlowConsumer, WsOptions};
/// let options = WsOptions::default()
///     .max_message_size(64 * 1024)
///     .ping_interval(Some(Duration::from_secs(10)))
///     .slow_consumer(SlowConsumer::DropOldest)
///     .allowed_origins(["https://example.com"]);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct WsOptions {
    pub(crate) max_message_size: usize,
    pub(crate) max_frame_size: usize,
    pub(crate) queue_capacity: usize,
    pub(crate) slow_consumer: SlowConsumer,
    pub(crate) ping_interval: Option<Duration>,
    pub(crate) close_timeout: Duration,
    pub(crate) read_buffer_size: usize,
    pub(crate) write_buffer_size: usize,
    pub(crate) allowed_origins: Option<Vec<String>>,
}

impl Default for WsOptions {
    fn default() -> Self {
        WsOptions {
            max_message_size: 1024 * 1024,
            max_frame_size: 1024 * 1024,
            queue_capacity: 1024,
            slow_consumer: SlowConsumer::Close,
            ping_interval: Some(Duration::from_secs(30)),
            close_timeout: Duration::from_secs(5),
            read_buffer_size: 8 * 1024,
            write_buffer_size: 8 * 1024,
            allowed_origins: None,
        }
    }
}

impl WsOptions {
    /// The largest message, after reassembling fragments (default 1 MiB);
    /// a larger one closes the peer with 1009.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// The largest single frame (default 1 MiB); a larger one closes the peer with 1009.
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.max_frame_size = bytes;
        self
    }

    /// How many messages may wait for a peer's socket (default 1024);
    /// beyond that the [`SlowConsumer`] policy applies.
    pub fn queue_capacity(mut self, messages: usize) -> Self {
        self.queue_capacity = messages.max(1);
        self
    }

    /// The slow consumer policy (default [`SlowConsumer::Close`]).
    pub fn slow_consumer(mut self, policy: SlowConsumer) -> Self {
        self.slow_consumer = policy;
        self
    }

    /// How often the server pings (default 30 s); a peer that has sent
    /// nothing, not even a pong, for a whole interval after a ping is
    /// dropped. `None` turns pings off.
    pub fn ping_interval(mut self, interval: Option<Duration>) -> Self {
        self.ping_interval = interval;
        self
    }

    /// How long a closing peer has to answer the close frame before its
    /// socket is dropped (default 5 s).
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// tungstenite's read buffer per connection (default 8 KiB).
    pub fn read_buffer_size(mut self, bytes: usize) -> Self {
        self.read_buffer_size = bytes.max(1024);
        self
    }

    /// Accept the handshake only from these `Origin`s (protection against
    /// cross-site WebSocket hijacking); others get 403. Requests without an
    /// `Origin` header (non-browser clients) are accepted.
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    pub(crate) fn tungstenite_config(
        &self,
    ) -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
        tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(self.read_buffer_size)
            .write_buffer_size(self.write_buffer_size)
            .max_message_size(Some(self.max_message_size))
            .max_frame_size(Some(self.max_frame_size))
    }
}
