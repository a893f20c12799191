//! The list macros: `app!`, `routes!` and `serve!` only forward their items to the builder,
//! so they are `macro_rules!`, which keep each item's span for the compiler's errors.

/// An app: `app![a, b]` is `h3rs::H3::new().register(a).register(b)`.
///
/// ```
/// use h3rs::prelude::*;
///
/// #[get("/")]
/// async fn index() -> &'static str { "index" }
///
/// let app = h3rs::app![index];
/// assert_eq!(app.routes().count(), 1);
/// ```
#[macro_export]
macro_rules! app {
    ($($item:expr),* $(,)?) => {
        $crate::H3::new() $(.register($item))*
    };
}

/// A group of routes: `routes![a, b]` is `h3rs::Routes::new().with(a).with(b)`, to register or
/// to mount under a prefix.
///
/// ```
/// use h3rs::prelude::*;
///
/// #[get("/users")]
/// async fn users() -> &'static str { "[]" }
///
/// let api: h3rs::Routes = h3rs::routes![users];
/// let app = H3::new().mount("/api", api);
/// assert!(app.routes().any(|(_, pattern)| pattern == "/api/users"));
/// ```
#[macro_export]
macro_rules! routes {
    ($($item:expr),* $(,)?) => {
        $crate::Routes::new() $(.with($item))*
    };
}

/// A `main` that serves an app on `HOST`/`PORT` until Ctrl-C or SIGTERM: `serve!(a, b)` is
/// `fn main() -> ExitCode { h3rs::run(async { H3::new().register(a).register(b) }) }`.
///
/// The items are evaluated inside an async block, so they may `.await`. An item may be a whole
/// app, with [layers](crate::H3::layer): `serve!(app)` serves it as it is.
///
/// Logging: [`run`](fn@crate::run) installs a `tracing` subscriber filtered by `RUST_LOG`,
/// `info,h3rs::request=off` when unset. The server logs each request (method, path, status,
/// latency) at `info` on target `h3rs::request`, off by default because a line per request
/// costs throughput: `RUST_LOG=info` shows them.
///
/// With the `tls` feature, `TLS_CERT` and `TLS_KEY` (paths of PEM files) make it serve HTTPS,
/// with HTTP/2 offered by ALPN ([`ServeOptions::from_env`](crate::ServeOptions::from_env)); for
/// options set in code, write `main` with [`run_with`](crate::run_with).
///
/// ```no_run
/// use h3rs::prelude::*;
///
/// #[get("/")]
/// async fn index() -> &'static str { "index" }
///
/// h3rs::serve!(index);
/// ```
#[macro_export]
macro_rules! serve {
    () => {
        ::std::compile_error!("serve! needs the routes to serve: write `h3rs::serve!(index, user)`");
        // `main` still exists, so the error is not followed by "`main` function not found".
        fn main() {}
    };
    ($($item:expr),+ $(,)?) => {
        fn main() -> ::std::process::ExitCode {
            $crate::run(async { $crate::H3::new() $(.register($item))+ })
        }
    };
}
