//! Extractors: how handler parameters are taken from a request.
//!
//! Two kinds, two traits. [`FromEvent`] takes a value from the request's parts (path, query,
//! headers, state, the connection), which any number of parameters may read. [`FromBody`]
//! consumes the body, which can be read once: the route macros bind only the last extractor
//! parameter through [`Extract`], which both kinds implement, and every other one through
//! `FromEvent`, so that a second body extractor is a compile error rather than a failure on
//! every request.
//!
//! `Option<T>` means "absent": [`OptionalFromEvent`] and [`OptionalFromBody`] say what absent
//! is for each extractor (no such header, no state of that type, an empty body). Anything
//! present but wrong (malformed JSON, a body over the limit) is still the error it would be
//! without the `Option`.

use std::future::Future;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, Method, StatusCode, Uri};
use serde::de::DeserializeOwned;

use crate::error::HttpError;
use crate::event::H3Event;
use crate::requirements::Requirements;
use crate::response::Json;

/// A value taken from the request's parts (method, URI, query, headers, state, connection)
/// for a handler parameter. The body is [`FromBody`]'s.
///
/// The route macros call it for every parameter that is not named like a path parameter,
/// except the last one, which may also be a body extractor (see [`Extract`]). A failure is an
/// [`HttpError`] and becomes the response.
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
    message = "`{Self}` cannot be taken from the request's parts",
    label = "not an extractor of the request's parts (only the last extractor may read the body)",
    note = "a body extractor (Json<T>, Form<T>, Bytes, String, or a type implementing `h3rs::FromBody`) reads the request body: only one parameter may read it, and it must be the last extractor",
    note = "the other parameters are named like a `:param` of the route, or are extractors of the request's parts: Query<T>, State<T>, HeaderMap, Method, Uri, LastEventId, RemoteAddr, &H3Event, or a type implementing `h3rs::FromEvent`"
)]
pub trait FromEvent: Sized {
    /// Records what the extractor needs from the app (see [`Requirements`]); the default needs
    /// nothing. [`State<T>`] records `T`.
    fn requires(requirements: &mut Requirements) {
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

/// A value read from the request body: [`Json<T>`], [`Form<T>`], [`Bytes`], `String`, or your
/// own. The body can be read once, so a handler has at most one body extractor, and it is its
/// last extractor parameter.
///
/// ```
/// use h3rs::prelude::*;
/// use h3rs::FromBody;
///
/// /// The body as lines of text.
/// struct Lines(Vec<String>);
///
/// impl FromBody for Lines {
///     async fn from_body(event: &mut H3Event) -> Result<Self, HttpError> {
///         let text = String::from_body(event).await?;
///         Ok(Lines(text.lines().map(str::to_owned).collect()))
///     }
/// }
///
/// #[post("/lines")]
/// async fn count(query: Query<serde_json::Value>, Lines(lines): Lines) -> String {
///     lines.len().to_string()
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from the request body",
    label = "not a body extractor",
    note = "body extractors are Json<T>, Form<T>, Bytes, String, or a type implementing `h3rs::FromBody`"
)]
pub trait FromBody: Sized {
    /// Records what the extractor needs from the app (see [`Requirements`]); the default needs
    /// nothing.
    fn requires(requirements: &mut Requirements) {
        let _ = requirements;
    }

    /// Reads the value from the event's body.
    fn from_body(event: &mut H3Event) -> impl Future<Output = Result<Self, HttpError>> + Send;
}

/// How the last extractor parameter of a route binds: implemented for every [`FromEvent`]
/// (with `M` = [`ViaParts`]) and every [`FromBody`] (with `M` = [`ViaBody`]) type, so that the
/// one parameter that may read the body needs no annotation. The route macros call it; by
/// hand, call `FromEvent` or `FromBody` directly.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be taken from a request",
    label = "not an extractor, and not named like a `:param` of the route",
    note = "name the parameter like a `:param` of the route path to parse it from the path, or use an extractor: Query<T>, Json<T>, Form<T>, State<T>, HeaderMap, Method, Uri, Bytes, String, &H3Event, or a type implementing `h3rs::FromEvent` (the request's parts) or `h3rs::FromBody` (the body)"
)]
pub trait Extract<M>: Sized {
    /// What the extractor needs from the app: its `FromEvent` or `FromBody` `requires`.
    fn requires(requirements: &mut Requirements);

    /// Takes the value: its `FromEvent::from_event` or `FromBody::from_body`.
    fn extract(event: &mut H3Event) -> impl Future<Output = Result<Self, HttpError>> + Send;
}

/// The [`Extract`] of a [`FromEvent`] type.
#[derive(Debug)]
pub enum ViaParts {}

/// The [`Extract`] of a [`FromBody`] type.
#[derive(Debug)]
pub enum ViaBody {}

impl<T: FromEvent> Extract<ViaParts> for T {
    fn requires(requirements: &mut Requirements) {
        T::requires(requirements);
    }

    fn extract(event: &mut H3Event) -> impl Future<Output = Result<Self, HttpError>> + Send {
        T::from_event(event)
    }
}

impl<T: FromBody> Extract<ViaBody> for T {
    fn requires(requirements: &mut Requirements) {
        T::requires(requirements);
    }

    fn extract(event: &mut H3Event) -> impl Future<Output = Result<Self, HttpError>> + Send {
        T::from_body(event)
    }
}

/// What `Option<T>` means for a parts extractor: `Ok(None)` when what `T` reads is absent (no
/// such header, no state of that type), an error when it is present but wrong.
///
/// ```
/// use h3rs::prelude::*;
///
/// #[derive(Clone)]
/// struct Metrics;
///
/// // Works with or without `.state(Metrics)`.
/// #[get("/")]
/// async fn index(metrics: Option<State<Metrics>>) -> &'static str {
///     if metrics.is_some() { "counted" } else { "not counted" }
/// }
/// ```
pub trait OptionalFromEvent: Sized {
    /// Takes the value, or `None` when it is absent.
    fn from_event_optional(
        event: &mut H3Event,
    ) -> impl Future<Output = Result<Option<Self>, HttpError>> + Send;
}

/// What `Option<T>` means for a body extractor: `Ok(None)` for an empty body, an error for a
/// body that is present but wrong (malformed, over the limit, of another content type).
///
/// ```
/// use h3rs::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Filter { tag: String }
///
/// // No body lists everything; `{"tag":"x"}` filters; `{` is still a 400.
/// #[post("/search")]
/// async fn search(filter: Option<Json<Filter>>) -> String {
///     filter.map_or("everything".to_owned(), |Json(filter)| filter.tag)
/// }
/// ```
pub trait OptionalFromBody: Sized {
    /// Reads the value, or `None` when the body is empty.
    fn from_body_optional(
        event: &mut H3Event,
    ) -> impl Future<Output = Result<Option<Self>, HttpError>> + Send;
}

/// `None` when absent; needs nothing from the app, since an absent state is fine.
impl<T: OptionalFromEvent + Send> FromEvent for Option<T> {
    fn from_event(event: &mut H3Event) -> impl Future<Output = Result<Self, HttpError>> + Send {
        T::from_event_optional(event)
    }
}

/// `None` for an empty body.
impl<T: OptionalFromBody + Send> FromBody for Option<T> {
    fn from_body(event: &mut H3Event) -> impl Future<Output = Result<Self, HttpError>> + Send {
        T::from_body_optional(event)
    }
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

/// `None` without a query string (`/items`); `/items?` and `/items?page=2` are parsed.
impl<T: DeserializeOwned + Send> OptionalFromEvent for Query<T> {
    async fn from_event_optional(event: &mut H3Event) -> Result<Option<Self>, HttpError> {
        if event.uri().query().is_none() {
            return Ok(None);
        }
        event.query().map(|query| Some(Query(query)))
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

fn is_json(event: &H3Event) -> bool {
    content_type_is(event, |mime| {
        mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
    })
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<Json<T>, HttpError> {
    serde_json::from_slice(bytes)
        .map(Json)
        .map_err(|e| HttpError::bad_request(format!("Invalid JSON body: {e}")))
}

/// The body as JSON: 415 unless the content type is `application/json`
/// (or `application/*+json`), 400 with serde's message when it does not parse.
impl<T: DeserializeOwned + Send> FromBody for Json<T> {
    async fn from_body(event: &mut H3Event) -> Result<Self, HttpError> {
        if !is_json(event) {
            return Err(unsupported("application/json"));
        }
        parse_json(&event.body_bytes().await?)
    }
}

/// `None` for an empty body; a body that is not JSON is still a 415 or a 400.
impl<T: DeserializeOwned + Send> OptionalFromBody for Json<T> {
    async fn from_body_optional(event: &mut H3Event) -> Result<Option<Self>, HttpError> {
        let bytes = event.body_bytes().await?;
        if bytes.is_empty() {
            return Ok(None);
        }
        if !is_json(event) {
            return Err(unsupported("application/json"));
        }
        parse_json(&bytes).map(Some)
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

fn is_form(event: &H3Event) -> bool {
    content_type_is(event, |mime| mime == "application/x-www-form-urlencoded")
}

fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<Form<T>, HttpError> {
    serde_urlencoded::from_bytes(bytes)
        .map(Form)
        .map_err(|e| HttpError::bad_request(format!("Invalid form body: {e}")))
}

/// 415 unless the content type is `application/x-www-form-urlencoded`, 400 when it does not
/// deserialize.
impl<T: DeserializeOwned + Send> FromBody for Form<T> {
    async fn from_body(event: &mut H3Event) -> Result<Self, HttpError> {
        if !is_form(event) {
            return Err(unsupported("application/x-www-form-urlencoded"));
        }
        parse_form(&event.body_bytes().await?)
    }
}

/// `None` for an empty body; anything else is read as `Form<T>` is.
impl<T: DeserializeOwned + Send> OptionalFromBody for Form<T> {
    async fn from_body_optional(event: &mut H3Event) -> Result<Option<Self>, HttpError> {
        let bytes = event.body_bytes().await?;
        if bytes.is_empty() {
            return Ok(None);
        }
        if !is_form(event) {
            return Err(unsupported("application/x-www-form-urlencoded"));
        }
        parse_form(&bytes).map(Some)
    }
}

/// The raw body, within the body limit.
impl FromBody for Bytes {
    async fn from_body(event: &mut H3Event) -> Result<Self, HttpError> {
        event.body_bytes().await
    }
}

/// `None` for an empty body.
impl OptionalFromBody for Bytes {
    async fn from_body_optional(event: &mut H3Event) -> Result<Option<Self>, HttpError> {
        let bytes = event.body_bytes().await?;
        Ok((!bytes.is_empty()).then_some(bytes))
    }
}

fn utf8(bytes: Bytes) -> Result<String, HttpError> {
    String::from_utf8(bytes.into())
        .map_err(|_| HttpError::bad_request("Request body is not valid UTF-8"))
}

/// The body as UTF-8 text (400 if it is not UTF-8).
impl FromBody for String {
    async fn from_body(event: &mut H3Event) -> Result<Self, HttpError> {
        utf8(event.body_bytes().await?)
    }
}

/// `None` for an empty body.
impl OptionalFromBody for String {
    async fn from_body_optional(event: &mut H3Event) -> Result<Option<Self>, HttpError> {
        let bytes = event.body_bytes().await?;
        if bytes.is_empty() {
            return Ok(None);
        }
        utf8(bytes).map(Some)
    }
}

/// The request's headers, cloned.
impl FromEvent for HeaderMap {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        Ok(event.headers().clone())
    }
}

/// The request's method.
impl FromEvent for Method {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        Ok(event.method().clone())
    }
}

/// The request's URI.
impl FromEvent for Uri {
    async fn from_event(event: &mut H3Event) -> Result<Self, HttpError> {
        Ok(event.uri().clone())
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

/// A 500 when the app has no state of type `T`; the app reports it before serving (see
/// [`Requirements`]).
impl<T: Clone + Send + Sync + 'static> FromEvent for State<T> {
    fn requires(requirements: &mut Requirements) {
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

/// `None` when the app has no state of type `T`; `Option<State<T>>` requires nothing.
impl<T: Clone + Send + Sync + 'static> OptionalFromEvent for State<T> {
    async fn from_event_optional(event: &mut H3Event) -> Result<Option<Self>, HttpError> {
        Ok(event.state::<T>().cloned().map(State))
    }
}

/// `None` when the app is not served over a socket (through [`H3::handle`](crate::H3::handle)).
impl OptionalFromEvent for crate::event::RemoteAddr {
    async fn from_event_optional(event: &mut H3Event) -> Result<Option<Self>, HttpError> {
        Ok(event.remote_addr().map(crate::event::RemoteAddr))
    }
}
