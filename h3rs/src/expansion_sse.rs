//! The plumbing of `#[sse]` expansions.

use std::fmt::Display;

use futures_util::Stream;

use crate::sse::SseEvent;

/// What an `#[sse]` function may return besides nothing: `Result<(), E>`, whose error ends the
/// stream (see [`Sse::try_stream`](crate::sse::Sse::try_stream)).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the result of an #[sse] function",
    label = "an #[sse] function returns nothing or `Result<(), E>`",
    note = "remove the return type, or return `Result<(), E>` where `E: Display` (HttpError, std::io::Error, ...) to use `?`"
)]
pub trait SseResult {
    /// The error that ends the stream.
    type Error: Display + 'static;
}

impl<E: Display + 'static> SseResult for Result<(), E> {
    type Error = E;
}

/// `events`, whose error type is that of `R`, the `#[sse]` function's declared result: the
/// `?`s of a `try_stream!` body convert into it, which nothing else in the body names.
pub fn returning<R: SseResult, S: Stream<Item = Result<SseEvent, R::Error>>>(events: S) -> S {
    events
}
