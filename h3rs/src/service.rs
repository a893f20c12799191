//! An app as a tower `Service`, to nest it in tower and hyper stacks or serve it with hyper.

use std::convert::Infallible;
use std::task::{Context, Poll};

use bytes::Bytes;
use tower_service::Service;

use crate::app::H3;
use crate::body::{Body, BoxError};
use crate::handler::BoxFuture;
use crate::response::Response;

/// An app is a tower `Service` of requests with any body, under its
/// [layers](H3::layer); it is always ready and never fails (errors are responses). Clones
/// share the app, so a clone per connection or per request is cheap.
///
/// Served by hyper directly, through hyper-util's `TowerToHyperService`, WebSocket routes
/// work when the connection allows upgrades (`serve_connection_with_upgrades`). What
/// [`serve`](fn@crate::serve) adds is the rest of a server: limits, idle timeouts, graceful
/// shutdown, the client's address ([`H3Event::remote_addr`](crate::H3Event::remote_addr) is
/// `None` here).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use h3rs::{H3, H3Event};
/// use tower_service::Service;
///
/// let mut app = H3::new().get("/", |_: H3Event| async { "hi" });
/// // Any body: here http-body-util's `Full`, as a tower stack might hand on.
/// let request = h3rs::http::Request::new(http_body_util::Full::new(h3rs::Bytes::from("")));
/// let response = app.call(request).await.unwrap();
/// assert_eq!(response.status(), 200);
/// # }
/// ```
impl<B> Service<http::Request<B>> for H3
where
    B: http_body::Body + Send + 'static,
    B::Data: Into<Bytes>,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        // Served from `self`, whose layer stack is built once, not from a clone that would
        // build it again.
        let (parts, body) = request.into_parts();
        let response = self.serve(parts, Body::from_any(body), None);
        Box::pin(async move { Ok(response.await) })
    }
}
