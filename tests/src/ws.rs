//! A WebSocket client for the tests: tokio-tungstenite against a real server.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as Wire;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::TestServer;

/// A client connection.
pub type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A guard against hangs, not a wait: every expected frame comes well before it.
const PATIENCE: Duration = Duration::from_secs(10);

/// Opens a WebSocket on `path`, asserting the 101.
pub async fn connect(server: &TestServer, path: &str) -> Client {
    let url = format!("ws://{}{path}", server.addr);
    let (client, response) = tokio_tungstenite::connect_async(url)
        .await
        .expect("handshake");
    assert_eq!(response.status(), 101);
    client
}

/// The next data or close frame (pings and pongs are skipped).
pub async fn next(client: &mut Client) -> Wire {
    loop {
        let frame = tokio::time::timeout(PATIENCE, client.next())
            .await
            .expect("a frame in time")
            .expect("the stream is open")
            .expect("a valid frame");
        if !matches!(frame, Wire::Ping(_) | Wire::Pong(_)) {
            return frame;
        }
    }
}

/// The next frame, which must be text.
pub async fn next_text(client: &mut Client) -> String {
    match next(client).await {
        Wire::Text(text) => text.to_string(),
        other => panic!("expected text, got {other:?}"),
    }
}
