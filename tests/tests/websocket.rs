//! WebSocket behaviour through real sockets with a tokio-tungstenite client:
//! pub/sub semantics, handshake decisions, limits, policies, shutdown.

use h3rs_tests::ws::{Client, connect, next, next_text};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use h3rs::prelude::*;
use h3rs::pubsub::Overflow;
use h3rs::ws::{WebSocket, WsOptions};
use h3rs_tests::{spawn, spawn_with, test_options};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Wire;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// A guard against hangs, not a wait: every expected event comes well before it.
const PATIENCE: Duration = Duration::from_secs(10);

async fn expect_close(client: &mut Client) -> (u16, String) {
    let details = loop {
        match next(client).await {
            Wire::Close(Some(frame)) => break (frame.code.into(), frame.reason.to_string()),
            Wire::Close(None) => break (1005, String::new()),
            _ => continue,
        }
    };
    // Reading on sends the client's answer and sees the server hang up.
    let end = tokio::time::timeout(PATIENCE, async { while client.next().await.is_some() {} });
    end.await
        .expect("the server closes the connection after the close handshake");
    details
}

/// H3's chat example, as in examples/websocket.rs, with close hooks reported.
struct Chat {
    closed: mpsc::UnboundedSender<(u64, CloseDetails)>,
}

#[websocket("/_ws")]
impl Chat {
    async fn open(&self, peer: &Peer) {
        peer.send("Welcome to the server!");
        peer.subscribe("chat");
        peer.publish("chat", format!("[system] {peer} joined!"));
    }

    async fn message(&self, peer: &Peer, message: Message) {
        if message.text() == "ping" {
            peer.send("pong");
            return;
        }
        if message.text() == "boom" {
            panic!("a hook panicked");
        }
        peer.publish("chat", format!("[{peer}] {message}"));
        peer.send(message);
    }

    async fn close(&self, peer: &Peer, details: CloseDetails) {
        peer.publish("chat", format!("[system] {peer} has left the chat!"));
        let _ = self.closed.send((peer.id(), details));
    }
}

fn chat() -> (H3, mpsc::UnboundedReceiver<(u64, CloseDetails)>) {
    let (closed, rx) = mpsc::unbounded_channel();
    (h3rs::app![Chat { closed }], rx)
}

#[tokio::test]
async fn publish_reaches_the_others_and_never_the_sender() {
    let (app, _closed) = chat();
    let server = spawn(app).await;
    let mut a = connect(&server, "/_ws").await;
    assert_eq!(next_text(&mut a).await, "Welcome to the server!");
    let mut b = connect(&server, "/_ws").await;
    assert_eq!(next_text(&mut b).await, "Welcome to the server!");
    let joined = next_text(&mut a).await;
    assert!(
        joined.starts_with("[system] ") && joined.ends_with(" joined!"),
        "{joined}"
    );

    a.send(Wire::text("ping")).await.unwrap();
    assert_eq!(next_text(&mut a).await, "pong");
    b.send(Wire::text("hello")).await.unwrap();
    assert_eq!(next_text(&mut b).await, "hello"); // the echo, not the broadcast
    let heard = next_text(&mut a).await;
    assert!(heard.ends_with("] hello"), "{heard}");
    // B's next message is A's, proving B got neither the pong nor its own broadcast.
    a.send(Wire::text("hi b")).await.unwrap();
    assert_eq!(next_text(&mut a).await, "hi b");
    assert!(next_text(&mut b).await.ends_with("] hi b"));
    drop((a, b));
    server.stop().await;
}

#[tokio::test]
async fn two_hundred_peers_in_one_room_get_exact_counts() {
    const PEERS: usize = 200;
    let (app, _closed) = chat();
    let server = spawn(app).await;
    let mut clients = Vec::with_capacity(PEERS);
    for _ in 0..PEERS {
        let mut client = connect(&server, "/_ws").await;
        assert_eq!(next_text(&mut client).await, "Welcome to the server!");
        clients.push(client);
    }
    // Client i hears the joins of every later client.
    let mut tasks = Vec::new();
    for (i, mut client) in clients.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            for _ in i + 1..PEERS {
                assert!(next_text(&mut client).await.ends_with(" joined!"));
            }
            client
        }));
    }
    let mut clients = Vec::new();
    for task in tasks {
        clients.push(task.await.unwrap());
    }
    // Everyone speaks once: each hears its echo and exactly PEERS - 1 others.
    let mut tasks = Vec::new();
    for (i, mut client) in clients.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            client.send(Wire::text(format!("msg {i}"))).await.unwrap();
            let (mut echoes, mut others) = (0, 0);
            while echoes + others < PEERS {
                let text = next_text(&mut client).await;
                if text == format!("msg {i}") {
                    echoes += 1;
                } else {
                    assert!(text.starts_with('[') && text.contains("] msg "), "{text}");
                    assert!(
                        !text.ends_with(&format!("] msg {i}")),
                        "own broadcast: {text}"
                    );
                    others += 1;
                }
            }
            (echoes, others, client)
        }));
    }
    for task in tasks {
        let (echoes, others, _client) = task.await.unwrap();
        assert_eq!((echoes, others), (1, PEERS - 1));
    }
    server.stop().await;
}

struct Rooms;

#[websocket("/rooms/:room")]
impl Rooms {
    async fn open(&self, peer: &Peer) {
        let room = peer.params().get("room").unwrap_or("lobby").to_string();
        peer.subscribe(&room);
        peer.send(format!("in {room}"));
    }

    async fn message(&self, peer: &Peer, message: Message) {
        let room = peer.params().get("room").unwrap_or("lobby");
        peer.publish(room, message);
    }
}

#[tokio::test]
async fn route_params_reach_the_hooks() {
    let server = spawn(h3rs::app![Rooms]).await;
    let mut red1 = connect(&server, "/rooms/red").await;
    let mut red2 = connect(&server, "/rooms/red").await;
    let mut blue = connect(&server, "/rooms/blue").await;
    assert_eq!(next_text(&mut red1).await, "in red");
    assert_eq!(next_text(&mut red2).await, "in red");
    assert_eq!(next_text(&mut blue).await, "in blue");
    red1.send(Wire::text("to red")).await.unwrap();
    blue.send(Wire::text("to blue")).await.unwrap();
    assert_eq!(next_text(&mut red2).await, "to red");
    red2.send(Wire::text("red again")).await.unwrap();
    assert_eq!(next_text(&mut red1).await, "red again");
    // Blue heard nothing from red: its next message is the app's.
    server.shutdown.trigger();
    assert_eq!(expect_close(&mut blue).await.0, 1001);
}

#[derive(Clone)]
struct User(String);

struct Guarded;

#[websocket("/private")]
impl Guarded {
    async fn upgrade(&self, event: &H3Event) -> Result<h3rs::ws::Upgrade, HttpError> {
        let token = event.uri().query().and_then(|q| q.strip_prefix("token="));
        let Some(token) = token else {
            return Err(HttpError::unauthorized("token required"));
        };
        let mut upgrade = h3rs::ws::Upgrade::accept()
            .header("x-welcome", "yes")
            .context(User(token.to_string()));
        if h3rs::ws::offered_protocols(event).any(|p| p == "chat.v2") {
            upgrade = upgrade.protocol("chat.v2");
        }
        Ok(upgrade)
    }

    fn open(&self, peer: &Peer) {
        let user = peer
            .context()
            .get::<User>()
            .map(|u| u.0.clone())
            .unwrap_or_default();
        peer.send(format!(
            "hello {user} via {}",
            peer.protocol().unwrap_or("-")
        ));
    }
}

#[tokio::test]
async fn upgrade_can_reject_choose_a_protocol_add_headers_and_seed_context() {
    let server = spawn(h3rs::app![Guarded]).await;
    let url = format!("ws://{}/private", server.addr);
    match tokio_tungstenite::connect_async(url.clone()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401)
        }
        other => panic!("expected a 401, got {other:?}"),
    }
    let mut request = format!("{url}?token=ada").into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "chat.v1, chat.v2".parse().unwrap(),
    );
    let (mut client, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "chat.v2");
    assert_eq!(response.headers()["x-welcome"], "yes");
    assert_eq!(next_text(&mut client).await, "hello ada via chat.v2");
    drop(client);
    server.stop().await;
}

struct Echo;

impl WebSocket for Echo {
    async fn message(&self, peer: &Peer, message: Message) {
        peer.send(message);
    }
}

#[tokio::test]
async fn origin_allow_list_blocks_cross_site_handshakes() {
    let app = H3::new().websocket_with(
        "/ws",
        Echo,
        WsOptions::default().allowed_origins(["http://good.example"]),
    );
    let server = spawn(app).await;
    let url = format!("ws://{}/ws", server.addr);
    let mut evil = url.clone().into_client_request().unwrap();
    evil.headers_mut()
        .insert("origin", "http://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(evil).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("expected a 403, got {other:?}"),
    }
    let mut good = url.clone().into_client_request().unwrap();
    good.headers_mut()
        .insert("origin", "http://good.example".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(good).await.is_ok());
    // Non-browser clients send no Origin and are let in.
    assert!(tokio_tungstenite::connect_async(url).await.is_ok());
    server.stop().await;
}

#[tokio::test]
async fn plain_requests_and_bad_handshakes_get_clear_statuses() {
    let server = spawn(H3::new().websocket("/ws", Echo)).await;
    let plain = server.get("/ws").await;
    assert_eq!(plain.status, 426);
    assert_eq!(plain.header("upgrade"), "websocket");
    let post = server
        .send(
            h3rs_tests::request("POST", "/ws")
                .body(Default::default())
                .unwrap(),
        )
        .await;
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), "GET, HEAD");
    let handshake = |version: &str, key: Option<&str>| {
        let mut request = h3rs_tests::request("GET", "/ws")
            .header("connection", "Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", version);
        if let Some(key) = key {
            request = request.header("sec-websocket-key", key);
        }
        request.body(Default::default()).unwrap()
    };
    let wrong_version = server
        .send(handshake("8", Some("dGhlIHNhbXBsZSBub25jZQ==")))
        .await;
    assert_eq!(wrong_version.status, 400);
    assert_eq!(wrong_version.header("sec-websocket-version"), "13");
    assert_eq!(server.send(handshake("13", None)).await.status, 400);
    assert_eq!(
        server.send(handshake("13", Some("short"))).await.status,
        400
    );
    server.stop().await;
}

#[tokio::test]
async fn a_get_route_on_the_same_path_serves_plain_requests() {
    let app = H3::new()
        .get("/", |_: H3Event| async { Html("<p>chat page</p>") })
        .websocket("/", Echo);
    let server = spawn(app).await;
    assert_eq!(server.get("/").await.text(), "<p>chat page</p>");
    let mut client = connect(&server, "/").await;
    client.send(Wire::text("same path")).await.unwrap();
    assert_eq!(next_text(&mut client).await, "same path");
    drop(client);
    server.stop().await;
}

#[tokio::test]
async fn messages_keep_their_kind_and_bytes() {
    let server = spawn(H3::new().websocket("/ws", Echo)).await;
    let mut client = connect(&server, "/ws").await;
    let raw = vec![0u8, 0xff, 0xfe, 0x80, 7];
    client.send(Wire::binary(raw.clone())).await.unwrap();
    assert_eq!(next(&mut client).await, Wire::binary(raw));
    client.send(Wire::text("héllo ✓")).await.unwrap();
    assert_eq!(next(&mut client).await, Wire::text("héllo ✓"));
    drop(client);
    server.stop().await;
}

#[tokio::test]
async fn the_app_publishes_from_http_handlers_to_every_subscriber() {
    struct Listener;
    impl WebSocket for Listener {
        async fn open(&self, peer: &Peer) {
            peer.subscribe("news");
            peer.send("subscribed");
        }
    }
    let app = H3::new()
        .websocket("/ws", Listener)
        .post("/news", |event: H3Event| async move {
            let reached = event
                .hub()
                .publish("news", Json(serde_json::json!({ "headline": "h3rs" })));
            format!("{reached} {}", event.peers().len())
        });
    let server = spawn(app).await;
    let mut a = connect(&server, "/ws").await;
    let mut b = connect(&server, "/ws").await;
    assert_eq!(next_text(&mut a).await, "subscribed");
    assert_eq!(next_text(&mut b).await, "subscribed");
    let reply = server
        .send(
            h3rs_tests::request("POST", "/news")
                .body(Default::default())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.text(), "2 2");
    assert_eq!(next_text(&mut a).await, r#"{"headline":"h3rs"}"#);
    assert_eq!(next_text(&mut b).await, r#"{"headline":"h3rs"}"#);
    drop((a, b));
    server.stop().await;
}

#[tokio::test]
async fn a_panicking_hook_closes_its_peer_with_1011_only() {
    let (app, mut closed) = chat();
    let server = spawn(app).await;
    let mut bad = connect(&server, "/_ws").await;
    let mut good = connect(&server, "/_ws").await;
    assert_eq!(next_text(&mut bad).await, "Welcome to the server!");
    assert_eq!(next_text(&mut good).await, "Welcome to the server!");
    bad.send(Wire::text("boom")).await.unwrap();
    let (code, _) = expect_close(&mut bad).await;
    assert_eq!(code, 1011);
    let (_, details) = closed.recv().await.unwrap();
    assert_eq!(details.code, 1011);
    good.send(Wire::text("still fine")).await.unwrap();
    let mut heard = Vec::new();
    while heard.last().map(String::as_str) != Some("still fine") {
        heard.push(next_text(&mut good).await);
    }
    assert!(
        heard[..heard.len() - 1]
            .iter()
            .all(|m| m.starts_with("[system]")),
        "{heard:?}"
    );
    drop((bad, good));
    server.stop().await;
}

#[tokio::test]
async fn close_runs_once_with_the_clients_code() {
    let (app, mut closed) = chat();
    let server = spawn(app).await;
    let mut client = connect(&server, "/_ws").await;
    assert_eq!(next_text(&mut client).await, "Welcome to the server!");
    client
        .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
            code: CloseCode::Library(4000),
            reason: "bye".into(),
        }))
        .await
        .unwrap();
    let (_, details) = closed.recv().await.unwrap();
    assert_eq!(details, CloseDetails::new(4000, "bye"));
    // The server answered with the same code and closed the connection.
    match client.next().await {
        Some(Ok(Wire::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 4000),
        other => panic!("expected the close echo, got {other:?}"),
    }
    assert!(client.next().await.is_none());
    // A socket that dies without a close frame is a 1006.
    let mut dying = connect(&server, "/_ws").await;
    assert_eq!(next_text(&mut dying).await, "Welcome to the server!");
    drop(dying);
    let (_, details) = closed.recv().await.unwrap();
    assert_eq!(details.code, 1006);
    server.stop().await;
    assert!(closed.try_recv().is_err(), "close ran more than once");
}

/// A `close` hook that waits for the test before it finishes.
struct SlowClose {
    entered: mpsc::UnboundedSender<()>,
    release: std::sync::Arc<tokio::sync::Notify>,
}

#[websocket("/_ws")]
impl SlowClose {
    async fn close(&self, _peer: &Peer, _details: CloseDetails) {
        let _ = self.entered.send(());
        self.release.notified().await;
        let _ = self.entered.send(());
    }
}

#[tokio::test]
async fn the_socket_is_closed_before_a_slow_close_hook_finishes() {
    let (entered, mut hook) = mpsc::unbounded_channel();
    let release = std::sync::Arc::new(tokio::sync::Notify::new());
    let app = h3rs::app![SlowClose {
        entered,
        release: release.clone(),
    }];
    let server = spawn(app).await;
    let mut client = connect(&server, "/_ws").await;
    client.close(None).await.unwrap();
    hook.recv().await.expect("the close hook started");
    // The hook is still waiting; the connection is already gone.
    let end = tokio::time::timeout(PATIENCE, async { while client.next().await.is_some() {} });
    end.await
        .expect("the server hangs up without waiting for the close hook");
    assert!(hook.try_recv().is_err(), "the close hook finished early");
    release.notify_one();
    hook.recv().await.expect("the close hook finished");
    server.stop().await;
}

#[tokio::test]
async fn server_close_and_terminate() {
    struct Closer;
    impl WebSocket for Closer {
        async fn message(&self, peer: &Peer, message: Message) {
            match &*message.text() {
                "close" => peer.close(4001, "as you wish"),
                _ => peer.terminate(),
            }
        }
    }
    let server = spawn(H3::new().websocket("/ws", Closer)).await;
    let mut client = connect(&server, "/ws").await;
    client.send(Wire::text("close")).await.unwrap();
    assert_eq!(
        expect_close(&mut client).await,
        (4001, "as you wish".into())
    );
    let mut client = connect(&server, "/ws").await;
    client.send(Wire::text("terminate")).await.unwrap();
    let end = tokio::time::timeout(PATIENCE, client.next()).await.unwrap();
    assert!(
        matches!(end, None | Some(Err(_))),
        "terminate sends no close frame: {end:?}"
    );
    drop(client);
    server.stop().await;
}

#[tokio::test]
async fn shutdown_closes_every_peer_with_1001_after_its_close_hook() {
    let (app, mut closed) = chat();
    let server = spawn(app).await;
    let mut a = connect(&server, "/_ws").await;
    let mut b = connect(&server, "/_ws").await;
    assert_eq!(next_text(&mut a).await, "Welcome to the server!");
    assert_eq!(next_text(&mut b).await, "Welcome to the server!");
    let task = {
        server.shutdown.trigger();
        server.task
    };
    assert_eq!(expect_close(&mut a).await.0, 1001);
    assert_eq!(expect_close(&mut b).await.0, 1001);
    drop((a, b));
    task.await.unwrap().unwrap();
    let mut codes = vec![
        closed.recv().await.unwrap().1.code,
        closed.recv().await.unwrap().1.code,
    ];
    codes.sort();
    assert_eq!(codes, [1001, 1001]);
}

#[tokio::test]
async fn a_slow_consumer_is_closed_with_1008_and_memory_stays_bounded() {
    struct Feed {
        opened: mpsc::UnboundedSender<Peer>,
        closed: mpsc::UnboundedSender<CloseDetails>,
    }
    impl WebSocket for Feed {
        async fn open(&self, peer: &Peer) {
            let _ = self.opened.send(peer.clone());
        }
        async fn close(&self, _peer: &Peer, details: CloseDetails) {
            let _ = self.closed.send(details);
        }
    }
    let (opened, mut opened_rx) = mpsc::unbounded_channel();
    let (closed, mut closed_rx) = mpsc::unbounded_channel();
    let options = WsOptions::default()
        .queue_capacity(8)
        .close_timeout(Duration::from_millis(200));
    let server = spawn(H3::new().websocket_with("/feed", Feed { opened, closed }, options)).await;
    // A client that never reads.
    let _client = connect(&server, "/feed").await;
    let peer = opened_rx.recv().await.unwrap();
    let chunk = Message::binary(vec![7u8; 64 * 1024]);
    let mut refused_after = None;
    for sent in 0..10_000 {
        assert!(peer.buffered_amount() <= 8 * 64 * 1024);
        if !peer.send(&chunk) {
            refused_after = Some(sent);
            break;
        }
        tokio::task::yield_now().await;
    }
    let refused_after = refused_after.expect("the queue never filled");
    assert!(refused_after < 10_000);
    let details = closed_rx.recv().await.unwrap();
    assert_eq!(details.code, 1008);
    server.stop().await;
}

#[tokio::test]
async fn drop_oldest_keeps_the_freshest_messages() {
    struct Ticker {
        opened: mpsc::UnboundedSender<Peer>,
    }
    impl WebSocket for Ticker {
        async fn open(&self, peer: &Peer) {
            let _ = self.opened.send(peer.clone());
        }
    }
    let (opened, mut opened_rx) = mpsc::unbounded_channel();
    let options = WsOptions::default()
        .queue_capacity(4)
        .slow_consumer(Overflow::DropOldest);
    let server = spawn(H3::new().websocket_with("/t", Ticker { opened }, options)).await;
    let mut client = connect(&server, "/t").await;
    let peer = opened_rx.recv().await.unwrap();
    // Fill the socket buffers so that the queue backs up, then keep sending.
    let big = Message::binary(vec![1u8; 64 * 1024]);
    for _ in 0..64 {
        peer.send(&big);
    }
    for i in 0..100 {
        assert!(peer.send(format!("tick {i}")), "drop-oldest never refuses");
        assert!(peer.buffered_amount() <= 4 * 64 * 1024);
    }
    let mut last = String::new();
    let mut ticks = 0;
    while last != "tick 99" {
        if let Wire::Text(text) = next(&mut client).await {
            last = text.to_string();
            ticks += 1;
        }
    }
    assert!(
        ticks < 100,
        "older messages should have been dropped ({ticks} ticks)"
    );
    assert!(peer.is_open());
    drop(client);
    server.stop().await;
}

#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_dropped() {
    struct Watch {
        closed: mpsc::UnboundedSender<CloseDetails>,
    }
    impl WebSocket for Watch {
        async fn close(&self, _peer: &Peer, details: CloseDetails) {
            let _ = self.closed.send(details);
        }
    }
    let (closed, mut closed_rx) = mpsc::unbounded_channel();
    let options = WsOptions::default().ping_interval(Some(Duration::from_millis(100)));
    let server = spawn(H3::new().websocket_with("/w", Watch { closed }, options)).await;
    // A responsive client answers pings (tungstenite does while reading)
    // and survives several intervals; a silent one is dropped.
    let mut alive = connect(&server, "/w").await;
    let (pinged, mut pings) = mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        while let Some(Ok(frame)) = alive.next().await {
            if let Wire::Ping(_) = frame {
                let _ = pinged.send(());
            }
        }
    });
    let silent = connect(&server, "/w").await;
    let details = closed_rx.recv().await.unwrap();
    assert_eq!(details.code, 1006);
    assert_eq!(details.reason, "Ping timeout");
    for _ in 0..3 {
        tokio::time::timeout(PATIENCE, pings.recv())
            .await
            .unwrap()
            .unwrap();
    }
    assert!(
        closed_rx.try_recv().is_err(),
        "the responsive client was dropped"
    );
    reader.abort();
    drop(silent);
    server.stop().await;
}

#[tokio::test]
async fn subscriptions_do_not_leak_across_connect_disconnect_cycles() {
    let (app, mut closed) = chat();
    let hub = app.hub().clone();
    let peers = app.peers().clone();
    let server = spawn(app).await;
    for _ in 0..300 {
        let mut client = connect(&server, "/_ws").await;
        assert_eq!(next_text(&mut client).await, "Welcome to the server!");
        client.close(None).await.unwrap();
        closed.recv().await.unwrap();
    }
    assert_eq!(peers.len(), 0);
    assert_eq!(hub.topic_count(), 0);
    assert_eq!(hub.subscriber_count("chat"), 0);
    server.stop().await;
}

#[tokio::test]
async fn oversized_messages_close_with_1009() {
    let options = WsOptions::default()
        .max_message_size(1024)
        .max_frame_size(1024);
    let server = spawn_with(
        H3::new().websocket_with("/ws", Echo, options),
        test_options(),
    )
    .await;
    let mut client = connect(&server, "/ws").await;
    client.send(Wire::binary(vec![0u8; 4096])).await.unwrap();
    assert_eq!(expect_close(&mut client).await.0, 1009);
    let mut other = connect(&server, "/ws").await;
    other.send(Wire::text("fits")).await.unwrap();
    assert_eq!(next_text(&mut other).await, "fits");
    drop((client, other));
    server.stop().await;
}

#[tokio::test]
async fn drain_and_error_hooks_fire() {
    struct Hooks {
        opened: mpsc::UnboundedSender<Peer>,
        events: mpsc::UnboundedSender<String>,
    }
    impl WebSocket for Hooks {
        async fn open(&self, peer: &Peer) {
            let _ = self.opened.send(peer.clone());
        }
        async fn drain(&self, _peer: &Peer) {
            let _ = self.events.send("drain".into());
        }
        async fn error(&self, _peer: &Peer, error: h3rs::ws::WsError) {
            let _ = self.events.send(format!("error {}", error.close_code()));
        }
    }
    let (opened, mut opened_rx) = mpsc::unbounded_channel();
    let (events, mut events_rx) = mpsc::unbounded_channel();
    let options = WsOptions::default()
        .queue_capacity(2)
        .slow_consumer(Overflow::DropOldest)
        .max_message_size(16);
    let server = spawn(H3::new().websocket_with("/h", Hooks { opened, events }, options)).await;
    let mut client = connect(&server, "/h").await;
    let peer = opened_rx.recv().await.unwrap();
    // Overfill the queue in one go (the writer cannot run in between), then
    // let the client read: the writer drains it and reports.
    for i in 0..10 {
        peer.send(format!("m{i}"));
    }
    let mut last = String::new();
    while last != "m9" {
        last = next_text(&mut client).await;
    }
    assert_eq!(events_rx.recv().await.unwrap(), "drain");
    client
        .send(Wire::text("far more than sixteen bytes"))
        .await
        .unwrap();
    assert_eq!(expect_close(&mut client).await.0, 1009);
    assert_eq!(events_rx.recv().await.unwrap(), "error 1009");
    drop(client);
    server.stop().await;
}

#[tokio::test]
async fn shutdown_is_bounded_when_a_peer_never_answers_the_close() {
    let options = WsOptions::default().close_timeout(Duration::from_secs(60));
    let server = spawn_with(
        H3::new().websocket_with("/ws", Echo, options),
        test_options().grace_period(Duration::from_millis(200)),
    )
    .await;
    // Connected, then never read again: the 1001 close frame is never answered.
    let _mute = connect(&server, "/ws").await;
    let started = std::time::Instant::now();
    server.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "shutdown hung on a mute peer"
    );
}

#[tokio::test]
async fn middleware_runs_before_the_handshake() {
    let app = H3::new()
        .middleware(|event: H3Event, next: h3rs::Next| async move {
            if event.headers().get("x-key").is_some() {
                next.run(event).await
            } else {
                HttpError::unauthorized("key required").into_response()
            }
        })
        .websocket("/ws", Echo);
    let server = spawn(app).await;
    let url = format!("ws://{}/ws", server.addr);
    match tokio_tungstenite::connect_async(url.clone()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401)
        }
        other => panic!("expected a 401, got {other:?}"),
    }
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("x-key", "k".parse().unwrap());
    let (mut client, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    client.send(Wire::text("in")).await.unwrap();
    assert_eq!(next_text(&mut client).await, "in");
    drop(client);
    server.stop().await;
}

#[tokio::test]
async fn peers_are_listed_with_their_request_and_topics() {
    struct Lobby;
    impl WebSocket for Lobby {
        async fn open(&self, peer: &Peer) {
            peer.subscribe("lobby");
            peer.subscribe("news");
            peer.unsubscribe("news");
            peer.send("ready");
        }
    }
    let app = H3::new().websocket("/lobby", Lobby);
    let hub = app.hub().clone();
    let registry = app.peers().clone();
    let server = spawn(app).await;
    let mut client = connect(&server, "/lobby?name=ada").await;
    assert_eq!(next_text(&mut client).await, "ready");
    let peers = registry.list();
    assert_eq!(peers.len(), 1);
    let peer = &peers[0];
    assert_eq!(peer.topics(), ["lobby"]);
    assert_eq!(peer.uri().query(), Some("name=ada"));
    assert!(peer.headers().contains_key("sec-websocket-key"));
    assert!(peer.remote_addr().unwrap().ip().is_loopback());
    assert_eq!(peer.to_string(), peer.id().to_string());
    assert_eq!(hub.subscriber_count("lobby"), 1);
    assert_eq!(hub.subscriber_count("news"), 0);
    drop(client);
    server.stop().await;
}

struct Relay;

#[websocket("/relay")]
impl Relay {
    async fn open(&self, peer: &Peer) {
        peer.subscribe("relay");
        peer.send("ready");
    }

    async fn message(&self, peer: &Peer, message: Message) {
        peer.publish("relay", message);
    }
}

#[tokio::test]
async fn a_burst_from_one_publisher_reaches_every_subscriber_with_default_options() {
    // 3,000 frames in one write, three times a subscriber's default queue: the server
    // reads them ahead in bulk, and must still let the writers drain between hooks
    // rather than close every subscriber as a slow consumer.
    const BURST: usize = 3000;
    let server = spawn(H3::new().register(Relay)).await;
    let mut subscribers = Vec::new();
    for _ in 0..10 {
        let mut client = connect(&server, "/relay").await;
        assert_eq!(next_text(&mut client).await, "ready");
        subscribers.push(client);
    }
    let mut publisher = connect(&server, "/relay").await;
    assert_eq!(next_text(&mut publisher).await, "ready");
    for i in 0..BURST {
        publisher.feed(Wire::text(format!("m{i}"))).await.unwrap();
    }
    publisher.flush().await.unwrap();
    for client in &mut subscribers {
        for i in 0..BURST {
            assert_eq!(next_text(client).await, format!("m{i}"));
        }
    }
    server.stop().await;
}
