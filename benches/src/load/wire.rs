//! Raw HTTP/1.1 and WebSocket clients for the load generator.
//!
//! Hand-rolled on purpose: the load generator shares a 2-core machine with
//! the server, so each request or frame must cost it far less than it costs
//! the server (no header maps, no per-message allocation), or the client
//! would be what is measured.

use std::io;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A connection with a read buffer.
pub struct Conn {
    pub stream: TcpStream,
    pub buf: BytesMut,
}

impl Conn {
    pub async fn connect(port: u16) -> io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: BytesMut::with_capacity(16 * 1024),
        })
    }

    async fn fill(&mut self) -> io::Result<()> {
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(16 * 1024);
        }
        if self.stream.read_buf(&mut self.buf).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }

    /// Reads one response head, returning its status and content length and
    /// leaving the body bytes in the buffer.
    async fn head(&mut self) -> io::Result<(u16, Option<usize>)> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = &self.buf[..end];
                let status = std::str::from_utf8(&head[9..12])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let length = head.split(|&b| b == b'\n').find_map(|line| {
                    let line = std::str::from_utf8(line).ok()?;
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                });
                self.buf.advance(end + 4);
                return Ok((status, length));
            }
            self.fill().await?;
        }
    }

    /// Sends a prepared GET and reads its response; returns the status.
    pub async fn request(&mut self, request: &[u8]) -> io::Result<u16> {
        self.stream.write_all(request).await?;
        let (status, length) = self.head().await?;
        let length = length.ok_or_else(|| io::Error::other("no content-length"))?;
        while self.buf.len() < length {
            self.fill().await?;
        }
        self.buf.advance(length);
        Ok(status)
    }

    /// Starts a streaming GET (SSE); the body follows in the buffer.
    pub async fn stream(&mut self, path: &str) -> io::Result<u16> {
        self.stream.write_all(get(path).as_bytes()).await?;
        Ok(self.head().await?.0)
    }

    /// Reads more body bytes into the buffer.
    pub async fn more(&mut self) -> io::Result<()> {
        self.fill().await
    }

    /// Opens a WebSocket on `path`.
    pub async fn websocket(port: u16, path: &str) -> io::Result<Conn> {
        let mut conn = Conn::connect(port).await?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
             sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n"
        );
        conn.stream.write_all(request.as_bytes()).await?;
        let (status, _) = conn.head().await?;
        if status != 101 {
            return Err(io::Error::other(format!("handshake answered {status}")));
        }
        Ok(conn)
    }

    /// Reads the next data frame (text or binary) and returns its payload
    /// range in the buffer, answering nothing else (pings are skipped).
    pub async fn frame(&mut self) -> io::Result<Frame> {
        loop {
            if let Some(frame) = parse_frame(&self.buf) {
                if frame.opcode == 0x8 {
                    return Err(io::Error::other("closed by the server"));
                }
                if frame.opcode == 0x1 || frame.opcode == 0x2 {
                    return Ok(frame);
                }
                self.buf.advance(frame.end);
                continue;
            }
            self.fill().await?;
        }
    }

    /// Drops the frame just returned by [`Conn::frame`].
    pub fn consume(&mut self, frame: &Frame) {
        self.buf.advance(frame.end);
    }
}

/// A server frame in the buffer: `buf[start..end]` is the payload.
pub struct Frame {
    pub opcode: u8,
    pub start: usize,
    pub end: usize,
}

fn parse_frame(buf: &[u8]) -> Option<Frame> {
    if buf.len() < 2 {
        return None;
    }
    let opcode = buf[0] & 0x0f;
    let (len, start) = match buf[1] & 0x7f {
        126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
        127 if buf.len() >= 10 => (
            u64::from_be_bytes(buf[2..10].try_into().unwrap()) as usize,
            10,
        ),
        126 | 127 => return None,
        n => (n as usize, 2),
    };
    (buf.len() >= start + len).then_some(Frame {
        opcode,
        start,
        end: start + len,
    })
}

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// Appends a masked client frame (`opcode` 1 text, 2 binary) to `out`.
pub fn client_frame(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    out.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n < 65536 => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&MASK);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
}

/// A keep-alive GET for `path`.
pub fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
