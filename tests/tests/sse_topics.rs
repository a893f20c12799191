//! Event streams that follow pub/sub topics: app and WebSocket publishes, leaving topics on
//! close, and resuming after `Last-Event-ID` through a `TopicReplay`.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use h3rs::prelude::*;
use h3rs::sse::{SseOptions, TopicReplay};
use h3rs_tests::{Streaming, TestServer, request, spawn, sse_events};
use http_body_util::Full;
use tokio::sync::Notify;

/// Publishes what a WebSocket peer sends to the topic "news".
struct Relay;

#[websocket("/ws")]
impl Relay {
    async fn message(&self, peer: &Peer, message: Message) {
        peer.publish("news", message);
        peer.send("relayed");
    }
}

/// Set when a stream closes.
#[derive(Clone)]
struct Closed(Arc<Notify>);

fn app(closed: Arc<Notify>) -> H3 {
    let app = H3::new();
    let feed = TopicReplay::new(app.hub(), "feed", 1000);
    app.register(Relay)
        .get("/news", |event: H3Event| async move {
            // The only handle is returned: following the topic keeps the stream open.
            let stream = EventStream::new(&event);
            stream.follow("news");
            let closed = event.state::<Closed>().unwrap().clone();
            stream.on_closed(move || closed.0.notify_one());
            stream
        })
        .get("/unreturned", |event: H3Event| async move {
            let stream = EventStream::new(&event);
            stream.follow("news");
            let closed = event.state::<Closed>().unwrap().clone();
            stream.on_closed(move || closed.0.notify_one());
            StatusCode::NO_CONTENT
        })
        .get("/feed", |mut event: H3Event| async move {
            let last = LastEventId::from_event(&mut event).await?;
            let stream = EventStream::new(&event);
            stream.follow_with_replay(event.state::<TopicReplay>().unwrap(), &last);
            Ok::<_, HttpError>(stream)
        })
        .state(feed)
        .state(Closed(closed))
        .sse_options(SseOptions::default().queue_capacity(4096))
}

#[tokio::test]
async fn a_topic_stream_receives_app_and_websocket_publishes() {
    let app = app(Arc::new(Notify::new()));
    let hub = app.hub().clone();
    let server = spawn(app).await;
    let mut stream = server.open_get("/news").await;
    // The route has subscribed before answering.
    assert_eq!(hub.subscriber_count("news"), 1);

    assert_eq!(hub.publish("news", "from the app"), 1);
    stream.read_until("from the app").await;
    // Binary messages have no SSE form: skipped.
    hub.publish("news", Message::binary(vec![0u8, 159, 146, 150]));
    // Multi-line text stays one event.
    hub.publish("news", "two\nlines");
    stream.read_until("data: lines\n\n").await;

    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
        .await
        .expect("websocket");
    ws.send(tokio_tungstenite::tungstenite::Message::text("from a peer"))
        .await
        .unwrap();
    stream.read_until("from a peer").await;
    assert_eq!(
        stream.text(),
        "data: from the app\n\ndata: two\ndata: lines\n\ndata: from a peer\n\n"
    );
    // The peer's own reply came back too: the publish skipped only the sender.
    let reply = ws.next().await.unwrap().unwrap();
    assert_eq!(reply.to_text().unwrap(), "relayed");
    ws.close(None).await.unwrap();
    while ws.next().await.is_some() {}
    server.stop().await;
}

#[tokio::test]
async fn a_topic_stream_leaves_the_topic_when_the_client_leaves() {
    let closed = Arc::new(Notify::new());
    let app = app(closed.clone());
    let hub = app.hub().clone();
    let server = spawn(app).await;
    let mut stream = server.open_get("/news").await;
    hub.publish("news", "hello");
    stream.read_until("hello").await;
    let notified = closed.notified();
    stream.disconnect();
    // A publish makes the server write, and the write notices the client is gone.
    let publisher = tokio::spawn({
        let hub = hub.clone();
        async move {
            while hub.subscriber_count("news") > 0 {
                hub.publish("news", "anyone?");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(10), notified)
        .await
        .expect("the stream did not close");
    tokio::time::timeout(Duration::from_secs(10), publisher)
        .await
        .expect("the stream is still subscribed")
        .unwrap();
    assert_eq!(hub.subscriber_count("news"), 0);
    server.stop().await;
}

#[tokio::test]
async fn a_following_stream_that_is_never_returned_closes_and_leaves() {
    let closed = Arc::new(Notify::new());
    let app = app(closed.clone());
    let hub = app.hub().clone();
    let server = spawn(app).await;
    let notified = closed.notified();
    assert_eq!(server.get("/unreturned").await.status, 204);
    tokio::time::timeout(Duration::from_secs(10), notified)
        .await
        .expect("on_closed did not run");
    assert_eq!(hub.subscriber_count("news"), 0);
    server.stop().await;
}

async fn open_feed(server: &TestServer, last: Option<&str>) -> Streaming {
    let mut builder = request("GET", "/feed");
    if let Some(last) = last {
        builder = builder.header("last-event-id", last);
    }
    server.open(builder.body(Full::default()).unwrap()).await
}

#[tokio::test]
async fn replay_resumes_after_last_event_id_without_loss_or_duplicates() {
    let app = app(Arc::new(Notify::new()));
    let hub = app.hub().clone();
    let server = spawn(app).await;

    // Published before anyone listens: a first connection does not get them.
    hub.publish("feed", "old");
    let mut first = open_feed(&server, None).await;
    for n in 1..=5 {
        hub.publish("feed", format!("msg {n}"));
    }
    first.read_until("msg 3\n").await;
    let seen = sse_events(first.text());
    first.disconnect();
    let last = seen.last().unwrap().0.clone();

    // Missed while away.
    for n in 6..=8 {
        hub.publish("feed", format!("msg {n}"));
    }
    let mut second = open_feed(&server, Some(&last)).await;
    hub.publish("feed", "msg 9");
    second.read_until("msg 9\n").await;
    let rest = sse_events(second.text());

    let data: Vec<&str> = seen.iter().chain(&rest).map(|(_, d)| d.as_str()).collect();
    let expected: Vec<String> = (1..=9).map(|n| format!("msg {n}")).collect();
    assert_eq!(data, expected, "first {seen:?}, then {rest:?}");
    // Ids grow one by one within the run.
    let numbers: Vec<u64> = seen
        .iter()
        .chain(&rest)
        .map(|(id, _)| id.rsplit_once('-').unwrap().1.parse().unwrap())
        .collect();
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");

    // An id from another run of the server replays everything kept.
    let mut stranger = open_feed(&server, Some("0-3")).await;
    stranger.read_until("msg 9\n").await;
    let all: Vec<String> = sse_events(stranger.text())
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    assert_eq!(all.first().map(String::as_str), Some("old"));
    assert_eq!(all.len(), 10);
    server.stop().await;
}

#[tokio::test]
async fn replay_under_concurrent_publishing_keeps_order_and_uniqueness() {
    let app = app(Arc::new(Notify::new()));
    let hub = app.hub().clone();
    let server = spawn(app).await;
    let mut first = open_feed(&server, None).await;
    let publisher = tokio::spawn({
        let hub = hub.clone();
        async move {
            for n in 1..=300 {
                hub.publish("feed", format!("msg {n}"));
                if n % 10 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        }
    });
    // Leave and come back while the publisher is running.
    first.read_until("msg 50\n").await;
    let seen = sse_events(first.text());
    first.disconnect();
    let mut second = open_feed(&server, Some(&seen.last().unwrap().0)).await;
    publisher.await.unwrap();
    second.read_until("msg 300\n").await;
    let rest = sse_events(second.text());
    let data: Vec<&str> = seen.iter().chain(&rest).map(|(_, d)| d.as_str()).collect();
    let expected: Vec<String> = (1..=300).map(|n| format!("msg {n}")).collect();
    assert_eq!(data, expected);
    server.stop().await;
}

h3rs::yielding! {
    /// An `#[sse]` function that yields what is published to a topic.
    #[sse("/yield-news")]
    async fn yield_news(event: &H3Event) {
        let mut news = event.hub().subscription("news", 64);
        yield SseEvent::comment("subscribed");
        while let Some(message) = news.next().await {
            yield message.text().into_owned();
        }
    }
}

#[tokio::test]
async fn an_sse_function_yields_from_a_topic_subscription() {
    let app = h3rs::app![Relay, yield_news];
    let hub = app.hub().clone();
    let server = spawn(app).await;
    let mut stream = server.open_get("/yield-news").await;
    stream.read_until(": subscribed\n\n").await;
    assert_eq!(hub.publish("news", "from the app"), 1);
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
        .await
        .expect("websocket");
    ws.send(tokio_tungstenite::tungstenite::Message::text("from a peer"))
        .await
        .unwrap();
    stream.read_until("data: from a peer\n\n").await;
    assert_eq!(
        stream.text(),
        ": subscribed\n\ndata: from the app\n\ndata: from a peer\n\n"
    );
    ws.close(None).await.unwrap();
    while ws.next().await.is_some() {}
    drop(stream);
    server.stop().await;
    assert_eq!(hub.subscriber_count("news"), 0);
}
