//! What a hostile or careless client gets, through real sockets: a request without `Host`,
//! a connection that sends nothing, an overlong URI, more connections than allowed, a flood
//! of idle connections, and a server that runs out of file descriptors.

use h3rs_tests::ExampleProcess;
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use h3rs::prelude::*;
use h3rs::ws::WebSocket;
use h3rs_tests::{raw_exchange, spawn, spawn_with, test_options};
use http_body_util::Empty;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message as Wire;

/// A guard against hangs, not a wait: every expected event comes well before it.
const PATIENCE: Duration = Duration::from_secs(10);

/// Short enough for a test to watch it pass.
const IDLE: Duration = Duration::from_millis(200);

/// A header-read timeout as short, for the slowloris tests.
const HEAD: Duration = Duration::from_millis(200);

fn hello() -> H3 {
    H3::new().get("/hello", |_: H3Event| async { "hello" })
}

/// Reads until the server closes the connection; panics if it does not within `PATIENCE`.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut out))
        .await
        .expect("the server closed the connection")
        .ok();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn http11_needs_exactly_one_host_and_http10_needs_none() {
    let server = spawn(hello()).await;
    let without = raw_exchange(
        server.addr,
        b"GET /hello HTTP/1.1\r\n\r\n",
        Some("\r\n\r\n"),
    )
    .await;
    assert!(without.starts_with("HTTP/1.1 400"), "{without}");
    let twice = raw_exchange(
        server.addr,
        b"GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        Some("\r\n\r\n"),
    )
    .await;
    assert!(twice.starts_with("HTTP/1.1 400"), "{twice}");
    let old = raw_exchange(server.addr, b"GET /hello HTTP/1.0\r\n\r\n", None).await;
    assert!(old.starts_with("HTTP/1.0 200"), "{old}");
    assert!(old.ends_with("hello"), "{old}");
    // HTTP/2 carries the authority in its own field: no Host header needed.
    assert_eq!(server.get("/hello").await.text(), "hello");
    let h2 = h3rs_tests::request("GET", "/hello")
        .body(Default::default())
        .unwrap();
    assert_eq!(server.send_h2(h2).await.text(), "hello");
    server.stop().await;
}

#[tokio::test]
async fn an_overlong_uri_is_414() {
    let server = spawn(hello()).await;
    let long = format!(
        "GET /hello?{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "q".repeat(9000)
    );
    let reply = raw_exchange(server.addr, long.as_bytes(), Some("\r\n\r\n")).await;
    assert!(reply.starts_with("HTTP/1.1 414"), "{reply}");
    assert_eq!(server.get("/hello?short").await.text(), "hello");
    server.stop().await;
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_idle_timeout() {
    let server = spawn_with(hello(), test_options().idle_timeout(IDLE)).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let started = tokio::time::Instant::now();
    assert_eq!(until_closed(&mut silent).await, "");
    assert!(started.elapsed() >= IDLE);

    // Between keep-alive requests too.
    let mut kept = TcpStream::connect(server.addr).await.unwrap();
    kept.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answered = until_closed(&mut kept).await;
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    server.stop().await;
}

#[tokio::test]
async fn a_new_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    // The idle timeout stays at its 60 s default: a new connection owes its first head sooner.
    let server = spawn_with(hello(), test_options().header_read_timeout(HEAD)).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let started = tokio::time::Instant::now();
    assert_eq!(until_closed(&mut silent).await, "");
    assert!(started.elapsed() >= HEAD);
    assert_eq!(server.get("/hello").await.text(), "hello");
    server.stop().await;
}

#[tokio::test]
async fn a_trickled_request_head_is_cut_off_by_the_header_timeout() {
    let server = spawn_with(hello(), test_options().header_read_timeout(HEAD)).await;
    let (mut reader, mut writer) = TcpStream::connect(server.addr).await.unwrap().into_split();
    let started = tokio::time::Instant::now();
    // A byte every eighth of the timeout: bytes keep coming, but the head never ends, and
    // activity does not extend a head's time. The pacing is what is under test.
    let trickle = tokio::spawn(async move {
        let head = b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Padding: ";
        for byte in head.iter().chain(std::iter::repeat(&b'a')) {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(HEAD / 8).await;
        }
    });
    let mut out = Vec::new();
    tokio::time::timeout(PATIENCE, reader.read_to_end(&mut out))
        .await
        .expect("the server cut the slow head off")
        .ok();
    assert!(started.elapsed() >= HEAD);
    assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));
    trickle.abort();
    assert_eq!(server.get("/hello").await.text(), "hello");
    server.stop().await;
}

#[tokio::test]
async fn a_keep_alive_connection_waits_out_the_idle_timeout_not_the_header_timeout() {
    let options = test_options()
        .header_read_timeout(HEAD)
        .idle_timeout(PATIENCE);
    let server = spawn_with(hello(), options).await;
    let (mut sender, _connection) = h3rs_tests::http1(server.addr).await;
    for _ in 0..2 {
        let response = sender
            .send_request(
                h3rs_tests::request("GET", "/hello")
                    .body(Empty::<bytes::Bytes>::new())
                    .unwrap(),
            )
            .await
            .expect("the kept connection still serves");
        assert_eq!(response.status(), 200);
        // Three header timeouts with no byte sent: waiting for the next request is idling.
        tokio::time::sleep(HEAD * 3).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn an_http2_connection_has_no_request_head_to_time() {
    let options = test_options()
        .header_read_timeout(HEAD)
        .idle_timeout(PATIENCE);
    let server = spawn_with(hello(), options).await;
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    let connection = tokio::spawn(connection);
    for _ in 0..2 {
        // Frames come (settings, window updates) but no HTTP/1 head ever will.
        tokio::time::sleep(HEAD * 3).await;
        let request = h3rs_tests::request("GET", "/hello")
            .body(Empty::<bytes::Bytes>::new())
            .unwrap();
        let response = sender.send_request(request).await.expect("still open");
        assert_eq!(response.status(), 200);
    }
    assert!(!connection.is_finished());
    server.stop().await;
}

struct Echo;

impl WebSocket for Echo {
    async fn message(&self, peer: &Peer, message: Message) {
        peer.send(message);
    }
}

#[tokio::test]
async fn requests_in_flight_streams_and_websockets_are_not_idle() {
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let release_rx = std::sync::Mutex::new(Some(release_rx));
    let app = hello()
        .get("/slow", move |_: H3Event| {
            let release = release_rx.lock().unwrap().take();
            async move {
                if let Some(release) = release {
                    let _ = release.await;
                }
                "finally"
            }
        })
        .get("/events", |event: H3Event| async move {
            let stream = h3rs::sse::EventStream::new(&event);
            stream.follow("news");
            stream
        })
        .websocket("/ws", Echo);
    let hub = app.hub().clone();
    let server = spawn_with(app, test_options().idle_timeout(IDLE)).await;

    let slow = tokio::spawn({
        let addr = server.addr;
        async move { h3rs_tests::TestServer::at(addr).get("/slow").await }
    });
    let mut events = server.open_get("/events").await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
        .await
        .unwrap();

    // Several idle timeouts pass with nothing sent by any of them.
    tokio::time::sleep(IDLE * 3).await;
    release_tx.send(()).unwrap();
    assert_eq!(slow.await.unwrap().text(), "finally");
    hub.publish("news", "still here");
    let text = tokio::time::timeout(PATIENCE, events.read_until("still here"))
        .await
        .unwrap();
    assert!(text.contains("data: still here"));
    socket.send(Wire::text("ping")).await.unwrap();
    let echoed = tokio::time::timeout(PATIENCE, socket.next()).await.unwrap();
    assert_eq!(echoed.unwrap().unwrap(), Wire::text("ping"));
    drop((events, socket));
    server.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_limit_get_503_and_the_rest_are_served() {
    let server = spawn_with(hello(), test_options().max_connections(2)).await;
    let first = TcpStream::connect(server.addr).await.unwrap();
    let mut second = TcpStream::connect(server.addr).await.unwrap();
    second
        .write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(PATIENCE, second.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));

    let refused = raw_exchange(server.addr, b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", None).await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("retry-after: 1"), "{refused}");
    assert!(refused.contains("Too many connections"), "{refused}");

    // A slot frees when a connection closes.
    drop(first);
    let served = served_once_a_slot_frees(server.addr, "a freed slot is reused").await;
    assert!(served.ends_with("hello"));
    drop(second);
    server.stop().await;
}

/// The reply to the first `GET /hello` that is served, not refused, as the server frees a
/// connection slot; panics with `expect` if none is within `PATIENCE`.
async fn served_once_a_slot_frees(addr: std::net::SocketAddr, expect: &str) -> String {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let reply = raw_exchange(addr, b"GET /hello HTTP/1.0\r\n\r\n", None).await;
            if reply.starts_with("HTTP/1.0 200") {
                break reply;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect(expect)
}

#[tokio::test]
async fn a_websocket_counts_against_the_connection_limit_until_it_closes() {
    let server = spawn_with(
        hello().websocket("/ws", Echo),
        test_options().max_connections(1),
    )
    .await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
        .await
        .unwrap();
    socket.send(Wire::text("ping")).await.unwrap();
    let echoed = tokio::time::timeout(PATIENCE, socket.next()).await.unwrap();
    assert_eq!(echoed.unwrap().unwrap(), Wire::text("ping"));
    // The upgraded socket left hyper, but it still holds the one slot.
    let refused = raw_exchange(server.addr, b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", None).await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    socket.close(None).await.unwrap();
    while socket.next().await.is_some() {}
    let served =
        served_once_a_slot_frees(server.addr, "the WebSocket's slot is freed when it closes").await;
    assert!(served.ends_with("hello"));
    server.stop().await;
}

async fn get(addr: std::net::SocketAddr, path: &str) -> h3rs_tests::Reply {
    h3rs_tests::TestServer::at(addr).get(path).await
}

#[tokio::test]
async fn running_out_of_descriptors_logs_once_and_recovers() {
    let server = ExampleProcess::start_with_nofile("hello", Some(48));
    let mut held = Vec::new();
    // More connections than the server has descriptors for: it accepts until it cannot,
    // the rest wait in the kernel's backlog.
    for _ in 0..80 {
        held.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    let failing = server.log_until("accept is failing");
    assert_eq!(
        failing.iter().filter(|l| l.contains("accept")).count(),
        1,
        "{failing:#?}"
    );
    drop(held);
    // Once descriptors are free, the backlog drains and a new client is served.
    let reply = tokio::time::timeout(PATIENCE, get(server.addr(), "/hello/ada"))
        .await
        .unwrap();
    assert_eq!(reply.text(), "Hello, ada!");
    let recovered = server.log_until("accept recovered");
    let line = recovered.last().unwrap();
    assert!(line.contains("failures="), "{line}");
    assert!(
        recovered.iter().all(|l| !l.contains("accept is failing")),
        "logged again during the outage: {recovered:#?}"
    );
    server.stop();
}

#[tokio::test]
async fn ten_thousand_idle_connections_neither_crash_the_server_nor_starve_a_new_client() {
    let server = ExampleProcess::start_with_nofile("hello", None);
    // This process holds the clients' descriptors; keep within its own limit.
    let limit: usize = String::from_utf8(
        Command::new("sh")
            .args(["-c", "ulimit -n"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .parse()
    .unwrap_or(1024);
    let wanted = 10_000.min(limit.saturating_sub(256));
    let mut idle = Vec::with_capacity(wanted);
    for _ in 0..wanted {
        idle.push((
            TcpStream::connect(server.addr()).await.unwrap(),
            Instant::now(),
        ));
    }
    let reply = tokio::time::timeout(PATIENCE, get(server.addr(), "/hello/newcomer"))
        .await
        .expect("a new client is served while the idle connections are open");
    assert_eq!(reply.text(), "Hello, newcomer!");
    // The idle connections are still open: none was dropped to make room. Those older than
    // the header timeout (10 s by default; opening 10,000 on a busy machine can take longer)
    // are rightly closed by now, so only younger ones are probed, the newest always.
    let mut probe = [0u8; 1];
    let young = Duration::from_secs(8);
    let probed: Vec<_> = idle
        .iter()
        .step_by(997)
        .chain(idle.last())
        .filter(|(_, opened)| opened.elapsed() < young)
        .collect();
    assert!(!probed.is_empty());
    for (stream, _) in probed {
        assert!(
            matches!(stream.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
        );
    }
    assert!(
        wanted >= 10_000 || limit < 10_256,
        "only {wanted} connections under a limit of {limit}"
    );
    drop(idle);
    let log = server.stop();
    assert!(log.iter().all(|l| !l.contains("panicked")), "{log:#?}");
}
