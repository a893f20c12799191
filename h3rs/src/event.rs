//! `H3Event`: one request as handlers and middleware see it.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;

use bytes::Bytes;
use http::request::Parts;
use http::{Extensions, HeaderMap, Method, StatusCode, Uri};
use http_body_util::{BodyExt, Limited};

use crate::Request;
use crate::body::Body;
use crate::config::{Config, Mounted, Scope};
use crate::error::HttpError;
use crate::pubsub::Hub;
use crate::router::Params;
#[cfg(feature = "ws")]
use crate::ws::Peers;

/// The client's address, as a handler parameter. It exists only when the app
/// is served over a socket: take `Option<RemoteAddr>` in handlers that are
/// also called through [`H3::handle`](crate::H3::handle), where it is `None`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use h3rs::prelude::*;
/// use h3rs::RemoteAddr;
///
/// #[get("/ip")]
/// async fn ip(addr: Option<RemoteAddr>) -> String {
///     addr.map_or("unknown".into(), |RemoteAddr(addr)| addr.ip().to_string())
/// }
///
/// let app = H3::new().register(ip);
/// let req = h3rs::http::Request::builder().uri("/ip").body(h3rs::Body::empty()).unwrap();
/// let body = http_body_util::BodyExt::collect(app.handle(req).await.into_body()).await;
/// assert_eq!(body.unwrap().to_bytes(), "unknown");
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RemoteAddr(
    /// The address and port the client connected from.
    ///
    /// ```
    /// use h3rs::RemoteAddr;
    /// let RemoteAddr(addr) = RemoteAddr(([127, 0, 0, 1], 51234).into());
    /// assert!(addr.ip().is_loopback());
    /// ```
    pub SocketAddr,
);

/// What the server knows of the connection a request came on. Kept out of
/// the request's extensions so that serving a request allocates no map.
#[derive(Debug)]
pub(crate) struct Connection {
    pub remote: SocketAddr,
    pub shutdown: crate::Shutdown,
    /// A body limit for the whole server
    /// ([`ServeOptions::body_limit`](crate::ServeOptions::body_limit)); it
    /// overrides the app's own.
    pub body_limit: Option<usize>,
}

/// An event without its request, while tower layers hold the request.
#[derive(Clone, Debug)]
pub(crate) struct EventRest {
    params: Params,
    pattern: Option<Arc<str>>,
    scope: Scope,
    context: Extensions,
    hub: Hub,
    #[cfg(feature = "ws")]
    peers: Peers,
    connection: Option<Arc<Connection>>,
    body_taken: bool,
}

/// One request: its head, its body (until read), the matched route's
/// parameters, the app's state, and a per-request typed context.
///
/// Handlers written with the route macros take `&H3Event` as a parameter when
/// they need it; middleware receives it by value.
///
/// ```
/// # async fn demo() {
/// use h3rs::{H3, H3Event};
/// async fn who(event: H3Event) -> String {
///     format!("{} {}", event.method(), event.path())
/// }
/// let app = H3::new().get("/who", who);
/// let res = app.handle(h3rs::Request::new(h3rs::Body::empty())).await;
/// # let _ = res;
/// # }
/// ```
#[derive(Debug)]
pub struct H3Event {
    parts: Parts,
    body: Option<Unshared<Body>>,
    params: Params,
    pattern: Option<Arc<str>>,
    scope: Scope,
    context: Extensions,
    hub: Hub,
    #[cfg(feature = "ws")]
    peers: Peers,
    connection: Option<Arc<Connection>>,
}

impl H3Event {
    #[inline]
    pub(crate) fn new(
        parts: Parts,
        body: Body,
        app: Arc<Config>,
        hub: Hub,
        #[cfg(feature = "ws")] peers: Peers,
        connection: Option<Arc<Connection>>,
    ) -> Self {
        H3Event {
            parts,
            body: Some(Unshared(body)),
            params: Params::default(),
            pattern: None,
            scope: Scope { app, mounted: None },
            context: Extensions::new(),
            hub,
            #[cfg(feature = "ws")]
            peers,
            connection,
        }
    }

    /// Splits the event into its request, for tower layers, and the rest, to rebuild it
    /// with [`H3Event::from_request`] once the layers hand the request on.
    pub(crate) fn into_request(self) -> (Request, EventRest) {
        let body_taken = self.body.is_none();
        let body = self.body.map_or_else(Body::empty, |body| body.0);
        let rest = EventRest {
            params: self.params,
            pattern: self.pattern,
            scope: self.scope,
            context: self.context,
            hub: self.hub,
            #[cfg(feature = "ws")]
            peers: self.peers,
            connection: self.connection,
            body_taken,
        };
        (http::Request::from_parts(self.parts, body), rest)
    }

    pub(crate) fn from_request(request: Request, rest: EventRest) -> Self {
        let (parts, body) = request.into_parts();
        H3Event {
            parts,
            body: (!rest.body_taken).then_some(Unshared(body)),
            params: rest.params,
            pattern: rest.pattern,
            scope: rest.scope,
            context: rest.context,
            hub: rest.hub,
            #[cfg(feature = "ws")]
            peers: rest.peers,
            connection: rest.connection,
        }
    }

    /// Removes a value the server put into the request's extensions (the
    /// connection's upgrade handle, its shutdown signal).
    #[cfg(feature = "ws")]
    pub(crate) fn take_extension<T: Clone + Send + Sync + 'static>(&mut self) -> Option<T> {
        self.parts.extensions.remove::<T>()
    }

    pub(crate) fn set_route(
        &mut self,
        params: Params,
        pattern: Arc<str>,
        mounted: Option<Mounted>,
    ) {
        self.params = params;
        self.pattern = Some(pattern);
        self.scope.mounted = mounted;
    }

    /// The WebSocket settings of the matched route's app.
    #[cfg(feature = "ws")]
    pub(crate) fn ws_options(&self) -> &Arc<crate::ws::WsOptions> {
        self.scope.ws_options()
    }

    /// The server-sent event settings of the matched route's app.
    #[cfg(feature = "sse")]
    pub(crate) fn sse_options(&self) -> &crate::sse::SseOptions {
        self.scope.sse_options()
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        &self.parts.method
    }

    /// The request URI as received.
    pub fn uri(&self) -> &Uri {
        &self.parts.uri
    }

    /// The path of the URI, without the query.
    pub fn path(&self) -> &str {
        self.parts.uri.path()
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// The request headers, to change them before the handler runs (middleware).
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.parts.headers
    }

    /// The request head: method, URI, version, headers and extensions.
    pub fn parts(&self) -> &Parts {
        &self.parts
    }

    /// The pattern of the route that matched (`/users/:id`), if one did.
    ///
    /// Group metrics and logs by it rather than by the path, which varies with each parameter value.
    pub fn matched_route(&self) -> Option<&str> {
        self.pattern.as_deref()
    }

    /// The route parameters: `:name`, `**:name`, and `_0`, `_1`... for `*`, `_` for `**`.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Parses a route parameter with `FromStr`. A missing parameter or a
    /// value that does not parse is a 400 naming the parameter and the
    /// expected type.
    ///
    /// ```
    /// # async fn demo() {
    /// use h3rs::{H3, H3Event, HttpError};
    /// let app = H3::new().get("/users/:id", |event: H3Event| async move {
    ///     let id: u64 = event.param("id")?;
    ///     Ok::<_, HttpError>(format!("user {id}"))
    /// });
    /// # let _ = app;
    /// # }
    /// ```
    pub fn param<T: FromStr>(&self, name: &str) -> Result<T, HttpError> {
        let raw = self
            .params
            .get(name)
            .ok_or_else(|| HttpError::bad_request(format!("Missing path parameter `{name}`")))?;
        raw.parse().map_err(|_| {
            HttpError::bad_request(format!(
                "Invalid path parameter `{name}`: expected {}, got {raw:?}",
                short_type_name::<T>()
            ))
        })
    }

    /// The query string parsed into `T` (serde); a mismatch is a 400 with serde's message.
    ///
    /// ```
    /// # fn demo(event: &h3rs::H3Event) -> Result<(), h3rs::HttpError> {
    /// #[derive(serde::Deserialize)]
    /// struct Page { page: Option<u32> }
    /// let page: Page = event.query()?;
    /// # let _ = page; Ok(())
    /// # }
    /// ```
    pub fn query<T: serde::de::DeserializeOwned>(&self) -> Result<T, HttpError> {
        let query = self.parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query)
            .map_err(|e| HttpError::bad_request(format!("Invalid query: {e}")))
    }

    /// State of type `T`, given to [`H3::state`](crate::H3::state): of the mounted app that has
    /// the matched route if it has one of that type, else of the app it was mounted on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use h3rs::{Body, H3, H3Event};
    /// use http_body_util::BodyExt;
    /// #[derive(Clone)]
    /// struct Config { greeting: &'static str }
    /// let app = H3::new()
    ///     .state(Config { greeting: "hello" })
    ///     .get("/", |event: H3Event| async move {
    ///         event.state::<Config>().map_or("no config", |config| config.greeting)
    ///     });
    /// let res = app.handle(h3rs::Request::new(Body::empty())).await;
    /// assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "hello");
    /// # }
    /// ```
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.scope.state::<T>()
    }

    /// Per-request typed context (H3's `event.context`): middleware puts
    /// values in, handlers read them.
    pub fn context(&self) -> &Extensions {
        &self.context
    }

    /// Per-request typed context, mutable.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use h3rs::{Body, H3, H3Event, Next};
    /// use http_body_util::BodyExt;
    /// #[derive(Clone)]
    /// struct RequestId(u64);
    /// let app = H3::new()
    ///     .middleware(|mut event: H3Event, next: Next| async move {
    ///         event.context_mut().insert(RequestId(42));
    ///         next.run(event).await
    ///     })
    ///     .get("/", |event: H3Event| async move {
    ///         event.context().get::<RequestId>().map_or(0, |id| id.0).to_string()
    ///     });
    /// let res = app.handle(h3rs::Request::new(Body::empty())).await;
    /// assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "42");
    /// # }
    /// ```
    pub fn context_mut(&mut self) -> &mut Extensions {
        &mut self.context
    }

    /// The app's pub/sub hub: publish to WebSocket peers (and SSE streams)
    /// from any handler.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The WebSocket peers connected to the app.
    ///
    /// ```
    /// # fn demo(event: &h3rs::H3Event) {
    /// let online = event.peers().len();
    /// # let _ = online;
    /// # }
    /// ```
    #[cfg(feature = "ws")]
    pub fn peers(&self) -> &Peers {
        &self.peers
    }

    /// The server's shutdown signal, when served by [`serve`](fn@crate::serve):
    /// long-lived responses listen to it.
    ///
    /// ```
    /// use h3rs::{H3, H3Event, StatusCode};
    /// // A long poll that gives up when the server is shutting down.
    /// let app = H3::new().get("/poll", |event: H3Event| async move {
    ///     let Some(shutdown) = event.shutdown() else {
    ///         return StatusCode::NO_CONTENT; // not served: nothing to wait for
    ///     };
    ///     let timeout = tokio::time::sleep(std::time::Duration::from_secs(30));
    ///     tokio::select! {
    ///         () = shutdown.triggered() => StatusCode::SERVICE_UNAVAILABLE,
    ///         () = timeout => StatusCode::NO_CONTENT,
    ///     }
    /// });
    /// # let _ = app;
    /// ```
    pub fn shutdown(&self) -> Option<&crate::Shutdown> {
        self.connection.as_ref().map(|c| &c.shutdown)
    }

    /// The address of the client, when served by [`serve`](fn@crate::serve).
    ///
    /// `None` under [`H3::handle`](crate::H3::handle), which serves without a socket.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.connection.as_ref().map(|c| c.remote)
    }

    /// The body limit that applies to this request, in bytes.
    ///
    /// The app's [`H3::body_limit`](crate::H3::body_limit) (of the mounted app that has the route, if it set one), unless the server's [`ServeOptions::body_limit`](crate::ServeOptions::body_limit) overrides it.
    pub fn body_limit(&self) -> usize {
        match self.connection.as_ref().and_then(|c| c.body_limit) {
            Some(limit) => limit,
            None => self.scope.body_limit(),
        }
    }

    /// Takes the body out of the event, unread; `None` once taken.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use h3rs::{Body, H3, H3Event};
    /// use http_body_util::BodyExt;
    /// // An echo that streams the body back without buffering it.
    /// let app = H3::new().post("/echo", |mut event: H3Event| async move {
    ///     let body = event.take_body().unwrap_or_default();
    ///     assert!(event.take_body().is_none());
    ///     body
    /// });
    /// let req = h3rs::http::Request::builder()
    ///     .method("POST")
    ///     .uri("/echo")
    ///     .body(Body::from("ping"))
    ///     .unwrap();
    /// let body = app.handle(req).await.into_body().collect().await.unwrap().to_bytes();
    /// assert_eq!(body, "ping");
    /// # }
    /// ```
    pub fn take_body(&mut self) -> Option<Body> {
        self.body.take().map(|body| body.0)
    }

    /// Reads the whole body within the body limit. A body over the limit is
    /// a 413, noticed from `Content-Length` before reading anything, or as
    /// soon as the limit is crossed while reading.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use h3rs::{Body, H3, H3Event, HttpError};
    /// let app = H3::new().body_limit(4).post("/", |mut event: H3Event| async move {
    ///     let body = event.body_bytes().await?;
    ///     Ok::<_, HttpError>(format!("{} bytes", body.len()))
    /// });
    /// let req = |text: &'static str| {
    ///     h3rs::http::Request::builder().method("POST").body(Body::from(text)).unwrap()
    /// };
    /// assert_eq!(app.handle(req("ping")).await.status(), 200);
    /// assert_eq!(app.handle(req("pings")).await.status(), 413);
    /// # }
    /// ```
    pub async fn body_bytes(&mut self) -> Result<Bytes, HttpError> {
        let limit = self.body_limit();
        let too_large = || {
            HttpError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Request body is larger than the limit of {limit} bytes"),
            )
        };
        let declared = self
            .parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(too_large());
        }
        let body = self
            .take_body()
            .ok_or_else(|| HttpError::internal("the request body was already read"))?;
        match Limited::new(body, limit).collect().await {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
            Err(e) => Err(HttpError::bad_request(format!(
                "Failed to read the request body: {e}"
            ))),
        }
    }
}

/// Holds a value that is only ever reached through `&mut self` or by value,
/// which makes sharing `&Unshared<T>` between threads harmless: there is
/// nothing to do with it. This lets handlers hold `&H3Event` across an
/// `.await` although a streaming body is `Send` but not `Sync`.
struct Unshared<T>(T);

// SAFETY: no method of `Unshared` gives access to the inner value through
// `&self`; only ownership or `&mut` reaches it, and those are exclusive.
unsafe impl<T: Send> Sync for Unshared<T> {}

impl<T> std::fmt::Debug for Unshared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Body")
    }
}

/// `u64` rather than `core::primitive::u64`, `User` rather than `my_app::models::User`.
fn short_type_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    match name.find('<') {
        Some(generic) => name[..generic].rsplit("::").next().unwrap_or(name),
        None => name.rsplit("::").next().unwrap_or(name),
    }
}
