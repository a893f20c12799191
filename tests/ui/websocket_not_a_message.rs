use h3rs::prelude::*;

struct Timer;

#[websocket("/_ws")]
impl Timer {
    async fn message(&self, peer: &Peer, delay: std::time::Duration) {
        peer.send(format!("{delay:?}"));
    }
}

h3rs::serve!(Timer);
