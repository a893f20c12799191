//! The WebSocket protocol on a connection's socket: tungstenite's, polled with the
//! caller's context.
//!
//! tokio-tungstenite's `WebSocketStream` bridges tungstenite's blocking-style `Read` and
//! `Write` calls to tokio through waker proxies: every read and write registers the
//! caller's waker in an `AtomicWaker`, polls the socket with a proxy waker, and a wake of
//! either proxy wakes both directions. That cost about 770 of 5,180 instructions per echo
//! (callgrind, 64 connections), and woke the writer on every frame read. Here each call lends the socket
//! and the caller's own context to tungstenite for that call only: the socket registers
//! exactly the task half that waits on it, for the direction it waits on.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig, WebSocketContext};
use tokio_tungstenite::tungstenite::{Error, Message};

/// A server-side WebSocket over `IO`: a stream of frames read, a sink of frames written.
pub(crate) struct Wire<IO> {
    io: IO,
    protocol: WebSocketContext,
    /// The read side returned its last item (the end, or an error): reads now end at once.
    ended: bool,
    /// tungstenite's write buffer is over its limit: flush it before the next frame.
    blocked: bool,
}

/// The socket and a context, as the `Read + Write` that tungstenite drives; `Pending` is
/// `WouldBlock` to it.
struct Lent<'a, 'b, IO> {
    io: &'a mut IO,
    cx: &'a mut Context<'b>,
}

fn would_block<T>(poll: Poll<io::Result<T>>) -> io::Result<T> {
    match poll {
        Poll::Ready(result) => result,
        Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
    }
}

impl<IO: AsyncRead + Unpin> Read for Lent<'_, '_, IO> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut buf = ReadBuf::new(buf);
        would_block(Pin::new(&mut *self.io).poll_read(self.cx, &mut buf))?;
        Ok(buf.filled().len())
    }
}

impl<IO: AsyncWrite + Unpin> Write for Lent<'_, '_, IO> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        would_block(Pin::new(&mut *self.io).poll_write(self.cx, buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        would_block(Pin::new(&mut *self.io).poll_flush(self.cx))
    }
}

/// tungstenite's `WouldBlock` back into `Pending`.
fn pending<T>(result: Result<T, Error>) -> Poll<Result<T, Error>> {
    match result {
        Err(Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
        other => Poll::Ready(other),
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Wire<IO> {
    /// The protocol on `io`, after a handshake whose reads took `read` past its end: the
    /// client's first frames, sent with its request.
    pub(crate) fn new(io: IO, read: Vec<u8>, config: WebSocketConfig) -> Self {
        let protocol = if read.is_empty() {
            WebSocketContext::new(Role::Server, Some(config))
        } else {
            WebSocketContext::from_partially_read(read, Role::Server, Some(config))
        };
        Wire {
            io,
            protocol,
            ended: false,
            blocked: false,
        }
    }

    /// The next message; `None` once the connection ended. A control frame that asks for
    /// an answer (a ping, the client's close) has it queued and sent by this read and the
    /// next ones, as tungstenite does.
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Message, Error>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let read = self.protocol.read(&mut Lent {
            io: &mut self.io,
            cx,
        });
        match std::task::ready!(pending(read)) {
            Ok(message) => Poll::Ready(Some(Ok(message))),
            Err(Error::ConnectionClosed | Error::AlreadyClosed) => {
                self.ended = true;
                Poll::Ready(None)
            }
            Err(e) => {
                self.ended = true;
                Poll::Ready(Some(Err(e)))
            }
        }
    }

    /// Ready for [`start_send`](Self::start_send): the write buffer is under its limit.
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if !self.blocked {
            return Poll::Ready(Ok(()));
        }
        self.poll_flush(cx)
    }

    /// Queues `message` in the write buffer; writes some of it out if the buffer is over
    /// its size. A write that would block keeps the frame queued and blocks the next one
    /// until a flush.
    pub(crate) fn start_send(
        &mut self,
        cx: &mut Context<'_>,
        message: Message,
    ) -> Result<(), Error> {
        let written = self.protocol.write(
            &mut Lent {
                io: &mut self.io,
                cx,
            },
            message,
        );
        match written {
            Err(Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                self.blocked = true;
                Ok(())
            }
            other => other,
        }
    }

    /// Writes out everything queued. Once the close handshake is over there is nothing more
    /// to write, which is no error.
    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let flushed = self.protocol.flush(&mut Lent {
            io: &mut self.io,
            cx,
        });
        let flushed = std::task::ready!(pending(flushed));
        self.blocked = false;
        Poll::Ready(match flushed {
            Err(Error::ConnectionClosed) => Ok(()),
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    /// A waker that counts its wakes: one per half of a connection's task.
    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count::default());
        (count.clone(), Waker::from(count))
    }

    fn wakes(count: &Count) -> usize {
        count.0.load(Ordering::SeqCst)
    }

    /// A client's masked text frame.
    fn text_frame(text: &str) -> Vec<u8> {
        let mask = [1u8, 2, 3, 4];
        assert!(text.len() < 126);
        let mut frame = vec![0x81, 0x80 | text.len() as u8];
        frame.extend_from_slice(&mask);
        frame.extend(text.bytes().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        frame
    }

    fn wire(capacity: usize, read: Vec<u8>) -> (Wire<DuplexStream>, DuplexStream) {
        let (server, client) = tokio::io::duplex(capacity);
        let config = WebSocketConfig::default()
            .write_buffer_size(0)
            .max_write_buffer_size(1 << 20);
        (Wire::new(server, read, config), client)
    }

    #[tokio::test]
    async fn reads_frames_read_with_the_handshake_first_then_the_socket() {
        let (mut wire, mut client) = wire(1024, text_frame("early"));
        client.write_all(&text_frame("later")).await.unwrap();
        let (_, reader) = waker();
        let mut cx = Context::from_waker(&reader);
        for expected in ["early", "later"] {
            match wire.poll_next(&mut cx) {
                Poll::Ready(Some(Ok(Message::Text(text)))) => assert_eq!(text.as_str(), expected),
                other => panic!("expected {expected:?}, got {other:?}"),
            }
        }
        assert!(wire.poll_next(&mut cx).is_pending());
        // The client leaves: the stream ends, and stays ended.
        drop(client);
        assert!(matches!(
            wire.poll_next(&mut cx),
            Poll::Ready(Some(Err(_)) | None)
        ));
        assert!(matches!(wire.poll_next(&mut cx), Poll::Ready(None)));
    }

    #[tokio::test]
    async fn a_frame_arriving_wakes_the_reader_and_not_the_writer() {
        let (mut wire, mut client) = wire(1024, Vec::new());
        let (reads, reader) = waker();
        let (writes, writer) = waker();
        assert!(
            wire.poll_next(&mut Context::from_waker(&reader))
                .is_pending()
        );
        // The writer sends and flushes with its own context.
        let mut wcx = Context::from_waker(&writer);
        assert!(wire.poll_ready(&mut wcx).is_ready());
        wire.start_send(&mut wcx, Message::text("out")).unwrap();
        assert!(matches!(wire.poll_flush(&mut wcx), Poll::Ready(Ok(()))));
        let mut frame = [0u8; 5];
        client.read_exact(&mut frame).await.unwrap();
        assert_eq!(frame, [0x81, 3, b'o', b'u', b't']);

        client.write_all(&text_frame("in")).await.unwrap();
        assert_eq!(wakes(&reads), 1);
        assert_eq!(wakes(&writes), 0, "a read must not wake the writer");
    }

    #[tokio::test]
    async fn a_full_socket_holds_the_frame_and_blocks_the_next_until_flushed() {
        let (mut wire, mut client) = wire(16, Vec::new());
        let (writes, writer) = waker();
        let mut wcx = Context::from_waker(&writer);
        let big = "x".repeat(100);
        // More than the socket takes: accepted, written in part.
        wire.start_send(&mut wcx, Message::text(big.clone()))
            .unwrap();
        assert!(wire.poll_ready(&mut wcx).is_pending());
        assert!(wire.poll_flush(&mut wcx).is_pending());
        // Each read of the client wakes the writer, whose flush writes the next part.
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        loop {
            let before = wakes(&writes);
            let n = client.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
            assert_eq!(
                wakes(&writes),
                before + 1,
                "a read makes room: the writer is woken"
            );
            if wire.poll_flush(&mut wcx).is_ready() {
                break;
            }
        }
        let n = client.read(&mut buf).await.unwrap();
        got.extend_from_slice(&buf[..n]);
        assert_eq!(&got[..2], [0x81, 100]);
        assert_eq!(&got[2..], big.as_bytes());
        assert!(wire.poll_ready(&mut wcx).is_ready());
    }
}
