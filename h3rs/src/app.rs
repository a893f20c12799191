//! `H3`: the app. Routes, middleware, hooks, state, and `handle`.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use http::header::CONTENT_LENGTH;
use http::{Extensions, Method, Uri};

use crate::body::Body;
use crate::error::{HttpError, RenderedError};
use crate::event::{Connection, H3Event};
use crate::handler::Handler;
use crate::middleware::{Endpoint, Middleware, MiddlewareEntry, Next};
use crate::pubsub::{Hub, Payload, PubSub};
use crate::register::Register;
use crate::response::{IntoResponse, Response};
use crate::router::{join_pattern, RouteMatch, Router};
use crate::ws::handshake::{is_upgrade_request, WebSocketRoute};
use crate::ws::{Peers, WebSocket, WsOptions};
use crate::Request;

/// The default request body limit: 1 MiB.
///
/// ```
/// // An upload service that accepts bodies 8 times the usual size.
/// let app = h3rs::H3::new().body_limit(8 * h3rs::DEFAULT_BODY_LIMIT);
/// # let _ = app;
/// assert_eq!(h3rs::DEFAULT_BODY_LIMIT, 1024 * 1024);
/// ```
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// What `on_response` and `on_error` hooks know of the request (the event
/// itself has been consumed by the handler by then).
///
/// Its fields are public, so a hook can be tested without a request:
///
/// ```
/// use h3rs::{Html, HttpError, IntoResponse, Method, RequestInfo, Response};
///
/// // Browsers get a page; `/api` clients keep H3's JSON.
/// fn html_errors(err: &HttpError, req: &RequestInfo) -> Option<Response> {
///     let page = Html(format!("<h1>{}</h1>", err.message));
///     (!req.uri.path().starts_with("/api/")).then(|| (err.status, page).into_response())
/// }
///
/// let err = HttpError::not_found("No such page");
/// let about = RequestInfo { method: Method::GET, uri: "/about".parse().unwrap() };
/// assert_eq!(html_errors(&err, &about).unwrap().status(), 404);
/// let api = RequestInfo { method: Method::GET, uri: "/api/users/7".parse().unwrap() };
/// assert!(html_errors(&err, &api).is_none());
///
/// let app = h3rs::H3::new().on_error(html_errors);
/// # let _ = app;
/// ```
#[derive(Clone, Debug)]
pub struct RequestInfo {
    /// The request method.
    ///
    /// ```
    /// use h3rs::{Method, RequestInfo, Response};
    /// // Responses to reads may be cached; anything else may not.
    /// let app = h3rs::H3::new().on_response(|req: &RequestInfo, res: &mut Response| {
    ///     if req.method != Method::GET {
    ///         res.headers_mut().insert("cache-control", "no-store".parse().unwrap());
    ///     }
    /// });
    /// # let _ = app;
    /// ```
    pub method: Method,
    /// The request URI.
    ///
    /// ```
    /// use h3rs::{RequestInfo, Response};
    /// let app = h3rs::H3::new().on_response(|req: &RequestInfo, res: &mut Response| {
    ///     tracing::info!(path = req.uri.path(), status = res.status().as_u16(), "served");
    /// });
    /// # let _ = app;
    /// ```
    pub uri: Uri,
}

type RequestHook = Arc<dyn Fn(&mut H3Event) + Send + Sync>;
type ResponseHook = Arc<dyn Fn(&RequestInfo, &mut Response) + Send + Sync>;
type ErrorHook = Arc<dyn Fn(&HttpError, &RequestInfo) -> Option<Response> + Send + Sync>;

#[derive(Clone)]
struct Route {
    method: Option<Method>,
    pattern: Arc<str>,
    handler: Arc<dyn Handler>,
}

/// An app: routes, middleware, hooks and state. Build it by value, then
/// [`serve`](fn@crate::serve) it or call [`handle`](H3::handle) directly.
///
/// Routing follows H3: static segments, `:name` (one segment), `*` (one
/// unnamed segment), `**` (the rest of the path, possibly empty) and
/// `**:name` (the rest, captured); static beats `:param` beats wildcards,
/// with backtracking; a trailing slash matches the same route. A `HEAD`
/// request is served by the `GET` route without the body.
///
/// Unlike H3, a path that matches a route but not its method is answered
/// `405 Method Not Allowed` with an `Allow` header (H3 says 404): clients and
/// caches learn that the resource exists.
///
/// ```
/// # async fn demo() {
/// use h3rs::{Body, H3, H3Event, Request};
///
/// let app = H3::new().get("/hello/:name", |event: H3Event| async move {
///     format!("hello {}", event.params().get("name").unwrap_or("you"))
/// });
/// let req = h3rs::http::Request::builder().uri("/hello/ada").body(Body::empty()).unwrap();
/// let res = app.handle(req).await;
/// assert_eq!(res.status(), 200);
/// # }
/// ```
#[derive(Clone)]
pub struct H3 {
    routes: Vec<Route>,
    router: Router<Arc<dyn Handler>>,
    middleware: Arc<Vec<MiddlewareEntry>>,
    on_request: Vec<RequestHook>,
    on_response: Vec<ResponseHook>,
    on_error: Vec<ErrorHook>,
    state: Arc<Extensions>,
    body_limit: usize,
    hub: Hub,
    peers: Peers,
    websockets: Vec<Route>,
    ws_router: Router<Arc<dyn Handler>>,
}

impl Default for H3 {
    fn default() -> Self {
        H3::new()
    }
}

impl std::fmt::Debug for H3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let routes: Vec<String> = self
            .routes
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r.method.as_ref().map_or("*", Method::as_str),
                    r.pattern
                )
            })
            .collect();
        f.debug_struct("H3")
            .field("routes", &routes)
            .field("middleware", &self.middleware.len())
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

macro_rules! method_shortcuts {
    ($($name:ident => $method:ident),* $(,)?) => {$(
        #[doc = concat!("Adds a `", stringify!($method), "` route. See [`H3::on`].")]
        ///
        /// ```
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() {
        /// use h3rs::{Body, H3, H3Event, Method};
        #[doc = concat!(
            "let app = H3::new().", stringify!($name),
            "(\"/ping\", |_: H3Event| async { \"pong\" });"
        )]
        /// let req = h3rs::http::Request::builder()
        #[doc = concat!("    .method(Method::", stringify!($method), ")")]
        ///     .uri("/ping")
        ///     .body(Body::empty())
        ///     .unwrap();
        /// assert_eq!(app.handle(req).await.status(), 200);
        /// # }
        /// ```
        pub fn $name(self, path: &str, handler: impl Handler) -> Self {
            self.on(Method::$method, path, handler)
        }
    )*};
}

impl H3 {
    /// An empty app.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = h3rs::H3::new();
    /// assert_eq!(app.routes().count(), 0);
    /// // No route yet: everything is a 404.
    /// let res = app.handle(h3rs::Request::new(h3rs::Body::empty())).await;
    /// assert_eq!(res.status(), 404);
    /// # }
    /// ```
    pub fn new() -> Self {
        H3 {
            routes: Vec::new(),
            router: Router::new(),
            middleware: Arc::new(Vec::new()),
            on_request: Vec::new(),
            on_response: Vec::new(),
            on_error: Vec::new(),
            state: Arc::new(Extensions::new()),
            body_limit: DEFAULT_BODY_LIMIT,
            hub: Hub::new(),
            peers: Peers::new(),
            websockets: Vec::new(),
            ws_router: Router::new(),
        }
    }

    /// Adds a route for one method. A second route with the same method and
    /// pattern replaces the first.
    ///
    /// # Panics
    ///
    /// On an invalid pattern (the route macros check patterns at compile time).
    ///
    /// ```
    /// use h3rs::{H3, H3Event, Method};
    /// let app = H3::new().on(Method::PUT, "/items/:id", |_: H3Event| async { "stored" });
    /// # let _ = app;
    /// ```
    pub fn on(self, method: Method, path: &str, handler: impl Handler) -> Self {
        self.add_route(Some(method), path, Arc::new(handler))
    }

    /// Adds a route for every method (H3's `app.all`).
    ///
    /// ```
    /// use h3rs::{H3, H3Event};
    /// let app = H3::new().all("/echo", |event: H3Event| async move { event.method().to_string() });
    /// # let _ = app;
    /// ```
    pub fn all(self, path: &str, handler: impl Handler) -> Self {
        self.add_route(None, path, Arc::new(handler))
    }

    method_shortcuts! {
        get => GET,
        post => POST,
        put => PUT,
        patch => PATCH,
        delete => DELETE,
        head => HEAD,
        options => OPTIONS,
    }

    fn add_route(mut self, method: Option<Method>, path: &str, handler: Arc<dyn Handler>) -> Self {
        let pattern: Arc<str> = Arc::from(path);
        if let Err(e) = self.router.insert(method.clone(), path, handler.clone()) {
            panic!("{e}");
        }
        self.routes
            .retain(|r| !(r.method == method && r.pattern == pattern));
        self.routes.push(Route {
            method,
            pattern,
            handler,
        });
        self
    }

    /// Adds a WebSocket route: a `GET` with `Upgrade: websocket` on `path`
    /// runs the handshake and then `handler`'s hooks. A plain `GET` on the
    /// same path is answered 426 Upgrade Required, unless a normal `GET`
    /// route is registered there too: then that route serves it (a chat page
    /// and its socket can share `/`).
    ///
    /// `#[websocket("/path")]` on an `impl` block calls this.
    ///
    /// ```
    /// use h3rs::ws::{Message, Peer, WebSocket};
    /// struct Echo;
    /// impl WebSocket for Echo {
    ///     async fn message(&self, peer: &Peer, message: Message) {
    ///         peer.send(message);
    ///     }
    /// }
    /// let app = h3rs::H3::new().websocket("/echo", Echo);
    /// # let _ = app;
    /// ```
    pub fn websocket(self, path: &str, handler: impl WebSocket) -> Self {
        let route = WebSocketRoute {
            handler: Arc::new(handler),
            options: None,
        };
        self.add_websocket_route(path, Arc::new(route))
    }

    /// Adds a WebSocket route with its own limits, overriding the app's
    /// ([`H3::websocket_options`]).
    ///
    /// ```
    /// use h3rs::ws::{WebSocket, WsOptions};
    /// struct Uploads;
    /// impl WebSocket for Uploads {}
    /// let app = h3rs::H3::new().websocket_with(
    ///     "/uploads",
    ///     Uploads,
    ///     WsOptions::default().max_message_size(16 * 1024 * 1024),
    /// );
    /// # let _ = app;
    /// ```
    pub fn websocket_with(self, path: &str, handler: impl WebSocket, options: WsOptions) -> Self {
        let route = WebSocketRoute {
            handler: Arc::new(handler),
            options: Some(Arc::new(options)),
        };
        self.add_websocket_route(path, Arc::new(route))
    }

    /// Sets the WebSocket limits and timings of every route that does not set its own.
    ///
    /// ```
    /// let app = h3rs::H3::new()
    ///     .websocket_options(h3rs::ws::WsOptions::default().max_message_size(64 * 1024));
    /// # let _ = app;
    /// ```
    pub fn websocket_options(self, options: WsOptions) -> Self {
        self.state(Arc::new(options))
    }

    fn add_websocket_route(mut self, path: &str, handler: Arc<dyn Handler>) -> Self {
        if let Err(e) = self
            .ws_router
            .insert(Some(Method::GET), path, handler.clone())
        {
            panic!("WebSocket route: {e}");
        }
        let pattern: Arc<str> = Arc::from(path);
        self.websockets.retain(|r| r.pattern != pattern);
        self.websockets.push(Route {
            method: Some(Method::GET),
            pattern,
            handler,
        });
        self
    }

    /// The app's pub/sub hub: clone it to publish from tasks and state.
    ///
    /// ```
    /// let app = h3rs::H3::new();
    /// let hub = app.hub().clone();
    /// assert_eq!(hub.topic_count(), 0);
    /// ```
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Puts the app's topics on `backend` (in memory by default). What was made on the
    /// app's hub before, and its clones, move to the new one.
    ///
    /// ```
    /// let app = h3rs::H3::new().pubsub(h3rs::pubsub::MemoryPubSub::new());
    /// # let _ = app;
    /// ```
    pub fn pubsub(mut self, backend: impl PubSub) -> Self {
        let hub = Hub::with_backend(backend);
        hub.absorb(&self.hub);
        self.hub = hub;
        self
    }

    /// The WebSocket peers connected to the app.
    ///
    /// ```
    /// let app = h3rs::H3::new();
    /// let peers = app.peers().clone();
    /// assert_eq!(peers.len(), 0);
    /// ```
    pub fn peers(&self) -> &Peers {
        &self.peers
    }

    /// Publishes `message` to every subscriber of `topic` (WebSocket peers
    /// and SSE streams); returns how many it reached.
    ///
    /// ```
    /// let app = h3rs::H3::new();
    /// assert_eq!(app.publish("news", "nobody is listening yet"), 0);
    /// ```
    pub fn publish(&self, topic: &str, message: impl Into<Payload>) -> usize {
        self.hub.publish(topic, message)
    }

    /// Adds anything that registers itself: a route made by a macro, a
    /// [`Routes`](crate::Routes) group, a WebSocket handler, another app.
    ///
    /// ```
    /// use h3rs::prelude::*;
    ///
    /// #[get("/")]
    /// async fn index() -> &'static str { "hi" }
    ///
    /// let app = H3::new().register(index);
    /// # let _ = app;
    /// ```
    pub fn register(self, item: impl Register) -> Self {
        item.register(self)
    }

    /// Merges another app (or a group of routes) under `prefix`: its routes,
    /// its middleware (scoped to the prefix), its hooks and its state.
    ///
    /// ```
    /// use h3rs::{H3, H3Event};
    /// let api = H3::new().get("/users", |_: H3Event| async { "[]" });
    /// let app = H3::new().mount("/api", api); // GET /api/users
    /// # let _ = app;
    /// ```
    pub fn mount(mut self, prefix: &str, other: impl Into<H3>) -> Self {
        let other: H3 = other.into();
        // One hub and one peer registry per served app, whatever was made on the sub-app's.
        self.hub.absorb(&other.hub);
        self.peers.absorb(&other.peers);
        for route in &other.routes {
            let pattern = join_pattern(prefix, &route.pattern);
            self = self.add_route(route.method.clone(), &pattern, route.handler.clone());
        }
        for route in &other.websockets {
            let pattern = join_pattern(prefix, &route.pattern);
            self = self.add_websocket_route(&pattern, route.handler.clone());
        }
        let scoped = other.middleware.iter().map(|entry| {
            let pattern = match &entry.scope {
                Some((pattern, _)) => join_pattern(prefix, pattern),
                None => join_pattern(prefix, "/**"),
            };
            MiddlewareEntry::new(Some(&pattern), entry.middleware.clone())
        });
        Arc::make_mut(&mut self.middleware).extend(scoped);
        self.on_request.extend(other.on_request);
        self.on_response.extend(other.on_response);
        self.on_error.extend(other.on_error);
        if !other.state.is_empty() {
            Arc::make_mut(&mut self.state).extend((*other.state).clone());
        }
        self
    }

    /// Adds middleware that runs for every request, in the order added.
    ///
    /// (H3 calls this `app.use`; `use` is a keyword in Rust.)
    ///
    /// ```
    /// use h3rs::{H3, H3Event, HttpError, IntoResponse, Next};
    ///
    /// let app = H3::new().middleware(|event: H3Event, next: Next| async move {
    ///     if event.headers().contains_key("authorization") {
    ///         next.run(event).await
    ///     } else {
    ///         HttpError::unauthorized("log in first").into_response()
    ///     }
    /// });
    /// # let _ = app;
    /// ```
    pub fn middleware(mut self, middleware: impl Middleware) -> Self {
        Arc::make_mut(&mut self.middleware).push(MiddlewareEntry::new(None, Arc::new(middleware)));
        self
    }

    /// Adds middleware that runs only for paths matching `pattern`
    /// (a route pattern: `/api/**` covers `/api` and everything under it).
    ///
    /// ```
    /// use h3rs::{H3, H3Event, Next};
    /// let app = H3::new().middleware_at("/admin/**", |event: H3Event, next: Next| async move {
    ///     next.run(event).await
    /// });
    /// # let _ = app;
    /// ```
    pub fn middleware_at(mut self, pattern: &str, middleware: impl Middleware) -> Self {
        Arc::make_mut(&mut self.middleware)
            .push(MiddlewareEntry::new(Some(pattern), Arc::new(middleware)));
        self
    }

    /// Runs `hook` on every request before middleware and routing.
    ///
    /// ```
    /// let app = h3rs::H3::new().on_request(|event: &mut h3rs::H3Event| {
    ///     tracing::debug!(path = event.path(), "request");
    /// });
    /// # let _ = app;
    /// ```
    pub fn on_request(mut self, hook: impl Fn(&mut H3Event) + Send + Sync + 'static) -> Self {
        self.on_request.push(Arc::new(hook));
        self
    }

    /// Runs `hook` on every response before it is sent.
    ///
    /// ```
    /// let app = h3rs::H3::new().on_response(|_req: &h3rs::RequestInfo, res: &mut h3rs::Response| {
    ///     res.headers_mut().insert("x-powered-by", "h3rs".parse().unwrap());
    /// });
    /// # let _ = app;
    /// ```
    pub fn on_response(
        mut self,
        hook: impl Fn(&RequestInfo, &mut Response) + Send + Sync + 'static,
    ) -> Self {
        self.on_response.push(Arc::new(hook));
        self
    }

    /// Runs `hook` on every error response (404, 405, a handler's
    /// [`HttpError`], a panic); returning `Some` replaces the response.
    ///
    /// ```
    /// use h3rs::{HttpError, IntoResponse, RequestInfo};
    /// let app = h3rs::H3::new().on_error(|err: &HttpError, _req: &RequestInfo| {
    ///     Some((err.status, format!("oops: {}", err.message)).into_response())
    /// });
    /// # let _ = app;
    /// ```
    pub fn on_error(
        mut self,
        hook: impl Fn(&HttpError, &RequestInfo) -> Option<Response> + Send + Sync + 'static,
    ) -> Self {
        self.on_error.push(Arc::new(hook));
        self
    }

    /// Gives app-wide state, read by the [`State`](crate::State) extractor
    /// and [`H3Event::state`]. One value per type.
    ///
    /// ```
    /// #[derive(Clone)]
    /// struct Config { name: &'static str }
    /// let app = h3rs::H3::new().state(Config { name: "demo" });
    /// # let _ = app;
    /// ```
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        Arc::make_mut(&mut self.state).insert(value);
        self
    }

    /// Sets the request body limit in bytes (default 1 MiB); a larger body
    /// is answered 413.
    ///
    /// ```
    /// let app = h3rs::H3::new().body_limit(16 * 1024);
    /// # let _ = app;
    /// ```
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Sets the keep-alive and queue size of the app's server-sent event streams
    /// (a route may set its own keep-alive).
    ///
    /// ```
    /// use std::time::Duration;
    /// let app = h3rs::H3::new()
    ///     .sse_options(h3rs::sse::SseOptions::default().keep_alive(Duration::from_secs(30)));
    /// # let _ = app;
    /// ```
    pub fn sse_options(self, options: crate::sse::SseOptions) -> Self {
        self.state(options)
    }

    /// The routes, as `(method, pattern)`; `None` is any method.
    ///
    /// ```
    /// use h3rs::{H3, H3Event};
    /// let app = H3::new().get("/", |_: H3Event| async { "" });
    /// assert_eq!(app.routes().count(), 1);
    /// ```
    pub fn routes(&self) -> impl Iterator<Item = (Option<&Method>, &str)> {
        self.routes.iter().map(|r| (r.method.as_ref(), &*r.pattern))
    }

    /// Runs the whole pipeline for one request, without a socket (H3's
    /// `app.fetch`): hooks, middleware, routing, the handler, error rendering.
    /// A panic in a handler or middleware is logged and answered 500.
    ///
    /// ```
    /// # async fn demo() {
    /// use h3rs::{Body, H3, Request};
    /// let app = H3::new();
    /// let req = h3rs::http::Request::builder().uri("/nope").body(Body::empty()).unwrap();
    /// assert_eq!(app.handle(req).await.status(), 404);
    /// # }
    /// ```
    pub async fn handle(&self, request: Request) -> Response {
        self.serve_request(request, None).await
    }

    /// [`H3::handle`], for a request that came on a served connection.
    pub(crate) async fn serve_request(
        &self,
        request: Request,
        connection: Option<Arc<Connection>>,
    ) -> Response {
        let mut event = H3Event::new(
            request,
            self.state.clone(),
            self.body_limit,
            self.hub.clone(),
            self.peers.clone(),
            connection,
        );
        let is_head = event.method() == Method::HEAD;
        let info =
            (!self.on_response.is_empty() || !self.on_error.is_empty()).then(|| RequestInfo {
                method: event.method().clone(),
                uri: event.uri().clone(),
            });
        for hook in &self.on_request {
            hook(&mut event);
        }
        let endpoint = self.route(&mut event);
        let pipeline = Next::new(self.middleware.clone(), endpoint).run(event);
        let mut response = match AssertUnwindSafe(pipeline).catch_unwind().await {
            Ok(response) => response,
            Err(panic) => {
                tracing::error!(panic = panic_message(&*panic), "handler panicked");
                HttpError::new(
                    http::StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal Server Error",
                )
                .into_response()
            }
        };
        if let Some(info) = &info {
            if let Some(RenderedError(err)) = response.extensions().get::<RenderedError>().cloned()
            {
                if let Some(replaced) = self.on_error.iter().find_map(|hook| hook(&err, info)) {
                    response = replaced;
                }
            }
            for hook in &self.on_response {
                hook(info, &mut response);
            }
        }
        if is_head {
            // Keep the length the GET would have had, as HEAD promises.
            let exact = http_body::Body::size_hint(response.body()).exact();
            if let Some(len) = exact.filter(|_| !response.headers().contains_key(CONTENT_LENGTH)) {
                response.headers_mut().insert(CONTENT_LENGTH, len.into());
            }
            *response.body_mut() = Body::empty();
        }
        response
    }
}

impl H3 {
    /// Finds what serves `event`: a WebSocket handshake goes to the
    /// WebSocket routes first; a plain request to a WebSocket-only path is
    /// told to upgrade.
    fn route(&self, event: &mut H3Event) -> Endpoint {
        let upgrade = !self.websockets.is_empty()
            && event.method() == Method::GET
            && is_upgrade_request(event.headers());
        if upgrade {
            if let RouteMatch::Found {
                value,
                params,
                pattern,
            } = self.ws_router.find(event.method(), event.path())
            {
                event.set_route(params, pattern.clone());
                return Endpoint::Handler(value.clone());
            }
        }
        let found = self.router.find(event.method(), event.path());
        let endpoint = match found {
            RouteMatch::Found {
                value: handler,
                params,
                pattern,
            } => {
                event.set_route(params, pattern.clone());
                return Endpoint::Handler(handler.clone());
            }
            RouteMatch::MethodNotAllowed { allow } => Endpoint::MethodNotAllowed(allow.into()),
            RouteMatch::NotFound => Endpoint::NotFound,
        };
        if self.websockets.is_empty() {
            return endpoint;
        }
        let is_get = matches!(*event.method(), Method::GET | Method::HEAD);
        match self.ws_router.find(&Method::GET, event.path()) {
            RouteMatch::Found { .. } if is_get => Endpoint::UpgradeRequired,
            RouteMatch::Found { .. } => {
                let mut allow = match endpoint {
                    Endpoint::MethodNotAllowed(allow) => allow.to_vec(),
                    _ => Vec::new(),
                };
                for method in [Method::GET, Method::HEAD] {
                    if !allow.contains(&method) {
                        allow.push(method);
                    }
                }
                allow.sort_by(|a, b| a.as_str().cmp(b.as_str()));
                Endpoint::MethodNotAllowed(allow.into())
            }
            _ => endpoint,
        }
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("<non-string panic>")
}
