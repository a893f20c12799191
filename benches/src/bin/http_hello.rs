//! HTTP/1.1 throughput: h3rs against axum and bare hyper in the same run.
//!
//! Each server runs in a child process on one tokio worker thread; the load
//! generator (this process, one thread) keeps C keep-alive connections busy
//! for D seconds on `GET /` (static route) and `GET /users/42` (a path
//! param bound to a `u64`). Servers take turns over R rounds, so that a
//! burst of noise on the machine hits them alike, and each one's median
//! requests per second is reported with the ratios.
//!
//! ```sh
//! cargo run --release -p h3rs-benches --bin http_hello -- 64 2 5
//! ```

use h3rs_benches::{spawn_server, stop_server};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};

const SERVERS: [&str; 3] = ["h3rs", "axum", "hyper"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        serve(&args[2]);
        return;
    }
    let connections: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(64);
    let seconds: u64 = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(2);
    let rounds: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(5);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for path in ["/", "/users/42"] {
        let mut samples = vec![Vec::new(); SERVERS.len()];
        for _ in 0..rounds {
            for (kind, samples) in SERVERS.iter().zip(&mut samples) {
                samples.push(runtime.block_on(measure(kind, path, connections, seconds)));
            }
        }
        let mut rates = Vec::new();
        for (kind, mut samples) in SERVERS.iter().zip(samples) {
            samples.sort_by(f64::total_cmp);
            let rate = samples[samples.len() / 2];
            println!("GET {path:<10} {kind:<6} {rate:>9.0} req/s (median of {rounds})");
            rates.push(rate);
        }
        println!(
            "GET {path:<10} ratios: h3rs/axum {:.2}, h3rs/hyper {:.2}",
            rates[0] / rates[1],
            rates[0] / rates[2]
        );
    }
}

async fn measure(kind: &str, path: &str, connections: usize, seconds: u64) -> f64 {
    let (child, port) = spawn_server(kind);
    let count = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let count = count.clone();
        let path = path.to_string();
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(conn);
            while Instant::now() < deadline {
                let request = http::Request::get(&path)
                    .header("host", "127.0.0.1")
                    .body(Empty::<Bytes>::new())
                    .unwrap();
                let response = sender.send_request(request).await.unwrap();
                assert_eq!(response.status(), 200);
                response.into_body().collect().await.unwrap();
                count.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    stop_server(child);
    count.load(Ordering::Relaxed) as f64 / seconds as f64
}

fn serve(kind: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        match kind {
            "h3rs" => serve_h3rs().await,
            "axum" => serve_axum().await,
            _ => serve_hyper().await,
        }
    });
}

mod h3rs_app {
    use h3rs::prelude::*;

    #[get("/")]
    pub async fn index() -> &'static str {
        "Hello, World!"
    }

    #[get("/users/:id")]
    pub async fn user(id: u64) -> String {
        format!("user {id}")
    }
}

async fn serve_h3rs() {
    // `H3RS_BENCH_LOG=info` measures the request log: a subscriber as `h3rs::run` installs,
    // writing to stderr (run the benchmark with `2>/dev/null`).
    if let Ok(filter) = std::env::var("H3RS_BENCH_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_ansi(false)
            .with_writer(std::io::stderr)
            .init();
    }
    let app = h3rs::app![h3rs_app::index, h3rs_app::user];
    let options = h3rs::ServeOptions::default().port(0).handle_signals(false);
    let server = h3rs::Server::bind(app, options).await.unwrap();
    println!("{}", server.local_addr().port());
    server.run().await.unwrap();
}

async fn serve_axum() {
    use axum::extract::Path;
    use axum::routing::get;
    let app = axum::Router::new()
        .route("/", get(|| async { "Hello, World!" }))
        .route(
            "/users/{id}",
            get(|Path(id): Path<u64>| async move { format!("user {id}") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("{}", listener.local_addr().unwrap().port());
    axum::serve(listener, app).await.unwrap();
}

async fn serve_hyper() {
    use hyper::service::service_fn;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("{}", listener.local_addr().unwrap().port());
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        stream.set_nodelay(true).unwrap();
        tokio::spawn(async move {
            let service = service_fn(|request: http::Request<hyper::body::Incoming>| async move {
                let body = match request.uri().path() {
                    "/" => Bytes::from_static(b"Hello, World!"),
                    path => {
                        let id: u64 = path
                            .strip_prefix("/users/")
                            .and_then(|id| id.parse().ok())
                            .unwrap_or(0);
                        Bytes::from(format!("user {id}"))
                    }
                };
                let mut response = http::Response::new(http_body_util::Full::new(body));
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                Ok::<_, std::convert::Infallible>(response)
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}
