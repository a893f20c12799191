//! The benchmark contract (see `bench-server`) from an idiomatic axum 0.8
//! server: `extract::ws`, `response::sse`, a `tokio::sync::broadcast` chat.
//! `WS_READ_BUF=<bytes>` sets the WebSocket read buffer (axum's default is
//! tungstenite's 128 KiB). Binds `127.0.0.1:$PORT`.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::{SinkExt, Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

#[derive(Clone)]
struct Chat {
    tx: broadcast::Sender<(u64, String)>,
    next_id: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

fn read_buf() -> Option<usize> {
    std::env::var("WS_READ_BUF").ok()?.parse().ok()
}

#[derive(Serialize)]
struct Greeting {
    message: &'static str,
}

async fn json() -> Json<Greeting> {
    Json(Greeting {
        message: "Hello, World!",
    })
}

fn configure(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    match read_buf() {
        Some(size) => ws.read_buffer_size(size),
        None => ws,
    }
}

async fn echo(ws: WebSocketUpgrade) -> Response {
    configure(ws).on_upgrade(|mut socket: WebSocket| async move {
        while let Some(Ok(message)) = socket.recv().await {
            let data = matches!(message, Message::Text(_) | Message::Binary(_));
            if data && socket.send(message).await.is_err() {
                return;
            }
        }
    })
}

async fn pubsub(ws: WebSocketUpgrade, State(chat): State<Chat>) -> Response {
    configure(ws).on_upgrade(move |socket| async move {
        let id = chat
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (mut sink, mut stream) = socket.split();
        let mut rx = chat.tx.subscribe();
        let mut forward = tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok((from, text)) if from != id => {
                        if sink.send(Message::Text(text.into())).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        let tx = chat.tx.clone();
        let mut read = tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                if let Message::Text(text) = message {
                    let _ = tx.send((id, text.to_string()));
                }
            }
        });
        tokio::select! {
            _ = &mut forward => read.abort(),
            _ = &mut read => forward.abort(),
        }
    })
}

#[derive(Deserialize)]
struct Pace {
    ms: Option<u64>,
}

async fn sse(Query(pace): Query<Pace>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let period = Duration::from_millis(pace.ms.unwrap_or(1000).max(1));
    let stream = futures_util::stream::unfold(
        (tokio::time::interval(period), 0u64),
        |(mut timer, k)| async move {
            timer.tick().await;
            let event = Event::default().data(format!("tick {k}"));
            Some((Ok(event), (timer, k + 1)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}

#[tokio::main]
async fn main() {
    let (tx, _) = broadcast::channel(1024);
    let chat = Chat {
        tx,
        next_id: Default::default(),
    };
    let app = Router::new()
        .route("/plaintext", get(|| async { "Hello, World!" }))
        .route("/json", get(json))
        .route("/ws", get(echo))
        .route("/pubsub", get(pubsub))
        .route("/sse", get(sse))
        .with_state(chat);
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    axum::serve(listener, app.into_make_service())
        .await
        .unwrap();
}
