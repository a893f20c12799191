//! The live-page example as a process: the page, topic publishes reaching the stream with
//! ids, and a reconnect with `Last-Event-ID` catching up on what was missed.

use h3rs_tests::ExampleProcess;

use h3rs_tests::{TestServer, request};
use http_body_util::Full;

async fn say(server: &TestServer, text: &str) {
    let reply = server.send_body("POST", "/say", "text/plain", text).await;
    assert_eq!(reply.status, 204);
}

#[tokio::test]
async fn the_page_follows_the_topic_and_catches_up_after_a_reconnect() {
    let example = ExampleProcess::start("live");
    let server = TestServer::at(example.addr());

    let page = server.get("/").await;
    assert!(page.text().contains("new EventSource(\"/events\")"));

    let mut first = server.open_get("/events").await;
    assert_eq!(first.header("content-type"), Some("text/event-stream"));
    say(&server, "hello").await;
    let body = first.read_until("data: hello\n\n").await;
    let id = body
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("id: "))
        .expect("an id")
        .to_owned();
    first.disconnect();

    say(&server, "missed one").await;
    say(&server, "missed two").await;
    let mut second = server
        .open(
            request("GET", "/events")
                .header("last-event-id", &id)
                .body(Full::default())
                .unwrap(),
        )
        .await;
    let body = second.read_until("data: missed two\n\n").await;
    assert!(
        !body.contains("data: hello\n"),
        "replayed what was seen: {body}"
    );
    let one = body.find("data: missed one").expect("missed one");
    let two = body.find("data: missed two").unwrap();
    assert!(one < two, "{body}");
}
