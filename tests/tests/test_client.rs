//! `TestClient`: HTTP, WebSocket, SSE and shutdown, in-process.

use std::time::Duration;

use h3rs::prelude::*;
use h3rs::sse::Sse;
use h3rs::test::TestClient;
use h3rs::ws::WebSocket;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Room {
    name: String,
    seats: u32,
}

#[post("/rooms")]
async fn create_room(Json(room): Json<Room>) -> (StatusCode, Json<Room>) {
    (StatusCode::CREATED, Json(room))
}

#[post("/form")]
async fn form(Form(room): Form<Room>) -> String {
    format!("{} x{}", room.name, room.seats)
}

#[post("/len")]
async fn len(body: Bytes) -> String {
    format!("{} bytes", body.len())
}

#[get("/whoami")]
async fn whoami(headers: HeaderMap, addr: Option<h3rs::RemoteAddr>, uri: h3rs::Uri) -> String {
    format!(
        "{} {} {}",
        headers
            .get("x-name")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-"),
        addr.is_some(),
        uri.query().unwrap_or(""),
    )
}

#[tokio::test]
async fn http_requests_with_headers_json_form_and_bodies() {
    let client = TestClient::new(h3rs::app![create_room, form, len, whoami]);
    let room = Room {
        name: "lobby".into(),
        seats: 4,
    };
    let created = client.post("/rooms").json(&room).send().await;
    assert_eq!(created.status(), 201);
    assert_eq!(created.header("content-type"), Some("application/json"));
    assert_eq!(created.json::<Room>(), room);
    assert_eq!(
        client.post("/form").form(&room).send().await.text(),
        "lobby x4"
    );
    assert_eq!(
        client.post("/len").body("12345").send().await.text(),
        "5 bytes"
    );
    let chunks = futures_util::stream::iter(["ab", "cd"].map(Ok::<_, std::io::Error>));
    let streamed = client
        .post("/len")
        .body(h3rs::Body::from_stream(chunks))
        .send()
        .await;
    assert_eq!(streamed.bytes().as_ref(), b"4 bytes");
    let who = client
        .get("/whoami")
        .header("x-name", "ada")
        .query(&[("page", "2")])
        .send()
        .await;
    assert_eq!(who.text(), "ada true page=2");
    let missing = client.delete("/nope").send().await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.json::<serde_json::Value>()["statusText"],
        "Not Found"
    );
    assert!(missing.headers().contains_key("content-length"));
}

#[tokio::test]
async fn the_wire_behaviour_is_the_servers() {
    let app = H3::new().get("/x", |_: H3Event| async { "0123456789" });
    let client = TestClient::with_options(app, h3rs::ServeOptions::default().max_uri_length(16));
    let head = client.head("/x").send().await;
    assert_eq!(head.header("content-length"), Some("10"));
    assert!(head.bytes().is_empty());
    let long = format!("/x?{}", "a".repeat(32));
    assert_eq!(client.get(&long).send().await.status(), 414);
}

#[derive(Clone)]
struct Db;

#[get("/users")]
async fn users(_db: State<Db>) -> &'static str {
    "[]"
}

#[test]
fn an_app_missing_state_is_refused_when_the_client_is_made() {
    let err = TestClient::try_new(H3::new().register(users)).unwrap_err();
    assert!(err.to_string().contains("GET /users"), "{err}");
    assert!(TestClient::try_new(H3::new().register(users).state(Db)).is_ok());
    let panic =
        std::panic::catch_unwind(|| TestClient::new(H3::new().register(users))).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("State<"), "{message}");
}

/// Echoes, closes on "bye" with 4000, rejects without a token, reports close hooks.
struct Chat {
    closes: mpsc::UnboundedSender<CloseDetails>,
}

impl WebSocket for Chat {
    async fn upgrade(&self, req: &H3Event) -> Result<Upgrade, Response> {
        if req.headers().get("x-token").is_none() {
            return Err(HttpError::unauthorized("token required").into_response());
        }
        let offered: Vec<_> = h3rs::ws::offered_protocols(req)
            .map(str::to_owned)
            .collect();
        let mut upgrade = Upgrade::accept().header("x-room", "lobby");
        if offered.iter().any(|p| p == "chat.v2") {
            upgrade = upgrade.protocol("chat.v2");
        }
        Ok(upgrade)
    }
    async fn message(&self, peer: &Peer, message: Message) {
        match &*message.text() {
            "bye" => {
                peer.close(4000, "see you");
            }
            "publish" => {
                peer.publish("room", "to the others");
            }
            _ => {
                peer.send(message);
            }
        }
    }
    async fn open(&self, peer: &Peer) {
        peer.subscribe("room");
    }
    async fn close(&self, _peer: &Peer, details: CloseDetails) {
        let _ = self.closes.send(details);
    }
}

fn chat() -> (TestClient, mpsc::UnboundedReceiver<CloseDetails>) {
    let (closes, closed) = mpsc::unbounded_channel();
    let app = H3::new()
        .websocket("/_ws", Chat { closes })
        .websocket_options(
            h3rs::ws::WsOptions::default().ping_interval(Some(Duration::from_millis(20))),
        );
    (TestClient::new(app), closed)
}

#[tokio::test]
async fn websocket_send_receive_protocol_and_headers() {
    let (client, _closed) = chat();
    let mut ws = client
        .ws("/_ws")
        .header("x-token", "t")
        .protocol("chat.v1")
        .protocol("chat.v2")
        .connect()
        .await
        .unwrap();
    assert_eq!(ws.status(), 101);
    assert_eq!(ws.protocol(), Some("chat.v2"));
    assert_eq!(ws.headers()["x-room"], "lobby");
    ws.send("hello").await;
    assert_eq!(ws.recv().await.unwrap(), Message::from("hello"));
    ws.send(vec![1u8, 2, 3]).await;
    let binary = ws.recv().await.unwrap();
    assert!(binary.is_binary());
    assert_eq!(binary.bytes(), [1, 2, 3]);
    ws.send_json(&serde_json::json!({ "n": 1 })).await;
    assert_eq!(
        ws.recv()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .unwrap()["n"],
        1
    );
}

#[tokio::test]
async fn websocket_pings_are_answered_in_the_background() {
    let (client, _closed) = chat();
    let mut ws = client
        .ws("/_ws")
        .header("x-token", "t")
        .connect()
        .await
        .unwrap();
    // The server pings every 20 ms and drops a peer that misses a pong; stay silent for
    // several intervals, then the connection must still be open.
    tokio::time::sleep(Duration::from_millis(120)).await;
    ws.send("still here").await;
    assert_eq!(ws.recv().await.unwrap().text(), "still here");
}

#[tokio::test]
async fn websocket_refused_handshake_carries_the_response() {
    let (client, _closed) = chat();
    let refused = client.ws("/_ws").connect().await.unwrap_err();
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.response().json::<serde_json::Value>()["message"],
        "token required"
    );
    assert_eq!(
        client
            .ws("/elsewhere")
            .connect()
            .await
            .unwrap_err()
            .status(),
        404
    );
}

#[tokio::test]
async fn websocket_close_codes_both_ways() {
    let (client, mut closed) = chat();
    let mut ws = client
        .ws("/_ws")
        .header("x-token", "t")
        .connect()
        .await
        .unwrap();
    ws.send("bye").await;
    assert_eq!(ws.closed().await, CloseDetails::new(4000, "see you"));
    assert!(ws.recv().await.is_none());
    assert_eq!(closed.recv().await.unwrap().code, 4000);

    let mut ws = client
        .ws("/_ws")
        .header("x-token", "t")
        .connect()
        .await
        .unwrap();
    assert_eq!(ws.close(3001, "leaving").await.code, 3001);
    assert_eq!(
        closed.recv().await.unwrap(),
        CloseDetails::new(3001, "leaving")
    );

    let ws = client
        .ws("/_ws")
        .header("x-token", "t")
        .connect()
        .await
        .unwrap();
    drop(ws);
    assert_eq!(closed.recv().await.unwrap().code, 1006);
}

#[tokio::test]
async fn websocket_publish_skips_the_sender_and_recv_timeout_says_so() {
    let (client, _closed) = chat();
    let mut alice = client
        .ws("/_ws")
        .header("x-token", "t")
        .connect()
        .await
        .unwrap();
    let mut bob = client
        .ws("/_ws")
        .header("x-token", "t")
        .connect()
        .await
        .unwrap();
    while client.app().peers().len() < 2 {
        tokio::task::yield_now().await;
    }
    alice.send("publish").await;
    assert_eq!(bob.recv().await.unwrap().text(), "to the others");
    assert!(alice.recv_timeout(Duration::from_millis(50)).await.is_err());
    assert_eq!(client.app().publish("room", "from the app"), 2);
    assert_eq!(alice.recv().await.unwrap().text(), "from the app");
    assert_eq!(bob.recv().await.unwrap().text(), "from the app");
}

fn feed() -> H3 {
    H3::new()
        .get("/events", |event: H3Event| async move {
            let start: u32 = event
                .headers()
                .get("last-event-id")
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(0);
            let events = futures_util::stream::iter([
                SseEvent::new("first\nsecond")
                    .id((start + 1).to_string())
                    .event("tick"),
                SseEvent::comment("a note"),
                SseEvent::new("plain").retry(Duration::from_millis(1500)),
                SseEvent::new("").id((start + 2).to_string()),
            ]);
            Sse::new(&event).stream(events)
        })
        .get("/forever", |event: H3Event| async move {
            Sse::new(&event).stream(futures_util::stream::pending::<SseEvent>())
        })
        .get("/not-a-stream", |_: H3Event| async { "plain text" })
}

#[tokio::test]
async fn sse_events_are_parsed_with_their_fields() {
    let client = TestClient::new(feed());
    let mut stream = client
        .sse("/events")
        .last_event_id("7")
        .connect()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    let first = stream.next().await.unwrap();
    assert_eq!(first.id.as_deref(), Some("8"));
    assert_eq!(first.event.as_deref(), Some("tick"));
    assert_eq!(first.data, "first\nsecond");
    // A comment-only block is skipped by default.
    let plain = stream.next().await.unwrap();
    assert_eq!(
        (plain.data.as_str(), plain.retry),
        ("plain", Some(Duration::from_millis(1500)))
    );
    assert_eq!(plain.id, None);
    let empty = stream.next().await.unwrap();
    assert_eq!((empty.id.as_deref(), empty.data.as_str()), (Some("9"), ""));
    assert_eq!(stream.last_event_id(), Some("9"));
    assert!(stream.next().await.is_none());
    assert!(stream.ended_cleanly());
}

#[tokio::test]
async fn sse_comments_are_exposed_on_request() {
    let client = TestClient::new(feed());
    let mut stream = client
        .sse("/events")
        .with_comments()
        .connect()
        .await
        .unwrap();
    assert_eq!(stream.next().await.unwrap().id.as_deref(), Some("1"));
    let note = stream.next().await.unwrap();
    assert_eq!(note.comments, ["a note"]);
    assert_eq!((note.id, note.data.as_str()), (None, ""));
}

#[tokio::test]
async fn sse_refusals_and_timeouts() {
    let client = TestClient::new(feed());
    let refused = client.sse("/not-a-stream").connect().await.unwrap_err();
    assert_eq!(refused.status(), 200);
    assert_eq!(refused.response().text(), "plain text");
    assert_eq!(
        client.sse("/missing").connect().await.unwrap_err().status(),
        404
    );
    let mut quiet = client.sse("/forever").connect().await.unwrap();
    assert!(quiet.next_timeout(Duration::from_millis(30)).await.is_err());
    assert!(!quiet.ended_cleanly());
}

#[tokio::test]
async fn shutdown_closes_peers_with_1001_ends_streams_and_refuses_requests() {
    let (closes, mut closed) = mpsc::unbounded_channel();
    let app = feed().websocket("/_ws", Chat { closes });
    let client = TestClient::new(app);
    let mut ws = client
        .ws("/_ws")
        .header("x-token", "t")
        .connect()
        .await
        .unwrap();
    let mut stream = client.sse("/forever").connect().await.unwrap();
    let (remaining, details, end) = tokio::join!(client.shutdown(), ws.closed(), stream.next());
    assert_eq!(remaining, 0);
    assert_eq!(details, CloseDetails::new(1001, "Server shutting down"));
    assert_eq!(closed.recv().await.unwrap().code, 1001);
    assert!(end.is_none());
    assert!(stream.ended_cleanly());
    assert!(client.shutdown_signal().is_triggered());
    let err = client.get("/events").try_send().await.unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
}

#[tokio::test]
async fn shutdown_waits_for_a_request_in_flight() {
    let (started, mut running) = mpsc::unbounded_channel();
    let (finish, finishing) = tokio::sync::oneshot::channel::<()>();
    let finishing = std::sync::Mutex::new(Some(finishing));
    let finishing = std::sync::Arc::new(finishing);
    let app = H3::new().get("/slow", move |_: H3Event| {
        let started = started.clone();
        let finishing = finishing.lock().unwrap().take();
        async move {
            let _ = started.send(());
            if let Some(finishing) = finishing {
                let _ = finishing.await;
            }
            "finished"
        }
    });
    let client = TestClient::new(app);
    let slow = tokio::spawn(client.get("/slow").send());
    running.recv().await.unwrap();
    let shutdown = tokio::spawn({
        let client = client.clone();
        async move { client.shutdown().await }
    });
    // The request holds the shutdown until it finishes.
    tokio::task::yield_now().await;
    assert!(!shutdown.is_finished());
    finish.send(()).unwrap();
    assert_eq!(slow.await.unwrap().text(), "finished");
    assert_eq!(shutdown.await.unwrap(), 0);
}
