use h3rs::prelude::*;

struct Private;

#[websocket("/_ws")]
impl Private {
    async fn upgrade(&self, event: &H3Event) -> bool {
        event.headers().contains_key("authorization")
    }
}

h3rs::serve!(Private);
