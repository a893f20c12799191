//! `Peer::wait_for_drain` over real sockets: a producer that paces itself against a client
//! that reads slowly is never closed as a slow consumer, and a wait never hangs.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::Poll;
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use h3rs::prelude::*;
use h3rs::ws::{WebSocket, WsOptions};
use h3rs_tests::{TestServer, spawn};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Wire;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A guard against hangs, not a wait: every expected event comes well before it.
const PATIENCE: Duration = Duration::from_secs(10);

const CHUNK: usize = 64 * 1024;
/// 25 MiB: more than the loopback socket buffers take from a client that does not read,
/// so the writer blocks and the peer's queue backs up.
const CHUNKS: u32 = 400;

/// Hands each peer to the test and reports how it closed.
struct Source {
    opened: mpsc::UnboundedSender<Peer>,
    closed: mpsc::UnboundedSender<CloseDetails>,
}

impl WebSocket for Source {
    async fn open(&self, peer: &Peer) {
        let _ = self.opened.send(peer.clone());
    }
    async fn close(&self, _peer: &Peer, details: CloseDetails) {
        let _ = self.closed.send(details);
    }
}

struct Fixture {
    server: TestServer,
    opened: mpsc::UnboundedReceiver<Peer>,
    closed: mpsc::UnboundedReceiver<CloseDetails>,
}

async fn serve(options: WsOptions) -> Fixture {
    let (opened, opened_rx) = mpsc::unbounded_channel();
    let (closed, closed_rx) = mpsc::unbounded_channel();
    let app = H3::new().websocket_with("/src", Source { opened, closed }, options);
    Fixture {
        server: spawn(app).await,
        opened: opened_rx,
        closed: closed_rx,
    }
}

async fn connect(fixture: &mut Fixture) -> (Client, Peer) {
    let url = format!("ws://{}/src", fixture.server.addr);
    let (client, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("handshake");
    let peer = tokio::time::timeout(PATIENCE, fixture.opened.recv())
        .await
        .expect("the open hook in time")
        .unwrap();
    (client, peer)
}

/// Chunk `n`: its number, then filler.
fn chunk(n: u32) -> Message {
    let mut bytes = vec![n as u8; CHUNK];
    bytes[..4].copy_from_slice(&n.to_be_bytes());
    Message::binary(bytes)
}

/// Awaits `wait`, and says whether it had to wait (was pending when first polled).
async fn stalled(wait: impl Future<Output = bool>) -> (bool, bool) {
    let mut wait = pin!(wait);
    match std::future::poll_fn(|cx| Poll::Ready(wait.as_mut().poll(cx))).await {
        Poll::Ready(more) => (more, false),
        Poll::Pending => (wait.await, true),
    }
}

/// Reads every chunk, in order, sleeping between reads once the producer has stalled: a
/// client on a slow link.
async fn read_slowly(client: &mut Client, first_stall: &mut mpsc::Receiver<()>) {
    tokio::time::timeout(PATIENCE, first_stall.recv())
        .await
        .expect("the producer stalls against a client that does not read");
    for expected in 0..CHUNKS {
        let frame = loop {
            let frame = tokio::time::timeout(PATIENCE, client.next())
                .await
                .expect("a chunk in time")
                .expect("the stream is open")
                .expect("a valid frame");
            if !matches!(frame, Wire::Ping(_) | Wire::Pong(_)) {
                break frame;
            }
        };
        let Wire::Binary(data) = frame else {
            panic!("expected chunk {expected}, got {frame:?}");
        };
        assert_eq!(data.len(), CHUNK);
        let n = u32::from_be_bytes(data[..4].try_into().unwrap());
        assert_eq!(n, expected, "chunks arrive in order, none dropped");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test]
async fn a_producer_that_waits_for_drain_reaches_a_slow_reader_whole() {
    // The default policy, `Overflow::Close`: nine chunks queued would close the peer.
    let mut fixture = serve(WsOptions::default().queue_capacity(8)).await;
    let (mut client, peer) = connect(&mut fixture).await;
    let (stall, mut first_stall) = mpsc::channel(1);
    let producer = tokio::spawn(async move {
        let mut stalls = 0;
        for n in 0..CHUNKS {
            assert!(peer.send(chunk(n)), "chunk {n} refused");
            if peer.buffered_amount() > 2 * CHUNK {
                let (more, waited) = stalled(peer.wait_for_drain()).await;
                assert!(more, "the peer closed under chunk {n}");
                if waited {
                    stalls += 1;
                    let _ = stall.try_send(());
                }
            }
        }
        (peer, stalls)
    });
    read_slowly(&mut client, &mut first_stall).await;
    let (peer, stalls) = producer.await.unwrap();
    assert!(
        stalls > 1,
        "the producer kept pace with the reader ({stalls} stalls)"
    );
    assert!(peer.is_open());
    let bye = CloseFrame {
        code: CloseCode::Normal,
        reason: "bye".into(),
    };
    client.close(Some(bye)).await.unwrap();
    let details = tokio::time::timeout(PATIENCE, fixture.closed.recv())
        .await
        .expect("the close hook in time")
        .unwrap();
    assert_eq!(
        (details.code, details.reason.as_str()),
        (1000, "bye"),
        "closed by the client, not as a slow consumer"
    );
    fixture.server.stop().await;
}

#[tokio::test]
async fn a_byte_limit_bounds_what_a_slow_reader_holds() {
    const LIMIT: usize = 4 * CHUNK;
    // A queue long enough that only the byte limit paces the producer.
    let mut fixture = serve(WsOptions::default()).await;
    let (mut client, peer) = connect(&mut fixture).await;
    let (stall, mut first_stall) = mpsc::channel(1);
    let producer = tokio::spawn(async move {
        let mut most = 0;
        for n in 0..CHUNKS {
            assert!(peer.send(chunk(n)));
            most = most.max(peer.buffered_amount());
            let (more, waited) = stalled(peer.wait_for_drain_below(LIMIT)).await;
            assert!(more);
            if waited {
                let _ = stall.try_send(());
            }
        }
        most
    });
    read_slowly(&mut client, &mut first_stall).await;
    let most = producer.await.unwrap();
    // Below the limit before each send, so at most one chunk over it after.
    assert!(most < LIMIT + CHUNK, "{most} bytes queued");
    drop(client);
    fixture.server.stop().await;
}

#[tokio::test]
async fn a_wait_for_drain_resolves_at_once_when_the_queue_is_small() {
    let mut fixture = serve(WsOptions::default()).await;
    let (client, peer) = connect(&mut fixture).await;
    assert_eq!(peer.wait_for_drain().now_or_never(), Some(true));
    assert_eq!(peer.wait_for_drain_below(1).now_or_never(), Some(true));
    // The writer cannot run before the checks: three messages stay queued, far below
    // half of 1024, and 15 bytes are not fewer than 15.
    for text in ["one", "two", "three"] {
        assert!(peer.send(format!("{text:>5}")));
    }
    assert_eq!(peer.buffered_amount(), 15);
    assert_eq!(peer.wait_for_drain().now_or_never(), Some(true));
    assert_eq!(peer.wait_for_drain_below(16).now_or_never(), Some(true));
    assert_eq!(peer.wait_for_drain_below(15).now_or_never(), None);
    drop(client);
    fixture.server.stop().await;
}

/// Sends until the peer's queue is stuck (its client does not read) with waiters on it;
/// returns the waiters' tasks.
async fn stuck_waiters(peer: &Peer) -> Vec<tokio::task::JoinHandle<bool>> {
    let sent = Arc::new(AtomicU32::new(0));
    let producer = {
        let (peer, sent) = (peer.clone(), sent.clone());
        tokio::spawn(async move {
            for n in 0.. {
                if !peer.send(chunk(n)) {
                    return false;
                }
                sent.store(n + 1, Ordering::Relaxed);
                if !peer.wait_for_drain().await {
                    return false;
                }
            }
            unreachable!()
        })
    };
    // Stuck: the queue is at the threshold (four of eight) and nothing moved for a while,
    // so the writer is blocked on full socket buffers.
    let stuck = async {
        loop {
            let before = sent.load(Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(50)).await;
            if sent.load(Ordering::Relaxed) == before && peer.buffered_amount() >= 4 * CHUNK {
                break;
            }
        }
    };
    tokio::time::timeout(PATIENCE, stuck)
        .await
        .expect("the queue backs up behind a client that does not read");
    // Two more waiters on the same stuck queue: every one must wake.
    let mut waiters = vec![producer];
    for _ in 0..2 {
        waiters.push(tokio::spawn(peer.wait_for_drain()));
    }
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(waiters.iter().all(|waiter| !waiter.is_finished()));
    waiters
}

#[tokio::test]
async fn waiters_on_a_peer_that_closes_resolve_false() {
    let options = WsOptions::default()
        .queue_capacity(8)
        .close_timeout(Duration::from_millis(200));
    let mut fixture = serve(options).await;

    // Closed by the server while its client does not read.
    let (_silent, peer) = connect(&mut fixture).await;
    let waiters = stuck_waiters(&peer).await;
    peer.close(1000, "done");
    for waiter in waiters {
        let more = tokio::time::timeout(PATIENCE, waiter).await;
        assert!(!more.expect("the wait ends with the peer").unwrap());
    }
    // A wait that starts on a closed peer ends at once.
    assert_eq!(peer.wait_for_drain().now_or_never(), Some(false));

    // Gone because the client hung up.
    let (client, peer) = connect(&mut fixture).await;
    let waiters = stuck_waiters(&peer).await;
    drop(client);
    for waiter in waiters {
        let more = tokio::time::timeout(PATIENCE, waiter).await;
        assert!(!more.expect("the wait ends with the connection").unwrap());
    }
    assert_eq!(peer.wait_for_drain_below(1).now_or_never(), Some(false));
    fixture.server.stop().await;
}
