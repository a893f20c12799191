//! `Register`, the one trait every generated item implements, and `Routes`, a group of them.

use crate::app::H3;

/// Something that adds itself to an app: a route made by `#[get]` and
/// friends, a group of routes, a WebSocket handler, a whole sub-app.
///
/// `h3rs::serve!(a, b)` is `H3::new().register(a).register(b)`.
///
/// ```
/// use h3rs::{H3, H3Event, Register};
///
/// struct Health;
///
/// impl Register for Health {
///     fn register(self, app: H3) -> H3 {
///         app.get("/health", |_: H3Event| async { "ok" })
///     }
/// }
///
/// let app = H3::new().register(Health);
/// assert_eq!(app.routes().collect::<Vec<_>>(), [(Some(&h3rs::Method::GET), "/health")]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be registered on an app",
    label = "not a route, a group, a WebSocket handler or an app",
    note = "pass the name of a function annotated with #[get(\"/...\")] (and friends) without calling it, a `#[websocket]` type, `h3rs::routes![...]`, or an `H3`"
)]
pub trait Register {
    /// Adds `self` to `app`.
    ///
    /// [`H3::register`](crate::H3::register) calls it; call that rather than
    /// this, so that registrations chain. A closure `|app: H3| app.get(...)`
    /// implements it too, for one-off registrations without a type.
    fn register(self, app: H3) -> H3;
}

/// Another app registered at the root merges its routes, middleware, hooks and state, as
/// [`H3::mount`] at `/` does. Registered on an app that has nothing yet (`serve!(app)`), it
/// is that app, so that its [layers](H3::layer) keep wrapping all of it.
impl Register for H3 {
    fn register(self, app: H3) -> H3 {
        app.merge(self)
    }
}

/// A closure can register anything by hand.
impl<F: FnOnce(H3) -> H3> Register for F {
    fn register(self, app: H3) -> H3 {
        self(app)
    }
}

type Registration = Box<dyn FnOnce(H3) -> H3 + Send>;

/// A group of registrable items, built by `h3rs::routes![a, b]` or by a
/// `#[h3rs::group] mod`; register it, or mount it under a prefix.
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
#[derive(Default)]
pub struct Routes {
    items: Vec<Registration>,
}

impl Routes {
    /// An empty group, to fill with [`Routes::with`]; registering it adds
    /// nothing.
    pub fn new() -> Self {
        Routes::default()
    }

    /// Adds an item to the group; items register in the order they were added.
    ///
    /// ```
    /// use h3rs::prelude::*;
    ///
    /// #[get("/users")]
    /// async fn users() -> &'static str { "[]" }
    ///
    /// // Routes chosen at run time, which `routes![...]` cannot express.
    /// let admin = std::env::var("ADMIN").is_ok();
    /// let mut api = h3rs::Routes::new().with(users);
    /// if admin {
    ///     api = api.with(|app: H3| app.delete("/users", |_: H3Event| async { "deleted" }));
    /// }
    /// let app = H3::new().mount("/api", api);
    /// assert!(app.routes().any(|(_, pattern)| pattern == "/api/users"));
    /// ```
    pub fn with<R: Register + Send + 'static>(mut self, item: R) -> Self {
        self.items.push(Box::new(move |app| item.register(app)));
        self
    }
}

impl Register for Routes {
    fn register(self, app: H3) -> H3 {
        self.items.into_iter().fold(app, |app, item| item(app))
    }
}

impl From<Routes> for H3 {
    fn from(routes: Routes) -> H3 {
        routes.register(H3::new())
    }
}
