//! Server-sent events: `#[sse]` generators, the [`Sse`] response, the [`EventStream`] push
//! API, and the [`SseEvent`] wire format.
//!
//! An `#[sse("/path")]` function is an `async fn` whose body `yield`s events. It takes the
//! same parameters as a route (path params, `Query`, `State`, headers, `&H3Event`, and
//! [`LastEventId`]) and is served on `GET`. Each yielded value is converted into an
//! [`SseEvent`] and written at once. The stream ends when the function returns; when the
//! client goes away, the function is dropped where it waits, so `Drop` is the cleanup (H3's
//! `onClosed`).
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
//! A function returning `Result<(), E>` may use `?`; an error ends the stream with an
//! `event: error` whose data is safe to show, and is logged. Keep-alive comments are sent
//! after 15 s of silence (`#[sse("/path", keep_alive = 30)]`, `keep_alive = false`, or
//! [`H3::sse_options`](crate::H3::sse_options) app-wide), and graceful shutdown ends every
//! stream.

mod event;
mod event_stream;
mod generator;
mod last_event_id;
mod options;
mod replay;
mod stream;

pub use event::SseEvent;
pub use event_stream::EventStream;
pub use generator::{Generator, GeneratorOutput, SendEvent, Yielder};
pub use last_event_id::LastEventId;
pub use options::{SseOptions, DEFAULT_KEEP_ALIVE, DEFAULT_QUEUE_CAPACITY};
pub use replay::TopicReplay;
pub use stream::Sse;
