//! Tower layers (tower-http's) around an app and around a mounted group, on HTTP, WebSocket
//! and server-sent event routes; and an app as a tower `Service` served by hyper directly.
//! Real sockets where the wire matters (upgrades, streaming), `TestClient` elsewhere.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::SinkExt;
use h3rs::prelude::*;
use h3rs::test::TestClient;
use h3rs_tests::ws::{connect, next_text};
use h3rs_tests::{TestServer, request, spawn};
use http::header::{self, HeaderValue};
use http_body_util::Full;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Wire;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

struct Echo;

#[post("/echo")]
async fn echo_body(body: String) -> String {
    body
}

#[post("/big")]
async fn body_length(body: String) -> String {
    body.len().to_string()
}

#[websocket("/ws")]
impl Echo {
    async fn message(&self, peer: &Peer, message: Message) {
        peer.send(message);
    }
}

fn tag(value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(
        header::HeaderName::from_static("x-layer"),
        HeaderValue::from_static(value),
    )
}

fn hello() -> H3 {
    H3::new().get("/", |_: H3Event| async {
        // Long enough for the compression layer to bother (it skips tiny bodies).
        "Hello from h3rs, compressed when the client accepts gzip. ".repeat(10)
    })
}

/// An event stream whose events the test pushes itself: each `GET /events` sends the test
/// the stream's handle.
fn pushed_events(streams: mpsc::UnboundedSender<EventStream>) -> H3 {
    H3::new().get("/events", move |event: H3Event| {
        let streams = streams.clone();
        async move {
            let stream = EventStream::new(&event);
            streams.send(stream.clone()).expect("the test listens");
            stream
        }
    })
}

async fn next_stream(streams: &mut mpsc::UnboundedReceiver<EventStream>) -> EventStream {
    tokio::time::timeout(Duration::from_secs(10), streams.recv())
        .await
        .expect("the route ran")
        .expect("a stream")
}

// ---------------------------------------------------------------------------------------------
// An app as a tower Service.

#[tokio::test]
async fn an_app_is_a_tower_service_that_hyper_serves_directly_with_upgrades() {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto;
    use hyper_util::service::TowerToHyperService;

    let app = hello().register(Echo).layer(tag("direct"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accept = tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = TowerToHyperService::new(app.clone());
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let server = TestServer::at(addr);
    let reply = server.get("/").await;
    assert_eq!(reply.status, 200);
    assert!(reply.text().starts_with("Hello from h3rs"));
    assert_eq!(reply.header("x-layer"), "direct");
    assert_eq!(server.get("/nope").await.status, 404);

    let mut ws = connect(&server, "/ws").await;
    ws.send(Wire::text("through hyper")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "through hyper");
    drop(ws);
    accept.abort();
}

#[tokio::test]
async fn an_app_nests_in_a_tower_stack_with_any_request_body() {
    use tower_layer::Layer;
    use tower_service::Service;

    let app = H3::new().post("/len", |mut event: H3Event| async move {
        let body = event.body_bytes().await?;
        Ok::<_, HttpError>(body.len().to_string())
    });
    // The app inside a tower-http layer, outside h3rs: the layer hands on `Limited<Full>`.
    let mut stack = RequestBodyLimitLayer::new(8).layer(app);
    let post = |body: &'static str| {
        http::Request::post("/len")
            .body(Full::new(Bytes::from(body)))
            .unwrap()
    };
    let ok = stack.call(post("1234")).await.unwrap();
    assert_eq!(ok.status(), 200);
    let too_long = stack.call(post("123456789")).await.unwrap();
    assert_eq!(too_long.status(), 413);
}

// ---------------------------------------------------------------------------------------------
// Around the whole app.

#[tokio::test]
async fn set_response_header_applies_to_http_404_sse_and_the_101() {
    let (streams, mut pushed) = mpsc::unbounded_channel();
    let app = hello()
        .register(pushed_events(streams))
        .register(Echo)
        .layer(tag("global"));
    let client = TestClient::new(app.clone());
    assert_eq!(
        client.get("/").send().await.header("x-layer"),
        Some("global")
    );
    assert_eq!(
        client.get("/nope").send().await.header("x-layer"),
        Some("global")
    );
    let events = client.sse("/events").connect().await.unwrap();
    assert_eq!(events.header("x-layer"), Some("global"));
    next_stream(&mut pushed).await.close();

    let server = spawn(app).await;
    let url = format!("ws://{}/ws", server.addr);
    let (mut ws, response) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert_eq!(response.status(), 101);
    assert_eq!(response.headers()["x-layer"], "global");
    ws.send(Wire::text("hi")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "hi");
    drop(ws);
    server.stop().await;
}

#[tokio::test]
async fn cors_answers_the_preflight_of_an_sse_route_and_tags_its_stream() {
    let (streams, mut pushed) = mpsc::unbounded_channel();
    let app = pushed_events(streams).layer(CorsLayer::permissive());
    let client = TestClient::new(app);

    let preflight = client
        .options("/events")
        .header("origin", "https://example.com")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "last-event-id")
        .send()
        .await;
    assert_eq!(preflight.status(), 200, "{}", preflight.text());
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    assert!(
        preflight
            .header("access-control-allow-methods")
            .is_some_and(|methods| methods.contains('*') || methods.contains("GET")),
        "{:?}",
        preflight.headers()
    );

    let mut events = client
        .sse("/events")
        .header("origin", "https://example.com")
        .connect()
        .await
        .unwrap();
    assert_eq!(events.header("access-control-allow-origin"), Some("*"));
    let stream = next_stream(&mut pushed).await;
    stream.push("through cors");
    assert_eq!(events.next().await.unwrap().data, "through cors");
}

#[tokio::test]
async fn compression_compresses_http_and_lets_events_through_one_by_one() {
    let (streams, mut pushed) = mpsc::unbounded_channel();
    let app = hello()
        .register(pushed_events(streams))
        .layer(CompressionLayer::new());
    let server = spawn(app).await;

    let gzip = |path: &str| {
        request("GET", path)
            .header("accept-encoding", "gzip")
            .body(Full::default())
            .unwrap()
    };
    let reply = server.send(gzip("/")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-encoding"), "gzip");
    assert!(!reply.body.starts_with(b"Hello"), "the body is compressed");

    // Each event must reach the client before the next one exists: a buffering layer would
    // hold the first one back, and the read would time out.
    let mut events = server.open(gzip("/events")).await;
    assert_eq!(events.status, 200);
    assert_eq!(events.header("content-encoding"), None);
    let stream = next_stream(&mut pushed).await;
    for n in 0..3 {
        stream.push(format!("event {n}"));
        events.read_until(&format!("data: event {n}\n\n")).await;
    }
    stream.close();
    server.stop().await;
}

#[tokio::test]
async fn a_timeout_answers_a_slow_handler_but_cuts_no_stream_and_no_websocket() {
    let timeout = Duration::from_millis(200);
    let (streams, mut pushed) = mpsc::unbounded_channel();
    let app = H3::new()
        .get("/slow", |_: H3Event| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            "too late"
        })
        .register(pushed_events(streams))
        .register(Echo)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ));
    let server = spawn(app).await;
    assert_eq!(server.get("/slow").await.status, 408);

    let mut events = server.open_get("/events").await;
    let stream = next_stream(&mut pushed).await;
    let mut ws = connect(&server, "/ws").await;
    // What is under test is time passing beyond the timeout: nothing else to wait for.
    tokio::time::sleep(timeout * 3).await;
    stream.push("still here");
    events.read_until("data: still here\n\n").await;
    ws.send(Wire::text("still open")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "still open");
    stream.close();
    drop(ws);
    server.stop().await;
}

#[tokio::test]
async fn a_request_body_limit_answers_413() {
    let app = H3::new()
        .register(echo_body)
        .layer(RequestBodyLimitLayer::new(16));
    let client = TestClient::new(app);
    let ok = client.post("/echo").body("short").send().await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text(), "short");
    let big = client.post("/echo").body("x".repeat(17)).send().await;
    assert_eq!(big.status(), 413);
}

#[tokio::test]
async fn trace_layer_sees_http_sse_and_websocket_requests() {
    let responses = Arc::new(AtomicUsize::new(0));
    let seen = responses.clone();
    let trace = TraceLayer::new_for_http().on_response(
        move |_: &http::Response<_>, _: Duration, _: &tracing::Span| {
            seen.fetch_add(1, Ordering::SeqCst);
        },
    );
    let (streams, mut pushed) = mpsc::unbounded_channel();
    let app = hello()
        .register(pushed_events(streams))
        .register(Echo)
        .layer(trace);
    let server = spawn(app).await;
    assert_eq!(server.get("/").await.status, 200);
    let mut events = server.open_get("/events").await;
    let stream = next_stream(&mut pushed).await;
    stream.push("traced");
    events.read_until("data: traced\n\n").await;
    let mut ws = connect(&server, "/ws").await;
    ws.send(Wire::text("traced")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "traced");
    // One response head each: the page, the stream's 200, the 101.
    assert_eq!(responses.load(Ordering::SeqCst), 3);
    stream.close();
    drop(ws);
    server.stop().await;
}

#[tokio::test]
async fn the_last_layer_added_runs_first_and_place_among_routes_does_not_matter() {
    let append = |value: &'static str| {
        SetResponseHeaderLayer::appending(
            header::HeaderName::from_static("x-layer"),
            HeaderValue::from_static(value),
        )
    };
    let app = H3::new()
        .layer(append("inner"))
        .get("/", |_: H3Event| async { "hi" })
        .layer(append("outer"));
    let client = TestClient::new(app);
    let res = client.get("/").send().await;
    // On the way out the inner layer comes first.
    let values: Vec<_> = res.headers().get_all("x-layer").iter().collect();
    assert_eq!(values, ["inner", "outer"]);
}

// ---------------------------------------------------------------------------------------------
// Around a mounted group.

fn with_group_layers() -> H3 {
    #[derive(Clone)]
    struct Greeting(&'static str);

    let api = H3::new()
        .state(Greeting("hello"))
        .get("/users/:id", |event: H3Event| async move {
            let id: u64 = event.param("id")?;
            let greeting = event.state::<Greeting>().map_or("?", |g| g.0);
            Ok::<_, HttpError>(format!("{greeting} user {id}"))
        })
        .register(echo_body)
        .layer(tag("api"))
        .layer(RequestBodyLimitLayer::new(16));
    H3::new()
        .get("/", |_: H3Event| async { "home" })
        .mount("/api", api)
}

#[tokio::test]
async fn a_groups_layers_wrap_its_routes_only() {
    let client = TestClient::new(with_group_layers());
    let user = client.get("/api/users/7").send().await;
    assert_eq!(user.status(), 200);
    assert_eq!(
        user.text(),
        "hello user 7",
        "params and state survive the layers"
    );
    assert_eq!(user.header("x-layer"), Some("api"));

    let home = client.get("/").send().await;
    assert_eq!(home.text(), "home");
    assert_eq!(home.header("x-layer"), None);
    assert_eq!(client.get("/nope").send().await.header("x-layer"), None);

    assert_eq!(
        client.post("/api/echo").body("short").send().await.text(),
        "short"
    );
    let big = client.post("/api/echo").body("x".repeat(17)).send().await;
    assert_eq!(big.status(), 413);
    // The parent's routes have no such limit.
    let app = with_group_layers().register(body_length);
    let client = TestClient::new(app);
    assert_eq!(
        client.post("/big").body("x".repeat(17)).send().await.text(),
        "17"
    );
}

#[tokio::test]
async fn a_groups_cors_layer_answers_the_preflight_of_its_routes() {
    let api = H3::new()
        .register(echo_body)
        .register(Echo)
        .layer(CorsLayer::permissive());
    let app = H3::new().register(body_length).mount("/api", api);
    let client = TestClient::new(app);
    let preflight = |path: &str| {
        client
            .options(path)
            .header("origin", "https://example.com")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    // `/api/echo` has no OPTIONS route: the router's 405 goes through the group's layers.
    let res = preflight("/api/echo").await;
    assert_eq!(res.status(), 200, "{}", res.text());
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    // A WebSocket-only path: a plain GET's 426 goes through them too.
    let res = client
        .get("/api/ws")
        .header("origin", "https://example.com")
        .send()
        .await;
    assert_eq!(res.status(), 426);
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    // The parent's own route: a 405 without CORS headers.
    let res = preflight("/big").await;
    assert_eq!(res.status(), 405);
    assert_eq!(res.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn a_groups_layers_wrap_its_websocket_and_sse_routes() {
    let (streams, mut pushed) = mpsc::unbounded_channel();
    let live = H3::new()
        .register(pushed_events(streams))
        .register(Echo)
        .layer(CompressionLayer::new())
        .layer(tag("live"));
    let app = hello().mount("/live", live);
    let server = spawn(app).await;

    let url = format!("ws://{}/live/ws", server.addr);
    let (mut ws, response) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert_eq!(response.status(), 101);
    assert_eq!(response.headers()["x-layer"], "live");
    ws.send(Wire::text("grouped")).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "grouped");

    let mut events = server
        .open(
            request("GET", "/live/events")
                .header("accept-encoding", "gzip")
                .body(Full::default())
                .unwrap(),
        )
        .await;
    assert_eq!(events.header("x-layer"), Some("live"));
    let stream = next_stream(&mut pushed).await;
    stream.push("one");
    events.read_until("data: one\n\n").await;
    stream.push("two");
    events.read_until("data: two\n\n").await;
    stream.close();
    assert_eq!(server.get("/").await.headers.get("x-layer"), None);
    drop(ws);
    server.stop().await;
}

#[tokio::test]
async fn serving_a_layered_app_by_registering_it_keeps_its_layers_around_everything() {
    // What `serve!(app)` builds: `H3::new().register(app)`.
    let app = H3::new().register(hello().layer(tag("whole")));
    let client = TestClient::new(app);
    assert_eq!(
        client.get("/").send().await.header("x-layer"),
        Some("whole")
    );
    assert_eq!(
        client.get("/nope").send().await.header("x-layer"),
        Some("whole")
    );
}

#[tokio::test]
async fn a_layer_error_is_a_500() {
    // tower's own timeout fails with an error rather than answering.
    #[derive(Clone)]
    struct Failing<S>(S);
    impl<S, B> tower_service::Service<http::Request<B>> for Failing<S> {
        type Response = h3rs::Response;
        type Error = std::io::Error;
        type Future = std::future::Ready<Result<h3rs::Response, std::io::Error>>;
        fn poll_ready(
            &mut self,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), Self::Error>> {
            std::task::Poll::Ready(Ok(()))
        }
        fn call(&mut self, _: http::Request<B>) -> Self::Future {
            std::future::ready(Err(std::io::Error::other("layer failed")))
        }
    }
    let app = hello().layer(tower_layer::layer_fn(Failing));
    let client = TestClient::new(app);
    assert_eq!(client.get("/").send().await.status(), 500);
}

#[tokio::test]
async fn the_readme_example_builds_and_serves() {
    // The README's "Tower layers" example, as written there.
    let api = H3::new()
        .get("/rooms", |_: H3Event| async { "[]" })
        .layer(CorsLayer::permissive()); // only the routes of `api`

    let app = H3::new()
        .get("/", |_: H3Event| async { "home" })
        .mount("/api", api)
        .layer(CompressionLayer::new()) // everything, 404s included
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(10),
        ));

    let client = TestClient::new(app);
    let rooms = client
        .get("/api/rooms")
        .header("origin", "https://a.example")
        .send()
        .await;
    assert_eq!(rooms.text(), "[]");
    assert_eq!(rooms.header("access-control-allow-origin"), Some("*"));
    let home = client
        .get("/")
        .header("origin", "https://a.example")
        .send()
        .await;
    assert_eq!(home.text(), "home");
    assert_eq!(home.header("access-control-allow-origin"), None);
}
