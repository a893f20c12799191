// Expansion of:
//
// #[cfg(feature = "items")]
// #[h3rs::put("/items/:type/:id")]
// #[tracing::instrument(skip(item, event))]
// async fn put_item(r#type: String, mut id: u32, Json(item): Json<Item>, _: Query<Ignored>, event: H3Event) -> StatusCode {
//     id += 1;
//     store(r#type, id, item, event).await
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

#[cfg(feature = "items")]
#[allow(dead_code, non_camel_case_types)]
#[derive(Clone, Copy, Debug)]
struct put_item {}
#[cfg(feature = "items")]
#[allow(dead_code)]
impl put_item {
    /// The handler as written: `PUT /items/:type/:id`.
    #[tracing::instrument(skip(item, event))]
    async fn handler(
        r#type: String,
        mut id: u32,
        Json(item): Json<Item>,
        _: Query<Ignored>,
        event: H3Event,
    ) -> StatusCode {
        id += 1;
        store(r#type, id, item, event).await
    }
    /// Binds the request to the handler's parameters and calls it.
    ///
    /// # Errors
    ///
    /// The error of the first parameter that cannot be bound from the request.
    async fn call(
        mut event: ::h3rs::H3Event,
    ) -> ::std::result::Result<impl ::h3rs::IntoResponse, ::h3rs::HttpError> {
        let r#type: String = event.param("type")?;
        let id: u32 = event.param("id")?;
        let arg2 = <Json<Item> as ::h3rs::FromEvent>::from_event(&mut event).await?;
        let arg3 = <Query<Ignored> as ::h3rs::FromEvent>::from_event(&mut event).await?;
        ::std::result::Result::Ok(Self::handler(r#type, id, arg2, arg3, event).await)
    }
}
/// Registers `PUT /items/:type/:id` on an app: `app.register(put_item)`.
#[cfg(feature = "items")]
fn put_item(app: ::h3rs::H3) -> ::h3rs::H3 {
    app.on(::h3rs::Method::PUT, "/items/:type/:id", put_item::call)
}
