//! `Generator`: an async function that yields events, run as a stream.
//!
//! `#[sse]` turns every `yield value` of a function into `events.send(value).await`, where
//! `events` is a [`Yielder`], and runs the function with [`Generator::new`]. The function
//! stays an ordinary `async fn`: `?`, `return` and its result type work as written.

use std::any::Any;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use futures_util::Stream;

use crate::error::HttpError;
use crate::sse::event::SseEvent;

/// The one event handed from the function to the stream. A yield stores its event here and
/// suspends the function; the stream takes the event out and returns it; the next poll of
/// the stream resumes the function. Both sides run in the same task, one after the other,
/// so the lock is never contended.
type Slot = Arc<Mutex<Option<SseEvent>>>;

/// A stream of the events that an async function yields through its [`Yielder`].
///
/// The stream ends when the function returns. A function that returns `Result` and fails
/// ends it with an `event: error` whose data is safe to show (the message of an
/// [`HttpError`], or "Internal Server Error"), and the error is logged. Dropping the stream
/// drops the function where it waits, which runs the `Drop` of everything it holds.
///
/// ```
/// # async fn demo() {
/// use futures_util::StreamExt;
/// use h3rs::sse::{Generator, SseEvent};
///
/// let mut events = Generator::new(|events| async move {
///     for n in 1..=3 {
///         events.send(n.to_string()).await;
///     }
/// });
/// assert_eq!(events.next().await, Some(SseEvent::new("1")));
/// # }
/// ```
#[must_use = "a generator does nothing unless polled as a stream"]
pub struct Generator<F: Future> {
    body: Option<Pin<Box<F>>>,
    slot: Slot,
    /// What the function's result adds at the end (an error event).
    last: Option<SseEvent>,
}

impl<F: Future> std::fmt::Debug for Generator<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator")
            .field("running", &self.body.is_some())
            .finish_non_exhaustive()
    }
}

impl<F> Generator<F>
where
    F: Future,
    F::Output: GeneratorOutput,
{
    /// Runs `body` with the [`Yielder`] through which it yields events.
    ///
    /// ```
    /// let events = h3rs::sse::Generator::new(|events| async move {
    ///     events.send("hello").await;
    /// });
    /// # let _ = events;
    /// ```
    pub fn new(body: impl FnOnce(Yielder) -> F) -> Self {
        let slot = Slot::default();
        let yielder = Yielder { slot: slot.clone() };
        Generator {
            body: Some(Box::pin(body(yielder))),
            slot,
            last: None,
        }
    }
}

impl<F> Stream for Generator<F>
where
    F: Future,
    F::Output: GeneratorOutput,
{
    type Item = SseEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SseEvent>> {
        let this = self.get_mut();
        let Some(body) = &mut this.body else {
            return Poll::Ready(this.last.take());
        };
        let finished = body.as_mut().poll(cx);
        let yielded = this
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match finished {
            Poll::Ready(output) => {
                // Drop the function's state as soon as it returns.
                this.body = None;
                let last = output.into_last_event();
                match yielded {
                    // A yield that was never awaited to completion, then the end.
                    Some(event) => {
                        this.last = last;
                        Poll::Ready(Some(event))
                    }
                    None => Poll::Ready(last),
                }
            }
            Poll::Pending => match yielded {
                Some(event) => Poll::Ready(Some(event)),
                // Waiting on something else, which will wake the task.
                None => Poll::Pending,
            },
        }
    }
}

/// How an [`#[sse]`](macro@crate::sse) function hands events to its stream; `yield value` is
/// `events.send(value).await`.
///
/// Use it only inside the function it was given to: the stream resumes that function, not
/// another task.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use futures_util::StreamExt;
/// use h3rs::sse::{Generator, SseEvent, Yielder};
///
/// // The body of a generator can be a named function that takes the yielder.
/// async fn countdown(events: Yielder) {
///     for n in (1..=3).rev() {
///         events.send(n.to_string()).await;
///     }
///     events.send(SseEvent::new("liftoff").event("done")).await;
/// }
///
/// let events: Vec<SseEvent> = Generator::new(countdown).collect().await;
/// assert_eq!(events.len(), 4);
/// assert_eq!(events[3], SseEvent::new("liftoff").event("done"));
/// # }
/// ```
pub struct Yielder {
    slot: Slot,
}

impl std::fmt::Debug for Yielder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Yielder")
    }
}

impl Yielder {
    /// Sends one event and waits until the stream has taken it (until the client asks for
    /// the next one).
    ///
    /// ```
    /// # async fn demo(events: h3rs::sse::Yielder) {
    /// events.send("text").await;
    /// events.send(h3rs::sse::SseEvent::new("typed").event("note")).await;
    /// # }
    /// ```
    pub fn send(&self, event: impl Into<SseEvent>) -> SendEvent<'_> {
        SendEvent {
            slot: &self.slot,
            event: Some(event.into()),
        }
    }
}

/// The future of [`Yielder::send`].
///
/// It completes once the stream has handed the event on, so a function that awaits it
/// produces its next event only when the client is ready for it:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use futures_util::StreamExt;
/// use h3rs::sse::{Generator, SendEvent};
///
/// static MADE: AtomicUsize = AtomicUsize::new(0);
/// let mut events = Generator::new(|events| async move {
///     for _ in 0..10 {
///         MADE.fetch_add(1, Ordering::Relaxed);
///         let sent: SendEvent<'_> = events.send("expensive");
///         sent.await;
///     }
/// });
/// events.next().await;
/// events.next().await;
/// assert_eq!(MADE.load(Ordering::Relaxed), 2);
/// # }
/// ```
#[must_use = "an event is sent only when the future is awaited"]
#[derive(Debug)]
pub struct SendEvent<'a> {
    slot: &'a Slot,
    event: Option<SseEvent>,
}

impl Future for SendEvent<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut slot = this.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(event) = this.event.take() {
            // The generator's `poll_next` takes it right after this returns, so there is
            // no waker to register: the next poll of the stream polls this future again.
            *slot = Some(event);
            return Poll::Pending;
        }
        if slot.is_some() {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }
}

/// What an `#[sse]` function may return: nothing, or a `Result` whose error ends the stream.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use futures_util::StreamExt;
/// use h3rs::sse::{Generator, SseEvent};
/// use h3rs::HttpError;
///
/// let events: Vec<SseEvent> = Generator::new(|events| async move {
///     events.send("first").await;
///     let feed: Option<&str> = None;
///     events.send(feed.ok_or_else(|| HttpError::not_found("no such feed"))?).await;
///     Ok::<(), HttpError>(())
/// })
/// .collect()
/// .await;
/// assert_eq!(events, [SseEvent::new("first"), SseEvent::new("no such feed").event("error")]);
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the result of an #[sse] function",
    label = "an #[sse] function returns nothing or `Result<(), E>`",
    note = "remove the return type, or return `Result<(), E>` where `E: Display` (HttpError, std::io::Error, ...) to use `?`"
)]
pub trait GeneratorOutput {
    /// The event to send after the function returned: `None`, or the error event.
    ///
    /// ```
    /// use h3rs::sse::{GeneratorOutput, SseEvent};
    ///
    /// assert_eq!(().into_last_event(), None);
    /// // The cause of an I/O error stays in the logs; the client learns only that it failed.
    /// let failed: Result<(), std::io::Error> = Err(std::io::Error::other("disk full"));
    /// let last = failed.into_last_event();
    /// assert_eq!(last, Some(SseEvent::new("Internal Server Error").event("error")));
    /// ```
    fn into_last_event(self) -> Option<SseEvent>;
}

impl GeneratorOutput for () {
    fn into_last_event(self) -> Option<SseEvent> {
        None
    }
}

/// `Err` is logged, and sent as `event: error` with a message that reveals nothing internal:
/// an [`HttpError`]'s message (written for clients; an internal one says "Internal Server
/// Error"), or "Internal Server Error" for any other error type.
impl<E: Display + 'static> GeneratorOutput for Result<(), E> {
    fn into_last_event(self) -> Option<SseEvent> {
        let error = self.err()?;
        let message = match (&error as &dyn Any).downcast_ref::<HttpError>() {
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
        Some(SseEvent::new(message).event("error"))
    }
}
