//! `#[websocket("/path")]` on an `impl` block: its hook methods become an
//! implementation of `h3rs::ws::WebSocket`, and the type registers itself.
//!
//! The impl block stays as written (other methods remain ordinary methods).
//! Two impls are added:
//!
//! - `impl ::h3rs::ws::WebSocket for Chat`, whose methods call the hooks as
//!   written (`Chat::open(self, peer)`), awaiting them when they are async;
//! - `impl ::h3rs::Register for Chat`: `app.websocket("/path", self)`, so a
//!   value of the type (`Chat`, `Chat::new(db)`) goes into `serve!`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, LitStr, ReturnType, Type};

use crate::diagnostics::{Errors, code, edit_distance};
use crate::parse::{contains_impl_trait, primitive, strip};
use crate::path::RoutePath;

/// A hook of `h3rs::ws::WebSocket`: its name and the parameters after `&self`.
struct Hook {
    name: &'static str,
    /// The parameter names and types as the runtime passes them.
    params: &'static [(&'static str, &'static str)],
    /// How many leading parameters the user must declare (the rest may be left out).
    required: usize,
}

const HOOKS: &[Hook] = &[
    Hook {
        name: "upgrade",
        params: &[("event", "&H3Event")],
        required: 1,
    },
    Hook {
        name: "open",
        params: &[("peer", "&Peer")],
        required: 1,
    },
    Hook {
        name: "message",
        params: &[("peer", "&Peer"), ("message", "Message")],
        required: 2,
    },
    Hook {
        name: "close",
        params: &[("peer", "&Peer"), ("details", "CloseDetails")],
        required: 1,
    },
    Hook {
        name: "error",
        params: &[("peer", "&Peer"), ("error", "WsError")],
        required: 1,
    },
    Hook {
        name: "drain",
        params: &[("peer", "&Peer")],
        required: 1,
    },
];

/// What an `upgrade` hook may return, for messages.
const UPGRADE_RESULTS: &str = "nothing (accept), `Upgrade`, or `Result<Upgrade, E>` / \
     `Result<(), E>` where `E` is any response (`Err` rejects the handshake with it)";

/// What a `message` hook may take, for messages.
const MESSAGE_TYPES: &str = "`Message`, `String` (text frames), `Bytes` (binary frames), \
     `Json<T>`, or a type implementing `h3rs::ws::FromMessage`";

impl Hook {
    /// The hook's full signature, as the misspelt-hook error suggests it.
    fn signature(&self) -> String {
        self.signature_with(self.params.len())
    }

    fn signature_with(&self, count: usize) -> String {
        let params: Vec<String> = self.params[..count]
            .iter()
            .map(|(name, ty)| format!("{name}: {ty}"))
            .collect();
        let ret = if self.name == "upgrade" {
            " -> Result<Upgrade, HttpError>"
        } else {
            ""
        };
        format!("async fn {}(&self, {}){ret}", self.name, params.join(", "))
    }

    /// Every signature the hook may have, for errors: `expected `a` or `b``.
    fn accepted(&self) -> String {
        let forms: Vec<String> = (self.required..=self.params.len())
            .map(|count| format!("`{}`", self.signature_with(count)))
            .collect();
        let mut text = format!("expected {}", forms.join(" or "));
        match self.name {
            "upgrade" => text.push_str(&format!(", returning {UPGRADE_RESULTS}")),
            "message" => text.push_str(&format!(", where the message is {MESSAGE_TYPES}")),
            _ => {}
        }
        text
    }
}

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    match WebSocketImpl::parse(args, item.clone()) {
        Ok(handler) => handler.expand(),
        Err(error) => {
            let error = error.to_compile_error();
            let fallback = fallback(item.clone());
            quote!(#error #item #fallback)
        }
    }
}

/// After an error, impls that register nothing, so that `serve!(Chat)` does
/// not add a second, misleading error to the real one.
fn fallback(item: TokenStream) -> Option<TokenStream> {
    let block: ItemImpl = syn::parse2(item).ok()?;
    if block.trait_.is_some() || !block.generics.params.is_empty() {
        return None;
    }
    let self_ty = &block.self_ty;
    Some(quote! {
        impl ::h3rs::ws::WebSocket for #self_ty {}
        impl ::h3rs::Register for #self_ty {
            fn register(self, app: ::h3rs::H3) -> ::h3rs::H3 {
                app
            }
        }
    })
}

/// A checked `#[websocket]` impl block and its hooks.
struct WebSocketImpl {
    path: RoutePath,
    block: ItemImpl,
    hooks: Vec<(&'static Hook, ImplItemFn)>,
}

impl WebSocketImpl {
    fn parse(args: TokenStream, item: TokenStream) -> syn::Result<WebSocketImpl> {
        let block: ItemImpl = syn::parse2(item).map_err(|e| {
            syn::Error::new(
                e.span(),
                "#[websocket(\"/path\")] goes on an `impl` block whose methods are the hooks: `impl Chat { async fn open(&self, peer: &Peer) { ... } }`",
            )
        })?;
        let mut errors = Errors::default();
        let path = if args.is_empty() {
            errors.at(
                Span::call_site(),
                "missing path: write #[websocket(\"/_ws\")]",
            );
            None
        } else {
            match syn::parse2::<LitStr>(args.clone()) {
                Ok(literal) => errors.check(RoutePath::parse(literal)),
                Err(_) => {
                    errors.spanned(
                        &args,
                        "expected only a path string: write #[websocket(\"/_ws\")]",
                    );
                    None
                }
            }
        };
        if let Some((_, trait_path, _)) = &block.trait_ {
            errors.spanned(
                trait_path,
                "#[websocket] goes on an inherent impl block (`impl Chat { ... }`), not on a trait impl",
            );
        }
        if !block.generics.params.is_empty() {
            errors.spanned(
                &block.generics,
                "WebSocket handlers cannot be generic: use a concrete type",
            );
        }
        let mut hooks = Vec::new();
        for item in &block.items {
            let ImplItem::Fn(method) = item else { continue };
            let name = method.sig.ident.to_string();
            match HOOKS.iter().find(|hook| hook.name == name) {
                Some(hook) => {
                    if check_hook(hook, method, &mut errors) {
                        hooks.push((hook, method.clone()));
                    }
                }
                None => {
                    if let Some(hook) = misspelt(&name) {
                        errors.spanned(
                            &method.sig.ident,
                            format!(
                                "`{name}` is not a WebSocket hook: did you mean `{}`? write `{}`",
                                hook.name,
                                hook.signature()
                            ),
                        );
                    }
                }
            }
        }
        errors.finish()?;
        Ok(WebSocketImpl {
            path: path.expect("errors were reported"),
            block,
            hooks,
        })
    }

    fn expand(self) -> TokenStream {
        let WebSocketImpl { path, block, hooks } = self;
        let self_ty = &block.self_ty;
        let literal = &path.literal;
        let methods = hooks
            .iter()
            .map(|(hook, method)| hook_method(self_ty, hook, method));
        let doc = format!("Registers the WebSocket route `{}`.", literal.value());
        quote! {
            #block

            impl ::h3rs::ws::WebSocket for #self_ty {
                #(#methods)*
            }

            impl ::h3rs::Register for #self_ty {
                #[doc = #doc]
                fn register(self, app: ::h3rs::H3) -> ::h3rs::H3 {
                    app.websocket(#literal, self)
                }
            }
        }
    }
}

/// Checks a hook's receiver, arity, parameter types and return type.
fn check_hook(hook: &Hook, method: &ImplItemFn, errors: &mut Errors) -> bool {
    let sig = &method.sig;
    let expected = hook.accepted();
    let mut ok = true;
    match sig.inputs.first() {
        Some(FnArg::Receiver(receiver))
            if receiver.reference.is_some() && receiver.mutability.is_none() => {}
        Some(other) => {
            errors.spanned(other, format!("hooks take `&self`: {expected}"));
            ok = false;
        }
        None => {
            errors.spanned(&sig.ident, format!("hooks take `&self`: {expected}"));
            ok = false;
        }
    }
    let given = sig
        .inputs
        .iter()
        .filter(|input| matches!(input, FnArg::Typed(_)))
        .count();
    if given < hook.required || given > hook.params.len() {
        errors.spanned(
            &sig.inputs,
            format!(
                "`{}` takes {} parameter{} after `&self`: {expected}",
                hook.name,
                if hook.required == hook.params.len() {
                    hook.required.to_string()
                } else {
                    format!("{} or {}", hook.required, hook.params.len())
                },
                if hook.params.len() == 1 { "" } else { "s" },
            ),
        );
        ok = false;
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(
            &sig.generics,
            format!("hooks cannot be generic: {expected}"),
        );
        ok = false;
    }
    if hook.name != "upgrade" {
        if let ReturnType::Type(_, ty) = &sig.output {
            let unit = matches!(&**ty, Type::Tuple(t) if t.elems.is_empty());
            if !unit {
                errors.spanned(ty, format!("`{}` returns nothing: {expected}", hook.name));
                ok = false;
            }
        }
    } else if let ReturnType::Type(_, ty) = &sig.output {
        if primitive(ty).is_some() {
            let name = code(ty);
            errors.spanned(
                ty,
                format!(
                    "`upgrade` accepts or rejects the handshake with its result, not a `{name}`: \
                     return `Result<(), HttpError>` (`Err(HttpError::forbidden(..))` rejects) \
                     or `Upgrade`; {expected}"
                ),
            );
            ok = false;
        }
    }
    let typed = sig.inputs.iter().filter_map(|input| match input {
        FnArg::Typed(typed) => Some(typed),
        FnArg::Receiver(_) => None,
    });
    for ((param, _), typed) in hook.params.iter().zip(typed) {
        if let Some(message) = param_error(hook, param, &typed.ty, &expected) {
            errors.spanned(&typed.ty, message);
            ok = false;
        }
    }
    ok
}

/// Why `ty` cannot be the hook's parameter `param`, if it cannot: the runtime passes one type
/// for each parameter but the message, which is any `FromMessage` type.
fn param_error(hook: &Hook, param: &str, ty: &Type, expected: &str) -> Option<String> {
    let ty = strip(ty);
    let written = code(ty);
    let (wanted, name) = match param {
        "event" => ("&H3Event", "H3Event"),
        "peer" => ("&Peer", "Peer"),
        "details" => ("CloseDetails", "CloseDetails"),
        "error" => ("WsError", "WsError"),
        _ => return message_type_error(ty, expected),
    };
    let borrowed = wanted.starts_with('&');
    let fits = match ty {
        Type::Reference(reference) => {
            borrowed && reference.mutability.is_none() && names(&reference.elem, name)
        }
        ty => !borrowed && names(ty, name),
    };
    if fits {
        return None;
    }
    let hint = match ty {
        Type::Reference(reference) if names(&reference.elem, name) && borrowed => {
            format!("hooks borrow the {param} immutably: write `{param}: {wanted}`")
        }
        Type::Reference(reference) if names(&reference.elem, name) => {
            format!("`{param}` is passed by value: write `{param}: {wanted}`")
        }
        ty if names(ty, name) => format!(
            "hooks borrow the {param}: write `{param}: {wanted}`{}",
            if param == "peer" {
                " (`peer.clone()` in the body keeps it beyond the hook)"
            } else {
                ""
            }
        ),
        _ => format!(
            "`{written}` is not what `{}` is given here: write `{param}: {wanted}`",
            hook.name
        ),
    };
    Some(format!("{hint}; {expected}"))
}

/// Why `ty` cannot be the message of a `message` hook, when the macro can tell: a borrow, a
/// peer, an event, a number. Any other type is checked by the compiler against `FromMessage`.
fn message_type_error(ty: &Type, expected: &str) -> Option<String> {
    let written = code(ty);
    let hint = match ty {
        Type::Reference(reference) => {
            let owned = match code(&reference.elem).as_str() {
                "str" => "String".to_owned(),
                "[u8]" => "Bytes".to_owned(),
                other => other.to_owned(),
            };
            format!("the hook owns the message: write `message: {owned}` instead of `{written}`")
        }
        Type::ImplTrait(_) => {
            "hooks cannot be generic: write a concrete message type instead of `impl Trait`"
                .to_owned()
        }
        ty if names(ty, "Peer") || names(ty, "H3Event") => format!(
            "`{written}` cannot be a message: the peer comes first, as `peer: &Peer`, then \
             the message"
        ),
        ty => {
            let name = primitive(ty)?;
            format!(
                "`{name}` cannot be a message: take `Json<{name}>` to parse it as JSON, or \
                 `String` and parse the text"
            )
        }
    };
    Some(format!("{hint}; {expected}"))
}

/// Whether `ty` is a path ending in `name`: `Peer`, `h3rs::ws::Peer`.
fn names(ty: &Type, name: &str) -> bool {
    match strip(ty) {
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == name && segment.arguments.is_none()),
        _ => false,
    }
}

/// The trait method that calls a hook as written.
fn hook_method(self_ty: &Type, hook: &Hook, method: &ImplItemFn) -> TokenStream {
    let name = &method.sig.ident;
    let is_async = method.sig.asyncness.is_some();
    let declared: Vec<&syn::PatType> = method
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(typed),
            FnArg::Receiver(_) => None,
        })
        .collect();
    // The runtime's parameter list, with the types spelled out in full.
    let params = hook.params.iter().map(|(param, _)| {
        let ident = syn::Ident::new(param, Span::call_site());
        let ty = runtime_type(param);
        quote!(#ident: #ty)
    });
    // The user's hook may leave out trailing parameters (`close(&self, peer)`).
    let args: Vec<_> = hook.params[..declared.len()]
        .iter()
        .zip(&declared)
        .map(|((param, _), input)| {
            let ident = syn::Ident::new(param, input.span());
            quote_spanned!(input.span()=> #ident)
        })
        .collect();
    let unused: Vec<_> = hook.params[declared.len()..]
        .iter()
        .map(|(param, _)| syn::Ident::new(param, Span::call_site()))
        .collect();
    let ignore = quote!(#(let _ = #unused;)*);
    let call = quote_spanned!(method.sig.ident.span()=> <#self_ty>::#name(self, #(#args),*));
    let awaited = if is_async {
        quote!(#call.await)
    } else {
        call.clone()
    };
    if hook.name == "upgrade" {
        let output = quote!(::std::result::Result<::h3rs::ws::Upgrade, ::h3rs::Response>);
        // "IntoUpgrade is not implemented" points at the return type as written.
        let verdict = match &method.sig.output {
            ReturnType::Type(_, ty) if !contains_impl_trait(ty) => {
                let verdict = syn::Ident::new("verdict", ty.span());
                quote_spanned!(ty.span()=> let #verdict: #ty = #awaited; ::h3rs::ws::IntoUpgrade::into_upgrade(#verdict))
            }
            _ => quote!(::h3rs::ws::IntoUpgrade::into_upgrade(#awaited)),
        };
        let body = if is_async {
            quote!(async move { #verdict })
        } else {
            quote!(::std::future::ready({ #verdict }))
        };
        return quote! {
            fn #name(&self, #(#params),*) -> impl ::std::future::Future<Output = #output> + ::std::marker::Send {
                #body
            }
        };
    }
    let body = if hook.name == "message" {
        // A typed message: converted first; one that does not convert goes to `reject`.
        let ty = &declared[1].ty;
        let convert = quote_spanned!(ty.span()=> <#ty as ::h3rs::ws::FromMessage>::from_message);
        quote! {
            async move {
                match #convert(message) {
                    ::std::result::Result::Ok(message) => #awaited,
                    ::std::result::Result::Err(invalid) => ::h3rs::ws::reject(self, peer, invalid).await,
                }
            }
        }
    } else if is_async {
        quote!(#ignore #call)
    } else {
        quote!(#ignore #call; ::std::future::ready(()))
    };
    quote! {
        fn #name(&self, #(#params),*) -> impl ::std::future::Future<Output = ()> + ::std::marker::Send {
            #body
        }
    }
}

fn runtime_type(param: &str) -> TokenStream {
    match param {
        "event" => quote!(&::h3rs::H3Event),
        "peer" => quote!(&::h3rs::ws::Peer),
        "message" => quote!(::h3rs::ws::Message),
        "details" => quote!(::h3rs::ws::CloseDetails),
        "error" => quote!(::h3rs::ws::WsError),
        other => unreachable!("unknown hook parameter {other}"),
    }
}

/// The hook a method name was probably meant to be: `on_open`, `onMessage`,
/// `handle_close`, `opened`, `mesage`.
fn misspelt(name: &str) -> Option<&'static Hook> {
    let lower = name.to_ascii_lowercase().replace('_', "");
    let stripped = ["on", "handle"]
        .iter()
        .find_map(|prefix| lower.strip_prefix(prefix))
        .unwrap_or(&lower);
    HOOKS.iter().find(|hook| {
        let past = |suffix: &str| stripped.strip_suffix(suffix) == Some(hook.name);
        stripped == hook.name
            || past("ed")
            || past("d")
            || (hook.name.len() >= 5
                && !ORDINARY.contains(&name)
                && edit_distance(name, hook.name) == 1)
    })
}

/// Ordinary method names one typo away from a hook (`clone` / `close`).
const ORDINARY: &[&str] = &["clone", "closes", "errors", "drains"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_hook_names_are_recognised() {
        for (name, hook) in [
            ("on_open", "open"),
            ("onOpen", "open"),
            ("onMessage", "message"),
            ("on_message", "message"),
            ("handle_message", "message"),
            ("opened", "open"),
            ("closed", "close"),
            ("errored", "error"),
            ("upgraded", "upgrade"),
            ("mesage", "message"),
            ("onclose", "close"),
        ] {
            assert_eq!(misspelt(name).map(|h| h.name), Some(hook), "{name}");
        }
        for name in [
            "new",
            "broadcast",
            "clone",
            "room",
            "send_all",
            "messages_seen",
        ] {
            assert!(misspelt(name).is_none(), "{name}");
        }
    }
}
