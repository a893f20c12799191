//! Two servers in this process, each with its own Redis backend, sharing one Redis: two
//! instances behind a load balancer. WebSocket peers and SSE streams on one hear what is
//! published on the other; the sender is skipped; SSE clients resume on either instance.
#![cfg(feature = "redis")]

use futures_util::SinkExt;
use h3rs::prelude::*;
use h3rs::pubsub::{Hub, RedisPubSub, ReplayPolicy};
use h3rs_tests::redis_server::{backend, unique_prefix};
use h3rs_tests::ws::{connect, next, next_text};
use h3rs_tests::{Streaming, TestServer, request, spawn, sse_events};
use http_body_util::Full;
use tokio_tungstenite::tungstenite::Message as Wire;

/// Subscribes to "chat", says so, and relays what it is sent.
struct Relay;

#[websocket("/_ws")]
impl Relay {
    async fn open(&self, peer: &Peer) {
        peer.subscribe("chat");
        peer.send("subscribed");
    }

    async fn message(&self, peer: &Peer, message: Message) {
        peer.publish("chat", message);
    }
}

/// One instance: the relay, `/plain` (a stream of "chat") and `/feed` (the replayable
/// topic "feed", resuming after `Last-Event-ID`).
async fn instance(prefix: &str) -> (TestServer, RedisPubSub, Hub) {
    let redis = backend(prefix).await;
    let app = H3::new()
        .pubsub(redis.clone())
        .register(Relay)
        .get("/plain", |event: H3Event| async move {
            let stream = EventStream::new(&event);
            stream.follow("chat");
            stream
        })
        .get("/feed", |mut event: H3Event| async move {
            let last = LastEventId::from_event(&mut event).await?;
            let stream = EventStream::new(&event);
            stream.follow_after("feed", &last);
            Ok::<_, HttpError>(stream)
        });
    app.hub().replay("feed", ReplayPolicy::last(10_000));
    let hub = app.hub().clone();
    (spawn(app).await, redis, hub)
}

async fn pair(
    test: &str,
) -> (
    (TestServer, RedisPubSub, Hub),
    (TestServer, RedisPubSub, Hub),
) {
    let prefix = unique_prefix(test);
    (instance(&prefix).await, instance(&prefix).await)
}

#[tokio::test]
async fn websocket_peers_on_two_instances_are_one_room_and_the_sender_is_skipped() {
    let ((server_a, redis_a, _), (server_b, redis_b, _)) = pair("ws").await;
    let mut alice = connect(&server_a, "/_ws").await;
    let mut bob = connect(&server_b, "/_ws").await;
    let mut carol = connect(&server_b, "/_ws").await;
    for client in [&mut alice, &mut bob, &mut carol] {
        assert_eq!(next_text(client).await, "subscribed");
    }
    redis_a.synced().await;
    redis_b.synced().await;

    alice.send(Wire::text("hello from A")).await.unwrap();
    assert_eq!(next_text(&mut bob).await, "hello from A");
    assert_eq!(next_text(&mut carol).await, "hello from A");
    // Binary stays binary on the way.
    alice.send(Wire::binary(vec![0u8, 0xff])).await.unwrap();
    assert_eq!(next(&mut bob).await, Wire::binary(vec![0u8, 0xff]));
    assert_eq!(next(&mut carol).await, Wire::binary(vec![0u8, 0xff]));

    // Bob's message reaches Carol (his own instance) and Alice, not Bob.
    bob.send(Wire::text("hello from B")).await.unwrap();
    assert_eq!(next_text(&mut carol).await, "hello from B");
    // Alice's next frame is Bob's: her own two never came back to her.
    assert_eq!(next_text(&mut alice).await, "hello from B");
    carol.send(Wire::text("marker")).await.unwrap();
    assert_eq!(next_text(&mut alice).await, "marker");
    assert_eq!(next_text(&mut bob).await, "marker");
    drop((alice, bob, carol));
    server_a.stop().await;
    server_b.stop().await;
}

#[tokio::test]
async fn an_event_stream_hears_the_other_instances_websocket_peers_and_app() {
    let ((server_a, _redis_a, app_a), (server_b, redis_b, _)) = pair("sse").await;
    let mut stream = server_b.open_get("/plain").await;
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    // The stream followed "chat" before its head was sent.
    redis_b.synced().await;

    let mut peer = connect(&server_a, "/_ws").await;
    assert_eq!(next_text(&mut peer).await, "subscribed");
    peer.send(Wire::text("from a peer on A")).await.unwrap();
    stream.read_until("data: from a peer on A\n\n").await;
    app_a.publish("chat", "from the app on A");
    stream.read_until("data: from the app on A\n\n").await;
    let events = sse_events(stream.text());
    let data: Vec<&str> = events.iter().map(|(_, data)| data.as_str()).collect();
    assert_eq!(data, ["from a peer on A", "from the app on A"]);
    drop(peer);
    stream.disconnect();
    server_a.stop().await;
    server_b.stop().await;
}

/// `GET /feed` with `Last-Event-ID: last`.
async fn resume(server: &TestServer, last: &str) -> Streaming {
    server
        .open(
            request("GET", "/feed")
                .header("last-event-id", last)
                .body(Full::default())
                .unwrap(),
        )
        .await
}

#[tokio::test]
async fn a_client_that_moves_to_the_other_instance_resumes_where_it_left() {
    let ((server_a, redis_a, app_a), (server_b, redis_b, app_b)) = pair("resume").await;
    let mut first = server_a.open_get("/feed").await;
    redis_a.synced().await;
    for n in 1..=5 {
        app_a.publish("feed", format!("m{n}"));
    }
    first.read_until("data: m5\n\n").await;
    let seen = sse_events(first.text());
    assert_eq!(seen.len(), 5);
    assert!(seen.iter().all(|(id, _)| !id.is_empty()), "{seen:?}");
    // The client saw m1..m3 when its connection dropped.
    let (last, _) = seen[2].clone();
    first.disconnect();

    // Missed meanwhile: m4 and m5 (already sent), and m6, m7 from the other instance.
    app_b.publish("feed", "m6");
    app_a.publish("feed", "m7");
    let mut back = resume(&server_b, &last).await;
    back.read_until("data: m7\n\n").await;
    redis_b.synced().await;
    app_a.publish("feed", "m8");
    back.read_until("data: m8\n\n").await;
    let got = sse_events(back.text());
    let data: Vec<&str> = got.iter().map(|(_, data)| data.as_str()).collect();
    assert_eq!(data, ["m4", "m5", "m6", "m7", "m8"]);
    // The ids are the Stream's: the same on both instances.
    assert_eq!(got[0].0, seen[3].0);
    assert_eq!(got[1].0, seen[4].0);
    server_a.stop().await;
    server_b.stop().await;
}

#[tokio::test]
async fn resuming_while_messages_keep_coming_loses_and_repeats_nothing() {
    const N: usize = 3000;
    let ((server_a, redis_a, app_a), (server_b, _redis_b, _)) = pair("gap").await;
    let mut first = server_a.open_get("/feed").await;
    redis_a.synced().await;
    let publisher = tokio::spawn(async move {
        // Paced, so that the client's move happens in the middle of the flow.
        let mut pace = tokio::time::interval(std::time::Duration::from_micros(500));
        for n in 0..N {
            pace.tick().await;
            app_a.publish("feed", n.to_string());
        }
        app_a
    });
    first.read_until_count("\n\n", 200).await;
    let seen = sse_events(first.text());
    let (last, last_data) = seen.last().unwrap().clone();
    first.disconnect();

    let mut back = resume(&server_b, &last).await;
    back.read_until(&format!("data: {}\n\n", N - 1)).await;
    let got: Vec<usize> = sse_events(back.text())
        .iter()
        .map(|(_, data)| data.parse().unwrap())
        .collect();
    let from: usize = last_data.parse::<usize>().unwrap() + 1;
    let want: Vec<usize> = (from..N).collect();
    assert_eq!(
        got.len(),
        want.len(),
        "missing or repeated messages: from {from}: {:?}",
        &got[..40.min(got.len())]
    );
    assert_eq!(got, want);
    publisher.await.unwrap();
    server_a.stop().await;
    server_b.stop().await;
}

#[tokio::test]
async fn an_unknown_last_event_id_gets_everything_kept() {
    let ((server_a, redis_a, app_a), (server_b, _, _)) = pair("unknown").await;
    let mut first = server_a.open_get("/feed").await;
    redis_a.synced().await;
    app_a.publish("feed", "kept 1");
    app_a.publish("feed", "kept 2");
    first.read_until("data: kept 2\n\n").await;
    let mut stranger = resume(&server_b, "not-an-id").await;
    stranger.read_until("data: kept 2\n\n").await;
    let data: Vec<String> = sse_events(stranger.text())
        .into_iter()
        .map(|(_, data)| data)
        .collect();
    assert_eq!(data, ["kept 1", "kept 2"]);
    server_a.stop().await;
    server_b.stop().await;
}
