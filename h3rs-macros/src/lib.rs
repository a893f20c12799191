//! Procedural macros of [h3rs](https://docs.rs/h3rs). Use them through the `h3rs` crate, which
//! re-exports them and documents them with examples.
//!
//! Every macro expands into calls of the public `h3rs` API, so whatever it does can be written
//! by hand. This file only dispatches; each concept has its module.

mod app;
mod errors;
mod path;
mod route;
mod routes;
mod sse;
mod websocket;
mod yields;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;
use route::Method;

macro_rules! route_attributes {
    ($($name:ident => $method:ident, $summary:literal;)*) => {$(
        #[doc = concat!($summary, ": `#[", stringify!($name), "(\"/users/:id\")]` on a function.")]
        ///
        /// Parameters named like a `:param` of the path are parsed from it (`FromStr`, a bad
        /// value is a 400); `&H3Event`, `&mut H3Event` and `H3Event` get the event; every other
        /// parameter is an extractor (`FromEvent`). The function becomes two items of its name:
        /// a struct with `handler` (the function as written) and `call` (binds the request and
        /// calls `handler`), and a function `fn(H3) -> H3` that registers the route, which makes
        /// the name a value that `register`, `routes!`, `app!` and `serve!` take.
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
/// written inside one. Each must carry `#[sse(...)]`; each expands as that attribute does,
/// with every `yield value` made `events.send(value).await`.
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

/// A group of routes: `routes![a, b]` is `h3rs::Routes::new().with(a).with(b)`.
///
/// ```text
/// let api: h3rs::Routes = h3rs::routes![list_users, user, Chat::new(db)];
/// let app = H3::new().mount("/api", api);
/// ```
#[proc_macro]
pub fn routes(input: TokenStream) -> TokenStream {
    routes::expand_list(input.into()).into()
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
    routes::expand_group(args.into(), item.into()).into()
}

/// An app: `app![a, b]` is `h3rs::H3::new().register(a).register(b)`.
///
/// ```text
/// let app = h3rs::app![index, user, Chat];
/// ```
#[proc_macro]
pub fn app(input: TokenStream) -> TokenStream {
    app::expand_app(input.into()).into()
}

/// A `main` that serves an app on `HOST`/`PORT` until Ctrl-C or SIGTERM:
/// `serve!(a, b)` is `fn main() -> ExitCode { h3rs::run(async { H3::new().register(a).register(b) }) }`.
///
/// The items are evaluated inside an async block, so they may `.await`.
///
/// ```text
/// h3rs::serve!(index, user, Chat::new(pool().await));
/// ```
#[proc_macro]
pub fn serve(input: TokenStream) -> TokenStream {
    app::expand_serve(input.into()).into()
}

/// A WebSocket route: `#[websocket("/_ws")]` on an `impl` block whose methods named `upgrade`,
/// `open`, `message`, `close`, `error` and `drain` are the hooks (each optional, async or not,
/// taking `&self`). The block stays as written; the macro adds `impl h3rs::ws::WebSocket` calling
/// the hooks, and `impl h3rs::Register` so that a value of the type goes into `serve!`.
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
/// h3rs::serve!(Chat);
/// ```
#[proc_macro_attribute]
pub fn websocket(args: TokenStream, item: TokenStream) -> TokenStream {
    websocket::expand(args.into(), item.into()).into()
}
