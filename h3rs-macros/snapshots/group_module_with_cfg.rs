// Expansion of:
//
// #[group]
// mod api {
//     #[get("/")]
//     async fn index() {}
//
//     #[cfg(debug_assertions)]
//     #[get("/debug")]
//     async fn debug() {}
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

mod api {
    #[get("/")]
    async fn index() {}
    #[cfg(debug_assertions)]
    #[get("/debug")]
    async fn debug() {}
    /// Every route of `mod api`, to register or mount.
    pub fn routes() -> ::h3rs::Routes {
        let routes = ::h3rs::Routes::new();
        let routes = routes.with(index);
        #[cfg(debug_assertions)]
        let routes = routes.with(debug);
        routes
    }
}
