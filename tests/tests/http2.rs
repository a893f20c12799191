//! TLS and HTTP/2 through real sockets: many event streams and WebSockets (RFC 8441 extended
//! CONNECT) on one TLS connection, HTTP/1.1 over TLS, plain HTTP and bad handshakes on the
//! TLS port, h2c with prior knowledge, and graceful shutdown.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use h3rs::prelude::*;
use h3rs::sse::EventStream;
use h3rs::ws::{Message, Peer, WebSocket};
use h3rs_tests::tls::{self, H2Socket, TestCert};
use h3rs_tests::{TestServer, raw_exchange, spawn_with, sse_events, test_options};
use http::Request;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as Wire;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// A guard against hangs, not a wait: everything expected comes well before it.
const PATIENCE: Duration = Duration::from_secs(10);

/// The chat: everyone is in "room"; `echo:x` answers `x`, `say:x` publishes `x` to the room,
/// `tick` publishes to the event streams' topic, `bye` closes with 4000, `flood:n` sends n
/// messages of 16 KiB, `hold` keeps the hook (so the reading of that socket) busy until
/// [`RELEASE`] is notified.
struct Chat;

/// Messages of the flood handed to the client's socket.
static SENT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static RELEASE: tokio::sync::Notify = tokio::sync::Notify::const_new();

impl WebSocket for Chat {
    async fn open(&self, peer: &Peer) {
        peer.subscribe("room");
        peer.send(format!("welcome {}", peer.id()));
    }

    async fn message(&self, peer: &Peer, message: Message) {
        let text = message.text();
        if let Some(rest) = text.strip_prefix("echo:") {
            peer.send(rest.to_owned());
        } else if let Some(rest) = text.strip_prefix("say:") {
            peer.publish("room", rest.to_owned());
        } else if text == "tick" {
            peer.hub().publish("ticks", "tick from a socket");
        } else if text == "hold" {
            RELEASE.notified().await;
            peer.send("released");
        } else if text == "bye" {
            peer.close(4000, "bye");
        } else if let Some(count) = text.strip_prefix("flood:") {
            let chunk = "x".repeat(16 * 1024);
            for _ in 0..count.parse::<usize>().unwrap() {
                if !peer.send(chunk.clone()) {
                    break;
                }
            }
        }
    }
}

/// Every remote address a request came from: one entry means one connection.
#[derive(Clone, Default)]
struct Remotes(Arc<Mutex<HashSet<SocketAddr>>>);

fn app() -> (H3, Remotes) {
    let remotes = Remotes::default();
    let app = H3::new()
        .state(remotes.clone())
        .middleware(|event: H3Event, next: h3rs::Next| async move {
            if let (Some(remotes), Some(addr)) = (event.state::<Remotes>(), event.remote_addr()) {
                remotes.0.lock().unwrap().insert(addr);
            }
            next.run(event).await
        })
        .get("/", |event: H3Event| async move {
            format!(
                "{:?} from {}",
                event.parts().version,
                event.remote_addr().unwrap()
            )
        })
        .get("/events", |event: H3Event| async move {
            let stream = EventStream::new(&event);
            stream.push("hello");
            stream.follow("ticks");
            stream
        })
        .post("/tick", |event: H3Event| async move {
            event.hub().publish("ticks", "tick");
            StatusCode::NO_CONTENT
        })
        .websocket("/chat", Chat);
    (app, remotes)
}

async fn tls_server(cert: &TestCert, options: h3rs::ServeOptions) -> (TestServer, Remotes) {
    let (app, remotes) = app();
    let options = options.tls(cert.cert_pem.clone(), cert.key_pem.clone());
    (spawn_with(app, options).await, remotes)
}

fn get(path: &str) -> Request<Full<Bytes>> {
    Request::get(format!("https://localhost{path}"))
        .body(Full::default())
        .unwrap()
}

async fn text(response: http::Response<Incoming>) -> String {
    let body = response.into_body().collect().await.expect("body");
    String::from_utf8(body.to_bytes().to_vec()).unwrap()
}

/// An event stream being read: the body of one HTTP/2 stream.
struct Events {
    body: Incoming,
    seen: String,
}

impl Events {
    async fn open(sender: &mut hyper::client::conn::http2::SendRequest<Full<Bytes>>) -> Self {
        let response = sender.send_request(get("/events")).await.expect("SSE");
        assert_eq!(response.status(), 200);
        assert_eq!(response.version(), http::Version::HTTP_2);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        for name in ["connection", "keep-alive", "transfer-encoding", "upgrade"] {
            assert!(
                response.headers().get(name).is_none(),
                "{name} on HTTP/2: {:?}",
                response.headers()
            );
        }
        Events {
            body: response.into_body(),
            seen: String::new(),
        }
    }

    /// The data of the next event; each arrives in time only if the server flushes it.
    async fn next(&mut self) -> String {
        loop {
            if let Some(end) = self.seen.find("\n\n") {
                let block: String = self.seen.drain(..end + 2).collect();
                if let Some((_, data)) = sse_events(&block).into_iter().next() {
                    return data;
                }
                continue;
            }
            let frame = tokio::time::timeout(PATIENCE, self.body.frame())
                .await
                .expect("an event in time")
                .expect("the stream is open")
                .expect("a frame");
            if let Ok(data) = frame.into_data() {
                self.seen.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
    }

    /// Reads to the end: the stream must end cleanly (no reset).
    async fn end(mut self) {
        while let Some(frame) = tokio::time::timeout(PATIENCE, self.body.frame())
            .await
            .expect("the end in time")
        {
            frame.expect("a clean end, not a reset");
        }
    }
}

async fn next(socket: &mut H2Socket) -> Wire {
    loop {
        let frame = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("a frame in time")
            .expect("the socket is open")
            .expect("a valid frame");
        if !matches!(frame, Wire::Ping(_) | Wire::Pong(_)) {
            return frame;
        }
    }
}

async fn next_text(socket: &mut H2Socket) -> String {
    match next(socket).await {
        Wire::Text(text) => text.to_string(),
        other => panic!("expected text, got {other:?}"),
    }
}

fn close_code(frame: Wire) -> u16 {
    match frame {
        Wire::Close(Some(CloseFrame { code, .. })) => code.into(),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn twenty_event_streams_and_twenty_websockets_share_one_tls_connection() {
    let cert = tls::self_signed();
    let (server, remotes) = tls_server(&cert, test_options()).await;
    let (mut sender, connection) = tls::h2(server.addr, &cert).await;

    // Connection info is the same over TLS: the client's own address.
    let hello = text(sender.send_request(get("/")).await.unwrap()).await;
    assert!(hello.starts_with("HTTP/2.0 from 127.0.0.1:"), "{hello}");

    let mut streams = Vec::new();
    for _ in 0..20 {
        let mut events = Events::open(&mut sender).await;
        assert_eq!(events.next().await, "hello");
        streams.push(events);
    }

    let mut sockets = Vec::new();
    for _ in 0..20 {
        let mut socket = tls::websocket(&mut sender, "/chat").await;
        assert!(next_text(&mut socket).await.starts_with("welcome "));
        sockets.push(socket);
    }
    for (i, socket) in sockets.iter_mut().enumerate() {
        socket.send(Wire::text(format!("echo:{i}"))).await.unwrap();
    }
    for (i, socket) in sockets.iter_mut().enumerate() {
        assert_eq!(next_text(socket).await, i.to_string());
    }

    // Pub/sub between the sockets: everyone but the sender hears it.
    sockets[0].send(Wire::text("say:hi all")).await.unwrap();
    for socket in &mut sockets[1..] {
        assert_eq!(next_text(socket).await, "hi all");
    }

    // A POST and a socket's publish reach every event stream, each flushed at once.
    let posted = sender.send_request(request_post("/tick")).await.unwrap();
    assert_eq!(posted.status(), 204);
    for events in &mut streams {
        assert_eq!(events.next().await, "tick");
    }
    sockets[5].send(Wire::text("tick")).await.unwrap();
    for events in &mut streams {
        assert_eq!(events.next().await, "tick from a socket");
    }

    // Closing one socket, from either side, leaves its siblings alone.
    sockets[3].send(Wire::text("bye")).await.unwrap();
    assert_eq!(close_code(next(&mut sockets[3]).await), 4000);
    let mut by_client = sockets.remove(7);
    by_client
        .close(Some(CloseFrame {
            code: CloseCode::Library(4001),
            reason: "leaving".into(),
        }))
        .await
        .unwrap();
    assert_eq!(close_code(next(&mut by_client).await), 4001);
    sockets.remove(3);
    // Dropping a stream mid-way (a closed tab) resets only that stream.
    drop(streams.pop());
    for (i, socket) in sockets.iter_mut().enumerate() {
        socket
            .send(Wire::text(format!("echo:again {i}")))
            .await
            .unwrap();
        assert_eq!(next_text(socket).await, format!("again {i}"));
    }
    let posted = sender.send_request(request_post("/tick")).await.unwrap();
    assert_eq!(posted.status(), 204);
    for events in &mut streams {
        assert_eq!(events.next().await, "tick");
    }

    assert_eq!(remotes.0.lock().unwrap().len(), 1, "one TCP connection");

    // Graceful shutdown: sockets get 1001, streams end cleanly, the connection gets GOAWAY
    // and closes, and the server returns.
    server.shutdown.trigger();
    for socket in &mut sockets {
        assert_eq!(close_code(next(socket).await), 1001);
    }
    for events in streams {
        events.end().await;
    }
    drop(sockets);
    tokio::time::timeout(PATIENCE, connection)
        .await
        .expect("the connection closes")
        .unwrap()
        .expect("closed cleanly after GOAWAY");
    server.task.await.unwrap().unwrap();
}

fn request_post(path: &str) -> Request<Full<Bytes>> {
    Request::post(format!("https://localhost{path}"))
        .body(Full::default())
        .unwrap()
}

#[tokio::test]
async fn a_stuck_websocket_does_not_block_its_siblings() {
    let cert = tls::self_signed();
    let (server, _) = tls_server(&cert, test_options()).await;
    // Small windows, so that the stuck stream fills its own quickly.
    let stream = tls::connect(server.addr, &cert, &[b"h2"]).await;
    let (mut sender, connection) =
        hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .initial_stream_window_size(64 * 1024)
            .initial_connection_window_size(4 * 1024 * 1024)
            .handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    text(sender.send_request(get("/")).await.unwrap()).await;

    let mut stuck = tls::websocket(&mut sender, "/chat").await;
    let mut sibling = tls::websocket(&mut sender, "/chat").await;
    next_text(&mut stuck).await;
    next_text(&mut sibling).await;
    // 1 MiB for a socket that reads nothing: far more than its 64 KiB window.
    stuck.send(Wire::text("flood:64")).await.unwrap();
    for i in 0..20 {
        sibling.send(Wire::text(format!("echo:{i}"))).await.unwrap();
        assert_eq!(next_text(&mut sibling).await, i.to_string());
    }
    // The stuck one was held back, not lost: it reads its flood when it reads again.
    let mut flooded = 0;
    while flooded < 64 {
        match next(&mut stuck).await {
            Wire::Text(text) => {
                assert_eq!(text.len(), 16 * 1024);
                flooded += 1;
            }
            other => panic!("expected the flood, got {other:?}"),
        }
    }
    server.shutdown.trigger();
    assert_eq!(close_code(next(&mut stuck).await), 1001);
    assert_eq!(close_code(next(&mut sibling).await), 1001);
    drop((stuck, sibling));
    server.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_websocket_that_the_server_does_not_read_does_not_block_its_siblings() {
    let cert = tls::self_signed();
    let (server, _) = tls_server(&cert, test_options()).await;
    let (mut sender, _connection) = tls::h2(server.addr, &cert).await;
    text(sender.send_request(get("/")).await.unwrap()).await;
    let mut stuck = tls::websocket(&mut sender, "/chat").await;
    let mut sibling = tls::websocket(&mut sender, "/chat").await;
    next_text(&mut stuck).await;
    next_text(&mut sibling).await;

    // The stuck socket's hook waits, so the server stops reading that stream, and the client
    // sends it 4 MiB. The stream's window fills and holds the rest back; its siblings go on.
    stuck.send(Wire::text("hold")).await.unwrap();
    let (mut stuck_tx, mut stuck_rx) = stuck.split();
    let flood = tokio::spawn(async move {
        let chunk = Bytes::from(vec![0u8; 64 * 1024]);
        for _ in 0..64 {
            stuck_tx.send(Wire::Binary(chunk.clone())).await.unwrap();
            SENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        stuck_tx
    });
    // 16 messages fill the stream's 1 MiB window, one more waits in hyper's send task and
    // one in its channel: from then on the flood is blocked.
    tokio::time::timeout(PATIENCE, async {
        while SENT.load(std::sync::atomic::Ordering::Relaxed) < 18 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the flood fills the stream's window");
    for i in 0..20 {
        sibling.send(Wire::text(format!("echo:{i}"))).await.unwrap();
        assert_eq!(next_text(&mut sibling).await, i.to_string());
    }
    assert!(
        !flood.is_finished(),
        "the flood was held back by flow control"
    );

    RELEASE.notify_one();
    let mut stuck_tx = tokio::time::timeout(PATIENCE, flood)
        .await
        .expect("the flood goes through once the server reads again")
        .unwrap();
    let released = tokio::time::timeout(PATIENCE, stuck_rx.next())
        .await
        .unwrap();
    assert_eq!(released.unwrap().unwrap().to_text().unwrap(), "released");
    stuck_tx.send(Wire::text("echo:after")).await.unwrap();
    let after = tokio::time::timeout(PATIENCE, stuck_rx.next())
        .await
        .unwrap();
    assert_eq!(after.unwrap().unwrap().to_text().unwrap(), "after");
    server.shutdown.trigger();
    assert_eq!(close_code(next(&mut sibling).await), 1001);
    drop((stuck_tx, stuck_rx, sibling));
    server.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn http1_over_tls_serves_requests_and_websockets() {
    let cert = tls::self_signed();
    let (server, _) = tls_server(&cert, test_options()).await;

    let stream = tls::connect(server.addr, &cert, &[b"http/1.1"]).await;
    assert_eq!(tls::alpn(&stream), Some(&b"http/1.1"[..]));
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let response = sender
        .send_request(
            Request::get("/")
                .header("host", "localhost")
                .body(Full::<Bytes>::default())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(text(response).await.starts_with("HTTP/1.1 from 127.0.0.1:"));

    // A client that offers no ALPN at all gets HTTP/1.1 too; its WebSocket is RFC 6455's.
    let stream = tls::connect(server.addr, &cert, &[]).await;
    assert_eq!(tls::alpn(&stream), None);
    let (mut socket, response) = tokio_tungstenite::client_async("wss://localhost/chat", stream)
        .await
        .expect("WebSocket handshake over TLS");
    assert_eq!(response.status(), 101);
    let welcome = socket.next().await.unwrap().unwrap();
    assert!(welcome.to_text().unwrap().starts_with("welcome "));
    socket.send(Wire::text("echo:over h1")).await.unwrap();
    assert_eq!(
        socket.next().await.unwrap().unwrap().to_text().unwrap(),
        "over h1"
    );
    socket.close(None).await.unwrap();
    while socket.next().await.is_some() {}
    server.stop().await;
}

#[tokio::test]
async fn plain_http_and_broken_handshakes_cost_only_their_connection() {
    let cert = tls::self_signed();
    let options = test_options().tls_handshake_timeout(Duration::from_millis(300));
    let (server, _) = tls_server(&cert, options).await;
    let (mut sender, _connection) = tls::h2(server.addr, &cert).await;
    let mut events = Events::open(&mut sender).await;
    assert_eq!(events.next().await, "hello");

    // A client that connects and says nothing: it holds its own task, not the accept loop.
    let mut silent = TcpStream::connect(server.addr).await.unwrap();

    // Plain HTTP on the TLS port: a readable refusal.
    let refused = raw_exchange(
        server.addr,
        b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
        None,
    )
    .await;
    assert!(
        refused.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{refused}"
    );
    assert!(
        refused.contains("This port speaks HTTPS: use https://"),
        "{refused}"
    );

    // A handshake record full of garbage: closed.
    let garbage = raw_exchange(server.addr, b"\x16\x03\x01\x00\x05hello", None).await;
    assert!(!garbage.contains("HTTP/"), "{garbage:?}");

    // Meanwhile new TLS connections are served, the silent one notwithstanding.
    let (mut other, _other_connection) = tls::h2(server.addr, &cert).await;
    let hello = text(other.send_request(get("/")).await.unwrap()).await;
    assert!(hello.starts_with("HTTP/2.0"), "{hello}");

    // The silent client is dropped once its handshake times out.
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(PATIENCE, silent.read(&mut buf))
        .await
        .expect("closed after the handshake timeout");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");

    // And the first connection's stream never noticed.
    let posted = sender.send_request(request_post("/tick")).await.unwrap();
    assert_eq!(posted.status(), 204);
    assert_eq!(events.next().await, "tick");
    server.stop().await;
}

#[tokio::test]
async fn websocket_errors_over_http2_have_no_connection_headers() {
    let cert = tls::self_signed();
    let (server, _) = tls_server(&cert, test_options()).await;
    let (mut sender, _connection) = tls::h2(server.addr, &cert).await;

    // A plain GET on a WebSocket-only path over HTTP/2 is told how to ask.
    let response = sender.send_request(get("/chat")).await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("upgrade").is_none());
    assert!(response.headers().get("connection").is_none());
    let body = text(response).await;
    assert!(body.contains("extended CONNECT"), "{body}");

    // An extended CONNECT without a WebSocket version is a 400 naming the version.
    let mut request = tls::websocket_request("/chat");
    request.headers_mut().remove("sec-websocket-version");
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["sec-websocket-version"], "13");

    // An extended CONNECT where no WebSocket route is: 405, like any unknown method.
    let response = sender
        .send_request(tls::websocket_request("/events"))
        .await
        .unwrap();
    assert_eq!(response.status(), 405);

    // The connection is still good for a WebSocket.
    let mut socket = tls::websocket(&mut sender, "/chat").await;
    assert!(next_text(&mut socket).await.starts_with("welcome "));
    socket
        .close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "done".into(),
        }))
        .await
        .unwrap();
    assert_eq!(close_code(next(&mut socket).await), 1000);
    server.stop().await;
}

#[tokio::test]
async fn h2c_prior_knowledge_extended_connect() {
    let (app, _) = app();
    let server = spawn_with(app, test_options()).await;
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let (mut sender, _connection) = tls::h2_over(tcp).await;
    let hello = text(sender.send_request(get("/")).await.unwrap()).await;
    assert!(hello.starts_with("HTTP/2.0"), "{hello}");
    let mut a = tls::websocket(&mut sender, "/chat").await;
    let mut b = tls::websocket(&mut sender, "/chat").await;
    next_text(&mut a).await;
    next_text(&mut b).await;
    a.send(Wire::text("say:over h2c")).await.unwrap();
    assert_eq!(next_text(&mut b).await, "over h2c");
    // Shutdown closes both with 1001, each on its own stream.
    server.shutdown.trigger();
    assert_eq!(close_code(next(&mut a).await), 1001);
    assert_eq!(close_code(next(&mut b).await), 1001);
    drop((a, b));
    server.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_bad_certificate_stops_the_server_from_starting() {
    let cert = tls::self_signed();
    let options = test_options().tls("not a certificate", cert.key_pem.clone());
    let error = h3rs::Server::bind(H3::new(), options).await.err().unwrap();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("no certificate"), "{error}");

    let options = test_options().tls(cert.cert_pem.clone(), "not a key");
    let error = h3rs::Server::bind(H3::new(), options).await.err().unwrap();
    assert!(error.to_string().contains("private key"), "{error}");

    let other = tls::self_signed();
    let options = test_options().tls(cert.cert_pem.clone(), other.key_pem.clone());
    let error = h3rs::Server::bind(H3::new(), options).await.err().unwrap();
    assert!(error.to_string().contains("do not fit"), "{error}");

    let options = test_options().tls_files("/nonexistent/cert.pem", "/nonexistent/key.pem");
    let error = h3rs::Server::bind(H3::new(), options).await.err().unwrap();
    assert!(
        error.to_string().contains("/nonexistent/cert.pem"),
        "{error}"
    );
}

#[tokio::test]
async fn raw_tls_bytes_are_not_an_h1_request() {
    // Sanity for the refusal above: a real ClientHello is answered by TLS, not by a 400.
    let cert = tls::self_signed();
    let (server, _) = tls_server(&cert, test_options()).await;
    let mut stream = tls::connect(server.addr, &cert, &[b"http/1.1"]).await;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.ok();
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    server.stop().await;
}

#[tokio::test]
async fn the_connection_limit_counts_tls_connections() {
    let cert = tls::self_signed();
    let (server, _) = tls_server(&cert, test_options().max_connections(1)).await;
    let (mut sender, _connection) = tls::h2(server.addr, &cert).await;
    let mut socket = tls::websocket(&mut sender, "/chat").await;
    assert!(next_text(&mut socket).await.starts_with("welcome "));

    // The second connection is over the limit: its handshake completes, and it is answered 503.
    let mut stream = tls::connect(server.addr, &cert, &[b"http/1.1"]).await;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok();
    assert!(
        answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{answer}"
    );

    // The first one, with its WebSocket, is untouched.
    socket.send(Wire::text("echo:still here")).await.unwrap();
    assert_eq!(next_text(&mut socket).await, "still here");
    server.shutdown.trigger();
    assert_eq!(close_code(next(&mut socket).await), 1001);
    drop(socket);
    server.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn an_open_websocket_keeps_its_http2_connection_from_idling_out() {
    let cert = tls::self_signed();
    let idle = Duration::from_millis(200);
    let (app, _) = app();
    // No pings: nothing crosses the connection while the socket is quiet.
    let app = app.websocket_options(h3rs::ws::WsOptions::default().ping_interval(None));
    let options = test_options()
        .idle_timeout(idle)
        .tls(cert.cert_pem.clone(), cert.key_pem.clone());
    let server = spawn_with(app, options).await;
    let (mut sender, connection) = tls::h2(server.addr, &cert).await;
    text(sender.send_request(get("/")).await.unwrap()).await;
    let mut socket = tls::websocket(&mut sender, "/chat").await;
    next_text(&mut socket).await;

    // Quiet for three idle timeouts: the connection stays, with room for new streams.
    tokio::time::sleep(idle * 3).await;
    assert!(!connection.is_finished());
    let hello = text(sender.send_request(get("/")).await.unwrap()).await;
    assert!(hello.starts_with("HTTP/2.0"), "{hello}");
    socket.send(Wire::text("echo:awake")).await.unwrap();
    assert_eq!(next_text(&mut socket).await, "awake");

    // Once the socket closes, the quiet connection is closed after the idle timeout.
    socket.send(Wire::text("bye")).await.unwrap();
    assert_eq!(close_code(next(&mut socket).await), 4000);
    drop(socket);
    tokio::time::timeout(PATIENCE, connection)
        .await
        .expect("the idle connection is closed")
        .unwrap()
        .expect("closed cleanly, with GOAWAY");
    server.stop().await;
}
