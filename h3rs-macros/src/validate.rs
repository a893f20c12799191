//! Checks of a parsed function against what its attribute can serve, each error spanned on the
//! user's token and saying what to write instead.

use syn::visit::Visit;
use syn::{Block, FnArg, GenericParam, ItemFn, Pat, PathArguments, Type, TypeImplTrait};

use crate::diagnostics::{Errors, closest, code};
use crate::model::{Binding, EventUse, Source};
use crate::parse::{event_use, last_segment, plain_name, strip};
use crate::path::RoutePath;

/// Generics, `unsafe` and `impl Trait` parameters cannot be called from a request.
pub(crate) fn signature(function: &ItemFn, errors: &mut Errors) {
    for param in &function.sig.generics.params {
        match param {
            GenericParam::Type(ty) => errors.spanned(
                param,
                format!(
                    "route handlers cannot be generic: replace `{}` with a concrete type",
                    ty.ident
                ),
            ),
            GenericParam::Const(constant) => errors.spanned(
                param,
                format!(
                    "route handlers cannot be generic: replace `{}` with a constant",
                    constant.ident
                ),
            ),
            GenericParam::Lifetime(_) => {}
        }
    }
    if let Some(unsafety) = &function.sig.unsafety {
        errors.spanned(
            unsafety,
            "route handlers cannot be `unsafe`: remove `unsafe` and use an `unsafe` block in the body",
        );
    }
    struct ImplTraits<'a>(&'a mut Errors);
    impl<'ast> Visit<'ast> for ImplTraits<'_> {
        fn visit_type_impl_trait(&mut self, ty: &'ast TypeImplTrait) {
            self.0.spanned(
                ty,
                "route handlers cannot be generic: write a concrete type instead of `impl Trait`",
            );
        }
    }
    for input in &function.sig.inputs {
        if let FnArg::Typed(typed) = input {
            ImplTraits(errors).visit_type(&typed.ty);
        }
    }
}

/// A function can borrow the event several times, but take it mutably or by value only once.
pub(crate) fn event_uses(function: &ItemFn, errors: &mut Errors) {
    let uses: Vec<(&Type, EventUse)> = function
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => event_use(strip(&typed.ty)).map(|used| (&*typed.ty, used)),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let exclusive = uses.iter().any(|(_, used)| *used != EventUse::Shared);
    if exclusive {
        for (ty, _) in uses.iter().skip(1) {
            errors.spanned(
                ty,
                "the handler takes the event twice: take it once, as `&H3Event`, \
                 `&mut H3Event` or `H3Event`",
            );
        }
    }
}

/// A parameter of a path-param type (`u64`, `&str`, ...) that matches no param of the path.
pub(crate) fn unknown_param(
    primitive: &str,
    name: Option<&str>,
    pat: &Pat,
    ty: &Type,
    path: &RoutePath,
) -> syn::Error {
    let pattern = path.literal.value();
    let message = match name {
        Some(name) if path.params.is_empty() => format!(
            "`{name}` is not a param of the path \"{pattern}\", which has none: add `:{name}` \
             to the path, as in \"{}/:{name}\"",
            pattern.trim_end_matches('/'),
        ),
        Some(name) => match closest(name, path.params.iter().map(|param| param.name.as_str())) {
            Some(param) => format!(
                "`{name}` is not a param of the path \"{pattern}\": did you mean `{param}`? \
                 write `{param}: {}`",
                code(ty)
            ),
            None => format!(
                "`{name}` is not a param of the path \"{pattern}\", which has {}: rename the \
                 parameter to one of them, or add `:{name}` to the path",
                path.describe_params()
            ),
        },
        None => format!(
            "a `{primitive}` parameter is parsed from the path: name it like a param of \
             \"{pattern}\", as in `id: {primitive}` for \"/users/:id\""
        ),
    };
    match name {
        Some(_) => syn::Error::new_spanned(pat, message),
        None => syn::Error::new_spanned(ty, message),
    }
}

/// An extractor named one typo away from a `:param` that no parameter takes: `rooom: String`
/// for `/rooms/:room` would otherwise compile, and read the body. Only plain types (`String`,
/// `Uuid`) are checked: `Query<T>` and the like are never path params.
pub(crate) fn misspelt_params(bindings: &[Binding], path: &RoutePath, errors: &mut Errors) {
    let taken: Vec<&str> = bindings
        .iter()
        .filter_map(|binding| match &binding.source {
            Source::PathParam { param } => Some(param.as_str()),
            _ => None,
        })
        .collect();
    let untaken = || {
        path.params
            .iter()
            .map(|param| param.name.as_str())
            .filter(|name| !taken.contains(name))
    };
    for binding in bindings.iter().filter(|binding| binding.is_extractor()) {
        let (Some(ident), Some(ty)) = (plain_name(&binding.pat), last_segment(&binding.ty)) else {
            continue;
        };
        let name = syn::ext::IdentExt::unraw(ident).to_string();
        let Some(param) = closest(&name, untaken()) else {
            continue;
        };
        let pattern = path.literal.value();
        let meaning = match ty.to_string().as_str() {
            "String" => ", so a `String` parameter is the request body as text",
            "Bytes" => ", so a `Bytes` parameter is the request body",
            _ => "",
        };
        errors.spanned(
            &binding.pat,
            format!(
                "`{name}` is not a param of the path \"{pattern}\"{meaning}: did you mean \
                 `{param}`? write `{param}: {}`",
                code(&binding.ty)
            ),
        );
    }
}

/// The extractors that read the body, by name: the macro cannot see traits, but it can give
/// the built-in ones a message that names both parameters (any other type is caught by the
/// compiler, which reports that it is not a `FromEvent`).
const BODY_EXTRACTORS: [&str; 4] = ["Json", "Form", "Bytes", "String"];

/// The name of the body extractor `ty` is, through an `Option`: `Json` for
/// `Option<axum::Json<T>>`.
fn body_extractor(ty: &Type) -> Option<String> {
    let Type::Path(path) = strip(ty) else {
        return None;
    };
    let segment = path.path.segments.last()?;
    let name = segment.ident.to_string();
    if name == "Option" {
        if let PathArguments::AngleBracketed(args) = &segment.arguments {
            if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                return body_extractor(inner);
            }
        }
        return None;
    }
    BODY_EXTRACTORS.contains(&name.as_str()).then_some(name)
}

/// Only the last extractor may read the body: a body extractor before it is an error that
/// says where to put it, or, when the last one reads the body too, that there can be one.
pub(crate) fn body_position(bindings: &[Binding], errors: &mut Errors) {
    let Some(last) = bindings
        .iter()
        .find(|binding| matches!(binding.source, Source::Last))
    else {
        return;
    };
    let last_reads_body = body_extractor(&last.ty).is_some();
    for binding in bindings
        .iter()
        .filter(|binding| matches!(binding.source, Source::Parts))
    {
        if body_extractor(&binding.ty).is_none() {
            continue;
        }
        let ty = code(&binding.ty);
        let message = if last_reads_body {
            format!(
                "`{ty}` and `{}` both read the request body, which can be read once: take \
                 one of them (`Bytes` gives the raw body, to parse in more than one way)",
                code(&last.ty)
            )
        } else {
            format!(
                "`{ty}` reads the request body, so it must be the last extractor: move `{}: \
                 {ty}` after `{}: {}`",
                code(&binding.pat),
                code(&last.pat),
                code(&last.ty)
            )
        };
        errors.spanned(&binding.ty, message);
    }
}

/// A route's body has no `yield`, which only `#[sse]` functions may use.
pub(crate) fn no_yield(body: &Block, attribute: &str, errors: &mut Errors) {
    for span in crate::sse_body::yields(quote::ToTokens::to_token_stream(body)) {
        errors.at(
            span,
            format!(
                "`yield` streams server-sent events, which a #[{attribute}] route cannot (and \
                 stable Rust rejects it here: the E0658 that follows): write the function as \
                 #[sse(\"/path\")] inside `h3rs::yielding! {{ ... }}`"
            ),
        );
    }
}
