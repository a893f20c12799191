//! # h3rs
//!
//! [H3](https://h3.dev)'s routing, WebSockets and server-sent events for
//! Rust, declared with macros and served by hyper 1.x and tokio.
//!
//! ```no_run
//! use h3rs::prelude::*;
//!
//! #[get("/")]
//! async fn index() -> &'static str {
//!     "Hello from h3rs"
//! }
//!
//! #[get("/users/:id")]
//! async fn user(id: u64) -> Json<serde_json::Value> {
//!     Json(serde_json::json!({ "id": id }))
//! }
//!
//! h3rs::serve!(index, user);
//! ```
//!
//! Everything a macro writes can be written by hand with [`H3`]:
//!
//! ```
//! # async fn demo() {
//! use h3rs::{Body, H3, H3Event, Request};
//!
//! let app = H3::new().get("/", |_: H3Event| async { "Hello" });
//! let res = app.handle(Request::new(Body::empty())).await;
//! assert_eq!(res.status(), 200);
//! # }
//! ```
//!
//! ## The guide
//!
//! [The h3rs guide](https://github.com/h3rs/h3rs/blob/main/docs/introduction.md) teaches
//! the crate page by page, and every code block in it is compiled by the project's tests:
//! [routing](https://github.com/h3rs/h3rs/blob/main/docs/routing.md),
//! [extractors](https://github.com/h3rs/h3rs/blob/main/docs/extractors.md),
//! [responses and errors](https://github.com/h3rs/h3rs/blob/main/docs/responses.md),
//! [middleware and hooks](https://github.com/h3rs/h3rs/blob/main/docs/middleware.md),
//! [WebSockets and pub/sub](https://github.com/h3rs/h3rs/blob/main/docs/websockets.md),
//! [server-sent events](https://github.com/h3rs/h3rs/blob/main/docs/sse.md),
//! [testing with `TestClient`](https://github.com/h3rs/h3rs/blob/main/docs/testing.md),
//! [configuration and limits](https://github.com/h3rs/h3rs/blob/main/docs/configuration.md),
//! [deployment behind nginx](https://github.com/h3rs/h3rs/blob/main/docs/deployment.md),
//! [TLS](https://github.com/h3rs/h3rs/blob/main/docs/tls.md),
//! [graceful shutdown](https://github.com/h3rs/h3rs/blob/main/docs/shutdown.md),
//! [reading expansions](https://github.com/h3rs/h3rs/blob/main/docs/expansions.md) (what
//! each macro writes) and
//! [coming from axum](https://github.com/h3rs/h3rs/blob/main/docs/from-axum.md).
//! Its sources are `docs/` in the repository, an mdBook (`mdbook serve docs` renders them).
//!
//! ## Cargo features
//!
//! All but `test-client`, `redis`, `typed-header` and `tls` on by default; an app that needs less compiles less
//! (`default-features = false, features = ["macros"]`, say).
//!
//! | feature | what it brings |
//! | --- | --- |
//! | `macros` | `#[get]` and the other route attributes, `#[group]`, `routes!`, `app!`, `serve!`; with `ws`, `#[websocket]`; with `sse`, `#[sse]` and `yielding!` |
//! | `ws` | WebSockets: [`H3::websocket`], `ws::Peer`, `ws::Message` (tokio-tungstenite) |
//! | `sse` | server-sent events: `sse::Sse`, `sse::EventStream`, `sse::SseEvent`, topic replay |
//! | `test-client` | off by default: [`test::TestClient`], which drives an app in-process over HTTP, WebSocket and SSE (hyper's client) |
//! | `redis` | off by default: `pubsub::RedisPubSub`, topics and replay logs shared by every server instance through Redis (the `redis` crate) |
//! | `typed-header` | off by default: [`TypedHeader`], headers parsed by the `headers` crate (re-exported as [`headers`]) |
//! | `tls` | off by default: HTTPS with rustls (ring, no OpenSSL) through `ServeOptions::tls` or `TLS_CERT`/`TLS_KEY`, with HTTP/2 offered by ALPN (see `tls`) |
//! | `logging` | the `tracing` subscriber that [`run`] (and so `serve!`) installs (tracing-subscriber); without it, install your own |
//!
//! Routing, extractors, middleware, the server and topic pub/sub ([`pubsub`]) are always there.

#![warn(missing_docs)]

#[doc(hidden)]
#[path = "expansion.rs"]
pub mod __private;
mod accept;
mod app;
mod body;
mod coalesce;
mod config;
#[cfg(feature = "ws")]
mod detach;
mod error;
mod event;
pub mod extract;
mod handler;
mod idle;
mod layer;
mod macros;
mod middleware;
mod path_scope;
mod protocol;
pub mod pubsub;
mod register;
mod request_log;
mod requirements;
mod responding;
mod response;
mod router;
mod run;
mod server;
mod service;
mod shutdown;
#[cfg(feature = "sse")]
pub mod sse;
#[cfg(feature = "test-client")]
pub mod test;
#[cfg(feature = "tls")]
pub mod tls;
#[cfg(feature = "typed-header")]
mod typed_header;
mod upgrade;
mod wake_gate;
#[cfg(feature = "ws")]
pub mod ws;

pub use app::{AppError, DEFAULT_BODY_LIMIT, H3, RequestInfo};
pub use body::{Body, BoxError};
pub use error::{HttpError, RenderedError};
pub use event::{H3Event, RemoteAddr};
pub use extract::{Form, FromBody, FromEvent, Query, State};
pub use handler::{BoxFuture, Handler};
pub use layer::{InnerService, LayeredService};
pub use middleware::{Middleware, Next};
pub use register::{Register, Routes};
pub use requirements::Requirements;
pub use response::{Html, IntoResponse, Json, Redirect, Response, StreamBody};
pub use router::{Params, PatternError};
pub use run::{run, run_with};
pub use server::{ServeOptions, Server, serve, serve_with};
pub use shutdown::{Shutdown, ShutdownGuard};
#[cfg(feature = "typed-header")]
pub use typed_header::TypedHeader;

/// The `headers` crate, whose types [`TypedHeader`] parses (feature `typed-header`).
#[cfg(feature = "typed-header")]
pub use headers;

pub use bytes::Bytes;
pub use http::{self, HeaderMap, Method, StatusCode, Uri, header};

/// The request type of h3rs.
///
/// ```
/// use h3rs::{Body, Request};
/// let req: Request = h3rs::http::Request::builder()
///     .method("POST")
///     .uri("/users")
///     .body(Body::from(r#"{"name":"ada"}"#))
///     .unwrap();
/// assert_eq!(req.uri().path(), "/users");
/// ```
pub type Request = http::Request<Body>;

/// Every hook of a WebSocket handler, in each form it accepts (the reference follows):
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use h3rs::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Move { x: i32, y: i32 }
///
/// struct Board;
///
/// #[websocket("/board")]
/// impl Board {
///     // `Result<(), HttpError>`: `?` rejects the handshake with the error's response.
///     async fn upgrade(&self, event: &H3Event) -> Result<(), HttpError> {
///         let token = event.headers().get("sec-websocket-protocol");
///         token.ok_or_else(|| HttpError::unauthorized("no token"))?;
///         Ok(())
///     }
///
///     async fn open(&self, peer: &Peer) {
///         peer.subscribe("board");
///     }
///
///     // A typed message: JSON that does not parse goes to `error`, then close 1007.
///     async fn message(&self, peer: &Peer, Json(step): Json<Move>) {
///         peer.send(format!("{},{}", step.x, step.y));
///     }
///
///     // `details` may be left out, as `error` may leave out its `WsError`.
///     async fn close(&self, peer: &Peer, details: CloseDetails) {
///         peer.publish("board", format!("{peer} left ({})", details.code));
///     }
///
///     fn error(&self, peer: &Peer, error: WsError) {
///         tracing::warn!(%peer, %error, "board");
///     }
///
///     // Sync hooks work too.
///     fn drain(&self, _peer: &Peer) {}
/// }
///
/// let client = h3rs::test::TestClient::new(H3::new().register(Board));
/// let refused = client.ws("/board").connect().await.unwrap_err();
/// assert_eq!(refused.status(), 401);
/// let mut ws = client.ws("/board").protocol("token").connect().await.unwrap();
/// ws.send(r#"{"x":1,"y":2}"#).await;
/// assert_eq!(ws.recv().await.unwrap().text(), "1,2");
/// ws.send("not json").await;
/// assert_eq!(ws.closed().await.code, 1007);
/// # }
/// ```
///
/// An `upgrade` that accepts with a subprotocol, headers or a typed context for the peer
/// returns an [`Upgrade`](ws::Upgrade) (or `Result<Upgrade, HttpError>`); a `message` hook
/// may take `Message`, `String`, `Bytes`, `Json<T>` or any [`FromMessage`](ws::FromMessage).
#[cfg(all(feature = "macros", feature = "ws"))]
pub use h3rs_macros::websocket;

/// A route on `GET`; the other method attributes (`post`, `put`, `patch`, `delete`, `head`,
/// `options`, `all`) take the same path and parameters. Every parameter form:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use h3rs::prelude::*;
///
/// #[derive(Clone)]
/// struct Db(&'static str);
///
/// #[derive(serde::Deserialize)]
/// struct Paging { page: Option<u32> }
///
/// #[get("/users/:id/files/**:path")]
/// async fn file(
///     id: u64,                          // a `:param`, parsed with `FromStr`
///     path: String,                     // the `**:path` rest
///     State(db): State<Db>,             // an extractor, destructured
///     paging: Option<Query<Paging>>,    // `None` without a query string
///     headers: HeaderMap,
///     event: &H3Event,                  // the event itself
/// ) -> Result<String, HttpError> {
///     let page = paging.and_then(|Query(p)| p.page).unwrap_or(1);
///     let agent = headers.get("user-agent").map_or("?", |v| v.to_str().unwrap_or("?"));
///     Ok(format!("{} {id} {path} page {page} by {agent} via {}", db.0, event.method()))
/// }
///
/// #[derive(serde::Deserialize, serde::Serialize)]
/// struct Note { text: String }
///
/// // The last extractor may read the body; a sync function works too.
/// #[post("/notes")]
/// fn create(Json(note): Json<Note>) -> (StatusCode, Json<Note>) {
///     (StatusCode::CREATED, Json(note))
/// }
///
/// let app = H3::new().state(Db("db")).register(file).register(create);
/// let client = h3rs::test::TestClient::new(app);
/// let res = client.get("/users/7/files/a/b.txt?page=2").header("user-agent", "t").send().await;
/// assert_eq!(res.text(), "db 7 a/b.txt page 2 by t via GET");
/// assert_eq!(client.get("/users/x/files/a").send().await.status(), 400);
/// let res = client.post("/notes").json(&Note { text: "hi".into() }).send().await;
/// assert_eq!(res.status(), 201);
/// # }
/// ```
#[cfg(feature = "macros")]
pub use h3rs_macros::get;
#[cfg(feature = "macros")]
pub use h3rs_macros::{all, delete, group, head, options, patch, post, put};

/// An `#[sse]` function with each parameter form, fallible, with a route-level keep-alive
/// (the reference follows):
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use h3rs::prelude::*;
///
/// h3rs::yielding! {
///     #[sse("/count/:to", keep_alive = 30)]
///     async fn count(to: u32, last: LastEventId, event: &H3Event) -> Result<(), HttpError> {
///         let from = last.parse::<u32>().map_or(0, |seen| seen + 1);
///         if from > to {
///             Err(HttpError::bad_request("nothing left"))?;
///         }
///         for n in from..=to {
///             yield SseEvent::new(format!("{n} via {}", event.path())).id(n.to_string());
///         }
///         Ok(())
///     }
/// }
///
/// let client = h3rs::test::TestClient::new(H3::new().register(count));
/// let mut events = client.sse("/count/2").last_event_id("0").connect().await.unwrap();
/// assert_eq!(events.next().await.unwrap().data, "1 via /count/2");
/// assert_eq!(events.next().await.unwrap().data, "2 via /count/2");
/// assert!(events.next().await.is_none());
/// # }
/// ```
#[cfg(all(feature = "macros", feature = "sse"))]
pub use h3rs_macros::sse;
#[cfg(all(feature = "macros", feature = "sse"))]
pub use h3rs_macros::yielding;

/// The names most apps need: `use h3rs::prelude::*;`.
///
/// ```
/// use h3rs::prelude::*;
///
/// #[post("/echo")]
/// async fn echo(body: Json<serde_json::Value>) -> Result<Json<serde_json::Value>, HttpError> {
///     Ok(body)
/// }
///
/// let app = H3::new().register(echo);
/// assert_eq!(app.routes().count(), 1);
/// ```
pub mod prelude {
    #[cfg(feature = "sse")]
    pub use crate::sse::{EventStream, LastEventId, SseEvent};
    #[cfg(all(feature = "macros", feature = "ws"))]
    pub use crate::websocket;
    #[cfg(feature = "ws")]
    pub use crate::ws::{CloseDetails, Message, Peer, Upgrade, WsError};
    pub use crate::{
        Bytes, Form, FromBody, FromEvent, H3, H3Event, HeaderMap, Html, HttpError, IntoResponse,
        Json, Method, Next, Query, Redirect, Response, State, StatusCode,
    };
    #[cfg(feature = "macros")]
    pub use crate::{all, delete, get, head, options, patch, post, put};
    // The `sse` attribute only: `crate::sse` would bring the module along.
    #[cfg(all(feature = "macros", feature = "sse"))]
    pub use h3rs_macros::sse;
}
