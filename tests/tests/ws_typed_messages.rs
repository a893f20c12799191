//! Typed `message` hooks over real sockets: what each kind of payload gets, with the default
//! close policy and with `InvalidMessages::Report`.

use h3rs_tests::ws::{Client, connect, next, next_text};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::SinkExt;
use h3rs::prelude::*;
use h3rs::ws::{FromMessage, InvalidMessage, InvalidMessages, WsOptions};
use h3rs_tests::spawn;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Wire;

async fn expect_close(client: &mut Client) -> (u16, String) {
    match next(client).await {
        Wire::Close(Some(frame)) => (frame.code.into(), frame.reason.to_string()),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[derive(Deserialize)]
struct Move {
    x: i32,
    y: i32,
}

#[derive(Serialize)]
struct Moved {
    sum: i32,
}

/// What the `error` hook saw: the close code, the description and serde's position.
type Reported = (u16, String, Option<(usize, usize)>);

/// A JSON hook, a text hook and a binary hook on three paths.
struct Board {
    errors: mpsc::UnboundedSender<Reported>,
}

#[websocket("/moves")]
impl Board {
    async fn message(&self, peer: &Peer, Json(step): Json<Move>) {
        peer.send(Json(&Moved {
            sum: step.x + step.y,
        }));
    }

    async fn error(&self, _peer: &Peer, error: WsError) {
        let invalid = error.invalid_message().expect("an invalid message");
        let _ = self
            .errors
            .send((error.close_code(), error.to_string(), invalid.position()));
    }
}

struct Shout {
    errors: mpsc::UnboundedSender<Reported>,
}

#[websocket("/shout")]
impl Shout {
    fn message(&self, peer: &Peer, text: String) {
        peer.send(text.to_uppercase());
    }

    fn error(&self, _peer: &Peer, error: WsError) {
        let _ = self
            .errors
            .send((error.close_code(), error.to_string(), None));
    }
}

struct Blobs;

#[websocket("/blobs")]
impl Blobs {
    async fn message(&self, peer: &Peer, bytes: Bytes) {
        peer.send(format!("{} bytes", bytes.len()));
    }
}

fn board() -> (Board, mpsc::UnboundedReceiver<Reported>) {
    let (errors, rx) = mpsc::unbounded_channel();
    (Board { errors }, rx)
}

#[tokio::test]
async fn json_that_parses_reaches_the_hook() {
    let (board, _errors) = board();
    let server = spawn(H3::new().register(board)).await;
    let mut client = connect(&server, "/moves").await;
    client.send(Wire::text(r#"{"x":2,"y":3}"#)).await.unwrap();
    assert_eq!(next_text(&mut client).await, r#"{"sum":5}"#);
    // JSON in a binary frame is JSON too.
    client
        .send(Wire::binary(br#"{"x":1,"y":1}"#.to_vec()))
        .await
        .unwrap();
    assert_eq!(next_text(&mut client).await, r#"{"sum":2}"#);
}

#[tokio::test]
async fn malformed_json_goes_to_the_error_hook_and_closes_with_1007() {
    let (board, mut errors) = board();
    let server = spawn(H3::new().register(board)).await;
    let mut client = connect(&server, "/moves").await;
    client.send(Wire::text(r#"{"x":2,"y":}"#)).await.unwrap();
    let (code, reason) = expect_close(&mut client).await;
    assert_eq!(code, 1007);
    assert_eq!(reason, "invalid JSON: expected value at line 1 column 12");
    let (code, message, position) = errors.recv().await.expect("the error hook ran");
    assert_eq!(code, 1007);
    assert_eq!(message, "invalid JSON: expected value at line 1 column 12");
    assert_eq!(position, Some((1, 12)));

    // JSON of the wrong shape is invalid data too, and says which field.
    let mut client = connect(&server, "/moves").await;
    client.send(Wire::text(r#"{"x":2}"#)).await.unwrap();
    let (code, reason) = expect_close(&mut client).await;
    assert_eq!(code, 1007);
    assert!(reason.contains("missing field `y`"), "{reason}");
}

#[tokio::test]
async fn the_wrong_kind_of_frame_closes_with_1003() {
    let (errors, mut reported) = mpsc::unbounded_channel();
    let server = spawn(H3::new().register(Shout { errors }).register(Blobs)).await;

    let mut text = connect(&server, "/shout").await;
    text.send(Wire::text("hi")).await.unwrap();
    assert_eq!(next_text(&mut text).await, "HI");
    text.send(Wire::binary(vec![0xde, 0xad])).await.unwrap();
    assert_eq!(
        expect_close(&mut text).await,
        (1003, "expected a text message, got binary".to_owned())
    );
    let (code, message, _) = reported.recv().await.expect("the error hook ran");
    assert_eq!(
        (code, message.as_str()),
        (1003, "expected a text message, got binary")
    );

    let mut binary = connect(&server, "/blobs").await;
    binary.send(Wire::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(next_text(&mut binary).await, "3 bytes");
    binary.send(Wire::text("three")).await.unwrap();
    assert_eq!(
        expect_close(&mut binary).await,
        (1003, "expected a binary message, got text".to_owned())
    );
}

#[tokio::test]
async fn report_keeps_the_peer_open_and_the_next_good_message_works() {
    let (board, mut errors) = board();
    let options = WsOptions::default().invalid_messages(InvalidMessages::Report);
    let server = spawn(H3::new().websocket_with("/moves", board, options)).await;
    let mut client = connect(&server, "/moves").await;
    client.send(Wire::text("not json")).await.unwrap();
    let (code, message, position) = errors.recv().await.expect("the error hook ran");
    assert_eq!(code, 1007);
    assert!(message.starts_with("invalid JSON: expected"), "{message}");
    assert_eq!(position, Some((1, 2)));
    // Nothing was sent for the bad message: the next frame is the answer to the good one.
    client.send(Wire::text(r#"{"x":4,"y":5}"#)).await.unwrap();
    assert_eq!(next_text(&mut client).await, r#"{"sum":9}"#);
}

/// A protocol of the app's own: `+room` joins, `-room` leaves, `room:text` posts.
enum Command {
    Join(String),
    Leave(String),
    Post(String, String),
}

impl FromMessage for Command {
    fn from_message(message: Message) -> Result<Self, InvalidMessage> {
        let text = String::from_message(message)?;
        if let Some(room) = text.strip_prefix('+') {
            return Ok(Command::Join(room.to_owned()));
        }
        if let Some(room) = text.strip_prefix('-') {
            return Ok(Command::Leave(room.to_owned()));
        }
        match text.split_once(':') {
            Some((room, line)) => Ok(Command::Post(room.to_owned(), line.to_owned())),
            None => Err(InvalidMessage::invalid(
                "command",
                format!("`{text}` is not `+room`, `-room` or `room:text`"),
            )),
        }
    }
}

struct Rooms;

#[websocket("/rooms")]
impl Rooms {
    async fn message(&self, peer: &Peer, command: Command) {
        match command {
            Command::Join(room) => {
                peer.subscribe(&room);
                peer.send(format!("joined {room}"));
            }
            Command::Leave(room) => peer.unsubscribe(&room),
            Command::Post(room, line) => {
                peer.publish(&room, line);
            }
        }
    }
}

#[tokio::test]
async fn a_type_of_the_app_converts_with_its_own_rules() {
    let server = spawn(H3::new().register(Rooms)).await;
    let mut alice = connect(&server, "/rooms").await;
    let mut bob = connect(&server, "/rooms").await;
    bob.send(Wire::text("+lobby")).await.unwrap();
    assert_eq!(next_text(&mut bob).await, "joined lobby");
    alice.send(Wire::text("lobby:hello")).await.unwrap();
    assert_eq!(next_text(&mut bob).await, "hello");

    alice.send(Wire::text("hello")).await.unwrap();
    assert_eq!(
        expect_close(&mut alice).await,
        (
            1007,
            "invalid command: `hello` is not `+room`, `-room` or `room:text`".to_owned()
        )
    );
    // Its text-only rule comes from `String`: binary is the wrong kind of frame.
    bob.send(Wire::binary(b"+lobby".to_vec())).await.unwrap();
    assert_eq!(expect_close(&mut bob).await.0, 1003);
}

/// Counts its serializations: `send` and `publish` of `Json(&value)` serialize once each,
/// however many peers a publish reaches, and never clone the value.
struct Counted;

static SERIALIZED: AtomicUsize = AtomicUsize::new(0);

impl Serialize for Counted {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SERIALIZED.fetch_add(1, Ordering::SeqCst);
        serializer.serialize_str("counted")
    }
}

struct Fanout;

#[websocket("/fanout")]
impl Fanout {
    fn open(&self, peer: &Peer) {
        peer.subscribe("all");
        peer.send("ready");
    }

    fn message(&self, peer: &Peer, text: String) {
        if text == "go" {
            let value = Counted;
            peer.publish("all", Json(&value));
            peer.send(Json(&value));
        }
    }
}

#[tokio::test]
async fn json_of_a_borrowed_value_is_serialized_once_per_send_or_publish() {
    let server = spawn(H3::new().register(Fanout)).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let mut client = connect(&server, "/fanout").await;
        assert_eq!(next_text(&mut client).await, "ready");
        clients.push(client);
    }
    clients[0].send(Wire::text("go")).await.unwrap();
    for client in &mut clients {
        assert_eq!(next_text(client).await, r#""counted""#);
    }
    // One publish to two peers, one send.
    assert_eq!(SERIALIZED.load(Ordering::SeqCst), 2);
}

/// The runtime side without the macro: what `#[websocket]` generates, written by hand.
struct HandWritten {
    errors: mpsc::UnboundedSender<Reported>,
}

impl h3rs::ws::WebSocket for HandWritten {
    async fn message(&self, peer: &Peer, message: Message) {
        match Json::<Move>::from_message(message) {
            Ok(Json(step)) => {
                peer.send(Json(&Moved {
                    sum: step.x * step.y,
                }));
            }
            Err(invalid) => h3rs::ws::reject(self, peer, invalid).await,
        }
    }

    async fn error(&self, _peer: &Peer, error: WsError) {
        let position = error.invalid_message().and_then(InvalidMessage::position);
        let _ = self
            .errors
            .send((error.close_code(), error.to_string(), position));
    }
}

#[tokio::test]
async fn a_hand_written_handler_gets_the_same_conversion_and_policy() {
    let (errors, mut reported) = mpsc::unbounded_channel();
    let server = spawn(H3::new().websocket("/manual", HandWritten { errors })).await;
    let mut client = connect(&server, "/manual").await;
    client.send(Wire::text(r#"{"x":2,"y":3}"#)).await.unwrap();
    assert_eq!(next_text(&mut client).await, r#"{"sum":6}"#);
    client.send(Wire::text(r#""up""#)).await.unwrap();
    let (code, reason) = expect_close(&mut client).await;
    assert_eq!(code, 1007);
    assert!(
        reason.starts_with("invalid JSON: invalid type: string \"up\", expected struct Move"),
        "{reason}"
    );
    let (code, message, position) = reported.recv().await.expect("the error hook ran");
    assert_eq!((code, message), (1007, reason));
    assert_eq!(position, Some((1, 4)));
}
