// Expansion of:
//
// #[group]
// mod live {
//     #[get("/")]
//     pub async fn page() -> Html<&'static str> {
//         Html("<p>live</p>")
//     }
//
//     h3rs::yielding! {
//         #[sse("/events")]
//         pub async fn events() {
//             yield "hello";
//         }
//
//         #[cfg(debug_assertions)]
//         #[sse("/debug")]
//         pub async fn debug() {
//             yield "debug";
//         }
//     }
// }
//
// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.

mod live {
    #[get("/")]
    pub async fn page() -> Html<&'static str> {
        Html("<p>live</p>")
    }
    h3rs::yielding! {
        #[sse("/events")] pub async fn events() { yield "hello"; }
        #[cfg(debug_assertions)] #[sse("/debug")] pub async fn debug() { yield "debug"; }
    }
    /// Every route of `mod live`, to register or mount.
    pub fn routes() -> ::h3rs::Routes {
        let routes = ::h3rs::Routes::new();
        let routes = routes.with(page);
        let routes = routes.with(events);
        #[cfg(debug_assertions)]
        let routes = routes.with(debug);
        routes
    }
}
