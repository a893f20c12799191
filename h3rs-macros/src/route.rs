//! Route attributes: `#[get("/users/:id")]` and the other methods, on a function.
//!
//! Besides the items every route has (see `emit.rs`), the struct's impl holds `function`, the
//! function as written, and `respond` binds path params with `event.param`, the event itself,
//! the extractors with `FromEvent` (the last one with `Extract`, as it may read the body), and
//! calls `function`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, ReturnType};

use crate::diagnostics::Errors;
use crate::emit;
use crate::model::{Attributes, Function, Method, Route, Source};
use crate::parse;
use crate::path::RoutePath;
use crate::validate;

/// Expands a route attribute. On errors, emits them along with a stand-in that keeps the
/// function body type-checked and the route's name defined, so that no error cascades.
pub(crate) fn expand(method: Method, args: TokenStream, item: TokenStream) -> TokenStream {
    let function = match parse::route_function(method, item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#error #item);
        }
    };
    match check(method, args, function.clone()) {
        Ok(route) => emit(method, route),
        Err(error) => {
            let error = error.to_compile_error();
            let fallback = emit::fallback(function, "route");
            quote!(#error #fallback)
        }
    }
}

/// Parses the attribute and checks the function against it, reporting every problem found.
fn check(method: Method, args: TokenStream, function: syn::ItemFn) -> syn::Result<Route> {
    let mut errors = Errors::default();
    let path = errors.check(parse::route_args(method, args).and_then(RoutePath::parse));
    validate::signature(&function, &mut errors);
    let bindings = parse::bindings(&function.sig, path.as_ref(), &mut errors);
    validate::event_uses(&function, &mut errors);
    validate::body_position(&bindings, &mut errors);
    if let Some(path) = &path {
        validate::misspelt_params(&bindings, path, &mut errors);
    }
    validate::no_yield(&function.block, method.attribute(), &mut errors);
    errors.finish()?;
    let syn::ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    Ok(Route {
        path: path.expect("an invalid path is an error"),
        function: Function {
            attributes: Attributes::split(attrs),
            vis,
            sig,
            block: *block,
        },
        bindings,
    })
}

fn emit(method: Method, route: Route) -> TokenStream {
    let Route {
        path,
        function,
        bindings,
    } = &route;
    let name = function.name();
    let literal = &path.literal;
    let pattern = literal.value();
    let route_text = match method.constant() {
        Some(constant) => format!("`{constant} {pattern}`"),
        None => format!("`{pattern}`, every method,"),
    };
    let strukt = emit::route_struct(function);
    let handler = emit::handler_impl(function, bindings);
    let value = quote!(#name {});
    let registration = match method.constant() {
        Some(constant) => {
            let constant = Ident::new(constant, Span::call_site());
            quote!(app.on(::h3rs::Method::#constant, #literal, #value))
        }
        None => quote!(app.all(#literal, #value)),
    };
    let register = emit::register_fn(
        &function.vis,
        name,
        &function.attributes,
        &format!("Registers {route_text} on an app: `app.register({name})`."),
        registration,
    );
    let methods = methods(function, bindings, &route_text);
    let cfgs = &function.attributes.cfgs;
    quote! {
        #strukt

        #(#cfgs)*
        #[allow(dead_code)]
        impl #name {
            #methods
        }

        #handler

        #register
    }
}

/// `function` (as written) and `respond`.
fn methods(
    function: &Function,
    bindings: &[crate::model::Binding],
    route_text: &str,
) -> TokenStream {
    let Function {
        attributes,
        vis,
        sig,
        block,
    } = function;
    let mut sig = sig.clone();
    sig.ident = Ident::new("function", sig.ident.span());
    let doc = emit::doc(&format!("The function as written: {route_text}."));
    let others = &attributes.others;

    let event = emit::event();
    let mut lets = Vec::new();
    let mut values = Vec::new();
    for binding in bindings {
        match (&binding.source, emit::extraction(binding, &event)) {
            (Source::Event(used), _) => values.push(emit::event_value(*used, &event)),
            (_, Some(value)) => {
                let name = &binding.name;
                let annotation = match binding.source {
                    Source::PathParam { .. } => {
                        let ty = &binding.ty;
                        quote!(: #ty)
                    }
                    _ => quote!(),
                };
                lets.push(quote!(let #name #annotation = #value;));
                values.push(name.to_token_stream());
            }
            (_, None) => {}
        }
    }
    let input = match (bindings.is_empty(), emit::borrows_mut(bindings)) {
        (true, _) => quote!(_),
        (false, true) => quote!(mut #event),
        (false, false) => event.to_token_stream(),
    };
    let wait = sig.asyncness.map(|_| quote!(.await));
    // "IntoResponse is not implemented" is reported on the return type and the body of
    // `respond`: give them the span of the function's return type, so that the error points
    // there.
    let output = match &sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => Span::call_site(),
    };
    let result = quote_spanned! {output=>
        impl ::std::future::Future<
            Output = ::std::result::Result<impl ::h3rs::IntoResponse, ::h3rs::HttpError>,
        > + use<>
    };
    let body = quote_spanned! {output=> async move {
        #(#lets)*
        ::std::result::Result::Ok(Self::function(#(#values),*) #wait)
    }};
    quote! {
        #doc
        #(#others)*
        #vis #sig #block

        /// Binds the request to the function's parameters and calls it.
        fn respond(
            #input: ::h3rs::H3Event,
        ) -> #result {
            #body
        }
    }
}
