//! Memory per idle WebSocket: HTTP/1.1 (a connection each) against HTTP/2 (streams of shared
//! connections, RFC 8441), over TLS and in plain text. The server runs in a child process
//! (this binary with `serve`), so its resident set (`VmRSS` in /proc) holds no client.
//!
//! ```sh
//! ulimit -n 20000
//! cargo run --release -p h3rs-tests --example ws_memory -- 2000
//! ```

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use h3rs::H3;
use h3rs::ws::{Peer, WebSocket};
use h3rs_tests::tls::{self, TestCert};
use tokio::net::TcpStream;

/// What hyper's HTTP/2 server allows per connection by default.
const STREAMS_PER_CONNECTION: usize = 200;

struct Idle;

impl WebSocket for Idle {
    async fn open(&self, peer: &Peer) {
        peer.subscribe("room");
        peer.send("hi");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        return serve(args.get(2).map(String::as_str) == Some("tls"));
    }
    let sockets: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(2000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    println!("{sockets} idle WebSockets; server RSS growth over its RSS with one connection");
    for (mode, secure, h2) in [
        ("HTTP/1.1 over TLS", true, false),
        ("HTTP/2 over TLS  ", true, true),
        ("HTTP/1.1 plain   ", false, false),
        ("HTTP/2 (h2c)     ", false, true),
    ] {
        let (kib, connections) = runtime.block_on(measure(sockets, secure, h2));
        println!(
            "{mode}: {:>8} KiB total, {:>6.1} KiB per socket ({connections} TCP connections)",
            kib,
            kib as f64 / sockets as f64
        );
    }
}

/// The child: a server with one WebSocket route, printing its certificate (if any) and port.
fn serve(secure: bool) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut options = h3rs_tests::test_options();
        if secure {
            let cert = tls::self_signed();
            println!("{}", cert.cert_pem.replace('\n', "|"));
            options = options.tls(cert.cert_pem, cert.key_pem);
        } else {
            println!("plain");
        }
        let server = h3rs::Server::bind(H3::new().websocket("/ws", Idle), options)
            .await
            .unwrap();
        println!("{}", server.local_addr());
        server.run().await.unwrap();
    });
}

fn rss_kib(child: &Child) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap()
}

async fn measure(sockets: usize, secure: bool, h2: bool) -> (u64, usize) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["serve", if secure { "tls" } else { "plain" }])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let cert = secure.then(|| certificate(&first.replace('|', "\n")));
    let addr: SocketAddr = lines.next().unwrap().unwrap().parse().unwrap();

    // One socket first, so that the baseline includes what any first connection allocates.
    let mut held = Vec::new();
    let mut senders = Vec::new();
    let mut connections = 0;
    let mut open = async |held: &mut Vec<Box<dyn std::any::Any>>, connections: &mut usize| {
        if h2 {
            if senders
                .last()
                .is_none_or(|(_, n)| *n == STREAMS_PER_CONNECTION)
            {
                let (mut sender, connection) = match &cert {
                    Some(cert) => tls::h2(addr, cert).await,
                    None => tls::h2_over(TcpStream::connect(addr).await.unwrap()).await,
                };
                // A first request, so that the server's SETTINGS (extended CONNECT) are in.
                let probe = http::Request::get("http://localhost/")
                    .body(http_body_util::Full::default())
                    .unwrap();
                let _ = sender.send_request(probe).await.unwrap();
                held.push(Box::new(connection));
                senders.push((sender, 0));
                *connections += 1;
            }
            let (sender, count) = senders.last_mut().unwrap();
            let mut socket = tls::websocket(sender, "/ws").await;
            *count += 1;
            socket.next().await.unwrap().unwrap();
            held.push(Box::new(socket));
        } else {
            *connections += 1;
            match &cert {
                Some(cert) => {
                    let stream = tls::connect(addr, cert, &[b"http/1.1"]).await;
                    let (mut socket, _) =
                        tokio_tungstenite::client_async("wss://localhost/ws", stream)
                            .await
                            .unwrap();
                    socket.next().await.unwrap().unwrap();
                    held.push(Box::new(socket));
                }
                None => {
                    let stream = TcpStream::connect(addr).await.unwrap();
                    let (mut socket, _) =
                        tokio_tungstenite::client_async("ws://localhost/ws", stream)
                            .await
                            .unwrap();
                    socket.next().await.unwrap().unwrap();
                    held.push(Box::new(socket));
                }
            }
        }
    };
    open(&mut held, &mut connections).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(&child);
    for _ in 1..sockets {
        open(&mut held, &mut connections).await;
    }
    // Let the server's tasks settle (nothing is sent: the sockets are idle).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_kib(&child);
    drop(held);
    child.kill().unwrap();
    child.wait().unwrap();
    (after.saturating_sub(before), connections)
}

fn certificate(pem: &str) -> TestCert {
    use tokio_rustls::rustls::pki_types::CertificateDer;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    TestCert {
        cert_pem: pem.to_owned(),
        key_pem: String::new(),
        der: CertificateDer::from_pem_slice(pem.as_bytes()).unwrap(),
    }
}
