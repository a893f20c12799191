//! Server-sent events: the [`Sse`] response over any `Stream`, and two ways to feed it.
//!
//! - **A generator function**, when the events come from the function itself: an
//!   `#[sse("/path")]` `async fn` whose body `yield`s them (its body becomes an
//!   [async-stream](https://docs.rs/async-stream) generator).
//! - **An [`EventStream`]**, when they come from elsewhere (another task, a topic of the
//!   app's hub): a handle to `push` to and `close`, returned as the response.
//!
//! Both end up as [`Sse::stream`] (or [`Sse::try_stream`]), which serves any stream of values
//! that convert into [`SseEvent`], with keep-alive comments and graceful shutdown.
//!
//! # Generator functions
//!
//! An `#[sse]` function takes the same parameters as a route (path params, `Query`, `State`,
//! headers, `&H3Event`, and [`LastEventId`]) and is served on `GET`. Each yielded value is
//! converted into an [`SseEvent`] (`&str`, `String`, `Json<T>`, `SseEvent`, or anything
//! `Into<SseEvent>`: one function may yield several types) and written at once. The stream
//! ends when the function returns; when the client goes away, the function is dropped where
//! it waits, so `Drop` is the cleanup (H3's `onClosed`).
//!
//! Stable Rust rejects the `yield` keyword in a function body before any attribute can rewrite
//! it (the syntax belongs to unstable coroutines), so these functions are written inside
//! [`h3rs::yielding!`](crate::yielding), whose tokens the compiler leaves to the macro:
//!
//! ```
//! use std::time::Duration;
//! use h3rs::prelude::*;
//!
//! h3rs::yielding! {
//!     #[sse("/clock")]
//!     async fn clock() {
//!         let mut tick = tokio::time::interval(Duration::from_secs(1));
//!         loop {
//!             tick.tick().await;
//!             yield "Hello world";
//!         }
//!     }
//! }
//!
//! let app = h3rs::app![clock];
//! # let _ = app;
//! ```
//!
//! A function returning `Result<(), E>` may use `?` and `return Err(..)`: an error ends the
//! stream with an `event: error` whose data is safe to show, and is logged (see
//! [`Sse::try_stream`]). As in async-stream, a `?` inside a macro call in the body (such as
//! `tokio::select!`) is not seen: take the value out of the macro, then `?` it. Keep-alive
//! comments are sent after 15 s of silence (`#[sse("/path", keep_alive = 30)]`,
//! `keep_alive = false`, or [`H3::sse_options`](crate::H3::sse_options) app-wide), and
//! graceful shutdown ends every stream.
//!
//! # Events from elsewhere
//!
//! ```
//! use h3rs::prelude::*;
//!
//! let app = H3::new().get("/ticker", |event: H3Event| async move {
//!     let stream = EventStream::new(&event);
//!     let pusher = stream.clone();
//!     tokio::spawn(async move {
//!         pusher.push("tick");
//!         pusher.close();
//!     });
//!     stream
//! });
//! # let _ = app;
//! ```

mod event;
mod event_stream;
mod last_event_id;
mod options;
mod replay;
mod stream;

pub use event::SseEvent;
pub use event_stream::EventStream;
pub use last_event_id::LastEventId;
pub use options::{DEFAULT_KEEP_ALIVE, DEFAULT_QUEUE_CAPACITY, SseOptions};
pub use replay::TopicReplay;
pub use stream::Sse;
