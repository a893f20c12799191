//! `FromEvent`: how handler parameters are taken from a request.

use std::future::Future;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, Method, StatusCode, Uri};
use serde::de::DeserializeOwned;

use crate::error::HttpError;
use crate::event::H3Event;
use crate::response::Json;

/// A value taken from the request for a handler parameter.
///
/// The route macros call it for every parameter that is not named like a
/// path parameter. A failure is an [`HttpError`] and becomes the response.
/// Body extractors (`Json`, `Form`, `Bytes`, `String`) read the body, so a
/// handler takes at most one of them.
///
/// ```
/// use h3rs::{FromEvent, H3Event, HttpError};
///
/// struct ApiKey(String);
///
/// impl FromEvent for ApiKey {
///     async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
///         event
///             .headers()
///             .get("x-api-key")
///             .and_then(|v| v.to_str().ok())
///             .map(|key| ApiKey(key.to_owned()))
///             .ok_or_else(|| HttpError::unauthorized("missing x-api-key"))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be taken from a request",
    label = "not an extractor, and not named like a `:param` of the route",
    note = "name the parameter like a `:param` of the route path to parse it from the path, or use an extractor: Query<T>, Json<T>, Form<T>, State<T>, HeaderMap, Method, Uri, Bytes, String, &H3Event, or a type implementing `h3rs::FromEvent`"
)]
pub trait FromEvent: Sized {
    /// Records what the extractor needs from the app (see [`Requirements`](crate::Requirements));
    /// the default needs nothing. [`State<T>`] records `T`.
    fn requires(requirements: &mut crate::Requirements) {
        let _ = requirements;
    }

    /// Takes the value from the event.
    ///
    /// Extractors can also be called by hand, in middleware or in a
    /// closure route, which the macros do not reach:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use h3rs::{Body, FromEvent, H3, H3Event, HttpError, Query};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Page { page: u32 }
    ///
    /// let app = H3::new().get("/items", |mut event: H3Event| async move {
    ///     let Query(Page { page }) = Query::from_event(&mut event).await?;
    ///     Ok::<_, HttpError>(format!("page {page}"))
    /// });
    /// let req = |uri: &str| {
    ///     h3rs::http::Request::builder().uri(uri).body(Body::empty()).unwrap()
    /// };
    /// assert_eq!(app.handle(req("/items?page=2")).await.status(), 200);
    /// assert_eq!(app.handle(req("/items?page=two")).await.status(), 400);
    /// # }
    /// ```
    fn from_event(event: &mut H3Event) -> impl Future<Output = Result<Self, HttpError>> + Send;
}

/// The query string, deserialized with serde (a mismatch is a 400).
///
/// ```
/// use h3rs::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Paging { page: Option<u32> }
///
/// #[get("/items")]
/// async fn items(paging: Query<Paging>) -> String {
///     format!("page {}", paging.0.page.unwrap_or(1))
/// }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Query<T>(
    /// The deserialized query; `Query` also derefs to it.
    ///
    /// ```
    /// use h3rs::prelude::*;
    /// use std::collections::HashMap;
    ///
    /// #[get("/search")]
    /// async fn search(Query(params): Query<HashMap<String, String>>) -> String {
    ///     params.get("q").cloned().unwrap_or_default()
    /// }
    /// ```
    pub T,
);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Send> FromEvent for Query<T> {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        event.query().map(Query)
    }
}

fn content_type_is(event: &H3Event, accept: impl Fn(&str) -> bool) -> bool {
    event
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| accept(mime.trim().to_ascii_lowercase().as_str()))
}

fn unsupported(expected: &str) -> HttpError {
    HttpError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        format!("Expected a request with content-type {expected}"),
    )
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The body as JSON: 415 unless the content type is `application/json`
/// (or `application/*+json`), 400 with serde's message when it does not parse.
impl<T: DeserializeOwned + Send> FromEvent for Json<T> {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        let is_json = content_type_is(event, |mime| {
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        });
        if !is_json {
            return Err(unsupported("application/json"));
        }
        let bytes = event.body_bytes().await?;
        serde_json::from_slice(&bytes)
            .map(Json)
            .map_err(|e| HttpError::bad_request(format!("Invalid JSON body: {e}")))
    }
}

/// A URL-encoded form body (`application/x-www-form-urlencoded`), deserialized with serde.
///
/// ```
/// use h3rs::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Login { user: String }
///
/// #[post("/login")]
/// async fn login(form: Form<Login>) -> String {
///     format!("hello {}", form.0.user)
/// }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Form<T>(
    /// The deserialized form; `Form` also derefs to it.
    ///
    /// ```
    /// use h3rs::prelude::*;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Comment { text: String }
    ///
    /// #[post("/comments")]
    /// async fn comment(Form(comment): Form<Comment>) -> (StatusCode, String) {
    ///     (StatusCode::CREATED, comment.text)
    /// }
    /// ```
    pub T,
);

impl<T> std::ops::Deref for Form<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Send> FromEvent for Form<T> {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        if !content_type_is(event, |mime| mime == "application/x-www-form-urlencoded") {
            return Err(unsupported("application/x-www-form-urlencoded"));
        }
        let bytes = event.body_bytes().await?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|e| HttpError::bad_request(format!("Invalid form body: {e}")))
    }
}

/// The raw body, within the body limit.
impl FromEvent for Bytes {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        event.body_bytes().await
    }
}

/// The body as UTF-8 text (400 if it is not UTF-8).
impl FromEvent for String {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        let bytes = event.body_bytes().await?;
        String::from_utf8(bytes.into())
            .map_err(|_| HttpError::bad_request("Request body is not valid UTF-8"))
    }
}

impl FromEvent for HeaderMap {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        Ok(event.headers().clone())
    }
}

impl FromEvent for Method {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        Ok(event.method().clone())
    }
}

impl FromEvent for Uri {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        Ok(event.uri().clone())
    }
}

/// `None` when the inner extractor fails, instead of an error response.
impl<T: FromEvent + Send> FromEvent for Option<T> {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        Ok(T::from_event(event).await.ok())
    }
}

/// App-wide state given to [`H3::state`](crate::H3::state), cloned per request
/// (wrap big things in an `Arc`).
///
/// ```
/// use h3rs::prelude::*;
/// use std::sync::{atomic::{AtomicU64, Ordering}, Arc};
///
/// #[derive(Clone, Default)]
/// struct Hits(Arc<AtomicU64>);
///
/// #[get("/hits")]
/// async fn hits(State(hits): State<Hits>) -> String {
///     hits.0.fetch_add(1, Ordering::Relaxed).to_string()
/// }
///
/// let app = h3rs::app![hits].state(Hits::default());
/// # let _ = app;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct State<T>(
    /// The state, cloned for this request; `State` also derefs to it.
    ///
    /// ```
    /// use h3rs::prelude::*;
    ///
    /// #[derive(Clone)]
    /// struct Greeting(&'static str);
    ///
    /// #[get("/")]
    /// async fn greet(State(greeting): State<Greeting>) -> &'static str {
    ///     greeting.0
    /// }
    ///
    /// let app = h3rs::app![greet].state(Greeting("hello"));
    /// # let _ = app;
    /// ```
    pub T,
);

impl<T> std::ops::Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone + Send + Sync + 'static> FromEvent for State<T> {
    fn requires(requirements: &mut crate::Requirements) {
        requirements.state::<T>();
    }

    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        event.state::<T>().cloned().map(State).ok_or_else(|| {
            HttpError::internal(format!(
                "no state of type {} was given to the app: call `.state(value)` on the H3 builder",
                std::any::type_name::<T>()
            ))
        })
    }
}

/// The client's address, when served over a socket.
impl FromEvent for crate::event::RemoteAddr {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        event
            .remote_addr()
            .map(crate::event::RemoteAddr)
            .ok_or_else(|| {
                HttpError::internal("no remote address: the app is not served over a socket")
            })
    }
}
