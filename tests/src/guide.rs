//! The guide (`docs/`): each page's code blocks are doctests of this module, so
//! `cargo test --workspace` compiles every one of them (and runs those not marked `no_run`).
//! A page added to `docs/SUMMARY.md` gets a line here.

macro_rules! pages {
    ($($name:ident => $file:literal),* $(,)?) => {$(
        #[doc = include_str!(concat!("../../docs/", $file))]
        pub mod $name {}
    )*};
}

pages! {
    introduction => "introduction.md",
    routing => "routing.md",
    extractors => "extractors.md",
    responses => "responses.md",
    middleware => "middleware.md",
    websockets => "websockets.md",
    sse => "sse.md",
    testing => "testing.md",
    configuration => "configuration.md",
    deployment => "deployment.md",
    shutdown => "shutdown.md",
    expansions => "expansions.md",
    from_axum => "from-axum.md",
    tls => "tls.md",
}
