//! `Responding`: a request's answer while its handler runs.
//!
//! Routing, the request hooks and the call of the first middleware or the handler happen when
//! the request arrives ([`App::serve_request`](crate::app)); what is left is one boxed future
//! and, for the few requests that need it, what to do with its response. hyper keeps each
//! request's future in a box of its own and moves it into place: nested `async` blocks, one
//! per stage, made that future 2 KiB (held as long as an event stream runs) and copied the
//! response through every stage on its way out.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::HttpError;
use crate::handler::BoxFuture;
use crate::response::{IntoResponse, Response};

/// The rest of a pipeline: a response already known, or the future that makes it. It is what
/// [`Next::run`](crate::Next::run) returns.
pub(crate) enum Pipeline {
    Ready(Option<Response>),
    Running(BoxFuture<'static, Response>),
}

impl Future for Pipeline {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        match self.get_mut() {
            Pipeline::Ready(response) => {
                Poll::Ready(response.take().expect("a pipeline is not polled once done"))
            }
            Pipeline::Running(future) => future.as_mut().poll(cx),
        }
    }
}

/// What a response goes through after the pipeline, when anything: the app's `on_error` and
/// `on_response` hooks, and dropping the body of a `HEAD`.
pub(crate) type After = Box<dyn FnOnce(Response) -> Response + Send>;

/// A request's answer: the pipeline under `catch_unwind` (a handler's panic is a 500), then
/// [`After`].
pub(crate) struct Responding {
    pipeline: Pipeline,
    after: Option<After>,
}

impl Responding {
    pub(crate) fn new(pipeline: Pipeline, after: Option<After>) -> Self {
        Responding { pipeline, after }
    }

    /// A response known without running anything (a refusal).
    pub(crate) fn ready(response: Response) -> Self {
        Responding::new(Pipeline::Ready(Some(response)), None)
    }

    /// The pipeline that a call panicked while building.
    pub(crate) fn panicked(panic: Box<dyn Any + Send>) -> Self {
        Responding::ready(panic_response(&*panic))
    }
}

impl Future for Responding {
    type Output = Response;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.get_mut();
        let pipeline = Pin::new(&mut this.pipeline);
        let response = match std::panic::catch_unwind(AssertUnwindSafe(|| pipeline.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(response)) => response,
            Err(panic) => {
                // Whatever it held is dropped now; the connection goes on.
                this.pipeline = Pipeline::Ready(None);
                panic_response(&*panic)
            }
        };
        Poll::Ready(match this.after.take() {
            Some(after) => after(response),
            None => response,
        })
    }
}

fn panic_response(panic: &(dyn Any + Send)) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("<non-string panic>");
    tracing::error!(panic = message, "handler panicked");
    HttpError::new(
        http::StatusCode::INTERNAL_SERVER_ERROR,
        "Internal Server Error",
    )
    .into_response()
}
