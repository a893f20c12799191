//! Tower layers around an app or around a mounted app's routes.
//!
//! A layer is a function from a service to a service, and tower's layers are generic over the
//! service they wrap. An app stores its layers type-erased, as functions from
//! [`InnerService`] to [`InnerService`], and stacks them when it is served (around the whole
//! app) or mounted (around each of its routes, after routing). Nothing here runs for an app
//! without layers.

use std::convert::Infallible;
use std::future::poll_fn;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::Map;
use tower_service::Service;

use crate::Request;
use crate::app::App;
use crate::body::{Body, BoxError};
use crate::error::HttpError;
use crate::event::{Connection, EventRest, H3Event};
use crate::handler::{BoxFuture, Handler};
use crate::response::{IntoResponse, Response};

/// The service a layer given to [`H3::layer`](crate::H3::layer) wraps: the rest of the app
/// (or of a mounted app's route), type-erased. Cheap to clone.
///
/// It takes requests with any body (tower-http's `RequestBodyLimitLayer` hands on a
/// `Limited<B>`) and never fails: errors are already responses.
#[derive(Clone)]
pub struct InnerService(Arc<dyn Erased>);

impl std::fmt::Debug for InnerService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InnerService")
    }
}

impl InnerService {
    /// Calls the service without `poll_ready`, which is always ready.
    pub(crate) fn call_erased(&self, request: Request) -> BoxFuture<'static, Response> {
        self.0.call(request)
    }
}

impl<B> Service<http::Request<B>> for InnerService
where
    B: http_body::Body + Send + 'static,
    B::Data: Into<Bytes>,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Map<BoxFuture<'static, Response>, fn(Response) -> Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let ok: fn(Response) -> Result<Response, Infallible> = Ok;
        self.0.call(request.map(Body::from_any)).map(ok)
    }
}

/// What a layer's service must be for [`H3::layer`](crate::H3::layer) to take it: a tower
/// `Service` of h3rs requests, cloneable and shareable between threads (tower-http's are),
/// whose response body is any `http_body::Body` and whose error converts into a
/// [`BoxError`]. Implemented for every such service; there is nothing to implement.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot wrap an h3rs app",
    label = "the service this layer makes does not fit",
    note = "a layer's service must implement `tower::Service<h3rs::Request>` with a `Response = http::Response<B>` (any `B: http_body::Body + Send`, data into `Bytes`, error into a `BoxError`), be `Clone + Send + Sync + 'static`, have a `Send` future and an error that converts into a `BoxError`"
)]
pub trait LayeredService: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_inner(self) -> InnerService;
}

impl<S, B> LayeredService for S
where
    S: Service<Request, Response = http::Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Into<Bytes>,
    B::Error: Into<BoxError>,
{
    fn into_inner(self) -> InnerService {
        InnerService(Arc::new(Layered(self)))
    }
}

/// A type-erased layer: wraps what is inside it.
pub(crate) type LayerFn = Arc<dyn Fn(InnerService) -> InnerService + Send + Sync>;

pub(crate) fn layer_fn<L>(layer: L) -> LayerFn
where
    L: tower_layer::Layer<InnerService> + Send + Sync + 'static,
    L::Service: LayeredService,
{
    Arc::new(move |inner| layer.layer(inner).into_inner())
}

/// `core` under `layers`, the first one innermost.
pub(crate) fn stack(core: InnerService, layers: &[LayerFn]) -> InnerService {
    layers.iter().fold(core, |inner, layer| layer(inner))
}

/// A calling convention for services behind an `Arc`: `&self`, and a future that owns
/// what it needs.
trait Erased: Send + Sync {
    fn call(&self, request: Request) -> BoxFuture<'static, Response>;
}

/// A layer's service, erased.
struct Layered<S>(S);

impl<S, B> Erased for Layered<S>
where
    S: Service<Request, Response = http::Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Into<Bytes>,
    B::Error: Into<BoxError>,
{
    fn call(&self, request: Request) -> BoxFuture<'static, Response> {
        // Tower's contract: a clone per call, made ready before it is called.
        let mut service = self.0.clone();
        Box::pin(async move {
            let ready = poll_fn(|cx| service.poll_ready(cx).map_err(Into::into)).await;
            let result: Result<_, BoxError> = match ready {
                Ok(()) => service.call(request).await.map_err(Into::into),
                Err(e) => Err(e),
            };
            match result {
                Ok(response) => response.map(Body::from_any),
                Err(e) => {
                    tracing::error!(error = %e, "a tower layer failed");
                    HttpError::internal("Internal Server Error").into_response()
                }
            }
        })
    }
}

/// The innermost service of an app's own layers: the whole app.
struct AppCore(Arc<App>);

pub(crate) fn app_core(app: Arc<App>) -> InnerService {
    InnerService(Arc::new(AppCore(app)))
}

impl Erased for AppCore {
    fn call(&self, request: Request) -> BoxFuture<'static, Response> {
        let app = self.0.clone();
        let (mut parts, body) = request.into_parts();
        let connection = parts.extensions.remove::<Arc<Connection>>();
        Box::pin(app.serve_request(parts, body, connection))
    }
}

/// The innermost service of a mounted app's layers: one of its routes' handler, called
/// once the request is back from the layers as an event.
struct HandlerCore(Arc<dyn Handler>);

impl Erased for HandlerCore {
    fn call(&self, mut request: Request) -> BoxFuture<'static, Response> {
        match request.extensions_mut().remove::<EventRest>() {
            Some(rest) => self.0.call(H3Event::from_request(request, rest)),
            None => {
                tracing::error!("a tower layer replaced the request's extensions");
                let err = HttpError::internal("Internal Server Error");
                Box::pin(async move { err.into_response() })
            }
        }
    }
}

/// A mounted app's route handler under the app's layers: the event travels through them
/// as a request, the rest of it in the request's extensions.
struct LayeredHandler {
    handler: Arc<dyn Handler>,
    stack: InnerService,
}

impl Handler for LayeredHandler {
    fn call(&self, event: H3Event) -> BoxFuture<'static, Response> {
        let (mut request, rest) = event.into_request();
        request.extensions_mut().insert(rest);
        self.stack.call_erased(request)
    }

    fn requires(&self, requirements: &mut crate::Requirements) {
        self.handler.requires(requirements);
    }
}

/// An error answer, as a handler, to put under a mounted app's layers: made for one request.
struct Refusal(std::sync::Mutex<Option<HttpError>>);

impl Handler for Refusal {
    fn call(&self, _: H3Event) -> BoxFuture<'static, Response> {
        let taken = self.0.lock().map(|mut err| err.take()).ok().flatten();
        let err = taken.unwrap_or_else(|| HttpError::internal("Internal Server Error"));
        let response = err.into_response();
        Box::pin(async move { response })
    }
}

/// `err` under `layers` (innermost first), for the router's 405 or 426 on a path of a
/// mounted app that has layers.
pub(crate) fn refusal(err: HttpError, layers: &[LayerFn]) -> Arc<dyn Handler> {
    wrap_handler(Arc::new(Refusal(std::sync::Mutex::new(Some(err)))), layers)
}

/// `handler` under `layers`; `handler` itself when there are none.
pub(crate) fn wrap_handler(handler: Arc<dyn Handler>, layers: &[LayerFn]) -> Arc<dyn Handler> {
    if layers.is_empty() {
        return handler;
    }
    let core = InnerService(Arc::new(HandlerCore(handler.clone())));
    Arc::new(LayeredHandler {
        handler,
        stack: stack(core, layers),
    })
}
