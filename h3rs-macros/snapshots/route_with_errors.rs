// Expansion of:
//
// /// Docs.
// #[get("users/:id")]
// pub async fn user(idd: u64) -> String {
//     idd.to_string()
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

::core::compile_error! {
    "route paths start with `/`: write \"/users/:id\""
}
/// Docs.
#[allow(dead_code, non_camel_case_types)]
pub struct user {}
#[allow(dead_code)]
impl user {
    pub async fn function(idd: u64) -> String {
        idd.to_string()
    }
}
/// Docs.
///
/// Registers nothing: the route has errors.
pub fn user(app: ::h3rs::H3) -> ::h3rs::H3 {
    app
}
