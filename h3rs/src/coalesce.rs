//! Small vectored writes joined into one buffer before they reach the socket.
//!
//! hyper writes a response as a `writev` of its head and its body (and an event stream's
//! chunks as several small buffers each). On loopback, one `write` of the same bytes joined
//! measured 1.03-1.15x the requests per second of the `writev` for plaintext and JSON (5
//! alternated rounds against the same server writing vectored): the kernel's cost per buffer,
//! not the bytes, was the difference. hyper can join them itself (`writev(false)`), but then it
//! copies every body into its write buffer, keeps that buffer at its largest for the life of the
//! connection, and a 64 MiB download ran at half the speed. Joining here only what is small
//! keeps large bodies on the vectored path, uncopied.

use std::cell::RefCell;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;

/// The most bytes joined. It holds any response head with a small body; larger writes keep
/// the vectored path, uncopied. Not tuned further.
const JOINED_MAX: usize = 8 * 1024;

thread_local! {
    /// One buffer per thread, not per connection: a write is joined and written in one call,
    /// so an idle connection holds none. It grows to what the writes need, `JOINED_MAX` at most.
    static JOINED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// `io.poll_write_vectored(bufs)`, made one `poll_write` of the buffers joined when there are
/// several and they are small. Either way the bytes written are the first `n` of `bufs`.
#[inline]
pub(crate) fn poll_write_vectored<IO: AsyncWrite + ?Sized>(
    io: Pin<&mut IO>,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>> {
    if bufs.len() > 1 {
        let total = bufs.iter().map(|buf| buf.len()).sum::<usize>();
        if total <= JOINED_MAX {
            return JOINED.with(|joined| match joined.try_borrow_mut() {
                Ok(mut joined) => {
                    joined.clear();
                    for buf in bufs {
                        joined.extend_from_slice(buf);
                    }
                    io.poll_write(cx, &joined)
                }
                // A socket under this one that joins its writes too: it writes them as given.
                Err(_) => io.poll_write_vectored(cx, bufs),
            });
        }
    }
    io.poll_write_vectored(cx, bufs)
}

#[cfg(test)]
mod tests {
    use std::task::Waker;

    use super::*;

    /// A socket that records its calls and takes at most `limit` bytes per call.
    #[derive(Default)]
    struct Recorder {
        calls: Vec<(&'static str, usize)>,
        written: Vec<u8>,
        limit: Option<usize>,
    }

    impl Recorder {
        fn take(&mut self, call: &'static str, bytes: &[u8]) -> usize {
            let n = self
                .limit
                .map_or(bytes.len(), |limit| limit.min(bytes.len()));
            self.calls.push((call, n));
            self.written.extend_from_slice(&bytes[..n]);
            n
        }
    }

    impl AsyncWrite for Recorder {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(self.get_mut().take("write", buf)))
        }

        fn poll_write_vectored(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            let joined: Vec<u8> = bufs.iter().flat_map(|buf| buf.iter().copied()).collect();
            Poll::Ready(Ok(self.get_mut().take("writev", &joined)))
        }

        fn is_write_vectored(&self) -> bool {
            true
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    fn write(io: &mut Recorder, bufs: &[&[u8]]) -> usize {
        let slices: Vec<IoSlice<'_>> = bufs.iter().map(|buf| IoSlice::new(buf)).collect();
        let mut cx = Context::from_waker(Waker::noop());
        match poll_write_vectored(Pin::new(io), &mut cx, &slices) {
            Poll::Ready(Ok(n)) => n,
            other => panic!("the recorder is always ready: {other:?}"),
        }
    }

    #[test]
    fn small_buffers_go_out_as_one_write_of_them_joined() {
        let mut io = Recorder::default();
        let n = write(&mut io, &[b"HTTP/1.1 200 OK\r\n\r\n", b"Hello, World!"]);
        assert_eq!(n, 32);
        assert_eq!(io.calls, [("write", 32)]);
        assert_eq!(io.written, b"HTTP/1.1 200 OK\r\n\r\nHello, World!");
    }

    #[test]
    fn large_or_single_buffers_stay_on_the_vectored_path() {
        let mut io = Recorder::default();
        let big = vec![7u8; JOINED_MAX];
        write(&mut io, &[b"head", &big]);
        write(&mut io, &[&big]);
        assert_eq!(
            io.calls,
            [("writev", JOINED_MAX + 4), ("writev", JOINED_MAX)]
        );
    }

    #[test]
    fn a_short_write_takes_the_first_bytes_of_the_buffers() {
        let mut io = Recorder {
            limit: Some(6),
            ..Recorder::default()
        };
        assert_eq!(write(&mut io, &[b"abcd", b"efgh"]), 6);
        assert_eq!(io.written, b"abcdef");
    }

    #[test]
    fn a_write_inside_a_joined_write_is_written_as_given() {
        let mut io = Recorder::default();
        JOINED.with(|joined| {
            let _held = joined.borrow_mut();
            write(&mut io, &[b"ab", b"cd"]);
        });
        assert_eq!(io.calls, [("writev", 4)]);
        assert_eq!(io.written, b"abcd");
    }
}
