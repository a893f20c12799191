//! `serve`: hyper 1.x connections with limits and graceful shutdown.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};

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
    grace_period: Duration,
    body_limit: Option<usize>,
    handle_signals: bool,
}

impl Default for ServeOptions {
    /// `127.0.0.1:3000`, without reading the environment.
    fn default() -> Self {
        ServeOptions {
            host: "127.0.0.1".into(),
            port: 3000,
            header_read_timeout: Duration::from_secs(10),
            max_header_size: 16 * 1024,
            max_headers: 100,
            grace_period: Duration::from_secs(10),
            body_limit: None,
            handle_signals: true,
        }
    }
}

impl ServeOptions {
    /// The defaults, with the address from `HOST` and `PORT` when they are
    /// set. An empty `HOST`, or a `PORT` that is not a number from 0 to 65535,
    /// is ignored and keeps the default; nothing else is read from the
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

    /// How long a client may take to send a request head (default 10 s):
    /// a slowloris client is disconnected after it. Applies to HTTP/1; behind
    /// a proxy that buffers request heads, a short timeout suffices.
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
        let listener = TcpListener::bind((options.host.as_str(), options.port)).await?;
        Ok(Server {
            listener,
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
            app,
            options,
            shutdown,
        } = self;
        if options.handle_signals {
            tokio::spawn(trigger_on_signal(shutdown.clone()));
        }
        let builder = connection_builder(&options);
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, remote)) => {
                        let connection = Connection {
                            app: app.clone(),
                            info: Arc::new(ConnectionInfo {
                                remote,
                                shutdown: shutdown.clone(),
                                body_limit: options.body_limit,
                            }),
                        };
                        tokio::spawn(connection.serve(builder.clone(), stream));
                    }
                    Err(e) => accept_error(e).await,
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

/// Accept errors are about one connection or a momentary lack of file
/// descriptors; a short pause lets the latter pass instead of spinning.
async fn accept_error(e: io::Error) {
    tracing::warn!(error = %e, "accept failed");
    if !matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn connection_builder(options: &ServeOptions) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .max_buf_size(options.max_header_size)
        .max_headers(options.max_headers)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(options.max_header_size as u32);
    builder
}

struct Connection {
    app: Arc<H3>,
    info: Arc<ConnectionInfo>,
}

impl Connection {
    async fn serve(self, builder: auto::Builder<TokioExecutor>, stream: TcpStream) {
        let _running = self.info.shutdown.guard();
        let _ = stream.set_nodelay(true);
        let shutdown = self.info.shutdown.clone();
        let this = Arc::new(self);
        let service = service_fn(move |request: http::Request<Incoming>| {
            let this = this.clone();
            async move { Ok::<_, Infallible>(this.handle(request).await) }
        });
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
        tokio::pin!(connection);
        let result = tokio::select! {
            result = connection.as_mut() => result,
            () = shutdown.triggered() => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "connection ended with an error");
        }
    }

    async fn handle(&self, request: http::Request<Incoming>) -> crate::Response {
        self.app
            .serve_request(request.map(Body::from), Some(self.info.clone()))
            .await
    }
}

async fn trigger_on_signal(shutdown: Shutdown) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
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
    let server = Server::bind(app, options).await?;
    tracing::info!("Listening on http://{}", server.local_addr());
    server.run().await
}
