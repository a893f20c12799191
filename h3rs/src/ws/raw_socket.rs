//! The socket under a WebSocket, once hyper has answered the handshake.
//!
//! hyper hands an upgraded connection over as `Upgraded`: a boxed `dyn` socket behind its
//! read-back buffer, which on a plain TCP connection is the TCP stream behind h3rs's protocol
//! sniffer and idle watch, each wrapped for hyper's I/O traits and back. Every read of a
//! frame went down those six layers (about 230 instructions per echo, callgrind). Where the
//! connection was accepted by [`Server::run`](crate::Server::run) over plain TCP,
//! [`RawSocket`] takes the `TcpStream` back out of them; elsewhere (TLS, an HTTP/2 stream,
//! the in-memory test client) it keeps `Upgraded`.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::server::{ServedTcp, Slot};

pub(crate) enum RawSocket {
    Tcp {
        stream: TcpStream,
        /// Counts the connection under `max_connections` until the socket closes.
        _slot: Slot,
    },
    Upgraded(TokioIo<Upgraded>),
}

impl RawSocket {
    /// The socket of `upgraded`, and the bytes already read from it past the handshake
    /// (a client may send its first frame with the handshake), which come first.
    pub(crate) fn new(upgraded: Upgraded) -> (Self, Vec<u8>) {
        match upgraded.downcast::<ServedTcp>() {
            Ok(parts) => {
                let (watched, unread) = parts.io.into_inner().into_parts();
                let (stream, slot) = watched.into_parts();
                // hyper read whatever it holds through the sniffer, so the sniffer's own
                // unread bytes (none, past a whole request head) come after it.
                let mut read = parts.read_buf.to_vec();
                read.extend_from_slice(&unread);
                let socket = RawSocket::Tcp {
                    stream,
                    _slot: slot,
                };
                (socket, read)
            }
            Err(upgraded) => (RawSocket::Upgraded(TokioIo::new(upgraded)), Vec::new()),
        }
    }
}

impl AsyncRead for RawSocket {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            RawSocket::Tcp { stream, .. } => Pin::new(stream).poll_read(cx, buf),
            RawSocket::Upgraded(io) => Pin::new(io).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for RawSocket {
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            RawSocket::Tcp { stream, .. } => Pin::new(stream).poll_write(cx, buf),
            RawSocket::Upgraded(io) => Pin::new(io).poll_write(cx, buf),
        }
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            RawSocket::Tcp { stream, .. } => Pin::new(stream).poll_write_vectored(cx, bufs),
            RawSocket::Upgraded(io) => Pin::new(io).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            RawSocket::Tcp { stream, .. } => stream.is_write_vectored(),
            RawSocket::Upgraded(io) => io.is_write_vectored(),
        }
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            RawSocket::Tcp { stream, .. } => Pin::new(stream).poll_flush(cx),
            RawSocket::Upgraded(io) => Pin::new(io).poll_flush(cx),
        }
    }

    #[inline]
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            RawSocket::Tcp { stream, .. } => Pin::new(stream).poll_shutdown(cx),
            RawSocket::Upgraded(io) => Pin::new(io).poll_shutdown(cx),
        }
    }
}
