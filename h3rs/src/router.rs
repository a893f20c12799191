//! Path router with rou3 (H3) semantics.
//!
//! Routes live in a segment tree. Each node has sorted static children, an
//! optional `:param` child, an optional `*` child and a `**` slot, which is
//! also the order they are tried in. Matching backtracks, so a static branch
//! that dead-ends deeper down does not hide a param route.
//!
//! Param names are stored with each route, not in the tree, so `/a/:x` and
//! `/a/:y` share a node but still report their own names.
//!
//! The request path is never split into a `Vec`. Each recursion step takes
//! the next segment off the remaining `&str`, which makes backtracking free.
//! Captured values are filled in as the recursion unwinds, so a match
//! allocates only its `Params`.

use std::fmt;
use std::sync::Arc;

use http::Method;

/// Method-aware route table that maps path patterns to values of type `T`.
///
/// Each path has one entry per [`Slot`]: a value per method, one for any method, and an
/// upgrade slot that serves WebSocket handshakes on that path. A request is matched once,
/// whatever it asks for.
#[derive(Clone, Debug)]
pub(crate) struct Router<T> {
    root: Node<T>,
    /// The entries of every pattern without params or wildcards, keyed by its segments (as
    /// [`remaining_segments`] gives them) and sorted by [`static_order`]; they are in no
    /// node. Such a pattern is the walk's first candidate for a path, so one binary search
    /// finds what the walk would, and the walk runs only when it does not serve the request.
    exact: Vec<(Box<str>, Vec<Entry<T>>)>,
}

/// Which requests of a path an entry serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Requests with this method (and `HEAD`, when the path has no `HEAD` entry, for `GET`).
    Method(Method),
    /// Requests with any method.
    Any,
    /// `GET` requests that ask for a WebSocket upgrade.
    Upgrade,
}

impl From<Option<Method>> for Slot {
    fn from(method: Option<Method>) -> Self {
        method.map_or(Slot::Any, Slot::Method)
    }
}

/// Result of [`Router::find`].
#[derive(Debug)]
pub(crate) enum RouteMatch<'a, T> {
    /// A route accepted both the path and the method.
    Found {
        /// The value registered for the route.
        value: &'a T,
        /// Captured params, in the order they appear in the pattern.
        params: Params,
        /// The pattern exactly as it was registered, e.g. for logs or metrics.
        pattern: &'a Arc<str>,
    },
    /// At least one route matched the path, but none of them accepts the
    /// method. `allow` is the sorted, deduplicated union of the methods of
    /// every route that matched the path. `HEAD` is added when `GET` is
    /// present because a `GET` route also answers `HEAD`.
    MethodNotAllowed {
        /// Value for the `Allow` response header.
        allow: Vec<Method>,
    },
    /// The path has an upgrade entry and nothing else that serves the request, which is a
    /// plain `GET` or `HEAD`: the client must ask for the upgrade (426).
    UpgradeRequired,
    /// No route matched the path.
    NotFound,
}

/// Path params captured by a route match, as ordered `(name, value)` pairs.
///
/// Names come from the pattern: `:name` and `**:name` use the given name,
/// unnamed `*` segments are `_0`, `_1`, ... and a bare `**` is `_`. Values
/// are percent-decoded.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use h3rs::{Body, H3, H3Event};
/// use http_body_util::BodyExt;
///
/// let app = H3::new().get("/:user/*/**:path", |event: H3Event| async move {
///     let pairs: Vec<String> =
///         event.params().iter().map(|(k, v)| format!("{k}={v}")).collect();
///     pairs.join(" ")
/// });
/// let req = h3rs::http::Request::builder().uri("/ada/x/my%20docs/a.txt").body(Body::empty());
/// let body = app.handle(req.unwrap()).await.into_body().collect().await.unwrap().to_bytes();
/// assert_eq!(body, "user=ada _0=x path=my docs/a.txt");
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params {
    // Names are `Arc<str>` so a match clones them without allocating.
    pairs: Vec<(Arc<str>, String)>,
}

/// Error returned when a route pattern is malformed.
///
/// The message names the pattern, says what is wrong and suggests a fix.
/// [`H3::on`](crate::H3::on) and its shortcuts panic with it; the route
/// macros report it at compile time.
///
/// ```
/// # std::panic::set_hook(Box::new(|_| {}));
/// use h3rs::{H3, H3Event};
/// let panic = std::panic::catch_unwind(|| H3::new().get("users", |_: H3Event| async { "" }))
///     .unwrap_err();
/// let message = panic.downcast_ref::<String>().unwrap();
/// assert!(message.contains("patterns must start with `/`; write `/users` instead"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    pattern: String,
    kind: PatternErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PatternErrorKind {
    MissingLeadingSlash,
    QueryString,
    InvalidParamName(String),
    DuplicateParam(String),
    CatchAllNotLast,
    MisplacedStar(String),
}

#[derive(Clone, Debug)]
struct Node<T> {
    /// Sorted by [`static_order`] so lookup can use binary search.
    statics: Vec<(Box<str>, Node<T>)>,
    param: Option<Box<Node<T>>>,
    wildcard: Option<Box<Node<T>>>,
    /// Routes that end at this node, with a param or wildcard on the way (the others are
    /// in [`Router::exact`]).
    entries: Vec<Entry<T>>,
    /// Routes whose last segment is `**` here. They never have children, so
    /// they need no node of their own.
    catch_all: Vec<Entry<T>>,
}

#[derive(Clone, Debug)]
struct Entry<T> {
    slot: Slot,
    value: T,
    pattern: Arc<str>,
    /// One name for each captured segment, in path order.
    names: Box<[Arc<str>]>,
}

/// One parsed pattern segment. Names are kept apart, see [`Entry::names`].
enum Segment<'a> {
    Static(&'a str),
    Param,
    Wildcard,
}

/// A parsed pattern.
struct Parsed<'a> {
    segments: Vec<Segment<'a>>,
    catch_all: bool,
    names: Vec<Arc<str>>,
}

impl<T> Default for Router<T> {
    // Written by hand because the derive would require `T: Default`.
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Self {
            statics: Vec::new(),
            param: None,
            wildcard: None,
            entries: Vec::new(),
            catch_all: Vec::new(),
        }
    }
}

impl<T> Router<T> {
    /// Creates an empty router.
    pub(crate) fn new() -> Self {
        Self {
            root: Node::default(),
            exact: Vec::new(),
        }
    }

    /// Registers `value` for `slot` (a method, `None` = any method, or the upgrade slot) on
    /// `pattern`.
    ///
    /// Registering the same slot and pattern again replaces the earlier
    /// value, so the last registration wins. Patterns that differ only in
    /// param names (`/a/:x` and `/a/:y`) count as the same pattern.
    pub(crate) fn insert(
        &mut self,
        slot: impl Into<Slot>,
        pattern: &str,
        value: T,
    ) -> Result<(), PatternError> {
        let slot = slot.into();
        let parsed = parse_pattern(pattern)?;
        let exact_key = (!parsed.catch_all)
            .then(|| {
                parsed
                    .segments
                    .iter()
                    .map(|segment| match segment {
                        Segment::Static(key) => Some(*key),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()
            })
            .flatten()
            .map(|keys| keys.join("/"));
        let entries = match exact_key {
            Some(key) => {
                let i = match self.exact.binary_search_by(|(k, _)| static_order(k, &key)) {
                    Ok(i) => i,
                    Err(i) => {
                        self.exact.insert(i, (key.into(), Vec::new()));
                        i
                    }
                };
                &mut self.exact[i].1
            }
            None => {
                let mut node = &mut self.root;
                for segment in parsed.segments {
                    node = match segment {
                        Segment::Static(key) => node.static_child_mut(key),
                        Segment::Param => node.param.get_or_insert_with(Box::default),
                        Segment::Wildcard => node.wildcard.get_or_insert_with(Box::default),
                    };
                }
                if parsed.catch_all {
                    &mut node.catch_all
                } else {
                    &mut node.entries
                }
            }
        };
        let entry = Entry {
            slot,
            value,
            pattern: pattern.into(),
            names: parsed.names.into_boxed_slice(),
        };
        match entries.iter_mut().find(|e| e.slot == entry.slot) {
            Some(existing) => *existing = entry,
            None => entries.push(entry),
        }
        Ok(())
    }

    /// Finds the route for `method` and `path`.
    ///
    /// Routes are tried in precedence order (static, `:param`, `*`, `**` at
    /// each segment, with backtracking). The first one that matches the path
    /// and has a value for the exact method, or an any-method value, wins.
    /// If that node has neither, a `HEAD` request uses its `GET` value.
    /// Anything from `?` on is ignored. Upgrade entries serve nothing here: see
    /// [`Router::find_request`].
    pub(crate) fn find(&self, method: &Method, path: &str) -> RouteMatch<'_, T> {
        let path = match find_byte(path, b'?') {
            Some(i) => &path[..i],
            None => path,
        };
        self.find_request(method, path, || false)
    }

    /// Finds the route for a request, `upgrade` telling whether it is a `GET` that asks for
    /// a WebSocket upgrade: such a request prefers a path's upgrade entry, and falls back to
    /// its method entries (a page and its socket can share a path). `upgrade` is asked only
    /// where the path has an upgrade entry, so other requests skip the header lookups. A
    /// plain request on a path whose only fitting entry is an upgrade entry is
    /// [`RouteMatch::UpgradeRequired`] for `GET` and `HEAD`, and a 405 allowing `GET` for
    /// any other method. `path` has no query: it is a request's `Uri::path`.
    pub(crate) fn find_request(
        &self,
        method: &Method,
        path: &str,
        upgrade: impl Fn() -> bool,
    ) -> RouteMatch<'_, T> {
        debug_assert!(find_byte(path, b'?').is_none(), "a path without its query");
        let mut search = Search {
            method,
            upgrade: &upgrade,
            asks_upgrade: None,
            allow: Vec::new(),
            upgrade_seen: false,
        };
        let rest = remaining_segments(path);
        let key = rest.unwrap_or("");
        if let Ok(i) = self.exact.binary_search_by(|(k, _)| static_order(k, key)) {
            if let Some(entry) = search.pick(&self.exact[i].1) {
                return RouteMatch::Found {
                    value: &entry.value,
                    params: Params::default(),
                    pattern: &entry.pattern,
                };
            }
        }
        match search.walk(&self.root, rest, 0) {
            Some((entry, params)) => RouteMatch::Found {
                value: &entry.value,
                params,
                pattern: &entry.pattern,
            },
            None if search.upgrade_seen && matches!(*method, Method::GET | Method::HEAD) => {
                RouteMatch::UpgradeRequired
            }
            None if search.allow.is_empty() && !search.upgrade_seen => RouteMatch::NotFound,
            None => {
                let mut allow = search.allow;
                if search.upgrade_seen && !allow.contains(&Method::GET) {
                    allow.push(Method::GET);
                }
                if allow.contains(&Method::GET) && !allow.contains(&Method::HEAD) {
                    allow.push(Method::HEAD);
                }
                allow.sort_by(|a, b| a.as_str().cmp(b.as_str()));
                RouteMatch::MethodNotAllowed { allow }
            }
        }
    }
}

impl<T> Node<T> {
    fn static_child(&self, key: &str) -> Option<&Node<T>> {
        self.statics
            .binary_search_by(|(k, _)| static_order(k, key))
            .ok()
            .map(|i| &self.statics[i].1)
    }

    fn static_child_mut(&mut self, key: &str) -> &mut Node<T> {
        let i = match self.statics.binary_search_by(|(k, _)| static_order(k, key)) {
            Ok(i) => i,
            Err(i) => {
                self.statics.insert(i, (key.into(), Node::default()));
                i
            }
        };
        &mut self.statics[i].1
    }
}

/// Orders static keys by length first. Most keys then differ without a
/// byte comparison, which matters because every request does this lookup.
fn static_order(key: &str, wanted: &str) -> std::cmp::Ordering {
    key.len()
        .cmp(&wanted.len())
        .then_with(|| key.as_bytes().cmp(wanted.as_bytes()))
}

/// Position of an ASCII byte. A plain loop beats `str::find`'s general
/// searcher on segments that are only a few bytes long.
fn find_byte(s: &str, byte: u8) -> Option<usize> {
    s.bytes().position(|b| b == byte)
}

/// State for one `find` call.
struct Search<'m> {
    method: &'m Method,
    /// Whether the request asks for a WebSocket upgrade: asked once, when an upgrade entry
    /// is first met, and kept in `asks_upgrade`.
    upgrade: &'m dyn Fn() -> bool,
    asks_upgrade: Option<bool>,
    /// Methods of routes that matched the path but not the method. Only
    /// used when nothing matches.
    allow: Vec<Method>,
    /// Whether an upgrade entry matched the path but not the request.
    upgrade_seen: bool,
}

impl Search<'_> {
    /// Matches `rest` (the remaining segments, `None` when there are none)
    /// below `node`. `depth` is the number of segments captured so far, i.e.
    /// the index the next captured value goes into.
    fn walk<'a, T>(
        &mut self,
        node: &'a Node<T>,
        rest: Option<&str>,
        depth: usize,
    ) -> Option<(&'a Entry<T>, Params)> {
        let Some(rest) = rest else {
            if let Some(entry) = self.pick(&node.entries) {
                return Some((entry, Params::for_entry(entry)));
            }
            // `**` also matches zero segments. Its value stays empty.
            let entry = self.pick(&node.catch_all)?;
            return Some((entry, Params::for_entry(entry)));
        };
        let (segment, next) = match find_byte(rest, b'/') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };

        if let Some(child) = node.static_child(segment) {
            if let Some(found) = self.walk(child, next, depth) {
                return Some(found);
            }
        }
        // An empty segment (from `//`) is not a value a handler can use, so
        // single-segment params do not match it.
        if !segment.is_empty() {
            let dynamic = [node.param.as_deref(), node.wildcard.as_deref()];
            for child in dynamic.into_iter().flatten() {
                if let Some((entry, mut params)) = self.walk(child, next, depth + 1) {
                    params.set_value(depth, percent_decode(segment));
                    return Some((entry, params));
                }
            }
        }
        let entry = self.pick(&node.catch_all)?;
        let mut params = Params::for_entry(entry);
        params.set_value(depth, percent_decode(rest));
        Some((entry, params))
    }

    /// Picks the entry that serves the request method. If there is none,
    /// records the entries' methods for the `Allow` header.
    fn pick<'a, T>(&mut self, entries: &'a [Entry<T>]) -> Option<&'a Entry<T>> {
        // Most paths have one entry, for one method: one comparison serves the request.
        if let [entry] = entries {
            if matches!(&entry.slot, Slot::Method(m) if m == self.method) {
                return Some(entry);
            }
        }
        if entries.is_empty() {
            return None;
        }
        let method = self.method;
        let with_method = |wanted: &Method| {
            entries
                .iter()
                .find(|e| matches!(&e.slot, Slot::Method(m) if m == wanted))
        };
        let with = |slot: Slot| entries.iter().find(|e| e.slot == slot);
        let upgrade = with(Slot::Upgrade)
            .filter(|_| *self.asks_upgrade.get_or_insert_with(|| (self.upgrade)()));
        let found = upgrade
            .or_else(|| with_method(method))
            .or_else(|| with(Slot::Any))
            .or_else(|| {
                (*method == Method::HEAD)
                    .then(|| with_method(&Method::GET))
                    .flatten()
            });
        if found.is_none() {
            for entry in entries {
                match &entry.slot {
                    Slot::Method(method) if !self.allow.contains(method) => {
                        self.allow.push(method.clone());
                    }
                    Slot::Upgrade => self.upgrade_seen = true,
                    _ => {}
                }
            }
        }
        found
    }
}

/// Turns a path or pattern into the "remaining segments" form used by the
/// matcher: `None` for root, otherwise the segments joined by `/`.
///
/// One leading and one trailing slash are dropped, so `/users/` and `/users`
/// are the same route. Any other empty segment is kept.
fn remaining_segments(path: &str) -> Option<&str> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let path = path.strip_suffix('/').unwrap_or(path);
    if path.is_empty() { None } else { Some(path) }
}

fn parse_pattern(pattern: &str) -> Result<Parsed<'_>, PatternError> {
    let error = |kind| PatternError {
        pattern: pattern.to_owned(),
        kind,
    };
    if !pattern.starts_with('/') {
        return Err(error(PatternErrorKind::MissingLeadingSlash));
    }
    if pattern.contains('?') {
        return Err(error(PatternErrorKind::QueryString));
    }

    let mut parsed = Parsed {
        segments: Vec::new(),
        catch_all: false,
        names: Vec::new(),
    };
    let mut unnamed = 0usize;
    let mut raw_segments = remaining_segments(pattern)
        .map(|p| p.split('/'))
        .into_iter()
        .flatten();
    while let Some(raw) = raw_segments.next() {
        let name: Arc<str> = if raw == "**" || raw.starts_with("**:") {
            if raw_segments.next().is_some() {
                return Err(error(PatternErrorKind::CatchAllNotLast));
            }
            parsed.catch_all = true;
            match raw.strip_prefix("**:") {
                Some(name) => validated_name(name).map_err(error)?,
                None => "_".into(),
            }
        } else if raw == "*" {
            parsed.segments.push(Segment::Wildcard);
            unnamed += 1;
            format!("_{}", unnamed - 1).into()
        } else if let Some(name) = raw.strip_prefix(':') {
            parsed.segments.push(Segment::Param);
            validated_name(name).map_err(error)?
        } else if raw.contains('*') {
            return Err(error(PatternErrorKind::MisplacedStar(raw.to_owned())));
        } else {
            parsed.segments.push(Segment::Static(raw));
            continue;
        };
        if parsed.names.contains(&name) {
            return Err(error(PatternErrorKind::DuplicateParam(name.to_string())));
        }
        parsed.names.push(name);
    }
    Ok(parsed)
}

fn validated_name(name: &str) -> Result<Arc<str>, PatternErrorKind> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(name.into())
    } else {
        Err(PatternErrorKind::InvalidParamName(name.to_owned()))
    }
}

/// Percent-decodes a path segment. Leaves the raw text alone if it has an
/// invalid escape or decodes to invalid UTF-8: a handler can do more with
/// the original bytes than with a half-decoded or lossy string.
fn percent_decode(raw: &str) -> String {
    if !raw.contains('%') {
        return raw.to_owned();
    }
    let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(hi), Some(lo)) => {
                    // Two hex digits always fit in a byte.
                    out.push((hi * 16 + lo) as u8);
                    i += 3;
                }
                _ => return raw.to_owned(),
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| raw.to_owned())
}

/// Joins a mount prefix and a route pattern, e.g. to mount a sub-app under
/// `/api`. Slashes at the seam are merged, and a root pattern adds nothing,
/// so `("/api/", "/")` gives `/api`, not `/api/`.
pub(crate) fn join_pattern(prefix: &str, pattern: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    let rest = pattern.strip_prefix('/').unwrap_or(pattern);
    let mut out = String::with_capacity(prefix.len() + rest.len() + 2);
    if !prefix.is_empty() {
        if !prefix.starts_with('/') {
            out.push('/');
        }
        out.push_str(prefix);
    }
    if !rest.is_empty() {
        out.push('/');
        out.push_str(rest);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

impl Params {
    /// Returns the percent-decoded value of the param called `name`, or
    /// `None` when the route's pattern has no such param. Unnamed segments
    /// are found as `_0`, `_1`, ... and a bare `**` as `_`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n.as_ref() == name)
            .map(|(_, v)| v.as_str())
    }

    /// Iterates over `(name, value)` pairs in pattern order, for code that
    /// handles the params of any route without knowing their names.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_ref(), v.as_str()))
    }

    /// Number of captured params: one per param of the matched pattern.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when the route captured no params, as for a pattern without
    /// `:name`, `*` or `**`.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Creates one empty slot per name. The matcher fills the values in as
    /// it unwinds.
    fn for_entry<T>(entry: &Entry<T>) -> Self {
        Self {
            pairs: entry
                .names
                .iter()
                .map(|name| (Arc::clone(name), String::new()))
                .collect(),
        }
    }

    fn set_value(&mut self, index: usize, value: String) {
        debug_assert!(index < self.pairs.len(), "capture without a param name");
        if let Some(pair) = self.pairs.get_mut(index) {
            pair.1 = value;
        }
    }
}

impl PatternError {
    /// The pattern that was rejected. The `Display` message already quotes
    /// it; this is for code that reports it on its own.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid route pattern `{}`: ", self.pattern)?;
        match &self.kind {
            PatternErrorKind::MissingLeadingSlash => write!(
                f,
                "patterns must start with `/`; write `/{}` instead",
                self.pattern
            ),
            PatternErrorKind::QueryString => {
                f.write_str("patterns match the path only; remove the `?` and everything after it")
            }
            PatternErrorKind::InvalidParamName(name) if name.is_empty() => f.write_str(
                "a param needs a name; write `:name` (one segment) or `**:name` (rest of the path)",
            ),
            PatternErrorKind::InvalidParamName(name) => write!(
                f,
                "`{name}` is not a valid param name; use letters, digits and `_`, \
                 not starting with a digit, e.g. `:user_id`",
            ),
            PatternErrorKind::DuplicateParam(name) => write!(
                f,
                "param `{name}` appears more than once; give each param its own name, \
                 e.g. `:{name}` and `:{name}_2`",
            ),
            PatternErrorKind::CatchAllNotLast => f.write_str(
                "`**` matches the rest of the path, so it must be the last segment; \
                 use `*` or `:name` to match a single segment in the middle",
            ),
            PatternErrorKind::MisplacedStar(segment) => write!(
                f,
                "segment `{segment}` mixes `*` with other characters; a segment must be \
                 exactly `*` (one segment), `**` or `**:name` (rest of the path)",
            ),
        }
    }
}

impl std::error::Error for PatternError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a router from `(method, pattern)` pairs; each value is its
    /// index so tests can tell routes apart.
    fn router(routes: &[(Option<Method>, &str)]) -> Router<usize> {
        let mut r = Router::new();
        for (i, (method, pattern)) in routes.iter().enumerate() {
            r.insert(method.clone(), pattern, i).unwrap();
        }
        r
    }

    fn get(pattern: &str) -> (Option<Method>, &str) {
        (Some(Method::GET), pattern)
    }

    /// Returns `(value, params)` for a match, panicking otherwise.
    fn found(r: &Router<usize>, method: Method, path: &str) -> (usize, Vec<(String, String)>) {
        match r.find(&method, path) {
            RouteMatch::Found { value, params, .. } => (
                *value,
                params
                    .iter()
                    .map(|(n, v)| (n.to_owned(), v.to_owned()))
                    .collect(),
            ),
            other => panic!("{method} {path}: expected a match, got {other:?}"),
        }
    }

    fn value(r: &Router<usize>, method: Method, path: &str) -> usize {
        found(r, method, path).0
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn is_not_found(r: &Router<usize>, method: Method, path: &str) -> bool {
        matches!(r.find(&method, path), RouteMatch::NotFound)
    }

    fn allow(r: &Router<usize>, method: Method, path: &str) -> Vec<Method> {
        match r.find(&method, path) {
            RouteMatch::MethodNotAllowed { allow } => allow,
            other => panic!("{method} {path}: expected 405, got {other:?}"),
        }
    }

    fn error(pattern: &str) -> PatternError {
        Router::<()>::new()
            .insert(None, pattern, ())
            .expect_err(pattern)
    }

    #[test]
    fn upgrade_slot_beside_method_entries() {
        let mut r = Router::new();
        r.insert(Slot::Upgrade, "/ws", 1).unwrap();
        r.insert(Some(Method::POST), "/ws", 2).unwrap();
        r.insert(Some(Method::GET), "/page", 3).unwrap();
        r.insert(Slot::Upgrade, "/page", 4).unwrap();
        r.insert(Some(Method::GET), "/plain", 5).unwrap();
        fn upgrade(r: &Router<usize>, path: &str) -> usize {
            match r.find_request(&Method::GET, path, || true) {
                RouteMatch::Found { value, .. } => *value,
                other => panic!("upgrade {path}: expected a match, got {other:?}"),
            }
        }
        assert_eq!(upgrade(&r, "/ws"), 1);
        assert_eq!(upgrade(&r, "/page"), 4);
        // A handshake on a path without an upgrade entry reaches its GET route.
        assert_eq!(upgrade(&r, "/plain"), 5);
        // Plain requests never reach an upgrade entry.
        assert_eq!(value(&r, Method::GET, "/page"), 3);
        assert_eq!(value(&r, Method::POST, "/ws"), 2);
        for method in [Method::GET, Method::HEAD] {
            assert!(matches!(
                r.find_request(&method, "/ws", || false),
                RouteMatch::UpgradeRequired
            ));
        }
        assert_eq!(
            allow(&r, Method::PUT, "/ws"),
            [Method::GET, Method::HEAD, Method::POST]
        );
        // Replacing an upgrade entry keeps the method entries of the path.
        r.insert(Slot::Upgrade, "/page", 6).unwrap();
        assert_eq!(upgrade(&r, "/page"), 6);
        assert_eq!(value(&r, Method::GET, "/page"), 3);
    }

    #[test]
    fn whether_a_request_upgrades_is_asked_once_and_only_where_a_path_can() {
        let mut r = Router::new();
        r.insert(Slot::Upgrade, "/ws", 1).unwrap();
        r.insert(Slot::Upgrade, "/:room", 2).unwrap();
        r.insert(Some(Method::GET), "/page", 3).unwrap();
        r.insert(Some(Method::GET), "/ws/:x", 4).unwrap();
        let asked = std::cell::Cell::new(0);
        let ask = |answer: bool| {
            let asked = &asked;
            move || {
                asked.set(asked.get() + 1);
                answer
            }
        };
        assert!(matches!(
            r.find_request(&Method::GET, "/ws/a", ask(true)),
            RouteMatch::Found { value: 4, .. }
        ));
        assert_eq!(asked.get(), 0, "no upgrade entry on /ws/:x");
        // `/page` is also `/:room`'s: the static entry serves a plain GET without asking.
        assert!(matches!(
            r.find_request(&Method::GET, "/page", ask(false)),
            RouteMatch::Found { value: 3, .. }
        ));
        assert_eq!(asked.get(), 0);
        // A plain GET on `/ws` is asked once, then backtracks past `/:room`'s entry.
        assert!(matches!(
            r.find_request(&Method::GET, "/ws", ask(false)),
            RouteMatch::UpgradeRequired
        ));
        assert_eq!(asked.get(), 1);
        assert!(matches!(
            r.find_request(&Method::GET, "/lobby", ask(true)),
            RouteMatch::Found { value: 2, .. }
        ));
        assert_eq!(asked.get(), 2);
    }

    #[test]
    fn a_static_path_that_does_not_serve_the_method_falls_back_to_the_walk() {
        let mut r = Router::new();
        r.insert(Some(Method::GET), "/users/new", 1).unwrap();
        r.insert(Some(Method::POST), "/users/:id", 2).unwrap();
        r.insert(Some(Method::GET), "/", 3).unwrap();
        r.insert(Some(Method::PUT), "/**", 4).unwrap();
        assert_eq!(found(&r, Method::GET, "/users/new/"), (1, vec![]));
        assert_eq!(
            found(&r, Method::POST, "/users/new"),
            (2, params(&[("id", "new")]))
        );
        assert_eq!(value(&r, Method::HEAD, "/users/new"), 1);
        assert_eq!(value(&r, Method::GET, "//"), 3);
        assert_eq!(value(&r, Method::PUT, "/"), 4);
        assert_eq!(
            allow(&r, Method::DELETE, "/users/new"),
            // `/**` matches it too.
            [Method::GET, Method::HEAD, Method::POST, Method::PUT]
        );
        // A replaced static route is replaced in the table too.
        r.insert(Some(Method::GET), "/users/new", 5).unwrap();
        assert_eq!(value(&r, Method::GET, "/users/new?x=1"), 5);
    }

    #[test]
    fn plain_request_on_an_upgrade_path_backtracks_to_a_fallback() {
        let mut r = Router::new();
        r.insert(Slot::Upgrade, "/ws", 1).unwrap();
        r.insert(Some(Method::GET), "/**", 2).unwrap();
        assert_eq!(value(&r, Method::GET, "/ws"), 2);
        assert!(matches!(
            r.find_request(&Method::GET, "/ws", || true),
            RouteMatch::Found { value: 1, .. }
        ));
    }

    #[test]
    fn static_routes() {
        let r = router(&[get("/"), get("/users"), get("/users/list"), get("/about")]);
        assert_eq!(found(&r, Method::GET, "/"), (0, vec![]));
        assert_eq!(value(&r, Method::GET, "/users"), 1);
        assert_eq!(value(&r, Method::GET, "/users/list"), 2);
        assert_eq!(value(&r, Method::GET, "/about"), 3);
        assert!(is_not_found(&r, Method::GET, "/users/lis"));
        assert!(is_not_found(&r, Method::GET, "/users/list/x"));
        assert!(is_not_found(&r, Method::GET, "/nope"));
    }

    #[test]
    fn empty_router_finds_nothing() {
        let r = Router::<usize>::default();
        assert!(is_not_found(&r, Method::GET, "/"));
        assert!(is_not_found(&r, Method::GET, "/x"));
    }

    #[test]
    fn many_static_children() {
        let names: Vec<String> = (0..50).map(|i| format!("/s{i}")).collect();
        let routes: Vec<_> = names.iter().map(|n| get(n)).collect();
        let r = router(&routes);
        for (i, name) in names.iter().enumerate() {
            assert_eq!(value(&r, Method::GET, name), i);
        }
        assert!(is_not_found(&r, Method::GET, "/s50"));
    }

    #[test]
    fn reports_registered_pattern() {
        let r = router(&[get("/users/:id/")]);
        match r.find(&Method::GET, "/users/7") {
            RouteMatch::Found { pattern, .. } => assert_eq!(&**pattern, "/users/:id/"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn named_params() {
        let r = router(&[get("/users/:id"), get("/users/:id/posts/:post_id")]);
        assert_eq!(
            found(&r, Method::GET, "/users/42"),
            (0, params(&[("id", "42")]))
        );
        assert_eq!(
            found(&r, Method::GET, "/users/42/posts/abc"),
            (1, params(&[("id", "42"), ("post_id", "abc")]))
        );
        assert!(is_not_found(&r, Method::GET, "/users"));
        assert!(is_not_found(&r, Method::GET, "/users/42/posts"));
    }

    #[test]
    fn params_accessors() {
        let r = router(&[get("/a/:x/:y")]);
        let RouteMatch::Found { params, .. } = r.find(&Method::GET, "/a/1/2") else {
            panic!("no match");
        };
        assert_eq!(params.get("x"), Some("1"));
        assert_eq!(params.get("y"), Some("2"));
        assert_eq!(params.get("z"), None);
        assert_eq!(params.len(), 2);
        assert!(!params.is_empty());
        assert!(Params::default().is_empty());
    }

    #[test]
    fn param_names_belong_to_the_route() {
        let r = router(&[get("/a/:x"), (Some(Method::POST), "/a/:y")]);
        assert_eq!(found(&r, Method::GET, "/a/1"), (0, params(&[("x", "1")])));
        assert_eq!(found(&r, Method::POST, "/a/1"), (1, params(&[("y", "1")])));
    }

    #[test]
    fn params_do_not_match_empty_segments() {
        let r = router(&[get("/a/:x/b")]);
        assert!(is_not_found(&r, Method::GET, "/a//b"));
        assert_eq!(value(&r, Method::GET, "/a/1/b"), 0);
    }

    #[test]
    fn unnamed_wildcards() {
        let r = router(&[get("/files/*/meta/*")]);
        assert_eq!(
            found(&r, Method::GET, "/files/a/meta/b"),
            (0, params(&[("_0", "a"), ("_1", "b")]))
        );
        assert!(is_not_found(&r, Method::GET, "/files/a/meta"));
        assert!(is_not_found(&r, Method::GET, "/files/a/meta/b/c"));
    }

    #[test]
    fn wildcards_and_named_params_mix() {
        let r = router(&[get("/*/:id/*")]);
        assert_eq!(
            found(&r, Method::GET, "/a/b/c"),
            (0, params(&[("_0", "a"), ("id", "b"), ("_1", "c")]))
        );
    }

    #[test]
    fn catch_all() {
        let r = router(&[get("/static/**")]);
        assert_eq!(
            found(&r, Method::GET, "/static/css/site.css"),
            (0, params(&[("_", "css/site.css")]))
        );
        assert_eq!(
            found(&r, Method::GET, "/static/x"),
            (0, params(&[("_", "x")]))
        );
        // Zero remaining segments still match.
        assert_eq!(found(&r, Method::GET, "/static"), (0, params(&[("_", "")])));
        assert_eq!(
            found(&r, Method::GET, "/static/"),
            (0, params(&[("_", "")]))
        );
        assert!(is_not_found(&r, Method::GET, "/other"));
    }

    #[test]
    fn named_catch_all() {
        let r = router(&[get("/docs/**:path"), get("/**:all")]);
        assert_eq!(
            found(&r, Method::GET, "/docs/guide/intro/"),
            (0, params(&[("path", "guide/intro")]))
        );
        assert_eq!(
            found(&r, Method::GET, "/docs"),
            (0, params(&[("path", "")]))
        );
        assert_eq!(
            found(&r, Method::GET, "/elsewhere/x"),
            (1, params(&[("all", "elsewhere/x")]))
        );
        assert_eq!(found(&r, Method::GET, "/"), (1, params(&[("all", "")])));
    }

    #[test]
    fn catch_all_keeps_inner_empty_segments() {
        let r = router(&[get("/f/**")]);
        assert_eq!(
            found(&r, Method::GET, "/f/a//b"),
            (0, params(&[("_", "a//b")]))
        );
    }

    #[test]
    fn catch_all_after_params() {
        let r = router(&[get("/u/:id/**:rest")]);
        assert_eq!(
            found(&r, Method::GET, "/u/7/a/b"),
            (0, params(&[("id", "7"), ("rest", "a/b")]))
        );
        assert_eq!(
            found(&r, Method::GET, "/u/7"),
            (0, params(&[("id", "7"), ("rest", "")]))
        );
    }

    #[test]
    fn precedence_static_param_wildcard_catch_all() {
        let r = router(&[get("/a/**"), get("/a/*"), get("/a/:x"), get("/a/b")]);
        assert_eq!(value(&r, Method::GET, "/a/b"), 3);
        assert_eq!(found(&r, Method::GET, "/a/c"), (2, params(&[("x", "c")])));
        assert_eq!(value(&r, Method::GET, "/a/c/d"), 0);
        assert_eq!(value(&r, Method::GET, "/a"), 0);

        let r = router(&[get("/a/**"), get("/a/*")]);
        assert_eq!(found(&r, Method::GET, "/a/c"), (1, params(&[("_0", "c")])));
    }

    #[test]
    fn exact_route_beats_empty_catch_all() {
        let r = router(&[get("/files/**"), get("/files")]);
        assert_eq!(found(&r, Method::GET, "/files"), (1, vec![]));
        assert_eq!(value(&r, Method::GET, "/files/x"), 0);
    }

    #[test]
    fn backtracking() {
        let r = router(&[get("/a/b/c"), get("/a/:x/d")]);
        assert_eq!(value(&r, Method::GET, "/a/b/c"), 0);
        assert_eq!(found(&r, Method::GET, "/a/b/d"), (1, params(&[("x", "b")])));
    }

    #[test]
    fn backtracking_through_several_levels() {
        let r = router(&[
            get("/a/b/c/d"),
            get("/a/b/:y/e"),
            get("/a/:x/c/f"),
            get("/a/*/*/g"),
            get("/a/**:rest"),
        ]);
        assert_eq!(value(&r, Method::GET, "/a/b/c/d"), 0);
        assert_eq!(
            found(&r, Method::GET, "/a/b/c/e"),
            (1, params(&[("y", "c")]))
        );
        assert_eq!(
            found(&r, Method::GET, "/a/b/c/f"),
            (2, params(&[("x", "b")]))
        );
        assert_eq!(
            found(&r, Method::GET, "/a/b/c/g"),
            (3, params(&[("_0", "b"), ("_1", "c")]))
        );
        assert_eq!(
            found(&r, Method::GET, "/a/b/c/h"),
            (4, params(&[("rest", "b/c/h")]))
        );
    }

    #[test]
    fn trailing_slash_on_either_side() {
        let r = router(&[get("/users"), get("/posts/"), get("/u/:id/")]);
        assert_eq!(value(&r, Method::GET, "/users"), 0);
        assert_eq!(value(&r, Method::GET, "/users/"), 0);
        assert_eq!(value(&r, Method::GET, "/posts"), 1);
        assert_eq!(value(&r, Method::GET, "/posts/"), 1);
        assert_eq!(found(&r, Method::GET, "/u/5"), (2, params(&[("id", "5")])));
        assert_eq!(found(&r, Method::GET, "/u/5/"), (2, params(&[("id", "5")])));
    }

    #[test]
    fn repeated_slashes_are_empty_segments() {
        let r = router(&[get("/a"), get("/a//b")]);
        assert!(is_not_found(&r, Method::GET, "/a//"));
        assert!(is_not_found(&r, Method::GET, "/a/b"));
        assert_eq!(value(&r, Method::GET, "/a//b"), 1);
    }

    #[test]
    fn query_string_is_ignored() {
        let r = router(&[get("/search"), get("/")]);
        assert_eq!(value(&r, Method::GET, "/search?q=1/2"), 0);
        assert_eq!(value(&r, Method::GET, "/search/?q"), 0);
        assert_eq!(value(&r, Method::GET, "/?x=1"), 1);
        assert_eq!(value(&r, Method::GET, "?x=1"), 1);
    }

    #[test]
    fn method_not_allowed_unions_all_matching_routes() {
        let r = router(&[
            (Some(Method::POST), "/items/:id"),
            (Some(Method::DELETE), "/items/:id"),
            get("/items/special"),
            (Some(Method::PUT), "/items/*"),
            (Some(Method::PATCH), "/items/**"),
            (Some(Method::OPTIONS), "/other"),
        ]);
        assert_eq!(
            allow(&r, Method::TRACE, "/items/special"),
            vec![
                Method::DELETE,
                Method::GET,
                Method::HEAD,
                Method::PATCH,
                Method::POST,
                Method::PUT,
            ]
        );
        // `special` routes do not match other ids, so no GET/HEAD here.
        assert_eq!(
            allow(&r, Method::GET, "/items/7"),
            vec![Method::DELETE, Method::PATCH, Method::POST, Method::PUT]
        );
        assert!(is_not_found(&r, Method::GET, "/missing"));
    }

    #[test]
    fn method_not_allowed_keeps_explicit_head_once() {
        let r = router(&[get("/x"), (Some(Method::HEAD), "/x")]);
        assert_eq!(
            allow(&r, Method::POST, "/x"),
            vec![Method::GET, Method::HEAD]
        );
    }

    #[test]
    fn method_falls_through_to_lower_precedence_routes() {
        let r = router(&[(Some(Method::POST), "/a/b"), get("/a/:x")]);
        assert_eq!(found(&r, Method::GET, "/a/b"), (1, params(&[("x", "b")])));
        assert_eq!(found(&r, Method::POST, "/a/b"), (0, vec![]));
        assert_eq!(
            allow(&r, Method::PUT, "/a/b"),
            vec![Method::GET, Method::HEAD, Method::POST]
        );
    }

    #[test]
    fn head_falls_back_to_get() {
        let r = router(&[get("/page"), get("/both"), (Some(Method::HEAD), "/both")]);
        assert_eq!(value(&r, Method::HEAD, "/page"), 0);
        assert_eq!(value(&r, Method::HEAD, "/both"), 2);
        assert_eq!(value(&r, Method::GET, "/both"), 1);
    }

    #[test]
    fn head_prefers_a_more_specific_route_over_lower_precedence() {
        // The GET fallback applies at the first node that matches the path.
        let r = router(&[get("/a/b"), (Some(Method::HEAD), "/a/:x")]);
        assert_eq!(value(&r, Method::HEAD, "/a/b"), 0);
    }

    #[test]
    fn head_prefers_any_method_over_get() {
        let r = router(&[get("/x"), (None, "/x")]);
        assert_eq!(value(&r, Method::HEAD, "/x"), 1);
        assert_eq!(value(&r, Method::GET, "/x"), 0);
    }

    #[test]
    fn any_method_routes() {
        let r = router(&[
            (None, "/any"),
            (Some(Method::POST), "/any"),
            (None, "/p/:id"),
        ]);
        assert_eq!(value(&r, Method::GET, "/any"), 0);
        assert_eq!(value(&r, Method::POST, "/any"), 1);
        assert_eq!(value(&r, Method::DELETE, "/any"), 0);
        let custom = Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(value(&r, custom, "/any"), 0);
        assert_eq!(found(&r, Method::PUT, "/p/3"), (2, params(&[("id", "3")])));
    }

    #[test]
    fn percent_decoding_of_params() {
        let r = router(&[get("/u/:name"), get("/f/**:path"), get("/a%20b")]);
        let decoded = |path| found(&r, Method::GET, path).1[0].1.clone();
        assert_eq!(decoded("/u/john%20doe"), "john doe");
        assert_eq!(decoded("/u/caf%C3%A9"), "café");
        assert_eq!(decoded("/u/caf%c3%a9"), "café");
        assert_eq!(decoded("/u/a+b"), "a+b");
        // Invalid escapes and invalid UTF-8 keep the raw text.
        assert_eq!(decoded("/u/100%"), "100%");
        assert_eq!(decoded("/u/%zz"), "%zz");
        assert_eq!(decoded("/u/%4"), "%4");
        assert_eq!(decoded("/u/%FF"), "%FF");
        assert_eq!(decoded("/f/a%20b/c"), "a b/c");
        // Static segments compare against the raw segment.
        assert_eq!(value(&r, Method::GET, "/a%20b"), 2);
        assert!(is_not_found(&r, Method::GET, "/a b"));
    }

    #[test]
    fn duplicate_registration_replaces() {
        let mut r = Router::new();
        r.insert(Some(Method::GET), "/x", "first").unwrap();
        r.insert(Some(Method::GET), "/x/", "second").unwrap();
        r.insert(None, "/x", "any1").unwrap();
        r.insert(None, "/x", "any2").unwrap();
        r.insert(Some(Method::GET), "/p/:a", "a").unwrap();
        r.insert(Some(Method::GET), "/p/:b", "b").unwrap();
        match r.find(&Method::GET, "/x") {
            RouteMatch::Found { value, pattern, .. } => {
                assert_eq!(*value, "second");
                assert_eq!(&**pattern, "/x/");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            r.find(&Method::PUT, "/x"),
            RouteMatch::Found { value: &"any2", .. }
        ));
        match r.find(&Method::GET, "/p/1") {
            RouteMatch::Found { value, params, .. } => {
                assert_eq!(*value, "b");
                assert_eq!(params.get("b"), Some("1"));
                assert_eq!(params.get("a"), None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn router_is_cloneable() {
        let r = router(&[get("/a/:x")]);
        let mut copy = r.clone();
        copy.insert(Some(Method::GET), "/b", 9).unwrap();
        assert_eq!(value(&copy, Method::GET, "/a/1"), 0);
        assert_eq!(value(&copy, Method::GET, "/b"), 9);
        assert!(is_not_found(&r, Method::GET, "/b"));
    }

    #[test]
    fn pattern_errors() {
        let e = error("users");
        assert_eq!(e.pattern(), "users");
        assert!(e.to_string().contains("write `/users` instead"), "{e}");
        assert!(error("").to_string().contains("must start with `/`"));

        for bad in [
            "/u/:1id",
            "/u/:na-me",
            "/u/:",
            "/u/**:",
            "/u/**:x.y",
            "/u/:id.json",
        ] {
            let msg = error(bad).to_string();
            assert!(
                msg.contains("param name") || msg.contains("needs a name"),
                "{bad}: {msg}"
            );
        }

        let msg = error("/a/:id/b/:id").to_string();
        assert!(msg.contains("`id` appears more than once"), "{msg}");
        assert!(error("/a/:_0/*").to_string().contains("more than once"));
        assert!(error("/a/:_/**").to_string().contains("more than once"));

        for bad in ["/a/**/b", "/**:rest/x", "/a/**//"] {
            let msg = error(bad).to_string();
            assert!(msg.contains("last segment"), "{bad}: {msg}");
        }

        for bad in ["/a*", "/a/***", "/x/*.js"] {
            assert!(error(bad).to_string().contains("mixes `*`"), "{bad}");
        }
        assert!(error("/a?b=1").to_string().contains("remove the `?`"));

        let dyn_error: Box<dyn std::error::Error> = Box::new(error("x"));
        assert!(
            dyn_error
                .to_string()
                .starts_with("invalid route pattern `x`")
        );
    }

    #[test]
    fn valid_patterns() {
        let mut r = Router::new();
        for ok in [
            "/",
            "/a",
            "/a/",
            "/:_",
            "/:A_b9",
            "/*",
            "/**",
            "/x/**:rest_1",
            "/y/**/",
            "/a:b/c",
        ] {
            r.insert(None, ok, ())
                .unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }

    #[test]
    fn join_patterns() {
        assert_eq!(join_pattern("/api", "/users"), "/api/users");
        assert_eq!(join_pattern("/api/", "/"), "/api");
        assert_eq!(join_pattern("/api", "/"), "/api");
        assert_eq!(join_pattern("/", "/x"), "/x");
        assert_eq!(join_pattern("/", "/"), "/");
        assert_eq!(join_pattern("", "/x"), "/x");
        assert_eq!(join_pattern("", "/"), "/");
        assert_eq!(join_pattern("/api/", "/users/:id"), "/api/users/:id");
        assert_eq!(join_pattern("/v1/api", "/**"), "/v1/api/**");
        assert_eq!(join_pattern("api", "users"), "/api/users");
    }

    #[test]
    fn mounted_routes_match() {
        let r = router(&[
            get(&join_pattern("/api", "/")),
            get(&join_pattern("/api", "/users/:id")),
        ]);
        assert_eq!(value(&r, Method::GET, "/api"), 0);
        assert_eq!(value(&r, Method::GET, "/api/"), 0);
        assert_eq!(
            found(&r, Method::GET, "/api/users/1"),
            (1, params(&[("id", "1")]))
        );
    }
}
