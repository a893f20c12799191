//! `run`: the `main` of a served app, as `h3rs::serve!` writes it.

use std::future::Future;
use std::process::ExitCode;

use crate::app::H3;
use crate::server::ServeOptions;

/// Installs a tracing subscriber (filtered by `RUST_LOG`; without it, `info,h3rs::request=off`),
/// builds a multi-threaded tokio runtime, builds the app, and serves it
/// with [`serve`](fn@crate::serve) until Ctrl-C or SIGTERM. Exits 0 after a
/// graceful shutdown, 1 if the server could not start.
///
/// The app is built inside the runtime, so building it may await
/// (connecting to a database) and spawn tasks.
///
/// The server logs each request at `info` on target `h3rs::request` (method, path, status,
/// latency to the response head: once for a WebSocket's 101 or an event stream's 200). The
/// default filter leaves that target off: one line per request cost 7 to 16 % more CPU per
/// request of a hello-world route. `RUST_LOG=info` shows every request;
/// `RUST_LOG=warn,h3rs::request=info` only them.
///
/// ```no_run
/// use h3rs::{H3, H3Event};
///
/// fn main() -> std::process::ExitCode {
///     h3rs::run(async { H3::new().get("/", |_: H3Event| async { "hi" }) })
/// }
/// ```
pub fn run<F: Future<Output = H3>>(app: F) -> ExitCode {
    run_with(ServeOptions::from_env, app)
}

/// [`run`] with options of your own, made after the tracing subscriber is installed (so
/// that what making them logs is seen): for a `main` that sets what the environment cannot,
/// a TLS certificate from memory, say.
///
/// ```no_run
/// use h3rs::{H3, H3Event, ServeOptions};
///
/// fn main() -> std::process::ExitCode {
///     let options = || ServeOptions::from_env().max_connections(10_000);
///     h3rs::run_with(options, async { H3::new().get("/", |_: H3Event| async { "hi" }) })
/// }
/// ```
pub fn run_with<F: Future<Output = H3>>(
    options: impl FnOnce() -> ServeOptions,
    app: F,
) -> ExitCode {
    install_tracing();
    let options = options();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the tokio runtime");
            return ExitCode::FAILURE;
        }
    };
    let served = runtime.block_on(async {
        let app = app.await;
        crate::server::serve_with(app, options).await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            ExitCode::FAILURE
        }
    }
}

/// The filter when `RUST_LOG` is unset: `info`, but not a line per request (measured in
/// `benches/README.md`: it costs 7 to 16 % more CPU per request of a small route).
#[cfg(feature = "logging")]
const DEFAULT_FILTER: &str = "info,h3rs::request=off";

#[cfg(not(feature = "logging"))]
fn install_tracing() {}

#[cfg(feature = "logging")]
fn install_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Someone may have installed a subscriber already; theirs wins.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .try_init();
}
