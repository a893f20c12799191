//! Leak check: many WebSocket connect / subscribe / disconnect cycles
//! against one h3rs server, reporting the process RSS along the way and the
//! app's peer count and the hub's topic count at the end (both must be 0).
//!
//! ```sh
//! cargo run --release -p h3rs-benches --bin ws_churn -- 1000000
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use h3rs::ws::{CloseDetails, Message, Peer, WebSocket};
use h3rs_benches::rss_kib;
use tokio_tungstenite::tungstenite::Message as Wire;

struct Chat;

impl WebSocket for Chat {
    async fn open(&self, peer: &Peer) {
        peer.subscribe("chat");
        peer.subscribe(&format!("private:{}", peer.id()));
        peer.send("welcome");
    }

    async fn message(&self, peer: &Peer, message: Message) {
        peer.publish("chat", message);
    }

    async fn close(&self, peer: &Peer, _details: CloseDetails) {
        peer.publish("chat", "left");
    }
}

#[tokio::main]
async fn main() {
    let cycles: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let workers = 32;
    let app = h3rs::H3::new().websocket("/ws", Chat);
    let hub = app.hub().clone();
    let peers = app.peers().clone();
    let options = h3rs::ServeOptions::default().port(0).handle_signals(false);
    let server = h3rs::Server::bind(app, options).await.unwrap();
    let url = format!("ws://{}/ws", server.local_addr());
    let shutdown = server.shutdown();
    let running = tokio::spawn(server.run());

    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let start_rss = rss_kib("self");
    let mut checkpoints = Vec::new();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let url = url.clone();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            while done.fetch_add(1, Ordering::Relaxed) < cycles {
                let (mut client, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
                while let Some(Ok(frame)) = client.next().await {
                    if matches!(frame, Wire::Text(ref t) if t.as_str() == "welcome") {
                        break;
                    }
                }
                client.send(Wire::text("hi")).await.unwrap();
                client.close(None).await.unwrap();
                while client.next().await.is_some() {}
            }
        }));
    }
    let mut next_report = cycles / 10;
    while !tasks.iter().all(|t| t.is_finished()) {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let finished = done.load(Ordering::Relaxed).min(cycles);
        if finished >= next_report {
            let rss = rss_kib("self");
            println!(
                "{finished:>9} cycles  RSS {rss} KiB  peers {}  topics {}",
                peers.len(),
                hub.topic_count()
            );
            checkpoints.push(rss);
            next_report += cycles / 10;
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    // Close hooks run after the client has gone; wait for the last ones.
    while !peers.is_empty() {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let elapsed = started.elapsed();
    let end_rss = rss_kib("self");
    println!(
        "{cycles} cycles in {:.1} s ({:.0}/s); RSS {start_rss} KiB at start, {} KiB at 10%, {end_rss} KiB at the end; peers {}, topics {}",
        elapsed.as_secs_f64(),
        cycles as f64 / elapsed.as_secs_f64(),
        checkpoints.first().copied().unwrap_or(end_rss),
        peers.len(),
        hub.topic_count(),
    );
    shutdown.trigger();
    running.await.unwrap().unwrap();
}
