use h3rs::prelude::*;

struct Echo;

#[websocket("/_ws")]
impl Echo {
    async fn message(&self, peer: &Peer, text: &str) {
        peer.send(text);
    }
}

h3rs::serve!(Echo);
