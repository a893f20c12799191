// Expansion of:
//
// /// Serves files, whatever the method.
// #[all("/files/**:path")]
// async fn files(path: String, event: &mut H3Event) -> Result<Bytes, HttpError> {
//     event.headers_mut().remove("cookie");
//     read(&path).await
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

/// Serves files, whatever the method.
#[allow(dead_code, non_camel_case_types)]
struct files {}
#[allow(dead_code)]
impl files {
    /// The function as written: `/files/**:path`, every method,.
    async fn function(path: String, event: &mut H3Event) -> Result<Bytes, HttpError> {
        event.headers_mut().remove("cookie");
        read(&path).await
    }
    /// Binds the request to the function's parameters and calls it.
    fn respond(
        mut event: ::h3rs::H3Event,
    ) -> impl ::std::future::Future<
        Output = ::std::result::Result<impl ::h3rs::IntoResponse, ::h3rs::HttpError>,
    > + use<> {
        async move {
            let path: String = event.param("path")?;
            ::std::result::Result::Ok(Self::function(path, &mut event).await)
        }
    }
}
impl ::h3rs::Handler for files {
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
/// Serves files, whatever the method.
///
/// Registers `/files/**:path`, every method, on an app: `app.register(files)`.
fn files(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.all("/files/**:path", files {})
}
