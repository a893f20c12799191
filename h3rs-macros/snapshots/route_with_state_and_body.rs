// Expansion of:
//
// #[post("/items")]
// async fn create(db: State<Db>, metrics: Option<State<Metrics>>, Json(item): Json<Item>) -> StatusCode {
//     db.insert(item).await
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

#[allow(dead_code, non_camel_case_types)]
struct create {}
#[allow(dead_code)]
impl create {
    /// The function as written: `POST /items`.
    async fn function(
        db: State<Db>,
        metrics: Option<State<Metrics>>,
        Json(item): Json<Item>,
    ) -> StatusCode {
        db.insert(item).await
    }
    /// Binds the request to the function's parameters and calls it.
    fn respond(
        mut event: ::h3rs::H3Event,
    ) -> impl ::std::future::Future<
        Output = ::std::result::Result<impl ::h3rs::IntoResponse, ::h3rs::HttpError>,
    > + use<> {
        async move {
            let db = <State<Db> as ::h3rs::FromEvent>::from_event(&mut event).await?;
            let metrics = <Option<
                State<Metrics>,
            > as ::h3rs::FromEvent>::from_event(&mut event)
                .await?;
            let arg2 = <Json<Item> as ::h3rs::extract::Extract<_>>::extract(&mut event)
                .await?;
            ::std::result::Result::Ok(Self::function(db, metrics, arg2).await)
        }
    }
}
impl ::h3rs::Handler for create {
    fn call(
        &self,
        event: ::h3rs::H3Event,
    ) -> ::h3rs::BoxFuture<'static, ::h3rs::Response> {
        let respond = Self::respond(event);
        ::std::boxed::Box::pin(async move {
            ::h3rs::IntoResponse::into_response(respond.await)
        })
    }
    fn requires(&self, requirements: &mut ::h3rs::Requirements) {
        <State<Db> as ::h3rs::FromEvent>::requires(requirements);
        <Option<State<Metrics>> as ::h3rs::FromEvent>::requires(requirements);
        <Json<Item> as ::h3rs::extract::Extract<_>>::requires(requirements);
    }
}
/// Registers `POST /items` on an app: `app.register(create)`.
fn create(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.on(::h3rs::Method::POST, "/items", create {})
}
