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
        /// Parameters named like a `:param` of the path are parsed from it (`FromStr`, a bad
        /// value is a 400); `&H3Event`, `&mut H3Event` and `H3Event` get the event; every other
        /// parameter is an extractor: `FromEvent` (the request's parts), except the last one,
        /// which may instead read the body (`FromBody`: `Json<T>`, `Form<T>`, `Bytes`,
        /// `String`). A parameter named one typo away from a `:param` no other parameter takes
        /// is an error. The function becomes two items of its name: a struct, the route's
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
/// events (`&str`, `String`, `SseEvent`, `Json<T>`, anything `Into<SseEvent>`), served on `GET`.
///
/// Stable Rust rejects `yield` in a function body before any attribute sees it, so a function
/// that yields is written inside [`yielding!`], which reads the `#[sse]` attribute itself.
/// Parameters are bound as for a route (path params, extractors such as `LastEventId`,
/// `&H3Event`). A function returning `Result<(), E>` may use `?`: an error ends the stream with
/// an `event: error`. The stream ends when the function returns, and the function is dropped
/// when the client leaves. `keep_alive = 30` sets the seconds of silence before a keep-alive
/// comment (default 15), `keep_alive = false` turns it off.
///
/// ```text
/// h3rs::yielding! {
///     #[sse("/clock", keep_alive = 30)]
///     async fn clock(last: LastEventId) {
///         let mut tick = tokio::time::interval(Duration::from_secs(1));
///         loop {
///             tick.tick().await;
///             yield "Hello world";
///         }
///     }
/// }
///
/// h3rs::serve!(clock);
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

/// A WebSocket route: `#[websocket("/_ws")]` on an `impl` block whose methods named `upgrade`,
/// `open`, `message`, `close`, `error` and `drain` are the hooks (each optional, async or not,
/// taking `&self`). The block stays as written; the macro adds `impl h3rs::ws::WebSocket` calling
/// the hooks, and `impl h3rs::Register` so that a value of the type goes into `serve!`.
///
/// The `message` hook may take any `h3rs::ws::FromMessage` type instead of `Message`
/// (`String`, `Bytes`, `Json<T>`, a type of yours): the generated `message` converts the
/// message first and hands one that does not convert to `h3rs::ws::reject` (the `error` hook,
/// then close 1007 or 1003). Hook parameters are checked: `&Peer`, `&H3Event`,
/// `CloseDetails`, `WsError` as the runtime passes them, and an `upgrade` result that
/// implements `IntoUpgrade`; a mismatch is an error on the parameter, naming the signatures.
///
/// ```text
/// struct Chat;
///
/// #[websocket("/_ws")]
/// impl Chat {
///     async fn open(&self, peer: &Peer) { peer.subscribe("chat"); }
///     async fn message(&self, peer: &Peer, message: Message) { peer.publish("chat", message); }
/// }
///
/// #[websocket("/moves")]
/// impl Board {
///     async fn message(&self, peer: &Peer, Json(step): Json<Move>) { /* parsed JSON */ }
/// }
///
/// h3rs::serve!(Chat);
/// ```
#[proc_macro_attribute]
pub fn websocket(args: TokenStream, item: TokenStream) -> TokenStream {
    websocket::expand(args.into(), item.into()).into()
}
