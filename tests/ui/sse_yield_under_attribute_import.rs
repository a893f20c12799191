// The stand-in keeps the body with its yields neutralised, so `Duration` stays used: no
// unused-import warning follows the two errors.
use std::time::Duration;

use h3rs::prelude::*;

h3rs::yielding! {
    #[sse("/ok")]
    async fn ok() {
        yield "fine";
    }
}

#[sse("/clock")]
async fn clock() {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        yield "tick";
    }
}

h3rs::serve!(ok, clock);
