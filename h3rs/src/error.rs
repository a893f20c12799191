//! `HttpError`: an error that knows its HTTP status, rendered as H3's JSON body.

use std::fmt;
use std::sync::Arc;

use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
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
/// Return it as the `Err` of a handler's `Result`:
///
/// ```
/// use h3rs::{HttpError, IntoResponse, Json, StatusCode};
///
/// fn create_user(name: &str) -> Result<Json<serde_json::Value>, HttpError> {
///     if name == "ada" {
///         return Err(HttpError::new(StatusCode::CONFLICT, "name taken")
///             .with_data(serde_json::json!({ "name": name })));
///     }
///     Ok(Json(serde_json::json!({ "name": name })))
/// }
///
/// let res = create_user("ada").into_response();
/// assert_eq!(res.status(), StatusCode::CONFLICT);
/// assert_eq!(res.headers()["content-type"], "application/json");
/// ```
#[derive(Debug)]
pub struct HttpError {
    /// The response status, also rendered as `status` and `statusText` in the
    /// body. Assign it to answer a code that has no constructor of its own.
    pub status: StatusCode,
    /// The message shown to the client, rendered as `message` in the body.
    pub message: String,
    /// Extra JSON shown to the client under `data` (set it with
    /// [`HttpError::with_data`]); when `None` the body has no `data` key.
    pub data: Option<serde_json::Value>,
    /// Extra response headers (for example `Allow` on a 405). A list rather
    /// than a `HeaderMap` keeps `Result<T, HttpError>` small. See
    /// [`HttpError::with_header`].
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
    /// An error with a status and a message for the client, without `data`
    /// or extra headers.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        HttpError {
            status,
            message: message.into(),
            data: None,
            headers: Vec::new(),
            cause: None,
        }
    }

    /// A 400 Bad Request, as [`HttpError::new`] with that status.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// A 401 Unauthorized, as [`HttpError::new`] with that status.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// A 403 Forbidden, as [`HttpError::new`] with that status.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// A 404 Not Found, as [`HttpError::new`] with that status.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// A 500 for an unexpected failure: `cause` is logged through `tracing`
    /// when the response is rendered, and the client sees only
    /// "Internal Server Error". The cause stays readable in code through
    /// [`HttpError::cause`] and [`std::error::Error::source`].
    ///
    /// ```
    /// use h3rs::{HttpError, IntoResponse, RenderedError};
    ///
    /// let err = HttpError::internal(std::io::Error::other("disk on fire"));
    /// assert_eq!(err.to_json(), r#"{"status":500,"statusText":"Internal Server Error","message":"Internal Server Error"}"#);
    ///
    /// // Middleware and `on_error` hooks still see the cause; the client does not.
    /// let res = err.into_response();
    /// let RenderedError(err) = res.extensions().get::<RenderedError>().unwrap();
    /// assert_eq!(err.cause().unwrap().to_string(), "disk on fire");
    /// ```
    pub fn internal(cause: impl Into<BoxError>) -> Self {
        let mut err = Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        err.cause = Some(cause.into());
        err
    }

    /// Attaches JSON shown to the client under `data`, replacing any set
    /// before; see [`HttpError::to_json`] for where it lands.
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(data);
        self
    }

    /// Adds a response header, such as `Retry-After` on a 503 or
    /// `WWW-Authenticate` on a 401. Headers are appended, so calling it twice
    /// with one name sends both values.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The hidden cause of an error built with [`HttpError::internal`];
    /// `None` for every other error.
    pub fn cause(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.cause.as_deref()
    }

    /// The JSON body as H3 renders it: `status`, `statusText` (empty for a
    /// status without a canonical reason), `message`, then `data` if set.
    ///
    /// ```
    /// use h3rs::HttpError;
    ///
    /// let body = HttpError::not_found("nope").to_json();
    /// assert_eq!(body, r#"{"status":404,"statusText":"Not Found","message":"nope"}"#);
    ///
    /// let body = HttpError::bad_request("invalid form")
    ///     .with_data(serde_json::json!({ "email": "required" }))
    ///     .to_json();
    /// assert_eq!(
    ///     body,
    ///     r#"{"status":400,"statusText":"Bad Request","message":"invalid form","data":{"email":"required"}}"#
    /// );
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
