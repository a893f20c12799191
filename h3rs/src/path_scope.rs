//! `PathScope`: the paths a middleware or a hook applies to.

use std::sync::Arc;

use http::Method;

use crate::router::{RouteMatch, Router, join_pattern};

/// A route pattern that a middleware or hook is limited to (`/admin/**`), or every path.
///
/// A mounted app's middleware and hooks get the pattern of its prefix, so they apply under
/// it only. This is a matcher of its own, not the app's router: a request still meets the
/// route table once.
#[derive(Clone, Debug)]
pub(crate) struct PathScope {
    pattern: Option<(Arc<str>, Router<()>)>,
}

impl PathScope {
    /// Every path.
    pub(crate) fn everywhere() -> Self {
        PathScope { pattern: None }
    }

    /// The paths that match `pattern`.
    ///
    /// # Panics
    ///
    /// On an invalid pattern, as route registration does.
    pub(crate) fn at(pattern: &str) -> Self {
        let mut router = Router::new();
        if let Err(e) = router.insert(None, pattern, ()) {
            panic!("{e}");
        }
        PathScope {
            pattern: Some((Arc::from(pattern), router)),
        }
    }

    /// The same scope for an app mounted under `prefix`.
    pub(crate) fn under(&self, prefix: &str) -> Self {
        if prefix.trim_matches('/').is_empty() {
            return self.clone();
        }
        match &self.pattern {
            Some((pattern, _)) => PathScope::at(&join_pattern(prefix, pattern)),
            None => PathScope::at(&join_pattern(prefix, "/**")),
        }
    }

    pub(crate) fn applies_to(&self, method: &Method, path: &str) -> bool {
        match &self.pattern {
            None => true,
            Some((_, router)) => matches!(router.find(method, path), RouteMatch::Found { .. }),
        }
    }
}
