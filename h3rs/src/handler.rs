//! `Handler`: what a route calls, and `Register`: what can add itself to an app.

use std::future::Future;
use std::pin::Pin;

use crate::event::H3Event;
use crate::response::{IntoResponse, Response};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Serves a request whose route matched.
///
/// Implemented for every `Fn(H3Event) -> impl Future<Output = impl IntoResponse>`,
/// which is what the route macros generate and what hand-written routes use.
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
    fn call(&self, event: H3Event) -> BoxFuture<'static, Response>;
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
