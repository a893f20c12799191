//! The benchmark contract, written as the README teaches: route attributes,
//! `#[websocket]`, `#[sse]` inside `yielding!`, `h3rs::run` (what `serve!`
//! writes), default options. With `REDIS_URL`, topics go through Redis.
//!
//! ```sh
//! cargo build --release --bin bench-server && PORT=8080 target/release/bench-server
//! ```
//!
//! - `GET /plaintext`: `Hello, World!` as text/plain
//! - `GET /json`: a small JSON object
//! - `GET /ws`: WebSocket echo, text stays text and binary stays binary
//! - `GET /pubsub`: every text message reaches every other `/pubsub` client,
//!   through the topic pub/sub
//! - `GET /sse?ms=N`: `data: tick K` every N ms, K = 0, 1, 2, ... per stream

use std::time::Duration;

use h3rs::prelude::*;
use serde::{Deserialize, Serialize};

#[get("/plaintext")]
async fn plaintext() -> &'static str {
    "Hello, World!"
}

#[derive(Serialize)]
struct Greeting {
    message: &'static str,
}

#[get("/json")]
async fn json() -> Json<Greeting> {
    Json(Greeting {
        message: "Hello, World!",
    })
}

struct Echo;

#[websocket("/ws")]
impl Echo {
    async fn message(&self, peer: &Peer, message: Message) {
        peer.send(message);
    }
}

struct Chat;

#[websocket("/pubsub")]
impl Chat {
    async fn open(&self, peer: &Peer) {
        peer.subscribe("chat");
    }

    async fn message(&self, peer: &Peer, message: Message) {
        if message.is_text() {
            peer.publish("chat", message);
        }
    }
}

#[derive(Deserialize)]
struct Pace {
    ms: Option<u64>,
}

h3rs::yielding! {
    #[sse("/sse")]
    async fn ticks(pace: Query<Pace>) {
        let period = Duration::from_millis(pace.0.ms.unwrap_or(1000).max(1));
        let mut timer = tokio::time::interval(period);
        let mut k: u64 = 0;
        loop {
            timer.tick().await;
            yield format!("tick {k}");
            k += 1;
        }
    }
}

// `serve!(plaintext, json, Echo, Chat, ticks)`, written out so that `REDIS_URL`
// can put the topics on Redis (several instances, one chat): `h3rs::run` is
// the `main` that `serve!` writes.
fn main() -> std::process::ExitCode {
    h3rs::run(async {
        let app = h3rs::H3::new()
            .register(plaintext)
            .register(json)
            .register(Echo)
            .register(Chat)
            .register(ticks);
        match std::env::var("REDIS_URL") {
            Ok(url) => app.pubsub(
                h3rs::pubsub::RedisPubSub::connect(&url)
                    .await
                    .expect("REDIS_URL is set but Redis is not reachable"),
            ),
            Err(_) => app,
        }
    })
}
