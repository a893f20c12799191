//! `TypedHeader<T>`: a header parsed by the [`headers`](https://docs.rs/headers) crate.

use std::ops::{Deref, DerefMut};

use headers::{Header, HeaderMapExt};

use crate::error::HttpError;
use crate::event::H3Event;
use crate::extract::{FromEvent, OptionalFromEvent};

/// A request header as a type of the `headers` crate (re-exported as `h3rs::headers`):
/// `Authorization<Bearer>`, `Cookie`, `UserAgent`, `ContentType`, `IfNoneMatch`...
///
/// A handler parameter like any extractor of the request's parts. A missing header is a 400
/// naming it; a malformed one is a 400 too. `Option<TypedHeader<T>>` is `None` when the
/// header is absent, and still a 400 when it is malformed.
///
/// Needs the `typed-header` feature.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use h3rs::headers::authorization::{Authorization, Bearer};
/// use h3rs::headers::UserAgent;
/// use h3rs::prelude::*;
/// use h3rs::TypedHeader;
///
/// #[get("/me")]
/// async fn me(
///     TypedHeader(auth): TypedHeader<Authorization<Bearer>>,
///     agent: Option<TypedHeader<UserAgent>>,
/// ) -> String {
///     let agent = agent.as_ref().map_or("unknown", |TypedHeader(agent)| agent.as_str());
///     format!("token {} from {agent}", auth.token())
/// }
///
/// let app = H3::new().register(me);
/// let client = h3rs::test::TestClient::new(app);
/// let res = client.get("/me").header("authorization", "Bearer abc").send().await;
/// assert_eq!(res.text(), "token abc from unknown");
/// let res = client.get("/me").send().await;
/// assert_eq!(res.status(), 400);
/// assert!(res.text().contains("authorization"));
/// # }
/// ```
///
/// By hand, in a closure route or middleware, call the extractor:
///
/// ```
/// use h3rs::headers::Cookie;
/// use h3rs::{FromEvent, H3, H3Event, HttpError, TypedHeader};
///
/// let app = H3::new().get("/", |mut event: H3Event| async move {
///     let TypedHeader(cookie) = TypedHeader::<Cookie>::from_event(&mut event).await?;
///     Ok::<_, HttpError>(cookie.get("session").unwrap_or("none").to_owned())
/// });
/// # let _ = app;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TypedHeader<T>(
    /// The parsed header.
    pub T,
);

impl<T> Deref for TypedHeader<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for TypedHeader<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: Header + Send> FromEvent for TypedHeader<T> {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        match typed(event)? {
            Some(header) => Ok(TypedHeader(header)),
            None => Err(HttpError::bad_request(format!(
                "Missing header `{}`",
                T::name()
            ))),
        }
    }
}

impl<T: Header + Send> OptionalFromEvent for TypedHeader<T> {
    async fn from_event_optional(event: &mut H3Event) -> Result<Option<Self>, HttpError> {
        Ok(typed(event)?.map(TypedHeader))
    }
}

/// The header, `None` when absent, a 400 when malformed.
fn typed<T: Header>(event: &H3Event) -> Result<Option<T>, HttpError> {
    let headers = event.headers();
    if !headers.contains_key(T::name()) {
        return Ok(None);
    }
    headers
        .typed_try_get::<T>()
        .map_err(|e| HttpError::bad_request(format!("Invalid header `{}`: {e}", T::name())))
}
