//! Parsing a macro's input into the model: the item under the attribute, the attribute's
//! arguments, and how each parameter of the function is bound.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::visit::Visit;
use syn::{
    FnArg, Ident, Item, ItemFn, Lit, LitStr, Pat, PatType, Signature, Token, Type, TypeImplTrait,
};

use crate::diagnostics::{Errors, code, head};
use crate::model::{Binding, EventUse, KeepAlive, Method, Source, SseArgs};
use crate::path::RoutePath;
use crate::validate;

/// The function under a route attribute.
pub(crate) fn route_function(method: Method, item: TokenStream) -> syn::Result<ItemFn> {
    let attribute = method.attribute();
    match syn::parse2::<Item>(item)? {
        Item::Fn(function) => Ok(function),
        item @ Item::Impl(_) => Err(syn::Error::new_spanned(
            head(&item),
            format!(
                "#[{attribute}] goes on a function, not on an impl block: write \
                 `{} async fn name() {{ ... }}`, or use #[websocket(\"/path\")] on the impl \
                 block of a WebSocket handler",
                method.example("/path")
            ),
        )),
        other => Err(syn::Error::new_spanned(
            head(&other),
            format!(
                "#[{attribute}] goes on a function: write `{} async fn name() {{ ... }}`",
                method.example("/path")
            ),
        )),
    }
}

/// The path literal of `#[get("/path")]`.
pub(crate) fn route_args(method: Method, args: TokenStream) -> syn::Result<LitStr> {
    let attribute = method.attribute();
    let parser = |input: ParseStream| {
        if input.is_empty() {
            // The call site of an attribute is the attribute.
            return Err(syn::Error::new(
                Span::call_site(),
                format!(
                    "#[{attribute}] needs the route path: write {}",
                    method.example("/path")
                ),
            ));
        }
        let literal = match input.fork().parse::<Lit>() {
            Ok(Lit::Str(literal)) => {
                input.parse::<Lit>()?;
                literal
            }
            _ => {
                let rest: TokenStream = input.parse()?;
                return Err(syn::Error::new_spanned(
                    &rest,
                    format!(
                        "the route path is a string: write {}",
                        method.example(&guess_path(&rest))
                    ),
                ));
            }
        };
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input.error(format!(
                "#[{attribute}] takes only the route path: write {}",
                method.example(&literal.value())
            )));
        }
        Ok(literal)
    };
    parser.parse2(args)
}

/// The path meant by unquoted tokens such as `/users/:id`, or an example path.
fn guess_path(tokens: &TokenStream) -> String {
    let literal = tokens
        .clone()
        .into_iter()
        .any(|token| matches!(token, TokenTree::Literal(_) | TokenTree::Group(_)));
    if literal {
        return "/users".to_owned();
    }
    let text: String = tokens
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if text.starts_with('/') {
        text
    } else {
        format!("/{text}")
    }
}

const SSE_EXAMPLE: &str = "#[sse(\"/path\")]";

/// The function under `#[sse]`.
pub(crate) fn sse_function(item: TokenStream) -> syn::Result<ItemFn> {
    match syn::parse2::<Item>(item)? {
        Item::Fn(function) => Ok(function),
        other => Err(syn::Error::new_spanned(
            head(&other),
            format!(
                "#[sse] goes on an async function that yields events: write \
                 `{SSE_EXAMPLE} async fn name() {{ yield \"event\"; }}`"
            ),
        )),
    }
}

/// The arguments of `#[sse("/path", keep_alive = 30)]`.
pub(crate) fn sse_args(args: TokenStream) -> syn::Result<SseArgs> {
    let parser = |input: ParseStream| {
        if input.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                format!("#[sse] needs the route path: write {SSE_EXAMPLE}"),
            ));
        }
        let path = match input.parse::<Lit>() {
            Ok(Lit::Str(path)) => path,
            Ok(other) => {
                return Err(syn::Error::new_spanned(
                    other,
                    format!("the route path is a string: write {SSE_EXAMPLE}"),
                ));
            }
            Err(error) => {
                return Err(syn::Error::new(
                    error.span(),
                    format!("the route path is a string: write {SSE_EXAMPLE}"),
                ));
            }
        };
        let mut keep_alive = KeepAlive::App;
        while input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            keep_alive = keep_alive_option(input, &path)?;
        }
        if !input.is_empty() {
            return Err(input.error(format!(
                "#[sse] takes the route path, then options: write \
                 #[sse(\"{}\", keep_alive = 30)]",
                path.value()
            )));
        }
        Ok(SseArgs { path, keep_alive })
    };
    parser.parse2(args)
}

/// `keep_alive = 30` or `keep_alive = false`.
fn keep_alive_option(input: ParseStream, path: &LitStr) -> syn::Result<KeepAlive> {
    let usage = format!(
        "write #[sse(\"{}\", keep_alive = 30)] (seconds of silence before a keep-alive \
         comment) or keep_alive = false",
        path.value()
    );
    let name: Ident = input
        .parse()
        .map_err(|error| syn::Error::new(error.span(), format!("expected an option: {usage}")))?;
    if name != "keep_alive" {
        return Err(syn::Error::new_spanned(
            &name,
            format!("unknown option `{name}`: the option of #[sse] is keep_alive; {usage}"),
        ));
    }
    input.parse::<Token![=]>()?;
    let value: Lit = input.parse()?;
    match &value {
        Lit::Int(seconds) => match seconds.base10_parse::<u64>()? {
            0 => Err(syn::Error::new_spanned(
                &value,
                "a keep-alive every 0 seconds is no keep-alive: write keep_alive = false",
            )),
            seconds => Ok(KeepAlive::Seconds(seconds)),
        },
        Lit::Bool(enabled) if !enabled.value => Ok(KeepAlive::Off),
        Lit::Bool(_) => Err(syn::Error::new_spanned(
            &value,
            "keep-alive is on by default (every 15 s): remove `keep_alive = true`, or give \
             the seconds, as in keep_alive = 30",
        )),
        _ => Err(syn::Error::new_spanned(
            &value,
            format!("keep_alive is a whole number of seconds or false: {usage}"),
        )),
    }
}

/// How each parameter of `sig` is bound, recording why those that cannot be are not. The last
/// extractor is `Source::Last`, the one that may read the body.
pub(crate) fn bindings(
    sig: &Signature,
    path: Option<&RoutePath>,
    errors: &mut Errors,
) -> Vec<Binding> {
    let mut bindings: Vec<Binding> = sig
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(index, input)| binding(index, input, path, errors))
        .collect();
    if let Some(last) = bindings
        .iter_mut()
        .rev()
        .find(|binding| binding.is_extractor())
    {
        last.source = Source::Last;
    }
    bindings
}

/// How one parameter is bound, or `None` after recording why it cannot be.
fn binding(
    index: usize,
    input: &FnArg,
    path: Option<&RoutePath>,
    errors: &mut Errors,
) -> Option<Binding> {
    let typed = match input {
        FnArg::Typed(typed) => typed,
        FnArg::Receiver(receiver) => {
            errors.spanned(
                receiver,
                "route handlers are free functions: move it out of the impl block, or use \
                 #[websocket(\"/path\")] on the impl block of a WebSocket handler",
            );
            return None;
        }
    };
    let PatType { pat, ty, .. } = typed;
    let ty = strip(ty);
    if contains_impl_trait(ty) {
        return None; // reported by validate::signature
    }
    let ident = plain_name(pat);
    let name = match ident {
        Some(ident) => ident.clone(),
        None => Ident::new(&format!("arg{index}"), Span::mixed_site()),
    };
    let binding = |source| Binding {
        pat: (**pat).clone(),
        ty: ty.clone(),
        name: name.clone(),
        source,
    };
    if let Some(event) = event_use(ty) {
        return Some(binding(Source::Event(event)));
    }
    let text = ident.map(|ident| ident.unraw().to_string());
    if let (Some(text), Some(path)) = (&text, path) {
        if path.param(text).is_some() {
            if let Type::Reference(reference) = ty {
                let owned = match primitive(&reference.elem) {
                    Some("str") => "String".to_owned(),
                    _ => code(&reference.elem),
                };
                errors.spanned(
                    ty,
                    format!("path params are parsed into owned values: write `{text}: {owned}`"),
                );
                return None;
            }
            return Some(binding(Source::PathParam {
                param: text.clone(),
            }));
        }
    }
    if let Some(primitive) = primitive(ty) {
        if let Some(path) = path {
            errors.push(validate::unknown_param(
                primitive,
                text.as_deref(),
                pat,
                ty,
                path,
            ));
        }
        return None;
    }
    if let Type::Reference(reference) = ty {
        errors.spanned(
            ty,
            format!(
                "extractors are owned values: write `{}` instead of `{}` (only `&H3Event` and \
                 `&mut H3Event` are borrowed)",
                code(&reference.elem),
                code(ty),
            ),
        );
        return None;
    }
    Some(binding(Source::Parts))
}

/// The name of a parameter whose pattern is only a name (`id`, `mut id`).
pub(crate) fn plain_name(pat: &Pat) -> Option<&Ident> {
    match pat {
        Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => Some(&pat.ident),
        _ => None,
    }
}

/// `ty` without invisible groups and parentheses.
pub(crate) fn strip(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => strip(&group.elem),
        Type::Paren(paren) => strip(&paren.elem),
        _ => ty,
    }
}

pub(crate) fn contains_impl_trait(ty: &Type) -> bool {
    struct Find(bool);
    impl<'ast> Visit<'ast> for Find {
        fn visit_type_impl_trait(&mut self, _: &'ast TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut find = Find(false);
    find.visit_type(ty);
    find.0
}

/// How a parameter of type `ty` takes the event, if it does: `&H3Event`, `&mut H3Event`,
/// `H3Event` (any path ending in `H3Event`).
pub(crate) fn event_use(ty: &Type) -> Option<EventUse> {
    match strip(ty) {
        Type::Reference(reference) if is_event(&reference.elem) => {
            Some(match reference.mutability {
                Some(_) => EventUse::Mut,
                None => EventUse::Shared,
            })
        }
        ty if is_event(ty) => Some(EventUse::Owned),
        _ => None,
    }
}

fn is_event(ty: &Type) -> bool {
    last_segment(strip(ty)).is_some_and(|name| name == "H3Event")
}

/// The last segment of a plain type path without generic arguments: `u64` for
/// `std::primitive::u64`.
pub(crate) fn last_segment(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .filter(|segment| segment.arguments.is_none())
            .map(|segment| &segment.ident),
        _ => None,
    }
}

/// The name of a type that only makes sense as a path param: a number, `bool`, `char`, `str`
/// or `&str`. (`String` is also an extractor: the body as text.)
pub(crate) fn primitive(ty: &Type) -> Option<&'static str> {
    const PRIMITIVES: [&str; 17] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "bool", "char", "str",
    ];
    let ty = match strip(ty) {
        Type::Reference(reference) => strip(&reference.elem),
        ty => ty,
    };
    let name = last_segment(ty)?;
    PRIMITIVES.into_iter().find(|primitive| name == primitive)
}
