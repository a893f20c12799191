//! Shared helpers of the integration tests: a real server on `127.0.0.1:0`
//! and a real hyper client.

#[cfg(doctest)]
mod guide;
mod process;
#[cfg(feature = "redis")]
pub mod redis_server;
pub mod tls;
pub mod ws;

pub use process::ExampleProcess;

use std::net::SocketAddr;

use bytes::Bytes;
use h3rs::{H3, ServeOptions, Server, Shutdown};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

/// A server running in the background of a test.
pub struct TestServer {
    pub addr: SocketAddr,
    pub shutdown: Shutdown,
    pub task: JoinHandle<std::io::Result<()>>,
}

/// Options every test server starts from: loopback, any free port, no signal handling.
pub fn test_options() -> ServeOptions {
    ServeOptions::default()
        .host("127.0.0.1")
        .port(0)
        .handle_signals(false)
}

/// Serves `app` on a free loopback port.
pub async fn spawn(app: H3) -> TestServer {
    spawn_with(app, test_options()).await
}

/// Serves `app` with `options`.
pub async fn spawn_with(app: H3, options: ServeOptions) -> TestServer {
    let server = Server::bind(app, options).await.expect("bind");
    let addr = server.local_addr();
    let shutdown = server.shutdown();
    let task = tokio::spawn(server.run());
    TestServer {
        addr,
        shutdown,
        task,
    }
}

/// A response read to the end.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("utf-8 body")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("json body")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
            .to_str()
            .unwrap()
    }
}

/// A fresh HTTP/1.1 client connection to `addr`, driven by a background task
/// (whose handle says how the connection ended).
pub async fn http1<B>(
    addr: SocketAddr,
) -> (
    hyper::client::conn::http1::SendRequest<B>,
    JoinHandle<hyper::Result<()>>,
)
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    (sender, tokio::spawn(conn))
}

impl TestServer {
    /// A handle on a server running elsewhere (another process).
    pub fn at(addr: SocketAddr) -> TestServer {
        TestServer {
            addr,
            shutdown: Shutdown::new(),
            task: tokio::spawn(async { Ok(()) }),
        }
    }

    /// Sends one request on a fresh HTTP/1.1 connection.
    pub async fn send(&self, request: Request<Full<Bytes>>) -> Reply {
        let (mut sender, _connection) = http1(self.addr).await;
        let response = sender.send_request(request).await.expect("response");
        read(response).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(request("GET", path).body(Full::default()).unwrap())
            .await
    }

    /// `method path` with a body and a content type.
    pub async fn send_body(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> Reply {
        self.send(
            request(method, path)
                .header("content-type", content_type)
                .body(Full::new(Bytes::copy_from_slice(body.as_bytes())))
                .unwrap(),
        )
        .await
    }

    /// Sends one request over HTTP/2 with prior knowledge.
    pub async fn send_h2(&self, request: Request<Full<Bytes>>) -> Reply {
        let stream = TcpStream::connect(self.addr).await.expect("connect");
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                .await
                .expect("h2 handshake");
        tokio::spawn(conn);
        let response = sender.send_request(request).await.expect("h2 response");
        read(response).await
    }

    /// Triggers graceful shutdown and waits for the server to finish.
    pub async fn stop(self) {
        self.shutdown.trigger();
        self.task.await.expect("server task").expect("server run");
    }
}

/// A request builder with a loopback authority.
pub fn request(method: &str, path: &str) -> http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1")
}

async fn read(response: http::Response<hyper::body::Incoming>) -> Reply {
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("body").to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// Writes raw bytes on a new connection and reads until the server closes it
/// or `until` appears in what was read.
pub async fn raw_exchange(addr: SocketAddr, bytes: &[u8], until: Option<&str>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(bytes).await.expect("write");
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if let Some(needle) = until
                    && String::from_utf8_lossy(&out).matches(needle).count() > 0
                {
                    break;
                }
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A streaming response being read as it arrives (server-sent events).
pub struct Streaming {
    pub status: StatusCode,
    pub headers: HeaderMap,
    body: hyper::body::Incoming,
    /// Every body byte read so far.
    pub received: Vec<u8>,
    /// Whether the body has ended.
    pub ended: bool,
    connection: JoinHandle<hyper::Result<()>>,
}

/// How long a streaming read waits before failing the test.
pub const STREAM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl Streaming {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// What was received, as text.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.received).expect("utf-8 body")
    }

    /// Reads the next data frame; `None` at the end of the body.
    pub async fn next_chunk(&mut self) -> Option<Bytes> {
        loop {
            let frame = tokio::time::timeout(STREAM_TIMEOUT, self.body.frame())
                .await
                .expect("timed out waiting for the stream");
            match frame {
                None => {
                    self.ended = true;
                    return None;
                }
                Some(Err(e)) => panic!("stream failed: {e}"),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.received.extend_from_slice(&data);
                        return Some(data);
                    }
                }
            }
        }
    }

    /// Reads until `needle` has been received `count` times in all; returns everything
    /// received so far.
    pub async fn read_until_count(&mut self, needle: &str, count: usize) -> String {
        while self.text().matches(needle).count() < count {
            if self.next_chunk().await.is_none() {
                panic!(
                    "the stream ended before {count} x {needle:?}: {:?}",
                    self.text()
                );
            }
        }
        self.text().to_owned()
    }

    /// Reads until `needle` has been received.
    pub async fn read_until(&mut self, needle: &str) -> String {
        self.read_until_count(needle, 1).await
    }

    /// Reads to the end of the body.
    pub async fn read_to_end(&mut self) -> String {
        while self.next_chunk().await.is_some() {}
        self.text().to_owned()
    }

    /// Goes away: closes the connection without reading further.
    pub fn disconnect(self) {
        self.connection.abort();
    }
}

impl TestServer {
    /// Sends a request on a fresh HTTP/1.1 connection and returns the response as soon as
    /// its head arrives, to read the body as it comes.
    pub async fn open(&self, request: Request<Full<Bytes>>) -> Streaming {
        let (mut sender, connection) = http1(self.addr).await;
        let response = tokio::time::timeout(STREAM_TIMEOUT, sender.send_request(request))
            .await
            .expect("timed out waiting for the response head")
            .expect("response");
        let (parts, body) = response.into_parts();
        Streaming {
            status: parts.status,
            headers: parts.headers,
            body,
            received: Vec::new(),
            ended: false,
            connection,
        }
    }

    /// `GET path`, read as a stream.
    pub async fn open_get(&self, path: &str) -> Streaming {
        self.open(request("GET", path).body(Full::default()).unwrap())
            .await
    }
}

/// The binary of example `name`, built if it is missing.
pub fn example_binary(name: &str) -> std::path::PathBuf {
    use std::process::Command;
    // target/debug/deps/<this test> -> target/debug/examples/<name>
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join(name);
    if !path.exists() {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "-p", "h3rs-examples", "--example", name])
            .status()
            .expect("cargo build");
        assert!(status.success(), "building example {name}");
    }
    path
}

/// A free loopback port for a server in another process.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `(id, data)` of each complete event of a `text/event-stream` body (an event without
/// `id:` has an empty id); an event still being written is left out.
pub fn sse_events(body: &str) -> Vec<(String, String)> {
    let complete = &body[..body.rfind("\n\n").map_or(0, |end| end + 2)];
    complete
        .split("\n\n")
        .filter(|event| !event.is_empty())
        .map(|event| {
            let field = |name: &str| {
                event
                    .lines()
                    .find_map(|line| line.strip_prefix(name))
                    .unwrap_or_default()
                    .to_owned()
            };
            (field("id: "), field("data: "))
        })
        .collect()
}
