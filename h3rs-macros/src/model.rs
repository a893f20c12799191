//! What the macros parse their input into: a route's method and attribute arguments, the
//! function, and how each of its parameters is bound from a request.

use syn::{Attribute, Block, Ident, LitStr, Pat, Signature, Type, Visibility};

use crate::path::RoutePath;

/// The method of a route attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
    /// `#[all]`: every method.
    All,
}

impl Method {
    /// The attribute's name: `get`.
    pub fn attribute(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Patch => "patch",
            Method::Delete => "delete",
            Method::Head => "head",
            Method::Options => "options",
            Method::All => "all",
        }
    }

    /// The `http::Method` constant (`GET`), or `None` for `#[all]`.
    pub fn constant(self) -> Option<&'static str> {
        match self {
            Method::Get => Some("GET"),
            Method::Post => Some("POST"),
            Method::Put => Some("PUT"),
            Method::Patch => Some("PATCH"),
            Method::Delete => Some("DELETE"),
            Method::Head => Some("HEAD"),
            Method::Options => Some("OPTIONS"),
            Method::All => None,
        }
    }

    /// The attribute with a path, for messages: `#[get("/users")]`.
    pub fn example(self, path: &str) -> String {
        format!("#[{}(\"{path}\")]", self.attribute())
    }
}

/// When a silent `#[sse]` stream sends a keep-alive comment.
pub(crate) enum KeepAlive {
    /// As the app says (15 s unless changed).
    App,
    /// `keep_alive = 30`: every 30 s of silence.
    Seconds(u64),
    /// `keep_alive = false`.
    Off,
}

/// The arguments of `#[sse("/path", keep_alive = 30)]`.
pub(crate) struct SseArgs {
    pub path: LitStr,
    pub keep_alive: KeepAlive,
}

/// A function under a route or `#[sse]` attribute, taken apart.
pub(crate) struct Function {
    pub attributes: Attributes,
    pub vis: Visibility,
    pub sig: Signature,
    pub block: Block,
}

impl Function {
    /// The function's name, which becomes the route's.
    pub fn name(&self) -> &Ident {
        &self.sig.ident
    }
}

/// The function's attributes, by where they go.
pub(crate) struct Attributes {
    /// Docs go on the route's struct and register function, the two items users see.
    pub docs: Vec<Attribute>,
    /// `#[cfg]` goes on every generated item.
    pub cfgs: Vec<Attribute>,
    /// Everything else (`#[allow]`, `#[tracing::instrument]`, ...) stays on the function.
    pub others: Vec<Attribute>,
}

impl Attributes {
    pub fn split(attrs: Vec<Attribute>) -> Attributes {
        let mut split = Attributes {
            docs: Vec::new(),
            cfgs: Vec::new(),
            others: Vec::new(),
        };
        for attr in attrs {
            if attr.path().is_ident("doc") {
                split.docs.push(attr);
            } else if attr.path().is_ident("cfg") {
                split.cfgs.push(attr);
            } else {
                split.others.push(attr);
            }
        }
        split
    }
}

/// A function checked against its attribute, ready to emit.
pub(crate) struct Route {
    pub path: RoutePath,
    pub function: Function,
    /// How each parameter of the function is bound, in order.
    pub bindings: Vec<Binding>,
}

/// How one parameter of the function gets its value from the request.
pub(crate) struct Binding {
    /// The parameter's pattern as written (`id`, `mut id`, `Json(item)`, `_`).
    pub pat: Pat,
    /// Its type as written.
    pub ty: Type,
    /// A name for the value when the pattern is not one: `arg2`.
    pub name: Ident,
    pub source: Source,
}

/// Where a parameter's value comes from.
pub(crate) enum Source {
    /// A path param: `event.param("id")?`.
    PathParam { param: String },
    /// A parts extractor: `<Query<Paging> as ::h3rs::FromEvent>::from_event(&mut event)`.
    Parts,
    /// The last extractor, which may also read the body:
    /// `<Json<Item> as ::h3rs::extract::Extract<_>>::extract(&mut event)`.
    Last,
    /// The event itself.
    Event(EventUse),
}

/// How a function takes the event.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventUse {
    /// `&H3Event`.
    Shared,
    /// `&mut H3Event`.
    Mut,
    /// `H3Event`.
    Owned,
}

impl Binding {
    /// Whether the value is taken by an extractor.
    pub fn is_extractor(&self) -> bool {
        matches!(self.source, Source::Parts | Source::Last)
    }
}
