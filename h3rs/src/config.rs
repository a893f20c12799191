//! `Config`: an app's own state and typed settings, and how a request finds them.
//!
//! Framework settings are typed fields, never entries of the user's state map. Each app has
//! one `Config`; a mounted app keeps its own, which its routes see first, then the config of
//! the app it was mounted on. Nothing of a mounted app replaces its parent's: a parent's
//! routes never see a sub-app's state, and a sub-app sees its parent's only where it has
//! none of its own.

use std::any::TypeId;
use std::sync::Arc;
#[cfg(any(feature = "ws", feature = "sse"))]
use std::sync::LazyLock;

use http::Extensions;

#[cfg(feature = "sse")]
use crate::sse::SseOptions;
#[cfg(feature = "ws")]
use crate::ws::WsOptions;

/// One app's state and settings; `None` is "not set here", so the app it is mounted on
/// decides.
#[derive(Clone, Debug, Default)]
pub(crate) struct Config {
    pub(crate) state: Extensions,
    /// The `TypeId`s in `state`, to tell whether a route's [`Requirements`](crate::Requirements)
    /// are met without a value of the type at hand.
    pub(crate) state_types: Vec<TypeId>,
    pub(crate) body_limit: Option<usize>,
    #[cfg(feature = "ws")]
    pub(crate) ws: Option<Arc<WsOptions>>,
    #[cfg(feature = "sse")]
    pub(crate) sse: Option<SseOptions>,
}

impl Config {
    pub(crate) fn insert_state<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.state.insert(value);
        let id = TypeId::of::<T>();
        if !self.state_types.contains(&id) {
            self.state_types.push(id);
        }
    }
}

/// The configs a request sees, innermost first: those of the apps its route was mounted
/// through, then the serving app's.
#[derive(Clone, Debug)]
pub(crate) struct Scope {
    pub(crate) app: Arc<Config>,
    /// `None` for a route of the serving app itself (and before routing).
    pub(crate) mounted: Option<Mounted>,
}

/// The configs of the apps a route was mounted through, innermost first; empty for a route
/// of the serving app itself.
pub(crate) type Mounted = Arc<[Arc<Config>]>;

#[cfg(feature = "ws")]
static DEFAULT_WS: LazyLock<Arc<WsOptions>> = LazyLock::new(|| Arc::new(WsOptions::default()));
#[cfg(feature = "sse")]
static DEFAULT_SSE: LazyLock<SseOptions> = LazyLock::new(SseOptions::default);

impl Scope {
    fn layers(&self) -> impl Iterator<Item = &Config> {
        self.mounted
            .iter()
            .flat_map(|mounted| mounted.iter())
            .map(|config| &**config)
            .chain(std::iter::once(&*self.app))
    }

    pub(crate) fn state<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.layers().find_map(|config| config.state.get::<T>())
    }

    pub(crate) fn has_state(&self, id: TypeId) -> bool {
        self.layers().any(|config| config.state_types.contains(&id))
    }

    pub(crate) fn body_limit(&self) -> usize {
        self.layers()
            .find_map(|config| config.body_limit)
            .unwrap_or(crate::DEFAULT_BODY_LIMIT)
    }

    #[cfg(feature = "ws")]
    pub(crate) fn ws_options(&self) -> &Arc<WsOptions> {
        self.layers()
            .find_map(|config| config.ws.as_ref())
            .unwrap_or(&DEFAULT_WS)
    }

    #[cfg(feature = "sse")]
    pub(crate) fn sse_options(&self) -> &SseOptions {
        self.layers()
            .find_map(|config| config.sse.as_ref())
            .unwrap_or(&DEFAULT_SSE)
    }
}
