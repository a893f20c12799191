use h3rs::prelude::*;

struct Chat;

#[websocket("/_ws")]
impl Chat {
    async fn close(&self, peer: &Peer, details: CloseDetails, extra: u8) {
        let _ = (peer, details, extra);
    }
}

h3rs::serve!(Chat);
