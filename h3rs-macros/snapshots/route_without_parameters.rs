// Expansion of:
//
// #[get("/")]
// async fn index() -> Html<&'static str> {
//     Html("<h1>Hello</h1>")
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

#[allow(dead_code, non_camel_case_types)]
#[derive(Clone, Copy, Debug)]
struct index {}
#[allow(dead_code)]
impl index {
    /// The handler as written: `GET /`.
    async fn handler() -> Html<&'static str> {
        Html("<h1>Hello</h1>")
    }
    /// Binds the request to the handler's parameters and calls it.
    ///
    /// # Errors
    ///
    /// Never: no parameter is bound from the request.
    async fn call(
        _: ::h3rs::H3Event,
    ) -> ::std::result::Result<impl ::h3rs::IntoResponse, ::h3rs::HttpError> {
        ::std::result::Result::Ok(Self::handler().await)
    }
}
/// Registers `GET /` on an app: `app.register(index)`.
fn index(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.on(::h3rs::Method::GET, "/", index::call)
}
