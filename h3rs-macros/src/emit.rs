//! The code shared by route and `#[sse]` expansions.
//!
//! A function `user` becomes three items, in the two namespaces:
//!
//! - a braced struct `user {}` (type namespace): the route's handler value. Its impl holds
//!   `respond`, which binds the request to the function's parameters; `impl h3rs::Handler`
//!   calls it and reports what the extractors require from the app (`State<T>` types);
//! - a function `fn user(app: H3) -> H3` (value namespace) that registers `user {}` on the
//!   app. It is a value that implements `Register` (as every `FnOnce(H3) -> H3` does), so
//!   `serve!(user)` and `routes![user]` take it.
//!
//! Neither item can be matched by a pattern: `let user = ...` and `Some(user) => ...` still
//! bind new variables in the route's module, as they would next to the function as written.
//! (A unit struct would be matched instead, and a braced struct does not live in the value
//! namespace.)

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Ident, ItemFn, Visibility};

use crate::model::{Attributes, Binding, EventUse, Function, Source};

/// The request inside expansions. Hygienic: a parameter named `event` does not shadow it.
pub(crate) fn event() -> Ident {
    Ident::new("event", Span::mixed_site())
}

/// The expression that takes a parameter's value from the request, or `None` for the event
/// itself. Spanned on the parameter's type, so that "FromStr / FromEvent is not implemented"
/// points there.
pub(crate) fn extraction(binding: &Binding, event: &Ident) -> Option<TokenStream> {
    let ty = &binding.ty;
    Some(match &binding.source {
        Source::PathParam { param } => {
            let method = Ident::new("param", ty.span());
            quote!(#event.#method(#param)?)
        }
        Source::Parts => quote_spanned! {ty.span()=>
            <#ty as ::h3rs::FromEvent>::from_event(&mut #event).await?
        },
        Source::Last => quote_spanned! {ty.span()=>
            <#ty as ::h3rs::extract::Extract<_>>::extract(&mut #event).await?
        },
        Source::Event(_) => return None,
    })
}

/// How a parameter that takes the event gets it.
pub(crate) fn event_value(used: EventUse, event: &Ident) -> TokenStream {
    match used {
        EventUse::Shared => quote!(&#event),
        EventUse::Mut => quote!(&mut #event),
        EventUse::Owned => event.to_token_stream(),
    }
}

/// Whether binding the parameters borrows the event mutably (`respond` takes `mut event`).
pub(crate) fn borrows_mut(bindings: &[Binding]) -> bool {
    bindings.iter().any(|binding| {
        binding.is_extractor() || matches!(binding.source, Source::Event(EventUse::Mut))
    })
}

/// The struct of the route's name, the value that `Handler` is implemented for.
pub(crate) fn route_struct(function: &Function) -> TokenStream {
    route_struct_named(function, function.name())
}

fn route_struct_named(function: &Function, name: &Ident) -> TokenStream {
    let Attributes { docs, cfgs, .. } = &function.attributes;
    let vis = &function.vis;
    quote! {
        #(#docs)*
        #(#cfgs)*
        #[allow(dead_code, non_camel_case_types)]
        #vis struct #name {}
    }
}

/// `impl h3rs::Handler for name`: `call` answers with `respond`; `requires` collects what the
/// extractors need from the app.
pub(crate) fn handler_impl(function: &Function, bindings: &[Binding]) -> TokenStream {
    let name = function.name();
    let cfgs = &function.attributes.cfgs;
    let event = event();
    let requirements = Ident::new("requirements", Span::mixed_site());
    let requires: Vec<TokenStream> = bindings
        .iter()
        .filter_map(|binding| {
            let ty = &binding.ty;
            let trait_path = match binding.source {
                Source::Parts => quote!(::h3rs::FromEvent),
                Source::Last => quote!(::h3rs::extract::Extract<_>),
                _ => return None,
            };
            Some(quote_spanned!(ty.span()=> <#ty as #trait_path>::requires(#requirements);))
        })
        .collect();
    // The default `requires` needs nothing: leave it out when no extractor is bound.
    let requires = (!requires.is_empty()).then(|| {
        quote! {
            fn requires(&self, #requirements: &mut ::h3rs::Requirements) {
                #(#requires)*
            }
        }
    });
    quote! {
        #(#cfgs)*
        impl ::h3rs::Handler for #name {
            fn call(&self, #event: ::h3rs::H3Event) -> ::h3rs::BoxFuture<'static, ::h3rs::Response> {
                let respond = Self::respond(#event);
                ::std::boxed::Box::pin(async move {
                    ::h3rs::IntoResponse::into_response(respond.await)
                })
            }
            #requires
        }
    }
}

/// `fn name(app: H3) -> H3`: the route as a value (in the value namespace, where the struct is
/// not), registered by the runtime's `impl Register for FnOnce(H3) -> H3`. A function is never
/// matched by a pattern, so it does not capture the user's `let name = ...`.
pub(crate) fn register_fn(
    vis: &Visibility,
    name: &Ident,
    attributes: &Attributes,
    register_doc: &str,
    body: TokenStream,
) -> TokenStream {
    let Attributes { docs, cfgs, .. } = attributes;
    // The user's docs, then a paragraph on registering.
    let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
    let register_doc = format!(" {register_doc}");
    quote! {
        #(#docs)*
        #separator
        #[doc = #register_doc]
        #(#cfgs)*
        #vis fn #name(app: ::h3rs::H3) -> ::h3rs::H3 {
            #body
        }
    }
}

/// The stand-in emitted with errors: the name still exists (the struct, and a register
/// function that registers nothing), and a route's body is still type-checked as `function`,
/// so that the errors do not cascade. In a body with `yield` (reported), each `yield value`
/// becomes `{ let _ = value; }` and the body's value is discarded, so that what the body uses
/// (imports, variables) stays used and no warning adds to the error; a body whose yields hide
/// in macro calls is left out.
pub(crate) fn fallback(function: ItemFn, what: &str) -> TokenStream {
    if matches!(function.sig.inputs.first(), Some(FnArg::Receiver(_))) {
        // A method in an impl block: leave it there as written.
        return function.into_token_stream();
    }
    let ItemFn {
        attrs,
        vis,
        mut sig,
        block,
    } = function;
    let name = sig.ident.clone();
    sig.ident = Ident::new("function", name.span());
    let function = Function {
        attributes: Attributes::split(attrs),
        vis,
        sig,
        block: *block,
    };
    let strukt = route_struct_named(&function, &name);
    let has_yield = !crate::sse_body::yields(function.block.to_token_stream()).is_empty();
    let body = if has_yield {
        crate::sse_body::without_yields(&function.block).map(|block| {
            // A generator's body need not end in the function's type: discard its value.
            quote!({ let _ = #block; ::std::unreachable!() })
        })
    } else {
        Some(function.block.to_token_stream())
    };
    let methods = body.map(|body| {
        let Function {
            attributes,
            vis,
            sig,
            ..
        } = &function;
        let Attributes { cfgs, others, .. } = attributes;
        let allow = has_yield.then(|| quote!(#[allow(unreachable_code)]));
        quote! {
            #(#cfgs)*
            #[allow(dead_code)]
            impl #name {
                #(#others)*
                #allow
                #vis #sig #body
            }
        }
    });
    let register = register_fn(
        &function.vis,
        &name,
        &function.attributes,
        &format!("Registers nothing: the {what} has errors."),
        quote!(app),
    );
    quote! {
        #strukt
        #methods
        #register
    }
}

/// The `#[doc]` of a generated item, as one attribute.
pub(crate) fn doc(text: &str) -> Attribute {
    let text = format!(" {text}");
    syn::parse_quote!(#[doc = #text])
}
