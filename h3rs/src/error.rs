//! `HttpError`: an error that knows its HTTP status, rendered as H3's JSON body.

use std::fmt;
use std::sync::Arc;

use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::StatusCode;
use serde::Serialize;

use crate::body::BoxError;
use crate::response::{IntoResponse, Response};

/// An error that becomes an HTTP response.
///
/// It renders as JSON in H3's shape,
/// `{"status":404,"statusText":"Not Found","message":"..."}`, with `data`
/// when set, and the extra `headers`. An error built with
/// [`HttpError::internal`] is logged with its cause and answers a 500 whose
/// body hides the cause, so internals never reach a client.
///
/// ```
/// use h3rs::{HttpError, StatusCode};
/// let err = HttpError::new(StatusCode::CONFLICT, "name taken")
///     .with_data(serde_json::json!({ "name": "ada" }));
/// assert_eq!(err.status, StatusCode::CONFLICT);
/// ```
#[derive(Debug)]
pub struct HttpError {
    /// The response status.
    ///
    /// ```
    /// use h3rs::{HttpError, IntoResponse, StatusCode};
    /// let mut err = HttpError::bad_request("quota exceeded");
    /// err.status = StatusCode::TOO_MANY_REQUESTS;
    /// assert_eq!(err.into_response().status(), 429);
    /// ```
    pub status: StatusCode,
    /// The message shown to the client.
    ///
    /// ```
    /// let err = h3rs::HttpError::not_found("no user 7");
    /// assert_eq!(err.message, "no user 7");
    /// assert!(err.to_json().contains(r#""message":"no user 7""#));
    /// ```
    pub message: String,
    /// Extra JSON shown to the client under `data`.
    ///
    /// ```
    /// let err = h3rs::HttpError::bad_request("invalid form")
    ///     .with_data(serde_json::json!({ "email": "required" }));
    /// assert_eq!(err.data.as_ref().unwrap()["email"], "required");
    /// assert!(err.to_json().ends_with(r#""data":{"email":"required"}}"#));
    /// ```
    pub data: Option<serde_json::Value>,
    /// Extra response headers (for example `Allow` on a 405). A list rather
    /// than a `HeaderMap` keeps `Result<T, HttpError>` small.
    ///
    /// ```
    /// use h3rs::header::{HeaderValue, WWW_AUTHENTICATE};
    /// use h3rs::{HttpError, IntoResponse};
    /// let err = HttpError::unauthorized("log in first")
    ///     .with_header(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    /// assert_eq!(err.headers.len(), 1);
    /// assert_eq!(err.into_response().headers()[WWW_AUTHENTICATE], "Bearer");
    /// ```
    pub headers: Vec<(HeaderName, HeaderValue)>,
    cause: Option<BoxError>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody<'a> {
    status: u16,
    status_text: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a serde_json::Value>,
}

impl HttpError {
    /// An error with a status and a message for the client.
    ///
    /// ```
    /// let err = h3rs::HttpError::new(h3rs::StatusCode::FORBIDDEN, "members only");
    /// assert_eq!(err.message, "members only");
    /// ```
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        HttpError {
            status,
            message: message.into(),
            data: None,
            headers: Vec::new(),
            cause: None,
        }
    }

    /// A 400 Bad Request.
    ///
    /// ```
    /// assert_eq!(h3rs::HttpError::bad_request("no").status, 400);
    /// ```
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// A 401 Unauthorized.
    ///
    /// ```
    /// assert_eq!(h3rs::HttpError::unauthorized("log in").status, 401);
    /// ```
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// A 403 Forbidden.
    ///
    /// ```
    /// assert_eq!(h3rs::HttpError::forbidden("no").status, 403);
    /// ```
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// A 404 Not Found.
    ///
    /// ```
    /// assert_eq!(h3rs::HttpError::not_found("gone").status, 404);
    /// ```
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// A 500 for an unexpected failure: `cause` is logged through `tracing`
    /// when the response is rendered, and the client sees only
    /// "Internal Server Error".
    ///
    /// ```
    /// let io = std::io::Error::other("disk on fire");
    /// let err = h3rs::HttpError::internal(io);
    /// assert_eq!(err.status, 500);
    /// assert_eq!(err.message, "Internal Server Error");
    /// ```
    pub fn internal(cause: impl Into<BoxError>) -> Self {
        let mut err = Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        err.cause = Some(cause.into());
        err
    }

    /// Attaches JSON shown to the client under `data`.
    ///
    /// ```
    /// let err = h3rs::HttpError::bad_request("invalid").with_data(serde_json::json!([1]));
    /// assert!(err.data.is_some());
    /// ```
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(data);
        self
    }

    /// Adds a response header.
    ///
    /// ```
    /// use h3rs::header::RETRY_AFTER;
    /// let err = h3rs::HttpError::new(h3rs::StatusCode::SERVICE_UNAVAILABLE, "busy")
    ///     .with_header(RETRY_AFTER, h3rs::header::HeaderValue::from_static("5"));
    /// assert_eq!(err.headers[0].1, "5");
    /// ```
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The hidden cause of an internal error, if any.
    ///
    /// ```
    /// let err = h3rs::HttpError::internal("boom");
    /// assert_eq!(err.cause().unwrap().to_string(), "boom");
    /// ```
    pub fn cause(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.cause.as_deref()
    }

    /// The JSON body as H3 renders it.
    ///
    /// ```
    /// let body = h3rs::HttpError::not_found("nope").to_json();
    /// assert_eq!(body, r#"{"status":404,"statusText":"Not Found","message":"nope"}"#);
    /// ```
    pub fn to_json(&self) -> String {
        let body = ErrorBody {
            status: self.status.as_u16(),
            status_text: self.status.canonical_reason().unwrap_or(""),
            message: &self.message,
            data: self.data.as_ref(),
        };
        serde_json::to_string(&body).expect("error bodies always serialize")
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

/// The error a response was rendered from, kept in the response's
/// extensions so that `on_error` hooks can reshape it.
///
/// Middleware can read it too, to see the error behind a response without
/// parsing the body:
///
/// ```
/// use h3rs::{HttpError, IntoResponse, RenderedError};
/// let res = HttpError::forbidden("members only").into_response();
/// let RenderedError(err) = res.extensions().get::<RenderedError>().unwrap();
/// assert_eq!(err.message, "members only");
/// ```
#[derive(Clone, Debug)]
pub struct RenderedError(
    /// The error, in an `Arc` because response extensions must be `Clone`
    /// and an error with its cause is not.
    ///
    /// ```
    /// use h3rs::{HttpError, IntoResponse, RenderedError};
    /// let res = HttpError::not_found("gone").into_response();
    /// let rendered = res.extensions().get::<RenderedError>().unwrap();
    /// assert_eq!(rendered.0.status, 404);
    /// ```
    pub Arc<HttpError>,
);

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            tracing::error!(status = self.status.as_u16(), error = %cause, "request failed");
        }
        let mut response = Response::new(self.to_json().into());
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        response
            .extensions_mut()
            .insert(RenderedError(Arc::new(self)));
        response
    }
}

/// An unexpected error from a handler returning
/// `Result<_, Box<dyn Error + Send + Sync>>`: a logged 500.
impl IntoResponse for BoxError {
    fn into_response(self) -> Response {
        HttpError::internal(self).into_response()
    }
}
