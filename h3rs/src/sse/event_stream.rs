//! `EventStream`: an event stream that other tasks push to (H3's `createEventStream`).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use tokio::sync::{mpsc, watch};

use crate::error::HttpError;
use crate::event::H3Event;
use crate::response::{IntoResponse, Response};
use crate::shutdown::Shutdown;
use crate::sse::event::SseEvent;
use crate::sse::options::SseOptions;
use crate::sse::stream::Sse;

type Callback = Box<dyn FnOnce() + Send>;

/// A stream of events pushed from anywhere: a handle to clone into tasks, timers and state,
/// and the response that a route returns.
///
/// - [`push`](EventStream::push) queues an event (it never waits); after the stream closed
///   it does nothing.
/// - [`close`](EventStream::close) ends the stream once the queued events are sent.
/// - [`closed`](EventStream::closed) completes, and [`on_closed`](EventStream::on_closed)
///   callbacks run, once, when the stream closes for any reason: `close()`, the client
///   leaving, the server shutting down, or every handle being dropped (no one can push any
///   more, so the stream ends; this also covers a stream that was never returned).
///
/// Events wait in a bounded queue ([`SseOptions::queue_capacity`]); a client so slow that
/// it fills up is disconnected rather than let memory grow.
///
/// ```
/// use std::time::Duration;
/// use h3rs::sse::EventStream;
/// use h3rs::{H3, H3Event};
///
/// let app = H3::new().get("/", |event: H3Event| async move {
///     let stream = EventStream::new(&event);
///     let pusher = stream.clone();
///     tokio::spawn(async move {
///         let mut tick = tokio::time::interval(Duration::from_secs(1));
///         while !pusher.is_closed() {
///             tick.tick().await;
///             pusher.push("Hello world");
///         }
///     });
///     stream.on_closed(|| tracing::info!("client left"));
///     stream
/// });
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct EventStream {
    handle: Arc<Handle>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// Shared by the clones of one `EventStream`; when the last one goes, the stream closes.
struct Handle {
    shared: Arc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.close();
    }
}

/// Shared by the handles and the response body.
struct Shared {
    queue: mpsc::Sender<SseEvent>,
    /// Taken by the response.
    receiver: Mutex<Option<mpsc::Receiver<SseEvent>>>,
    closed: watch::Sender<bool>,
    on_closed: Mutex<Vec<Callback>>,
    keep_alive: Option<Duration>,
    shutdown: Option<Shutdown>,
}

impl Shared {
    fn is_closed(&self) -> bool {
        *self.closed.borrow()
    }

    /// Marks the stream closed and runs the callbacks, the first time only.
    fn close(&self) {
        if self.closed.send_replace(true) {
            return;
        }
        let callbacks = std::mem::take(
            &mut *self
                .on_closed
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for callback in callbacks {
            callback();
        }
    }
}

impl EventStream {
    /// A stream for the request `event`, with the app's [`SseOptions`] and the server's
    /// shutdown signal. Return it from the route (it is the response); keep clones to push.
    ///
    /// ```
    /// # fn demo(event: &h3rs::H3Event) {
    /// let stream = h3rs::sse::EventStream::new(event);
    /// stream.push("first");
    /// # }
    /// ```
    pub fn new(event: &H3Event) -> Self {
        let default = SseOptions::default();
        let options = event.state::<SseOptions>().unwrap_or(&default);
        let shutdown = event.shutdown().cloned();
        Self::with_options(options, shutdown)
    }

    /// A stream outside of any request, with `options` and no shutdown signal.
    ///
    /// ```
    /// let stream = h3rs::sse::EventStream::detached(&h3rs::sse::SseOptions::default());
    /// stream.push("hello");
    /// ```
    pub fn detached(options: &SseOptions) -> Self {
        Self::with_options(options, None)
    }

    fn with_options(options: &SseOptions, shutdown: Option<Shutdown>) -> Self {
        let (queue, receiver) = mpsc::channel(options.queue_capacity);
        let shared = Shared {
            queue,
            receiver: Mutex::new(Some(receiver)),
            closed: watch::Sender::new(false),
            on_closed: Mutex::new(Vec::new()),
            keep_alive: options.keep_alive,
            shutdown,
        };
        EventStream {
            handle: Arc::new(Handle {
                shared: Arc::new(shared),
            }),
        }
    }

    fn shared(&self) -> &Shared {
        &self.handle.shared
    }

    /// Queues an event: `&str`, `String`, `Json<T>`, [`SseEvent`]. Does nothing once the
    /// stream is closed. A full queue closes the stream (see [`SseOptions::queue_capacity`]).
    ///
    /// ```
    /// use h3rs::sse::{EventStream, SseEvent, SseOptions};
    /// let stream = EventStream::detached(&SseOptions::default());
    /// stream.push("plain text");
    /// stream.push(SseEvent::new("typed").event("news").id("1"));
    /// stream.push(h3rs::Json(serde_json::json!({ "n": 1 })));
    /// ```
    pub fn push(&self, event: impl Into<SseEvent>) {
        let shared = self.shared();
        if shared.is_closed() {
            return;
        }
        match shared.queue.try_send(event.into()) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(
                    capacity = shared.queue.max_capacity(),
                    "an event stream's client reads too slowly: closing the stream"
                );
                shared.close();
            }
            // The response is gone, which has closed the stream already.
            Err(mpsc::error::TrySendError::Closed(_)) => shared.close(),
        }
    }

    /// Queues a comment (`: text`), which clients ignore.
    ///
    /// ```
    /// let stream = h3rs::sse::EventStream::detached(&h3rs::sse::SseOptions::default());
    /// stream.push_comment("still here");
    /// ```
    pub fn push_comment(&self, text: impl Into<String>) {
        self.push(SseEvent::comment(text));
    }

    /// Closes the stream: the events already queued are sent, then the response ends.
    /// Later pushes do nothing.
    ///
    /// ```
    /// let stream = h3rs::sse::EventStream::detached(&h3rs::sse::SseOptions::default());
    /// stream.close();
    /// assert!(stream.is_closed());
    /// ```
    pub fn close(&self) {
        self.shared().close();
    }

    /// Whether the stream is closed.
    ///
    /// ```
    /// let stream = h3rs::sse::EventStream::detached(&h3rs::sse::SseOptions::default());
    /// assert!(!stream.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared().is_closed()
    }

    /// Completes once the stream is closed. The future does not keep the stream open, so
    /// a task can hold it while the handles are elsewhere.
    ///
    /// ```
    /// # async fn demo() {
    /// let stream = h3rs::sse::EventStream::detached(&h3rs::sse::SseOptions::default());
    /// let closed = stream.closed();
    /// drop(stream); // the last handle: no one can push, the stream closes
    /// closed.await;
    /// # }
    /// ```
    pub fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut closed = self.shared().closed.subscribe();
        async move {
            // An error means the stream is gone altogether: closed too.
            let _ = closed.wait_for(|closed| *closed).await;
        }
    }

    /// Runs `callback` once when the stream closes (at once if it is closed already):
    /// H3's `onClosed`, to stop timers and leave topics.
    ///
    /// ```
    /// let stream = h3rs::sse::EventStream::detached(&h3rs::sse::SseOptions::default());
    /// stream.on_closed(|| println!("closed"));
    /// ```
    pub fn on_closed(&self, callback: impl FnOnce() + Send + 'static) {
        let shared = self.shared();
        let mut callbacks = shared
            .on_closed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // `close` sets the flag before it takes the callbacks under this lock: either it
        // will find this one, or the flag is already set here.
        if shared.is_closed() {
            drop(callbacks);
            callback();
        } else {
            callbacks.push(Box::new(callback));
        }
    }

    /// The response of this stream, as [`IntoResponse`] makes it; a second response of
    /// the same stream (from a clone) is an error, since one client reads one stream.
    fn response(&self) -> Result<Sse, HttpError> {
        let shared = self.handle.shared.clone();
        let receiver = shared
            .receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or_else(|| {
                HttpError::internal("an EventStream was returned as a response twice")
            })?;
        let closed = shared.closed.subscribe();
        let keep_alive = shared.keep_alive;
        let shutdown = shared.shutdown.clone();
        let source = Receiving {
            receiver,
            closed: Box::pin(async move {
                let mut closed = closed;
                let _ = closed.wait_for(|closed| *closed).await;
            }),
            shared,
        };
        Ok(Sse::from_source(Box::pin(source), keep_alive, shutdown))
    }
}

impl IntoResponse for EventStream {
    fn into_response(self) -> Response {
        self.response().into_response()
    }
}

/// The events of an `EventStream`, as its response reads them. Dropped when the response
/// ends or the client leaves: that closes the stream.
struct Receiving {
    receiver: mpsc::Receiver<SseEvent>,
    closed: Pin<Box<dyn Future<Output = ()> + Send>>,
    shared: Arc<Shared>,
}

impl Stream for Receiving {
    type Item = SseEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SseEvent>> {
        let this = self.get_mut();
        if let Poll::Ready(event) = this.receiver.poll_recv(cx) {
            return Poll::Ready(event);
        }
        if this.closed.as_mut().poll(cx).is_ready() {
            // Closed: what was pushed before is in the queue; send it, then end.
            return Poll::Ready(this.receiver.try_recv().ok());
        }
        Poll::Pending
    }
}

impl Drop for Receiving {
    fn drop(&mut self) {
        self.shared.close();
    }
}
