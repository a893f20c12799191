//! The chat of `examples/websocket.rs`, served by as many instances as you like: they share
//! their topics through Redis (feature `redis`), so they are one chat room.
//!
//! ```sh
//! redis-server --port 6379 &
//! PORT=3000 cargo run --example chat-cluster --features redis
//! PORT=3001 cargo run --example chat-cluster --features redis   # another terminal
//! ```
//!
//! Open http://127.0.0.1:3000 and http://127.0.0.1:3001: what one says, the other hears.
//! `GET /` is the chat page and `/_ws` its socket, as in `websocket.rs`: a welcome, join and
//! leave notices, `[<peer>] <text>` to the others, the echo to the sender, "ping" answered
//! "pong". `GET /events` is the same room as server-sent events, each line with an `id:`
//! (the topic's Redis Stream id): an `EventSource` that reconnects to either instance
//! with its `Last-Event-ID` gets what it missed, then the live lines.
//!
//! `PORT` and `HOST` say where to listen (127.0.0.1:3000), `REDIS_URL` where Redis is
//! (`redis://127.0.0.1:6379`).

use h3rs::prelude::*;
use h3rs::pubsub::{RedisPubSub, ReplayPolicy};

const TOPIC: &str = "chat";

/// How many chat lines Redis keeps for clients that come back.
const KEPT: usize = 1000;

#[get("/")]
async fn index() -> Html<&'static str> {
    Html(include_str!("websocket.html"))
}

/// The room as server-sent events, resuming after `Last-Event-ID` on any instance.
#[get("/events")]
async fn events(last: LastEventId, event: &H3Event) -> EventStream {
    let stream = EventStream::new(event);
    stream.follow_after(TOPIC, &last);
    stream
}

/// The chat; `node` names this instance, so that peer names are unique across instances
/// (a peer's own id counts in its process only).
struct Chat {
    node: String,
}

impl Chat {
    fn name(&self, peer: &Peer) -> String {
        format!("{}-{peer}", self.node)
    }
}

#[websocket("/_ws")]
impl Chat {
    async fn open(&self, peer: &Peer) {
        peer.send("Welcome to the server!");
        peer.subscribe(TOPIC);
        // Reaches every other subscriber, on every instance: publish skips the sender.
        peer.publish(TOPIC, format!("[system] {} joined!", self.name(peer)));
    }

    async fn message(&self, peer: &Peer, message: Message) {
        if message.text() == "ping" {
            peer.send("pong");
            return;
        }
        peer.publish(TOPIC, format!("[{}] {message}", self.name(peer)));
        // Echo it back as it came: text stays text, binary stays binary.
        peer.send(message);
    }

    async fn close(&self, peer: &Peer, details: CloseDetails) {
        tracing::info!(peer = %self.name(peer), code = details.code, "peer left");
        peer.publish(
            TOPIC,
            format!("[system] {} has left the chat!", self.name(peer)),
        );
        peer.unsubscribe(TOPIC);
    }
}

fn main() -> std::process::ExitCode {
    h3rs::run(async {
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let redis = match RedisPubSub::connect(&url).await {
            Ok(redis) => redis,
            Err(error) => {
                tracing::error!(%error, "start redis-server, or set REDIS_URL");
                std::process::exit(1);
            }
        };
        let node = format!("{:08x}", redis.instance_id() >> 32);
        tracing::debug!(node, redis = %url, "chat instance");
        let app = H3::new()
            .pubsub(redis)
            .register(index)
            .register(events)
            .register(Chat { node });
        // Kept in the topic's Redis Stream: the same ids on every instance.
        app.hub().replay(TOPIC, ReplayPolicy::last(KEPT));
        app
    })
}
