// Expansion of:
//
// #[websocket("/moves")]
// impl Board {
//     async fn message(&self, peer: &Peer, Json(step): Json<Move>) {
//         peer.publish("board", Json(&step));
//     }
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

impl Board {
    async fn message(&self, peer: &Peer, Json(step): Json<Move>) {
        peer.publish("board", Json(&step));
    }
}
impl ::h3rs::ws::WebSocket for Board {
    fn message(
        &self,
        peer: &::h3rs::ws::Peer,
        message: ::h3rs::ws::Message,
    ) -> impl ::std::future::Future<Output = ()> + ::std::marker::Send {
        async move {
            match <Json<Move> as ::h3rs::ws::FromMessage>::from_message(message) {
                ::std::result::Result::Ok(message) => {
                    <Board>::message(self, peer, message).await
                }
                ::std::result::Result::Err(invalid) => {
                    ::h3rs::ws::reject(self, peer, invalid).await
                }
            }
        }
    }
}
impl ::h3rs::Register for Board {
    ///Registers the WebSocket route `/moves`.
    fn register(self, app: ::h3rs::H3) -> ::h3rs::H3 {
        app.websocket("/moves", self)
    }
}
