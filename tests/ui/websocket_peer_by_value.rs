use h3rs::prelude::*;

struct Chat;

#[websocket("/_ws")]
impl Chat {
    async fn open(&self, peer: Peer) {
        peer.send("welcome");
    }
}

h3rs::serve!(Chat);
