//! `#[sse("/events")]` on an `async fn` whose body `yield`s server-sent events.
//!
//! The function becomes the same two items as a route (see `route.rs`): a struct with
//! `handler` and `call`, and a register function. Here:
//!
//! - `handler` is the function as written, with one more parameter first, `events`
//!   (a `::h3rs::sse::Yielder`, hygienic: the body cannot name it), and every `yield value`
//!   rewritten into `events.send(value).await`. It stays an `async fn`, so `?`, `return` and
//!   the result type work as written.
//! - `call` binds the request as a route does, then returns an `::h3rs::sse::Sse` response
//!   whose events come from `::h3rs::sse::Generator::new`, which runs `handler`. The event is
//!   moved into the generator, so `&H3Event` parameters borrow it for as long as the stream
//!   runs.
//! - the register function adds `GET path`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, Item, ItemFn, Lit, LitStr, ReturnType, Token};

use crate::errors::Errors;
use crate::path::RoutePath;
use crate::route::{self, Arg, Attributes, Bindings};
use crate::yields;

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
            route::head(&item),
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
    let function = match parse_function(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#error #item);
        }
    };
    match Stream::new(args, function.clone(), place) {
        Ok(stream) => stream.expand(),
        Err(error) => {
            let error = error.to_compile_error();
            let fallback = fallback(function);
            quote!(#error #fallback)
        }
    }
}

fn parse_function(item: TokenStream) -> syn::Result<ItemFn> {
    match syn::parse2::<Item>(item)? {
        Item::Fn(function) => Ok(function),
        other => Err(syn::Error::new_spanned(
            route::head(&other),
            format!(
                "#[sse] goes on an async function that yields events: write \
                 `{EXAMPLE} async fn name() {{ yield \"event\"; }}`"
            ),
        )),
    }
}

/// When a silent stream sends a keep-alive comment.
enum KeepAlive {
    /// As the app says (15 s unless changed).
    App,
    /// `keep_alive = 30`: every 30 s of silence.
    Seconds(u64),
    /// `keep_alive = false`.
    Off,
}

/// The arguments of `#[sse("/path", keep_alive = 30)]`.
struct Args {
    path: LitStr,
    keep_alive: KeepAlive,
}

fn parse_args(args: TokenStream) -> syn::Result<Args> {
    let parser = |input: ParseStream| {
        if input.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                format!("#[sse] needs the route path: write {EXAMPLE}"),
            ));
        }
        let path = match input.parse::<Lit>() {
            Ok(Lit::Str(path)) => path,
            Ok(other) => {
                return Err(syn::Error::new_spanned(
                    other,
                    format!("the route path is a string: write {EXAMPLE}"),
                ))
            }
            Err(error) => {
                return Err(syn::Error::new(
                    error.span(),
                    format!("the route path is a string: write {EXAMPLE}"),
                ))
            }
        };
        let mut keep_alive = KeepAlive::App;
        while input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            keep_alive = parse_option(input, &path)?;
        }
        if !input.is_empty() {
            return Err(input.error(format!(
                "#[sse] takes the route path, then options: write \
                 #[sse(\"{}\", keep_alive = 30)]",
                path.value()
            )));
        }
        Ok(Args { path, keep_alive })
    };
    parser.parse2(args)
}

/// `keep_alive = 30` or `keep_alive = false`.
fn parse_option(input: ParseStream, path: &LitStr) -> syn::Result<KeepAlive> {
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

/// A checked `#[sse]` function.
struct Stream {
    args: Args,
    function: ItemFn,
    /// How `call` binds each parameter of the function (after `events`), in order.
    params: Vec<Arg>,
}

impl Stream {
    fn new(args: TokenStream, mut function: ItemFn, place: Place) -> syn::Result<Stream> {
        let mut errors = Errors::default();
        let args = errors.check(parse_args(args));
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
        route::check_signature(&function, &mut errors);
        let params: Vec<Arg> = function
            .sig
            .inputs
            .iter()
            .enumerate()
            .filter_map(|(index, input)| route::classify(index, input, path.as_ref(), &mut errors))
            .collect();
        route::check_event_uses(&function, &mut errors);
        if place == Place::Attribute {
            for span in yields::find(function.block.to_token_stream()) {
                errors.at(
                    span,
                    "stable Rust rejects `yield` in a function body before #[sse] can rewrite \
                     it: write the function inside `h3rs::yielding! { ... }`",
                );
            }
        }
        yields::rewrite(&mut function.block, &events(), &mut errors);
        errors.finish()?;
        Ok(Stream {
            args: args.expect("invalid arguments are an error"),
            function,
            params,
        })
    }

    fn expand(self) -> TokenStream {
        let Stream {
            args,
            function,
            params,
        } = self;
        let ItemFn {
            attrs,
            vis,
            mut sig,
            block,
        } = function;
        let name = sig.ident.clone();
        sig.ident = Ident::new("handler", name.span());
        let events = events();
        sig.inputs
            .insert(0, syn::parse_quote!(#events: ::h3rs::sse::Yielder));
        let Attributes { docs, cfgs, others } = Attributes::split(attrs);
        let literal = &args.path;
        let route = format!("`GET {}`, server-sent events,", literal.value());
        let handler_doc = format!(
            " The event stream as written ({route} each `yield value` made \
             `events.send(value).await`)."
        );
        let call = call(&params, &args, &vis, &sig);
        let register_doc = format!(" Registers {route} on an app: `app.register({name})`.");
        let register = route::register_fn(
            &vis,
            &name,
            &docs,
            &cfgs,
            &register_doc,
            quote!(app.get(#literal, #name::call)),
        );
        let handler = route::Handler {
            vis: &vis,
            name: &name,
            attributes: &Attributes { docs, cfgs, others },
            doc: &handler_doc,
            sig: &sig,
            block: &block,
        };
        handler.items(call, register)
    }
}

/// The `Yielder` parameter of `handler`, which only the macro's tokens can name.
fn events() -> Ident {
    Ident::new("events", Span::mixed_site())
}

/// `async fn call(mut event: H3Event) -> Result<Sse, HttpError>`.
fn call(params: &[Arg], args: &Args, vis: &syn::Visibility, sig: &syn::Signature) -> TokenStream {
    let event = Ident::new("event", Span::mixed_site());
    let events = events();
    let bindings = Bindings::new(params, &event);
    // `call` reads the event itself (`Sse::new(&event)`), so it always names it.
    let input = if bindings.mutable {
        quote!(mut #event)
    } else {
        event.to_token_stream()
    };
    let Bindings { lets, values, .. } = &bindings;
    let keep_alive = match args.keep_alive {
        KeepAlive::App => TokenStream::new(),
        KeepAlive::Seconds(seconds) => {
            let seconds = proc_macro2::Literal::u64_unsuffixed(seconds);
            quote!(.keep_alive(::std::time::Duration::from_secs(#seconds)))
        }
        KeepAlive::Off => quote!(.no_keep_alive()),
    };
    // "GeneratorOutput is not implemented" points at the function's return type.
    let output = match &sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => Span::call_site(),
    };
    let generator = quote_spanned! {output=>
        ::h3rs::sse::Generator::new(move |#events| async move {
            Self::handler(#events, #(#values),*).await
        })
    };
    let docs = bindings.errors_doc(
        "Binds the request to the stream's parameters and starts the stream.",
        &sig.ident,
    );
    let respond = quote_spanned! {output=> ::std::result::Result::Ok(response.stream(stream))};
    quote! {
        #docs
        #vis async fn call(#input: ::h3rs::H3Event) -> ::std::result::Result<::h3rs::sse::Sse, ::h3rs::HttpError> {
            #(#lets)*
            let response = ::h3rs::sse::Sse::new(&#event) #keep_alive;
            let stream = #generator;
            #respond
        }
    }
}

/// The stand-in emitted with errors: the name still exists (a struct, and a register
/// function that registers nothing). The body is left out: its yields are not valid Rust.
fn fallback(function: ItemFn) -> TokenStream {
    if matches!(function.sig.inputs.first(), Some(FnArg::Receiver(_))) {
        return TokenStream::new();
    }
    let ItemFn {
        attrs, vis, sig, ..
    } = function;
    let name = sig.ident;
    let Attributes { docs, cfgs, .. } = Attributes::split(attrs);
    let register_doc = " Registers nothing: the event stream has errors.";
    let register = route::register_fn(&vis, &name, &docs, &cfgs, register_doc, quote!(app));
    quote! {
        #(#docs)*
        #(#cfgs)*
        #[allow(dead_code, non_camel_case_types)]
        #[derive(Clone, Copy, Debug)]
        #vis struct #name {}

        #register
    }
}
