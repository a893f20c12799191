//! Middleware: code around the handler, H3's `(event, next)`.

use std::future::Future;
use std::sync::Arc;

use crate::error::HttpError;
use crate::event::H3Event;
use crate::handler::{BoxFuture, Handler};
use crate::path_scope::PathScope;
use crate::responding::Pipeline;
use crate::response::{IntoResponse, Response};

/// Runs around the rest of the pipeline: it can look at or change the
/// event, answer by itself without calling `next`, or call
/// [`Next::run`] and change the response.
///
/// Implemented for every `Fn(H3Event, Next) -> impl Future<Output = impl IntoResponse>`.
///
/// ```
/// use h3rs::{H3, H3Event, Next};
///
/// async fn timing(event: H3Event, next: Next) -> h3rs::Response {
///     let started = std::time::Instant::now();
///     let mut res = next.run(event).await;
///     let ms = started.elapsed().as_millis().to_string();
///     res.headers_mut().insert("x-time-ms", ms.parse().unwrap());
///     res
/// }
///
/// let app = H3::new().middleware(timing).get("/", |_: H3Event| async { "hi" });
/// ```
pub trait Middleware: Send + Sync + 'static {
    /// Handles the event, calling `next` to go on.
    ///
    /// Implement it by hand for middleware that carries configuration:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use h3rs::{BoxFuture, H3, H3Event, Middleware, Next, Response};
    ///
    /// struct PoweredBy(&'static str);
    ///
    /// impl Middleware for PoweredBy {
    ///     fn handle(&self, event: H3Event, next: Next) -> BoxFuture<'static, Response> {
    ///         let name = self.0;
    ///         Box::pin(async move {
    ///             let mut res = next.run(event).await;
    ///             res.headers_mut().insert("x-powered-by", name.parse().unwrap());
    ///             res
    ///         })
    ///     }
    /// }
    ///
    /// let app = H3::new().middleware(PoweredBy("h3rs"));
    /// let res = app.handle(h3rs::Request::new(h3rs::Body::empty())).await;
    /// // Middleware sees every response, the 404 of a missing route too.
    /// assert_eq!(res.status(), 404);
    /// assert_eq!(res.headers()["x-powered-by"], "h3rs");
    /// # }
    /// ```
    fn handle(&self, event: H3Event, next: Next) -> BoxFuture<'static, Response>;
}

impl<F, Fut, R> Middleware for F
where
    F: Fn(H3Event, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoResponse,
{
    fn handle(&self, event: H3Event, next: Next) -> BoxFuture<'static, Response> {
        let future = self(event, next);
        Box::pin(async move { future.await.into_response() })
    }
}

/// A middleware, for every path or only for paths in its scope.
#[derive(Clone)]
pub(crate) struct MiddlewareEntry {
    pub(crate) scope: PathScope,
    pub(crate) middleware: Arc<dyn Middleware>,
}

/// What the pipeline ends in once middleware has run: the matched route's handler, or the
/// error the router's answer stands for (404, 405, 426).
pub(crate) enum Endpoint {
    Handler(Arc<dyn Handler>),
    Error(HttpError),
}

/// The rest of the pipeline, given to a middleware.
///
/// A middleware that does not call [`Next::run`] answers by itself:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use h3rs::{H3, H3Event, IntoResponse, Next, StatusCode};
///
/// let app = H3::new()
///     .middleware(|event: H3Event, next: Next| async move {
///         if event.path().starts_with("/.git") {
///             return StatusCode::FORBIDDEN.into_response();
///         }
///         next.run(event).await
///     })
///     .get("/.git/config", |_: H3Event| async { "secrets" });
/// let req = h3rs::http::Request::builder().uri("/.git/config").body(h3rs::Body::empty());
/// assert_eq!(app.handle(req.unwrap()).await.status(), 403);
/// # }
/// ```
pub struct Next {
    chain: Arc<Vec<MiddlewareEntry>>,
    index: usize,
    endpoint: Endpoint,
}

impl Next {
    pub(crate) fn new(chain: Arc<Vec<MiddlewareEntry>>, endpoint: Endpoint) -> Self {
        Next {
            chain,
            index: 0,
            endpoint,
        }
    }

    /// Runs the remaining middleware whose scope covers the request, in the
    /// order they were added, then the handler, or the router's error (404,
    /// 405, 426) when no route matched. It consumes `self`, so the rest of
    /// the pipeline runs at most once. See [`Middleware`] for an example.
    ///
    /// The next middleware (or the handler) is called right away and its future returned
    /// as it is: a request's future stays as small as the handler's, not the size of every
    /// layer of the pipeline.
    pub fn run(self, event: H3Event) -> impl Future<Output = Response> + Send + 'static {
        self.start(event)
    }

    /// [`Next::run`], as the pipeline the app's [`Responding`](crate::responding) polls.
    pub(crate) fn start(mut self, event: H3Event) -> Pipeline {
        while let Some(entry) = self.chain.get(self.index) {
            self.index += 1;
            if entry.scope.applies_to(event.method(), event.path()) {
                let middleware = entry.middleware.clone();
                return Pipeline::Running(middleware.handle(event, self));
            }
        }
        match self.endpoint {
            Endpoint::Handler(handler) => Pipeline::Running(handler.call(event)),
            Endpoint::Error(err) => Pipeline::Ready(Some(err.into_response())),
        }
    }
}
