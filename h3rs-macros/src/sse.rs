//! `#[sse("/events")]` on an `async fn` whose body `yield`s server-sent events, and
//! `yielding! { ... }`, where such functions are written.
//!
//! Besides the items every route has (see `emit.rs`), the struct's impl holds `respond`,
//! which binds the parameters as a route does, then answers with an `::h3rs::sse::Sse`
//! response whose events are the function's body made an async-stream generator (see
//! `sse_body.rs`): `stream!`, or `try_stream!` for a function returning `Result<(), E>`, whose
//! error ends the stream. The event is moved into the generator, so `&H3Event` parameters
//! borrow it for as long as the stream runs. The register function adds `GET path`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Ident, Item, ItemFn, ReturnType, Type};

use crate::diagnostics::{Errors, code, head};
use crate::emit;
use crate::model::{Attributes, Binding, Function, KeepAlive, Route, Source, SseArgs};
use crate::parse;
use crate::path::RoutePath;
use crate::sse_body;
use crate::validate;

const EXAMPLE: &str = "#[sse(\"/path\")]";

/// Where an `#[sse]` function is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// Inside `h3rs::yielding! { ... }`, where the compiler has not parsed the body: it may
    /// `yield`.
    Yielding,
    /// Under the attribute alone. The compiler has parsed the body already, and stable Rust
    /// rejects `yield` there before any macro runs: the body cannot yield.
    Attribute,
}

/// `yielding! { #[sse("/a")] async fn a() { ... } ... }`: every function of the block,
/// expanded as `#[sse]` expands it.
pub(crate) fn expand_yielding(input: TokenStream) -> TokenStream {
    let parser = |input: ParseStream| {
        let mut items = Vec::new();
        while !input.is_empty() {
            items.push(input.parse::<Item>()?);
        }
        Ok(items)
    };
    let items = match parser.parse2(input) {
        Ok(items) => items,
        Err(error) => return error.to_compile_error(),
    };
    if items.is_empty() {
        return syn::Error::new(
            Span::call_site(),
            "yielding! holds #[sse] functions: write \
             `h3rs::yielding! { #[sse(\"/path\")] async fn name() { yield \"event\"; } }`",
        )
        .to_compile_error();
    }
    items.into_iter().map(expand_item).collect()
}

/// One item of `yielding!`: an `#[sse]` function.
fn expand_item(mut item: Item) -> TokenStream {
    let attrs = match &mut item {
        Item::Fn(function) => &mut function.attrs,
        _ => &mut Vec::new(),
    };
    let position = attrs.iter().position(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "sse")
    });
    let Some(position) = position else {
        let error = syn::Error::new_spanned(
            head(&item),
            format!(
                "yielding! holds #[sse] functions only: add {EXAMPLE} to it, or move it out \
                 of the block"
            ),
        );
        return error.to_compile_error();
    };
    let attr = attrs.remove(position);
    let args = match attr.meta {
        syn::Meta::List(list) => list.tokens,
        _ => TokenStream::new(),
    };
    expand(args, item.into_token_stream(), Place::Yielding)
}

/// Expands `#[sse]`. On errors, emits them with a stand-in that keeps the name defined.
pub(crate) fn expand(args: TokenStream, item: TokenStream, place: Place) -> TokenStream {
    let function = match parse::sse_function(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#error #item);
        }
    };
    match check(args, function.clone(), place) {
        Ok(stream) => emit(stream),
        Err(error) => {
            let error = error.to_compile_error();
            let fallback = emit::fallback(function, "event stream");
            quote!(#error #fallback)
        }
    }
}

/// A checked `#[sse]` function, its body already a generator's.
struct SseRoute {
    route: Route,
    keep_alive: KeepAlive,
    /// The declared result of a fallible function: `Result<(), E>`.
    result: Option<Type>,
    /// Whether the body yields at all.
    yields: bool,
}

fn check(args: TokenStream, function: ItemFn, place: Place) -> syn::Result<SseRoute> {
    let mut errors = Errors::default();
    let args = errors.check(parse::sse_args(args));
    let path = args
        .as_ref()
        .and_then(|args| errors.check(RoutePath::parse(args.path.clone())));
    if function.sig.asyncness.is_none() {
        let name = &function.sig.ident;
        errors.spanned(
            function.sig.fn_token,
            format!(
                "#[sse] goes on an `async fn`, whose body may `.await` between yields: \
                 write `async fn {name}`"
            ),
        );
    }
    validate::signature(&function, &mut errors);
    let bindings = parse::bindings(&function.sig, path.as_ref(), &mut errors);
    validate::event_uses(&function, &mut errors);
    validate::body_position(&bindings, &mut errors);
    if let Some(path) = &path {
        validate::misspelt_params(&bindings, path, &mut errors);
    }
    let result = result(&function.sig.output, &mut errors);
    if place == Place::Attribute {
        for span in sse_body::yields(function.block.to_token_stream()) {
            errors.at(
                span,
                "stable Rust rejects `yield` in a function body before #[sse] can rewrite \
                 it (the E0658 that follows): write the function inside \
                 `h3rs::yielding! { ... }`",
            );
        }
    }
    let ItemFn {
        attrs,
        vis,
        sig,
        mut block,
    } = function;
    let yields = sse_body::rewrite(&mut block, result.as_ref(), &mut errors);
    errors.finish()?;
    let SseArgs { keep_alive, .. } = args.expect("invalid arguments are an error");
    Ok(SseRoute {
        route: Route {
            path: path.expect("an invalid path is an error"),
            function: Function {
                attributes: Attributes::split(attrs),
                vis,
                sig,
                block: *block,
            },
            bindings,
        },
        keep_alive,
        result,
        yields,
    })
}

/// The declared result of a fallible function, `None` for one that returns nothing. Only a
/// type named like a `Result` can be one (`Result<(), E>`, `io::Result<()>`); the compiler
/// checks the rest.
fn result(output: &ReturnType, errors: &mut Errors) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    if matches!(parse::strip(ty), Type::Tuple(tuple) if tuple.elems.is_empty()) {
        return None;
    }
    let named_result = match parse::strip(ty) {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident.to_string().ends_with("Result")),
        _ => false,
    };
    if !named_result {
        errors.spanned(
            ty,
            format!(
                "an #[sse] function returns nothing or `Result<(), E>`: remove `-> {}`, or \
                 return `Result<(), E>` to use `?` (an error ends the stream)",
                code(ty)
            ),
        );
    }
    Some((**ty).clone())
}

fn emit(stream: SseRoute) -> TokenStream {
    let SseRoute {
        route,
        keep_alive,
        result,
        yields,
    } = stream;
    let Route {
        path,
        function,
        bindings,
    } = &route;
    let name = function.name();
    let literal = &path.literal;
    let route_text = format!("`GET {}`, server-sent events,", literal.value());
    let strukt = emit::route_struct(function);
    let handler = emit::handler_impl(function, bindings);
    let register = emit::register_fn(
        &function.vis,
        name,
        &function.attributes,
        &format!("Registers {route_text} on an app: `app.register({name})`."),
        quote!(app.get(#literal, #name {})),
    );
    let respond = respond(function, bindings, &keep_alive, result.as_ref(), yields);
    let cfgs = &function.attributes.cfgs;
    quote! {
        #strukt

        #(#cfgs)*
        #[allow(dead_code)]
        impl #name {
            #respond
        }

        #handler

        #register
    }
}

/// `async fn respond(mut event: H3Event) -> Result<Sse, HttpError>`.
fn respond(
    function: &Function,
    bindings: &[Binding],
    keep_alive: &KeepAlive,
    result: Option<&Type>,
    yields: bool,
) -> TokenStream {
    let event = emit::event();
    let response = Ident::new("response", Span::mixed_site());
    let events = Ident::new("events", Span::mixed_site());
    // Bound before the stream starts, so that a bad request is answered as one; the values
    // move into the generator.
    let mut lets = Vec::new();
    // The event is moved into the generator and lent to its parameters there.
    let mut event_lets = Vec::new();
    for binding in bindings {
        let pat = &binding.pat;
        match (&binding.source, emit::extraction(binding, &event)) {
            (Source::Event(used), _) => {
                let value = emit::event_value(*used, &event);
                event_lets.push(quote!(let #pat = #value;));
            }
            (Source::PathParam { .. }, Some(value)) => {
                let ty = &binding.ty;
                lets.push(quote!(let #pat: #ty = #value;));
            }
            (_, Some(value)) => lets.push(quote!(let #pat = #value;)),
            (_, None) => {}
        }
    }
    let input = if emit::borrows_mut(bindings) {
        quote!(mut #event)
    } else {
        event.to_token_stream()
    };
    let keep_alive = match keep_alive {
        KeepAlive::App => TokenStream::new(),
        KeepAlive::Seconds(seconds) => {
            let seconds = proc_macro2::Literal::u64_unsuffixed(*seconds);
            quote!(.keep_alive(::std::time::Duration::from_secs(#seconds)))
        }
        KeepAlive::Off => quote!(.no_keep_alive()),
    };
    // A body that never yields still makes a stream of events.
    let typed = (!yields).then(|| {
        quote! {
            if false {
                yield ::h3rs::sse::SseEvent::default();
            }
        }
    });
    let stmts = &function.block.stmts;
    let generator = match result {
        Some(_) => quote!(::h3rs::__private::try_stream!),
        None => quote!(::h3rs::__private::stream!),
    };
    let answer = match result {
        // "SseResult is not implemented" points at the function's return type.
        Some(result) => {
            let events = quote_spanned! {result.span()=>
                ::h3rs::__private::returning::<#result, _>(#events)
            };
            quote!(#response.try_stream(#events))
        }
        None => quote!(#response.stream(#events)),
    };
    let others = &function.attributes.others;
    quote! {
        /// Binds the request to the stream's parameters and starts the stream: the
        /// function's body, as a generator.
        #(#others)*
        async fn respond(#input: ::h3rs::H3Event) -> ::std::result::Result<::h3rs::sse::Sse, ::h3rs::HttpError> {
            #(#lets)*
            let #response = ::h3rs::sse::Sse::new(&#event) #keep_alive;
            let #events = #generator {
                #(#event_lets)*
                #typed
                #(#stmts)*
            };
            ::std::result::Result::Ok(#answer)
        }
    }
}
