//! The body type shared by requests and responses.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use http_body::{Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, StreamBody};

/// A boxed error, as carried by streaming bodies.
///
/// A handler may return `Result<_, BoxError>`: `?` then takes any error, and
/// an `Err` is a logged 500 that hides the cause from the client.
///
/// ```
/// use h3rs::{BoxError, IntoResponse};
///
/// fn port(text: &str) -> Result<String, BoxError> {
///     let port: u16 = text.parse()?;
///     Ok(format!("port {port}"))
/// }
///
/// assert_eq!(port("8080").into_response().status(), 200);
/// assert_eq!(port("eighty").into_response().status(), 500);
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of a [`Request`](crate::Request) or a [`Response`](crate::Response).
///
/// Small bodies (empty, or one buffer) are kept inline so that the common
/// response costs no allocation beyond its bytes; anything else (hyper's
/// incoming body, a stream) is boxed.
///
/// Make one with [`Body::empty`], with `From` a `&'static str`, `String`,
/// `Vec<u8>`, `&'static [u8]`, [`Bytes`] or `()`, with
/// [`Body::from_stream`] for chunks produced over time, or with
/// [`Body::new`] for any other [`http_body::Body`]. Handlers rarely need it:
/// returning any [`IntoResponse`](crate::IntoResponse) type builds it.
pub struct Body(Inner);

enum Inner {
    Full(Option<Bytes>),
    /// A request body straight from hyper, kept unboxed: every request has one.
    Incoming(hyper::body::Incoming),
    Boxed(UnsyncBoxBody<Bytes, BoxError>),
}

impl Body {
    /// A body with no bytes; it allocates nothing, and is also what
    /// `Body::default()`, `Body::from(())` and an empty [`Bytes`] give.
    pub fn empty() -> Self {
        Body(Inner::Full(None))
    }

    /// Wraps any [`http_body::Body`] of [`Bytes`] whose error converts into a
    /// [`BoxError`], boxing it. Hyper's incoming body has a `From` of its own
    /// that avoids the box.
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        Body(Inner::Boxed(body.map_err(Into::into).boxed_unsync()))
    }

    /// [`Body::new`] for a body whose error is a [`BoxError`] already: boxed without the
    /// error's mapping, which a body polled once per frame (an SSE stream's) pays each time.
    pub(crate) fn boxed<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes, Error = BoxError> + Send + 'static,
    {
        Body(Inner::Boxed(body.boxed_unsync()))
    }

    /// A streaming body: each item of `stream` is written (and flushed by
    /// hyper) as soon as it is produced; an error aborts the response. As a
    /// response, [`StreamBody`](crate::StreamBody) does the same and sets a
    /// content type.
    pub fn from_stream<S, T, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<T, E>> + Send + 'static,
        T: Into<Bytes> + 'static,
        E: Into<BoxError> + 'static,
    {
        let frames = stream
            .map_ok(|chunk| Frame::data(chunk.into()))
            .map_err(Into::into);
        Body(Inner::Boxed(StreamBody::new(frames).boxed_unsync()))
    }
}

impl Body {
    /// Any body as a `Body`, boxed only if it is neither a `Body` nor hyper's.
    pub(crate) fn from_any<B>(body: B) -> Body
    where
        B: http_body::Body + Send + 'static,
        B::Data: Into<Bytes>,
        B::Error: Into<BoxError>,
    {
        let mut slot = Some(body);
        let any = &mut slot as &mut dyn std::any::Any;
        if let Some(body) = any.downcast_mut::<Option<Body>>() {
            return body.take().unwrap_or_default();
        }
        if let Some(body) = any.downcast_mut::<Option<hyper::body::Incoming>>() {
            return body.take().map(Body::from).unwrap_or_default();
        }
        let body = slot.expect("the body was not taken");
        Body::new(body.map_frame(|frame| frame.map_data(Into::into)))
    }
}

impl From<hyper::body::Incoming> for Body {
    fn from(body: hyper::body::Incoming) -> Self {
        Body(Inner::Incoming(body))
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Inner::Full(bytes) => f.debug_tuple("Body").field(bytes).finish(),
            Inner::Incoming(_) | Inner::Boxed(_) => f.write_str("Body(<stream>)"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        if bytes.is_empty() {
            Body::empty()
        } else {
            Body(Inner::Full(Some(bytes)))
        }
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<&'static [u8]> for Body {
    fn from(bytes: &'static [u8]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

impl From<()> for Body {
    fn from(_: ()) -> Self {
        Body::empty()
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().0 {
            Inner::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Inner::Incoming(body) => Pin::new(body)
                .poll_frame(cx)
                .map(|frame| frame.map(|result| result.map_err(Into::into))),
            Inner::Boxed(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Inner::Full(bytes) => bytes.is_none(),
            Inner::Incoming(body) => body.is_end_stream(),
            Inner::Boxed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Inner::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Inner::Incoming(body) => body.size_hint(),
            Inner::Boxed(body) => body.size_hint(),
        }
    }
}
