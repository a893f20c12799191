//! `serve`: hyper 1.x connections with limits and graceful shutdown.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::sync::atomic::{AtomicUsize, Ordering};

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::accept::AcceptErrors;
use crate::error::HttpError;
use crate::idle::{Activity, Expiry, InFlight, OpenStream, Timeouts, TrackedBody, Watched};
use crate::protocol::{Builders, HttpConnection};
use crate::request_log::RequestLog;
use crate::responding::Responding;
use crate::response::IntoResponse;
use crate::wake_gate::OnWake;

use crate::app::H3;
use crate::body::Body;
use crate::event::Connection as ConnectionInfo;
use crate::shutdown::Shutdown;

/// How to serve: address, limits, shutdown.
///
/// [`ServeOptions::from_env`] reads `HOST` (default `127.0.0.1`) and `PORT`
/// (default 3000); the setters override them in code. Pass the options to
/// [`serve_with`] or [`Server::bind`]:
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use std::time::Duration;
/// use h3rs::{H3, H3Event, ServeOptions};
///
/// let app = H3::new().get("/", |_: H3Event| async { "hi" });
/// let options = ServeOptions::from_env()
///     .port(8080)
///     .grace_period(Duration::from_secs(5));
/// h3rs::serve_with(app, options).await
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ServeOptions {
    host: String,
    port: u16,
    header_read_timeout: Duration,
    max_header_size: usize,
    max_headers: usize,
    pub(crate) grace_period: Duration,
    body_limit: Option<usize>,
    handle_signals: bool,
    idle_timeout: Duration,
    max_uri_length: usize,
    max_connections: Option<usize>,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::TlsSource>,
    #[cfg(feature = "tls")]
    tls_handshake_timeout: Duration,
    /// `TLS_CERT` or `TLS_KEY` was set in a build that cannot serve TLS.
    #[cfg(not(feature = "tls"))]
    tls_asked: bool,
}

impl Default for ServeOptions {
    /// `127.0.0.1:3000`, without reading the environment.
    fn default() -> Self {
        ServeOptions {
            host: "127.0.0.1".into(),
            port: 3000,
            header_read_timeout: Duration::from_secs(10),
            max_header_size: 16 * 1024,
            max_headers: HYPER_MAX_HEADERS,
            grace_period: Duration::from_secs(10),
            body_limit: None,
            handle_signals: true,
            idle_timeout: Duration::from_secs(60),
            max_uri_length: 8 * 1024,
            max_connections: None,
            #[cfg(feature = "tls")]
            tls: None,
            #[cfg(feature = "tls")]
            tls_handshake_timeout: Duration::from_secs(10),
            #[cfg(not(feature = "tls"))]
            tls_asked: false,
        }
    }
}

impl ServeOptions {
    /// The defaults, with the address from `HOST` and `PORT` when they are
    /// set. An empty `HOST`, or a `PORT` that is not a number from 0 to 65535,
    /// is ignored and keeps the default.
    ///
    /// With the `tls` feature, `TLS_CERT` and `TLS_KEY` (paths of PEM files) turn TLS on, as
    /// `ServeOptions::tls_files`; one without the other stops [`Server::bind`] with an
    /// error, and so does either of them in a build without the feature, rather than
    /// serving plain HTTP where HTTPS was asked for. Nothing else is read from the
    /// environment.
    pub fn from_env() -> Self {
        let mut options = ServeOptions::default();
        if let Ok(host) = std::env::var("HOST") {
            if !host.is_empty() {
                options.host = host;
            }
        }
        if let Some(port) = std::env::var("PORT").ok().and_then(|p| p.parse().ok()) {
            options.port = port;
        }
        let cert = std::env::var_os("TLS_CERT").filter(|v| !v.is_empty());
        let key = std::env::var_os("TLS_KEY").filter(|v| !v.is_empty());
        #[cfg(feature = "tls")]
        {
            use crate::tls::TlsSource;
            options.tls = match (cert, key) {
                (Some(cert), Some(key)) => Some(TlsSource::Files {
                    cert: cert.into(),
                    key: key.into(),
                }),
                (Some(_), None) => Some(TlsSource::Incomplete(
                    "TLS_CERT is set without TLS_KEY: set both, or neither",
                )),
                (None, Some(_)) => Some(TlsSource::Incomplete(
                    "TLS_KEY is set without TLS_CERT: set both, or neither",
                )),
                (None, None) => None,
            };
        }
        #[cfg(not(feature = "tls"))]
        {
            options.tls_asked = cert.is_some() || key.is_some();
        }
        options
    }

    /// The interface to bind (`127.0.0.1`, `0.0.0.0`, `::1`...) or a host
    /// name to resolve. The default, `127.0.0.1`, is reachable only from this
    /// machine; in a container, bind `0.0.0.0`.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// The port to bind (default 3000); 0 picks a free one, which
    /// [`Server::local_addr`] then reports, so that tests can run side by side.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How long a client may take to send a request head, from its first byte, and a new
    /// connection to send its first head (default 10 s): a slowloris client is
    /// disconnected after it. Applies to HTTP/1; behind a proxy that buffers request heads,
    /// a short timeout suffices. Like the idle timeout, it is checked a few times per
    /// timeout, and noticed within a quarter of the shorter of the two.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// The largest request head in bytes (default 16 KiB, at least 8 KiB);
    /// a larger one is answered 431. A smaller value is raised to 8 KiB. Raise
    /// it for large cookies or bearer tokens.
    pub fn max_header_size(mut self, bytes: usize) -> Self {
        self.max_header_size = bytes.max(8192);
        self
    }

    /// The most header fields in an HTTP/1 request (default 100); more is a 431.
    pub fn max_headers(mut self, count: usize) -> Self {
        self.max_headers = count;
        self
    }

    /// How long shutdown waits for in-flight requests, WebSocket peers and
    /// streams before exiting anyway (default 10 s). Keep it below the time
    /// your orchestrator waits between SIGTERM and SIGKILL (often 30 s).
    pub fn grace_period(mut self, grace: Duration) -> Self {
        self.grace_period = grace;
        self
    }

    /// A request body limit in bytes for every route, overriding the app's
    /// ([`H3::body_limit`]) and those of mounted apps. Unset by default, so
    /// each app's own limit applies.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = Some(bytes);
        self
    }

    /// Whether Ctrl-C and SIGTERM start a graceful shutdown (default true).
    /// Turn it off when the embedding program owns the signals, and trigger
    /// the [`Server::shutdown`] signal yourself:
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use h3rs::{H3, ServeOptions, Server};
    /// // The embedding program owns the signals and shuts the server down itself.
    /// let options = ServeOptions::default().handle_signals(false);
    /// let server = Server::bind(H3::new(), options).await?;
    /// let shutdown = server.shutdown();
    /// let running = tokio::spawn(server.run());
    /// tokio::signal::ctrl_c().await?;
    /// shutdown.trigger();
    /// running.await.expect("server task panicked")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn handle_signals(mut self, enabled: bool) -> Self {
        self.handle_signals = enabled;
        self
    }

    /// How long a connection may send nothing while none of its requests is in flight
    /// before it is closed (default 60 s): between keep-alive requests, and on HTTP/2 (where
    /// closing sends `GOAWAY`). A new HTTP/1 connection owes its first request head within
    /// [`header_read_timeout`](ServeOptions::header_read_timeout) when that is shorter. A
    /// request in flight (a slow handler, an event stream) keeps its connection, and a
    /// WebSocket has its own pings
    /// ([`WsOptions::ping_interval`](crate::ws::WsOptions::ping_interval)).
    ///
    /// ```
    /// use std::time::Duration;
    /// // Behind a load balancer that keeps idle connections for 5 minutes: keep them longer,
    /// // so that the balancer, not the server, decides when they close.
    /// let options = h3rs::ServeOptions::from_env().idle_timeout(Duration::from_secs(310));
    /// # let _ = options;
    /// ```
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The longest request target (path and query) accepted (default 8 KiB, as nginx);
    /// a longer one is answered `414 URI Too Long`. A request head larger than
    /// [`max_header_size`](ServeOptions::max_header_size) is answered 431 before this.
    pub fn max_uri_length(mut self, bytes: usize) -> Self {
        self.max_uri_length = bytes;
        self
    }

    /// At most this many connections at once (default: no limit but the process's file
    /// descriptors); WebSockets count until they close. A connection beyond the limit is
    /// answered `503 Service Unavailable` with `Retry-After: 1` and closed, without reaching
    /// the app.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = Some(connections);
        self
    }

    /// Serves HTTPS with this certificate chain and private key, both PEM (feature `tls`).
    /// The key may be PKCS#8, PKCS#1 (RSA) or SEC1 (EC); both are parsed when the server
    /// binds, and a bad one is an [`io::ErrorKind::InvalidInput`] error then. ALPN offers
    /// HTTP/2 and HTTP/1.1, so that a browser can share one connection between all of a
    /// page's event streams and WebSockets (see [`crate::tls`]).
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// let cert = std::fs::read("cert.pem")?;
    /// let key = std::fs::read("key.pem")?;
    /// let app = h3rs::H3::new().get("/", |_: h3rs::H3Event| async { "secure" });
    /// h3rs::serve_with(app, h3rs::ServeOptions::from_env().tls(cert, key)).await
    /// # }
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls(mut self, cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        self.tls = Some(crate::tls::TlsSource::Pem {
            cert: cert_pem.into(),
            key: key_pem.into(),
        });
        self
    }

    /// Serves HTTPS with the PEM certificate chain and key in these files, read when the
    /// server binds (feature `tls`); what `TLS_CERT` and `TLS_KEY` set.
    #[cfg(feature = "tls")]
    pub fn tls_files(
        mut self,
        cert: impl Into<std::path::PathBuf>,
        key: impl Into<std::path::PathBuf>,
    ) -> Self {
        self.tls = Some(crate::tls::TlsSource::Files {
            cert: cert.into(),
            key: key.into(),
        });
        self
    }

    /// Serves HTTPS with a rustls configuration of your own (client certificates, a
    /// certificate resolver that reloads, other protocol versions), used as it is: set its
    /// `alpn_protocols` (for instance to [`tls::ALPN_PROTOCOLS`](crate::tls::ALPN_PROTOCOLS))
    /// to offer HTTP/2.
    #[cfg(feature = "tls")]
    pub fn tls_config(mut self, config: Arc<crate::tls::rustls::ServerConfig>) -> Self {
        self.tls = Some(crate::tls::TlsSource::Config(config));
        self
    }

    /// How long a client may take to complete the TLS handshake (default 10 s). The
    /// handshake runs in the connection's own task: a slow one holds only its connection.
    #[cfg(feature = "tls")]
    pub fn tls_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.tls_handshake_timeout = timeout;
        self
    }

    /// Whether the server will speak TLS (`ServeOptions::tls` and its siblings, or
    /// `TLS_CERT`/`TLS_KEY`).
    pub fn is_tls(&self) -> bool {
        #[cfg(feature = "tls")]
        return self.tls.is_some();
        #[cfg(not(feature = "tls"))]
        false
    }
}

/// A bound server, not yet running: learn its address, keep its
/// [`Shutdown`], then [`run`](Server::run) it.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use h3rs::{H3, ServeOptions, Server};
/// let server = Server::bind(H3::new(), ServeOptions::default().port(0)).await?;
/// let addr = server.local_addr();
/// let shutdown = server.shutdown();
/// let running = tokio::spawn(server.run());
/// println!("talk to http://{addr}/");
/// // ...
/// shutdown.trigger();
/// running.await.expect("server task panicked")
/// # }
/// ```
pub struct Server {
    listener: TcpListener,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::Tls>,
    app: Arc<H3>,
    options: ServeOptions,
    shutdown: Shutdown,
}

impl Server {
    /// Checks the app with [`H3::check`] and binds the listener, so that a
    /// taken port or a missing [`State`](crate::State) is reported before
    /// anything runs. A failed check is an [`io::ErrorKind::InvalidInput`] error.
    pub async fn bind(app: H3, options: ServeOptions) -> io::Result<Server> {
        app.check()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        #[cfg(feature = "tls")]
        let tls = options
            .tls
            .as_ref()
            .map(|source| crate::tls::Tls::new(source, options.tls_handshake_timeout))
            .transpose()?;
        #[cfg(not(feature = "tls"))]
        if options.tls_asked {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "TLS_CERT or TLS_KEY is set, but h3rs was built without its tls feature",
            ));
        }
        let listener = TcpListener::bind((options.host.as_str(), options.port)).await?;
        Ok(Server {
            listener,
            #[cfg(feature = "tls")]
            tls,
            app: Arc::new(app),
            options,
            shutdown: Shutdown::new(),
        })
    }

    /// The bound address, with the real port when 0 was asked (see
    /// [`ServeOptions::port`]).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound TCP listener has an address")
    }

    /// The server's shutdown signal, the one handlers see through
    /// [`H3Event::shutdown`](crate::H3Event::shutdown): call
    /// [`Shutdown::trigger`] on it to shut down gracefully, as a signal would.
    pub fn shutdown(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Serves until shutdown, then waits for in-flight work up to the grace period.
    ///
    /// Once the [`Shutdown`] fires, the listener closes, each connection
    /// finishes its current request and closes, and `run` waits for every
    /// [`ShutdownGuard`](crate::ShutdownGuard) (connections, with any
    /// response still streaming, and WebSocket peers) up to
    /// [`ServeOptions::grace_period`]. It then returns `Ok(())` either way,
    /// logging what was left.
    pub async fn run(self) -> io::Result<()> {
        let Server {
            listener,
            #[cfg(feature = "tls")]
            tls,
            app,
            options,
            shutdown,
        } = self;
        if options.handle_signals {
            tokio::spawn(trigger_on_signal(shutdown.clone()));
        }
        let connections = Connections::new(app, &options, shutdown.clone());
        let mut errors = AcceptErrors::default();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, remote)) => {
                        errors.succeeded();
                        let _ = stream.set_nodelay(true);
                        #[cfg(feature = "tls")]
                        if let Some(tls) = &tls {
                            let tls = tls.clone();
                            let handshake = async move { tls.handshake(stream).await };
                            tokio::spawn(connections.serve_after(handshake, remote));
                            continue;
                        }
                        tokio::spawn(connections.serve(stream, remote));
                    }
                    Err(e) => errors.failed(e).await,
                },
                () = shutdown.triggered() => break,
            }
        }
        drop(listener);
        let active = shutdown.active();
        tracing::info!(active, "shutting down");
        if tokio::time::timeout(options.grace_period, shutdown.idle())
            .await
            .is_err()
        {
            tracing::warn!(
                remaining = shutdown.active(),
                grace_period = ?options.grace_period,
                "grace period over; closing what is left"
            );
        }
        Ok(())
    }
}

/// The per-connection limits the server checks itself (hyper checks the head's size).
struct Limits {
    timeouts: Timeouts,
    max_uri_length: usize,
    max_connections: Option<usize>,
    open: Arc<AtomicUsize>,
}

impl Limits {
    fn new(options: &ServeOptions) -> Self {
        Limits {
            timeouts: Timeouts::new(options.header_read_timeout, options.idle_timeout),
            max_uri_length: options.max_uri_length,
            max_connections: options.max_connections,
            open: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// A place for one more connection, or `None` at the limit.
    fn slot(&self) -> Option<Slot> {
        let open = self.open.fetch_add(1, Ordering::Relaxed);
        let slot = Slot(self.open.clone());
        match self.max_connections {
            Some(max) if open >= max => None,
            _ => Some(slot),
        }
    }
}

/// One open connection, counted until its socket closes: it lives in the socket's wrapper,
/// which a WebSocket keeps after the upgrade.
pub(crate) struct Slot(Arc<AtomicUsize>);

/// What hyper serves of a plain TCP connection accepted by [`Server::run`]: a WebSocket
/// upgraded from one can take its socket back out of hyper's `Upgraded`.
#[cfg(feature = "ws")]
pub(crate) type ServedTcp = crate::protocol::Io<Watched<tokio::net::TcpStream, Slot>>;

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Answers a connection beyond [`ServeOptions::max_connections`] and closes it.
async fn refuse<IO: AsyncRead + AsyncWrite + Unpin>(stream: IO) {
    const BODY: &str = r#"{"status":503,"statusText":"Service Unavailable","message":"Too many connections: try again later"}"#;
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    answer_and_close(stream, &response).await;
}

/// Writes a whole HTTP/1.1 answer on a connection hyper never saw, then closes it.
pub(crate) async fn answer_and_close<IO: AsyncRead + AsyncWrite + Unpin>(
    mut stream: IO,
    response: &str,
) {
    let answered = async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await?;
        // Read what the client sent until it hangs up: closing with unread data would reset
        // the connection, and the client could lose the answer.
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<_, io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), answered).await;
}

/// hyper's own limit on request headers.
const HYPER_MAX_HEADERS: usize = 100;

fn connection_builders(options: &ServeOptions) -> Builders {
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        // The header-read timeout is the connection watch's (`idle.rs`): hyper's arms a
        // timer for every request head.
        .header_read_timeout(None)
        .max_buf_size(options.max_header_size)
        .keep_alive(true);
    // hyper parses up to 100 headers in a stack array; any explicit limit, even 100,
    // makes it allocate and zero a 100-entry array twice per request (measured with
    // callgrind: a fifth of the instructions of a plaintext request).
    if options.max_headers != HYPER_MAX_HEADERS {
        http1.max_headers(options.max_headers);
    }
    let mut http2 = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    http2
        .timer(TokioTimer::new())
        .max_header_list_size(options.max_header_size as u32)
        // RFC 8441: WebSockets over HTTP/2, as an extended CONNECT on the route's upgrade slot.
        .enable_connect_protocol();
    Builders { http1, http2 }
}

/// What every connection of one app goes through, whether the listener accepted it or a
/// [`TestClient`](crate::test::TestClient) opened it in memory: the connection limit, hyper
/// with the server's settings, the idle timeout and shutdown.
#[derive(Clone)]
pub(crate) struct Connections {
    app: Arc<H3>,
    builders: Arc<Builders>,
    limits: Arc<Limits>,
    shutdown: Shutdown,
    body_limit: Option<usize>,
}

impl Connections {
    pub(crate) fn new(app: Arc<H3>, options: &ServeOptions, shutdown: Shutdown) -> Self {
        Connections {
            app,
            builders: Arc::new(connection_builders(options)),
            limits: Arc::new(Limits::new(options)),
            shutdown,
            body_limit: options.body_limit,
        }
    }

    #[cfg_attr(not(feature = "test-client"), allow(dead_code))]
    pub(crate) fn app(&self) -> &Arc<H3> {
        &self.app
    }

    /// Serves one connection from `remote` until it closes. Its place under
    /// [`ServeOptions::max_connections`] is taken now, not when the future first runs.
    pub(crate) fn serve<IO>(
        &self,
        io: IO,
        remote: SocketAddr,
    ) -> impl Future<Output = ()> + Send + 'static
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        self.serve_after(std::future::ready(Some(io)), remote)
    }

    /// Serves the connection that `io` yields (after a TLS handshake, say; `None` if it
    /// failed), which counts under [`ServeOptions::max_connections`] from now on.
    pub(crate) fn serve_after<IO, F>(
        &self,
        io: F,
        remote: SocketAddr,
    ) -> impl Future<Output = ()> + Send + 'static
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        F: Future<Output = Option<IO>> + Send + 'static,
    {
        let slot = self.limits.slot();
        let connection = Connection {
            app: self.app.clone(),
            info: Arc::new(ConnectionInfo {
                remote,
                shutdown: self.shutdown.clone(),
                body_limit: self.body_limit,
            }),
            limits: self.limits.clone(),
        };
        let builders = self.builders.clone();
        async move {
            let Some(io) = io.await else { return };
            match slot {
                Some(slot) => connection.serve(builders, io, slot).await,
                None => refuse(io).await,
            }
        }
    }
}

/// Why a connection's task stopped waiting on hyper alone.
enum Ended<E> {
    /// hyper is done with the connection.
    Served(Result<(), E>),
    Shutdown,
    Expired(Expiry),
}

struct Connection {
    app: Arc<H3>,
    info: Arc<ConnectionInfo>,
    limits: Arc<Limits>,
}

impl Connection {
    async fn serve<IO>(self, builders: Arc<Builders>, stream: IO, slot: Slot)
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let _running = self.info.shutdown.guard();
        let shutdown = self.info.shutdown.clone();
        let timeouts = self.limits.timeouts;
        let activity = Activity::new();
        let io = Watched::new(stream, activity.clone(), slot);
        let this = Arc::new(self);
        let requests = activity.clone();
        let service = service_fn(move |mut request: http::Request<Incoming>| {
            let in_flight = requests.request();
            if request.method() == http::Method::CONNECT {
                request
                    .extensions_mut()
                    .insert(OpenStream(requests.clone()));
            }
            this.handle(request, in_flight)
        });
        let mut connection = HttpConnection::new(builders, io, service, {
            let activity = activity.clone();
            move || activity.no_heads()
        });
        // Every request wakes this task; only the connection has news each time. What else
        // ends it, shutdown or its watch, waits behind one gate: one flag to look at per
        // wake, and no `select!` around hyper's connection.
        let mut end = OnWake::new({
            let activity = activity.clone();
            async move {
                tokio::select! {
                    biased;
                    () = shutdown.triggered() => Ended::Shutdown,
                    expiry = activity.expiry(timeouts) => Ended::Expired(expiry),
                }
            }
        });
        let ended = std::future::poll_fn(|cx| {
            if let Poll::Ready(result) = Pin::new(&mut connection).poll(cx) {
                return Poll::Ready(Ended::Served(result));
            }
            Pin::new(&mut end).poll(cx)
        })
        .await;
        let result = match ended {
            Ended::Served(result) => result,
            // hyper would wait for the head to end: close the socket now.
            Ended::Expired(Expiry::SlowHead) => {
                tracing::debug!("closing a connection whose request head is too slow");
                Ok(())
            }
            Ended::Expired(Expiry::Idle) | Ended::Shutdown => {
                if let Ended::Expired(_) = ended {
                    tracing::debug!("closing an idle connection");
                }
                // hyper finishes the request under way, then closes.
                connection.graceful_shutdown();
                (&mut connection).await
            }
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "connection ended with an error");
        }
    }

    /// The request's answer: routed and started now, finished by the future.
    #[inline]
    fn handle(&self, request: http::Request<Incoming>, in_flight: InFlight) -> Served {
        let log = RequestLog::start(&request).map(Box::new);
        let (parts, body) = request.into_parts();
        let responding = match self.refusal(&parts) {
            Some(refusal) => Responding::ready(refusal.into_response()),
            None => self
                .app
                .serve(parts, Body::from(body), Some(self.info.clone())),
        };
        Served {
            responding,
            log,
            in_flight: Some(in_flight),
        }
    }

    /// What the server answers by itself, before the app: a request no app should see.
    fn refusal(&self, request: &http::request::Parts) -> Option<HttpError> {
        // RFC 9112 section 3.2: an HTTP/1.1 request without exactly one Host is a 400.
        // HTTP/1.0 predates Host; HTTP/2 carries the authority in a pseudo-header.
        if request.version == http::Version::HTTP_11 && !has_one_host(&request.headers) {
            return Some(HttpError::bad_request(
                "An HTTP/1.1 request needs exactly one Host header",
            ));
        }
        let target = request
            .uri
            .path_and_query()
            .map_or(0, |pq| pq.as_str().len());
        if target > self.limits.max_uri_length {
            return Some(HttpError::new(
                http::StatusCode::URI_TOO_LONG,
                format!(
                    "The request target is longer than the limit of {} bytes",
                    self.limits.max_uri_length
                ),
            ));
        }
        None
    }
}

/// Whether `headers` hold exactly one `Host`. In a map without repeated names (nearly every
/// request) one is enough; a short one is scanned, which costs less than hashing the name.
fn has_one_host(headers: &http::HeaderMap) -> bool {
    use http::header::HOST;
    if headers.len() != headers.keys_len() {
        headers.get_all(HOST).iter().count() == 1
    } else if headers.len() <= 8 {
        headers.keys().any(|name| name == HOST)
    } else {
        headers.contains_key(HOST)
    }
}

/// One request's answer as hyper takes it: the app's, logged when the log is on, with a body
/// that keeps the request in flight until hyper has sent it.
struct Served {
    responding: Responding,
    log: Option<Box<RequestLog>>,
    in_flight: Option<InFlight>,
}

impl Future for Served {
    type Output = Result<http::Response<TrackedBody>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let response = ready!(Pin::new(&mut this.responding).poll(cx));
        if let Some(log) = this.log.take() {
            log.finish(response.status());
        }
        let in_flight = this.in_flight.take().expect("a request is answered once");
        Poll::Ready(Ok(response.map(|body| TrackedBody::new(body, in_flight))))
    }
}

async fn trigger_on_signal(shutdown: Shutdown) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutdown signal received");
    shutdown.trigger();
}

/// Serves `app` on `HOST`:`PORT` (defaults `127.0.0.1:3000`) until Ctrl-C or
/// SIGTERM, then shuts down gracefully. See [`serve_with`] to set the
/// options in code, and [`run`](fn@crate::run) for a whole `main`.
///
/// ```no_run
/// use h3rs::{H3, H3Event};
///
/// #[tokio::main]
/// async fn main() -> std::io::Result<()> {
///     let app = H3::new().get("/", |_: H3Event| async { "hi" });
///     h3rs::serve(app).await
/// }
/// ```
pub async fn serve(app: H3) -> io::Result<()> {
    serve_with(app, ServeOptions::from_env()).await
}

/// Serves `app` with explicit [`ServeOptions`]; logs
/// `Listening on http://HOST:PORT`. It is [`Server::bind`] then
/// [`Server::run`].
pub async fn serve_with(app: H3, options: ServeOptions) -> io::Result<()> {
    let scheme = if options.is_tls() { "https" } else { "http" };
    let server = Server::bind(app, options).await?;
    tracing::info!("Listening on {scheme}://{}", server.local_addr());
    server.run().await
}

#[cfg(test)]
mod tests {
    use super::has_one_host;
    use http::HeaderMap;
    use http::header::{ACCEPT, HOST};

    fn headers(names: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in names {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        map
    }

    #[test]
    fn one_host_is_found_in_short_long_and_repeating_maps() {
        let mut many: Vec<(String, &str)> = (0..12).map(|i| (format!("x-h{i}"), "v")).collect();
        many.push(("host".into(), "a"));
        let many: Vec<(&str, &str)> = many.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        assert!(has_one_host(&headers(&[("host", "a")])));
        assert!(has_one_host(&headers(&many)));
        assert!(has_one_host(&headers(&[
            ("accept", "a"),
            ("accept", "b"),
            ("host", "a")
        ])));
    }

    #[test]
    fn no_host_or_two_is_not_one() {
        assert!(!has_one_host(&headers(&[])));
        assert!(!has_one_host(&headers(&[("accept", "a")])));
        assert!(!has_one_host(&headers(&[("host", "a"), ("host", "b")])));
        let mut long: HeaderMap = (0..12)
            .map(|i| {
                (
                    http::HeaderName::from_bytes(format!("x-h{i}").as_bytes()).unwrap(),
                    "v".parse().unwrap(),
                )
            })
            .collect();
        assert!(!has_one_host(&long));
        long.append(HOST, "a".parse().unwrap());
        long.append(HOST, "b".parse().unwrap());
        assert!(!has_one_host(&long));
        long.append(ACCEPT, "x".parse().unwrap());
        assert!(!has_one_host(&long));
    }
}
