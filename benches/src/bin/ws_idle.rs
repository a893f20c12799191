//! Server memory per idle WebSocket connection: h3rs against a bare
//! tokio-tungstenite echo server with tungstenite's default buffers,
//! measured in the same run.
//!
//! Each server runs in a child process (this binary with `serve KIND`), so
//! the RSS read from /proc is the server's alone. The client opens N
//! connections, makes one echo round trip on each (so every connection is
//! fully set up on the server), then reads the server's RSS.
//!
//! ```sh
//! ulimit -n 65536 && cargo run --release -p h3rs-benches --bin ws_idle -- 10000
//! ```

use h3rs_benches::{rss_kib, spawn_server, stop_server};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        serve(&args[2]);
        return;
    }
    let connections: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut results = Vec::new();
    for kind in ["h3rs", "tungstenite-default"] {
        let per_connection = runtime.block_on(measure(kind, connections));
        results.push((kind, per_connection));
    }
    println!();
    println!("{connections} idle connections, server RSS growth per connection:");
    for (kind, bytes) in &results {
        println!("  {kind:<22} {:>8.1} KiB", *bytes / 1024.0);
    }
    println!(
        "  ratio h3rs / tungstenite-default: {:.2}",
        results[0].1 / results[1].1
    );
}

async fn measure(kind: &str, connections: usize) -> f64 {
    let (child, port) = spawn_server(kind);
    let url = format!("ws://127.0.0.1:{port}/ws");

    // One connection first, so that lazily built state is not counted.
    let (mut warm, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    echo(&mut warm).await;
    let before = rss_kib(&child.id().to_string());

    let mut clients = Vec::with_capacity(connections);
    for chunk in 0..connections.div_ceil(500) {
        let batch = (chunk * 500..((chunk + 1) * 500).min(connections)).map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let (mut client, _) = tokio_tungstenite::connect_async(url).await.unwrap();
                echo(&mut client).await;
                client
            })
        });
        let batch: Vec<_> = batch.collect();
        for task in batch {
            clients.push(task.await.unwrap());
        }
    }
    let after = rss_kib(&child.id().to_string());
    let per_connection = (after.saturating_sub(before) * 1024) as f64 / connections as f64;
    println!(
        "{kind}: RSS {before} KiB -> {after} KiB with {connections} connections ({:.1} KiB each)",
        per_connection / 1024.0
    );
    drop(clients);
    stop_server(child);
    per_connection
}

async fn echo<S>(client: &mut tokio_tungstenite::WebSocketStream<S>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    client.send(Message::text("hi")).await.unwrap();
    loop {
        match client.next().await.unwrap().unwrap() {
            Message::Text(_) => return,
            _ => continue,
        }
    }
}

fn serve(kind: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        match kind {
            "h3rs" => serve_h3rs().await,
            _ => serve_tungstenite().await,
        }
    });
}

struct Echo;

impl h3rs::ws::WebSocket for Echo {
    async fn message(&self, peer: &h3rs::ws::Peer, message: h3rs::ws::Message) {
        peer.send(message);
    }
}

async fn serve_h3rs() {
    let app = h3rs::H3::new().websocket("/ws", Echo);
    let options = h3rs::ServeOptions::default().port(0).handle_signals(false);
    let server = h3rs::Server::bind(app, options).await.unwrap();
    println!("{}", server.local_addr().port());
    server.run().await.unwrap();
}

async fn serve_tungstenite() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("{}", listener.local_addr().unwrap().port());
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        tokio::spawn(async move {
            let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            while let Some(Ok(message)) = socket.next().await {
                let data = message.is_text() || message.is_binary();
                if data && socket.send(message).await.is_err() {
                    return;
                }
            }
        });
    }
}
