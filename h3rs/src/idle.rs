//! Idle and slow connections: a connection that sends no byte while no request of its is in
//! flight is closed after the idle timeout, and one that starts a request head and does not
//! finish it is cut off after the header-read timeout (slowloris), so that clients cannot hold
//! descriptors for nothing.
//!
//! Reads are seen by [`Watched`], a wrapper around the socket; requests in flight by the
//! [`InFlight`] guard that each response body carries until hyper drops it (a streamed
//! response, an event stream, is in flight for as long as it runs). A connection upgraded to
//! a WebSocket leaves hyper, and with it this watch: it has pings of its own.
//!
//! Time is counted in ticks of one periodic timer per connection, a quarter of the shorter
//! timeout: a read or a request then costs a few relaxed atomic operations, not a clock read
//! and a timer armed and disarmed per request head (hyper's own header timer did that, and it
//! was a tenth of the cost of a small request). A timeout is noticed within a tick of its
//! expiry.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, MissedTickBehavior, interval_at};

use crate::body::{Body, BoxError};
use crate::coalesce;

/// No request head is under way.
const NO_HEAD: u64 = u64::MAX;

/// What one connection has done lately, in ticks of its watch ([`Activity::expiry`]).
#[derive(Debug)]
pub(crate) struct Activity {
    /// Ticks of the watch so far.
    tick: AtomicU64,
    /// The tick of the last byte read or the last response ended.
    last: AtomicU64,
    /// The tick at which the request head now arriving began, or [`NO_HEAD`]. A new
    /// connection owes its first head from the start, as hyper's header timeout counted it.
    head: AtomicU64,
    /// False once the connection is known to speak HTTP/2, which has frames, not heads.
    heads: AtomicBool,
    in_flight: AtomicUsize,
}

/// Why a connection's watch ended it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// Nothing sent and nothing in flight for the idle timeout: close it gracefully.
    Idle,
    /// A request head begun and not finished within the header-read timeout: cut it off.
    SlowHead,
}

/// The watch's period and the two timeouts in its ticks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timeouts {
    period: Duration,
    head: u64,
    idle: u64,
}

impl Timeouts {
    pub(crate) fn new(header_read: Duration, idle: Duration) -> Self {
        let period = (header_read.min(idle) / 4).max(Duration::from_millis(1));
        let ticks = |timeout: Duration| {
            let ticks = timeout.as_nanos().div_ceil(period.as_nanos());
            u64::try_from(ticks).unwrap_or(u64::MAX)
        };
        Timeouts {
            period,
            head: ticks(header_read),
            idle: ticks(idle),
        }
    }
}

impl Activity {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Activity {
            tick: AtomicU64::new(0),
            last: AtomicU64::new(0),
            head: AtomicU64::new(0),
            heads: AtomicBool::new(true),
            in_flight: AtomicUsize::new(0),
        })
    }

    /// Bytes arrived: the connection is active, and a request head has begun unless one
    /// already had.
    fn read(&self) {
        let now = self.tick.load(Relaxed);
        self.last.store(now, Relaxed);
        if self.head.load(Relaxed) == NO_HEAD && self.heads.load(Relaxed) {
            self.head.store(now, Relaxed);
        }
    }

    /// The connection speaks HTTP/2 (its sniffer says so): it has no request heads to time,
    /// only frames.
    pub(crate) fn no_heads(&self) {
        self.heads.store(false, Relaxed);
        self.head.store(NO_HEAD, Relaxed);
    }

    /// Marks a request in flight until the guard is dropped; its head is complete.
    pub(crate) fn request(self: &Arc<Self>) -> InFlight {
        self.head.store(NO_HEAD, Relaxed);
        self.in_flight.fetch_add(1, Relaxed);
        InFlight(self.clone())
    }

    /// Completes when the connection should end: idle, or too slow with a request head.
    pub(crate) async fn expiry(&self, timeouts: Timeouts) -> Expiry {
        let mut ticks = interval_at(Instant::now() + timeouts.period, timeouts.period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let now = self.tick.fetch_add(1, Relaxed) + 1;
            if self.in_flight.load(Relaxed) > 0 {
                continue;
            }
            // Strictly more ticks than the timeout: the read may have come just before a tick.
            let head = self.head.load(Relaxed);
            if head != NO_HEAD && now.saturating_sub(head) > timeouts.head {
                return Expiry::SlowHead;
            }
            if now.saturating_sub(self.last.load(Relaxed)) > timeouts.idle {
                return Expiry::Idle;
            }
        }
    }
}

/// Keeps one request in flight.
#[derive(Debug)]
pub(crate) struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        activity.in_flight.fetch_sub(1, Relaxed);
        // The idle time counts from the end of the last response, not from its request. Bytes
        // read meanwhile (a request body) were no head.
        activity.last.store(activity.tick.load(Relaxed), Relaxed);
        activity.head.store(NO_HEAD, Relaxed);
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
    held: Held,
}

impl<IO, Held> Watched<IO, Held> {
    pub(crate) fn new(io: IO, activity: Arc<Activity>, held: Held) -> Self {
        Watched { io, activity, held }
    }

    /// The socket and what it held, without the watch.
    #[cfg_attr(not(feature = "ws"), allow(dead_code))]
    pub(crate) fn into_parts(self) -> (IO, Held) {
        (self.io, self.held)
    }
}

impl<IO: AsyncRead + Unpin, Held: Unpin> AsyncRead for Watched<IO, Held> {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.read();
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin, Held: Unpin> AsyncWrite for Watched<IO, Held> {
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    #[inline]
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        coalesce::poll_write_vectored(Pin::new(&mut self.get_mut().io), cx, bufs)
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
