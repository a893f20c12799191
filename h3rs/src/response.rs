//! `IntoResponse` and the response types built on it.

use std::convert::Infallible;

use bytes::Bytes;
use futures_util::Stream;
use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};
use serde::Serialize;

use crate::body::{Body, BoxError};
use crate::error::HttpError;

/// The response type of h3rs.
///
/// Return it from a handler to set everything by hand:
///
/// ```
/// use h3rs::{Body, Response, StatusCode};
///
/// fn created(location: &str) -> Response {
///     let mut res = Response::new(Body::empty());
///     *res.status_mut() = StatusCode::CREATED;
///     res.headers_mut().insert("location", location.parse().unwrap());
///     res
/// }
///
/// assert_eq!(created("/users/7").headers()["location"], "/users/7");
/// ```
pub type Response = http::Response<Body>;

/// Anything a handler may return.
///
/// Text is `text/plain; charset=utf-8`, bytes are
/// `application/octet-stream`, `()` is a 204, `None` a 404 and an `Err` its
/// error's response. A tuple sets a status, headers (a [`HeaderMap`] or an
/// array of pairs) or both, status first, before the body:
///
/// ```
/// use h3rs::{IntoResponse, Json, StatusCode};
///
/// let res = (
///     StatusCode::CREATED,
///     [("location", "/users/7")],
///     Json(serde_json::json!({ "id": 7 })),
/// )
///     .into_response();
/// assert_eq!(res.status(), StatusCode::CREATED);
/// assert_eq!(res.headers()["location"], "/users/7");
/// assert_eq!(res.headers()["content-type"], "application/json");
///
/// let missing: Option<&str> = None;
/// assert_eq!(missing.into_response().status(), StatusCode::NOT_FOUND);
/// assert_eq!(().into_response().status(), StatusCode::NO_CONTENT);
/// ```
pub trait IntoResponse {
    /// Builds the response.
    ///
    /// Implement it so that handlers can return your own types:
    ///
    /// ```
    /// use h3rs::{IntoResponse, Json, Response, StatusCode};
    ///
    /// struct Created<T>(T);
    ///
    /// impl<T: serde::Serialize> IntoResponse for Created<T> {
    ///     fn into_response(self) -> Response {
    ///         (StatusCode::CREATED, Json(self.0)).into_response()
    ///     }
    /// }
    ///
    /// let res = Created(serde_json::json!({ "id": 7 })).into_response();
    /// assert_eq!(res.status(), 201);
    /// assert_eq!(res.headers()["content-type"], "application/json");
    /// ```
    fn into_response(self) -> Response;
}

fn with_content_type(body: Body, content_type: HeaderValue) -> Response {
    let mut res = Response::new(body);
    res.headers_mut().insert(header::CONTENT_TYPE, content_type);
    res
}

// Constants, so that each value is checked once at compile time rather than on
// every response.
const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
const OCTETS: HeaderValue = HeaderValue::from_static("application/octet-stream");
const HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");
const JSON: HeaderValue = HeaderValue::from_static("application/json");

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for Body {
    fn into_response(self) -> Response {
        Response::new(self)
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        with_content_type(self.into(), TEXT)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        with_content_type(self.into(), TEXT)
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Response {
        with_content_type(self.into(), OCTETS)
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response {
        with_content_type(self.into(), OCTETS)
    }
}

/// `()` is "nothing to say": 204 No Content.
impl IntoResponse for () {
    fn into_response(self) -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        let mut res = Response::new(Body::empty());
        *res.status_mut() = self;
        res
    }
}

impl IntoResponse for Infallible {
    fn into_response(self) -> Response {
        match self {}
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let mut res = self.1.into_response();
        *res.status_mut() = self.0;
        res
    }
}

impl<T: IntoResponse> IntoResponse for (HeaderMap, T) {
    fn into_response(self) -> Response {
        let mut res = self.1.into_response();
        res.headers_mut().extend(self.0);
        res
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, HeaderMap, T) {
    fn into_response(self) -> Response {
        (self.0, (self.1, self.2)).into_response()
    }
}

/// Headers as pairs: `([("x-id", "7")], body)`. A name or value that is not
/// valid in HTTP is a bug of the handler and answers 500.
impl<K, V, T, const N: usize> IntoResponse for ([(K, V); N], T)
where
    K: TryInto<HeaderName>,
    K::Error: std::fmt::Display,
    V: TryInto<HeaderValue>,
    V::Error: std::fmt::Display,
    T: IntoResponse,
{
    fn into_response(self) -> Response {
        let mut headers = HeaderMap::with_capacity(N);
        for (name, value) in self.0 {
            let name = match name.try_into() {
                Ok(name) => name,
                Err(e) => {
                    return HttpError::internal(format!("bad header name: {e}")).into_response();
                }
            };
            match value.try_into() {
                Ok(value) => headers.append(name, value),
                Err(e) => {
                    return HttpError::internal(format!("bad header value: {e}")).into_response();
                }
            };
        }
        (headers, self.1).into_response()
    }
}

impl<K, V, T, const N: usize> IntoResponse for (StatusCode, [(K, V); N], T)
where
    ([(K, V); N], T): IntoResponse,
{
    fn into_response(self) -> Response {
        (self.0, (self.1, self.2)).into_response()
    }
}

/// `None` is a 404.
impl<T: IntoResponse> IntoResponse for Option<T> {
    fn into_response(self) -> Response {
        match self {
            Some(value) => value.into_response(),
            None => HttpError::not_found("Not Found").into_response(),
        }
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(value) => value.into_response(),
            Err(err) => err.into_response(),
        }
    }
}

/// An HTML response (`text/html; charset=utf-8`): return `Html(markup)`
/// from a handler, where the markup is a `&'static str`, a `String` or any
/// other type that converts into a [`Body`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Html<T>(
    /// The markup, sent as is: escaping it is up to the caller.
    pub T,
);

impl<T: Into<Body>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        with_content_type(self.0.into(), HTML)
    }
}

/// JSON in and out: as a response it serializes `T` (`application/json`);
/// as an extractor it parses the request body (see [`FromBody`](crate::FromBody)).
/// A value that fails to serialize answers a logged 500.
///
/// ```
/// use h3rs::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Point { x: i64, y: i64 }
///
/// #[post("/sum")]
/// async fn sum(Json(point): Json<Point>) -> Json<i64> {
///     Json(point.x + point.y)
/// }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Json<T>(
    /// The value: serialized as a response, parsed as an extractor.
    pub T,
);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(bytes) => with_content_type(bytes.into(), JSON),
            Err(e) => HttpError::internal(e).into_response(),
        }
    }
}

/// A redirect: `Location` plus a 3xx status, with an empty body. A location
/// that is not a valid header value answers a logged 500.
///
/// ```
/// use h3rs::{IntoResponse, Redirect};
/// let res = Redirect::to("/login").into_response();
/// assert_eq!(res.status(), 302);
/// assert_eq!(res.headers()["location"], "/login");
/// ```
#[derive(Clone, Debug)]
pub struct Redirect {
    status: StatusCode,
    location: String,
}

impl Redirect {
    /// 302 Found, as H3's `redirect` does by default. `location` is sent as
    /// given: a path (`/login`) or an absolute URL.
    pub fn to(location: impl Into<String>) -> Self {
        Self::with_status(StatusCode::FOUND, location)
    }

    /// 303 See Other: after a POST, go GET this.
    pub fn see_other(location: impl Into<String>) -> Self {
        Self::with_status(StatusCode::SEE_OTHER, location)
    }

    /// 307 Temporary Redirect: the client repeats the same method with the
    /// same body, unlike with a 302 or a 303.
    pub fn temporary(location: impl Into<String>) -> Self {
        Self::with_status(StatusCode::TEMPORARY_REDIRECT, location)
    }

    /// 308 Permanent Redirect: as [`Redirect::temporary`], and clients may
    /// remember it.
    pub fn permanent(location: impl Into<String>) -> Self {
        Self::with_status(StatusCode::PERMANENT_REDIRECT, location)
    }

    /// Any status, such as 301 Moved Permanently. It is meant for 3xx but not
    /// checked: another status still gets the `Location` header.
    pub fn with_status(status: StatusCode, location: impl Into<String>) -> Self {
        Redirect {
            status,
            location: location.into(),
        }
    }
}

impl IntoResponse for Redirect {
    fn into_response(self) -> Response {
        match HeaderValue::try_from(self.location) {
            Ok(location) => {
                let mut res = self.status.into_response();
                res.headers_mut().insert(header::LOCATION, location);
                res
            }
            Err(e) => HttpError::internal(e).into_response(),
        }
    }
}

/// A streaming response from any `Stream` of byte chunks
/// (`application/octet-stream` unless you set another type). Each chunk is
/// sent as soon as the stream yields it; see [`Body::from_stream`].
///
/// ```
/// use h3rs::{IntoResponse, StreamBody};
///
/// let lines = (1..=3).map(|n| Ok::<_, std::io::Error>(format!("line {n}\n")));
/// let res = (
///     [("content-type", "text/plain; charset=utf-8")],
///     StreamBody(futures_util::stream::iter(lines)),
/// )
///     .into_response();
/// assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
/// ```
pub struct StreamBody<S>(
    /// The stream of chunks. An `Err` aborts the response mid-way: the
    /// status is already sent, so the client sees a cut-off body.
    pub S,
);

impl<S, T, E> IntoResponse for StreamBody<S>
where
    S: Stream<Item = Result<T, E>> + Send + 'static,
    T: Into<Bytes> + 'static,
    E: Into<BoxError> + 'static,
{
    fn into_response(self) -> Response {
        with_content_type(Body::from_stream(self.0), OCTETS)
    }
}

/// JSON as a text payload to publish; a value that cannot be serialized is logged and
/// published as `null`.
///
/// ```
/// let app = h3rs::H3::new();
/// app.publish("scores", h3rs::Json(serde_json::json!({ "home": 2, "away": 1 })));
/// ```
impl<T: Serialize> From<Json<T>> for crate::pubsub::Payload {
    fn from(Json(value): Json<T>) -> Self {
        crate::pubsub::Payload::from_json(&value).unwrap_or_else(|error| {
            tracing::error!(%error, "a published JSON value failed to serialize");
            crate::pubsub::Payload::from("null")
        })
    }
}
