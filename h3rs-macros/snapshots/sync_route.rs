// Expansion of:
//
// #[post("/echo")]
// #[allow(clippy::needless_pass_by_value)]
// pub(crate) fn echo(body: String) -> String {
//     body
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

#[allow(dead_code, non_camel_case_types)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct echo {}
#[allow(dead_code)]
impl echo {
    /// The handler as written: `POST /echo`.
    #[allow(clippy::needless_pass_by_value)]
    pub(crate) fn handler(body: String) -> String {
        body
    }
    /// Binds the request to the handler's parameters and calls it.
    ///
    /// # Errors
    ///
    /// The error of the first parameter that cannot be bound from the request.
    pub(crate) async fn call(
        mut event: ::h3rs::H3Event,
    ) -> ::std::result::Result<impl ::h3rs::IntoResponse, ::h3rs::HttpError> {
        let body = <String as ::h3rs::FromEvent>::from_event(&mut event).await?;
        ::std::result::Result::Ok(Self::handler(body))
    }
}
/// Registers `POST /echo` on an app: `app.register(echo)`.
pub(crate) fn echo(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.on(::h3rs::Method::POST, "/echo", echo::call)
}
