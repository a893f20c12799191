//! `Handler`: what a route calls, and `Register`: what can add itself to an app.

use std::future::Future;
use std::pin::Pin;

use crate::event::H3Event;
use crate::response::{IntoResponse, Response};

/// A boxed, sendable future.
///
/// It gives a name to the futures of [`Handler`] and
/// [`Middleware`](crate::Middleware), which are trait objects.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use h3rs::BoxFuture;
///
/// fn lookup(id: u64) -> BoxFuture<'static, Option<String>> {
///     Box::pin(async move { (id == 7).then(|| "ada".to_owned()) })
/// }
///
/// assert_eq!(lookup(7).await.as_deref(), Some("ada"));
/// # }
/// ```
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Serves a request whose route matched.
///
/// Implemented for every `Fn(H3Event) -> impl Future<Output = impl IntoResponse>`, which is
/// what hand-written routes use. The route macros implement it for the struct of the route's
/// name, so that [`requires`](Handler::requires) reports what its extractors need.
///
/// ```
/// use h3rs::{H3, H3Event};
/// async fn hello(_event: H3Event) -> &'static str {
///     "hello"
/// }
/// let app = H3::new().get("/", hello);
/// # let _ = app;
/// ```
pub trait Handler: Send + Sync + 'static {
    /// Runs the handler.
    ///
    /// Implement it by hand for a handler that is a value rather than a
    /// function:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use h3rs::{BoxFuture, H3, H3Event, Handler, IntoResponse, Response};
    ///
    /// struct Fixed(&'static str);
    ///
    /// impl Handler for Fixed {
    ///     fn call(&self, _event: H3Event) -> BoxFuture<'static, Response> {
    ///         let text = self.0;
    ///         Box::pin(async move { text.into_response() })
    ///     }
    /// }
    ///
    /// let app = H3::new().get("/", Fixed("static reply"));
    /// let res = app.handle(h3rs::Request::new(h3rs::Body::empty())).await;
    /// assert_eq!(res.status(), 200);
    /// # }
    /// ```
    fn call(&self, event: H3Event) -> BoxFuture<'static, Response>;

    /// Records what the handler needs from its app (see [`Requirements`](crate::Requirements)),
    /// checked before the app serves. The route macros implement it from the extractors of
    /// the function's parameters; the default needs nothing.
    fn requires(&self, requirements: &mut crate::Requirements) {
        let _ = requirements;
    }
}

impl<F, Fut, R> Handler for F
where
    F: Fn(H3Event) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoResponse,
{
    fn call(&self, event: H3Event) -> BoxFuture<'static, Response> {
        let future = self(event);
        Box::pin(async move { future.await.into_response() })
    }
}
