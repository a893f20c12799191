//! `#[group] mod api { ... }`: a module whose routes register together.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Attribute, Item, ItemMod};

/// The attribute on items that `#[group]` collects (last path segment).
const ROUTE_ATTRIBUTES: [&str; 10] = [
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "all",
    "websocket",
    "sse",
];

/// This attribute's name, also collected when a nested module carries it.
const GROUP: &str = "group";

/// `#[group] mod api { ... }` adds `pub fn routes() -> ::h3rs::Routes` to the module, with
/// every route in it.
pub(crate) fn expand_group(args: TokenStream, item: TokenStream) -> TokenStream {
    match group(args, item.clone()) {
        Ok(expanded) => expanded,
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#error #item)
        }
    }
}

fn group(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if let Some(token) = args.into_iter().next() {
        return Err(syn::Error::new(
            token.span(),
            format!("#[{GROUP}] takes no arguments: write #[h3rs::{GROUP}] mod name {{ ... }}"),
        ));
    }
    let mut module: ItemMod = syn::parse2(item).map_err(|error| {
        syn::Error::new(
            error.span(),
            format!(
                "#[{GROUP}] goes on a module of routes: write #[h3rs::{GROUP}] mod name {{ ... }}"
            ),
        )
    })?;
    let name = &module.ident;
    let Some((_, items)) = &mut module.content else {
        return Err(syn::Error::new_spanned(
            &module,
            format!(
                "#[{GROUP}] needs the routes of `mod {name}` inline: write `mod {name} {{ ... }}`"
            ),
        ));
    };
    let members: Vec<Member> = items.iter().flat_map(Member::of).collect();
    if members.is_empty() {
        return Err(syn::Error::new_spanned(
            &module.ident,
            format!(
                "no route found in `mod {name}`: annotate its functions with #[get(\"/...\")] \
                 or another route attribute"
            ),
        ));
    }
    let doc = format!(" Every route of `mod {name}`, to register or mount.");
    let body = if members.iter().any(|member| !member.cfgs.is_empty()) {
        // Some routes exist only under a `#[cfg]`: add each one under its own.
        let adds = members.iter().map(|member| {
            let Member { value, cfgs } = member;
            quote!(#(#cfgs)* let routes = routes.with(#value);)
        });
        quote! {
            let routes = ::h3rs::Routes::new();
            #(#adds)*
            routes
        }
    } else {
        let values = members.iter().map(|member| &member.value);
        quote!(::h3rs::Routes::new() #(.with(#values))*)
    };
    items.push(syn::parse_quote! {
        #[doc = #doc]
        pub fn routes() -> ::h3rs::Routes {
            #body
        }
    });
    Ok(module.into_token_stream())
}

/// An item of the module that the group registers.
struct Member {
    /// The value to register: `index` (a route's register function), `Chat` (the struct of a
    /// `#[websocket]` impl), `api::routes()`.
    value: TokenStream,
    cfgs: Vec<Attribute>,
}

impl Member {
    /// The routes that `item` defines: none, one, or the `#[sse]` functions of a
    /// `yielding! { ... }` block.
    fn of(item: &Item) -> Vec<Member> {
        match item {
            Item::Macro(call) if is_yielding(&call.mac) => {
                let items = call.mac.parse_body_with(|input: syn::parse::ParseStream| {
                    let mut items = Vec::new();
                    while !input.is_empty() {
                        items.push(input.parse::<Item>()?);
                    }
                    Ok(items)
                });
                // A block that does not parse is reported by `yielding!` itself.
                items
                    .unwrap_or_default()
                    .iter()
                    .flat_map(Member::of)
                    .collect()
            }
            item => Member::one(item).into_iter().collect(),
        }
    }

    fn one(item: &Item) -> Option<Member> {
        let (attrs, value) = match item {
            Item::Fn(function) if has_attribute(&function.attrs, &ROUTE_ATTRIBUTES) => {
                (&function.attrs, function.sig.ident.to_token_stream())
            }
            Item::Impl(block) if has_attribute(&block.attrs, &["websocket"]) => {
                (&block.attrs, block.self_ty.to_token_stream())
            }
            Item::Mod(module) if has_attribute(&module.attrs, &[GROUP]) => {
                let name = &module.ident;
                (&module.attrs, quote!(#name::routes()))
            }
            _ => return None,
        };
        let cfgs = attrs
            .iter()
            .filter(|attr| attr.path().is_ident("cfg"))
            .cloned()
            .collect();
        Some(Member { value, cfgs })
    }
}

fn is_yielding(call: &syn::Macro) -> bool {
    call.path
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "yielding")
}

fn has_attribute(attrs: &[Attribute], names: &[&str]) -> bool {
    attrs.iter().any(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| names.iter().any(|name| segment.ident == name))
    })
}
