//! Server-sent events through real sockets: the wire format byte for byte, headers, flushing,
//! keep-alive, disconnects, resume, fallible generators, `EventStream`, load and shutdown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use h3rs::prelude::*;
use h3rs::sse::{Sse, SseOptions};
use h3rs_tests::{Streaming, TestServer, request, spawn, spawn_with, test_options};
use http_body_util::Full;
use tokio::sync::{Notify, mpsc};

/// Sends a message when dropped: how a test sees a generator's cleanup run.
struct OnDrop(mpsc::UnboundedSender<&'static str>, &'static str);

impl Drop for OnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(self.1);
    }
}

/// App state through which tests watch and steer their streams.
#[derive(Clone)]
struct Probe {
    dropped: mpsc::UnboundedSender<&'static str>,
    gate: Arc<Notify>,
}

fn probe() -> (Probe, mpsc::UnboundedReceiver<&'static str>) {
    let (dropped, rx) = mpsc::unbounded_channel();
    let probe = Probe {
        dropped,
        gate: Arc::new(Notify::new()),
    };
    (probe, rx)
}

async fn recv(rx: &mut mpsc::UnboundedReceiver<&'static str>) -> &'static str {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("timed out waiting for a drop")
        .expect("channel open")
}

// ---------------------------------------------------------------------------------------------
// The wire format, byte for byte.

/// Serves one event on `GET /` and returns the body exactly as received.
async fn wire(event: SseEvent) -> String {
    let app = H3::new().get("/", move |request: H3Event| {
        let event = event.clone();
        async move { Sse::new(&request).stream(futures_util::stream::iter([event])) }
    });
    let server = spawn(app).await;
    let body = server.get("/").await.text().to_owned();
    server.stop().await;
    body
}

#[tokio::test]
async fn wire_plain_data() {
    assert_eq!(
        wire(SseEvent::new("Hello world")).await,
        "data: Hello world\n\n"
    );
}

#[tokio::test]
async fn wire_empty_data() {
    assert_eq!(wire(SseEvent::new("")).await, "data: \n\n");
}

#[tokio::test]
async fn wire_fields_in_order() {
    let event = SseEvent::new("x")
        .retry(Duration::from_millis(2500))
        .event("update")
        .id("42");
    assert_eq!(
        wire(event).await,
        "id: 42\nevent: update\nretry: 2500\ndata: x\n\n"
    );
}

#[tokio::test]
async fn wire_data_split_on_lf() {
    assert_eq!(
        wire(SseEvent::new("a\nb\n")).await,
        "data: a\ndata: b\ndata: \n\n"
    );
}

#[tokio::test]
async fn wire_data_split_on_crlf() {
    assert_eq!(wire(SseEvent::new("a\r\nb")).await, "data: a\ndata: b\n\n");
}

#[tokio::test]
async fn wire_data_split_on_cr() {
    assert_eq!(
        wire(SseEvent::new("a\rb\r\rc")).await,
        "data: a\ndata: b\ndata: \ndata: c\n\n"
    );
}

#[tokio::test]
async fn wire_injection_attempt_stays_data() {
    assert_eq!(
        wire(SseEvent::new("hi\n\nevent: system\ndata: INJECTED")).await,
        "data: hi\ndata: \ndata: event: system\ndata: data: INJECTED\n\n"
    );
}

#[tokio::test]
async fn wire_line_breaks_stripped_from_id_and_event() {
    let event = SseEvent::new("x")
        .id("1\n\ndata: forged")
        .event("a\r\nretry: 1");
    assert_eq!(
        wire(event).await,
        "id: 1data: forged\nevent: aretry: 1\ndata: x\n\n"
    );
}

#[tokio::test]
async fn wire_comment_per_line() {
    assert_eq!(
        wire(SseEvent::comment("one\ntwo\r\nthree")).await,
        ": one\n: two\n: three\n\n"
    );
}

#[tokio::test]
async fn wire_json() {
    let event: SseEvent = Json(serde_json::json!({ "a": [1, 2], "b": "x\ny" })).into();
    assert_eq!(wire(event).await, "data: {\"a\":[1,2],\"b\":\"x\\ny\"}\n\n");
}

// ---------------------------------------------------------------------------------------------
// Generators.

h3rs::yielding! {
    /// Every kind of value a generator may yield.
    #[sse("/kinds/:name")]
    async fn kinds(name: String, query: Query<serde_json::Value>, event: &H3Event) {
        yield "text";
        yield format!("hello {name}");
        yield Json(query.0.clone());
        yield SseEvent::new(event.path()).event("path").id("4");
        if name == "short" {
            return;
        }
        yield SseEvent::comment("done");
    }

    /// Yields "first", waits until the test opens the gate, yields "second".
    #[sse("/gated")]
    async fn gated(State(probe): State<Probe>) {
        let _cleanup = OnDrop(probe.dropped.clone(), "gated");
        yield "first";
        probe.gate.notified().await;
        yield "second";
    }

    /// Waits until the test opens the gate before its first event.
    #[sse("/late")]
    async fn late(State(probe): State<Probe>) {
        probe.gate.notified().await;
        yield "finally";
    }

    /// Ticks until the client leaves; the guard tells when the generator is dropped.
    #[sse("/ticks")]
    async fn ticks(State(probe): State<Probe>) {
        let _cleanup = OnDrop(probe.dropped.clone(), "ticks");
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        let mut n = 0u64;
        loop {
            tick.tick().await;
            n += 1;
            yield n.to_string();
        }
    }

    /// Never yields: only keep-alive comments show that it is there.
    #[sse("/idle")]
    async fn idle(State(probe): State<Probe>) {
        let _cleanup = OnDrop(probe.dropped.clone(), "idle");
        std::future::pending::<()>().await;
    }

    /// The same, with its own keep-alive: a comment after 1 s of silence.
    #[sse("/idle-1s", keep_alive = 1)]
    async fn idle_one_second() {
        std::future::pending::<()>().await;
    }

    /// The same, without keep-alive.
    #[sse("/idle-silent", keep_alive = false)]
    async fn idle_silent() {
        std::future::pending::<()>().await;
    }

    /// Numbered events 1 to 10 with ids, resuming after `Last-Event-ID`.
    #[sse("/counter")]
    async fn counter(last: LastEventId) {
        let mut next = last.parse::<u64>().map_or(1, |seen| seen + 1);
        while next <= 10 {
            yield SseEvent::new(format!("n={next}")).id(next.to_string());
            next += 1;
        }
    }

    /// A fallible generator: how it ends depends on `:how`.
    #[sse("/fallible/:how")]
    async fn fallible(how: String) -> Result<(), HttpError> {
        yield "before";
        match how.as_str() {
            "http" => Err(HttpError::bad_request("bad things happened"))?,
            "internal" => Err(HttpError::internal("the database is on fire"))?,
            "early" => return Ok(()),
            "return" => return Err(HttpError::not_found("no such feed")),
            _ => {}
        }
        yield "after";
        // A final expression that is not `Ok(())` ends the stream as its result says.
        if how == "last" {
            Err(HttpError::bad_request("the last word"))
        } else {
            Ok(())
        }
    }

    /// Mixed yields, through `Into<SseEvent>`, in a function whose result is an alias.
    #[sse("/aliased")]
    async fn aliased() -> std::io::Result<()> {
        yield "text";
        yield String::from("string");
        yield SseEvent::new("event").event("kind");
        Ok(())
    }

    /// A fallible generator whose error is not an `HttpError`.
    #[sse("/io-error")]
    async fn io_error() -> Result<(), std::io::Error> {
        yield "reading";
        std::fs::read("/nonexistent/h3rs/secret/path")?;
        yield "unreachable";
        Ok(())
    }
}

fn generators(probe: Probe) -> H3 {
    h3rs::app![
        kinds,
        gated,
        late,
        ticks,
        idle,
        idle_one_second,
        idle_silent,
        counter,
        fallible,
        aliased,
        io_error
    ]
    .state(probe)
}

#[tokio::test]
async fn generators_yield_text_json_and_events() {
    let (probe, _) = probe();
    let server = spawn(generators(probe)).await;
    let body = server.get("/kinds/ada?n=1").await;
    assert_eq!(
        body.text(),
        "data: text\n\ndata: hello ada\n\ndata: {\"n\":\"1\"}\n\n\
         id: 4\nevent: path\ndata: /kinds/ada\n\n: done\n\n"
    );
    let body = server.get("/kinds/short").await;
    assert!(
        body.text().ends_with("data: /kinds/short\n\n"),
        "{}",
        body.text()
    );
    // A bad path param is answered before the stream starts.
    server.stop().await;
}

#[tokio::test]
async fn stream_headers() {
    let (probe, _) = probe();
    let server = spawn(generators(probe)).await;
    let mut stream = server.open_get("/kinds/ada").await;
    assert_eq!(stream.status, 200);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    assert_eq!(
        stream.header("cache-control"),
        Some("private, no-cache, no-store, no-transform, must-revalidate, max-age=0")
    );
    assert_eq!(stream.header("x-accel-buffering"), Some("no"));
    assert_eq!(stream.header("content-length"), None);
    assert_eq!(stream.header("transfer-encoding"), Some("chunked"));
    stream.read_to_end().await;
    server.stop().await;
}

#[tokio::test]
async fn headers_go_out_before_the_first_event() {
    let (probe, _) = probe();
    let gate = probe.gate.clone();
    let server = spawn(generators(probe)).await;
    // `open` returns when the head has arrived; the generator is still waiting at the gate.
    let mut stream = server.open_get("/late").await;
    assert_eq!(stream.status, 200);
    assert!(stream.received.is_empty());
    gate.notify_one();
    assert_eq!(stream.read_to_end().await, "data: finally\n\n");
    server.stop().await;
}

#[tokio::test]
async fn each_event_is_flushed_as_soon_as_it_is_yielded() {
    let (probe, mut dropped) = probe();
    let gate = probe.gate.clone();
    let server = spawn(generators(probe)).await;
    let mut stream = server.open_get("/gated").await;
    // The second event is not produced until the first has been read by the client.
    assert_eq!(stream.read_until("\n\n").await, "data: first\n\n");
    gate.notify_one();
    assert_eq!(
        stream.read_to_end().await,
        "data: first\n\ndata: second\n\n"
    );
    // Falling off the end ends the stream and drops the generator.
    assert_eq!(recv(&mut dropped).await, "gated");
    server.stop().await;
}

#[tokio::test]
async fn keep_alive_comment_after_silence() {
    let (probe, _) = probe();
    let app =
        generators(probe).sse_options(SseOptions::default().keep_alive(Duration::from_millis(50)));
    let server = spawn(app).await;
    let mut stream = server.open_get("/idle").await;
    let body = stream.read_until_count(": keep-alive\n\n", 2).await;
    assert_eq!(body, ": keep-alive\n\n: keep-alive\n\n");

    // The route's own setting wins over the app's.
    let mut silent = server.open_get("/idle-silent").await;
    let nothing = tokio::time::timeout(Duration::from_millis(300), silent.next_chunk()).await;
    assert!(
        nothing.is_err(),
        "a route without keep-alive sent {:?}",
        silent.text()
    );

    let started = std::time::Instant::now();
    let mut one_second = server.open_get("/idle-1s").await;
    one_second.read_until(": keep-alive\n\n").await;
    assert!(started.elapsed() >= Duration::from_millis(900));
    server.stop().await;
}

#[tokio::test]
async fn keep_alive_by_hand() {
    let app = H3::new().get("/", |event: H3Event| async move {
        Sse::new(&event)
            .keep_alive(Duration::from_millis(30))
            .stream(futures_util::stream::pending::<SseEvent>())
    });
    let server = spawn(app).await;
    let mut stream = server.open_get("/").await;
    stream.read_until_count(": keep-alive", 3).await;
    server.stop().await;
}

#[tokio::test]
async fn a_client_leaving_drops_the_generator() {
    let (probe, mut dropped) = probe();
    let server = spawn(generators(probe)).await;
    let mut stream = server.open_get("/ticks").await;
    stream.read_until("data: 2\n\n").await;
    stream.disconnect();
    // Noticed at the next write, 10 ms later.
    assert_eq!(recv(&mut dropped).await, "ticks");
    server.stop().await;
}

#[tokio::test]
async fn a_client_leaving_an_idle_stream_is_noticed_at_keep_alive() {
    let (probe, mut dropped) = probe();
    let app =
        generators(probe).sse_options(SseOptions::default().keep_alive(Duration::from_millis(50)));
    let server = spawn(app).await;
    let mut stream = server.open_get("/idle").await;
    stream.read_until(": keep-alive").await;
    stream.disconnect();
    assert_eq!(recv(&mut dropped).await, "idle");
    server.stop().await;
}

/// The ids of the complete events in `body`.
fn ids(body: &str) -> Vec<u64> {
    let complete = &body[..body.rfind("\n\n").map_or(0, |end| end + 2)];
    complete
        .lines()
        .filter_map(|line| line.strip_prefix("id: "))
        .map(|id| id.parse().unwrap())
        .collect()
}

#[tokio::test]
async fn last_event_id_resumes_without_loss_or_duplicates() {
    let (probe, _) = probe();
    let server = spawn(generators(probe)).await;
    let mut first = server.open_get("/counter").await;
    first.read_until("id: 3\n").await;
    let seen = ids(first.text());
    first.disconnect();
    let last = *seen.last().unwrap();
    let mut second = server
        .open(
            request("GET", "/counter")
                .header("last-event-id", last.to_string())
                .body(Full::default())
                .unwrap(),
        )
        .await;
    let rest = ids(&second.read_to_end().await);
    let all: Vec<u64> = seen.iter().chain(&rest).copied().collect();
    assert_eq!(
        all,
        (1..=10).collect::<Vec<_>>(),
        "first {seen:?}, then {rest:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_fallible_generator_ends_with_a_safe_error_event() {
    let (probe, _) = probe();
    let server = spawn(generators(probe)).await;
    let text = |path: &'static str| {
        let server = &server;
        async move { server.get(path).await.text().to_owned() }
    };
    assert_eq!(
        text("/fallible/fine").await,
        "data: before\n\ndata: after\n\n"
    );
    assert_eq!(text("/fallible/early").await, "data: before\n\n");
    assert_eq!(
        text("/fallible/return").await,
        "data: before\n\nevent: error\ndata: no such feed\n\n"
    );
    assert_eq!(
        text("/fallible/last").await,
        "data: before\n\ndata: after\n\nevent: error\ndata: the last word\n\n"
    );
    assert_eq!(
        text("/aliased").await,
        "data: text\n\ndata: string\n\nevent: kind\ndata: event\n\n"
    );
    assert_eq!(
        text("/fallible/http").await,
        "data: before\n\nevent: error\ndata: bad things happened\n\n"
    );
    // Internals are logged, never sent.
    assert_eq!(
        text("/fallible/internal").await,
        "data: before\n\nevent: error\ndata: Internal Server Error\n\n"
    );
    assert_eq!(
        text("/io-error").await,
        "data: reading\n\nevent: error\ndata: Internal Server Error\n\n"
    );
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// EventStream.

/// The streams that routes created, for the test to push to.
#[derive(Clone, Default)]
struct Streams {
    opened: Arc<Mutex<Vec<EventStream>>>,
    changed: Arc<Notify>,
}

impl Streams {
    async fn wait_for(&self, count: usize) -> Vec<EventStream> {
        loop {
            let changed = self.changed.notified();
            {
                let opened = self.opened.lock().unwrap();
                if opened.len() >= count {
                    return opened.clone();
                }
            }
            tokio::time::timeout(Duration::from_secs(10), changed)
                .await
                .expect("timed out waiting for a stream");
        }
    }
}

fn event_streams(streams: Streams) -> H3 {
    H3::new()
        .get("/push", |event: H3Event| async move {
            let stream = EventStream::new(&event);
            let streams = event.state::<Streams>().unwrap().clone();
            streams.opened.lock().unwrap().push(stream.clone());
            streams.changed.notify_waiters();
            stream
        })
        .get("/ticker", |event: H3Event| async move {
            // Pushed from another task, which ends the stream itself.
            let stream = EventStream::new(&event);
            let pusher = stream.clone();
            tokio::spawn(async move {
                for n in 1..=3 {
                    pusher.push(format!("tick {n}"));
                    tokio::task::yield_now().await;
                }
                pusher.push(SseEvent::new("bye").event("end"));
                pusher.close();
                pusher.push("after close");
            });
            stream
        })
        .get("/unreturned", |event: H3Event| async move {
            let stream = EventStream::new(&event);
            let streams = event.state::<Streams>().unwrap().clone();
            stream.on_closed(move || {
                streams.opened.lock().unwrap().clear();
                streams.changed.notify_waiters();
            });
            StatusCode::NO_CONTENT
        })
        .get("/overflow", |event: H3Event| async move {
            let stream = EventStream::new(&event);
            for n in 0..5 {
                stream.push(n.to_string());
            }
            stream
        })
        .sse_options(SseOptions::default().queue_capacity(2))
        .state(streams)
}

#[tokio::test]
async fn event_stream_pushed_from_another_task() {
    let server = spawn(event_streams(Streams::default())).await;
    let body = server.get("/ticker").await;
    assert_eq!(
        body.text(),
        "data: tick 1\n\ndata: tick 2\n\ndata: tick 3\n\nevent: end\ndata: bye\n\n"
    );
    server.stop().await;
}

#[tokio::test]
async fn event_stream_push_close_and_on_closed() {
    let streams = Streams::default();
    let server = spawn(event_streams(streams.clone())).await;
    let mut client = server.open_get("/push").await;
    let [stream] = <[EventStream; 1]>::try_from(streams.wait_for(1).await).unwrap();
    let (closed_tx, mut closed_rx) = mpsc::unbounded_channel();
    stream.on_closed(move || closed_tx.send("closed").unwrap());
    stream.push("hello");
    stream.push_comment("a note");
    assert_eq!(
        client.read_until(": a note\n\n").await,
        "data: hello\n\n: a note\n\n"
    );
    stream.close();
    stream.push("ignored");
    assert_eq!(client.read_to_end().await, "data: hello\n\n: a note\n\n");
    assert!(stream.is_closed());
    assert_eq!(recv(&mut closed_rx).await, "closed");
    // Callbacks registered after the close run at once.
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = ran.clone();
    stream.on_closed(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    server.stop().await;
}

#[tokio::test]
async fn event_stream_notices_the_client_leaving() {
    let streams = Streams::default();
    let server = spawn(event_streams(streams.clone())).await;
    let mut client = server.open_get("/push").await;
    let stream = streams.wait_for(1).await.remove(0);
    let closed = stream.closed();
    stream.push("one");
    client.read_until("data: one").await;
    client.disconnect();
    // Pushes make the server write, and a write notices the client is gone.
    let pusher = stream.clone();
    let pushing = tokio::spawn(async move {
        while !pusher.is_closed() {
            pusher.push("anyone there?");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    tokio::time::timeout(Duration::from_secs(10), closed)
        .await
        .expect("closed() did not complete");
    pushing.await.unwrap();
    assert!(stream.is_closed());
    stream.push("no-op");
    server.stop().await;
}

#[tokio::test]
async fn an_event_stream_never_returned_still_fires_on_closed() {
    let streams = Streams::default();
    streams
        .opened
        .lock()
        .unwrap()
        .push(EventStream::detached(&SseOptions::default()));
    let server = spawn(event_streams(streams.clone())).await;
    assert_eq!(server.get("/unreturned").await.status, 204);
    // The callback emptied the list.
    tokio::time::timeout(Duration::from_secs(10), async {
        while !streams.opened.lock().unwrap().is_empty() {
            streams.changed.notified().await;
        }
    })
    .await
    .expect("on_closed did not run");
    server.stop().await;
}

#[tokio::test]
async fn a_full_queue_closes_the_stream() {
    let server = spawn(event_streams(Streams::default())).await;
    // Capacity 2, five pushed before anyone reads: the first two are sent, then it ends.
    assert_eq!(
        server.get("/overflow").await.text(),
        "data: 0\n\ndata: 1\n\n"
    );
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Load and shutdown.

h3rs::yielding! {
    /// "hello", then "bye" once the test opens the gate for everyone.
    #[sse("/crowd")]
    async fn crowd(State(release): State<tokio::sync::watch::Receiver<bool>>) {
        let mut release = release;
        yield "hello";
        let _ = release.wait_for(|open| *open).await;
        yield "bye";
    }
}

#[tokio::test]
async fn a_thousand_concurrent_streams() {
    let (open, release) = tokio::sync::watch::channel(false);
    let server = Arc::new(spawn(h3rs::app![crowd].state(release)).await);
    let clients: Vec<_> = (0..1000)
        .map(|_| {
            let server = server.clone();
            tokio::spawn(async move {
                let mut stream = server.open_get("/crowd").await;
                stream.read_until("data: hello\n\n").await;
                stream
            })
        })
        .collect();
    let mut streams = Vec::new();
    for client in clients {
        streams.push(client.await.unwrap());
    }
    // All 1000 are open at once, each waiting for its second event.
    open.send_replace(true);
    let endings: Vec<_> = streams
        .into_iter()
        .map(|mut stream| tokio::spawn(async move { stream.read_to_end().await }))
        .collect();
    for ending in endings {
        assert_eq!(ending.await.unwrap(), "data: hello\n\ndata: bye\n\n");
    }
    Arc::into_inner(server).unwrap().stop().await;
}

#[tokio::test]
async fn shutdown_ends_every_stream_cleanly() {
    let (probe, mut dropped) = probe();
    let streams = Streams::default();
    let app = generators(probe).mount("/es", event_streams(streams.clone()));
    let server: TestServer =
        spawn_with(app, test_options().grace_period(Duration::from_secs(30))).await;
    let mut clients: Vec<Streaming> = Vec::new();
    for _ in 0..3 {
        let mut client = server.open_get("/ticks").await;
        client.read_until("data: 1\n\n").await;
        clients.push(client);
    }
    let mut pushed = server.open_get("/es/push").await;
    let stream = streams.wait_for(1).await.remove(0);
    stream.push("before shutdown");
    pushed.read_until("before shutdown").await;

    let started = std::time::Instant::now();
    server.shutdown.trigger();
    for client in &mut clients {
        // The body ends (terminating chunk), not an error.
        client.read_to_end().await;
        assert!(client.ended);
    }
    pushed.read_to_end().await;
    tokio::time::timeout(Duration::from_secs(10), stream.closed())
        .await
        .expect("the EventStream closed on shutdown");
    for _ in 0..3 {
        assert_eq!(recv(&mut dropped).await, "ticks");
    }
    server.task.await.unwrap().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "shutdown waited for the grace period instead of ending the streams"
    );
}

// ---------------------------------------------------------------------------------------------
// Groups.

#[h3rs::group]
mod live {
    use h3rs::prelude::*;

    #[get("/")]
    pub async fn page() -> &'static str {
        "page"
    }

    h3rs::yielding! {
        #[sse("/events/:room")]
        pub async fn room_events(room: String) {
            yield format!("welcome to {room}");
        }
    }
}

#[tokio::test]
async fn streams_in_a_group_are_mounted_with_it() {
    let server = spawn(H3::new().mount("/live", live::routes())).await;
    assert_eq!(server.get("/live").await.text(), "page");
    assert_eq!(
        server.get("/live/events/lobby").await.text(),
        "data: welcome to lobby\n\n"
    );
    // Streams answer GET only.
    let reply = server
        .send_body("POST", "/live/events/lobby", "text/plain", "")
        .await;
    assert_eq!(reply.status, 405);
    server.stop().await;
}
