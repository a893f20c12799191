//! The socket under a WebSocket, once hyper has answered the handshake.
//!
//! hyper hands an upgraded connection over as `Upgraded`: a boxed `dyn` socket behind its
//! read-back buffer, which on a plain TCP connection is the TCP stream behind h3rs's protocol
//! sniffer and idle watch, each wrapped for hyper's I/O traits and back. Every read of a
//! frame went down those six layers (about 230 instructions per echo, callgrind). Where the
//! connection was accepted by [`Server::run`](crate::Server::run) over plain TCP,
//! [`unwrap`] takes the `TcpStream` back out of them; elsewhere (TLS, an HTTP/2 stream, the
//! in-memory test client) it keeps `Upgraded`.

use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_util::either::Either;

use crate::server::{ServedTcp, Slot};

pub(crate) type RawSocket = Either<TcpStream, TokioIo<Upgraded>>;

/// What a WebSocket takes over from hyper.
pub(crate) struct Unwrapped {
    pub(crate) socket: RawSocket,
    /// Read from the socket past the handshake (a client may send its first frame with
    /// it): it comes first.
    pub(crate) read: Vec<u8>,
    /// The connection's place under `max_connections`, to be kept as long as the socket.
    pub(crate) slot: Option<Slot>,
}

pub(crate) fn unwrap(upgraded: Upgraded) -> Unwrapped {
    match upgraded.downcast::<ServedTcp>() {
        Ok(parts) => {
            let (watched, unread) = parts.io.into_inner().into_parts();
            let (stream, slot) = watched.into_parts();
            // hyper read whatever it holds through the sniffer, so the sniffer's own unread
            // bytes (none, past a whole request head) come after it.
            let mut read = parts.read_buf.to_vec();
            read.extend_from_slice(&unread);
            Unwrapped {
                socket: Either::Left(stream),
                read,
                slot: Some(slot),
            }
        }
        Err(upgraded) => Unwrapped {
            socket: Either::Right(TokioIo::new(upgraded)),
            read: Vec::new(),
            slot: None,
        },
    }
}
