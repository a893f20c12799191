//! `examples/tls.rs` as a process, configured as `serve!` apps are: `TLS_CERT` and `TLS_KEY`
//! name PEM files. A browser-like client (HTTP/2 over TLS) gets the page, the feed and the
//! chat on one connection.

use std::process::Command;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use h3rs_tests::tls;
use h3rs_tests::{ExampleProcess, example_binary};
use http_body_util::{BodyExt, Full};
use tokio_tungstenite::tungstenite::Message as Wire;

fn get(path: &str) -> http::Request<Full<Bytes>> {
    http::Request::get(format!("https://localhost{path}"))
        .body(Full::default())
        .unwrap()
}

#[tokio::test]
async fn the_example_serves_http2_over_tls_from_pem_files() {
    let cert = tls::self_signed();
    let dir = std::env::temp_dir().join(format!("h3rs-tls-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, &cert.cert_pem).unwrap();
    std::fs::write(&key_path, &cert.key_pem).unwrap();
    let example = ExampleProcess::start_with_env(
        "tls",
        &[
            ("TLS_CERT", cert_path.to_str().unwrap()),
            ("TLS_KEY", key_path.to_str().unwrap()),
        ],
    );
    let (mut sender, _connection) = tls::h2(example.addr(), &cert).await;

    let version = sender.send_request(get("/version")).await.unwrap();
    let version = version.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(version, "HTTP/2.0");

    let page = sender.send_request(get("/")).await.unwrap();
    let page = page.into_body().collect().await.unwrap().to_bytes();
    assert!(
        std::str::from_utf8(&page)
            .unwrap()
            .contains("new EventSource(\"/feed\")")
    );

    let mut feed = sender.send_request(get("/feed")).await.unwrap().into_body();
    let first = feed.frame().await.unwrap().unwrap().into_data().unwrap();
    assert_eq!(first, "data: connected over HTTP/2.0\n\n");

    let mut chat = tls::websocket(&mut sender, "/_ws").await;
    example.log_until("WebSocket handshake version=HTTP/2.0");
    let welcome = chat.next().await.unwrap().unwrap();
    assert_eq!(welcome.to_text().unwrap(), "Welcome to the server!");
    let over = chat.next().await.unwrap().unwrap();
    assert_eq!(
        over.to_text().unwrap(),
        "[system] this socket runs over HTTP/2.0"
    );
    chat.send(Wire::text("hi")).await.unwrap();
    assert_eq!(chat.next().await.unwrap().unwrap().to_text().unwrap(), "hi");
    chat.close(None).await.unwrap();
    while chat.next().await.is_some() {}
    drop(feed);
    // Stopping blocks this thread: the runtime must go on driving the client meanwhile,
    // or the server would wait for a connection that cannot answer its GOAWAY.
    let rest = tokio::task::spawn_blocking(move || example.stop())
        .await
        .unwrap();
    assert!(
        !rest.iter().any(|line| line.contains("grace period over")),
        "{rest:#?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_certificate_without_its_key_stops_the_example() {
    let output = Command::new(example_binary("tls"))
        .env("PORT", "0")
        .env("TLS_CERT", "/nonexistent/cert.pem")
        .env_remove("TLS_KEY")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains("TLS_CERT is set without TLS_KEY"), "{log}");
}
