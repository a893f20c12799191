//! The request log: one `info` line per request on target `h3rs::request` with method, path,
//! status and latency; once per WebSocket or event stream, at its response head; nothing when
//! the target is off.

use std::io::Write;
use std::sync::{Arc, Mutex};

use h3rs::prelude::*;
use h3rs::test::TestClient;
use tracing_subscriber::EnvFilter;

/// What a subscriber wrote, shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap();
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|line| line.contains("h3rs::request"))
            .map(str::to_owned)
            .collect()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A subscriber for this thread (the tests run the app on a current-thread runtime, so the
/// server's tasks log here too).
fn capture(filter: &str) -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

#[get("/users/:id")]
async fn user(id: u64) -> String {
    format!("user {id}")
}

struct Echo;

#[websocket("/ws")]
impl Echo {
    async fn message(&self, peer: &Peer, message: Message) {
        peer.send(message);
    }
}

h3rs::yielding! {
    #[sse("/events")]
    async fn events() {
        yield "one";
        std::future::pending::<()>().await;
    }
}

fn client() -> TestClient {
    TestClient::new(h3rs::app![user, Echo, events])
}

#[tokio::test]
async fn each_request_is_one_info_line_with_method_path_status_and_latency() {
    let (captured, _guard) = capture("info");
    let client = client();
    assert_eq!(client.get("/users/7?secret=1").send().await.status(), 200);
    assert_eq!(client.post("/nope").send().await.status(), 404);
    let lines = captured.lines();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[0].contains("INFO"), "{}", lines[0]);
    for field in ["method=GET", "path=/users/7", "status=200", "latency="] {
        assert!(lines[0].contains(field), "{field} in {}", lines[0]);
    }
    assert!(
        !lines[0].contains("secret"),
        "the query is not logged: {}",
        lines[0]
    );
    assert!(lines[1].contains("method=POST") && lines[1].contains("status=404"));
}

#[tokio::test]
async fn a_websocket_and_an_event_stream_log_once_at_their_response_head() {
    let (captured, _guard) = capture("info");
    let client = client();
    let mut ws = client.ws("/ws").connect().await.unwrap();
    let mut stream = client.sse("/events").connect().await.unwrap();
    // Both still open: their lines were written when their heads were sent.
    ws.send("hi").await;
    assert_eq!(ws.recv().await.unwrap().text(), "hi");
    assert_eq!(stream.next().await.unwrap().data, "one");
    let lines = captured.lines();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("path=/ws") && l.contains("status=101"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("path=/events") && l.contains("status=200"))
    );
}

#[tokio::test]
async fn the_target_can_be_turned_off() {
    let (captured, _guard) = capture("info,h3rs::request=off");
    let client = client();
    assert_eq!(client.get("/users/7").send().await.status(), 200);
    assert!(captured.lines().is_empty(), "{:#?}", captured.lines());
}
