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

#![warn(missing_docs)]

#[doc(hidden)]
#[path = "expansion.rs"]
pub mod __private;
mod app;
mod body;
mod error;
mod event;
pub mod extract;
mod handler;
mod macros;
mod middleware;
pub mod pubsub;
mod register;
mod requirements;
mod response;
mod router;
mod run;
mod server;
mod shutdown;
pub mod sse;
pub mod ws;

pub use app::{RequestInfo, DEFAULT_BODY_LIMIT, H3};
pub use body::{Body, BoxError};
pub use error::{HttpError, RenderedError};
pub use event::{H3Event, RemoteAddr};
pub use extract::{Form, FromBody, FromEvent, Query, State};
pub use handler::{BoxFuture, Handler};
pub use middleware::{Middleware, Next};
pub use register::{Register, Routes};
pub use requirements::Requirements;
pub use response::{Html, IntoResponse, Json, Redirect, Response, StreamBody};
pub use router::{Params, PatternError};
pub use run::run;
pub use server::{serve, serve_with, ServeOptions, Server};
pub use shutdown::{Shutdown, ShutdownGuard};

pub use bytes::Bytes;
pub use http::{self, header, HeaderMap, Method, StatusCode, Uri};

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

pub use h3rs_macros::{
    all, delete, get, group, head, options, patch, post, put, sse, websocket, yielding,
};

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
    pub use crate::sse::{EventStream, LastEventId, SseEvent};
    pub use crate::ws::{CloseDetails, Message, Peer, Upgrade, WsError};
    // The `sse` attribute only: `crate::sse` would bring the module along.
    pub use crate::{
        all, delete, get, head, options, patch, post, put, websocket, Bytes, Form, FromBody,
        FromEvent, H3Event, HeaderMap, Html, HttpError, IntoResponse, Json, Method, Next, Query,
        Redirect, Response, State, StatusCode, H3,
    };
    pub use h3rs_macros::sse;
}
