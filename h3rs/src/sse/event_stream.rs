//! `EventStream`: an event stream that other tasks push to (H3's `createEventStream`).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use tokio::sync::watch;

use crate::error::HttpError;
use crate::event::H3Event;
use crate::pubsub::queue::{Pushed, Queue, Weigh};
use crate::pubsub::{Delivery, Hub, Payload, Subscriber, SubscriberId, SubscriptionGuard};
use crate::response::{IntoResponse, Response};
use crate::shutdown::Shutdown;
use crate::sse::event::SseEvent;
use crate::sse::last_event_id::LastEventId;
use crate::sse::options::SseOptions;
use crate::sse::replay::TopicReplay;
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
/// A stream can also [`follow`](EventStream::follow) topics of the app's
/// [`Hub`](crate::pubsub::Hub), as WebSocket peers subscribe to them: every text message
/// published there (by the app or by a peer) becomes a `data:` event (with `event:` when
/// the payload names one). On a topic with a replay log
/// ([`Hub::replay`](crate::pubsub::Hub::replay), [`TopicReplay`]), events carry ids and a
/// reconnecting client resumes after its `Last-Event-ID`
/// ([`follow_after`](EventStream::follow_after)). A stream that follows a topic stays open
/// without handles, until the client leaves or it is closed.
///
/// Events wait in a bounded queue ([`SseOptions::queue_capacity`]); a client so slow that
/// it fills up is disconnected rather than let memory grow (or skips events:
/// [`SseOptions::slow_consumer`]).
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
        // Without handles, only a followed topic can still bring events.
        if !self.shared.follows_anything() {
            self.shared.close();
        }
    }
}

/// Shared by the handles and the response body.
struct Shared {
    /// The events pushed and not yet sent, read by the response's task. It allocates
    /// nothing until events come, which keeps idle streams small; its own `Arc` so that
    /// the hub can deliver to it without holding the stream (see `Feed`).
    queue: Arc<Queue<SseEvent>>,
    /// Whether a response was made (one client reads one stream).
    responded: AtomicBool,
    closed: watch::Sender<bool>,
    on_closed: Mutex<Vec<Callback>>,
    keep_alive: Option<Duration>,
    shutdown: Option<Shutdown>,
    hub: Hub,
    /// The stream's id as a subscriber of topics.
    id: SubscriberId,
    /// The topics it follows: dropping a guard leaves its topic.
    follows: Mutex<Vec<SubscriptionGuard>>,
}

impl Weigh for SseEvent {
    fn weight(&self) -> usize {
        self.get_data().map_or(0, str::len)
    }
}

impl Shared {
    fn is_closed(&self) -> bool {
        *self.closed.borrow()
    }

    fn follows_anything(&self) -> bool {
        !self
            .follows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    fn push(&self, event: SseEvent) {
        if let Pushed::Overflowed = self.queue.push(event) {
            self.overflowed();
        }
    }

    /// The `Close` policy met a full queue: the client reads too slowly.
    fn overflowed(&self) {
        tracing::warn!("an event stream's client reads too slowly: closing the stream");
        self.close();
    }

    /// Marks the stream closed, leaves what it follows and runs the callbacks, the first
    /// time only.
    pub(crate) fn close(&self) {
        if self.closed.send_replace(true) {
            return;
        }
        // The response sends what is queued, then ends.
        self.queue.close(None, false);
        let follows =
            std::mem::take(&mut *self.follows.lock().unwrap_or_else(PoisonError::into_inner));
        // Dropping the guards leaves the topics.
        drop(follows);
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

    fn follows(&self, topic: &str) -> bool {
        self.follows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(|guard| guard.topic() == topic)
    }
}

/// A stream that was never returned, whose handles are gone while it followed a topic, ends
/// here: its callbacks run and it leaves its topics.
impl Drop for Shared {
    fn drop(&mut self) {
        self.close();
    }
}

/// The hub's view of a stream that follows a topic. It holds the queue, not the stream:
/// a delivery must never be what drops the stream's last reference, since closing runs
/// user callbacks and leaves topics, which must not happen inside the hub.
struct Feed {
    queue: Arc<Queue<SseEvent>>,
    stream: Weak<Shared>,
}

impl Subscriber for Feed {
    fn deliver(&self, payload: &Payload) -> Delivery {
        let Some(event) = SseEvent::of_payload(payload) else {
            tracing::debug!(
                bytes = payload.len(),
                "a binary payload was published to a topic an event stream follows: skipped"
            );
            return Delivery::Skipped;
        };
        match self.queue.push(event) {
            Pushed::Queued => Delivery::Accepted,
            Pushed::Dropped | Pushed::Closed => Delivery::Skipped,
            Pushed::Overflowed => Delivery::Overflowed,
        }
    }

    fn overflowed(&self) {
        if let Some(stream) = self.stream.upgrade() {
            stream.overflowed();
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
        let options = event.sse_options();
        let shutdown = event.shutdown().cloned();
        Self::with_options(options, shutdown, event.hub().clone())
    }

    /// A stream outside of any request, with `options`, no shutdown signal, and a hub of its
    /// own (see [`EventStream::with_hub`]).
    ///
    /// ```
    /// let stream = h3rs::sse::EventStream::detached(&h3rs::sse::SseOptions::default());
    /// stream.push("hello");
    /// ```
    pub fn detached(options: &SseOptions) -> Self {
        Self::with_options(options, None, Hub::new())
    }

    /// A stream outside of any request whose topics are those of `hub`.
    ///
    /// ```
    /// let app = h3rs::H3::new();
    /// let stream = h3rs::sse::EventStream::with_hub(&h3rs::sse::SseOptions::default(), app.hub());
    /// stream.follow("news");
    /// ```
    pub fn with_hub(options: &SseOptions, hub: &Hub) -> Self {
        Self::with_options(options, None, hub.clone())
    }

    fn with_options(options: &SseOptions, shutdown: Option<Shutdown>, hub: Hub) -> Self {
        let shared = Shared {
            queue: Arc::new(Queue::new(options.queue_capacity, options.slow_consumer)),
            responded: AtomicBool::new(false),
            closed: watch::Sender::new(false),
            on_closed: Mutex::new(Vec::new()),
            keep_alive: options.keep_alive,
            shutdown,
            id: hub.subscriber_id(),
            hub,
            follows: Mutex::new(Vec::new()),
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
        self.shared().push(event.into());
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

    /// Follows `topic` of the app's hub: each text message published to it, by the app
    /// (`app.publish`, `event.hub().publish`) or by a WebSocket peer (`peer.publish`),
    /// becomes a `data:` event of this stream, with `event:` if the payload names one
    /// ([`Payload::with_event`], or publishing an [`SseEvent`]) and `id:` if the topic keeps
    /// a replay log. Binary messages are skipped (logged at debug level). The stream leaves
    /// its topics when it closes.
    ///
    /// ```
    /// use h3rs::sse::EventStream;
    /// use h3rs::{H3, H3Event};
    ///
    /// let app = H3::new().get("/news", |event: H3Event| async move {
    ///     let stream = EventStream::new(&event);
    ///     stream.follow("news");
    ///     stream
    /// });
    /// app.publish("news", "extra! extra!");
    /// ```
    pub fn follow(&self, topic: &str) {
        self.follow_on(&self.shared().hub, topic, None);
    }

    /// Follows `topic`, first sending what the client missed: the events that the topic's
    /// replay log kept after `last` (its `Last-Event-ID`), in order, then every new one,
    /// each exactly once, with the ids the log gave them. A first connection (no
    /// `Last-Event-ID`) gets only new events; an id from before the log, or from another run
    /// of the server, gets everything kept. Without a replay log on the topic
    /// ([`Hub::replay`](crate::pubsub::Hub::replay)) this is [`follow`](EventStream::follow).
    /// Keep the queue ([`SseOptions::queue_capacity`]) larger than the log, or a long
    /// catch-up overflows it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use h3rs::prelude::*;
    /// use h3rs::pubsub::ReplayPolicy;
    ///
    /// let app = H3::new().get("/rooms/:room", |mut event: H3Event| async move {
    ///     let last = LastEventId::from_event(&mut event).await?;
    ///     let topic = format!("room:{}", event.params().get("room").unwrap_or("lobby"));
    ///     let stream = EventStream::new(&event);
    ///     stream.follow_after(&topic, &last);
    ///     Ok::<_, HttpError>(stream)
    /// });
    /// // Rooms come and go: each keeps 100 events, dropped after an idle hour.
    /// let policy = ReplayPolicy::last(100).evict_after(Duration::from_secs(3600));
    /// app.hub().replay("room:*", policy);
    /// # let _ = app;
    /// ```
    pub fn follow_after(&self, topic: &str, last: &LastEventId) {
        self.follow_on(&self.shared().hub, topic, last.get());
    }

    fn follow_on(&self, hub: &Hub, topic: &str, after: Option<&str>) {
        let shared = &self.handle.shared;
        if shared.is_closed() || shared.follows(topic) {
            return;
        }
        let feed = Feed {
            queue: shared.queue.clone(),
            stream: Arc::downgrade(shared),
        };
        // No lock of the stream is held here: a catch-up that overflows closes the stream.
        let Some(guard) = hub.subscribe_as(shared.id, topic, Arc::new(feed), after) else {
            return;
        };
        let mut follows = shared
            .follows
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if shared.is_closed() {
            drop(follows);
            drop(guard);
        } else {
            follows.push(guard);
        }
    }

    /// Stops following `topic`.
    ///
    /// ```
    /// let stream = h3rs::sse::EventStream::detached(&h3rs::sse::SseOptions::default());
    /// stream.follow("news");
    /// stream.unfollow("news");
    /// ```
    pub fn unfollow(&self, topic: &str) {
        let left: Vec<SubscriptionGuard> = {
            let mut follows = self
                .shared()
                .follows
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let (left, kept) = std::mem::take(&mut *follows)
                .into_iter()
                .partition(|guard| guard.topic() == topic);
            *follows = kept;
            left
        };
        drop(left);
    }

    /// Follows the topic of `replay` on its hub, resuming after `last`: see
    /// [`follow_after`](EventStream::follow_after).
    ///
    /// ```
    /// use h3rs::prelude::*;
    /// use h3rs::sse::TopicReplay;
    ///
    /// let app = H3::new();
    /// let news = TopicReplay::new(app.hub(), "news", 100);
    /// let app = app
    ///     .get("/news", |mut event: H3Event| async move {
    ///         let last = LastEventId::from_event(&mut event).await?;
    ///         let stream = EventStream::new(&event);
    ///         stream.follow_with_replay(event.state::<TopicReplay>().unwrap(), &last);
    ///         Ok::<_, HttpError>(stream)
    ///     })
    ///     .state(news);
    /// # let _ = app;
    /// ```
    pub fn follow_with_replay(&self, replay: &TopicReplay, last: &LastEventId) {
        self.follow_on(replay.hub(), replay.topic(), last.get());
    }

    /// The response of this stream, as [`IntoResponse`] makes it; a second response of
    /// the same stream (from a clone) is an error, since one client reads one stream.
    fn response(&self) -> Result<Sse, HttpError> {
        let shared = self.handle.shared.clone();
        if shared.responded.swap(true, Ordering::SeqCst) {
            return Err(HttpError::internal(
                "an EventStream was returned as a response twice",
            ));
        }
        let keep_alive = shared.keep_alive;
        let shutdown = shared.shutdown.clone();
        let source = Receiving { shared };
        Ok(Sse::from_source(source, keep_alive, shutdown))
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
    shared: Arc<Shared>,
}

impl Stream for Receiving {
    type Item = SseEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SseEvent>> {
        let next = self.shared.queue.poll_pop(cx);
        if let Poll::Ready(None) = next {
            // Closed (or overflowed), and everything queued before has been sent.
            self.shared.close();
        }
        next
    }
}

impl Drop for Receiving {
    fn drop(&mut self) {
        self.shared.close();
    }
}
