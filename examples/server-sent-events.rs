//! H3's server-sent events example, from its documentation: `GET /` sends `Hello world` every second until the
//! client leaves.
//!
//! H3 clears its timer in `eventStream.onClosed(...)`; here the timer lives in the generator,
//! which is dropped when the client goes away, and `Drop` does the cleanup (a log line).
//!
//! ```sh
//! cargo run --example server-sent-events   # http://127.0.0.1:3000
//! curl -N 127.0.0.1:3000/
//! ```

use std::time::Duration;

use h3rs::prelude::*;
use tokio::time::{Instant, interval_at};

/// One client's visit: logged when it starts and, on drop, when the client has left.
struct Visit {
    client: String,
}

impl Visit {
    fn start(event: &H3Event) -> Visit {
        let client = event
            .remote_addr()
            .map_or_else(|| "unknown".to_owned(), |addr| addr.to_string());
        tracing::info!(%client, "client connected");
        Visit { client }
    }
}

impl Drop for Visit {
    fn drop(&mut self) {
        tracing::info!(client = %self.client, "client left; timer stopped");
    }
}

h3rs::yielding! {
    /// `Hello world` every second (the first one after a second, like `setInterval`).
    #[sse("/")]
    async fn hello(event: &H3Event) {
        let _visit = Visit::start(event);
        let second = Duration::from_secs(1);
        let mut timer = interval_at(Instant::now() + second, second);
        loop {
            timer.tick().await;
            yield "Hello world";
        }
    }
}

h3rs::serve!(hello);
