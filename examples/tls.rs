//! The chat and a live feed over HTTPS, where a browser speaks HTTP/2: one connection carries
//! every `EventSource` of the page and its WebSocket (RFC 8441), past HTTP/1.1's limit of six
//! connections per origin.
//!
//! ```sh
//! # A certificate for localhost, valid 30 days:
//! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
//!   -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
//!   -keyout key.pem -out cert.pem
//! TLS_CERT=cert.pem TLS_KEY=key.pem cargo run --example tls   # then open https://localhost:3000
//! curl -k --http2 https://127.0.0.1:3000/version               # HTTP/2.0
//! ```
//!
//! Without `TLS_CERT`/`TLS_KEY` it makes a throwaway self-signed certificate for `localhost`
//! (the browser warns about it); `TLS=off` serves plain HTTP instead, where the browser falls
//! back to HTTP/1.1 and the page's seventh feed waits for a free connection.
//!
//! `GET /` is the page: `?feeds=N` `EventSource`s on `/feed` (10 by default), each counting
//! the clock's ticks, and the chat on `/_ws` as in the `websocket` example. `GET /version`
//! answers the HTTP version of the request.

use std::time::Duration;

use h3rs::ServeOptions;
use h3rs::prelude::*;

#[get("/")]
async fn index() -> Html<&'static str> {
    Html(include_str!("tls.html"))
}

/// The HTTP version this request came over: `HTTP/2.0` from a browser over TLS.
#[get("/version")]
async fn version(event: &H3Event) -> String {
    format!("{:?}", event.parts().version)
}

/// The clock's ticks, after a first event that tells the page the stream is open.
#[get("/feed")]
async fn feed(event: &H3Event) -> EventStream {
    let stream = EventStream::new(event);
    stream.push(format!("connected over {:?}", event.parts().version));
    stream.follow("feed");
    stream
}

struct Chat;

#[websocket("/_ws")]
impl Chat {
    async fn upgrade(&self, event: &H3Event) -> Result<Upgrade, Response> {
        // HTTP/1.1 is a 101 on its own connection; HTTP/2 an extended CONNECT on a stream.
        let version = event.parts().version;
        tracing::info!(?version, "WebSocket handshake");
        Ok(Upgrade::accept().context(version))
    }

    async fn open(&self, peer: &Peer) {
        peer.send("Welcome to the server!");
        if let Some(version) = peer.context().get::<h3rs::http::Version>() {
            peer.send(format!("[system] this socket runs over {version:?}"));
        }
        peer.subscribe("chat");
        peer.publish("chat", format!("[system] {peer} joined!"));
    }

    async fn message(&self, peer: &Peer, message: Message) {
        peer.publish("chat", format!("[{peer}] {message}"));
        peer.send(message);
    }

    async fn close(&self, peer: &Peer, _details: CloseDetails) {
        peer.publish("chat", format!("[system] {peer} has left the chat!"));
    }
}

/// `TLS_CERT`/`TLS_KEY` when set; otherwise a throwaway certificate, or none with `TLS=off`.
fn options() -> ServeOptions {
    let options = ServeOptions::from_env();
    if options.is_tls() || std::env::var("TLS").is_ok_and(|v| v == "off") {
        return options;
    }
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("a self-signed certificate");
    tracing::warn!(
        "no TLS_CERT/TLS_KEY: serving a throwaway self-signed certificate for localhost"
    );
    options.tls(certified.cert.pem(), certified.signing_key.serialize_pem())
}

fn main() -> std::process::ExitCode {
    h3rs::run_with(options, async {
        let app = h3rs::app![index, version, feed, Chat];
        let hub = app.hub().clone();
        tokio::spawn(async move {
            let mut clock = tokio::time::interval(Duration::from_secs(1));
            let mut ticks = 0u64;
            loop {
                clock.tick().await;
                ticks += 1;
                hub.publish("feed", format!("tick {ticks}"));
            }
        });
        app
    })
}
