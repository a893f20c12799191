//! Whole apps: `app![a, b]` builds one, `serve!(a, b)` also writes `main` to serve it.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Token};

/// The comma-separated items of `app!` and `serve!`.
fn items(input: TokenStream) -> syn::Result<Punctuated<Expr, Token![,]>> {
    Punctuated::parse_terminated.parse2(input)
}

/// `app![a, b]` is `::h3rs::H3::new().register(a).register(b)`.
pub(crate) fn expand_app(input: TokenStream) -> TokenStream {
    match items(input) {
        Ok(items) => {
            let items = items.iter();
            quote!(::h3rs::H3::new() #(.register(#items))*)
        }
        Err(error) => error.to_compile_error(),
    }
}

/// `serve!(a, b)` is a `main` that serves `app![a, b]` with `::h3rs::run`.
pub(crate) fn expand_serve(input: TokenStream) -> TokenStream {
    let items = match items(input) {
        Ok(items) if items.is_empty() => Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "serve! needs the routes to serve: write `h3rs::serve!(index, user)`",
        )),
        result => result,
    };
    match items {
        Ok(items) => {
            let items = items.iter();
            quote! {
                fn main() -> ::std::process::ExitCode {
                    ::h3rs::run(async { ::h3rs::H3::new() #(.register(#items))* })
                }
            }
        }
        Err(error) => {
            // `main` still exists, so the error is not followed by "`main` function not found".
            let error = error.to_compile_error();
            quote! {
                #error
                fn main() {}
            }
        }
    }
}
