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
pub(crate) struct echo {}
#[allow(dead_code)]
impl echo {
    /// The function as written: `POST /echo`.
    #[allow(clippy::needless_pass_by_value)]
    pub(crate) fn function(body: String) -> String {
        body
    }
    /// Binds the request to the function's parameters and calls it.
    fn respond(
        mut event: ::h3rs::H3Event,
    ) -> impl ::std::future::Future<
        Output = ::std::result::Result<impl ::h3rs::IntoResponse, ::h3rs::HttpError>,
    > + use<> {
        async move {
            let body = <String as ::h3rs::extract::Extract<_>>::extract(&mut event)
                .await?;
            ::std::result::Result::Ok(Self::function(body))
        }
    }
}
impl ::h3rs::Handler for echo {
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
        <String as ::h3rs::extract::Extract<_>>::requires(requirements);
    }
}
/// Registers `POST /echo` on an app: `app.register(echo)`.
pub(crate) fn echo(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.on(::h3rs::Method::POST, "/echo", echo {})
}
