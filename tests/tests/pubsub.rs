//! Pub/sub through real sockets: what `publish` counts, kinds and SSE event names on the
//! way, each subscriber kind's overflow policy, resuming on dynamic topics, one hub and one
//! peer registry after `mount`, and a backend of one's own.

use h3rs_tests::ws::{Client, connect, next, next_text};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use h3rs::prelude::*;
use h3rs::pubsub::{MemoryPubSub, Overflow, Payload, PubSub, ReplayPolicy, Subscriber};
use h3rs::pubsub::{SubscriberId, Subscription};
use h3rs::sse::{SseOptions, TopicReplay};
use h3rs::ws::{WebSocket, WsOptions};
use h3rs_tests::{Streaming, TestServer, request, spawn, sse_events};
use http_body_util::Full;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Wire;

/// Subscribes to "chat" on open; relays what it gets, then tells how many it reached.
struct Counted;

impl WebSocket for Counted {
    async fn open(&self, peer: &Peer) {
        peer.subscribe("chat");
        peer.send("ready");
    }
    async fn message(&self, peer: &Peer, message: Message) {
        let reached = peer.publish("chat", message);
        peer.send(format!("reached {reached}"));
    }
}

#[tokio::test]
async fn publish_counts_peers_and_streams_not_the_replay_log_nor_the_sender() {
    let app = H3::new();
    let replay = TopicReplay::new(app.hub(), "chat", 100);
    let app = app
        .websocket("/ws", Counted)
        .get("/events", |event: H3Event| async move {
            let stream = EventStream::new(&event);
            stream.follow("chat");
            stream
        })
        .state(replay.clone());
    let hub = app.hub().clone();
    let server = spawn(app).await;

    // Nobody listens: the replay log keeps the message but is not a subscriber.
    assert_eq!(hub.publish("chat", "to nobody"), 0);
    assert_eq!(replay.len(), 1);

    let mut a = connect(&server, "/ws").await;
    let mut b = connect(&server, "/ws").await;
    assert_eq!(next_text(&mut a).await, "ready");
    assert_eq!(next_text(&mut b).await, "ready");
    let mut stream = server.open_get("/events").await;
    assert_eq!(hub.subscriber_count("chat"), 3);

    assert_eq!(hub.publish("chat", "to everyone"), 3);
    assert_eq!(next_text(&mut a).await, "to everyone");
    assert_eq!(next_text(&mut b).await, "to everyone");
    stream.read_until("data: to everyone\n").await;

    // From a peer: the other peer and the stream, never the sender.
    a.send(Wire::text("from a")).await.unwrap();
    assert_eq!(next_text(&mut a).await, "reached 2");
    assert_eq!(next_text(&mut b).await, "from a");
    stream.read_until("data: from a\n").await;

    // Binary stays binary, and an event stream, which cannot carry it, is not reached.
    a.send(Wire::binary(vec![0u8, 255, 1])).await.unwrap();
    assert_eq!(next_text(&mut a).await, "reached 1");
    assert_eq!(next(&mut b).await, Wire::binary(vec![0u8, 255, 1]));
    assert_eq!(hub.publish("chat", vec![9u8, 9]), 2);
    assert_eq!(next(&mut a).await, Wire::binary(vec![9u8, 9]));
    assert_eq!(next(&mut b).await, Wire::binary(vec![9u8, 9]));
    // And text stays text.
    assert_eq!(hub.publish("chat", "text again"), 3);
    assert_eq!(next(&mut b).await, Wire::text("text again"));
    stream.read_until("data: text again\n").await;
    assert_eq!(
        stream.text().matches("data: ").count(),
        3,
        "{}",
        stream.text()
    );

    drop((a, b));
    server.stop().await;
}

#[tokio::test]
async fn topic_events_carry_their_sse_event_name() {
    let app = H3::new().get("/news", |event: H3Event| async move {
        let stream = EventStream::new(&event);
        stream.follow("news");
        stream
    });
    let hub = app.hub().clone();
    let server = spawn(app).await;
    let mut stream = server.open_get("/news").await;
    assert_eq!(
        hub.publish("news", Payload::from("x").with_event("note")),
        1
    );
    assert_eq!(hub.publish("news", SseEvent::new("y").event("joined")), 1);
    assert_eq!(hub.publish("news", "z"), 1);
    stream.read_until("data: z\n\n").await;
    assert_eq!(
        stream.text(),
        "event: note\ndata: x\n\nevent: joined\ndata: y\n\ndata: z\n\n"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_subscription_keeps_the_kind_of_what_peers_publish() {
    struct Publisher;
    impl WebSocket for Publisher {
        async fn message(&self, peer: &Peer, message: Message) {
            peer.publish("feed", message);
            peer.send("published");
        }
    }
    let app = H3::new().websocket("/ws", Publisher);
    let mut feed: Subscription = app.hub().subscription("feed", 8);
    let server = spawn(app).await;
    let mut client = connect(&server, "/ws").await;
    client.send(Wire::text("héllo")).await.unwrap();
    client.send(Wire::binary(vec![0xffu8, 0])).await.unwrap();
    let text = feed.next().await.unwrap();
    let binary = feed.next().await.unwrap();
    assert_eq!((text.is_text(), text.as_str()), (true, Some("héllo")));
    assert_eq!(
        (binary.is_binary(), binary.bytes()),
        (true, &[0xffu8, 0][..])
    );
    drop(client);
    server.stop().await;
}

/// Hands its peer to the test.
struct Opened(mpsc::UnboundedSender<Peer>);

impl WebSocket for Opened {
    async fn open(&self, peer: &Peer) {
        let _ = self.0.send(peer.clone());
    }
}

async fn peer_with(overflow: Overflow) -> (TestServer, Client, Peer) {
    let (opened, mut opened_rx) = mpsc::unbounded_channel();
    let options = WsOptions::default()
        .queue_capacity(4)
        .slow_consumer(overflow);
    let server = spawn(H3::new().websocket_with("/ws", Opened(opened), options)).await;
    let client = connect(&server, "/ws").await;
    let peer = opened_rx.recv().await.unwrap();
    (server, client, peer)
}

#[tokio::test]
async fn a_peer_under_drop_newest_refuses_what_does_not_fit_and_stays_open() {
    let (server, mut client, peer) = peer_with(Overflow::DropNewest).await;
    // In one go, so that the writer cannot drain in between: four fit.
    let sent: Vec<bool> = (0..10).map(|n| peer.send(format!("m{n}"))).collect();
    assert_eq!(
        sent,
        [
            true, true, true, true, false, false, false, false, false, false
        ]
    );
    for n in 0..4 {
        assert_eq!(next_text(&mut client).await, format!("m{n}"));
    }
    assert!(peer.is_open());
    assert!(peer.send("after"));
    assert_eq!(next_text(&mut client).await, "after");
    drop(client);
    server.stop().await;
}

#[tokio::test]
async fn a_peer_under_close_drops_its_queue_and_closes_with_1008() {
    let (server, mut client, peer) = peer_with(Overflow::Close).await;
    let sent: Vec<bool> = (0..6).map(|n| peer.send(format!("m{n}"))).collect();
    assert_eq!(sent, [true, true, true, true, false, false]);
    assert!(!peer.is_open());
    // What was queued is dropped: the close frame comes first.
    match next(&mut client).await {
        Wire::Close(Some(frame)) => {
            assert_eq!(u16::from(frame.code), 1008);
            assert_eq!(frame.reason.as_str(), "Slow consumer");
        }
        other => panic!("expected the close frame, got {other:?}"),
    }
    drop(client);
    server.stop().await;
}

#[tokio::test]
async fn a_peer_under_drop_oldest_keeps_the_newest() {
    let (server, mut client, peer) = peer_with(Overflow::DropOldest).await;
    let sent: Vec<bool> = (0..10).map(|n| peer.send(format!("m{n}"))).collect();
    assert!(sent.iter().all(|&sent| sent));
    for n in 6..10 {
        assert_eq!(next_text(&mut client).await, format!("m{n}"));
    }
    assert!(peer.is_open());
    drop(client);
    server.stop().await;
}

fn following_app(options: SseOptions) -> H3 {
    H3::new()
        .get("/news", |event: H3Event| async move {
            let stream = EventStream::new(&event);
            stream.follow("news");
            stream
        })
        .sse_options(options)
}

#[tokio::test]
async fn an_event_stream_that_overflows_from_a_topic_closes_and_leaves_it() {
    let app = following_app(SseOptions::default().queue_capacity(2));
    let hub = app.hub().clone();
    let server = spawn(app).await;
    let mut stream = server.open_get("/news").await;
    // In one go: the response cannot send in between.
    let reached: Vec<usize> = (1..=4)
        .map(|n| hub.publish("news", n.to_string()))
        .collect();
    assert_eq!(reached, [1, 1, 0, 0]);
    // Closed by the publish that overflowed, in the publisher's task.
    assert_eq!(hub.subscriber_count("news"), 0);
    assert_eq!(stream.read_to_end().await, "data: 1\n\ndata: 2\n\n");
    server.stop().await;
}

#[tokio::test]
async fn an_event_stream_under_drop_oldest_skips_to_the_newest() {
    let options = SseOptions::default()
        .queue_capacity(2)
        .slow_consumer(Overflow::DropOldest);
    let app = following_app(options);
    let hub = app.hub().clone();
    let server = spawn(app).await;
    let mut stream = server.open_get("/news").await;
    for n in 1..=5 {
        assert_eq!(hub.publish("news", n.to_string()), 1);
    }
    stream.read_until("data: 5\n\n").await;
    assert_eq!(stream.text(), "data: 4\n\ndata: 5\n\n");
    assert_eq!(hub.subscriber_count("news"), 1);
    server.stop().await;
}

/// `GET /rooms/:room`: the topic `room:<room>` as events, resuming after `Last-Event-ID`.
fn rooms() -> H3 {
    H3::new().get("/rooms/:room", |mut event: H3Event| async move {
        let last = LastEventId::from_event(&mut event).await?;
        let topic = format!("room:{}", event.params().get("room").unwrap());
        let stream = EventStream::new(&event);
        stream.follow_after(&topic, &last);
        Ok::<_, HttpError>(stream)
    })
}

async fn open_room(server: &TestServer, room: &str, last: Option<&str>) -> Streaming {
    let mut builder = request("GET", &format!("/rooms/{room}"));
    if let Some(last) = last {
        builder = builder.header("last-event-id", last);
    }
    server.open(builder.body(Full::default()).unwrap()).await
}

#[tokio::test]
async fn a_client_resumes_a_dynamic_room_after_its_last_event_id() {
    let app = rooms();
    let hub = app.hub().clone();
    hub.replay(
        "room:*",
        ReplayPolicy::last(100).evict_after(Duration::from_secs(3600)),
    );
    let server = spawn(app).await;

    // Made by its first publish; a first connection gets only what comes next.
    hub.publish("room:a", "before");
    hub.publish("room:b", "elsewhere");
    let mut first = open_room(&server, "a", None).await;
    assert_eq!(hub.publish("room:a", "m1"), 1);
    let seen = sse_events(&first.read_until("data: m1\n\n").await);
    assert_eq!(seen.len(), 1);
    first.disconnect();

    hub.publish("room:a", "m2");
    hub.publish("room:a", "m3");
    let mut back = open_room(&server, "a", Some(&seen[0].0)).await;
    assert_eq!(hub.publish("room:a", "m4"), 1);
    let rest = sse_events(&back.read_until("data: m4\n\n").await);
    let data: Vec<&str> = rest.iter().map(|(_, data)| data.as_str()).collect();
    assert_eq!(data, ["m2", "m3", "m4"]);
    let mut ids: Vec<&str> = std::iter::once(seen[0].0.as_str())
        .chain(rest.iter().map(|(id, _)| id.as_str()))
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 4, "ids repeat: {ids:?}");
    assert_eq!(hub.replay_len("room:a"), 5);
    assert_eq!(hub.replay_len("room:b"), 1);
    server.stop().await;
}

#[tokio::test]
async fn an_idle_dynamic_room_loses_its_log_and_a_late_resume_gets_only_new_events() {
    let app = rooms();
    let hub = app.hub().clone();
    let idle = Duration::from_millis(100);
    hub.replay("room:*", ReplayPolicy::last(100).evict_after(idle));
    let server = spawn(app).await;

    let mut first = open_room(&server, "a", None).await;
    hub.publish("room:a", "m1");
    let seen = sse_events(&first.read_until("data: m1\n\n").await);
    first.disconnect();
    hub.publish("room:a", "m2");
    assert_eq!(hub.replay_len("room:a"), 2);

    // Nobody follows the room and nothing is published: the sweeper drops its log.
    let evicted = tokio::time::timeout(Duration::from_secs(10), async {
        while hub.replay_len("room:a") > 0 {
            tokio::time::sleep(idle / 4).await;
        }
    })
    .await;
    assert!(evicted.is_ok(), "the idle room kept its log");
    assert_eq!(hub.topic_count(), 0);

    // What was missed went with the log: a resume gets what comes next, with fresh ids.
    let mut late = open_room(&server, "a", Some(&seen[0].0)).await;
    assert_eq!(hub.publish("room:a", "m3"), 1);
    let rest = sse_events(&late.read_until("data: m3\n\n").await);
    let data: Vec<&str> = rest.iter().map(|(_, data)| data.as_str()).collect();
    assert_eq!(data, ["m3"]);
    server.stop().await;
}

/// Subscribes to "feed" on open.
struct FeedPeer;

impl WebSocket for FeedPeer {
    async fn open(&self, peer: &Peer) {
        peer.subscribe("feed");
        peer.send("ready");
    }
}

#[tokio::test]
async fn a_mounted_app_shares_its_parents_hub_and_peer_registry() {
    let sub = H3::new();
    // Made on the sub-app's hub before it is mounted.
    let replay = TopicReplay::new(sub.hub(), "feed", 10);
    let sub_hub = sub.hub().clone();
    let sub_peers = sub.peers().clone();
    let sub = sub
        .websocket("/ws", FeedPeer)
        .get("/feed", |mut event: H3Event| async move {
            let last = LastEventId::from_event(&mut event).await?;
            let stream = EventStream::new(&event);
            stream.follow_with_replay(event.state::<TopicReplay>().unwrap(), &last);
            Ok::<_, HttpError>(stream)
        })
        .state(replay.clone());
    let app = H3::new().mount("/sub", sub);
    let hub = app.hub().clone();
    let peers = app.peers().clone();
    let server = spawn(app).await;

    let mut client = connect(&server, "/sub/ws").await;
    assert_eq!(next_text(&mut client).await, "ready");
    assert_eq!((peers.len(), sub_peers.len()), (1, 1));
    let mut stream = server.open_get("/sub/feed").await;

    assert_eq!(sub_hub.publish("feed", "via the sub-app's hub"), 2);
    assert_eq!(hub.publish("feed", "via the app's"), 2);
    assert_eq!(next_text(&mut client).await, "via the sub-app's hub");
    assert_eq!(next_text(&mut client).await, "via the app's");
    let got = sse_events(&stream.read_until("data: via the app's\n\n").await);
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|(id, _)| !id.is_empty()), "{got:?}");
    assert_eq!(replay.len(), 2);
    drop(client);
    server.stop().await;
}

/// The memory backend, counting publishes: a backend of one's own.
struct Counting {
    inner: MemoryPubSub,
    publishes: Arc<AtomicUsize>,
}

impl PubSub for Counting {
    fn publish(&self, topic: &str, payload: Payload, origin: Option<SubscriberId>) -> usize {
        self.publishes.fetch_add(1, Ordering::Relaxed);
        self.inner.publish(topic, payload, origin)
    }
    fn subscribe(
        &self,
        topic: &str,
        id: SubscriberId,
        subscriber: Arc<dyn Subscriber>,
        after: Option<&str>,
    ) -> bool {
        self.inner.subscribe(topic, id, subscriber, after)
    }
    fn unsubscribe(&self, topic: &str, id: SubscriberId) {
        self.inner.unsubscribe(topic, id)
    }
    fn subscriber_count(&self, topic: &str) -> usize {
        self.inner.subscriber_count(topic)
    }
    fn topic_count(&self) -> usize {
        self.inner.topic_count()
    }
    fn replay(&self, pattern: &str, policy: ReplayPolicy) {
        self.inner.replay(pattern, policy)
    }
    fn replay_len(&self, topic: &str) -> usize {
        self.inner.replay_len(topic)
    }
    fn hand_over(&self, target: &dyn PubSub) {
        self.inner.hand_over(target)
    }
}

#[tokio::test]
async fn an_app_runs_on_the_backend_it_is_given() {
    let publishes = Arc::new(AtomicUsize::new(0));
    let app = H3::new();
    // Made before the backend is chosen: it moves along.
    let mut early = app.hub().subscription("t", 4);
    let app = app
        .pubsub(Counting {
            inner: MemoryPubSub::new(),
            publishes: publishes.clone(),
        })
        .websocket("/ws", Counted);
    let server = spawn(app.clone()).await;
    let mut client = connect(&server, "/ws").await;
    assert_eq!(next_text(&mut client).await, "ready");
    assert_eq!(app.publish("t", "x"), 1);
    assert_eq!(early.next().await.unwrap().text(), "x");
    client.send(Wire::text("hi")).await.unwrap();
    assert_eq!(next_text(&mut client).await, "reached 0");
    assert_eq!(publishes.load(Ordering::Relaxed), 2);
    drop(client);
    server.stop().await;
}
