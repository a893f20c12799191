use h3rs::prelude::*;

struct Chat;

#[websocket("/_ws")]
impl Chat {
    async fn message(&self, peer: &Peer, message: String) {
        peer.send(message);
    }
}

h3rs::serve!(Chat);
