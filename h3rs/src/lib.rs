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
//! ## Cargo features
//!
//! All but `test-client` and `redis` on by default; an app that needs less compiles less
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
pub mod pubsub;
mod register;
mod request_log;
mod requirements;
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
pub use run::run;
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

#[cfg(all(feature = "macros", feature = "ws"))]
pub use h3rs_macros::websocket;
#[cfg(feature = "macros")]
pub use h3rs_macros::{all, delete, get, group, head, options, patch, post, put};
#[cfg(all(feature = "macros", feature = "sse"))]
pub use h3rs_macros::{sse, yielding};

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
