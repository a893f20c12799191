//! The shape of an app through real sockets: what `mount` scopes (middleware, hooks, state,
//! options), one router whose paths carry an upgrade slot, and the checks an app passes
//! before it serves.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use h3rs::prelude::*;
use h3rs::sse::{EventStream, SseOptions};
use h3rs::ws::WsOptions;
use h3rs::{BoxFuture, Handler, RequestInfo, Requirements, Server};
use h3rs_tests::{request, spawn, test_options};
use tokio_tungstenite::tungstenite::Message as Wire;

/// A guard against hangs, not a wait: every expected event comes well before it.
const PATIENCE: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct Name(&'static str);

#[derive(Clone)]
struct Greeting(&'static str);

struct Echo;

impl h3rs::ws::WebSocket for Echo {
    async fn message(&self, peer: &Peer, message: Message) {
        peer.send(message);
    }
}

fn name_route() -> impl Handler {
    |event: H3Event| async move {
        let name = event.state::<Name>().map_or("none", |name| name.0);
        let greeting = event
            .state::<Greeting>()
            .map_or("none", |greeting| greeting.0);
        format!("{name} {greeting}")
    }
}

#[tokio::test]
async fn mounted_state_serves_its_own_routes_and_never_replaces_the_parents() {
    let api = H3::new().state(Name("api")).get("/name", name_route());
    let app = H3::new()
        .state(Name("root"))
        .get("/name", name_route())
        .mount("/api", api)
        // Given after the mount: the mounted routes still fall back to it.
        .state(Greeting("hello"));
    let server = spawn(app).await;
    assert_eq!(server.get("/name").await.text(), "root hello");
    assert_eq!(server.get("/api/name").await.text(), "api hello");
    server.stop().await;
}

#[tokio::test]
async fn mounted_hooks_apply_under_the_prefix_only() {
    let api = H3::new()
        .on_request(|event: &mut H3Event| {
            event.headers_mut().insert("x-api", "1".parse().unwrap());
        })
        .on_response(|_: &RequestInfo, res: &mut Response| {
            res.headers_mut()
                .insert("x-api-hook", "yes".parse().unwrap());
        })
        .on_error(|err: &HttpError, _: &RequestInfo| {
            Some((err.status, format!("api error: {}", err.status.as_u16())).into_response())
        })
        .get("/seen", |event: H3Event| async move {
            event.headers().contains_key("x-api").to_string()
        });
    let app = H3::new()
        .get("/seen", |event: H3Event| async move {
            event.headers().contains_key("x-api").to_string()
        })
        .mount("/api", api);
    let server = spawn(app).await;

    let inside = server.get("/api/seen").await;
    assert_eq!(inside.text(), "true");
    assert_eq!(inside.header("x-api-hook"), "yes");
    let outside = server.get("/seen").await;
    assert_eq!(outside.text(), "false");
    assert!(outside.headers.get("x-api-hook").is_none());

    let missing_inside = server.get("/api/nope").await;
    assert_eq!(missing_inside.status, 404);
    assert_eq!(missing_inside.text(), "api error: 404");
    // Outside the prefix, H3's JSON error stays.
    let missing_outside = server.get("/nope").await;
    assert_eq!(missing_outside.status, 404);
    assert_eq!(missing_outside.json()["status"], 404);
    server.stop().await;
}

#[tokio::test]
async fn mounted_options_apply_to_its_routes() {
    let echo = || {
        |mut event: H3Event| async move { event.body_bytes().await.map(|b| b.len().to_string()) }
    };
    let uploads = H3::new()
        .body_limit(8)
        .websocket_options(WsOptions::default().max_message_size(16))
        .sse_options(SseOptions::default().keep_alive(Duration::from_millis(20)))
        .post("/echo", echo())
        .websocket("/ws", Echo)
        .get("/events", |event: H3Event| async move {
            let stream = EventStream::new(&event);
            // Following a topic keeps the stream open without a handle.
            stream.follow("quiet");
            stream
        });
    let app = H3::new()
        .post("/echo", echo())
        .websocket("/ws", Echo)
        .mount("/small", uploads);
    let server = spawn(app).await;

    let body = || http_body_util::Full::new(h3rs::Bytes::from_static(b"sixteen bytes!!!"));
    let post = |path: &str| request("POST", path).body(body()).unwrap();
    assert_eq!(server.send(post("/echo")).await.text(), "16");
    assert_eq!(server.send(post("/small/echo")).await.status, 413);

    let big = "x".repeat(32);
    let (mut root, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
        .await
        .unwrap();
    root.send(Wire::text(big.clone())).await.unwrap();
    let echoed = tokio::time::timeout(PATIENCE, root.next()).await.unwrap();
    assert_eq!(echoed.unwrap().unwrap(), Wire::text(big.clone()));
    let (mut small, _) = tokio_tungstenite::connect_async(format!("ws://{}/small/ws", server.addr))
        .await
        .unwrap();
    small.send(Wire::text(big)).await.unwrap();
    let closed = tokio::time::timeout(PATIENCE, small.next()).await.unwrap();
    match closed.unwrap().unwrap() {
        Wire::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 1009),
        other => panic!("expected close 1009, got {other:?}"),
    }

    let mut events = server.open_get("/small/events").await;
    let text = tokio::time::timeout(PATIENCE, events.read_until(": keep-alive"))
        .await
        .unwrap();
    assert!(text.contains(": keep-alive"));
    drop(events);
    drop((root, small));
    server.stop().await;
}

#[tokio::test]
async fn a_path_serves_a_page_and_upgrades_from_one_entry_even_when_mounted() {
    let chat = H3::new()
        .get("/", |_: H3Event| async { Html("<p>chat page</p>") })
        .websocket("/", Echo)
        .websocket("/only", Echo);
    let server = spawn(H3::new().mount("/chat", chat)).await;
    assert_eq!(server.get("/chat").await.text(), "<p>chat page</p>");
    let (mut client, _) = tokio_tungstenite::connect_async(format!("ws://{}/chat", server.addr))
        .await
        .unwrap();
    client.send(Wire::text("same path")).await.unwrap();
    let echoed = tokio::time::timeout(PATIENCE, client.next()).await.unwrap();
    assert_eq!(echoed.unwrap().unwrap(), Wire::text("same path"));
    // An upgrade-only path answers plain requests with 426, other methods with 405.
    assert_eq!(server.get("/chat/only").await.status, 426);
    let put = server
        .send(
            request("PUT", "/chat/only")
                .body(Default::default())
                .unwrap(),
        )
        .await;
    assert_eq!(put.status, 405);
    assert_eq!(put.header("allow"), "GET, HEAD");
    drop(client);
    server.stop().await;
}

/// A route that declares the state it reads, as the route macros do for `State<T>`.
struct NeedsGreeting;

impl Handler for NeedsGreeting {
    fn call(&self, event: H3Event) -> BoxFuture<'static, Response> {
        let greeting = event.state::<Greeting>().map(|g| g.0);
        Box::pin(async move { greeting.unwrap_or("missing").into_response() })
    }

    fn requires(&self, requirements: &mut Requirements) {
        requirements.state::<Greeting>();
    }
}

#[tokio::test]
async fn a_missing_state_stops_the_server_from_starting_and_names_it() {
    let err = Server::bind(H3::new().get("/hello", NeedsGreeting), test_options())
        .await
        .err()
        .expect("an app without the state it needs does not start");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let message = err.to_string();
    assert!(message.contains("GET /hello"), "{message}");
    assert!(message.contains("Greeting"), "{message}");

    // Given to the app, or to the mounted app whose route needs it: it starts.
    let server = spawn(H3::new().get("/hello", NeedsGreeting).state(Greeting("hi"))).await;
    assert_eq!(server.get("/hello").await.text(), "hi");
    server.stop().await;
    let mounted = H3::new()
        .get("/hello", NeedsGreeting)
        .state(Greeting("sub"));
    assert!(H3::new().mount("/api", mounted).check().is_ok());
    let parent_has_it = H3::new()
        .mount("/api", H3::new().get("/hello", NeedsGreeting))
        .state(Greeting("parent"));
    assert!(parent_has_it.check().is_ok());

    // A sibling's state is not the route's.
    let sibling = H3::new().state(Greeting("sibling"));
    let app = H3::new()
        .mount("/a", H3::new().get("/hello", NeedsGreeting))
        .mount("/b", sibling);
    let err = app.check().unwrap_err();
    assert!(err.to_string().contains("GET /a/hello"), "{err}");
}

#[get("/greet")]
async fn greet(State(greeting): State<Greeting>) -> &'static str {
    greeting.0
}

#[get("/maybe")]
async fn maybe_greet(greeting: Option<State<Greeting>>) -> &'static str {
    greeting.map_or("no greeting", |State(greeting)| greeting.0)
}

#[tokio::test]
async fn a_route_macro_declares_the_state_it_extracts() {
    let err = Server::bind(H3::new().register(greet), test_options())
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("GET /greet"), "{err}");
    // An optional state is not a requirement.
    let server = spawn(H3::new().register(maybe_greet)).await;
    assert_eq!(server.get("/maybe").await.text(), "no greeting");
    server.stop().await;
}
