//! [`TestClient`]: drive an app in-process, over HTTP, WebSocket and server-sent events,
//! without binding a port (feature `test-client`).
//!
//! Each request travels over an in-memory pipe (`tokio::io::duplex`) into the very
//! connection code [`Server`](crate::Server) runs for a TCP socket: hyper with the server's
//! settings, the connection limit, idle timeout and graceful shutdown. So a WebSocket upgrade
//! works, headers and bodies are framed as on the wire, and handlers see a
//! [`RemoteAddr`](crate::RemoteAddr) and the [`Shutdown`] signal, as they would when served.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use h3rs::prelude::*;
//! use h3rs::test::TestClient;
//!
//! #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
//! struct Room { name: String }
//!
//! #[post("/rooms")]
//! async fn create(Json(room): Json<Room>) -> (StatusCode, Json<Room>) {
//!     (StatusCode::CREATED, Json(room))
//! }
//!
//! struct Echo;
//! #[websocket("/_ws")]
//! impl Echo {
//!     async fn message(&self, peer: &Peer, message: Message) {
//!         peer.send(message);
//!     }
//! }
//!
//! h3rs::yielding! {
//!     #[sse("/events")]
//!     async fn events(last: LastEventId) {
//!         let next = last.parse::<u32>().map_or(1, |n| n + 1);
//!         yield SseEvent::new("tick").id(next.to_string());
//!     }
//! }
//!
//! let client = TestClient::new(h3rs::app![create, Echo, events]);
//!
//! // HTTP, with typed JSON both ways.
//! let room = Room { name: "lobby".into() };
//! let res = client.post("/rooms").json(&room).send().await;
//! assert_eq!(res.status(), 201);
//! assert_eq!(res.json::<Room>(), room);
//!
//! // A WebSocket: send, receive, close.
//! let mut ws = client.ws("/_ws").connect().await.unwrap();
//! ws.send("ping").await;
//! assert_eq!(ws.recv().await.unwrap().text(), "ping");
//! assert_eq!(ws.close(1000, "done").await.code, 1000);
//!
//! // Server-sent events, resumed after id 7.
//! let mut stream = client.sse("/events").last_event_id("7").connect().await.unwrap();
//! let event = stream.next().await.unwrap();
//! assert_eq!((event.id.as_deref(), event.data.as_str()), (Some("8"), "tick"));
//! assert!(stream.next().await.is_none());
//! # }
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode, Uri};
use http_body_util::BodyExt;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;
#[cfg(any(feature = "ws", feature = "sse"))]
use tokio::time::error::Elapsed;

use crate::app::{AppError, H3};
use crate::body::{Body, BoxError};
use crate::server::{Connections, ServeOptions};
use crate::shutdown::Shutdown;

/// Bytes in flight in each direction of an in-memory connection before the writer waits.
const PIPE_CAPACITY: usize = 64 * 1024;

/// Drives an app in-process: builds requests, WebSockets and event streams against it, and
/// shuts it down. See [the module](self) for an example.
///
/// The app is [checked](H3::check) when the client is made, as [`Server::bind`](crate::Server::bind)
/// does: a route that asks for a [`State<T>`](crate::State) the app was never given fails
/// here, not on the first request. Cloning a client is cheap; clones drive the same app.
#[derive(Clone)]
pub struct TestClient {
    inner: Arc<Inner>,
}

struct Inner {
    connections: Connections,
    shutdown: Shutdown,
    grace_period: Duration,
    remote: SocketAddr,
}

impl std::fmt::Debug for TestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestClient")
            .field("app", &self.inner.connections.app())
            .field("remote", &self.inner.remote)
            .finish_non_exhaustive()
    }
}

impl TestClient {
    /// A client for `app`, served with [`ServeOptions::default`].
    ///
    /// # Panics
    ///
    /// When [`H3::check`] fails (see [`TestClient::try_new`] to get the error).
    #[track_caller]
    pub fn new(app: H3) -> Self {
        Self::with_options(app, ServeOptions::default())
    }

    /// A client for `app`, served with `options`: their limits (body, URI length, header
    /// size, connections), timeouts and grace period apply as on a socket; the address and
    /// signal handling do not.
    ///
    /// # Panics
    ///
    /// When [`H3::check`] fails.
    #[track_caller]
    pub fn with_options(app: H3, options: ServeOptions) -> Self {
        match Self::try_with_options(app, options) {
            Ok(client) => client,
            Err(e) => panic!("TestClient: the app cannot be served: {e}"),
        }
    }

    /// A client for `app`, or what [`H3::check`] found wrong with it.
    ///
    /// ```
    /// use h3rs::prelude::*;
    ///
    /// #[derive(Clone)]
    /// struct Db;
    ///
    /// #[get("/users")]
    /// async fn users(_db: State<Db>) -> &'static str { "[]" }
    ///
    /// let err = h3rs::test::TestClient::try_new(H3::new().register(users)).unwrap_err();
    /// assert!(err.to_string().contains("State<"));
    /// ```
    pub fn try_new(app: H3) -> Result<Self, AppError> {
        Self::try_with_options(app, ServeOptions::default())
    }

    /// [`TestClient::with_options`], returning what [`H3::check`] found instead of panicking.
    pub fn try_with_options(app: H3, options: ServeOptions) -> Result<Self, AppError> {
        app.check()?;
        let shutdown = Shutdown::new();
        Ok(TestClient {
            inner: Arc::new(Inner {
                connections: Connections::new(Arc::new(app), &options, shutdown.clone()),
                shutdown,
                grace_period: options.grace_period,
                remote: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            }),
        })
    }

    /// The address handlers see as the client's ([`RemoteAddr`](crate::RemoteAddr));
    /// `127.0.0.1:0` unless set here.
    pub fn remote_addr(self, addr: SocketAddr) -> Self {
        let inner = &self.inner;
        TestClient {
            inner: Arc::new(Inner {
                connections: inner.connections.clone(),
                shutdown: inner.shutdown.clone(),
                grace_period: inner.grace_period,
                remote: addr,
            }),
        }
    }

    /// The app being driven: publish to its topics, count its peers.
    pub fn app(&self) -> &H3 {
        self.inner.connections.app()
    }

    /// The app's shutdown signal, the one handlers see through
    /// [`H3Event::shutdown`](crate::H3Event::shutdown).
    pub fn shutdown_signal(&self) -> &Shutdown {
        &self.inner.shutdown
    }

    /// Shuts the app down gracefully, as Ctrl-C would a server: WebSocket peers get 1001 and
    /// their `close` hooks run, event streams end, requests in flight finish. Waits for all
    /// of it up to the grace period, then returns how much was still running (0 when
    /// everything finished). Requests made afterwards fail, as on a closed listener.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use h3rs::ws::{Peer, WebSocket};
    /// struct Quiet;
    /// impl WebSocket for Quiet {}
    ///
    /// let client = h3rs::test::TestClient::new(h3rs::H3::new().websocket("/ws", Quiet));
    /// let mut ws = client.ws("/ws").connect().await.unwrap();
    /// assert_eq!(client.shutdown().await, 0);
    /// assert_eq!(ws.closed().await.code, 1001);
    /// assert!(client.get("/").try_send().await.is_err());
    /// # }
    /// ```
    pub async fn shutdown(&self) -> usize {
        let shutdown = &self.inner.shutdown;
        shutdown.trigger();
        let _ = tokio::time::timeout(self.inner.grace_period, shutdown.idle()).await;
        shutdown.active()
    }

    /// A request with any method.
    ///
    /// # Panics
    ///
    /// When `path` is not a valid request target (`/users/7?full=1`).
    #[track_caller]
    pub fn request(&self, method: Method, path: &str) -> TestRequest {
        TestRequest {
            client: self.clone(),
            method,
            uri: parse_uri(path),
            headers: HeaderMap::new(),
            body: Body::empty(),
        }
    }

    /// A `GET` request.
    #[track_caller]
    pub fn get(&self, path: &str) -> TestRequest {
        self.request(Method::GET, path)
    }

    /// A `POST` request.
    #[track_caller]
    pub fn post(&self, path: &str) -> TestRequest {
        self.request(Method::POST, path)
    }

    /// A `PUT` request.
    #[track_caller]
    pub fn put(&self, path: &str) -> TestRequest {
        self.request(Method::PUT, path)
    }

    /// A `PATCH` request.
    #[track_caller]
    pub fn patch(&self, path: &str) -> TestRequest {
        self.request(Method::PATCH, path)
    }

    /// A `DELETE` request.
    #[track_caller]
    pub fn delete(&self, path: &str) -> TestRequest {
        self.request(Method::DELETE, path)
    }

    /// A `HEAD` request.
    #[track_caller]
    pub fn head(&self, path: &str) -> TestRequest {
        self.request(Method::HEAD, path)
    }

    /// An `OPTIONS` request.
    #[track_caller]
    pub fn options(&self, path: &str) -> TestRequest {
        self.request(Method::OPTIONS, path)
    }

    /// A WebSocket handshake on `path`; [`connect`](WsRequest::connect) it.
    #[cfg(feature = "ws")]
    #[track_caller]
    pub fn ws(&self, path: &str) -> WsRequest {
        WsRequest {
            client: self.clone(),
            uri: parse_uri(path),
            headers: HeaderMap::new(),
            protocols: Vec::new(),
        }
    }

    /// An event stream request on `path`; [`connect`](SseRequest::connect) it.
    #[cfg(feature = "sse")]
    #[track_caller]
    pub fn sse(&self, path: &str) -> SseRequest {
        SseRequest {
            client: self.clone(),
            uri: parse_uri(path),
            headers: HeaderMap::new(),
            comments: false,
        }
    }

    /// Opens a fresh in-memory connection to the app, served as an accepted socket would be,
    /// and returns its client side (driven by a task, with upgrades).
    async fn open(&self) -> Result<(http1::SendRequest<Body>, JoinHandle<()>), TestError> {
        if self.inner.shutdown.is_triggered() {
            return Err(TestError::new("the app has been shut down"));
        }
        let (client_side, server_side) = tokio::io::duplex(PIPE_CAPACITY);
        tokio::spawn(self.inner.connections.serve(server_side, self.inner.remote));
        let (sender, connection) = http1::handshake(TokioIo::new(client_side))
            .await
            .map_err(|e| TestError::with_source("the client handshake failed", e))?;
        let driver = tokio::spawn(async move {
            if let Err(e) = connection.with_upgrades().await {
                tracing::debug!(error = %e, "test connection ended with an error");
            }
        });
        Ok((sender, driver))
    }

    /// Sends `request` on a fresh connection; the response's head, body unread.
    async fn exchange(
        &self,
        mut request: http::Request<Body>,
    ) -> Result<(http::Response<hyper::body::Incoming>, JoinHandle<()>), TestError> {
        // HTTP/1.1 requires a Host, and the server refuses a request without one.
        request
            .headers_mut()
            .entry(header::HOST)
            .or_insert(HeaderValue::from_static("localhost"));
        let (mut sender, driver) = self.open().await?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| TestError::with_source("the request failed", e))?;
        Ok((response, driver))
    }
}

#[track_caller]
fn parse_uri(path: &str) -> Uri {
    match Uri::try_from(path) {
        Ok(uri) => uri,
        Err(e) => panic!("TestClient: {path:?} is not a request target: {e}"),
    }
}

#[track_caller]
fn insert_header<K, V>(headers: &mut HeaderMap, name: K, value: V)
where
    K: TryInto<HeaderName>,
    K::Error: std::fmt::Display,
    V: TryInto<HeaderValue>,
    V::Error: std::fmt::Display,
{
    let name = match name.try_into() {
        Ok(name) => name,
        Err(e) => panic!("TestClient: invalid header name: {e}"),
    };
    let value = match value.try_into() {
        Ok(value) => value,
        Err(e) => panic!("TestClient: invalid value for header {name}: {e}"),
    };
    headers.append(name, value);
}

/// What went wrong below HTTP: the app was shut down, or the connection failed before a
/// response came.
#[derive(Debug)]
pub struct TestError {
    message: String,
    source: Option<BoxError>,
}

impl TestError {
    fn new(message: impl Into<String>) -> Self {
        TestError {
            message: message.into(),
            source: None,
        }
    }

    fn with_source(message: &str, source: impl Into<BoxError>) -> Self {
        TestError {
            message: message.into(),
            source: Some(source.into()),
        }
    }
}

impl std::fmt::Display for TestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            Some(source) => write!(f, "{}: {source}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for TestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

/// An HTTP request being built: headers, a body, then [`send`](TestRequest::send).
#[derive(Debug)]
#[must_use = "a request does nothing until sent"]
pub struct TestRequest {
    client: TestClient,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
}

impl TestRequest {
    /// Adds a header (a second one of the same name is added beside the first).
    ///
    /// # Panics
    ///
    /// When the name or the value is not valid in a header.
    #[track_caller]
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: std::fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: std::fmt::Display,
    {
        insert_header(&mut self.headers, name, value);
        self
    }

    /// Appends `query` to the path as a query string (serde, as [`Query`](crate::Query) reads it).
    ///
    /// # Panics
    ///
    /// When `query` cannot be encoded as a query string.
    #[track_caller]
    pub fn query<T: Serialize + ?Sized>(mut self, query: &T) -> Self {
        let encoded = match serde_urlencoded::to_string(query) {
            Ok(encoded) => encoded,
            Err(e) => panic!("TestClient: the query cannot be encoded: {e}"),
        };
        let path = self.uri.path();
        let target = match self.uri.query() {
            Some(existing) => format!("{path}?{existing}&{encoded}"),
            None => format!("{path}?{encoded}"),
        };
        self.uri = parse_uri(&target);
        self
    }

    /// The body: any [`Body`] (bytes, a string, a stream, which is sent chunked).
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self
    }

    /// `value` as a JSON body, with `content-type: application/json`.
    ///
    /// # Panics
    ///
    /// When `value` cannot be serialized.
    #[track_caller]
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        let body = match serde_json::to_vec(value) {
            Ok(body) => body,
            Err(e) => panic!("TestClient: the JSON body cannot be serialized: {e}"),
        };
        self.content_type("application/json").body(body)
    }

    /// `value` as a form body, with `content-type: application/x-www-form-urlencoded`.
    ///
    /// # Panics
    ///
    /// When `value` cannot be encoded as a form.
    #[track_caller]
    pub fn form<T: Serialize + ?Sized>(self, value: &T) -> Self {
        let body = match serde_urlencoded::to_string(value) {
            Ok(body) => body,
            Err(e) => panic!("TestClient: the form body cannot be encoded: {e}"),
        };
        self.content_type("application/x-www-form-urlencoded")
            .body(body)
    }

    fn content_type(mut self, value: &'static str) -> Self {
        self.headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
        self
    }

    /// Sends the request and reads the whole response.
    ///
    /// # Panics
    ///
    /// When no response comes: the app was shut down, or the connection failed (see
    /// [`try_send`](TestRequest::try_send)).
    pub async fn send(self) -> TestResponse {
        match self.try_send().await {
            Ok(response) => response,
            Err(e) => panic!("TestClient: {e}"),
        }
    }

    /// Sends the request and reads the whole response, or says why no response came.
    pub async fn try_send(self) -> Result<TestResponse, TestError> {
        let mut request = http::Request::new(self.body);
        *request.method_mut() = self.method;
        *request.uri_mut() = self.uri;
        *request.headers_mut() = self.headers;
        let (response, _driver) = self.client.exchange(request).await?;
        TestResponse::read(response).await
    }
}

/// A response read to the end.
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl std::fmt::Debug for TestResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

impl TestResponse {
    async fn read(response: http::Response<hyper::body::Incoming>) -> Result<Self, TestError> {
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| TestError::with_source("the response body failed", e))?
            .to_bytes();
        Ok(TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The first value of header `name`, if there is one and it is text.
    pub fn header(&self, name: impl header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text.
    ///
    /// # Panics
    ///
    /// When the body is not UTF-8.
    #[track_caller]
    pub fn text(&self) -> &str {
        match std::str::from_utf8(&self.body) {
            Ok(text) => text,
            Err(e) => panic!("TestClient: the body is not UTF-8 ({e}): {:?}", self.body),
        }
    }

    /// The body parsed as JSON into `T`.
    ///
    /// # Panics
    ///
    /// When the body is not JSON of that shape; the message shows the body.
    #[track_caller]
    pub fn json<T: DeserializeOwned>(&self) -> T {
        match serde_json::from_slice(&self.body) {
            Ok(value) => value,
            Err(e) => panic!(
                "TestClient: the body is not the JSON expected ({e}): {}",
                String::from_utf8_lossy(&self.body)
            ),
        }
    }
}

/// A WebSocket handshake or an event stream request that the app answered with something
/// else than the upgrade or the stream: its response (the `upgrade` hook's rejection, a 404).
#[derive(Debug)]
pub struct Refused {
    response: Box<TestResponse>,
}

impl Refused {
    /// The status the app answered.
    pub fn status(&self) -> StatusCode {
        self.response.status
    }

    /// The whole response.
    pub fn response(&self) -> &TestResponse {
        &self.response
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "refused with {}: {}",
            self.response.status,
            String::from_utf8_lossy(&self.response.body)
        )
    }
}

impl std::error::Error for Refused {}

#[cfg(any(feature = "ws", feature = "sse"))]
async fn refused(response: http::Response<hyper::body::Incoming>) -> Refused {
    match TestResponse::read(response).await {
        Ok(response) => Refused {
            response: Box::new(response),
        },
        Err(e) => panic!("TestClient: {e}"),
    }
}

#[cfg(feature = "ws")]
pub use self::ws::{TestWebSocket, WsRequest};

#[cfg(feature = "ws")]
mod ws {
    use super::*;

    use futures_util::stream::{SplitSink, SplitStream};
    use futures_util::{SinkExt, StreamExt};
    use hyper::upgrade::Upgraded;
    use tokio::sync::mpsc;
    use tokio_tungstenite::WebSocketStream;
    use tokio_tungstenite::tungstenite::handshake::client::generate_key;
    use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
    use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
    use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
    use tokio_tungstenite::tungstenite::{Error as WireError, Message as Wire};

    use crate::ws::{CloseDetails, Message};

    type Socket = WebSocketStream<TokioIo<Upgraded>>;

    /// A WebSocket handshake being built: headers, subprotocols, then
    /// [`connect`](WsRequest::connect).
    #[derive(Debug)]
    #[must_use = "a handshake does nothing until connected"]
    pub struct WsRequest {
        pub(super) client: TestClient,
        pub(super) uri: Uri,
        pub(super) headers: HeaderMap,
        pub(super) protocols: Vec<String>,
    }

    impl WsRequest {
        /// Adds a header to the handshake (`Origin`, `Authorization`, a cookie).
        ///
        /// # Panics
        ///
        /// When the name or the value is not valid in a header.
        #[track_caller]
        pub fn header<K, V>(mut self, name: K, value: V) -> Self
        where
            K: TryInto<HeaderName>,
            K::Error: std::fmt::Display,
            V: TryInto<HeaderValue>,
            V::Error: std::fmt::Display,
        {
            insert_header(&mut self.headers, name, value);
            self
        }

        /// Offers a subprotocol (`Sec-WebSocket-Protocol`); call again to offer several, in
        /// order of preference.
        pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
            self.protocols.push(protocol.into());
            self
        }

        /// Runs the handshake. The app's answer other than `101 Switching Protocols` (the
        /// `upgrade` hook's rejection, a 404) is the error, with its status and body.
        ///
        /// # Panics
        ///
        /// When no response comes (the app was shut down), or the 101 does not carry the
        /// `Sec-WebSocket-Accept` RFC 6455 requires.
        pub async fn connect(self) -> Result<TestWebSocket, Refused> {
            let key = generate_key();
            let mut request = http::Request::new(Body::empty());
            *request.uri_mut() = self.uri;
            let headers = request.headers_mut();
            *headers = self.headers;
            headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
            headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
            headers.insert(
                header::SEC_WEBSOCKET_VERSION,
                HeaderValue::from_static("13"),
            );
            headers.insert(
                header::SEC_WEBSOCKET_KEY,
                HeaderValue::try_from(key.as_str()).expect("base64 is a valid header value"),
            );
            if !self.protocols.is_empty() {
                match HeaderValue::try_from(self.protocols.join(", ")) {
                    Ok(value) => {
                        headers.insert(header::SEC_WEBSOCKET_PROTOCOL, value);
                    }
                    Err(e) => panic!("TestClient: invalid subprotocol: {e}"),
                }
            }
            let (mut response, driver) = match self.client.exchange(request).await {
                Ok(exchanged) => exchanged,
                Err(e) => panic!("TestClient: {e}"),
            };
            if response.status() != StatusCode::SWITCHING_PROTOCOLS {
                return Err(refused(response).await);
            }
            let accept = response.headers().get(header::SEC_WEBSOCKET_ACCEPT);
            assert_eq!(
                accept.map(HeaderValue::as_bytes),
                Some(derive_accept_key(key.as_bytes()).as_bytes()),
                "TestClient: the 101 carries a wrong Sec-WebSocket-Accept"
            );
            let status = response.status();
            let headers = std::mem::take(response.headers_mut());
            let upgraded = match hyper::upgrade::on(response).await {
                Ok(upgraded) => upgraded,
                Err(e) => panic!("TestClient: the upgrade failed: {e}"),
            };
            // The upgraded stream has left hyper's connection task.
            drop(driver);
            let socket = WebSocketStream::from_raw_socket(
                TokioIo::new(upgraded),
                Role::Client,
                Some(WebSocketConfig::default()),
            )
            .await;
            let (sink, stream) = socket.split();
            let (incoming, receiver) = mpsc::unbounded_channel();
            let reader = tokio::spawn(read_frames(stream, incoming));
            Ok(TestWebSocket {
                status,
                headers,
                sink,
                incoming: receiver,
                closed: None,
                reader,
            })
        }
    }

    enum Incoming {
        Message(Message),
        Closed(CloseDetails),
    }

    /// Reads every frame as it comes, so that pings are answered and the server's close is
    /// echoed even while the test is not reading; data messages wait in the channel.
    async fn read_frames(
        mut stream: SplitStream<Socket>,
        incoming: mpsc::UnboundedSender<Incoming>,
    ) {
        let mut close = None;
        let details = loop {
            match stream.next().await {
                Some(Ok(Wire::Close(frame))) => {
                    // tungstenite has queued the echo; reading on sends it and ends the stream.
                    close.get_or_insert(match frame {
                        Some(frame) => CloseDetails::new(frame.code.into(), frame.reason.as_str()),
                        None => CloseDetails::new(1005, ""),
                    });
                }
                Some(Ok(frame)) => {
                    if let Some(message) = Message::from_wire(frame) {
                        let _ = incoming.send(Incoming::Message(message));
                    }
                }
                Some(Err(WireError::ConnectionClosed | WireError::AlreadyClosed)) | None => {
                    break close.unwrap_or_else(CloseDetails::abnormal);
                }
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "test WebSocket failed");
                    break close.unwrap_or_else(CloseDetails::abnormal);
                }
            }
        };
        let _ = incoming.send(Incoming::Closed(details));
    }

    /// A WebSocket connected to the app. Pings are answered and the server's close is echoed
    /// in the background; data messages wait until [`recv`](TestWebSocket::recv)ed. Dropping
    /// it cuts the connection without a close frame (the server sees 1006).
    pub struct TestWebSocket {
        status: StatusCode,
        headers: HeaderMap,
        sink: SplitSink<Socket, Wire>,
        incoming: mpsc::UnboundedReceiver<Incoming>,
        closed: Option<CloseDetails>,
        reader: JoinHandle<()>,
    }

    impl std::fmt::Debug for TestWebSocket {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("TestWebSocket")
                .field("headers", &self.headers)
                .field("closed", &self.closed)
                .finish_non_exhaustive()
        }
    }

    impl Drop for TestWebSocket {
        fn drop(&mut self) {
            self.reader.abort();
        }
    }

    impl TestWebSocket {
        /// The handshake's status: 101.
        pub fn status(&self) -> StatusCode {
            self.status
        }

        /// The headers of the 101 (those the `upgrade` hook set among them).
        pub fn headers(&self) -> &HeaderMap {
            &self.headers
        }

        /// The subprotocol the app chose, if any.
        pub fn protocol(&self) -> Option<&str> {
            self.headers
                .get(header::SEC_WEBSOCKET_PROTOCOL)
                .and_then(|v| v.to_str().ok())
        }

        /// Sends a text or binary message (`&str` and `String` are text, bytes are binary).
        ///
        /// # Panics
        ///
        /// When the connection is closed.
        pub async fn send(&mut self, message: impl Into<Message>) {
            if let Err(e) = self.sink.send(message.into().into_wire()).await {
                panic!("TestClient: cannot send on the WebSocket: {e}");
            }
        }

        /// Sends `value` as a JSON text message.
        ///
        /// # Panics
        ///
        /// When `value` cannot be serialized, or the connection is closed.
        pub async fn send_json<T: Serialize + ?Sized>(&mut self, value: &T) {
            match Message::from_json(value) {
                Ok(message) => self.send(message).await,
                Err(e) => panic!("TestClient: the message cannot be serialized: {e}"),
            }
        }

        /// The next text or binary message; `None` once the connection is closed (then
        /// [`closed`](TestWebSocket::closed) says how). Waits as long as it takes: bound it
        /// with [`recv_timeout`](TestWebSocket::recv_timeout).
        pub async fn recv(&mut self) -> Option<Message> {
            if self.closed.is_some() {
                return None;
            }
            match self.incoming.recv().await {
                Some(Incoming::Message(message)) => Some(message),
                Some(Incoming::Closed(details)) => {
                    self.closed = Some(details);
                    None
                }
                None => {
                    self.closed = Some(CloseDetails::abnormal());
                    None
                }
            }
        }

        /// [`recv`](TestWebSocket::recv), giving up after `timeout`: `Err` when nothing came
        /// (which is how a test shows that a message is *not* delivered).
        pub async fn recv_timeout(
            &mut self,
            timeout: Duration,
        ) -> Result<Option<Message>, Elapsed> {
            tokio::time::timeout(timeout, self.recv()).await
        }

        /// Waits until the connection is closed and returns the server's close code and
        /// reason (1006 when it went away without a close frame). Messages not yet received
        /// are skipped.
        pub async fn closed(&mut self) -> CloseDetails {
            while self.recv().await.is_some() {}
            self.closed.clone().unwrap_or_else(CloseDetails::abnormal)
        }

        /// Closes with `code` and `reason`, and waits for the server's answer, whose code and
        /// reason it returns.
        pub async fn close(&mut self, code: u16, reason: &str) -> CloseDetails {
            if self.closed.is_none() {
                let frame = CloseFrame {
                    code: CloseDetails::wire_code(code),
                    reason: reason.into(),
                };
                // An error means the connection is already gone: `closed` says how.
                let _ = self.sink.send(Wire::Close(Some(frame))).await;
            }
            self.closed().await
        }
    }
}

#[cfg(feature = "sse")]
pub use self::sse::{SseRequest, TestEvent, TestEventStream};

#[cfg(feature = "sse")]
mod sse {
    use super::*;

    /// An event stream request being built: headers, `Last-Event-ID`, then
    /// [`connect`](SseRequest::connect).
    #[derive(Debug)]
    #[must_use = "a request does nothing until connected"]
    pub struct SseRequest {
        pub(super) client: TestClient,
        pub(super) uri: Uri,
        pub(super) headers: HeaderMap,
        pub(super) comments: bool,
    }

    impl SseRequest {
        /// Adds a header to the request.
        ///
        /// # Panics
        ///
        /// When the name or the value is not valid in a header.
        #[track_caller]
        pub fn header<K, V>(mut self, name: K, value: V) -> Self
        where
            K: TryInto<HeaderName>,
            K::Error: std::fmt::Display,
            V: TryInto<HeaderValue>,
            V::Error: std::fmt::Display,
        {
            insert_header(&mut self.headers, name, value);
            self
        }

        /// Sends `Last-Event-ID: id`, as a browser does when it reconnects.
        #[track_caller]
        pub fn last_event_id(self, id: &str) -> Self {
            self.header("last-event-id", id)
        }

        /// Also yields blocks made of comments only (keep-alives), which are skipped otherwise.
        pub fn with_comments(mut self) -> Self {
            self.comments = true;
            self
        }

        /// Sends the request. A response other than `200` with `content-type:
        /// text/event-stream` is the error, read to the end.
        ///
        /// # Panics
        ///
        /// When no response comes (the app was shut down).
        pub async fn connect(self) -> Result<TestEventStream, Refused> {
            let mut request = http::Request::new(Body::empty());
            *request.uri_mut() = self.uri;
            *request.headers_mut() = self.headers;
            request
                .headers_mut()
                .entry(header::ACCEPT)
                .or_insert(HeaderValue::from_static("text/event-stream"));
            let (response, driver) = match self.client.exchange(request).await {
                Ok(exchanged) => exchanged,
                Err(e) => panic!("TestClient: {e}"),
            };
            let is_stream = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/event-stream"));
            if response.status() != StatusCode::OK || !is_stream {
                return Err(refused(response).await);
            }
            let (parts, body) = response.into_parts();
            Ok(TestEventStream {
                status: parts.status,
                headers: parts.headers,
                body,
                buffer: Vec::new(),
                block: TestEvent::default(),
                has_field: false,
                comments: self.comments,
                last_event_id: None,
                end: None,
                driver,
            })
        }
    }

    /// One event as the client parsed it (the WHATWG rules: one optional space after the
    /// colon, `data` lines joined with `\n`, `retry` only when all digits).
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    #[non_exhaustive]
    pub struct TestEvent {
        /// The `id:` field, if the event had one.
        pub id: Option<String>,
        /// The `event:` field (the type; a browser says `message` when absent).
        pub event: Option<String>,
        /// The `data:` lines, joined with `\n`; empty when there were none.
        pub data: String,
        /// The `retry:` field.
        pub retry: Option<Duration>,
        /// The comment lines (`: text`), without the colon and its space.
        pub comments: Vec<String>,
    }

    /// An event stream being read as it arrives. Dropping it goes away, as a closed tab does.
    pub struct TestEventStream {
        status: StatusCode,
        headers: HeaderMap,
        body: hyper::body::Incoming,
        /// Bytes received and not yet split into lines.
        buffer: Vec<u8>,
        /// The event being read.
        block: TestEvent,
        /// Whether `block` has a field other than comments.
        has_field: bool,
        comments: bool,
        last_event_id: Option<String>,
        /// `Some(clean)` once the body has ended.
        end: Option<bool>,
        driver: JoinHandle<()>,
    }

    impl std::fmt::Debug for TestEventStream {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("TestEventStream")
                .field("headers", &self.headers)
                .field("last_event_id", &self.last_event_id)
                .field("end", &self.end)
                .finish_non_exhaustive()
        }
    }

    impl Drop for TestEventStream {
        fn drop(&mut self) {
            self.driver.abort();
        }
    }

    impl TestEventStream {
        /// The status: 200.
        pub fn status(&self) -> StatusCode {
            self.status
        }

        /// The response headers.
        pub fn headers(&self) -> &HeaderMap {
            &self.headers
        }

        /// The first value of header `name`, if there is one and it is text.
        pub fn header(&self, name: impl header::AsHeaderName) -> Option<&str> {
            self.headers.get(name).and_then(|v| v.to_str().ok())
        }

        /// The last id received, what a browser would send back as `Last-Event-ID`.
        pub fn last_event_id(&self) -> Option<&str> {
            self.last_event_id.as_deref()
        }

        /// Whether the stream has ended with the end of its body (the server finished it),
        /// rather than a broken connection; `false` while it runs.
        pub fn ended_cleanly(&self) -> bool {
            self.end == Some(true)
        }

        /// The next event; `None` once the stream has ended (an event cut off by the end is
        /// dropped, as browsers do). Waits as long as it takes: bound it with
        /// [`next_timeout`](TestEventStream::next_timeout).
        // Not `Stream`: a test reads events one at a time, and a method needs no import.
        #[allow(clippy::should_implement_trait)]
        pub async fn next(&mut self) -> Option<TestEvent> {
            loop {
                if let Some(event) = self.parse() {
                    return Some(event);
                }
                if self.end.is_some() {
                    return None;
                }
                match self.body.frame().await {
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            self.buffer.extend_from_slice(&data);
                        }
                    }
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "test event stream broke");
                        self.end = Some(false);
                    }
                    None => self.end = Some(true),
                }
            }
        }

        /// [`next`](TestEventStream::next), giving up after `timeout`: `Err` when nothing
        /// came. Nothing is lost when it gives up: a partly received event stays buffered.
        pub async fn next_timeout(
            &mut self,
            timeout: Duration,
        ) -> Result<Option<TestEvent>, Elapsed> {
            tokio::time::timeout(timeout, self.next()).await
        }

        /// Takes complete lines from the buffer until an event is complete.
        fn parse(&mut self) -> Option<TestEvent> {
            loop {
                let end = self
                    .buffer
                    .iter()
                    .position(|b| *b == b'\n' || *b == b'\r')?;
                // A `\r` at the end of what came may be half of a `\r\n`: wait for more.
                let crlf = self.buffer[end] == b'\r' && self.buffer.get(end + 1) == Some(&b'\n');
                if self.buffer[end] == b'\r' && end + 1 == self.buffer.len() && self.end.is_none() {
                    return None;
                }
                let line: Vec<u8> = self
                    .buffer
                    .drain(..end + if crlf { 2 } else { 1 })
                    .collect();
                let line = String::from_utf8_lossy(&line[..end]).into_owned();
                if line.is_empty() {
                    let block = std::mem::take(&mut self.block);
                    let has_field = std::mem::replace(&mut self.has_field, false);
                    if has_field || (self.comments && !block.comments.is_empty()) {
                        return Some(finish(block));
                    }
                    continue;
                }
                self.field(&line);
            }
        }

        fn field(&mut self, line: &str) {
            if let Some(comment) = line.strip_prefix(':') {
                let comment = comment.strip_prefix(' ').unwrap_or(comment);
                self.block.comments.push(comment.to_owned());
                return;
            }
            let (name, value) = match line.split_once(':') {
                Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
                None => (line, ""),
            };
            match name {
                "data" => {
                    self.block.data.push_str(value);
                    self.block.data.push('\n');
                }
                "event" => self.block.event = Some(value.to_owned()),
                "id" if !value.contains('\0') => {
                    self.block.id = Some(value.to_owned());
                    self.last_event_id = Some(value.to_owned());
                }
                "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                    self.block.retry = value.parse().ok().map(Duration::from_millis);
                }
                _ => return,
            }
            self.has_field = true;
        }
    }

    fn finish(mut block: TestEvent) -> TestEvent {
        if block.data.ends_with('\n') {
            block.data.pop();
        }
        block
    }
}
