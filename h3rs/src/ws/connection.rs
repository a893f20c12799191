//! One WebSocket connection: a reader loop that runs the hooks, and a writer
//! fed by the peer's queue, both in the connection's task ([`Duplex`]).

use std::collections::VecDeque;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use futures_util::FutureExt;
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};
use tokio_tungstenite::tungstenite::{self, Error as WireError};

use crate::server::Slot;
use crate::shutdown::Shutdown;
use crate::wake_gate::OnWake;
use crate::ws::duplex::Duplex;
use crate::ws::peer::{Outgoing, PeerState};
use crate::ws::raw_socket::RawSocket;
use crate::ws::read_ahead::ReadAhead;
use crate::ws::socket_handle::SocketHandle;
use crate::ws::wire::Wire;
use crate::ws::{CloseDetails, Message, Peer, WebSocket, WsError};

type Socket = Wire<ReadAhead<RawSocket>>;

/// Runs a hook; a panic is logged and closes the peer with 1011.
async fn guarded(peer: &Peer, hook: &'static str, future: impl Future<Output = ()>) {
    if let Err(panic) = AssertUnwindSafe(future).catch_unwind().await {
        let message = panic
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("<non-string panic>");
        tracing::error!(
            peer = peer.id(),
            hook,
            panic = message,
            "WebSocket hook panicked"
        );
        peer.close(1011, "Internal Error");
    }
}

pub(crate) async fn run_connection<H: WebSocket>(
    handler: Arc<H>,
    peer: Peer,
    (socket, slot): (Socket, Option<Slot>),
    shutdown: Option<Shutdown>,
) {
    peer.join();
    // A block of its own: the socket (and with it the connection's slot) is dropped before
    // the `close` hook runs, however long that takes.
    let details = {
        let _slot = slot;
        let socket = Mutex::new(socket);
        let reader = async {
            guarded(&peer, "open", handler.open(&peer)).await;
            read_loop(&handler, &peer, SocketHandle::new(&socket), shutdown).await
        };
        let mut reader = std::pin::pin!(reader);
        let mut writer = std::pin::pin!(write_loop(&*handler, &peer, SocketHandle::new(&socket)));
        let mut duplex = Duplex::new(reader.as_mut(), writer.as_mut());
        let (details, flush_deadline) = (&mut duplex).await;
        if let (Some(deadline), Some(writer)) = (flush_deadline, duplex.into_writer()) {
            // After a protocol error the writer still owes the client a close frame.
            let _ = tokio::time::timeout_at(deadline, writer).await;
        }
        details
    };
    guarded(&peer, "close", handler.close(&peer, details)).await;
    peer.leave();
}

/// Reads until the connection ends; returns what the `close` hook is told,
/// and how long the writer may still take to send a close frame.
async fn read_loop<H: WebSocket>(
    handler: &Arc<H>,
    peer: &Peer,
    mut stream: SocketHandle<'_, Socket>,
    shutdown: Option<Shutdown>,
) -> (CloseDetails, Option<Instant>) {
    let options = peer.options().clone();
    // The code we closed with wins over the client's echo of it.
    let mut ours: Option<CloseDetails> = None;
    let mut theirs: Option<CloseDetails> = None;
    let mut shutting_down = false;
    let ping_every = options.ping_interval;
    let mut awaiting_pong = false;
    let mut state = peer.state();
    let mut ping_at = ping_every.map(|every| Instant::now() + every);
    let mut close_at: Option<Instant> = None;
    // Every frame wakes this loop; what else it waits for is made once (again only after
    // something of it fired) and waits behind one gate, looked at before each frame.
    let watch = |state: &watch::Receiver<PeerState>, shutting_down: bool, close_at, ping_at| {
        let shutdown = shutdown.clone().filter(|_| !shutting_down);
        OnWake::new(next_control(state.clone(), shutdown, close_at, ping_at))
    };
    let mut control = watch(&state, shutting_down, close_at, ping_at);

    loop {
        // The control events first: a client that floods frames cannot keep them from
        // being seen.
        let event = std::future::poll_fn(|cx| {
            if let Poll::Ready(event) = Pin::new(&mut control).poll(cx) {
                return Poll::Ready(Event::Control(event));
            }
            stream
                .poll_socket(|socket| socket.poll_next(cx))
                .map(Event::Frame)
        })
        .await;
        match event {
            Event::Control(event) => {
                match event {
                    Control::State(None, _) => break,
                    Control::State(Some(now), receiver) => {
                        state = receiver;
                        match now {
                            PeerState::Open => {}
                            PeerState::Closing => {
                                close_at
                                    .get_or_insert_with(|| Instant::now() + options.close_timeout);
                            }
                            PeerState::Terminated => break,
                        }
                    }
                    Control::Shutdown => {
                        shutting_down = true;
                        ours.get_or_insert_with(|| CloseDetails::new(1001, "Server shutting down"));
                        peer.close(1001, "Server shutting down");
                    }
                    Control::CloseTimeout => {
                        tracing::debug!(peer = peer.id(), "close handshake timed out");
                        break;
                    }
                    Control::Ping => {
                        if awaiting_pong {
                            tracing::debug!(
                                peer = peer.id(),
                                "no answer to ping; dropping the peer"
                            );
                            ours.get_or_insert_with(|| CloseDetails::new(1006, "Ping timeout"));
                            break;
                        }
                        awaiting_pong = peer.send_ping();
                        ping_at = ping_every.map(|every| Instant::now() + every);
                    }
                }
                control = watch(&state, shutting_down, close_at, ping_at);
            }
            Event::Frame(frame) => {
                awaiting_pong = false;
                match frame {
                    Some(Ok(tungstenite::Message::Close(frame))) => {
                        theirs = Some(match frame {
                            Some(frame) => {
                                CloseDetails::new(frame.code.into(), frame.reason.as_str())
                            }
                            None => CloseDetails::new(1005, ""),
                        });
                        // tungstenite has queued the echo; the next read sends it and ends the stream.
                    }
                    Some(Ok(message)) => {
                        if let Some(message) = Message::from_wire(message) {
                            if peer.is_open() {
                                // Made where it stays: passed by value, the hook's
                                // future was copied into the guard's, a memcpy per message.
                                let hook = std::pin::pin!(handler.message(peer, message));
                                guarded(peer, "message", hook).await;
                                // Frames read ahead come from memory, which costs no
                                // tokio budget: without this, a peer publishing a burst
                                // would run thousands of hooks before any writer ran,
                                // and fill every subscriber's queue.
                                tokio::task::consume_budget().await;
                            }
                        }
                    }
                    Some(Err(WireError::ConnectionClosed | WireError::AlreadyClosed)) | None => {
                        break;
                    }
                    Some(Err(error)) => {
                        let error = WsError::from_wire(&error);
                        let code = error.close_code();
                        tracing::debug!(peer = peer.id(), code, %error, "WebSocket connection error");
                        guarded(peer, "error", handler.error(peer, error)).await;
                        if code == 1006 {
                            break;
                        }
                        let reason = match code {
                            1007 => "Invalid UTF-8",
                            1009 => "Message too big",
                            _ => "Protocol error",
                        };
                        let details = ours.get_or_insert_with(|| CloseDetails::new(code, reason));
                        peer.close(details.code, &details.reason);
                        // Nothing more can be read after a protocol error; the
                        // writer sends the close frame, then the socket is dropped.
                        let deadline = Instant::now() + options.close_timeout;
                        return (ours.unwrap_or_else(CloseDetails::abnormal), Some(deadline));
                    }
                }
            }
        }
        // A close we started (peer.close, a slow consumer, a panic) decides the code.
        if ours.is_none() && close_at.is_some() {
            ours = peer.closing_details();
        }
    }
    (ours.or(theirs).unwrap_or_else(CloseDetails::abnormal), None)
}

/// What the read loop woke for.
enum Event {
    Control(Control),
    Frame(Option<Result<tungstenite::Message, WireError>>),
}

/// What the read loop waits for besides frames.
enum Control {
    /// The peer's state changed (None: the peer is gone), seen by this receiver.
    State(Option<PeerState>, watch::Receiver<PeerState>),
    Shutdown,
    CloseTimeout,
    Ping,
}

/// The first of: a change of the peer's state, the server's shutdown, the close handshake's
/// deadline, the next ping's time.
async fn next_control(
    mut state: watch::Receiver<PeerState>,
    shutdown: Option<Shutdown>,
    close_at: Option<Instant>,
    ping_at: Option<Instant>,
) -> Control {
    let at = |deadline: Option<Instant>| async move {
        match deadline {
            Some(deadline) => sleep_until(deadline).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        biased;
        changed = state.changed() => {
            let now = changed.ok().map(|()| *state.borrow_and_update());
            Control::State(now, state)
        }
        () = async {
            match &shutdown {
                Some(shutdown) => shutdown.triggered().await,
                None => std::future::pending().await,
            }
        } => Control::Shutdown,
        () = at(close_at) => Control::CloseTimeout,
        () = at(ping_at) => Control::Ping,
    }
}

async fn write_loop<H: WebSocket>(handler: &H, peer: &Peer, mut sink: SocketHandle<'_, Socket>) {
    let mut batch = VecDeque::new();
    let mut closed = false;
    loop {
        let was_full = std::future::poll_fn(|cx| peer.poll_outgoing(cx, &mut batch)).await;
        // The whole batch under one borrow of the socket, with one flush: under load many
        // messages share a write, when idle each goes out at once.
        let written = std::future::poll_fn(|cx| {
            sink.poll_socket(|socket| poll_write(socket, cx, &mut batch, &mut closed))
        })
        .await;
        if written.is_err() || closed {
            return;
        }
        if was_full {
            guarded(peer, "drain", handler.drain(peer)).await;
        }
    }
}

/// Hands `batch` to the socket in order, up to a close frame (then `closed` is set and
/// the rest dropped), and flushes. Pending while the socket is full: what it has not
/// taken stays in `batch`.
fn poll_write(
    socket: &mut Socket,
    cx: &mut Context<'_>,
    batch: &mut VecDeque<Outgoing>,
    closed: &mut bool,
) -> Poll<Result<(), WireError>> {
    while !*closed && !batch.is_empty() {
        ready!(socket.poll_ready(cx))?;
        let frame = match batch.pop_front().expect("not empty") {
            Outgoing::Message(message) => message,
            Outgoing::Close(details) => {
                *closed = true;
                batch.clear();
                tungstenite::Message::Close(Some(Peer::close_frame(&details)))
            }
        };
        socket.start_send(cx, frame)?;
    }
    socket.poll_flush(cx)
}
