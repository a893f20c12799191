//! Idle connections: a connection that sends no byte while no request of its is in flight
//! is closed after the idle timeout, so that clients cannot hold descriptors for nothing.
//!
//! Reads are seen by [`Watched`], a wrapper around the socket; requests in flight by the
//! [`InFlight`] guard that each response body carries until hyper drops it (a streamed
//! response, an event stream, is in flight for as long as it runs). A connection upgraded to
//! a WebSocket leaves hyper, and with it this watch: it has pings of its own.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, sleep_until};

use crate::body::{Body, BoxError};

/// What one connection has done lately.
#[derive(Debug)]
pub(crate) struct Activity {
    start: Instant,
    /// When the last byte came, or the last response ended: milliseconds since `start`.
    last: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Activity {
            start: Instant::now(),
            last: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        })
    }

    fn touch(&self) {
        let now = self.start.elapsed().as_millis();
        self.last
            .store(u64::try_from(now).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Marks a request in flight until the guard is dropped.
    pub(crate) fn request(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }

    /// Completes once the connection has sent nothing for `timeout` with no request in
    /// flight.
    pub(crate) async fn idle(&self, timeout: Duration) {
        loop {
            let last = self.start + Duration::from_millis(self.last.load(Ordering::Relaxed));
            let deadline = last + timeout;
            let now = Instant::now();
            if now < deadline {
                sleep_until(deadline).await;
            } else if self.in_flight.load(Ordering::Relaxed) == 0 {
                return;
            } else {
                // Busy: the end of the request touches `last`, which moves the deadline.
                sleep_until(now + timeout).await;
            }
        }
    }
}

/// Keeps one request in flight.
#[derive(Debug)]
pub(crate) struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        // The idle time counts from the end of the last response, not from its request.
        self.0.touch();
    }
}

/// The activity of an HTTP/2 connection, handed to a WebSocket opened on one of its streams
/// (an extended `CONNECT`): the stream outlives its request, and counts as in flight until the
/// WebSocket closes.
#[derive(Clone, Debug)]
pub(crate) struct OpenStream(pub(crate) Arc<Activity>);

impl OpenStream {
    #[cfg_attr(not(feature = "ws"), allow(dead_code))]
    pub(crate) fn hold(self) -> InFlight {
        self.0.request()
    }
}

/// A socket whose reads count as activity. It also holds whatever must last exactly as long
/// as the socket (the server's count of open connections).
pub(crate) struct Watched<IO, Held> {
    io: IO,
    activity: Arc<Activity>,
    _held: Held,
}

impl<IO, Held> Watched<IO, Held> {
    pub(crate) fn new(io: IO, activity: Arc<Activity>, held: Held) -> Self {
        Watched {
            io,
            activity,
            _held: held,
        }
    }
}

impl<IO: AsyncRead + Unpin, Held: Unpin> AsyncRead for Watched<IO, Held> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin, Held: Unpin> AsyncWrite for Watched<IO, Held> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// A response body that keeps its request in flight until hyper is done with it.
pub(crate) struct TrackedBody {
    body: Body,
    _in_flight: InFlight,
}

impl TrackedBody {
    pub(crate) fn new(body: Body, in_flight: InFlight) -> Self {
        TrackedBody {
            body,
            _in_flight: in_flight,
        }
    }
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
