// Expansion of:
//
// #[get("/")]
// async fn index() -> Html<&'static str> {
//     Html("<h1>Hello</h1>")
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

#[allow(dead_code, non_camel_case_types)]
struct index {}
#[allow(dead_code)]
impl index {
    /// The function as written: `GET /`.
    async fn function() -> Html<&'static str> {
        Html("<h1>Hello</h1>")
    }
    /// Binds the request to the function's parameters and calls it.
    fn respond(
        _: ::h3rs::H3Event,
    ) -> impl ::std::future::Future<
        Output = ::std::result::Result<impl ::h3rs::IntoResponse, ::h3rs::HttpError>,
    > + use<> {
        async move { ::std::result::Result::Ok(Self::function().await) }
    }
}
impl ::h3rs::Handler for index {
    fn call(
        &self,
        event: ::h3rs::H3Event,
    ) -> ::h3rs::BoxFuture<'static, ::h3rs::Response> {
        let respond = Self::respond(event);
        ::std::boxed::Box::pin(async move {
            ::h3rs::IntoResponse::into_response(respond.await)
        })
    }
}
/// Registers `GET /` on an app: `app.register(index)`.
fn index(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.on(::h3rs::Method::GET, "/", index {})
}
