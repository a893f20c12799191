//! `Peer`: one WebSocket connection as hooks and the app see it.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use http::{Extensions, HeaderMap, Uri};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Bytes};

use crate::pubsub::queue::{Pushed, Queue, Weigh};
use crate::pubsub::{Delivery, Hub, Payload, Subscriber, SubscriberId, SubscriptionGuard};
use crate::router::Params;
use crate::ws::message::wire_of;
use crate::ws::options::WsOptions;
use crate::ws::peers::Peers;
use crate::ws::{CloseDetails, Message};

/// A connected WebSocket client. Cheap to clone; clones are the same peer.
///
/// Nothing here blocks or awaits: `send` and `publish` put messages on the
/// peer's bounded queue, drained by the connection's writer.
///
/// ```
/// use h3rs::ws::{Message, Peer, WebSocket};
///
/// struct Chat;
///
/// impl WebSocket for Chat {
///     async fn open(&self, peer: &Peer) {
///         peer.send("Welcome to the server!");
///         peer.subscribe("chat");
///         peer.publish("chat", format!("[system] {peer} joined!"));
///     }
/// }
/// ```
#[derive(Clone)]
pub struct Peer {
    shared: Arc<Shared>,
}

/// The lifecycle of a peer, watched by its connection task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PeerState {
    Open,
    /// A close frame is queued; the client has `close_timeout` to answer.
    Closing,
    /// Drop the socket now, without a close frame.
    Terminated,
}

pub(crate) enum Outgoing {
    Message(tungstenite::Message),
    Close(CloseDetails),
}

impl Weigh for Outgoing {
    fn weight(&self) -> usize {
        match self {
            Outgoing::Message(message) => message.len(),
            Outgoing::Close(_) => 0,
        }
    }
}

pub(crate) struct Shared {
    id: SubscriberId,
    uri: Uri,
    headers: HeaderMap,
    params: Params,
    remote_addr: Option<SocketAddr>,
    protocol: Option<String>,
    context: Extensions,
    hub: Hub,
    peers: Peers,
    options: Arc<WsOptions>,
    /// Everything outgoing, drained by the writer. Closing queues the close frame
    /// last under the lock of the pushes, so nothing can slip in after it.
    queue: Queue<Outgoing>,
    /// The close this side started, if it did.
    closing: OnceLock<CloseDetails>,
    state: watch::Sender<PeerState>,
    /// Whether `state` is still `Open`, for `is_open` without the watch's lock (a look per
    /// message). Cleared before every change of `state`, which only ever leaves `Open`.
    open: AtomicBool,
    topics: Mutex<HashMap<Arc<str>, SubscriptionGuard>>,
}

pub(crate) struct PeerInit {
    pub uri: Uri,
    pub headers: HeaderMap,
    pub params: Params,
    pub remote_addr: Option<SocketAddr>,
    pub protocol: Option<String>,
    pub context: Extensions,
    pub hub: Hub,
    pub peers: Peers,
    pub options: Arc<WsOptions>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic in a hook must not make the peer unusable for the others.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Peer {
    pub(crate) fn new(init: PeerInit) -> Self {
        let queue = Queue::new(init.options.queue_capacity, init.options.slow_consumer);
        Peer {
            shared: Arc::new(Shared {
                id: init.hub.subscriber_id(),
                uri: init.uri,
                headers: init.headers,
                params: init.params,
                remote_addr: init.remote_addr,
                protocol: init.protocol,
                context: init.context,
                hub: init.hub,
                peers: init.peers,
                options: init.options,
                queue,
                closing: OnceLock::new(),
                state: watch::Sender::new(PeerState::Open),
                open: AtomicBool::new(true),
                topics: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The peer's id, unique in the process; `Display` prints the same.
    ///
    /// ```
    /// use h3rs::ws::{Peer, WebSocket};
    ///
    /// struct Tracked;
    ///
    /// impl WebSocket for Tracked {
    ///     async fn open(&self, peer: &Peer) {
    ///         tracing::info!(peer = peer.id(), "connected");
    ///     }
    /// }
    /// ```
    pub fn id(&self) -> u64 {
        self.shared.id.get()
    }

    /// The peer's id as a subscriber of the hub's topics.
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, WebSocket};
    ///
    /// struct Mirror;
    ///
    /// impl WebSocket for Mirror {
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         // What `peer.publish` does: everyone on the topic but this peer.
    ///         peer.hub().publish_from(peer.subscriber_id(), "mirror", message);
    ///     }
    /// }
    /// ```
    pub fn subscriber_id(&self) -> SubscriberId {
        self.shared.id
    }

    /// The URI of the handshake request.
    ///
    /// ```
    /// use h3rs::ws::{Peer, WebSocket};
    ///
    /// struct Feed;
    ///
    /// impl WebSocket for Feed {
    ///     async fn open(&self, peer: &Peer) {
    ///         // `/feed?topic=sports` follows sports.
    ///         let topic = peer.uri().query().and_then(|q| q.strip_prefix("topic="));
    ///         peer.subscribe(topic.unwrap_or("all"));
    ///     }
    /// }
    /// ```
    pub fn uri(&self) -> &Uri {
        &self.shared.uri
    }

    /// The headers of the handshake request.
    ///
    /// ```
    /// use h3rs::ws::{Peer, WebSocket};
    ///
    /// struct Versions;
    ///
    /// impl WebSocket for Versions {
    ///     async fn open(&self, peer: &Peer) {
    ///         let agent = peer.headers().get("user-agent").and_then(|v| v.to_str().ok());
    ///         tracing::info!(agent, "client connected");
    ///     }
    /// }
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.shared.headers
    }

    /// The route parameters (`:room` in `/_ws/:room`).
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, WebSocket};
    ///
    /// struct Rooms;
    ///
    /// impl WebSocket for Rooms {
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         let room = peer.params().get("room").unwrap_or("lobby");
    ///         peer.publish(room, message);
    ///     }
    /// }
    ///
    /// let app = h3rs::H3::new().websocket("/_ws/:room", Rooms);
    /// # let _ = app;
    /// ```
    pub fn params(&self) -> &Params {
        &self.shared.params
    }

    /// The client's address, when served over a socket.
    ///
    /// ```
    /// use h3rs::ws::{Peer, WebSocket};
    ///
    /// struct Audit;
    ///
    /// impl WebSocket for Audit {
    ///     async fn open(&self, peer: &Peer) {
    ///         if let Some(addr) = peer.remote_addr() {
    ///             tracing::info!(%addr, "peer connected");
    ///         }
    ///     }
    /// }
    /// ```
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.shared.remote_addr
    }

    /// The subprotocol chosen in the handshake, if any.
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, WebSocket};
    ///
    /// struct Versioned;
    ///
    /// impl WebSocket for Versioned {
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         // Answer in the dialect chosen in the handshake.
    ///         if peer.protocol() == Some("json.v2") {
    ///             peer.send(h3rs::Json(serde_json::json!({ "echo": message.text() })));
    ///         } else {
    ///             peer.send(message);
    ///         }
    ///     }
    /// }
    /// ```
    pub fn protocol(&self) -> Option<&str> {
        self.shared.protocol.as_deref()
    }

    /// The typed context seeded by the `upgrade` hook.
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, Upgrade, WebSocket};
    /// use h3rs::{H3Event, Response};
    ///
    /// #[derive(Clone)]
    /// struct Role(&'static str);
    ///
    /// struct Admin;
    ///
    /// impl WebSocket for Admin {
    ///     async fn upgrade(&self, _event: &H3Event) -> Result<Upgrade, Response> {
    ///         Ok(Upgrade::accept().context(Role("viewer")))
    ///     }
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         if peer.context().get::<Role>().is_some_and(|role| role.0 == "admin") {
    ///             peer.publish("admin", message);
    ///         }
    ///     }
    /// }
    /// ```
    pub fn context(&self) -> &Extensions {
        &self.shared.context
    }

    /// The app's hub, to publish to everyone (the sender included).
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, WebSocket};
    ///
    /// struct Broadcast;
    ///
    /// impl WebSocket for Broadcast {
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         // Unlike `peer.publish`, the sender gets its own message back.
    ///         peer.hub().publish("all", message);
    ///     }
    /// }
    /// ```
    pub fn hub(&self) -> &Hub {
        &self.shared.hub
    }

    /// Queues a message for this peer: text, binary or JSON (`Json(value)`).
    /// Returns false when the peer is closing or the message was refused by
    /// the slow consumer policy.
    ///
    /// ```
    /// use h3rs::ws::{Peer, WebSocket};
    ///
    /// struct Greeter;
    ///
    /// impl WebSocket for Greeter {
    ///     async fn open(&self, peer: &Peer) {
    ///         peer.send("welcome");
    ///         peer.send(vec![0u8, 1, 2]);
    ///         if !peer.send(h3rs::Json(serde_json::json!({ "type": "ready" }))) {
    ///             tracing::debug!(%peer, "peer left before the greeting");
    ///         }
    ///     }
    /// }
    /// ```
    pub fn send(&self, message: impl Into<Message>) -> bool {
        self.shared.enqueue(message.into().into_wire()) == Pushed::Queued
    }

    pub(crate) fn send_ping(&self) -> bool {
        self.shared
            .enqueue(tungstenite::Message::Ping(Bytes::new()))
            == Pushed::Queued
    }

    /// Bytes queued for this peer and not yet handed to the socket.
    ///
    /// ```
    /// use h3rs::ws::{Peer, WebSocket};
    ///
    /// struct Video;
    ///
    /// impl WebSocket for Video {
    ///     async fn open(&self, peer: &Peer) {
    ///         let frame = vec![0u8; 32 * 1024];
    ///         // Skip a frame rather than queue a backlog the client cannot catch up on.
    ///         if peer.buffered_amount() < 1024 * 1024 {
    ///             peer.send(frame);
    ///         }
    ///     }
    /// }
    /// ```
    pub fn buffered_amount(&self) -> usize {
        self.shared.queue.bytes()
    }

    /// Waits until this peer's queue has room again: fewer than half its
    /// [capacity](WsOptions::queue_capacity) in messages (512 by default). Resolves at once
    /// if it has room already, and with `false` once the peer is closing or closed, when
    /// sending more is pointless: `true` means "send on".
    ///
    /// A producer that waits whenever this peer falls behind is never closed as a slow
    /// consumer: its pace becomes the client's. Room is made when the connection's writer
    /// takes everything queued to write it (what it is writing no longer counts, as for
    /// [`buffered_amount`](Self::buffered_amount)), so a wait is woken there or by the
    /// close, and costs nothing while it waits. Several tasks may wait at once; all wake.
    /// Dropping the future cancels the wait.
    ///
    /// ```
    /// use h3rs::ws::{Peer, WebSocket};
    ///
    /// struct Download;
    ///
    /// impl WebSocket for Download {
    ///     async fn open(&self, peer: &Peer) {
    ///         let peer = peer.clone();
    ///         tokio::spawn(async move {
    ///             for chunk in (0..1000u32).map(|n| vec![n as u8; 64 * 1024]) {
    ///                 // Without the wait a client on a slow link would be closed with 1008
    ///                 // once 1024 chunks are queued for it.
    ///                 if !peer.send(chunk) || !peer.wait_for_drain().await {
    ///                     break; // the client left
    ///                 }
    ///             }
    ///         });
    ///     }
    /// }
    /// ```
    pub fn wait_for_drain(&self) -> impl Future<Output = bool> + Send + 'static {
        let below = (self.shared.options.queue_capacity / 2).max(1);
        self.wait_below(below, usize::MAX)
    }

    /// Like [`wait_for_drain`](Self::wait_for_drain), and also waits until fewer than
    /// `bytes` are queued ([`buffered_amount`](Self::buffered_amount)): for a producer of
    /// large messages that should hold less memory for a slow client than half the queue
    /// of them would.
    ///
    /// ```
    /// use h3rs::ws::Peer;
    ///
    /// // Frames of 256 KiB: keep at most about 1 MiB queued for the client.
    /// async fn stream(peer: Peer, frames: Vec<Vec<u8>>) {
    ///     for frame in frames {
    ///         if !peer.send(frame) || !peer.wait_for_drain_below(1024 * 1024).await {
    ///             return;
    ///         }
    ///     }
    /// }
    /// # let _ = stream;
    /// ```
    pub fn wait_for_drain_below(
        &self,
        bytes: usize,
    ) -> impl Future<Output = bool> + Send + 'static {
        let below = (self.shared.options.queue_capacity / 2).max(1);
        self.wait_below(below, bytes.max(1))
    }

    fn wait_below(
        &self,
        messages: usize,
        bytes: usize,
    ) -> impl Future<Output = bool> + Send + 'static {
        // Owns the peer, so the wait can move to another task and outlive the hook.
        let shared = self.shared.clone();
        async move { shared.queue.wait_below(messages, bytes).await }
    }

    /// Subscribes this peer to `topic` (nothing happens once the peer is closing: it would
    /// be a subscription that nothing removes).
    ///
    /// ```
    /// use h3rs::ws::{Peer, WebSocket};
    ///
    /// struct Chat;
    ///
    /// impl WebSocket for Chat {
    ///     async fn open(&self, peer: &Peer) {
    ///         peer.subscribe("chat");
    ///         peer.subscribe(&format!("user:{}", peer.id()));
    ///     }
    /// }
    /// ```
    pub fn subscribe(&self, topic: &str) {
        let mut topics = lock(&self.shared.topics);
        if topics.contains_key(topic) || !self.is_open() {
            return;
        }
        let subscriber: Arc<dyn Subscriber> = self.shared.clone();
        if let Some(guard) = self
            .shared
            .hub
            .subscribe_as(self.shared.id, topic, subscriber, None)
        {
            topics.insert(Arc::from(topic), guard);
        }
    }

    /// Unsubscribes this peer from `topic`.
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, WebSocket};
    ///
    /// struct Channels;
    ///
    /// impl WebSocket for Channels {
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         // "+news" joins a channel, "-news" leaves it.
    ///         let text = message.text();
    ///         if let Some(topic) = text.strip_prefix('+') {
    ///             peer.subscribe(topic);
    ///         } else if let Some(topic) = text.strip_prefix('-') {
    ///             peer.unsubscribe(topic);
    ///         }
    ///     }
    /// }
    /// ```
    pub fn unsubscribe(&self, topic: &str) {
        let guard = lock(&self.shared.topics).remove(topic);
        // Dropped here, outside the lock: that unsubscribes.
        drop(guard);
    }

    /// The topics this peer follows.
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, WebSocket};
    ///
    /// struct Channels;
    ///
    /// impl WebSocket for Channels {
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         if message.text() == "/list" {
    ///             let mut topics = peer.topics();
    ///             topics.sort();
    ///             peer.send(topics.join(", "));
    ///         }
    ///     }
    /// }
    /// ```
    pub fn topics(&self) -> Vec<String> {
        lock(&self.shared.topics)
            .keys()
            .map(|t| t.to_string())
            .collect()
    }

    /// Sends `message` to every subscriber of `topic` except this peer
    /// (subscribed or not), as CrossWS does. Returns how many it reached.
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, WebSocket};
    ///
    /// struct Chat;
    ///
    /// impl WebSocket for Chat {
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         let reached = peer.publish("chat", format!("{peer}: {message}"));
    ///         if reached == 0 {
    ///             peer.send("nobody else is here");
    ///         }
    ///     }
    /// }
    /// ```
    pub fn publish(&self, topic: &str, payload: impl Into<Payload>) -> usize {
        self.shared.hub.publish_from(self.shared.id, topic, payload)
    }

    /// Starts the close handshake with `code` and `reason`; queued messages
    /// are sent first. The client has the close timeout to answer.
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, WebSocket};
    ///
    /// struct Guarded;
    ///
    /// impl WebSocket for Guarded {
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         if message.json::<serde_json::Value>().is_err() {
    ///             // 1003: the data is of a kind this endpoint does not accept.
    ///             peer.close(1003, "JSON only");
    ///         }
    ///     }
    /// }
    /// ```
    pub fn close(&self, code: u16, reason: &str) {
        self.shared
            .start_closing(CloseDetails::new(code, reason), false);
    }

    /// Drops the connection at once, without a close handshake.
    ///
    /// ```
    /// use h3rs::ws::Peers;
    ///
    /// // Ban: no goodbye, no waiting for the client to answer a close frame.
    /// fn ban(peers: &Peers, addr: std::net::IpAddr) {
    ///     for peer in peers.list() {
    ///         if peer.remote_addr().is_some_and(|a| a.ip() == addr) {
    ///             peer.terminate();
    ///         }
    ///     }
    /// }
    /// # let _ = ban;
    /// ```
    pub fn terminate(&self) {
        self.shared.queue.close(None, false);
        self.shared.open.store(false, Ordering::Release);
        self.shared.state.send_replace(PeerState::Terminated);
    }

    /// Whether the peer is open (not closing or closed).
    ///
    /// ```
    /// use std::time::Duration;
    /// use h3rs::ws::{Peer, WebSocket};
    ///
    /// struct Clock;
    ///
    /// impl WebSocket for Clock {
    ///     async fn open(&self, peer: &Peer) {
    ///         let peer = peer.clone();
    ///         tokio::spawn(async move {
    ///             // Stop ticking once the client is gone or going.
    ///             while peer.is_open() {
    ///                 peer.send("tick");
    ///                 tokio::time::sleep(Duration::from_secs(1)).await;
    ///             }
    ///         });
    ///     }
    /// }
    /// ```
    pub fn is_open(&self) -> bool {
        self.shared.open.load(Ordering::Acquire)
    }

    pub(crate) fn state(&self) -> watch::Receiver<PeerState> {
        self.shared.state.subscribe()
    }

    /// The code and reason of the close this side started, if it did.
    pub(crate) fn closing_details(&self) -> Option<CloseDetails> {
        self.shared.closing.get().cloned()
    }

    pub(crate) fn options(&self) -> &WsOptions {
        &self.shared.options
    }

    /// Takes everything queued, once there is something. The flag says whether the queue
    /// had been full since the last batch.
    pub(crate) fn poll_outgoing(
        &self,
        cx: &mut Context<'_>,
        into: &mut VecDeque<Outgoing>,
    ) -> Poll<bool> {
        self.shared.queue.poll_take(cx, into)
    }

    /// Lists the peer in its app's registry; called once when the connection starts.
    pub(crate) fn join(&self) {
        self.shared.peers.insert(self.clone());
    }

    /// Leaves every topic and the registry; called once when the connection ends.
    pub(crate) fn leave(&self) {
        self.shared.queue.close(None, false);
        // Before the topics are left: `subscribe` refuses a peer that is not open, so no
        // task holding a clone can add a subscription that nothing would remove.
        self.shared.open.store(false, Ordering::Release);
        self.shared.state.send_if_modified(|state| {
            if *state == PeerState::Terminated {
                false
            } else {
                *state = PeerState::Terminated;
                true
            }
        });
        let topics: Vec<SubscriptionGuard> = lock(&self.shared.topics)
            .drain()
            .map(|(_, guard)| guard)
            .collect();
        drop(topics);
        self.shared.peers.remove(self.id());
    }

    pub(crate) fn close_frame(details: &CloseDetails) -> CloseFrame {
        CloseFrame {
            code: CloseDetails::wire_code(details.code),
            reason: details.reason.as_str().into(),
        }
    }
}

impl Shared {
    fn enqueue(&self, message: tungstenite::Message) -> Pushed {
        let pushed = self.queue.push(Outgoing::Message(message));
        if pushed == Pushed::Overflowed {
            tracing::warn!(peer = self.id.get(), "slow consumer: closing with 1008");
            self.start_closing(CloseDetails::new(1008, "Slow consumer"), true);
        }
        pushed
    }

    /// Queues the close frame last (after dropping what is queued if `discard`) and stops
    /// accepting, under the lock of the pushes.
    fn start_closing(&self, details: CloseDetails, discard: bool) {
        let frame = Outgoing::Close(details.clone());
        if !self.queue.close(Some(frame), discard) {
            return;
        }
        // Before the state changes: the reader looks for it when it sees `Closing`.
        let _ = self.closing.set(details);
        self.open.store(false, Ordering::Release);
        self.state.send_if_modified(|state| {
            let open = *state == PeerState::Open;
            if open {
                *state = PeerState::Closing;
            }
            open
        });
    }
}

/// The hub delivers to the peer's queue, encoded for the wire once per publish: every
/// peer's frame shares the publish's buffer.
impl Subscriber for Shared {
    fn deliver(&self, payload: &Payload) -> Delivery {
        match self.enqueue(wire_of(payload)) {
            Pushed::Queued => Delivery::Accepted,
            // The peer closes itself at once: nothing is left for the hub to do.
            Pushed::Dropped | Pushed::Closed | Pushed::Overflowed => Delivery::Skipped,
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.shared.id.get())
    }
}

impl fmt::Debug for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Peer")
            .field("id", &self.shared.id.get())
            .field("uri", &self.shared.uri)
            .field("state", &*self.shared.state.borrow())
            .finish_non_exhaustive()
    }
}

impl PartialEq for Peer {
    fn eq(&self, other: &Self) -> bool {
        self.shared.id == other.shared.id
    }
}

impl Eq for Peer {}
