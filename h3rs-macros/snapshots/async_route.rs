// Expansion of:
//
// /// Docs.
// #[get("/users/:id")]
// pub async fn user(id: u64, q: Query<Paging>, event: &H3Event) -> Result<Json<User>, HttpError> {
//     tracing::debug!(path = event.path(), page = q.0.page);
//     Ok(Json(User::find(id).await?))
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

/// Docs.
#[allow(dead_code, non_camel_case_types)]
pub struct user {}
#[allow(dead_code)]
impl user {
    /// The function as written: `GET /users/:id`.
    pub async fn function(
        id: u64,
        q: Query<Paging>,
        event: &H3Event,
    ) -> Result<Json<User>, HttpError> {
        tracing::debug!(path = event.path(), page = q.0.page);
        Ok(Json(User::find(id).await?))
    }
    /// Binds the request to the function's parameters and calls it.
    fn respond(
        mut event: ::h3rs::H3Event,
    ) -> impl ::std::future::Future<
        Output = ::std::result::Result<impl ::h3rs::IntoResponse, ::h3rs::HttpError>,
    > + use<> {
        async move {
            let id: u64 = event.param("id")?;
            let q = <Query<Paging> as ::h3rs::extract::Extract<_>>::extract(&mut event)
                .await?;
            ::std::result::Result::Ok(Self::function(id, q, &event).await)
        }
    }
}
impl ::h3rs::Handler for user {
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
        <Query<Paging> as ::h3rs::extract::Extract<_>>::requires(requirements);
    }
}
/// Docs.
///
/// Registers `GET /users/:id` on an app: `app.register(user)`.
pub fn user(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.on(::h3rs::Method::GET, "/users/:id", user {})
}
