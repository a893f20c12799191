//! A live page fed by topic publishes, that catches up after a reconnect.
//!
//! ```sh
//! cargo run --example live     # then open http://127.0.0.1:3000 in two tabs
//! ```
//!
//! `GET /` is a page with an `EventSource` on `/events`. Everything published to the topic
//! "live" reaches it: a clock publishes every 5 s, and `POST /say` publishes its body (the
//! page's form). A [`TopicReplay`] keeps the last 100 messages with ids, so when the browser
//! reconnects (it sends `Last-Event-ID` by itself), the stream first sends what the page
//! missed, then carries on.

use std::time::Duration;

use h3rs::prelude::*;
use h3rs::sse::TopicReplay;

const TOPIC: &str = "live";

#[get("/")]
async fn page() -> Html<&'static str> {
    Html(include_str!("live.html"))
}

/// The topic, with a catch-up after `Last-Event-ID`.
#[get("/events")]
async fn events(
    last: LastEventId,
    State(replay): State<TopicReplay>,
    event: &H3Event,
) -> EventStream {
    let stream = EventStream::new(event);
    stream.follow_with_replay(&replay, &last);
    stream
}

/// Publishes the request body to everyone.
#[post("/say")]
async fn say(text: String, event: &H3Event) -> StatusCode {
    let text = text.trim();
    if text.is_empty() {
        return StatusCode::BAD_REQUEST;
    }
    event.hub().publish(TOPIC, text);
    StatusCode::NO_CONTENT
}

fn main() -> std::process::ExitCode {
    h3rs::run(async {
        let app = h3rs::app![page, events, say];
        let replay = TopicReplay::new(app.hub(), TOPIC, 100);
        let hub = app.hub().clone();
        tokio::spawn(async move {
            let mut clock = tokio::time::interval(Duration::from_secs(5));
            let started = tokio::time::Instant::now();
            loop {
                clock.tick().await;
                let elapsed = started.elapsed().as_secs();
                hub.publish(TOPIC, format!("the server has been up for {elapsed} s"));
            }
        });
        app.state(replay)
    })
}
