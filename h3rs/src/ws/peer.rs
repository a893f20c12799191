//! `Peer`: one WebSocket connection as hooks and the app see it.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http::{Extensions, HeaderMap, Uri};
use tokio::sync::{watch, Notify};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Bytes};

use crate::pubsub::hub::next_subscriber_id;
use crate::pubsub::{Hub, Subscriber, SubscriberId};
use crate::router::Params;
use crate::ws::options::{SlowConsumer, WsOptions};
use crate::ws::{CloseDetails, Message};

/// A connected WebSocket client. Cheap to clone; clones are the same peer.
///
/// Nothing here blocks or awaits: `send` and `publish` put messages on the
/// peer's bounded queue, drained by the connection's writer task.
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

struct Queue {
    items: VecDeque<Outgoing>,
    bytes: usize,
    was_full: bool,
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
    options: Arc<WsOptions>,
    queue: Mutex<Queue>,
    wake_writer: Notify,
    state: watch::Sender<PeerState>,
    topics: Mutex<HashSet<Arc<str>>>,
    closing: Mutex<Option<CloseDetails>>,
}

pub(crate) struct PeerInit {
    pub uri: Uri,
    pub headers: HeaderMap,
    pub params: Params,
    pub remote_addr: Option<SocketAddr>,
    pub protocol: Option<String>,
    pub context: Extensions,
    pub hub: Hub,
    pub options: Arc<WsOptions>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic in a hook must not make the peer unusable for the others.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Peer {
    pub(crate) fn new(init: PeerInit) -> Self {
        Peer {
            shared: Arc::new(Shared {
                id: next_subscriber_id(),
                uri: init.uri,
                headers: init.headers,
                params: init.params,
                remote_addr: init.remote_addr,
                protocol: init.protocol,
                context: init.context,
                hub: init.hub,
                options: init.options,
                queue: Mutex::new(Queue {
                    items: VecDeque::new(),
                    bytes: 0,
                    was_full: false,
                }),
                wake_writer: Notify::new(),
                state: watch::Sender::new(PeerState::Open),
                topics: Mutex::new(HashSet::new()),
                closing: Mutex::new(None),
            }),
        }
    }

    /// The peer's id, unique in the process; `Display` prints the same.
    pub fn id(&self) -> u64 {
        self.shared.id
    }

    pub(crate) fn subscriber_id(&self) -> SubscriberId {
        self.shared.id
    }

    /// The URI of the handshake request.
    pub fn uri(&self) -> &Uri {
        &self.shared.uri
    }

    /// The headers of the handshake request.
    pub fn headers(&self) -> &HeaderMap {
        &self.shared.headers
    }

    /// The route parameters (`:room` in `/_ws/:room`).
    pub fn params(&self) -> &Params {
        &self.shared.params
    }

    /// The client's address, when served over a socket.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.shared.remote_addr
    }

    /// The subprotocol chosen in the handshake, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.shared.protocol.as_deref()
    }

    /// The typed context seeded by the `upgrade` hook.
    pub fn context(&self) -> &Extensions {
        &self.shared.context
    }

    /// The app's hub, to publish to everyone (the sender included).
    pub fn hub(&self) -> &Hub {
        &self.shared.hub
    }

    /// Queues a message for this peer: text, binary or JSON (`Json(value)`).
    /// Returns false when the peer is closing or the message was refused by
    /// the slow consumer policy.
    pub fn send(&self, message: impl Into<Message>) -> bool {
        self.enqueue_message(message.into().into_wire())
    }

    pub(crate) fn send_ping(&self) -> bool {
        self.enqueue_message(tungstenite::Message::Ping(Bytes::new()))
    }

    fn enqueue_message(&self, message: tungstenite::Message) -> bool {
        if *self.shared.state.borrow() != PeerState::Open {
            return false;
        }
        let size = message.len();
        let mut queue = lock(&self.shared.queue);
        if queue.items.len() >= self.shared.options.queue_capacity {
            queue.was_full = true;
            match self.shared.options.slow_consumer {
                SlowConsumer::Close => {
                    queue.items.clear();
                    queue.bytes = 0;
                    drop(queue);
                    tracing::warn!(peer = self.shared.id, "slow consumer: closing with 1008");
                    self.close(1008, "Slow consumer");
                    return false;
                }
                SlowConsumer::DropOldest => {
                    if let Some(Outgoing::Message(old)) = queue.items.pop_front() {
                        queue.bytes -= old.len();
                    }
                }
            }
        }
        queue.items.push_back(Outgoing::Message(message));
        queue.bytes += size;
        drop(queue);
        self.shared.wake_writer.notify_one();
        true
    }

    /// Bytes queued for this peer and not yet handed to the socket.
    pub fn buffered_amount(&self) -> usize {
        lock(&self.shared.queue).bytes
    }

    /// Subscribes this peer to `topic`.
    pub fn subscribe(&self, topic: &str) {
        let topic: Arc<str> = Arc::from(topic);
        if lock(&self.shared.topics).insert(topic.clone()) {
            self.shared.hub.subscribe(&topic, Arc::new(self.clone()));
        }
    }

    /// Unsubscribes this peer from `topic`.
    pub fn unsubscribe(&self, topic: &str) {
        if lock(&self.shared.topics).remove(topic) {
            self.shared.hub.unsubscribe(topic, self.shared.id);
        }
    }

    /// The topics this peer follows.
    pub fn topics(&self) -> Vec<String> {
        lock(&self.shared.topics)
            .iter()
            .map(|t| t.to_string())
            .collect()
    }

    /// Sends `message` to every subscriber of `topic` except this peer
    /// (subscribed or not), as CrossWS does. Returns how many it reached.
    pub fn publish(&self, topic: &str, message: impl Into<Message>) -> usize {
        self.shared
            .hub
            .publish_from(Some(self.shared.id), topic, message.into())
    }

    /// Starts the close handshake with `code` and `reason`; queued messages
    /// are sent first. The client has the close timeout to answer.
    pub fn close(&self, code: u16, reason: &str) {
        let changed = self.shared.state.send_if_modified(|state| {
            if *state == PeerState::Open {
                *state = PeerState::Closing;
                true
            } else {
                false
            }
        });
        if changed {
            let details = CloseDetails::new(code, reason);
            *lock(&self.shared.closing) = Some(details.clone());
            lock(&self.shared.queue)
                .items
                .push_back(Outgoing::Close(details));
            self.shared.wake_writer.notify_one();
        }
    }

    /// Drops the connection at once, without a close handshake.
    pub fn terminate(&self) {
        self.shared.state.send_replace(PeerState::Terminated);
        self.shared.wake_writer.notify_one();
    }

    /// Whether the peer is open (not closing or closed).
    pub fn is_open(&self) -> bool {
        *self.shared.state.borrow() == PeerState::Open
    }

    pub(crate) fn state(&self) -> watch::Receiver<PeerState> {
        self.shared.state.subscribe()
    }

    /// The code and reason of the close this side started, if it did.
    pub(crate) fn closing_details(&self) -> Option<CloseDetails> {
        lock(&self.shared.closing).clone()
    }

    pub(crate) fn options(&self) -> &WsOptions {
        &self.shared.options
    }

    /// Takes everything queued; `None` when the queue is empty. The flag
    /// says whether the queue had been full since the last drain.
    pub(crate) fn take_outgoing(&self, into: &mut Vec<Outgoing>) -> bool {
        let mut queue = lock(&self.shared.queue);
        into.extend(queue.items.drain(..));
        queue.bytes = 0;
        std::mem::take(&mut queue.was_full)
    }

    pub(crate) async fn outgoing_ready(&self) {
        self.shared.wake_writer.notified().await;
    }

    /// Leaves every topic; called once when the connection ends.
    pub(crate) fn leave(&self) {
        let topics: Vec<Arc<str>> = lock(&self.shared.topics).drain().collect();
        for topic in topics {
            self.shared.hub.unsubscribe(&topic, self.shared.id);
        }
        self.shared.hub.remove_peer(self.shared.id);
        self.shared.state.send_if_modified(|state| {
            if *state == PeerState::Terminated {
                false
            } else {
                *state = PeerState::Terminated;
                true
            }
        });
    }

    pub(crate) fn close_frame(details: &CloseDetails) -> CloseFrame {
        CloseFrame {
            code: CloseDetails::wire_code(details.code),
            reason: details.reason.as_str().into(),
        }
    }
}

impl Subscriber for Peer {
    fn id(&self) -> SubscriberId {
        self.shared.id
    }

    fn deliver(&self, message: &Message) {
        self.enqueue_message(message.clone().into_wire());
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.shared.id)
    }
}

impl fmt::Debug for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Peer")
            .field("id", &self.shared.id)
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
