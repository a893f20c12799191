//! `Sse`: a stream of events as a response, with keep-alive comments and graceful shutdown.

use std::any::Any;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use http::header::{self, HeaderValue};
use http_body::Frame;
use tokio::time::{Instant, Sleep};

use crate::body::{Body, BoxError};
use crate::error::HttpError;
use crate::event::H3Event;
use crate::response::{IntoResponse, Response};
use crate::shutdown::{Shutdown, ShutdownGuard};
use crate::sse::event::SseEvent;
use crate::sse::options::SseOptions;
use crate::wake_gate::OnWake;

/// A stream of anything that converts into an [`SseEvent`], yielding each event encoded. The
/// conversion and the encoding are compiled into the stream's own poll, so an event is not
/// moved through the layers between the user's stream and the body (with a `map` for the
/// conversion, that cost about a tenth of an event's instructions).
trait Encoded: Send {
    fn poll_encoded(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Bytes>>;
}

impl<S> Encoded for S
where
    S: Stream + Send,
    S::Item: Into<SseEvent>,
{
    fn poll_encoded(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        self.poll_next(cx)
            .map(|item| item.map(|item| item.into().to_bytes()))
    }
}

type EventSource = Pin<Box<dyn Encoded>>;

/// A `text/event-stream` response: each event of a stream is written and flushed as soon as
/// it is produced.
///
/// - The headers go out at once, before the first event: `content-type: text/event-stream`,
///   `cache-control: private, no-cache, no-store, no-transform, must-revalidate, max-age=0`
///   and `x-accel-buffering: no` (as H3 sends them), and no `content-length`.
/// - After a silence of the keep-alive period (15 s unless the app or the route says
///   otherwise), a comment is sent. Proxies see traffic, and a client that went away is
///   noticed: hyper learns it when a write fails, drops the response body, and with it the
///   stream (whose `Drop` is the cleanup).
/// - When the server shuts down, the stream ends cleanly (the chunked body is terminated),
///   and the server waits for it within its grace period.
///
/// `#[sse]` functions build one from their body (an async-stream generator); by hand, any
/// [`Stream`] will do:
///
/// ```
/// use h3rs::sse::{Sse, SseEvent};
/// use h3rs::{H3, H3Event};
///
/// let app = H3::new().get("/countdown", |event: H3Event| async move {
///     let events = futures_util::stream::iter([3, 2, 1].map(|n| SseEvent::new(n.to_string())));
///     Sse::new(&event).stream(events)
/// });
/// # let _ = app;
/// ```
pub struct Sse {
    events: EventSource,
    keep_alive: Option<Duration>,
    shutdown: Option<Shutdown>,
}

impl std::fmt::Debug for Sse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sse")
            .field("keep_alive", &self.keep_alive)
            .field("shutdown", &self.shutdown.is_some())
            .finish_non_exhaustive()
    }
}

impl Sse {
    /// A stream response for the request `event`, with the app's [`SseOptions`] and the
    /// server's shutdown signal, and no events yet (see [`Sse::stream`]).
    ///
    /// ```
    /// # fn demo(event: &h3rs::H3Event) {
    /// let response = h3rs::sse::Sse::new(event);
    /// # let _ = response;
    /// # }
    /// ```
    pub fn new(event: &H3Event) -> Self {
        let keep_alive = event.sse_options().keep_alive;
        Sse {
            events: Box::pin(futures_util::stream::empty::<SseEvent>()),
            keep_alive,
            shutdown: event.shutdown().cloned(),
        }
    }

    /// A stream response outside of any request: default options, and no shutdown signal
    /// unless one is given with [`Sse::shutdown`].
    ///
    /// ```
    /// let response = h3rs::sse::Sse::detached().stream(futures_util::stream::iter(["a", "b"]));
    /// # let _ = response;
    /// ```
    pub fn detached() -> Self {
        Sse {
            events: Box::pin(futures_util::stream::empty::<SseEvent>()),
            keep_alive: SseOptions::default().keep_alive,
            shutdown: None,
        }
    }

    /// The events to send: any stream of values that convert into [`SseEvent`] (`&str`,
    /// `String`, `Json<T>`, `SseEvent`). The response ends when the stream does.
    ///
    /// ```
    /// # fn demo(event: &h3rs::H3Event) {
    /// let response = h3rs::sse::Sse::new(event).stream(futures_util::stream::iter(["one", "two"]));
    /// # let _ = response;
    /// # }
    /// ```
    pub fn stream<S>(mut self, events: S) -> Self
    where
        S: Stream + Send + 'static,
        S::Item: Into<SseEvent>,
    {
        self.events = Box::pin(events);
        self
    }

    /// The events of a stream that may fail: each `Ok` is sent, and the first `Err` ends the
    /// response with an `event: error` whose data is safe to show (an [`HttpError`]'s
    /// message, written for clients, or "Internal Server Error" for any other error type),
    /// after logging the error. This is how an `#[sse]` function returning `Result<(), E>`
    /// ends when its `?` fails.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use h3rs::sse::{Sse, SseEvent};
    /// use h3rs::{Body, H3, H3Event, HttpError};
    /// use http_body_util::BodyExt;
    ///
    /// let app = H3::new().get("/", |event: H3Event| async move {
    ///     let lines = futures_util::stream::iter([
    ///         Ok("first"),
    ///         Err(HttpError::not_found("no such feed")),
    ///         Ok("never sent"),
    ///     ]);
    ///     Sse::new(&event).try_stream(lines)
    /// });
    /// let response = app.handle(h3rs::Request::new(Body::empty())).await;
    /// let body = response.into_body().collect().await.unwrap().to_bytes();
    /// assert_eq!(body, "data: first\n\nevent: error\ndata: no such feed\n\n");
    /// # }
    /// ```
    pub fn try_stream<S, T, E>(self, events: S) -> Self
    where
        S: Stream<Item = Result<T, E>> + Send + 'static,
        T: Into<SseEvent>,
        E: Display + 'static,
    {
        self.stream(UntilError {
            events: Some(Box::pin(events)),
        })
    }

    /// Sends a keep-alive comment after `silence` without an event, for this response.
    ///
    /// ```
    /// let response = h3rs::sse::Sse::detached().keep_alive(std::time::Duration::from_secs(30));
    /// # let _ = response;
    /// ```
    pub fn keep_alive(mut self, silence: Duration) -> Self {
        self.keep_alive = Some(silence);
        self
    }

    /// Sends no keep-alive comments on this response.
    ///
    /// ```
    /// let response = h3rs::sse::Sse::detached().no_keep_alive();
    /// # let _ = response;
    /// ```
    pub fn no_keep_alive(mut self) -> Self {
        self.keep_alive = None;
        self
    }

    /// Ends the stream when `shutdown` fires (and makes the shutdown wait for the stream).
    ///
    /// ```
    /// let shutdown = h3rs::Shutdown::new();
    /// let response = h3rs::sse::Sse::detached().shutdown(shutdown.clone());
    /// # let _ = response;
    /// ```
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    pub(crate) fn from_source(
        events: impl Stream<Item = SseEvent> + Send + 'static,
        keep_alive: Option<Duration>,
        shutdown: Option<Shutdown>,
    ) -> Self {
        Sse {
            events: Box::pin(events),
            keep_alive,
            shutdown,
        }
    }
}

/// The `Ok` events of a stream, then the error event of its first `Err`, and the end. The
/// error is turned into its event inside `poll_next`, so `E` need not be `Send`.
struct UntilError<S> {
    /// `None` once the stream has ended.
    events: Option<Pin<Box<S>>>,
}

impl<S, T, E> Stream for UntilError<S>
where
    S: Stream<Item = Result<T, E>>,
    T: Into<SseEvent>,
    E: Display + 'static,
{
    type Item = SseEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SseEvent>> {
        let Some(events) = &mut self.events else {
            return Poll::Ready(None);
        };
        let item = match events.as_mut().poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(item) => item,
        };
        match item {
            Some(Ok(event)) => Poll::Ready(Some(event.into())),
            Some(Err(error)) => {
                self.events = None;
                Poll::Ready(Some(error_event(&error)))
            }
            None => {
                self.events = None;
                Poll::Ready(None)
            }
        }
    }
}

/// The event that ends a failed stream, after logging the error: the message of an
/// [`HttpError`] (whose internal errors say "Internal Server Error"), or "Internal Server
/// Error" for any other type, whose text may reveal internals.
fn error_event<E: Display + 'static>(error: &E) -> SseEvent {
    let message = match (error as &dyn Any).downcast_ref::<HttpError>() {
        Some(http) => {
            match http.cause() {
                Some(cause) => tracing::error!(error = %http, %cause, "event stream failed"),
                None => tracing::error!(error = %http, "event stream failed"),
            }
            http.message.clone()
        }
        None => {
            tracing::error!(%error, "event stream failed");
            "Internal Server Error".to_owned()
        }
    };
    SseEvent::new(message).event("error")
}

impl IntoResponse for Sse {
    fn into_response(self) -> Response {
        let body = SseBody {
            keep_alive: self.keep_alive.map(KeepAlive::new),
            stopping: self.shutdown.as_ref().map(|shutdown| {
                let shutdown = shutdown.clone();
                Stopping::boxed(Box::pin(async move { shutdown.triggered().await }))
            }),
            _running: self.shutdown.as_ref().map(Shutdown::guard),
            events: Some(self.events),
        };
        let mut response = Response::new(Body::boxed(body));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(
                "private, no-cache, no-store, no-transform, must-revalidate, max-age=0",
            ),
        );
        // nginx buffers proxied responses unless told not to.
        headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
        response
    }
}

/// The shutdown signal. Polled with every event, so behind a gate: it is looked at only once
/// its own waker fired.
type Stopping = OnWake<dyn Future<Output = ()> + Send>;

/// A comment after `every` of silence. The timer is not moved per event (re-arming a tokio
/// timer costs more than encoding the event): when it fires early, it is set for `every`
/// after the last frame instead.
struct KeepAlive {
    every: Duration,
    timer: Pin<Box<Sleep>>,
    /// When the last frame went out.
    last: Instant,
}

impl KeepAlive {
    fn new(every: Duration) -> Self {
        KeepAlive {
            every,
            timer: Box::pin(tokio::time::sleep(every)),
            last: Instant::now(),
        }
    }

    /// Whether a comment is due now; if not, the timer is set (and registered) for when one
    /// will be.
    fn poll_due(&mut self, cx: &mut Context<'_>) -> bool {
        while self.timer.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            let due = self.last + self.every;
            if due <= now {
                self.last = now;
                self.timer.as_mut().reset(now + self.every);
                return true;
            }
            self.timer.as_mut().reset(due);
        }
        false
    }
}

/// The response body: events as they come, a comment after each silence, the end at
/// shutdown. Dropping it (hyper does when the client is gone) drops the event source.
struct SseBody {
    /// `None` once the stream has ended.
    events: Option<EventSource>,
    keep_alive: Option<KeepAlive>,
    stopping: Option<Stopping>,
    /// Makes the server's shutdown wait until the stream has ended.
    _running: Option<ShutdownGuard>,
}

const KEEP_ALIVE_COMMENT: &[u8] = b": keep-alive\n\n";

impl SseBody {
    fn end(&mut self) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        // Drop the source now rather than with the body: its cleanup runs as the stream
        // ends, not whenever hyper lets go of the body.
        self.events = None;
        self.keep_alive = None;
        self.stopping = None;
        Poll::Ready(None)
    }
}

impl http_body::Body for SseBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let Some(events) = &mut this.events else {
            return Poll::Ready(None);
        };
        if let Some(stopping) = &mut this.stopping {
            if Pin::new(stopping).poll(cx).is_ready() {
                return this.end();
            }
        }
        match events.as_mut().poll_encoded(cx) {
            Poll::Ready(Some(event)) => {
                if let Some(keep_alive) = &mut this.keep_alive {
                    keep_alive.last = Instant::now();
                }
                return Poll::Ready(Some(Ok(Frame::data(event))));
            }
            Poll::Ready(None) => return this.end(),
            Poll::Pending => {}
        }
        if let Some(keep_alive) = &mut this.keep_alive {
            if keep_alive.poll_due(cx) {
                let comment = Bytes::from_static(KEEP_ALIVE_COMMENT);
                return Poll::Ready(Some(Ok(Frame::data(comment))));
            }
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.events.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    /// The next frame of `body` as text, and when it came.
    async fn next_frame(body: &mut Body) -> (String, Instant) {
        let frame = body.frame().await.expect("a frame").expect("no error");
        let data = frame.into_data().expect("a data frame");
        (String::from_utf8(data.to_vec()).unwrap(), Instant::now())
    }

    #[tokio::test(start_paused = true)]
    async fn a_keep_alive_comes_after_a_silence_from_the_last_event() {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<&'static str>();
        let events = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|event| (event, rx))
        });
        let response = Sse::detached()
            .keep_alive(Duration::from_secs(10))
            .stream(events)
            .into_response();
        let mut body = response.into_body();
        let start = Instant::now();
        tx.send("a").unwrap();
        assert_eq!(next_frame(&mut body).await.0, "data: a\n\n");
        tokio::time::sleep(Duration::from_secs(6)).await;
        tx.send("b").unwrap();
        assert_eq!(next_frame(&mut body).await.0, "data: b\n\n");
        // Ten seconds after "b", not after the stream began.
        let (comment, at) = next_frame(&mut body).await;
        assert_eq!(comment, ": keep-alive\n\n");
        assert_eq!(at - start, Duration::from_secs(16));
        let (comment, at) = next_frame(&mut body).await;
        assert_eq!(comment, ": keep-alive\n\n");
        assert_eq!(at - start, Duration::from_secs(26));
    }
}
