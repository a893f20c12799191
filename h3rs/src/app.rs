//! `H3`: the app. Routes, middleware, hooks, state, and `handle`.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};

use http::header::{ALLOW, CONTENT_LENGTH, HeaderValue};
use http::{Method, Uri};

use crate::Request;
use crate::body::Body;
use crate::config::{Config, Mounted, Scope};
use crate::error::{HttpError, RenderedError};
use crate::event::{Connection, H3Event};
use crate::handler::Handler;
use crate::layer::{self, InnerService, LayerFn, LayeredService};
use crate::middleware::{Endpoint, Middleware, MiddlewareEntry, Next};
use crate::path_scope::PathScope;
use crate::pubsub::{Hub, Payload, PubSub};
use crate::register::Register;
use crate::requirements::Requirements;
use crate::responding::{After, Pipeline, Responding};
use crate::response::Response;
use crate::router::{RouteMatch, Router, Slot, join_pattern};
use crate::upgrade::{is_upgrade_request, upgrade_required};
#[cfg(feature = "ws")]
use crate::ws::handshake::WebSocketRoute;
#[cfg(feature = "ws")]
use crate::ws::{Peers, WebSocket, WsOptions};

/// The default request body limit: 1 MiB.
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
    pub method: Method,
    /// The request URI.
    pub uri: Uri,
}

type RequestHook = dyn Fn(&mut H3Event) + Send + Sync;
type ResponseHook = dyn Fn(&RequestInfo, &mut Response) + Send + Sync;
type ErrorHook = dyn Fn(&HttpError, &RequestInfo) -> Option<Response> + Send + Sync;

/// A hook and the paths it applies to (a mounted app's hooks apply under its prefix).
struct Hook<F: ?Sized> {
    scope: PathScope,
    hook: Arc<F>,
}

// By hand: the derive would ask `F: Clone`, which no `dyn Fn` is.
impl<F: ?Sized> Clone for Hook<F> {
    fn clone(&self) -> Self {
        Hook {
            scope: self.scope.clone(),
            hook: self.hook.clone(),
        }
    }
}

impl<F: ?Sized> Hook<F> {
    fn everywhere(hook: Arc<F>) -> Self {
        Hook {
            scope: PathScope::everywhere(),
            hook,
        }
    }

    fn under(&self, prefix: &str) -> Self {
        Hook {
            scope: self.scope.under(prefix),
            hook: self.hook.clone(),
        }
    }
}

/// What the router finds for a path and slot: the handler, and the configs of the apps
/// it was mounted through.
struct Route {
    handler: Arc<dyn Handler>,
    mounted: Option<Mounted>,
    /// The layers of the apps it was mounted through, innermost first; `handler` is already
    /// under them. The router's 405 and 426 for its path go through them too (a CORS
    /// preflight on a group's route reaches the group's CORS layer).
    layers: Arc<[LayerFn]>,
}

/// A registered route, kept to list routes, mount them elsewhere and check them.
#[derive(Clone)]
struct RouteRecord {
    slot: Slot,
    pattern: Arc<str>,
    route: Arc<Route>,
}

impl RouteRecord {
    fn describe(&self) -> String {
        match &self.slot {
            Slot::Method(method) => format!("{method} {}", self.pattern),
            Slot::Any => format!("* {}", self.pattern),
            Slot::Upgrade => format!("WebSocket {}", self.pattern),
        }
    }
}

/// What is wrong with an app, found before it serves: each route that asks for a
/// [`State<T>`](crate::State) the app was never given.
///
/// [`Server::bind`](crate::Server::bind) (and so [`serve`](fn@crate::serve) and `serve!`)
/// refuses to start such an app; [`H3::check`] finds the same problems in a test.
///
/// ```
/// use h3rs::{H3, H3Event, Register, Requirements};
///
/// #[derive(Clone)]
/// struct Db;
///
/// // What `#[get("/users")] async fn users(db: State<Db>)` declares.
/// struct Users;
/// impl h3rs::Handler for Users {
///     fn call(&self, _: H3Event) -> h3rs::BoxFuture<'static, h3rs::Response> {
///         Box::pin(async { h3rs::IntoResponse::into_response("[]") })
///     }
///     fn requires(&self, needs: &mut Requirements) {
///         needs.state::<Db>();
///     }
/// }
///
/// let app = H3::new().get("/users", Users);
/// let err = app.check().unwrap_err();
/// assert!(err.to_string().contains("GET /users"));
/// assert!(H3::new().get("/users", Users).state(Db).check().is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct AppError {
    problems: Vec<String>,
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.problems.join("; "))
    }
}

impl std::error::Error for AppError {}

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
    /// Clones are cheap: a served app is shared by every connection and request.
    app: Arc<App>,
    /// The app under its own [`layers`](H3::layer), built once on first use: a layer
    /// wraps the whole app, so the stack holds a clone of `app`.
    layered: OnceLock<InnerService>,
}

/// What an app is made of, shared behind [`H3`]'s `Arc` (copied on write by the builder).
#[derive(Clone)]
pub(crate) struct App {
    routes: Vec<RouteRecord>,
    /// One table for every route: method entries and WebSocket upgrade entries side by side.
    router: Router<Arc<Route>>,
    middleware: Arc<Vec<MiddlewareEntry>>,
    on_request: Vec<Hook<RequestHook>>,
    on_response: Vec<Hook<ResponseHook>>,
    on_error: Vec<Hook<ErrorHook>>,
    /// Tower layers, innermost first: around the whole app when it is served, around each
    /// of its routes when it is mounted.
    layers: Vec<LayerFn>,
    config: Arc<Config>,
    hub: Hub,
    #[cfg(feature = "ws")]
    peers: Peers,
}

impl Default for H3 {
    fn default() -> Self {
        H3::new()
    }
}

impl std::fmt::Debug for H3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let app = &self.app;
        let routes: Vec<String> = app.routes.iter().map(RouteRecord::describe).collect();
        f.debug_struct("H3")
            .field("routes", &routes)
            .field("middleware", &app.middleware.len())
            .field("layers", &app.layers.len())
            .field("config", &app.config)
            .finish_non_exhaustive()
    }
}

macro_rules! method_shortcuts {
    ($($name:ident => $method:ident),* $(,)?) => {$(
        #[doc = concat!("Adds a `", stringify!($method), "` route. See [`H3::on`].")]
        pub fn $name(self, path: &str, handler: impl Handler) -> Self {
            self.on(Method::$method, path, handler)
        }
    )*};
}

impl H3 {
    /// An empty app.
    pub fn new() -> Self {
        let app = App {
            routes: Vec::new(),
            router: Router::new(),
            middleware: Arc::new(Vec::new()),
            on_request: Vec::new(),
            on_response: Vec::new(),
            on_error: Vec::new(),
            layers: Vec::new(),
            config: Arc::new(Config::default()),
            hub: Hub::new(),
            #[cfg(feature = "ws")]
            peers: Peers::new(),
        };
        H3 {
            app: Arc::new(app),
            layered: OnceLock::new(),
        }
    }

    /// The app's parts, to change them: copied first if a clone of the app shares them.
    fn app_mut(&mut self) -> &mut App {
        // The layer stack holds a clone of `app`: drop it first, or every change would copy.
        self.layered = OnceLock::new();
        Arc::make_mut(&mut self.app)
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

    fn add_route(self, method: Option<Method>, path: &str, handler: Arc<dyn Handler>) -> Self {
        let route = Route {
            handler,
            mounted: None,
            layers: Arc::new([]),
        };
        self.insert(Slot::from(method), path, Arc::new(route))
    }

    fn insert(mut self, slot: Slot, path: &str, route: Arc<Route>) -> Self {
        let app = self.app_mut();
        if let Err(e) = app.router.insert(slot.clone(), path, route.clone()) {
            panic!("{e}");
        }
        let pattern: Arc<str> = Arc::from(path);
        app.routes
            .retain(|r| !(r.slot == slot && r.pattern == pattern));
        app.routes.push(RouteRecord {
            slot,
            pattern,
            route,
        });
        self
    }

    /// Adds a WebSocket route: a `GET` with `Upgrade: websocket` on `path`
    /// runs the handshake and then `handler`'s hooks. It is the upgrade entry of
    /// the path in the app's one router, beside its method routes: a plain `GET`
    /// on the same path is answered 426 Upgrade Required, unless a normal `GET`
    /// route is registered there too, which then serves it (a chat page and its
    /// socket can share `/`, as H3's `defineWebSocketHandler(hooks, http)` does).
    /// Middleware runs before the handshake.
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
    #[cfg(feature = "ws")]
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
    #[cfg(feature = "ws")]
    pub fn websocket_with(self, path: &str, handler: impl WebSocket, options: WsOptions) -> Self {
        let route = WebSocketRoute {
            handler: Arc::new(handler),
            options: Some(Arc::new(options)),
        };
        self.add_websocket_route(path, Arc::new(route))
    }

    /// Sets the WebSocket limits and timings of every route that does not set its own.
    #[cfg(feature = "ws")]
    pub fn websocket_options(mut self, options: WsOptions) -> Self {
        Arc::make_mut(&mut self.app_mut().config).ws = Some(Arc::new(options));
        self
    }

    #[cfg(feature = "ws")]
    fn add_websocket_route(self, path: &str, handler: Arc<dyn Handler>) -> Self {
        let route = Route {
            handler,
            mounted: None,
            layers: Arc::new([]),
        };
        self.insert(Slot::Upgrade, path, Arc::new(route))
    }

    /// The app's pub/sub hub: clone it to publish from tasks and state.
    pub fn hub(&self) -> &Hub {
        &self.app.hub
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
        hub.absorb(&self.app.hub);
        self.app_mut().hub = hub;
        self
    }

    /// The WebSocket peers connected to the app (and to the apps mounted on it): clone it to
    /// list or count them from anywhere.
    #[cfg(feature = "ws")]
    pub fn peers(&self) -> &Peers {
        &self.app.peers
    }

    /// Publishes `message` to every subscriber of `topic` (WebSocket peers
    /// and SSE streams); returns how many it reached (a replay log is not a subscriber).
    pub fn publish(&self, topic: &str, message: impl Into<Payload>) -> usize {
        self.app.hub.publish(topic, message)
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

    /// Mounts another app (or a group of routes) under `prefix`.
    ///
    /// - Its routes are served under `prefix`, in this app's one router.
    /// - Its middleware and its `on_request` / `on_response` / `on_error` hooks apply to
    ///   paths under `prefix` only, and run where it was mounted in this app's chain.
    /// - Its state and settings (body limit, WebSocket and SSE options) are seen by its own
    ///   routes first; where it has none, they see this app's. They never replace this
    ///   app's: this app's routes do not see them.
    /// - It shares this app's pub/sub hub: subscriptions made on its hub before the mount
    ///   (a [`TopicReplay`](crate::sse::TopicReplay), say) move to this one, and its hub
    ///   handles publish here from then on.
    /// - Its [layers](H3::layer) wrap each of its routes, after routing and this app's
    ///   middleware, and the router's 405 and 426 on their paths: they see the requests of
    ///   its routes only (a request meets the router once).
    ///
    /// ```
    /// use h3rs::{H3, H3Event};
    /// let api = H3::new().get("/users", |_: H3Event| async { "[]" });
    /// let app = H3::new().mount("/api", api); // GET /api/users
    /// # let _ = app;
    /// ```
    pub fn mount(mut self, prefix: &str, other: impl Into<H3>) -> Self {
        let other: H3 = other.into();
        let other = &*other.app;
        let config = other.config.clone();
        for record in &other.routes {
            let mounted: Vec<Arc<Config>> = record
                .route
                .mounted
                .iter()
                .flat_map(|mounted| mounted.iter().cloned())
                .chain(std::iter::once(config.clone()))
                .collect();
            let layers: Arc<[LayerFn]> = if other.layers.is_empty() {
                record.route.layers.clone()
            } else {
                record
                    .route
                    .layers
                    .iter()
                    .chain(&other.layers)
                    .cloned()
                    .collect()
            };
            let route = Route {
                handler: layer::wrap_handler(record.route.handler.clone(), &other.layers),
                mounted: Some(mounted.into()),
                layers,
            };
            let pattern = join_pattern(prefix, &record.pattern);
            self = self.insert(record.slot.clone(), &pattern, Arc::new(route));
        }
        let scoped = other.middleware.iter().map(|entry| MiddlewareEntry {
            scope: entry.scope.under(prefix),
            middleware: entry.middleware.clone(),
        });
        let app = self.app_mut();
        Arc::make_mut(&mut app.middleware).extend(scoped);
        app.on_request
            .extend(other.on_request.iter().map(|hook| hook.under(prefix)));
        app.on_response
            .extend(other.on_response.iter().map(|hook| hook.under(prefix)));
        app.on_error
            .extend(other.on_error.iter().map(|hook| hook.under(prefix)));
        // One hub and one peer registry per served app, whatever was made on the sub-app's.
        app.hub.absorb(&other.hub);
        #[cfg(feature = "ws")]
        app.peers.absorb(&other.peers);
        self
    }

    /// `self.register(other)` for a whole app: `other` itself when `self` has nothing yet,
    /// so that `serve!(app)` serves `app` with its layers around everything (404s too);
    /// else `other` mounted at the root.
    pub(crate) fn merge(self, other: H3) -> H3 {
        if !self.app.is_blank() {
            return self.mount("/", other);
        }
        // As `mount` does: this app's hub (and its backend) and peer registry serve both;
        // `other`'s act as them from now on.
        self.app.hub.absorb(&other.app.hub);
        #[cfg(feature = "ws")]
        self.app.peers.absorb(&other.app.peers);
        other
    }

    /// Wraps the app in a tower [`Layer`](tower_layer::Layer): tower-http's `CorsLayer`,
    /// `CompressionLayer`, `TraceLayer`, `TimeoutLayer`, `RequestBodyLimitLayer`,
    /// `SetResponseHeaderLayer`, or any other.
    ///
    /// - Served ([`serve`](fn@crate::serve), `serve!`, [`TestClient`](crate::test::TestClient),
    ///   [`H3::handle`], or as a tower `Service`), the layers wrap the whole app: every
    ///   request meets them, 404s included, before hooks, middleware and routing.
    /// - [Mounted](H3::mount) on another app, they wrap each of this app's routes, after
    ///   routing, and the router's 405 and 426 on those routes' paths (so a mounted app's
    ///   `CorsLayer` answers the preflights of its routes): they do not see the other app's
    ///   routes, nor its 404s.
    /// - Each call wraps what is there: `.layer(a).layer(b)` runs `b` first. Where a layer
    ///   is added among the routes does not matter: it wraps all of them.
    ///
    /// WebSocket and server-sent event routes work under layers: the handshake's
    /// upgrade passes through, and a stream flows event by event (tower-http's compression
    /// leaves `text/event-stream` alone; a timeout bounds the time to the response head,
    /// not a stream's life). A layer's error (tower's `Timeout`, say) is logged and
    /// answered 500. An app without layers pays nothing for them.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use h3rs::{Body, H3, H3Event};
    /// use tower_layer::layer_fn;
    ///
    /// // Any `tower::Layer`; this one is written by hand and adds a response header.
    /// #[derive(Clone)]
    /// struct PoweredBy<S>(S);
    ///
    /// impl<S, B> tower_service::Service<h3rs::http::Request<B>> for PoweredBy<S>
    /// where
    ///     S: tower_service::Service<h3rs::http::Request<B>, Response = h3rs::Response>,
    ///     S::Future: Send + 'static,
    /// {
    ///     type Response = h3rs::Response;
    ///     type Error = S::Error;
    ///     type Future = h3rs::BoxFuture<'static, Result<h3rs::Response, S::Error>>;
    ///
    ///     fn poll_ready(
    ///         &mut self,
    ///         cx: &mut std::task::Context<'_>,
    ///     ) -> std::task::Poll<Result<(), S::Error>> {
    ///         self.0.poll_ready(cx)
    ///     }
    ///
    ///     fn call(&mut self, request: h3rs::http::Request<B>) -> Self::Future {
    ///         let response = self.0.call(request);
    ///         Box::pin(async move {
    ///             let mut response = response.await?;
    ///             response.headers_mut().insert("x-powered-by", "h3rs".parse().unwrap());
    ///             Ok(response)
    ///         })
    ///     }
    /// }
    ///
    /// let app = H3::new()
    ///     .get("/", |_: H3Event| async { "hi" })
    ///     .layer(layer_fn(PoweredBy));
    /// let res = app.handle(h3rs::Request::new(Body::empty())).await;
    /// assert_eq!(res.headers()["x-powered-by"], "h3rs");
    /// let missing = h3rs::http::Request::builder().uri("/nope").body(Body::empty()).unwrap();
    /// assert_eq!(app.handle(missing).await.headers()["x-powered-by"], "h3rs");
    /// # }
    /// ```
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: tower_layer::Layer<InnerService> + Send + Sync + 'static,
        L::Service: LayeredService,
    {
        self.app_mut().layers.push(layer::layer_fn(layer));
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
        Arc::make_mut(&mut self.app_mut().middleware).push(MiddlewareEntry {
            scope: PathScope::everywhere(),
            middleware: Arc::new(middleware),
        });
        self
    }

    /// Adds middleware that runs only for paths matching `pattern`
    /// (a route pattern: `/api/**` covers `/api` and everything under it).
    pub fn middleware_at(mut self, pattern: &str, middleware: impl Middleware) -> Self {
        Arc::make_mut(&mut self.app_mut().middleware).push(MiddlewareEntry {
            scope: PathScope::at(pattern),
            middleware: Arc::new(middleware),
        });
        self
    }

    /// Runs `hook` on every request before middleware and routing.
    pub fn on_request(mut self, hook: impl Fn(&mut H3Event) + Send + Sync + 'static) -> Self {
        self.app_mut()
            .on_request
            .push(Hook::everywhere(Arc::new(hook)));
        self
    }

    /// Runs `hook` on every response before it is sent.
    pub fn on_response(
        mut self,
        hook: impl Fn(&RequestInfo, &mut Response) + Send + Sync + 'static,
    ) -> Self {
        self.app_mut()
            .on_response
            .push(Hook::everywhere(Arc::new(hook)));
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
        self.app_mut()
            .on_error
            .push(Hook::everywhere(Arc::new(hook)));
        self
    }

    /// Gives the app state, read by the [`State`](crate::State) extractor
    /// and [`H3Event::state`] in its routes (and in those of the apps mounted on
    /// it that have no state of that type). One value per type: a second value of
    /// a type replaces the first.
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        Arc::make_mut(&mut self.app_mut().config).insert_state(value);
        self
    }

    /// Sets the request body limit in bytes (default 1 MiB); a larger body
    /// is answered 413.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        Arc::make_mut(&mut self.app_mut().config).body_limit = Some(bytes);
        self
    }

    /// Sets the keep-alive and queue size of the app's server-sent event streams
    /// (a route may set its own keep-alive).
    #[cfg(feature = "sse")]
    pub fn sse_options(mut self, options: crate::sse::SseOptions) -> Self {
        Arc::make_mut(&mut self.app_mut().config).sse = Some(options);
        self
    }

    /// The routes, as `(method, pattern)`; `None` is any method.
    pub fn routes(&self) -> impl Iterator<Item = (Option<&Method>, &str)> {
        self.app.routes.iter().filter_map(|r| match &r.slot {
            Slot::Method(method) => Some((Some(method), &*r.pattern)),
            Slot::Any => Some((None, &*r.pattern)),
            Slot::Upgrade => None,
        })
    }

    /// Checks that every route can be served: each [`State<T>`](crate::State) a route asks
    /// for was given to the app (or to the mounted app the route belongs to).
    /// [`Server::bind`](crate::Server::bind) runs this check and refuses to start an app
    /// that fails it; call it from a test to learn the same without a socket.
    ///
    /// ```
    /// use h3rs::prelude::*;
    ///
    /// #[derive(Clone)]
    /// struct Greeting(&'static str);
    ///
    /// #[get("/")]
    /// async fn hello(State(greeting): State<Greeting>) -> &'static str {
    ///     greeting.0
    /// }
    ///
    /// let err = H3::new().register(hello).check().unwrap_err();
    /// assert!(err.to_string().contains("GET /"));
    /// assert!(err.to_string().contains("Greeting"));
    /// assert!(H3::new().register(hello).state(Greeting("hi")).check().is_ok());
    /// ```
    pub fn check(&self) -> Result<(), AppError> {
        let mut problems = Vec::new();
        let app = &*self.app;
        for record in &app.routes {
            let mut needs = Requirements::default();
            record.route.handler.requires(&mut needs);
            let scope = Scope {
                app: app.config.clone(),
                mounted: record.route.mounted.clone(),
            };
            for (id, name) in needs.states() {
                if !scope.has_state(id) {
                    problems.push(format!(
                        "route {} asks for State<{name}>, which the app was never given: \
                         add `.state(value)` of that type to the app",
                        record.describe()
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(AppError { problems })
        }
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
        let (parts, body) = request.into_parts();
        self.serve(parts, body, None).await
    }

    /// [`H3::handle`], for a request that came on a served connection: through the app's
    /// layers if it has any. The request comes in its parts, which go into the event without
    /// being put together as a `Request` first (a copy of some 250 bytes less per request).
    #[inline]
    pub(crate) fn serve(
        &self,
        mut parts: http::request::Parts,
        body: Body,
        connection: Option<Arc<Connection>>,
    ) -> Responding {
        match self.layered() {
            None => self.app.serve_request(parts, body, connection),
            Some(stack) => {
                if let Some(connection) = connection {
                    parts.extensions.insert(connection);
                }
                let request = Request::from_parts(parts, body);
                Responding::new(Pipeline::Running(stack.call_erased(request)), None)
            }
        }
    }

    /// The app under its layers, or `None` without layers.
    pub(crate) fn layered(&self) -> Option<&InnerService> {
        if self.app.layers.is_empty() {
            return None;
        }
        Some(
            self.layered
                .get_or_init(|| layer::stack(layer::app_core(self.app.clone()), &self.app.layers)),
        )
    }
}

impl App {
    /// Whether nothing was added to the app yet (a fresh `H3::new()`).
    fn is_blank(&self) -> bool {
        let config = &*self.config;
        let settings = config.state_types.is_empty() && config.body_limit.is_none();
        #[cfg(feature = "ws")]
        let settings = settings && config.ws.is_none();
        #[cfg(feature = "sse")]
        let settings = settings && config.sse.is_none();
        settings
            && self.routes.is_empty()
            && self.middleware.is_empty()
            && self.on_request.is_empty()
            && self.on_response.is_empty()
            && self.on_error.is_empty()
            && self.layers.is_empty()
    }

    /// The pipeline inside the app's layers: hooks, middleware, routing, the handler.
    ///
    /// Everything up to the call of the handler (or the first middleware) runs now, when the
    /// request arrives; the [`Responding`] future holds only the handler's future, and the
    /// response hooks and the `HEAD` rule in a box of their own when there are any.
    #[inline]
    pub(crate) fn serve_request(
        self: &Arc<Self>,
        parts: http::request::Parts,
        body: Body,
        connection: Option<Arc<Connection>>,
    ) -> Responding {
        let mut event = H3Event::new(
            parts,
            body,
            self.config.clone(),
            self.hub.clone(),
            #[cfg(feature = "ws")]
            self.peers.clone(),
            connection,
        );
        let is_head = event.method() == Method::HEAD;
        let hooks = (!self.on_response.is_empty() || !self.on_error.is_empty()).then(|| {
            let info = RequestInfo {
                method: event.method().clone(),
                uri: event.uri().clone(),
            };
            (self.clone(), info)
        });
        let after = (hooks.is_some() || is_head).then(|| -> After {
            Box::new(move |mut response| {
                if let Some((app, info)) = &hooks {
                    app.after(info, &mut response);
                }
                if is_head {
                    head_response(&mut response);
                }
                response
            })
        });
        for Hook { scope, hook } in &self.on_request {
            if scope.applies_to(event.method(), event.path()) {
                hook(&mut event);
            }
        }
        let routed = self.route(&mut event);
        // The handler (or the first middleware) is called here, so a panic in its
        // synchronous part is caught here; one while it runs, by `Responding`.
        match std::panic::catch_unwind(AssertUnwindSafe(|| match routed {
            // Without middleware the route's handler is called where the table holds it.
            Routed::Route(handler) if self.middleware.is_empty() => {
                Pipeline::Running(handler.call(event))
            }
            Routed::Route(handler) => {
                Next::new(self.middleware.clone(), Endpoint::Handler(handler.clone())).start(event)
            }
            Routed::Other(endpoint) => Next::new(self.middleware.clone(), endpoint).start(event),
        })) {
            Ok(pipeline) => Responding::new(pipeline, after),
            Err(panic) => Responding::panicked(panic),
        }
    }

    /// The `on_error` and `on_response` hooks, once the pipeline has answered.
    fn after(&self, info: &RequestInfo, response: &mut Response) {
        if let Some(RenderedError(err)) = response.extensions().get::<RenderedError>().cloned() {
            let replaced = self
                .on_error
                .iter()
                .filter(|hook| hook.scope.applies_to(&info.method, info.uri.path()))
                .find_map(|hook| (hook.hook)(&err, info));
            if let Some(replaced) = replaced {
                *response = replaced;
            }
        }
        for Hook { scope, hook } in &self.on_response {
            if scope.applies_to(&info.method, info.uri.path()) {
                hook(info, response);
            }
        }
    }
}

impl App {
    /// Finds what serves `event`, in one match of the router: a handshake prefers the
    /// path's upgrade entry, anything else its method entries.
    fn route(&self, event: &mut H3Event) -> Routed<'_> {
        let parts = event.parts();
        match self
            .router
            .find_request(&parts.method, event.path(), || is_upgrade_request(parts))
        {
            RouteMatch::Found {
                value,
                params,
                pattern,
            } => {
                event.set_route(params, pattern.clone(), value.mounted.clone());
                Routed::Route(&value.handler)
            }
            RouteMatch::MethodNotAllowed { allow } => {
                let err = method_not_allowed(event, &allow);
                Routed::Other(self.refusal(event.path(), &allow, err))
            }
            RouteMatch::UpgradeRequired => Routed::Other(self.refusal(
                event.path(),
                &[],
                upgrade_required(event.parts().version),
            )),
            RouteMatch::NotFound => Routed::Other(Endpoint::Error(HttpError::not_found(format!(
                "Cannot find any route matching [{}] {}",
                event.method(),
                event.path()
            )))),
        }
    }
}

/// What the router found for a request: a route's handler, borrowed from the table, or what
/// answers instead (a refusal, under a route's layers when it has some).
enum Routed<'a> {
    Route(&'a Arc<dyn Handler>),
    Other(Endpoint),
}

impl App {
    /// The router's refusal of a path it knows (405, 426), under the layers of a route of
    /// that path when it was mounted with some: a mounted app's layers see its paths' 405s.
    fn refusal(&self, path: &str, allow: &[Method], err: HttpError) -> Endpoint {
        // A second lookup, on this path only: the router's answer had no route to give.
        let near = std::iter::once((&Method::GET, true))
            .chain(allow.iter().map(|method| (method, false)))
            .find_map(|(method, upgrade)| {
                match self.router.find_request(method, path, || upgrade) {
                    RouteMatch::Found { value, .. } => Some(value),
                    _ => None,
                }
            });
        match near.filter(|route| !route.layers.is_empty()) {
            Some(route) => Endpoint::Handler(layer::refusal(err, &route.layers)),
            None => Endpoint::Error(err),
        }
    }
}

fn method_not_allowed(event: &H3Event, allow: &[Method]) -> HttpError {
    let list = allow
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let err = HttpError::new(
        http::StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "Method {} is not allowed on {}",
            event.method(),
            event.path()
        ),
    );
    match HeaderValue::try_from(list) {
        Ok(value) => err.with_header(ALLOW, value),
        Err(_) => err,
    }
}

/// A `HEAD` answer: the headers of the `GET`, with the length it would have had, and no body.
fn head_response(response: &mut Response) {
    let exact = http_body::Body::size_hint(response.body()).exact();
    if let Some(len) = exact.filter(|_| !response.headers().contains_key(CONTENT_LENGTH)) {
        response.headers_mut().insert(CONTENT_LENGTH, len.into());
    }
    *response.body_mut() = Body::empty();
}
