use h3rs::prelude::*;

struct Chat;

#[websocket("/_ws")]
impl Chat {
    async fn on_message(&self, peer: &Peer, message: Message) {
        peer.send(message);
    }
}

h3rs::serve!(Chat);
