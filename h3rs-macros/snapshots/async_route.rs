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
#[derive(Clone, Copy, Debug)]
pub struct user {}
#[allow(dead_code)]
impl user {
    /// The handler as written: `GET /users/:id`.
    pub async fn handler(
        id: u64,
        q: Query<Paging>,
        event: &H3Event,
    ) -> Result<Json<User>, HttpError> {
        tracing::debug!(path = event.path(), page = q.0.page);
        Ok(Json(User::find(id).await?))
    }
    /// Binds the request to the handler's parameters and calls it.
    ///
    /// # Errors
    ///
    /// The error of the first parameter that cannot be bound from the request.
    pub async fn call(
        mut event: ::h3rs::H3Event,
    ) -> ::std::result::Result<impl ::h3rs::IntoResponse, ::h3rs::HttpError> {
        let id: u64 = event.param("id")?;
        let q = <Query<Paging> as ::h3rs::FromEvent>::from_event(&mut event).await?;
        ::std::result::Result::Ok(Self::handler(id, q, &event).await)
    }
}
/// Docs.
///
/// Registers `GET /users/:id` on an app: `app.register(user)`.
pub fn user(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.on(::h3rs::Method::GET, "/users/:id", user::call)
}
