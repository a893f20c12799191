//! H3's WebSocket chat example (`websocket.mjs` in H3's documentation), in h3rs.
//!
//! ```sh
//! cargo run --example websocket     # then open http://127.0.0.1:3000
//! ```
//!
//! `GET /` serves the chat page; `/_ws` is the socket. Every client is
//! welcomed, joins the topic "chat", and hears the others: join and leave
//! notices, and every message as `[<peer id>] <text>`. A message is echoed
//! back to its sender; "ping" is answered "pong" to the sender only.

use h3rs::prelude::*;

#[get("/")]
async fn index() -> Html<&'static str> {
    Html(include_str!("websocket.html"))
}

struct Chat;

#[websocket("/_ws")]
impl Chat {
    async fn open(&self, peer: &Peer) {
        peer.send("Welcome to the server!");
        peer.subscribe("chat");
        // Reaches every other subscriber: publish skips the sender.
        peer.publish("chat", format!("[system] {peer} joined!"));
    }

    async fn message(&self, peer: &Peer, message: Message) {
        if message.text() == "ping" {
            peer.send("pong");
            return;
        }
        peer.publish("chat", format!("[{peer}] {message}"));
        // Echo it back as it came: text stays text, binary stays binary.
        peer.send(message);
    }

    async fn close(&self, peer: &Peer, details: CloseDetails) {
        tracing::info!(peer = %peer, code = details.code, "peer left");
        peer.publish("chat", format!("[system] {peer} has left the chat!"));
        peer.unsubscribe("chat");
    }
}

h3rs::serve!(index, Chat);
