//! The read side of a WebSocket: small when idle, large when busy.
//!
//! tungstenite zero-fills its whole read buffer before each read, so that
//! buffer is resident memory on every connection, idle or not: at 8 KiB it
//! was most of an idle peer's footprint. h3rs gives tungstenite a small
//! buffer ([`WsOptions::read_buffer_size`](super::WsOptions), 1 KiB) and
//! puts this adapter under it. Small messages are read straight into
//! tungstenite's buffer. When a read fills that buffer (a large message or a
//! burst), the next reads go through a [`BULK`] buffer here instead, one
//! syscall for many of tungstenite's small reads; once the socket has
//! nothing more to give, the bulk buffer is freed again.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The size of a bulk read.
pub(crate) const BULK: usize = 64 * 1024;

pub(crate) struct ReadAhead<IO> {
    io: IO,
    /// Read from the socket but not yet by tungstenite; empty (and
    /// unallocated) while the connection is idle.
    ahead: BytesMut,
    /// The last read filled the caller's buffer: more is probably waiting.
    busy: bool,
}

impl<IO> ReadAhead<IO> {
    pub(crate) fn new(io: IO) -> Self {
        ReadAhead {
            io,
            ahead: BytesMut::new(),
            busy: false,
        }
    }

    /// How many bytes this adapter holds (0 when idle).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.ahead.capacity()
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for ReadAhead<IO> {
    #[inline]
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.ahead.is_empty() && this.busy {
            this.ahead.reserve(BULK);
            match tokio_util::io::poll_read_buf(Pin::new(&mut this.io), cx, &mut this.ahead) {
                Poll::Pending => {
                    // Drained: the connection is idle again, so is the memory.
                    this.ahead = BytesMut::new();
                    this.busy = false;
                    return Poll::Pending;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(0)) => {
                    this.ahead = BytesMut::new();
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(Ok(_)) => {}
            }
        }
        if !this.ahead.is_empty() {
            let n = this.ahead.len().min(out.remaining());
            out.put_slice(&this.ahead[..n]);
            this.ahead.advance(n);
            return Poll::Ready(Ok(()));
        }
        let room = out.remaining();
        let before = out.filled().len();
        ready!(Pin::new(&mut this.io).poll_read(cx, out))?;
        this.busy = room > 0 && out.filled().len() - before == room;
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for ReadAhead<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn small_reads_go_straight_through_and_bursts_are_read_in_bulk() {
        let (mut client, server) = tokio::io::duplex(4 * BULK);
        let mut reader = ReadAhead::new(server);
        let mut small = [0u8; 1024];

        client.write_all(b"hello").await.unwrap();
        let n = reader.read(&mut small).await.unwrap();
        assert_eq!(&small[..n], b"hello");
        assert_eq!(reader.held(), 0, "a small message needs no bulk buffer");

        let burst: Vec<u8> = (0..3 * 1024 + 17).map(|i| i as u8).collect();
        client.write_all(&burst).await.unwrap();
        let mut got = Vec::new();
        while got.len() < burst.len() {
            let n = reader.read(&mut small).await.unwrap();
            got.extend_from_slice(&small[..n]);
            if got.len() == 2048 {
                assert!(reader.held() > 0, "a burst is read in bulk");
            }
        }
        assert_eq!(got, burst, "nothing lost or reordered");

        // With nothing left to read, the next read waits and frees the bulk buffer.
        assert!(reader.read(&mut small).now_or_never().is_none());
        assert_eq!(reader.held(), 0, "an idle connection holds no bulk buffer");

        drop(client);
        assert_eq!(
            reader.read(&mut small).await.unwrap(),
            0,
            "EOF passes through"
        );
    }
}
