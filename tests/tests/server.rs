//! The server: keep-alive, pipelining, HTTP/2, limits, graceful shutdown.

use std::time::Duration;

use bytes::Bytes;
use h3rs::{H3, H3Event, ServeOptions, Server};
use h3rs_tests::{raw_exchange, request, spawn, spawn_with, test_options};
use http_body_util::Full;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

fn app() -> H3 {
    H3::new().get("/hello", |_: H3Event| async { "hello" }).get(
        "/whoami",
        |event: H3Event| async move {
            format!(
                "{:?} {}",
                event.parts().version,
                event.remote_addr().is_some()
            )
        },
    )
}

#[tokio::test]
async fn keep_alive_serves_many_requests_on_one_connection() {
    let server = spawn(app()).await;
    let (mut sender, _conn) = h3rs_tests::http1(server.addr).await;
    for _ in 0..5 {
        sender.ready().await.unwrap();
        let response = sender
            .send_request(
                request("GET", "/hello")
                    .body(Full::<Bytes>::default())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap();
        assert_eq!(&body.to_bytes()[..], b"hello");
    }
    server.stop().await;
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order() {
    let server = spawn(app()).await;
    let two = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let out = raw_exchange(server.addr, two, None).await;
    let first = out.find("HTTP/1.1 200 OK").expect("first response");
    let second = out.find("HTTP/1.1 404 Not Found").expect("second response");
    assert!(first < second, "{out}");
    assert!(out.contains("hello"));
    server.stop().await;
}

#[tokio::test]
async fn http2_with_prior_knowledge_on_the_same_port() {
    let server = spawn(app()).await;
    let reply = server
        .send_h2(
            http::Request::builder()
                .uri(format!("http://{}/whoami", server.addr))
                .body(Full::default())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), "HTTP/2.0 true");
    let reply = server.get("/whoami").await;
    assert_eq!(reply.text(), "HTTP/1.1 true");
    server.stop().await;
}

#[tokio::test]
async fn oversized_request_heads_are_431() {
    let server = spawn_with(app(), test_options().max_header_size(8192).max_headers(20)).await;
    let big = format!(
        "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(10_000)
    );
    let out = raw_exchange(server.addr, big.as_bytes(), Some("\r\n\r\n")).await;
    assert!(out.starts_with("HTTP/1.1 431"), "{out}");
    let mut many = String::from("GET /hello HTTP/1.1\r\nHost: x\r\n");
    for i in 0..40 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let out = raw_exchange(server.addr, many.as_bytes(), Some("\r\n\r\n")).await;
    assert!(out.starts_with("HTTP/1.1 431"), "{out}");
    // The server goes on.
    assert_eq!(server.get("/hello").await.text(), "hello");
    server.stop().await;
}

#[tokio::test]
async fn the_default_header_count_limit_is_100() {
    // h3rs leaves hyper's own limit in place by default (no allocation per request).
    let server = spawn_with(app(), test_options()).await;
    let head = |count: usize| {
        let mut head = String::from("GET /hello HTTP/1.1\r\nHost: x\r\n");
        for i in 1..count {
            head.push_str(&format!("X-H{i}: v\r\n"));
        }
        head + "\r\n"
    };
    let out = raw_exchange(server.addr, head(100).as_bytes(), Some("hello")).await;
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    let out = raw_exchange(server.addr, head(101).as_bytes(), Some("\r\n\r\n")).await;
    assert!(out.starts_with("HTTP/1.1 431"), "{out}");
    server.stop().await;
}

#[tokio::test]
async fn a_slow_request_head_is_cut_off_by_the_header_timeout() {
    let server = spawn_with(
        app(),
        test_options().header_read_timeout(Duration::from_millis(200)),
    )
    .await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Never finish the head: the server must close the connection by itself.
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "server kept a slowloris connection open");
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
    assert_eq!(server.get("/hello").await.text(), "hello");
    server.stop().await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_a_request_in_flight() {
    let (started_tx, mut started_rx) = mpsc::channel::<()>(1);
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let release_rx = std::sync::Mutex::new(Some(release_rx));
    let release_rx = std::sync::Arc::new(release_rx);
    let app = H3::new().get("/slow", move |_: H3Event| {
        let started = started_tx.clone();
        let release = release_rx.lock().unwrap().take();
        async move {
            started.send(()).await.unwrap();
            if let Some(release) = release {
                release.await.unwrap();
            }
            "finished"
        }
    });
    let server = spawn(app).await;
    let addr = server.addr;
    let client = tokio::spawn(async move {
        let (mut sender, _conn) = h3rs_tests::http1(addr).await;
        let response = sender
            .send_request(
                request("GET", "/slow")
                    .body(Full::<Bytes>::default())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = response.status();
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap();
        (status, body.to_bytes())
    });
    started_rx.recv().await.unwrap();
    server.shutdown.trigger();
    release_tx.send(()).unwrap();
    let (status, body) = client.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(&body[..], b"finished");
    server.task.await.unwrap().unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}

#[tokio::test]
async fn shutdown_does_not_wait_for_idle_keep_alive_connections() {
    let server = spawn_with(app(), test_options().grace_period(Duration::from_secs(30))).await;
    let (mut sender, conn) = h3rs_tests::http1(server.addr).await;
    let response = sender
        .send_request(
            request("GET", "/hello")
                .body(Full::<Bytes>::default())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    drop(response);
    let started = std::time::Instant::now();
    server.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "shutdown waited on an idle connection"
    );
    conn.await.unwrap().unwrap();
}

#[tokio::test]
async fn grace_period_bounds_shutdown() {
    let (started_tx, mut started_rx) = mpsc::channel::<()>(1);
    let app = H3::new().get("/forever", move |_: H3Event| {
        let started = started_tx.clone();
        async move {
            started.send(()).await.unwrap();
            std::future::pending::<()>().await;
            "never"
        }
    });
    let server = spawn_with(app, test_options().grace_period(Duration::from_millis(100))).await;
    let addr = server.addr;
    let client = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /forever HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf).await;
    });
    started_rx.recv().await.unwrap();
    let started = std::time::Instant::now();
    server.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "shutdown ignored the grace period"
    );
    client.abort();
}

#[tokio::test]
async fn address_comes_from_host_and_port() {
    // SAFETY: the only test of this binary that touches the environment, and nothing reads
    // it meanwhile outside std's own lock (no libc getenv in another thread: the addresses
    // are literals, so no resolver runs).
    unsafe {
        std::env::set_var("HOST", "127.0.0.1");
        std::env::set_var("PORT", "0");
    }
    let server = Server::bind(app(), ServeOptions::from_env().handle_signals(false))
        .await
        .unwrap();
    assert!(server.local_addr().ip().is_loopback());
    assert_ne!(server.local_addr().port(), 0);
    let explicit = ServeOptions::from_env().port(0).host("127.0.0.1");
    let other = Server::bind(app(), explicit).await.unwrap();
    assert_ne!(other.local_addr(), server.local_addr());
}

/// `len` bytes that tell their positions apart, so a piece out of place shows.
fn patterned(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[tokio::test]
async fn large_bodies_arrive_whole_on_a_connection_that_goes_on() {
    // Small writes reach the socket joined, large ones as hyper gives them (`coalesce.rs`):
    // a large body and a chunked stream (whose small chunks are joined with their framing)
    // must arrive as the same bytes, and the connection must serve the next request.
    let big = Bytes::from(patterned(1024 * 1024 + 3));
    let chunks = vec![
        Bytes::from(patterned(200 * 1024)),
        Bytes::from_static(b"tail"),
    ];
    let app = {
        let big = big.clone();
        let chunks = chunks.clone();
        H3::new()
            .get("/big", move |_: H3Event| {
                let big = big.clone();
                async move { big }
            })
            .get("/stream", move |_: H3Event| {
                let chunks = chunks.clone();
                async move {
                    h3rs::StreamBody(futures_util::stream::iter(
                        chunks.into_iter().map(Ok::<_, std::io::Error>),
                    ))
                }
            })
            .get("/hello", |_: H3Event| async { "hello" })
    };
    let server = spawn(app).await;
    let (mut sender, _conn) = h3rs_tests::http1(server.addr).await;
    let mut get = async |path: &str| {
        sender.ready().await.unwrap();
        let response = sender
            .send_request(request("GET", path).body(Full::<Bytes>::default()).unwrap())
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let body = http_body_util::BodyExt::collect(body)
            .await
            .unwrap()
            .to_bytes();
        (parts, body)
    };

    let (parts, body) = get("/big").await;
    assert_eq!(parts.status, 200);
    assert_eq!(parts.headers["content-length"], big.len().to_string());
    assert!(body == big, "the 1 MiB body came back changed");

    let (parts, body) = get("/stream").await;
    assert_eq!(parts.headers["transfer-encoding"], "chunked");
    assert!(
        body == chunks.concat(),
        "the streamed body came back changed"
    );

    let (_, body) = get("/hello").await;
    assert_eq!(body, "hello");

    let reply = server
        .send_h2(request("GET", "/big").body(Full::default()).unwrap())
        .await;
    assert!(reply.body == big, "the body came back changed over HTTP/2");
    server.stop().await;
}
