//! The benchmark contract (see `bench-server`) from bare hyper 1.x and
//! tokio-tungstenite: a hand-written `match` on the path, the handshake by
//! hand, a `tokio::sync::broadcast` chat. `WS_READ_BUF=<bytes>` sets the
//! WebSocket read buffer (tungstenite's default is 128 KiB). Binds
//! `127.0.0.1:$PORT`. A floor, not a framework: no router, no middleware, no
//! error pages.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::TokioIo;
use tokio::sync::broadcast;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Message, Role, WebSocketConfig};

type Body = BoxBody<Bytes, Infallible>;

struct Shared {
    tx: broadcast::Sender<(u64, Message)>,
    next_id: AtomicU64,
    config: WebSocketConfig,
}

#[derive(serde::Serialize)]
struct Greeting {
    message: &'static str,
}

fn full(content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()).boxed());
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

async fn handle(shared: Arc<Shared>, mut request: Request<Incoming>) -> Response<Body> {
    match request.uri().path() {
        "/plaintext" => full("text/plain; charset=utf-8", &b"Hello, World!"[..]),
        // Serialized per request, as the other servers do (and as TechEmpower's rules ask).
        "/json" => {
            let greeting = Greeting {
                message: "Hello, World!",
            };
            let body = serde_json::to_vec(&greeting).expect("a greeting serializes");
            full("application/json", body)
        }
        "/ws" | "/pubsub" => {
            let Some(key) = request.headers().get(header::SEC_WEBSOCKET_KEY) else {
                let mut response = full("text/plain", &b"upgrade required"[..]);
                *response.status_mut() = StatusCode::UPGRADE_REQUIRED;
                return response;
            };
            let accept = derive_accept_key(key.as_bytes());
            let pubsub = request.uri().path() == "/pubsub";
            let upgrade = hyper::upgrade::on(&mut request);
            tokio::spawn(async move {
                let Ok(upgraded) = upgrade.await else { return };
                let socket = WebSocketStream::from_raw_socket(
                    TokioIo::new(upgraded),
                    Role::Server,
                    Some(shared.config),
                )
                .await;
                if pubsub {
                    chat(shared, socket).await;
                } else {
                    echo(socket).await;
                }
            });
            let mut response = Response::new(Full::new(Bytes::new()).boxed());
            *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
            let headers = response.headers_mut();
            headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
            headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept.parse().unwrap());
            response
        }
        "/sse" => {
            let ms: u64 = request
                .uri()
                .query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("ms=")))
                .and_then(|v| v.parse().ok())
                .unwrap_or(1000);
            let stream = futures_util::stream::unfold(
                (
                    tokio::time::interval(Duration::from_millis(ms.max(1))),
                    0u64,
                ),
                |(mut timer, k)| async move {
                    timer.tick().await;
                    let frame = Frame::data(Bytes::from(format!("data: tick {k}\n\n")));
                    Some((Ok::<_, Infallible>(frame), (timer, k + 1)))
                },
            );
            let mut response = Response::new(BodyExt::boxed(StreamBody::new(stream)));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/event-stream"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        _ => {
            let mut response = full("text/plain", &b"not found"[..]);
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
    }
}

async fn echo(mut socket: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>) {
    while let Some(Ok(message)) = socket.next().await {
        let data = message.is_text() || message.is_binary();
        if data && socket.send(message).await.is_err() {
            return;
        }
    }
}

async fn chat(shared: Arc<Shared>, socket: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>) {
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let (mut sink, mut stream) = socket.split();
    let mut rx = shared.tx.subscribe();
    let mut forward = tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok((from, message)) if from != id => {
                    if sink.send(message).await.is_err() {
                        return;
                    }
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    let tx = shared.tx.clone();
    let mut read = tokio::spawn(async move {
        while let Some(Ok(message)) = stream.next().await {
            if message.is_text() {
                let _ = tx.send((id, message));
            }
        }
    });
    tokio::select! {
        _ = &mut forward => read.abort(),
        _ = &mut read => forward.abort(),
    }
}

#[tokio::main]
async fn main() {
    let mut config = WebSocketConfig::default();
    if let Some(size) = std::env::var("WS_READ_BUF")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config = config.read_buffer_size(size);
    }
    let shared = Arc::new(Shared {
        tx: broadcast::channel(1024).0,
        next_id: AtomicU64::new(0),
        config,
    });
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(handle(shared, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}
