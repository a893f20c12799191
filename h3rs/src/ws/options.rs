//! `WsOptions`: limits and timings of WebSocket connections.

use std::time::Duration;

use crate::pubsub::Overflow;

/// Limits and timings of WebSocket connections, for the whole app
/// ([`H3::websocket_options`](crate::H3::websocket_options)) or one route
/// ([`H3::websocket_with`](crate::H3::websocket_with)).
///
/// Buffer sizes are chosen for many idle connections: tungstenite's default
/// 128 KiB read buffer costs about 130 KiB of memory per connection and,
/// measured here, halves echo throughput against 8 KiB. h3rs reads with a
/// 1 KiB buffer and reads ahead in bulk only while a socket has more to give
/// (see [`read_buffer_size`](Self::read_buffer_size)). The 8 KiB write
/// buffer lets a batch of small queued messages share one write.
///
/// ```
/// use std::time::Duration;
/// use h3rs::pubsub::Overflow;
/// use h3rs::ws::WsOptions;
/// let options = WsOptions::default()
///     .max_message_size(64 * 1024)
///     .ping_interval(Some(Duration::from_secs(10)))
///     .slow_consumer(Overflow::DropOldest)
///     .allowed_origins(["https://example.com"]);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct WsOptions {
    pub(crate) max_message_size: usize,
    pub(crate) max_frame_size: usize,
    pub(crate) queue_capacity: usize,
    pub(crate) slow_consumer: Overflow,
    pub(crate) ping_interval: Option<Duration>,
    pub(crate) close_timeout: Duration,
    pub(crate) read_buffer_size: usize,
    pub(crate) write_buffer_size: usize,
    pub(crate) allowed_origins: Option<Vec<String>>,
    pub(crate) invalid_messages: InvalidMessages,
}

/// What happens to a peer whose message does not convert into the type its `message` hook
/// takes (see [`FromMessage`](crate::ws::FromMessage)). The `error` hook hears of it either way.
///
/// ```
/// use h3rs::ws::{InvalidMessages, WsOptions};
/// // A console where a typo should not cost the connection.
/// let options = WsOptions::default().invalid_messages(InvalidMessages::Report);
/// # let _ = options;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InvalidMessages {
    /// Close the peer: 1007 (invalid payload data) for data the type cannot hold, 1003
    /// (unsupported data) for the wrong kind of frame, with what failed as the reason.
    #[default]
    Close,
    /// Keep the peer open: the message is dropped and the `error` hook told.
    Report,
}

impl Default for WsOptions {
    fn default() -> Self {
        WsOptions {
            max_message_size: 1024 * 1024,
            max_frame_size: 1024 * 1024,
            queue_capacity: 1024,
            slow_consumer: Overflow::Close,
            ping_interval: Some(Duration::from_secs(30)),
            close_timeout: Duration::from_secs(5),
            read_buffer_size: 1024,
            write_buffer_size: 8 * 1024,
            allowed_origins: None,
            invalid_messages: InvalidMessages::Close,
        }
    }
}

impl WsOptions {
    /// The largest message, after reassembling fragments (default 1 MiB);
    /// a larger one closes the peer with 1009.
    ///
    /// ```
    /// // Chat messages are short: refuse anything that is not.
    /// let options = h3rs::ws::WsOptions::default().max_message_size(16 * 1024);
    /// # let _ = options;
    /// ```
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// The largest single frame (default 1 MiB); a larger one closes the peer with 1009.
    ///
    /// ```
    /// use h3rs::ws::WsOptions;
    /// // Big messages, but sent in small frames, so no single read is large.
    /// let options = WsOptions::default().max_message_size(8 << 20).max_frame_size(64 << 10);
    /// # let _ = options;
    /// ```
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.max_frame_size = bytes;
        self
    }

    /// How many messages may wait for a peer's socket (default 1024);
    /// beyond that the [`Overflow`] policy applies.
    ///
    /// ```
    /// // Many peers that each need little: bound the memory a stalled one can hold.
    /// let options = h3rs::ws::WsOptions::default().queue_capacity(32);
    /// # let _ = options;
    /// ```
    pub fn queue_capacity(mut self, messages: usize) -> Self {
        self.queue_capacity = messages.max(1);
        self
    }

    /// What to do when a peer's queue is full (a slow consumer): close it with 1008,
    /// dropping what was queued ([`Overflow::Close`], the default), drop the oldest queued
    /// message ([`Overflow::DropOldest`]), or refuse the new one ([`Overflow::DropNewest`]:
    /// `send` returns false).
    ///
    /// ```
    /// use h3rs::pubsub::Overflow;
    /// use h3rs::ws::WsOptions;
    /// let options = WsOptions::default().slow_consumer(Overflow::DropOldest);
    /// # let _ = options;
    /// ```
    pub fn slow_consumer(mut self, policy: Overflow) -> Self {
        self.slow_consumer = policy;
        self
    }

    /// How often the server pings (default 30 s); a peer that has sent
    /// nothing, not even a pong, for a whole interval after a ping is
    /// dropped. `None` turns pings off.
    ///
    /// ```
    /// use std::time::Duration;
    /// use h3rs::ws::WsOptions;
    /// // Mobile networks drop idle connections quickly: ping more often.
    /// let mobile = WsOptions::default().ping_interval(Some(Duration::from_secs(10)));
    /// // Clients that ping us themselves need no server pings.
    /// let quiet = WsOptions::default().ping_interval(None);
    /// # let _ = (mobile, quiet);
    /// ```
    pub fn ping_interval(mut self, interval: Option<Duration>) -> Self {
        self.ping_interval = interval;
        self
    }

    /// How long a closing peer has to answer the close frame before its
    /// socket is dropped (default 5 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// // Shutdown waits for close handshakes; do not let a silent client hold it up.
    /// let options = h3rs::ws::WsOptions::default().close_timeout(Duration::from_secs(1));
    /// # let _ = options;
    /// ```
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// How many bytes of outgoing frames are gathered before a write
    /// (default 8 KiB); 0 writes every frame at once.
    ///
    /// ```
    /// let options = h3rs::ws::WsOptions::default().write_buffer_size(0);
    /// # let _ = options;
    /// ```
    pub fn write_buffer_size(mut self, bytes: usize) -> Self {
        self.write_buffer_size = bytes;
        self
    }

    /// tungstenite's read buffer per connection (default and minimum 1 KiB).
    ///
    /// tungstenite keeps this buffer (zero-filled) for the life of the
    /// connection, so it is resident memory on every idle peer. Bursts and
    /// large messages don't need a bigger one: when a read fills it, h3rs
    /// reads ahead in 64 KiB chunks until the socket is drained, then frees
    /// that memory again.
    ///
    /// ```
    /// // Few peers, all sending large messages all the time.
    /// let options = h3rs::ws::WsOptions::default().read_buffer_size(64 * 1024);
    /// # let _ = options;
    /// ```
    pub fn read_buffer_size(mut self, bytes: usize) -> Self {
        self.read_buffer_size = bytes.max(1024);
        self
    }

    /// Accept the handshake only from these `Origin`s (protection against
    /// cross-site WebSocket hijacking); others get 403. Requests without an
    /// `Origin` header (non-browser clients) are accepted.
    ///
    /// ```
    /// use h3rs::ws::{WebSocket, WsOptions};
    /// struct Chat;
    /// impl WebSocket for Chat {}
    /// let origins = ["https://example.com", "https://www.example.com"];
    /// let app = h3rs::H3::new().websocket_with(
    ///     "/chat",
    ///     Chat,
    ///     WsOptions::default().allowed_origins(origins),
    /// );
    /// # let _ = app;
    /// ```
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// What to do with a message that does not convert into a typed `message` hook's type:
    /// close the peer ([`InvalidMessages::Close`], the default) or only report it to the
    /// `error` hook ([`InvalidMessages::Report`]).
    ///
    /// ```
    /// use h3rs::ws::{InvalidMessages, WsOptions};
    /// let options = WsOptions::default().invalid_messages(InvalidMessages::Report);
    /// # let _ = options;
    /// ```
    pub fn invalid_messages(mut self, policy: InvalidMessages) -> Self {
        self.invalid_messages = policy;
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
