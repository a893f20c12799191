use h3rs::prelude::*;

struct Private;

#[websocket("/_ws")]
impl Private {
    async fn upgrade(&self, event: &H3Event) -> Option<Upgrade> {
        event.headers().get("authorization").map(|_| Upgrade::accept())
    }
}

h3rs::serve!(Private);
