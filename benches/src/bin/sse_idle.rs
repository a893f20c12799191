//! Memory per idle server-sent events stream.
//!
//! Serves an app on 127.0.0.1 in this process, opens N streams from a child process (so that
//! each process stays under its file descriptor limit), waits until every stream has received
//! its first event and gone idle, and reports how much the server's resident memory grew, per
//! stream. See `benches/README.md`.
//!
//! ```sh
//! cargo run --release -p h3rs-benches --bin sse_idle -- 10000 generator
//! cargo run --release -p h3rs-benches --bin sse_idle -- 10000 event-stream
//! cargo run --release -p h3rs-benches --bin sse_idle -- 10000 connection   # baseline
//! ```

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use h3rs::sse::EventStream;
use h3rs::{H3Event, ServeOptions, Server};
use h3rs_benches::rss_kib;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

h3rs::yielding! {
    /// One event, then idle: a timer that fires once a minute, and the keep-alive timer.
    #[h3rs::sse("/generator")]
    async fn generator() {
        let minute = Duration::from_secs(60);
        let mut timer = tokio::time::interval(minute);
        loop {
            timer.tick().await;
            yield "hello";
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--client") {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(client(&args[2], &args[3], args[4].parse().unwrap()));
        return;
    }
    let count: usize = args.get(1).map_or(10_000, |n| n.parse().expect("a count"));
    let kind = args.get(2).cloned().unwrap_or_else(|| "generator".into());
    assert!(
        ["generator", "event-stream", "connection"].contains(&kind.as_str()),
        "kind is generator, event-stream or connection"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(server(count, &kind));
}

async fn server(count: usize, kind: &str) {
    let app = h3rs::app![generator]
        .get("/event-stream", |event: H3Event| async move {
            let stream = EventStream::new(&event);
            stream.push("hello");
            // Kept open by a task holding a handle, as an app that pushes from elsewhere does.
            let handle = stream.clone();
            tokio::spawn(async move { handle.closed().await });
            stream
        })
        // For comparison: an idle keep-alive connection after one plain request.
        .get("/connection", |_: H3Event| async { "data: hello\n\n" });
    let options = ServeOptions::default().port(0).handle_signals(false);
    let server = Server::bind(app, options).await.expect("bind");
    let addr = server.local_addr();
    let shutdown = server.shutdown();
    let running = tokio::spawn(server.run());

    // Warm up: the runtime's and allocator's one-time costs are not the streams'.
    run_clients(&addr.to_string(), kind, 100).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_kib("self");

    let started = Instant::now();
    let clients = run_clients(&addr.to_string(), kind, count).await;
    let opened = started.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib("self");
    let per_stream = (after.saturating_sub(before) as f64 * 1024.0) / count as f64;
    println!(
        "{count} idle {kind}s: server RSS {before} KiB -> {after} KiB, \
         {per_stream:.0} bytes each (opened in {opened:.1?})"
    );
    drop(clients);
    shutdown.trigger();
    let _ = running.await;
}

/// Starts the client process and waits until its `count` streams are open; the streams stay
/// open until the returned child is dropped (its stdin closes).
async fn run_clients(addr: &str, kind: &str, count: usize) -> ClientProcess {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["--client", addr, kind, &count.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the client process");
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    assert_eq!(
        line.trim(),
        format!("ready {count}"),
        "client process failed"
    );
    ClientProcess(child)
}

struct ClientProcess(std::process::Child);

impl Drop for ClientProcess {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// The client process: opens `count` streams, reads each one's first event, says `ready`,
/// and holds them until its stdin closes.
async fn client(addr: &str, kind: &str, count: usize) {
    let request =
        format!("GET /{kind} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    let mut streams = Vec::with_capacity(count);
    // A hundred connections at a time, well within the listener's backlog.
    for batch in (0..count).collect::<Vec<_>>().chunks(100) {
        let opening: Vec<_> = batch
            .iter()
            .map(|_| {
                let request = request.clone();
                let addr = addr.to_owned();
                tokio::spawn(async move {
                    let mut stream = TcpStream::connect(&addr).await.expect("connect");
                    stream.write_all(request.as_bytes()).await.unwrap();
                    let mut seen = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !String::from_utf8_lossy(&seen).contains("data: hello") {
                        let n = stream.read(&mut buf).await.unwrap();
                        assert!(n > 0, "the server closed a stream");
                        seen.extend_from_slice(&buf[..n]);
                    }
                    stream
                })
            })
            .collect();
        for stream in opening {
            streams.push(stream.await.unwrap());
        }
    }
    println!("ready {}", streams.len());
    std::io::stdout().flush().unwrap();
    let mut stdin = tokio::io::stdin();
    let mut sink = Vec::new();
    let _ = stdin.read_to_end(&mut sink).await;
    drop(streams);
}
