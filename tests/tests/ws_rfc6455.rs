//! RFC 6455 conformance of the WebSocket runtime, checked with a raw TCP
//! client that writes and parses frames byte by byte.
//!
//! One test per group of the Autobahn testsuite (framing, ping/pong,
//! reserved bits, opcodes, fragmentation, UTF-8, close handling, limits),
//! plus the `close` hook as the app sees it. Every case of a group runs on
//! its own connection, concurrently; a group reports all its failing cases
//! at once, each with what was sent and what came back.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use h3rs::H3;
use h3rs::ws::{CloseDetails, Message, Peer, WebSocket, WsOptions};
use h3rs_tests::{TestServer, spawn};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// A guard against hangs, not a wait: every expected event comes well before it.
const PATIENCE: Duration = Duration::from_secs(10);

const CONTINUATION: u8 = 0x0;
const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

/// RSV bits as a 3-bit value: 4 is RSV1, 2 is RSV2, 1 is RSV3.
const RSV1: u8 = 0b100;
const RSV2: u8 = 0b010;
const RSV3: u8 = 0b001;

// ---------------------------------------------------------------------------
// Handlers

/// Sends every message back as it came.
struct Echo;

impl WebSocket for Echo {
    async fn message(&self, peer: &Peer, message: Message) {
        peer.send(message);
    }
}

/// Echoes, and reports every `close` hook call.
struct Recorder {
    closes: mpsc::UnboundedSender<CloseDetails>,
}

impl WebSocket for Recorder {
    async fn message(&self, peer: &Peer, message: Message) {
        peer.send(message);
    }

    async fn close(&self, _peer: &Peer, details: CloseDetails) {
        let _ = self.closes.send(details);
    }
}

// ---------------------------------------------------------------------------
// Frames

/// A frame as read from the server.
struct Frame {
    fin: bool,
    rsv: u8,
    opcode: u8,
    payload: Vec<u8>,
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = &self.payload[..self.payload.len().min(64)];
        write!(
            f,
            "Frame {{ fin: {}, rsv: {}, opcode: {:#x}, len: {}, payload: {:?}{} }}",
            self.fin,
            self.rsv,
            self.opcode,
            self.payload.len(),
            String::from_utf8_lossy(shown),
            if shown.len() < self.payload.len() {
                "..."
            } else {
                ""
            }
        )
    }
}

/// A fresh masking key per frame (never all zeros, so masking really changes bytes).
fn next_mask() -> [u8; 4] {
    static COUNTER: AtomicU32 = AtomicU32::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let key = n.wrapping_mul(0x9E37_79B9).rotate_left(13) | 0x0101_0101;
    key.to_be_bytes()
}

/// The header of a client frame: FIN, RSV, opcode, MASK bit and key, and
/// the length in its shortest encoding (7, 16 or 64 bits).
fn encode_header(fin: bool, rsv: u8, opcode: u8, len: u64, mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(14);
    out.push((u8::from(fin) << 7) | ((rsv & 0b111) << 4) | (opcode & 0x0f));
    let mask_bit = if mask.is_some() { 0x80 } else { 0x00 };
    if len < 126 {
        out.push(mask_bit | len as u8);
    } else if len <= 0xffff {
        out.push(mask_bit | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(mask_bit | 127);
        out.extend_from_slice(&len.to_be_bytes());
    }
    if let Some(key) = mask {
        out.extend_from_slice(&key);
    }
    out
}

/// A whole client frame; `masked` as a client must (true) or not.
fn encode_frame(fin: bool, rsv: u8, opcode: u8, payload: &[u8], masked: bool) -> Vec<u8> {
    let mask = masked.then(next_mask);
    let mut out = encode_header(fin, rsv, opcode, payload.len() as u64, mask);
    match mask {
        Some(key) => out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4])),
        None => out.extend_from_slice(payload),
    }
    out
}

/// A well-formed masked client frame.
fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    encode_frame(fin, 0, opcode, payload, true)
}

/// A close frame's payload: the code, then the reason.
fn close_payload(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason);
    payload
}

/// Close codes a close frame may carry on the wire (RFC 6455 7.4, IANA registry).
fn valid_wire_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

fn pattern(len: usize, opcode: u8) -> Vec<u8> {
    (0..len)
        .map(|i| {
            if opcode == TEXT {
                b'a' + (i % 26) as u8
            } else {
                (i.wrapping_mul(31) % 256) as u8
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The raw client

struct Client {
    stream: TcpStream,
    /// Bytes read but not yet parsed.
    buf: Vec<u8>,
}

impl Client {
    /// Connects and upgrades with a fresh key.
    async fn connect(addr: SocketAddr, path: &str) -> Client {
        Client::connect_with_key(addr, path, &generate_key(), &[])
            .await
            .0
    }

    /// Connects and upgrades by hand, with `early` bytes in the same write as the request;
    /// checks the 101 answer and returns the client and the `Sec-WebSocket-Accept` the
    /// server sent.
    async fn connect_with_key(
        addr: SocketAddr,
        path: &str,
        key: &str,
        early: &[u8],
    ) -> (Client, String) {
        let stream = timeout(PATIENCE, TcpStream::connect(addr))
            .await
            .expect("connect in time")
            .expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let mut client = Client {
            stream,
            buf: Vec::new(),
        };
        let request = format!(
            "GET {path} HTTP/1.1\r\n\
             Host: {addr}\r\n\
             Upgrade: websocket\r\n\
             Connection: Upgrade\r\n\
             Sec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: {key}\r\n\
             \r\n"
        );
        client.send_raw(&[request.as_bytes(), early].concat()).await;
        let head_end = loop {
            if let Some(at) = client.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            assert!(
                client.fill_more().await,
                "server closed the connection during the handshake; got {:?}",
                String::from_utf8_lossy(&client.buf)
            );
        };
        let head =
            String::from_utf8(client.buf.drain(..head_end).collect()).expect("ASCII response head");
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap_or_default();
        assert!(
            status.starts_with("HTTP/1.1 101"),
            "expected 101 Switching Protocols, got {head:?}"
        );
        let header = |name: &str| -> Vec<String> {
            head.split("\r\n")
                .skip(1)
                .filter_map(|line| line.split_once(':'))
                .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_string())
                .collect()
        };
        assert!(
            header("upgrade")
                .iter()
                .any(|v| v.eq_ignore_ascii_case("websocket")),
            "101 without Upgrade: websocket: {head:?}"
        );
        assert!(
            header("connection")
                .iter()
                .flat_map(|v| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case("upgrade")),
            "101 without Connection: Upgrade: {head:?}"
        );
        let accept = header("sec-websocket-accept");
        assert_eq!(accept.len(), 1, "one Sec-WebSocket-Accept in {head:?}");
        let accept = accept[0].clone();
        assert_eq!(
            accept,
            derive_accept_key(key.as_bytes()),
            "Sec-WebSocket-Accept for key {key}"
        );
        (client, accept)
    }

    async fn send_raw(&mut self, bytes: &[u8]) {
        timeout(PATIENCE, self.stream.write_all(bytes))
            .await
            .expect("write in time")
            .expect("write");
    }

    /// Writes one frame: FIN, RSV bits (4 = RSV1, 2 = RSV2, 1 = RSV3),
    /// opcode, payload, masked or not.
    async fn send_frame(&mut self, fin: bool, rsv: u8, opcode: u8, payload: &[u8], masked: bool) {
        self.send_raw(&encode_frame(fin, rsv, opcode, payload, masked))
            .await;
    }

    async fn send_text(&mut self, text: &str) {
        self.send_raw(&frame(true, TEXT, text.as_bytes())).await;
    }

    async fn send_close(&mut self, payload: &[u8]) {
        self.send_raw(&frame(true, CLOSE, payload)).await;
    }

    /// Reads more bytes into the buffer; false on EOF.
    async fn fill_more(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match timeout(PATIENCE, self.stream.read(&mut chunk)).await {
            Err(_) => panic!(
                "nothing from the server within {PATIENCE:?} (buffered: {} bytes)",
                self.buf.len()
            ),
            Ok(Err(e)) => panic!("read error: {e}"),
            Ok(Ok(0)) => false,
            Ok(Ok(n)) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// Makes sure `n` bytes are buffered; false when the server closed first.
    async fn fill(&mut self, n: usize) -> bool {
        while self.buf.len() < n {
            if !self.fill_more().await {
                return false;
            }
        }
        true
    }

    /// The next frame from the server, or `None` when the server closed the
    /// connection cleanly between frames. Checks what RFC 6455 demands of
    /// every server frame: unmasked, shortest length encoding.
    async fn next_frame(&mut self) -> Option<Frame> {
        if !self.fill(2).await {
            assert!(self.buf.is_empty(), "EOF inside a frame header");
            return None;
        }
        let (b0, b1) = (self.buf[0], self.buf[1]);
        assert_eq!(b1 & 0x80, 0, "server frames must not be masked (5.1)");
        let (len, header_len) = match b1 & 0x7f {
            126 => {
                assert!(self.fill(4).await, "EOF inside a frame header");
                let len = u16::from_be_bytes([self.buf[2], self.buf[3]]) as u64;
                assert!(len >= 126, "16-bit length {len} is not minimal (5.2)");
                (len, 4)
            }
            127 => {
                assert!(self.fill(10).await, "EOF inside a frame header");
                let len = u64::from_be_bytes(self.buf[2..10].try_into().unwrap());
                assert!(len > 0xffff, "64-bit length {len} is not minimal (5.2)");
                assert_eq!(len >> 63, 0, "64-bit length with the top bit set (5.2)");
                (len, 10)
            }
            short => (u64::from(short), 2),
        };
        let total = header_len + usize::try_from(len).expect("length fits in memory");
        assert!(
            self.fill(total).await,
            "EOF inside a frame of {len} bytes (opcode {:#x})",
            b0 & 0x0f
        );
        let payload = self.buf[header_len..total].to_vec();
        self.buf.drain(..total);
        Some(Frame {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 0b111,
            opcode: b0 & 0x0f,
            payload,
        })
    }

    /// The next frame that is not a server keep-alive ping; panics on EOF.
    async fn read_frame(&mut self) -> Frame {
        loop {
            let frame = self
                .next_frame()
                .await
                .expect("a frame, but the server closed the connection");
            if frame.opcode != PING {
                return frame;
            }
        }
    }

    /// Expects a data message in one frame with this opcode and payload.
    async fn expect_message(&mut self, opcode: u8, payload: &[u8]) {
        let frame = self.read_frame().await;
        let want = Frame {
            fin: true,
            rsv: 0,
            opcode,
            payload: payload.to_vec(),
        };
        assert!(
            frame.fin && frame.rsv == 0 && frame.opcode == opcode && frame.payload == payload,
            "expected {want:?}, got {frame:?}"
        );
    }

    async fn expect_text(&mut self, text: &str) {
        self.expect_message(TEXT, text.as_bytes()).await;
    }

    async fn expect_pong(&mut self, payload: &[u8]) {
        let frame = self.read_frame().await;
        assert!(
            frame.fin && frame.rsv == 0 && frame.opcode == PONG && frame.payload == payload,
            "expected a pong of {} bytes {:?}, got {frame:?}",
            payload.len(),
            String::from_utf8_lossy(payload)
        );
    }

    /// Reads the server's close frame and checks it is well formed; `None`
    /// for an empty close payload, else the code and reason.
    async fn read_close(&mut self) -> Option<(u16, String)> {
        let frame = self.read_frame().await;
        assert!(
            frame.opcode == CLOSE,
            "expected a close frame, got {frame:?}"
        );
        assert!(
            frame.fin && frame.rsv == 0,
            "malformed close frame {frame:?}"
        );
        match frame.payload.len() {
            0 => None,
            1 => panic!("close frame with a 1-byte payload: {frame:?}"),
            _ => {
                let code = u16::from_be_bytes([frame.payload[0], frame.payload[1]]);
                assert!(
                    valid_wire_code(code),
                    "the server sent close code {code}, which may not appear on the wire"
                );
                let reason = String::from_utf8(frame.payload[2..].to_vec())
                    .unwrap_or_else(|_| panic!("close reason is not UTF-8: {frame:?}"));
                Some((code, reason))
            }
        }
    }

    /// Expects a close frame with `code`, then the server closing TCP.
    async fn expect_close(&mut self, code: u16) -> String {
        let close = self.read_close().await;
        match close {
            Some((got, reason)) => {
                assert_eq!(
                    got, code,
                    "expected close {code}, got close {got} (reason {reason:?})"
                );
                self.expect_eof().await;
                reason
            }
            None => panic!("expected close {code}, got a close frame without a code"),
        }
    }

    /// The server closes the TCP connection: a clean EOF with nothing more.
    async fn expect_eof(&mut self) {
        assert!(
            self.buf.is_empty(),
            "{} unexpected bytes after the close frame",
            self.buf.len()
        );
        let mut chunk = [0u8; 1024];
        match timeout(PATIENCE, self.stream.read(&mut chunk)).await {
            Err(_) => panic!(
                "the server did not close the TCP connection within {PATIENCE:?} after the close handshake (RFC 6455 7.1.1)"
            ),
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => {
                self.buf.extend_from_slice(&chunk[..n]);
                let more = self.next_frame().await;
                panic!("expected EOF after the close frame, got {n} more bytes: {more:?}")
            }
            Ok(Err(e)) => panic!("expected a clean EOF after the close frame, got {e}"),
        }
    }

    /// A round trip proving the connection is still usable.
    async fn assert_echo(&mut self, text: &str) {
        self.send_text(text).await;
        self.expect_text(text).await;
    }
}

// ---------------------------------------------------------------------------
// Running the cases of a group

type CaseFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

struct Case {
    name: String,
    run: CaseFuture,
}

fn case(name: impl Into<String>, run: impl Future<Output = ()> + Send + 'static) -> Case {
    Case {
        name: name.into(),
        run: Box::pin(run),
    }
}

fn panic_text(payload: Box<dyn Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "<non-string panic>".to_string())
}

/// Runs every case on its own task; fails listing every failing case.
async fn run_cases(group: &str, cases: Vec<Case>) {
    let total = cases.len();
    let running: Vec<_> = cases
        .into_iter()
        .map(|c| (c.name, tokio::spawn(c.run)))
        .collect();
    let mut failures = Vec::new();
    for (name, task) in running {
        if let Err(error) = task.await {
            let why = if error.is_panic() {
                panic_text(error.into_panic())
            } else {
                error.to_string()
            };
            failures.push(format!("  - {name}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{group}: {} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn stop(server: TestServer) {
    timeout(Duration::from_secs(30), server.stop())
        .await
        .expect("the server stops in time");
}

/// Sends one violating frame (and nothing after it, so that the server's
/// close does not meet unread bytes) and expects close `code` and EOF.
fn violation(addr: SocketAddr, name: String, bytes: Vec<u8>, code: u16) -> Case {
    case(name, async move {
        let mut client = Client::connect(addr, "/ws").await;
        client.send_raw(&bytes).await;
        client.expect_close(code).await;
    })
}

async fn echo_server() -> TestServer {
    spawn(H3::new().websocket("/ws", Echo)).await
}

// ---------------------------------------------------------------------------
// 1.x: framing

#[tokio::test]
async fn framing() {
    let server = echo_server().await;
    let addr = server.addr;
    let mut cases = Vec::new();

    cases.push(case("handshake with RFC 6455's sample key", async move {
        let (mut client, accept) =
            Client::connect_with_key(addr, "/ws", "dGhlIHNhbXBsZSBub25jZQ==", &[]).await;
        assert_eq!(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        client.assert_echo("hello").await;
    }));

    cases.push(case(
        "frames sent with the handshake, before its answer",
        async move {
            // hyper has read them with the request head: the socket under the WebSocket must
            // hand them over first, whole and in order.
            let early = [frame(true, TEXT, b"first"), frame(true, BINARY, &[0, 1, 2])].concat();
            let (mut client, _) =
                Client::connect_with_key(addr, "/ws", &generate_key(), &early).await;
            client.expect_message(TEXT, b"first").await;
            client.expect_message(BINARY, &[0, 1, 2]).await;
            client.assert_echo("after").await;
        },
    ));

    for opcode in [TEXT, BINARY] {
        for len in [0usize, 1, 125, 126, 127, 128, 65535, 65536, 256 * 1024] {
            let kind = if opcode == TEXT { "text" } else { "binary" };
            cases.push(case(format!("{kind} of {len} bytes echoed"), async move {
                let mut client = Client::connect(addr, "/ws").await;
                let payload = pattern(len, opcode);
                client.send_frame(true, 0, opcode, &payload, true).await;
                client.expect_message(opcode, &payload).await;
            }));
        }
    }

    cases.push(case("binary with every byte value echoed", async move {
        let mut client = Client::connect(addr, "/ws").await;
        let payload: Vec<u8> = (0..=255u8).rev().chain(0..=255u8).collect();
        client.send_frame(true, 0, BINARY, &payload, true).await;
        client.expect_message(BINARY, &payload).await;
    }));

    cases.push(case("a frame written one byte at a time", async move {
        let mut client = Client::connect(addr, "/ws").await;
        let payload = pattern(300, TEXT);
        for byte in frame(true, TEXT, &payload) {
            client.send_raw(&[byte]).await;
        }
        client.expect_message(TEXT, &payload).await;
    }));

    cases.push(case(
        "three frames in one write, echoed in order",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let bytes = [
                frame(true, TEXT, b"one"),
                frame(true, BINARY, b"two"),
                frame(true, TEXT, b"three"),
            ]
            .concat();
            client.send_raw(&bytes).await;
            client.expect_message(TEXT, b"one").await;
            client.expect_message(BINARY, b"two").await;
            client.expect_message(TEXT, b"three").await;
        },
    ));

    cases.push(case("many messages on one connection", async move {
        let mut client = Client::connect(addr, "/ws").await;
        for i in 0..50 {
            client.assert_echo(&format!("message {i}")).await;
        }
    }));

    cases.push(violation(
        addr,
        "unmasked text frame -> 1002".into(),
        encode_frame(true, 0, TEXT, b"unmasked", false),
        1002,
    ));
    cases.push(violation(
        addr,
        "unmasked empty binary frame -> 1002".into(),
        encode_frame(true, 0, BINARY, b"", false),
        1002,
    ));
    cases.push(case(
        "unmasked frame after a valid one -> echo, then 1002",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            client.assert_echo("masked").await;
            client.send_frame(true, 0, TEXT, b"unmasked", false).await;
            client.expect_close(1002).await;
        },
    ));

    run_cases("framing", cases).await;
    stop(server).await;
}

// ---------------------------------------------------------------------------
// 2.x: pings and pongs

#[tokio::test]
async fn ping_pong() {
    let server = echo_server().await;
    let addr = server.addr;
    let mut cases = Vec::new();

    let payloads: [(&str, Vec<u8>); 4] = [
        ("empty ping", Vec::new()),
        ("text ping", b"Hello, world!".to_vec()),
        (
            "binary ping",
            vec![0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff],
        ),
        ("ping of 125 bytes", pattern(125, BINARY)),
    ];
    for (name, payload) in payloads {
        cases.push(case(
            format!("{name} -> pong with the same payload"),
            async move {
                let mut client = Client::connect(addr, "/ws").await;
                client.send_raw(&frame(true, PING, &payload)).await;
                client.expect_pong(&payload).await;
                client.assert_echo("still open").await;
            },
        ));
    }

    cases.push(case(
        "ping of 125 bytes written one byte at a time",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let payload = pattern(125, TEXT);
            for byte in frame(true, PING, &payload) {
                client.send_raw(&[byte]).await;
            }
            client.expect_pong(&payload).await;
        },
    ));

    cases.push(violation(
        addr,
        "ping of 126 bytes -> 1002".into(),
        frame(true, PING, &pattern(126, BINARY)),
        1002,
    ));
    cases.push(violation(
        addr,
        "pong of 126 bytes -> 1002".into(),
        frame(true, PONG, &pattern(126, BINARY)),
        1002,
    ));

    cases.push(case("unsolicited pong is ignored", async move {
        let mut client = Client::connect(addr, "/ws").await;
        client.send_raw(&frame(true, PONG, b"unsolicited")).await;
        client.assert_echo("after the pong").await;
    }));

    cases.push(case(
        "unsolicited pong, then ping -> only the ping's pong",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let bytes = [
                frame(true, PONG, b"unsolicited"),
                frame(true, PING, b"solicited"),
            ]
            .concat();
            client.send_raw(&bytes).await;
            client.expect_pong(b"solicited").await;
            client.assert_echo("after").await;
        },
    ));

    cases.push(case(
        "10 pings in one write -> 10 pongs in order",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let bytes: Vec<u8> = (0..10)
                .flat_map(|i| frame(true, PING, format!("ping-{i}").as_bytes()))
                .collect();
            client.send_raw(&bytes).await;
            for i in 0..10 {
                client.expect_pong(format!("ping-{i}").as_bytes()).await;
            }
            client.assert_echo("after the pings").await;
        },
    ));

    cases.push(case(
        "10 pings in separate writes -> 10 pongs in order",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            for i in 0..10 {
                client
                    .send_raw(&frame(true, PING, format!("ping-{i}").as_bytes()))
                    .await;
            }
            for i in 0..10 {
                client.expect_pong(format!("ping-{i}").as_bytes()).await;
            }
        },
    ));

    run_cases("ping_pong", cases).await;
    stop(server).await;
}

// ---------------------------------------------------------------------------
// 3.x: reserved bits

#[tokio::test]
async fn reserved_bits() {
    let server = echo_server().await;
    let addr = server.addr;
    let mut cases = Vec::new();

    let frames: [(&str, u8, u8, &[u8]); 7] = [
        ("RSV1 on text", RSV1, TEXT, b"rsv1"),
        ("RSV2 on text", RSV2, TEXT, b"rsv2"),
        ("RSV3 on text", RSV3, TEXT, b"rsv3"),
        ("RSV1 on binary", RSV1, BINARY, b"\x00\xff"),
        ("RSV1+RSV3 on binary", RSV1 | RSV3, BINARY, b"\x00\xff"),
        ("RSV1+RSV2 on ping", RSV1 | RSV2, PING, b"ping"),
        (
            "RSV1+RSV2+RSV3 on close",
            RSV1 | RSV2 | RSV3,
            CLOSE,
            b"\x03\xe8",
        ),
    ];
    for (name, rsv, opcode, payload) in frames {
        cases.push(violation(
            addr,
            format!("{name} -> 1002"),
            encode_frame(true, rsv, opcode, payload, true),
            1002,
        ));
    }

    cases.push(case(
        "valid text then RSV2 text in one write -> echo, then 1002",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let bytes = [
                frame(true, TEXT, b"valid"),
                encode_frame(true, RSV2, TEXT, b"invalid", true),
            ]
            .concat();
            client.send_raw(&bytes).await;
            client.expect_text("valid").await;
            client.expect_close(1002).await;
        },
    ));

    cases.push(case(
        "RSV3 on a ping after a valid echo -> 1002",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            client.assert_echo("valid").await;
            client.send_frame(true, RSV3, PING, b"ping", true).await;
            client.expect_close(1002).await;
        },
    ));

    run_cases("reserved_bits", cases).await;
    stop(server).await;
}

// ---------------------------------------------------------------------------
// 4.x: opcodes

#[tokio::test]
async fn opcodes() {
    let server = echo_server().await;
    let addr = server.addr;
    let mut cases = Vec::new();

    for opcode in (3..=7).chain(11..=15) {
        let kind = if opcode < 8 { "non-control" } else { "control" };
        cases.push(violation(
            addr,
            format!("reserved {kind} opcode {opcode} -> 1002"),
            frame(true, opcode, b"reserved"),
            1002,
        ));
        cases.push(violation(
            addr,
            format!("reserved {kind} opcode {opcode}, empty -> 1002"),
            frame(true, opcode, b""),
            1002,
        ));
    }

    for opcode in [5u8, 13] {
        cases.push(case(
            format!("text then opcode {opcode} in one write -> echo, then 1002"),
            async move {
                let mut client = Client::connect(addr, "/ws").await;
                let bytes = [frame(true, TEXT, b"before"), frame(true, opcode, b"x")].concat();
                client.send_raw(&bytes).await;
                client.expect_text("before").await;
                client.expect_close(1002).await;
            },
        ));
    }

    run_cases("opcodes", cases).await;
    stop(server).await;
}

// ---------------------------------------------------------------------------
// 5.x: fragmentation

#[tokio::test]
async fn fragmentation() {
    let server = echo_server().await;
    let addr = server.addr;
    let mut cases = Vec::new();

    cases.push(violation(
        addr,
        "ping with FIN=0 -> 1002".into(),
        frame(false, PING, b"fragment"),
        1002,
    ));
    cases.push(violation(
        addr,
        "pong with FIN=0 -> 1002".into(),
        frame(false, PONG, b"fragment"),
        1002,
    ));
    cases.push(violation(
        addr,
        "close with FIN=0 -> 1002".into(),
        frame(false, CLOSE, &close_payload(1000, b"")),
        1002,
    ));

    cases.push(case("text in 2 fragments, one write", async move {
        let mut client = Client::connect(addr, "/ws").await;
        let bytes = [
            frame(false, TEXT, b"fragment1"),
            frame(true, CONTINUATION, b"fragment2"),
        ]
        .concat();
        client.send_raw(&bytes).await;
        client.expect_text("fragment1fragment2").await;
    }));

    cases.push(case("text in 2 fragments, separate writes", async move {
        let mut client = Client::connect(addr, "/ws").await;
        client.send_raw(&frame(false, TEXT, b"fragment1")).await;
        client
            .send_raw(&frame(true, CONTINUATION, b"fragment2"))
            .await;
        client.expect_text("fragment1fragment2").await;
    }));

    cases.push(case("binary in 2 fragments", async move {
        let mut client = Client::connect(addr, "/ws").await;
        client.send_raw(&frame(false, BINARY, &[0, 1, 2])).await;
        client
            .send_raw(&frame(true, CONTINUATION, &[0xfd, 0xfe, 0xff]))
            .await;
        client
            .expect_message(BINARY, &[0, 1, 2, 0xfd, 0xfe, 0xff])
            .await;
    }));

    cases.push(case("text in 64 one-byte fragments", async move {
        let mut client = Client::connect(addr, "/ws").await;
        let text = pattern(64, TEXT);
        let mut bytes = Vec::new();
        for (i, byte) in text.iter().enumerate() {
            let opcode = if i == 0 { TEXT } else { CONTINUATION };
            bytes.extend(frame(i == text.len() - 1, opcode, &[*byte]));
        }
        client.send_raw(&bytes).await;
        client.expect_message(TEXT, &text).await;
    }));

    cases.push(case(
        "binary in 100 fragments, separate writes",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let payload = pattern(1000, BINARY);
            for (i, chunk) in payload.chunks(10).enumerate() {
                let opcode = if i == 0 { BINARY } else { CONTINUATION };
                client.send_raw(&frame(i == 99, opcode, chunk)).await;
            }
            client.expect_message(BINARY, &payload).await;
        },
    ));

    cases.push(case(
        "fragments with 7-, 16- and 64-bit lengths",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let payload = pattern(126 + 65536 + 5, BINARY);
            let bytes = [
                frame(false, BINARY, &payload[..126]),
                frame(false, CONTINUATION, &payload[126..126 + 65536]),
                frame(true, CONTINUATION, &payload[126 + 65536..]),
            ]
            .concat();
            client.send_raw(&bytes).await;
            client.expect_message(BINARY, &payload).await;
        },
    ));

    cases.push(case("empty fragments", async move {
        let mut client = Client::connect(addr, "/ws").await;
        let bytes = [
            frame(false, TEXT, b""),
            frame(false, CONTINUATION, b""),
            frame(true, CONTINUATION, b""),
            frame(false, TEXT, b""),
            frame(false, CONTINUATION, b"middle"),
            frame(true, CONTINUATION, b""),
        ]
        .concat();
        client.send_raw(&bytes).await;
        client.expect_text("").await;
        client.expect_text("middle").await;
    }));

    cases.push(case(
        "ping between fragments, one write -> pong, then the message",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let bytes = [
                frame(false, TEXT, b"fragment1"),
                frame(true, PING, b"between"),
                frame(true, CONTINUATION, b"fragment2"),
            ]
            .concat();
            client.send_raw(&bytes).await;
            client.expect_pong(b"between").await;
            client.expect_text("fragment1fragment2").await;
        },
    ));

    cases.push(case(
        "ping between fragments, separate writes -> pong, then the message",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            client.send_raw(&frame(false, TEXT, b"fragment1")).await;
            client.send_raw(&frame(true, PING, b"between")).await;
            client.expect_pong(b"between").await;
            client
                .send_raw(&frame(true, CONTINUATION, b"fragment2"))
                .await;
            client.expect_text("fragment1fragment2").await;
        },
    ));

    cases.push(case(
        "a ping after each of 10 fragments -> 9 pongs, then the message",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let mut bytes = Vec::new();
            for i in 0..10 {
                let opcode = if i == 0 { TEXT } else { CONTINUATION };
                bytes.extend(frame(i == 9, opcode, format!("f{i};").as_bytes()));
                if i < 9 {
                    bytes.extend(frame(true, PING, format!("p{i}").as_bytes()));
                }
            }
            client.send_raw(&bytes).await;
            for i in 0..9 {
                client.expect_pong(format!("p{i}").as_bytes()).await;
            }
            let text: String = (0..10).map(|i| format!("f{i};")).collect();
            client.expect_text(&text).await;
        },
    ));

    cases.push(case(
        "unsolicited pong between fragments is ignored",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let bytes = [
                frame(false, TEXT, b"fragment1"),
                frame(true, PONG, b"between"),
                frame(true, CONTINUATION, b"fragment2"),
            ]
            .concat();
            client.send_raw(&bytes).await;
            client.expect_text("fragment1fragment2").await;
        },
    ));

    cases.push(violation(
        addr,
        "continuation (FIN=1) with nothing to continue -> 1002".into(),
        frame(true, CONTINUATION, b"orphan"),
        1002,
    ));
    cases.push(violation(
        addr,
        "continuation (FIN=0) with nothing to continue -> 1002".into(),
        frame(false, CONTINUATION, b"orphan"),
        1002,
    ));
    cases.push(case(
        "message, then a continuation with nothing to continue -> echo, then 1002",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let bytes = [
                frame(false, TEXT, b"fragment1"),
                frame(true, CONTINUATION, b"fragment2"),
                frame(false, CONTINUATION, b"orphan"),
            ]
            .concat();
            client.send_raw(&bytes).await;
            client.expect_text("fragment1fragment2").await;
            client.expect_close(1002).await;
        },
    ));
    cases.push(violation(
        addr,
        "new text frame while a text message is in progress -> 1002".into(),
        [frame(false, TEXT, b"first"), frame(true, TEXT, b"second")].concat(),
        1002,
    ));
    cases.push(violation(
        addr,
        "new binary frame while a text message is in progress -> 1002".into(),
        [
            frame(false, TEXT, b"first"),
            frame(false, BINARY, b"second"),
        ]
        .concat(),
        1002,
    ));

    run_cases("fragmentation", cases).await;
    stop(server).await;
}

// ---------------------------------------------------------------------------
// 6.x: UTF-8 handling

#[tokio::test]
async fn utf8() {
    let server = echo_server().await;
    let addr = server.addr;
    let mut cases = Vec::new();

    let valid = [
        "κόσμε",
        "Hello-µ@ßöäüàá-UTF-8!!",
        "😀 emoji 🎉",
        "\u{0080}\u{07FF}\u{0800}\u{FFFF}\u{10000}\u{10FFFF}",
        "\u{FEFF}byte order mark",
        "\u{D7FF}\u{E000}\u{FFFD}",
    ];
    for text in valid {
        cases.push(case(format!("valid text {text:?} echoed"), async move {
            let mut client = Client::connect(addr, "/ws").await;
            client.assert_echo(text).await;
        }));
    }

    let invalid: [(&str, &[u8]); 10] = [
        ("0xff", b"\xff"),
        ("0xfe", b"\xfe"),
        ("a lone continuation byte", b"ab\x80cd"),
        ("overlong NUL (c0 80)", b"\xc0\x80"),
        ("overlong 3-byte (e0 80 80)", b"\xe0\x80\x80"),
        ("a surrogate (ed a0 80)", b"\xed\xa0\x80"),
        ("above U+10FFFF (f4 90 80 80)", b"\xf4\x90\x80\x80"),
        ("a sequence cut at the end (ce ba e1)", b"\xce\xba\xe1"),
        (
            "valid text around a surrogate",
            b"\xce\xba\xe1\xbd\xb9\xed\xa0\x80edited",
        ),
        (
            "a 5-byte sequence (f8 88 80 80 80)",
            b"\xf8\x88\x80\x80\x80",
        ),
    ];
    for (name, bytes) in invalid {
        cases.push(violation(
            addr,
            format!("text with {name} -> 1007"),
            frame(true, TEXT, bytes),
            1007,
        ));
    }

    cases.push(case(
        "binary that is not UTF-8 is echoed unchanged",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            client
                .send_raw(&frame(true, BINARY, b"\xff\xc0\x80\xed\xa0\x80"))
                .await;
            client
                .expect_message(BINARY, b"\xff\xc0\x80\xed\xa0\x80")
                .await;
        },
    ));

    cases.push(case("\"a€b\" split inside the euro sign", async move {
        let mut client = Client::connect(addr, "/ws").await;
        let bytes = [
            frame(false, TEXT, b"a\xe2\x82"),
            frame(true, CONTINUATION, b"\xacb"),
        ]
        .concat();
        client.send_raw(&bytes).await;
        client.expect_text("a€b").await;
    }));

    cases.push(case(
        "a 4-byte character in one-byte fragments",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            for (i, byte) in "😀".bytes().enumerate() {
                let opcode = if i == 0 { TEXT } else { CONTINUATION };
                client.send_raw(&frame(i == 3, opcode, &[byte])).await;
            }
            client.expect_text("😀").await;
        },
    ));

    cases.push(case(
        "\"κόσμε\" in one-byte fragments, one write",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let text = "κόσμε".as_bytes();
            let bytes: Vec<u8> = text
                .iter()
                .enumerate()
                .flat_map(|(i, byte)| {
                    let opcode = if i == 0 { TEXT } else { CONTINUATION };
                    frame(i == text.len() - 1, opcode, &[*byte])
                })
                .collect();
            client.send_raw(&bytes).await;
            client.expect_text("κόσμε").await;
        },
    ));

    let invalid_fragmented: [(&str, Vec<u8>); 4] = [
        (
            "valid fragment, then 0xff in the last -> 1007",
            [
                frame(false, TEXT, b"hello"),
                frame(true, CONTINUATION, b"\xff"),
            ]
            .concat(),
        ),
        (
            "a sequence cut at the end of the message -> 1007",
            [frame(false, TEXT, b"\xce"), frame(true, CONTINUATION, b"")].concat(),
        ),
        (
            "a sequence continued by an invalid byte -> 1007",
            [
                frame(false, TEXT, b"\xe2\x82"),
                frame(true, CONTINUATION, b"("),
            ]
            .concat(),
        ),
        (
            "a surrogate split across fragments -> 1007",
            [
                frame(false, TEXT, b"\xed"),
                frame(true, CONTINUATION, b"\xa0\x80"),
            ]
            .concat(),
        ),
    ];
    for (name, bytes) in invalid_fragmented {
        cases.push(violation(addr, name.into(), bytes, 1007));
    }

    cases.push(violation(
        addr,
        "fail fast: invalid first fragment, rest never sent -> 1007".into(),
        frame(false, TEXT, b"\xce\xba\xff"),
        1007,
    ));

    run_cases("utf8", cases).await;
    stop(server).await;
}

// ---------------------------------------------------------------------------
// 7.x: close handling

#[tokio::test]
async fn close_handling() {
    let server = echo_server().await;
    let addr = server.addr;
    let mut cases = Vec::new();

    cases.push(case(
        "close 1000 \"bye\" -> close 1000, then EOF",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            client.assert_echo("before").await;
            client.send_close(&close_payload(1000, b"bye")).await;
            client.expect_close(1000).await;
        },
    ));

    cases.push(case(
        "close without payload -> empty close or 1000, then EOF",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            client.send_close(b"").await;
            match client.read_close().await {
                None => {}
                Some((code, reason)) => assert_eq!(
                    code, 1000,
                    "an empty close was answered with {code} {reason:?}"
                ),
            }
            client.expect_eof().await;
        },
    ));

    cases.push(violation(
        addr,
        "close with a 1-byte payload -> 1002".into(),
        frame(true, CLOSE, b"\x03"),
        1002,
    ));

    cases.push(case(
        "close with a 123-byte reason (125-byte payload) is echoed",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let reason = pattern(123, TEXT);
            client.send_close(&close_payload(1000, &reason)).await;
            client.expect_close(1000).await;
        },
    ));

    cases.push(violation(
        addr,
        "close with a 126-byte payload -> 1002".into(),
        frame(true, CLOSE, &close_payload(1000, &pattern(124, TEXT))),
        1002,
    ));

    for code in [
        0u16, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
    ] {
        cases.push(violation(
            addr,
            format!("close with invalid code {code} -> 1002"),
            frame(true, CLOSE, &close_payload(code, b"")),
            1002,
        ));
    }

    for code in [
        1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999,
    ] {
        cases.push(case(
            format!("close with valid code {code} is echoed"),
            async move {
                let mut client = Client::connect(addr, "/ws").await;
                client.send_close(&close_payload(code, b"")).await;
                client.expect_close(code).await;
            },
        ));
    }

    cases.push(violation(
        addr,
        "close reason that is not UTF-8 -> 1007".into(),
        frame(true, CLOSE, &close_payload(1000, b"\xce\xba\xff")),
        1007,
    ));

    cases.push(case(
        "text after the close is ignored (no echo), then EOF",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let bytes = [
                frame(true, CLOSE, &close_payload(1000, b"bye")),
                frame(true, TEXT, b"ignored"),
            ]
            .concat();
            client.send_raw(&bytes).await;
            client.expect_close(1000).await;
        },
    ));

    cases.push(case(
        "ping after the close gets no pong, then EOF",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let bytes = [
                frame(true, CLOSE, &close_payload(1000, b"")),
                frame(true, PING, b"too late"),
            ]
            .concat();
            client.send_raw(&bytes).await;
            client.expect_close(1000).await;
        },
    ));

    cases.push(case(
        "close while a fragmented message is in progress -> close 1000",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let bytes = [
                frame(false, TEXT, b"fragment"),
                frame(true, CLOSE, &close_payload(1000, b"")),
            ]
            .concat();
            client.send_raw(&bytes).await;
            client.expect_close(1000).await;
        },
    ));

    run_cases("close_handling", cases).await;
    stop(server).await;
}

// ---------------------------------------------------------------------------
// 9.x / 12.x (lite): limits

#[tokio::test]
async fn limits() {
    const MESSAGE_LIMIT: usize = 64 * 1024;
    const FRAME_LIMIT: usize = 16 * 1024;
    const DEFAULT_LIMIT: usize = 1024 * 1024;
    let app = H3::new()
        .websocket("/ws", Echo)
        .websocket_with(
            "/msg",
            Echo,
            WsOptions::default().max_message_size(MESSAGE_LIMIT),
        )
        .websocket_with(
            "/frame",
            Echo,
            WsOptions::default().max_frame_size(FRAME_LIMIT),
        );
    let server = spawn(app).await;
    let addr = server.addr;

    // Connected before the violations, used after them.
    let mut bystander = Client::connect(addr, "/msg").await;
    bystander.assert_echo("before").await;

    let mut cases = Vec::new();

    cases.push(case(
        "message of exactly max_message_size is echoed",
        async move {
            let mut client = Client::connect(addr, "/msg").await;
            let payload = pattern(MESSAGE_LIMIT, BINARY);
            client.send_raw(&frame(true, BINARY, &payload)).await;
            client.expect_message(BINARY, &payload).await;
        },
    ));

    cases.push(case(
        "fragments adding up to exactly max_message_size are echoed",
        async move {
            let mut client = Client::connect(addr, "/msg").await;
            let payload = pattern(MESSAGE_LIMIT, TEXT);
            let chunks: Vec<&[u8]> = payload.chunks(MESSAGE_LIMIT / 4).collect();
            let bytes: Vec<u8> = chunks
                .iter()
                .enumerate()
                .flat_map(|(i, chunk)| {
                    let opcode = if i == 0 { TEXT } else { CONTINUATION };
                    frame(i == chunks.len() - 1, opcode, chunk)
                })
                .collect();
            client.send_raw(&bytes).await;
            client.expect_message(TEXT, &payload).await;
        },
    ));

    cases.push(case(
        "single frame of max_message_size + 1 -> 1009",
        async move {
            let mut client = Client::connect(addr, "/msg").await;
            let payload = pattern(MESSAGE_LIMIT + 1, BINARY);
            client.send_raw(&frame(true, BINARY, &payload)).await;
            client.expect_close(1009).await;
        },
    ));

    cases.push(case(
        "5 fragments of 16 KiB (80 KiB > 64 KiB) -> 1009",
        async move {
            let mut client = Client::connect(addr, "/msg").await;
            let chunk = pattern(16 * 1024, TEXT);
            let bytes: Vec<u8> = (0..5)
                .flat_map(|i| {
                    let opcode = if i == 0 { TEXT } else { CONTINUATION };
                    frame(i == 4, opcode, &chunk)
                })
                .collect();
            client.send_raw(&bytes).await;
            client.expect_close(1009).await;
        },
    ));

    cases.push(case(
        "frame of exactly max_frame_size is echoed",
        async move {
            let mut client = Client::connect(addr, "/frame").await;
            let payload = pattern(FRAME_LIMIT, BINARY);
            client.send_raw(&frame(true, BINARY, &payload)).await;
            client.expect_message(BINARY, &payload).await;
        },
    ));

    cases.push(case(
        "80 KiB message in frames of max_frame_size is echoed",
        async move {
            let mut client = Client::connect(addr, "/frame").await;
            let payload = pattern(5 * FRAME_LIMIT, BINARY);
            let bytes: Vec<u8> = payload
                .chunks(FRAME_LIMIT)
                .enumerate()
                .flat_map(|(i, chunk)| {
                    let opcode = if i == 0 { BINARY } else { CONTINUATION };
                    frame(i == 4, opcode, chunk)
                })
                .collect();
            client.send_raw(&bytes).await;
            client.expect_message(BINARY, &payload).await;
        },
    ));

    // Only the header is sent: the server refuses the frame on its length,
    // and no unread payload is left to turn its close into a reset.
    cases.push(case(
        "frame header announcing max_frame_size + 1 -> 1009",
        async move {
            let mut client = Client::connect(addr, "/frame").await;
            let header =
                encode_header(true, 0, BINARY, (FRAME_LIMIT + 1) as u64, Some(next_mask()));
            client.send_raw(&header).await;
            client.expect_close(1009).await;
        },
    ));

    cases.push(case(
        "frame header announcing 2^40 bytes -> 1009",
        async move {
            let mut client = Client::connect(addr, "/frame").await;
            let header = encode_header(true, 0, TEXT, 1 << 40, Some(next_mask()));
            client.send_raw(&header).await;
            client.expect_close(1009).await;
        },
    ));

    cases.push(case(
        "default limit: a 1 MiB message is echoed",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let payload = pattern(DEFAULT_LIMIT, BINARY);
            client.send_raw(&frame(true, BINARY, &payload)).await;
            client.expect_message(BINARY, &payload).await;
        },
    ));

    cases.push(case(
        "default limit: a frame header announcing 1 MiB + 1 -> 1009",
        async move {
            let mut client = Client::connect(addr, "/ws").await;
            let header = encode_header(
                true,
                0,
                BINARY,
                (DEFAULT_LIMIT + 1) as u64,
                Some(next_mask()),
            );
            client.send_raw(&header).await;
            client.expect_close(1009).await;
        },
    ));

    run_cases("limits", cases).await;

    // The server keeps serving: the old connection and new ones.
    bystander.assert_echo("after").await;
    for path in ["/ws", "/msg", "/frame"] {
        let mut client = Client::connect(addr, path).await;
        client
            .assert_echo(&format!("new connection on {path}"))
            .await;
    }
    drop(bystander);
    stop(server).await;
}

// ---------------------------------------------------------------------------
// The close hook, as the app sees the cases above

#[tokio::test]
async fn close_hook_observes_codes() {
    let (closes, mut observed) = mpsc::unbounded_channel();
    let server = spawn(H3::new().websocket("/ws", Recorder { closes })).await;
    let addr = server.addr;

    async fn next_close(observed: &mut mpsc::UnboundedReceiver<CloseDetails>) -> CloseDetails {
        timeout(PATIENCE, observed.recv())
            .await
            .expect("a close hook call in time")
            .expect("the channel is open")
    }

    // Only the close frame: whether TCP is closed after it is `close_handling`'s business.
    async fn expect_close_code(client: &mut Client, code: u16) {
        match client.read_close().await {
            Some((got, reason)) => assert_eq!(got, code, "close {got} {reason:?}"),
            None => panic!("expected close {code}, got a close frame without a code"),
        }
    }

    let mut failures: Vec<String> = Vec::new();
    let mut check = |what: &str, got: CloseDetails, code: u16, reason: Option<&str>| {
        let reason_ok = reason.is_none_or(|r| got.reason == r);
        if got.code != code || !reason_ok {
            failures.push(format!(
                "  - {what}: close hook got {got:?}, expected code {code}{}",
                reason.map(|r| format!(" reason {r:?}")).unwrap_or_default()
            ));
        }
    };

    // The client closes with 1000 "bye".
    let mut client = Client::connect(addr, "/ws").await;
    client.assert_echo("hello").await;
    client.send_close(&close_payload(1000, b"bye")).await;
    expect_close_code(&mut client, 1000).await;
    drop(client);
    check(
        "client close 1000 \"bye\"",
        next_close(&mut observed).await,
        1000,
        Some("bye"),
    );

    // A protocol violation: RSV1 on a text frame.
    let mut client = Client::connect(addr, "/ws").await;
    client.send_frame(true, RSV1, TEXT, b"reserved", true).await;
    expect_close_code(&mut client, 1002).await;
    drop(client);
    check(
        "RSV1 violation",
        next_close(&mut observed).await,
        1002,
        None,
    );

    // Invalid UTF-8 in a text message.
    let mut client = Client::connect(addr, "/ws").await;
    client.send_raw(&frame(true, TEXT, b"\xff")).await;
    expect_close_code(&mut client, 1007).await;
    drop(client);
    check("invalid UTF-8", next_close(&mut observed).await, 1007, None);

    // An application code from the client.
    let mut client = Client::connect(addr, "/ws").await;
    client.send_close(&close_payload(4001, b"custom")).await;
    expect_close_code(&mut client, 4001).await;
    drop(client);
    check(
        "client close 4001 \"custom\"",
        next_close(&mut observed).await,
        4001,
        Some("custom"),
    );

    // The client closes with 1000 "bye", then (wrongly) sends a text frame:
    // the close handshake on the wire is the client's 1000.
    let mut client = Client::connect(addr, "/ws").await;
    let bytes = [
        frame(true, CLOSE, &close_payload(1000, b"bye")),
        frame(true, TEXT, b"ignored"),
    ]
    .concat();
    client.send_raw(&bytes).await;
    expect_close_code(&mut client, 1000).await;
    drop(client);
    check(
        "client close 1000 \"bye\" followed by a text frame",
        next_close(&mut observed).await,
        1000,
        Some("bye"),
    );

    // The client drops the TCP connection without a close frame: 1006.
    let mut client = Client::connect(addr, "/ws").await;
    client.assert_echo("about to vanish").await;
    drop(client);
    check(
        "TCP dropped without a close frame",
        next_close(&mut observed).await,
        1006,
        None,
    );

    stop(server).await;
    // Every connection has ended: each close hook ran exactly once.
    let extra: Vec<CloseDetails> = std::iter::from_fn(|| observed.try_recv().ok()).collect();
    if !extra.is_empty() {
        failures.push(format!("  - extra close hook calls: {extra:?}"));
    }
    assert!(
        failures.is_empty(),
        "close hook: {} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
