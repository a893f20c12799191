//! `LastEventId`: the `Last-Event-ID` header of a reconnecting client.

use std::str::FromStr;

use crate::error::HttpError;
use crate::event::H3Event;
use crate::extract::FromEvent;

/// The id of the last event a reconnecting browser received (its `Last-Event-ID` header),
/// to resume a stream where the client left it; `None` on a first connection.
///
/// ```
/// use h3rs::prelude::*;
///
/// h3rs::yielding! {
///     #[sse("/feed")]
///     async fn feed(last: LastEventId) {
///         let mut next = last.parse::<u64>().map_or(0, |seen| seen + 1);
///         loop {
///             yield SseEvent::new(format!("item {next}")).id(next.to_string());
///             next += 1;
///         }
///     }
/// }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LastEventId(
    /// The header's value; `None` on a first connection.
    ///
    /// ```
    /// use h3rs::sse::LastEventId;
    /// let resume_from = |last: LastEventId| match last.0 {
    ///     Some(id) => format!("after {id}"),
    ///     None => "from the start".to_owned(),
    /// };
    /// assert_eq!(resume_from(LastEventId(None)), "from the start");
    /// assert_eq!(resume_from(LastEventId(Some("41".into()))), "after 41");
    /// ```
    pub Option<String>,
);

impl LastEventId {
    /// The id, if the client sent one.
    ///
    /// ```
    /// let last = h3rs::sse::LastEventId(Some("7".into()));
    /// assert_eq!(last.get(), Some("7"));
    /// ```
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The id parsed as `T`; `None` when absent or not a `T`.
    ///
    /// ```
    /// let last = h3rs::sse::LastEventId(Some("7".into()));
    /// assert_eq!(last.parse::<u64>(), Some(7));
    /// ```
    pub fn parse<T: FromStr>(&self) -> Option<T> {
        self.get()?.parse().ok()
    }
}

/// Never fails: a missing or non-text header is `None`.
impl FromEvent for LastEventId {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        let id = event
            .headers()
            .get("last-event-id")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        Ok(LastEventId(id))
    }
}
