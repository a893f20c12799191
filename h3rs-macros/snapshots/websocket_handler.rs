// Expansion of:
//
// #[websocket("/_ws/:room")]
// impl Chat {
//     async fn upgrade(&self, event: &H3Event) -> Result<Upgrade, HttpError> {
//         Ok(Upgrade::accept())
//     }
//     async fn open(&self, peer: &Peer) {
//         peer.subscribe("chat");
//     }
//     fn message(&self, peer: &Peer, message: Message) {
//         peer.publish("chat", message);
//     }
//     async fn close(&self, peer: &Peer) {
//         peer.publish("chat", "bye");
//     }
//     fn helper(&self) -> usize {
//         1
//     }
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

impl Chat {
    async fn upgrade(&self, event: &H3Event) -> Result<Upgrade, HttpError> {
        Ok(Upgrade::accept())
    }
    async fn open(&self, peer: &Peer) {
        peer.subscribe("chat");
    }
    fn message(&self, peer: &Peer, message: Message) {
        peer.publish("chat", message);
    }
    async fn close(&self, peer: &Peer) {
        peer.publish("chat", "bye");
    }
    fn helper(&self) -> usize {
        1
    }
}
impl ::h3rs::ws::WebSocket for Chat {
    fn upgrade(
        &self,
        event: &::h3rs::H3Event,
    ) -> impl ::std::future::Future<
        Output = ::std::result::Result<::h3rs::ws::Upgrade, ::h3rs::Response>,
    > + ::std::marker::Send {
        async move {
            let verdict: Result<Upgrade, HttpError> = <Chat>::upgrade(self, event).await;
            ::h3rs::ws::IntoUpgrade::into_upgrade(verdict)
        }
    }
    fn open(
        &self,
        peer: &::h3rs::ws::Peer,
    ) -> impl ::std::future::Future<Output = ()> + ::std::marker::Send {
        <Chat>::open(self, peer)
    }
    fn message(
        &self,
        peer: &::h3rs::ws::Peer,
        message: ::h3rs::ws::Message,
    ) -> impl ::std::future::Future<Output = ()> + ::std::marker::Send {
        async move {
            match <Message as ::h3rs::ws::FromMessage>::from_message(message) {
                ::std::result::Result::Ok(message) => {
                    <Chat>::message(self, peer, message)
                }
                ::std::result::Result::Err(invalid) => {
                    ::h3rs::ws::reject(self, peer, invalid).await
                }
            }
        }
    }
    fn close(
        &self,
        peer: &::h3rs::ws::Peer,
        details: ::h3rs::ws::CloseDetails,
    ) -> impl ::std::future::Future<Output = ()> + ::std::marker::Send {
        let _ = details;
        <Chat>::close(self, peer)
    }
}
impl ::h3rs::Register for Chat {
    ///Registers the WebSocket route `/_ws/:room`.
    fn register(self, app: ::h3rs::H3) -> ::h3rs::H3 {
        app.websocket("/_ws/:room", self)
    }
}
