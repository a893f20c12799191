//! Procedural macros of [h3rs](https://docs.rs/h3rs). Use them through the `h3rs` crate, which
//! re-exports them and documents them with examples.
//!
//! Every macro expands into calls of the public `h3rs` API, so whatever it does can be written
//! by hand. This file only dispatches; each concept has its module.

mod diagnostics;
mod emit;
mod group;
mod model;
mod parse;
mod path;
mod route;
mod sse;
mod sse_body;
mod validate;
mod websocket;

#[cfg(test)]
mod tests;

use model::Method;
use proc_macro::TokenStream;

macro_rules! route_attributes {
    ($($name:ident => $method:ident, $summary:literal;)*) => {$(
        #[doc = concat!($summary, ": `#[", stringify!($name), "(\"/users/:id\")]` on a function.")]
        ///
        /// The argument is the path: static segments, `:name` (one segment), `*` (one
        /// unnamed segment, `_0`, `_1`...), `**` (the rest, possibly empty) and `**:name` (the
        /// rest, captured); checked at compile time. The function may be `async` or not,
        /// returns anything `IntoResponse` (`Result<T, HttpError>` to use `?`), and may not be
        /// generic or `unsafe`.
        ///
        /// | parameter | what it gets |
        /// | --- | --- |
        /// | named like a `:param` (`id: u64`, `name: String`, any `FromStr`, owned) | the segment, parsed; a bad value is a 400 naming the parameter and the type |
        /// | `&H3Event`, `&mut H3Event` or `H3Event` | the event; by `&mut` or by value only once |
        /// | any other type, not last | an extractor of the request's parts (`FromEvent`): `Query<T>`, `State<T>`, `HeaderMap`, `Method`, `Uri`, `RemoteAddr`, `TypedHeader<T>`, `LastEventId`, yours |
        /// | the last extractor | the same, or one that reads the body (`FromBody`): `Json<T>`, `Form<T>`, `Bytes`, `String`, yours |
        /// | `Option<T>` of an extractor | `None` when absent (no header, no query, empty body); present but wrong is still an error |
        ///
        /// Patterns work (`Json(user): Json<User>`, `State(db): State<Db>`). Compile errors
        /// name the fix: a second body extractor, a body extractor before another extractor,
        /// `&str` for a path param, a number-typed parameter that matches no `:param` (and
        /// the one it is a typo of), the event taken twice.
        ///
        /// The function becomes two items of its name: a struct, the route's
        /// `h3rs::Handler` (whose `requires` lists the `State<T>` types of its extractors),
        /// with `function` (the function as written) in its impl; and a function
        /// `fn(H3) -> H3` that registers the route, which makes the name a value that
        /// `register`, `routes!`, `app!` and `serve!` take.
        ///
        /// ```text
        #[doc = concat!("#[", stringify!($name), "(\"/users/:id\")]")]
        /// async fn user(id: u64, paging: Query<Paging>) -> Result<Json<User>, HttpError> { ... }
        ///
        /// h3rs::serve!(user);
        /// ```
        #[proc_macro_attribute]
        pub fn $name(args: TokenStream, item: TokenStream) -> TokenStream {
            route::expand(Method::$method, args.into(), item.into()).into()
        }
    )*};
}

route_attributes! {
    get => Get, "A `GET` route";
    post => Post, "A `POST` route";
    put => Put, "A `PUT` route";
    patch => Patch, "A `PATCH` route";
    delete => Delete, "A `DELETE` route";
    head => Head, "A `HEAD` route";
    options => Options, "An `OPTIONS` route";
    all => All, "A route for every method";
}

/// A stream of server-sent events: `#[sse("/events")]` on an `async fn` whose body `yield`s
/// events, served on `GET`.
///
/// Stable Rust rejects `yield` in a function body before any attribute sees it, so a function
/// that yields is written inside [`yielding!`], which reads the `#[sse]` attribute itself (a
/// `yield` under the attribute alone is an error saying so).
///
/// **Arguments**: the path, as for a route (`:param`, `*`, `**`, `**:name`), then optionally
/// `keep_alive = 30` (seconds of silence before a keep-alive comment; the app's
/// `SseOptions` decide otherwise, 15 s by default) or `keep_alive = false` (none).
/// `keep_alive = 0` and `keep_alive = true` are errors saying what to write.
///
/// **The function**: an `async fn` (it may `.await` between yields), not generic, not
/// `unsafe`. It returns nothing, or `Result<(), E>` (any type named `...Result`, such as
/// `io::Result<()>`) to use `?`: an error ends the stream with an `event: error` carrying a
/// safe message, and is logged. The stream ends when the function returns; when the client
/// leaves, the function is dropped where it waits, so `Drop` is the cleanup.
///
/// **Parameters**, bound as for a route (see [`get`]):
///
/// | parameter | what it gets |
/// | --- | --- |
/// | named like a `:param` of the path (`room: String`, `id: u64`) | the segment, parsed with `FromStr` (a bad value is a 400 before the stream starts) |
/// | `last: LastEventId` | the `Last-Event-ID` header of a reconnecting client |
/// | `&H3Event`, `&mut H3Event` or `H3Event` (once) | the event, kept for as long as the stream runs |
/// | any other type | an extractor: `FromEvent`, or `FromBody` for the last one; `Option<T>` is `None` when absent |
///
/// **Yields**: `&str`, `String`, `SseEvent` (id, event, retry, comment), `Json<T>`, anything
/// `Into<SseEvent>`; each is written and flushed at once.
///
/// The function becomes the same two items a route's does: a struct of its name implementing
/// `h3rs::Handler`, and a function registering `GET path`, which `register`, `routes!`,
/// `app!`, `#[group]` and `serve!` take.
///
/// ```text
/// h3rs::yielding! {
///     #[sse("/rooms/:room", keep_alive = 30)]
///     async fn room(room: String, last: LastEventId, event: &H3Event) -> Result<(), HttpError> {
///         let mut updates = event.hub().subscription(&format!("room:{room}"), 64);
///         while let Some(update) = updates.next().await {
///             yield SseEvent::from(update);
///         }
///         Ok(())
///     }
/// }
/// ```
#[proc_macro_attribute]
pub fn sse(args: TokenStream, item: TokenStream) -> TokenStream {
    sse::expand(args.into(), item.into(), sse::Place::Attribute).into()
}

/// `#[sse]` functions that `yield`: `yielding! { #[sse("/a")] async fn a() { yield "x"; } }`.
///
/// The compiler parses the body of a function before its attributes run, and stable Rust
/// rejects `yield` there; the tokens of a macro call are not parsed, so the functions are
/// written inside one. Each must carry `#[sse(...)]`; each expands as that attribute does:
/// its body becomes an async-stream generator (`stream!`, or `try_stream!` for a function
/// returning `Result<(), E>`), with every `yield value` made `yield SseEvent::from(value)`.
///
/// ```text
/// h3rs::yielding! {
///     #[sse("/")]
///     async fn hello() {
///         yield "Hello world";
///     }
/// }
/// ```
#[proc_macro]
pub fn yielding(input: TokenStream) -> TokenStream {
    sse::expand_yielding(input.into()).into()
}

/// On an inline module: adds `pub fn routes() -> h3rs::Routes` to it, with every item of the
/// module that has a route attribute (`#[get]`, ..., `#[websocket]`, `#[sse]`) and the
/// `routes()` of every nested `#[group]` module.
///
/// ```text
/// #[h3rs::group]
/// mod api {
///     #[get("/users")]
///     async fn users() -> Json<Vec<User>> { ... }
/// }
///
/// h3rs::serve!(api::routes());
/// ```
#[proc_macro_attribute]
pub fn group(args: TokenStream, item: TokenStream) -> TokenStream {
    group::expand_group(args.into(), item.into()).into()
}

/// A WebSocket route: `#[websocket("/_ws")]` on an inherent `impl` block (not generic, not a
/// trait impl) whose methods named like a hook are the hooks. The block stays as written (other
/// methods stay ordinary methods); the macro adds `impl h3rs::ws::WebSocket` calling the hooks,
/// and `impl h3rs::Register` (`app.websocket(path, self)`), so that a value of the type
/// (`Chat`, `Chat::new(pool)`) goes into `register`, `routes!` and `serve!`.
///
/// The argument is the path only, as for a route. A `GET` with `Upgrade: websocket` on it
/// runs the handshake; a plain `GET` gets the path's `GET` route if it has one (a page and its
/// socket can share a path), 426 if not.
///
/// **Hooks**: each optional; each takes `&self` (not `&mut self`), may be `async` or not, may
/// not be generic; a hook that is not `upgrade` returns nothing. Trailing parameters marked
/// "may be left out" can be omitted.
///
/// | hook | signature | when |
/// | --- | --- | --- |
/// | `upgrade` | `fn upgrade(&self, event: &H3Event) -> R` | the handshake, after app middleware: accept, or reject with any response |
/// | `open` | `fn open(&self, peer: &Peer)` | the peer is connected |
/// | `message` | `fn message(&self, peer: &Peer, message: M)` | a text or binary message, one at a time per peer, in order |
/// | `close` | `fn close(&self, peer: &Peer, details: CloseDetails)` (`details` may be left out) | the peer left, exactly once, whoever closed (graceful shutdown sends 1001 and runs it) |
/// | `error` | `fn error(&self, peer: &Peer, error: WsError)` (`error` may be left out) | a protocol or I/O error (the peer is then closed), or a message that did not convert to `M` |
/// | `drain` | `fn drain(&self, peer: &Peer)` | the peer's outgoing queue emptied after it was full |
///
/// What `upgrade` returns (`R`, any `h3rs::ws::IntoUpgrade`): nothing (accept);
/// `Result<(), E>` with `E` any response, `HttpError` typically, so that `?` rejects; an
/// `Upgrade` (subprotocol, response headers, a typed context for the peer); or
/// `Result<Upgrade, E>`. A `bool` or another primitive is an error saying to return a
/// `Result`.
///
/// What `message` takes (`M`, any `h3rs::ws::FromMessage`): `Message` (every message),
/// `String` (text frames), `Bytes` (binary frames), `Json<T>` for any `T: Deserialize` (text or
/// binary holding JSON), or a type of yours. The generated method converts first; a message
/// that does not convert never reaches the hook: it goes to `h3rs::ws::reject` (the `error`
/// hook with `WsError::invalid_message()`, then close 1007 or 1003, unless
/// `InvalidMessages::Report`). A borrowed message (`&str`, `&[u8]`), a number or a `Peer` there
/// is an error naming the owned type to write.
///
/// Parameters are checked against what the runtime passes: `peer: &Peer` (not `Peer`, not
/// `&mut Peer`), `event: &H3Event`, `details: CloseDetails`, `error: WsError` by value; a
/// mismatch, a missing `&self`, or a method named one typo away from a hook (`on_open`,
/// `onMessage`, `closed`, `mesage`) is a compile error on that token, naming the accepted
/// signatures.
///
/// ```text
/// struct Chat;
///
/// #[websocket("/_ws")]
/// impl Chat {
///     async fn upgrade(&self, event: &H3Event) -> Result<(), HttpError> {
///         event.headers().get("cookie").ok_or_else(|| HttpError::unauthorized("log in"))?;
///         Ok(())
///     }
///     async fn open(&self, peer: &Peer) { peer.subscribe("chat"); }
///     async fn message(&self, peer: &Peer, message: Message) { peer.publish("chat", message); }
///     async fn close(&self, peer: &Peer, details: CloseDetails) { /* ... */ }
///     async fn error(&self, peer: &Peer, error: WsError) { /* ... */ }
///     fn drain(&self, peer: &Peer) { /* a sync hook */ }
/// }
///
/// h3rs::serve!(Chat);
/// ```
#[proc_macro_attribute]
pub fn websocket(args: TokenStream, item: TokenStream) -> TokenStream {
    websocket::expand(args.into(), item.into()).into()
}
