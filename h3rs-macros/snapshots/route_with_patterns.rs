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

::core::compile_error! {
    "`Json<Item>` reads the request body, so it must be the last extractor: move `Json(item): Json<Item>` after `_: Query<Ignored>`"
}
#[cfg(feature = "items")]
#[allow(dead_code, non_camel_case_types)]
struct put_item {}
#[cfg(feature = "items")]
#[allow(dead_code)]
impl put_item {
    #[tracing::instrument(skip(item, event))]
    async fn function(
        r#type: String,
        mut id: u32,
        Json(item): Json<Item>,
        _: Query<Ignored>,
        event: H3Event,
    ) -> StatusCode {
        id += 1;
        store(r#type, id, item, event).await
    }
}
/// Registers nothing: the route has errors.
#[cfg(feature = "items")]
fn put_item(app: ::h3rs::H3) -> ::h3rs::H3 {
    app
}
