//! One WebSocket connection: a reader loop that runs the hooks, and a writer
//! fed by the peer's queue, both in the connection's task ([`Duplex`]).

use std::collections::VecDeque;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{self, Error as WireError};

use crate::shutdown::Shutdown;
use crate::wake_gate::OnWake;
use crate::ws::duplex::Duplex;
use crate::ws::peer::{Outgoing, PeerState};
use crate::ws::raw_socket::RawSocket;
use crate::ws::read_ahead::ReadAhead;
use crate::ws::socket_handle::SocketHandle;
use crate::ws::{CloseDetails, Message, Peer, WebSocket, WsError};

type Socket = WebSocketStream<ReadAhead<RawSocket>>;

/// Runs a hook; a panic is logged and closes the peer with 1011.
async fn guarded(peer: &Peer, hook: &'static str, future: impl Future<Output = ()>) {
    // Pinned where it is: moving the hook's future into `CatchUnwind` was a copy per message.
    let future = std::pin::pin!(future);
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
    socket: Socket,
    shutdown: Option<Shutdown>,
) {
    peer.join();
    // A block of its own: the socket is dropped before the `close` hook runs, however
    // long that takes.
    let details = {
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
    // Every frame wakes this loop; the other branches are made once (again only after
    // they fire) and polled only when their own waker fired, not once per frame.
    let mut state_change = OnWake::new(next_state(peer.state()));
    let mut shutdown_signal = OnWake::new(async move {
        match &shutdown {
            Some(shutdown) => shutdown.triggered().await,
            None => std::future::pending().await,
        }
    });
    let mut ping = ping_every.map(|every| OnWake::new(sleep_until(Instant::now() + every)));
    let mut close_timer: Option<OnWake<tokio::time::Sleep>> = None;

    loop {
        // In this order, without select!'s random start (a thread-local RNG per frame): the
        // other branches cost a comparison each until their waker fires, and a client
        // that floods frames cannot keep them from being seen.
        tokio::select! {
            biased;
            (changed, state) = &mut state_change => {
                let Some(now) = changed else { break };
                state_change = OnWake::new(next_state(state));
                match now {
                    PeerState::Open => {}
                    PeerState::Closing => {
                        if close_timer.is_none() {
                            let deadline = Instant::now() + options.close_timeout;
                            close_timer = Some(OnWake::new(sleep_until(deadline)));
                        }
                    }
                    PeerState::Terminated => break,
                }
            }
            () = &mut shutdown_signal, if !shutting_down => {
                shutting_down = true;
                ours.get_or_insert_with(|| CloseDetails::new(1001, "Server shutting down"));
                peer.close(1001, "Server shutting down");
            }
            () = async { close_timer.as_mut().expect("guarded").await }, if close_timer.is_some() => {
                tracing::debug!(peer = peer.id(), "close handshake timed out");
                break;
            }
            () = async { ping.as_mut().expect("guarded").await }, if ping.is_some() => {
                if awaiting_pong {
                    tracing::debug!(peer = peer.id(), "no answer to ping; dropping the peer");
                    ours.get_or_insert_with(|| CloseDetails::new(1006, "Ping timeout"));
                    break;
                }
                awaiting_pong = peer.send_ping();
                ping = ping_every.map(|every| OnWake::new(sleep_until(Instant::now() + every)));
            }
            frame = stream.next() => {
                awaiting_pong = false;
                match frame {
                    Some(Ok(tungstenite::Message::Close(frame))) => {
                        theirs = Some(match frame {
                            Some(frame) => CloseDetails::new(frame.code.into(), frame.reason.as_str()),
                            None => CloseDetails::new(1005, ""),
                        });
                        // tungstenite has queued the echo; the next read sends it and ends the stream.
                    }
                    Some(Ok(message)) => {
                        if let Some(message) = Message::from_wire(message) {
                            if peer.is_open() {
                                guarded(peer, "message", handler.message(peer, message)).await;
                                // Frames read ahead come from memory, which costs no
                                // tokio budget: without this, a peer publishing a burst
                                // would run thousands of hooks before any writer ran,
                                // and fill every subscriber's queue.
                                tokio::task::consume_budget().await;
                            }
                        }
                    }
                    Some(Err(WireError::ConnectionClosed | WireError::AlreadyClosed)) | None => break,
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
        if ours.is_none() && close_timer.is_some() {
            ours = peer.closing_details();
        }
    }
    (ours.or(theirs).unwrap_or_else(CloseDetails::abnormal), None)
}

/// The next state of the peer (None once the peer is gone), with the receiver back.
async fn next_state(
    mut state: watch::Receiver<PeerState>,
) -> (Option<PeerState>, watch::Receiver<PeerState>) {
    let changed = match state.changed().await {
        Ok(()) => Some(*state.borrow_and_update()),
        Err(_) => None,
    };
    (changed, state)
}

async fn write_loop<H: WebSocket>(handler: &H, peer: &Peer, mut sink: SocketHandle<'_, Socket>) {
    let mut batch = VecDeque::new();
    loop {
        let was_full = std::future::poll_fn(|cx| peer.poll_outgoing(cx, &mut batch)).await;
        let mut closed = false;
        while let Some(item) = batch.pop_front() {
            let frame = match item {
                Outgoing::Message(message) => message,
                Outgoing::Close(details) => {
                    closed = true;
                    tungstenite::Message::Close(Some(Peer::close_frame(&details)))
                }
            };
            if sink.feed(frame).await.is_err() {
                return;
            }
            if closed {
                break;
            }
        }
        // One flush per batch: under load many messages share a write, when
        // idle each goes out at once.
        if sink.flush().await.is_err() {
            return;
        }
        if closed {
            return;
        }
        if was_full {
            guarded(peer, "drain", handler.drain(peer)).await;
        }
    }
}
