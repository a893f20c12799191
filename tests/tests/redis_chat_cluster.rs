//! Two `chat-cluster` processes sharing one Redis behave as one chat room, and an SSE
//! client moved from one to the other resumes without loss or duplicates.
#![cfg(feature = "redis")]

use futures_util::SinkExt;
use h3rs_tests::redis_server::{build_chat_cluster, commands, redis_url, wait_numsub};
use h3rs_tests::ws::{Client, connect, next_text};
use h3rs_tests::{ExampleProcess, TestServer, request, sse_events};
use http_body_util::Full;
use tokio_tungstenite::tungstenite::Message as Wire;

/// The example's channel and Stream (its default prefix).
const CHAT: &str = "h3rs:chat";

/// Connects to `/_ws`, reads the welcome; returns the client.
async fn join(server: &TestServer) -> Client {
    let mut client = connect(server, "/_ws").await;
    assert_eq!(next_text(&mut client).await, "Welcome to the server!");
    client
}

fn joined_id(notice: &str) -> String {
    notice
        .strip_prefix("[system] ")
        .and_then(|rest| rest.strip_suffix(" joined!"))
        .unwrap_or_else(|| panic!("not a join notice: {notice:?}"))
        .to_owned()
}

#[tokio::test]
async fn two_processes_are_one_room_and_an_event_source_resumes_on_the_other() {
    build_chat_cluster();
    let url = redis_url();
    let mut redis = commands(&url).await;
    // A fresh room: what earlier runs left in the Stream is not this test's.
    redis::cmd("DEL")
        .arg(CHAT)
        .query_async::<()>(&mut redis)
        .await
        .unwrap();
    let process_a = ExampleProcess::start("chat-cluster");
    let process_b = ExampleProcess::start("chat-cluster");
    let (a, b) = (
        TestServer::at(process_a.addr()),
        TestServer::at(process_b.addr()),
    );

    let mut alice = join(&a).await;
    wait_numsub(&mut redis, CHAT, 1).await;
    let mut bob = join(&b).await;
    wait_numsub(&mut redis, CHAT, 2).await;
    // Bob's join, published on B, reaches Alice on A.
    let bob_id = joined_id(&next_text(&mut alice).await);

    let mut events = a.open_get("/events").await;
    assert_eq!(events.header("content-type"), Some("text/event-stream"));

    bob.send(Wire::text("hello from B")).await.unwrap();
    assert_eq!(next_text(&mut bob).await, "hello from B", "the echo");
    assert_eq!(
        next_text(&mut alice).await,
        format!("[{bob_id}] hello from B")
    );

    alice.send(Wire::text("ping")).await.unwrap();
    assert_eq!(next_text(&mut alice).await, "pong");
    alice.send(Wire::text("hi B")).await.unwrap();
    assert_eq!(next_text(&mut alice).await, "hi B", "the echo");
    // Bob's next line is Alice's: the ping and its pong stayed with her.
    let line = next_text(&mut bob).await;
    let alice_id = line
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix("] hi B"))
        .unwrap_or_else(|| panic!("not Alice's line: {line:?}"))
        .to_owned();
    assert_ne!(alice_id, bob_id, "peer ids are unique across instances");

    events.read_until("hi B\n\n").await;
    let seen = sse_events(events.text());
    let seen_data: Vec<&str> = seen.iter().map(|(_, data)| data.as_str()).collect();
    assert_eq!(
        seen_data,
        [
            format!("[{bob_id}] hello from B"),
            format!("[{alice_id}] hi B")
        ]
    );
    let (last, _) = seen.last().unwrap().clone();
    assert!(!last.is_empty(), "chat lines carry ids");
    events.disconnect();

    // Said while the EventSource was away.
    bob.send(Wire::text("missed 1")).await.unwrap();
    assert_eq!(next_text(&mut bob).await, "missed 1", "the echo");
    assert_eq!(next_text(&mut alice).await, format!("[{bob_id}] missed 1"));
    alice.send(Wire::text("missed 2")).await.unwrap();
    assert_eq!(next_text(&mut alice).await, "missed 2", "the echo");
    assert_eq!(next_text(&mut bob).await, format!("[{alice_id}] missed 2"));

    // The EventSource reconnects to the other instance, with its Last-Event-ID.
    let mut back = b
        .open(
            request("GET", "/events")
                .header("last-event-id", &last)
                .body(Full::default())
                .unwrap(),
        )
        .await;
    back.read_until("missed 2\n\n").await;
    wait_numsub(&mut redis, CHAT, 2).await;
    bob.send(Wire::text("live")).await.unwrap();
    assert_eq!(next_text(&mut bob).await, "live", "the echo");
    back.read_until("live\n\n").await;
    let got = sse_events(back.text());
    let data: Vec<&str> = got.iter().map(|(_, data)| data.as_str()).collect();
    assert_eq!(
        data,
        [
            format!("[{bob_id}] missed 1"),
            format!("[{alice_id}] missed 2"),
            format!("[{bob_id}] live"),
        ]
    );

    alice.close(None).await.unwrap();
    assert_eq!(
        next_text(&mut bob).await,
        format!("[system] {alice_id} has left the chat!")
    );
    drop(bob);
    process_a.stop();
    process_b.stop();
}
