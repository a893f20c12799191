//! Route attributes: `#[get("/users/:id")]` and the other methods, on a function.
//!
//! The function becomes two items of the same name, one in each namespace:
//!
//! - a braced struct `user {}` (type namespace), whose impl holds
//!   - `handler`: the function as written,
//!   - `call`: takes the `H3Event`, binds every parameter of `handler` (path params with
//!     `event.param`, the event itself, everything else with `FromEvent`) and calls it;
//! - a function `fn user(app: H3) -> H3` (value namespace) that registers the route:
//!   `app.on(Method::GET, "/users/:id", user::call)`. It is a value that implements `Register`
//!   (as every `FnOnce(H3) -> H3` does), so `serve!(user)` and `routes![user]` take it.
//!
//! Neither item can be matched by a pattern: `let user = ...` and `Some(user) => ...` still bind
//! new variables in the route's module, as they would next to the function as written. (A unit
//! struct would be matched instead, and a braced struct does not live in the value namespace.)

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{
    Attribute, FnArg, GenericParam, Ident, Item, ItemFn, Lit, LitStr, Pat, PatType, ReturnType,
    Signature, Token, Type, TypeImplTrait, Visibility,
};

use crate::errors::Errors;
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
    fn constant(self) -> Option<&'static str> {
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
    fn example(self, path: &str) -> String {
        format!("#[{}(\"{path}\")]", self.attribute())
    }
}

/// Expands a route attribute. On errors, emits them along with a stand-in that keeps the
/// function body type-checked and the route's name defined, so that no error cascades.
pub(crate) fn expand(method: Method, args: TokenStream, item: TokenStream) -> TokenStream {
    let function = match parse_function(method, item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#error #item);
        }
    };
    match Route::new(method, args, function.clone()) {
        Ok(route) => route.expand(),
        Err(error) => {
            let error = error.to_compile_error();
            let fallback = fallback(function);
            quote!(#error #fallback)
        }
    }
}

/// A checked route.
struct Route {
    method: Method,
    path: RoutePath,
    function: ItemFn,
    /// How `call` binds each parameter of the function, in order.
    args: Vec<Arg>,
}

/// How `call` gets the value of one parameter of the handler.
pub(crate) enum Arg {
    /// A path param: `let id: u64 = event.param("id")?;`.
    Param {
        binding: Ident,
        ty: Type,
        name: String,
    },
    /// An extractor: `let q = <Query<Paging> as ::h3rs::FromEvent>::from_event(&mut event).await?;`.
    Extract { binding: Ident, ty: Type },
    /// The event itself.
    Event(EventUse),
}

/// How the handler takes the event.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventUse {
    /// `&H3Event`.
    Shared,
    /// `&mut H3Event`.
    Mut,
    /// `H3Event`.
    Owned,
}

fn parse_function(method: Method, item: TokenStream) -> syn::Result<ItemFn> {
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

/// The first two tokens of an item after its attributes and visibility (`struct Name`,
/// `impl Type`): where to point an error about the whole item.
pub(crate) fn head(item: &Item) -> TokenStream {
    let mut tokens = item.to_token_stream().into_iter().peekable();
    let mut head = Vec::new();
    while let Some(token) = tokens.next() {
        match &token {
            // `#[...]`
            TokenTree::Punct(punct) if punct.as_char() == '#' && head.is_empty() => {
                tokens.next();
            }
            // `pub`, `pub(crate)`
            TokenTree::Ident(ident) if ident == "pub" && head.is_empty() => {
                tokens.next_if(|token| matches!(token, TokenTree::Group(_)));
            }
            _ => {
                head.push(token);
                if head.len() == 2 {
                    break;
                }
            }
        }
    }
    head.into_iter().collect()
}

/// The path literal of `#[get("/path")]`.
fn parse_args(method: Method, args: TokenStream) -> syn::Result<LitStr> {
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

impl Route {
    /// Checks the attribute and the function, reporting every problem found.
    fn new(method: Method, args: TokenStream, function: ItemFn) -> syn::Result<Route> {
        let mut errors = Errors::default();
        let path = errors.check(parse_args(method, args).and_then(RoutePath::parse));
        check_signature(&function, &mut errors);
        let args: Vec<Arg> = function
            .sig
            .inputs
            .iter()
            .enumerate()
            .filter_map(|(index, input)| classify(index, input, path.as_ref(), &mut errors))
            .collect();
        check_event_uses(&function, &mut errors);
        crate::yields::refuse_in_route(&function.block, method.attribute(), &mut errors);
        errors.finish()?;
        let path = path.expect("an invalid path is an error");
        Ok(Route {
            method,
            path,
            function,
            args,
        })
    }

    fn expand(self) -> TokenStream {
        let Route {
            method,
            path,
            function,
            args,
        } = self;
        let ItemFn {
            attrs,
            vis,
            mut sig,
            block,
        } = function;
        let name = sig.ident.clone();
        sig.ident = Ident::new("handler", name.span());
        let Attributes { docs, cfgs, others } = Attributes::split(attrs);
        let literal = &path.literal;
        let handler_doc = match method.constant() {
            Some(constant) => format!(" The handler as written: `{constant} {}`.", literal.value()),
            None => format!(
                " The handler as written: `{}`, every method.",
                literal.value()
            ),
        };
        let call = call(&args, &vis, &sig);
        let registration = match method.constant() {
            Some(constant) => {
                let constant = Ident::new(constant, Span::call_site());
                quote!(app.on(::h3rs::Method::#constant, #literal, #name::call))
            }
            None => quote!(app.all(#literal, #name::call)),
        };
        let route = match method.constant() {
            Some(constant) => format!("`{constant} {}`", literal.value()),
            None => format!("`{}`, every method,", literal.value()),
        };
        let register_doc = format!(" Registers {route} on an app: `app.register({name})`.");
        let register = register_fn(&vis, &name, &docs, &cfgs, &register_doc, registration);
        let handler = Handler {
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

/// The pieces of a function turned into a route: the braced struct of its name, whose impl
/// holds `handler` (the function as written) and `call`.
pub(crate) struct Handler<'a> {
    pub vis: &'a Visibility,
    pub name: &'a Ident,
    pub attributes: &'a Attributes,
    pub doc: &'a str,
    pub sig: &'a Signature,
    pub block: &'a syn::Block,
}

impl Handler<'_> {
    /// The struct and its impl, followed by `register` (the function that registers it).
    pub fn items(&self, call: TokenStream, register: TokenStream) -> TokenStream {
        let Handler {
            vis,
            name,
            attributes,
            doc,
            sig,
            block,
        } = self;
        let Attributes { docs, cfgs, others } = attributes;
        quote! {
            #(#docs)*
            #(#cfgs)*
            #[allow(dead_code, non_camel_case_types)]
            #[derive(Clone, Copy, Debug)]
            #vis struct #name {}

            #(#cfgs)*
            #[allow(dead_code)]
            impl #name {
                #[doc = #doc]
                #(#others)*
                #vis #sig #block

                #call
            }

            #register
        }
    }
}

/// `fn name(app: H3) -> H3`: the route as a value (in the value namespace, where the struct is
/// not), registered by the runtime's `impl Register for FnOnce(H3) -> H3`. A function is never
/// matched by a pattern, so it does not capture the user's `let name = ...`.
pub(crate) fn register_fn(
    vis: &Visibility,
    name: &Ident,
    docs: &[Attribute],
    cfgs: &[Attribute],
    register_doc: &str,
    body: TokenStream,
) -> TokenStream {
    // The user's docs, then a paragraph on registering.
    let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
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

/// How `call` binds the handler's parameters from `event`.
pub(crate) struct Bindings {
    /// `let id: u64 = event.param("id")?;`, one per parameter taken from the request.
    pub lets: Vec<TokenStream>,
    /// The arguments of the call of `handler`, in order.
    pub values: Vec<TokenStream>,
    /// Whether `event` is borrowed mutably (`call` takes `mut event`).
    pub mutable: bool,
}

impl Bindings {
    pub fn new(args: &[Arg], event: &Ident) -> Bindings {
        let mut bindings = Bindings {
            lets: Vec::new(),
            values: Vec::new(),
            mutable: false,
        };
        for arg in args {
            match arg {
                Arg::Param { binding, ty, name } => {
                    // The type's span on `param`: "FromStr is not implemented" points at the type.
                    let param = Ident::new("param", ty.span());
                    bindings
                        .lets
                        .push(quote!(let #binding: #ty = #event.#param(#name)?;));
                    bindings.values.push(binding.to_token_stream());
                }
                Arg::Extract { binding, ty } => {
                    // The type's span: "FromEvent is not implemented" points at the type.
                    let value = quote_spanned! {ty.span()=>
                        <#ty as ::h3rs::FromEvent>::from_event(&mut #event).await?
                    };
                    bindings.lets.push(quote!(let #binding = #value;));
                    bindings.values.push(binding.to_token_stream());
                    bindings.mutable = true;
                }
                Arg::Event(EventUse::Shared) => bindings.values.push(quote!(&#event)),
                Arg::Event(EventUse::Mut) => {
                    bindings.values.push(quote!(&mut #event));
                    bindings.mutable = true;
                }
                Arg::Event(EventUse::Owned) => bindings.values.push(event.to_token_stream()),
            }
        }
        bindings
    }

    /// The parameter of `call`: `_`, `event` or `mut event`.
    pub fn input(&self, args: &[Arg], event: &Ident) -> TokenStream {
        match (args.is_empty(), self.mutable) {
            (true, _) => quote!(_),
            (false, true) => quote!(mut #event),
            (false, false) => event.to_token_stream(),
        }
    }

    /// The `# Errors` section of `call`'s docs, as `clippy::missing_errors_doc` asks of a
    /// public function returning `Result`. Clippy reads only docs spanned outside macros:
    /// give them the handler's name.
    pub fn errors_doc(&self, summary: &str, name: &Ident) -> TokenStream {
        let errors = if self.lets.is_empty() {
            " Never: no parameter is bound from the request."
        } else {
            " The error of the first parameter that cannot be bound from the request."
        };
        let summary = format!(" {summary}");
        quote_spanned! {name.span()=>
            #[doc = #summary]
            ///
            /// # Errors
            ///
            #[doc = #errors]
        }
    }
}

/// `async fn call(mut event: H3Event) -> Result<impl IntoResponse, HttpError>`.
fn call(args: &[Arg], vis: &Visibility, sig: &Signature) -> TokenStream {
    // Hygienic: a handler parameter named `event` does not shadow it.
    let event = Ident::new("event", Span::mixed_site());
    let bindings = Bindings::new(args, &event);
    let input = bindings.input(args, &event);
    let Bindings { lets, values, .. } = &bindings;
    let wait = sig.asyncness.map(|_| quote!(.await));
    // "IntoResponse is not implemented" is reported on the return type and the body of `call`:
    // give them the span of the handler's return type, so that the error points there.
    let output = match &sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => Span::call_site(),
    };
    let result = quote_spanned! {output=>
        ::std::result::Result<impl ::h3rs::IntoResponse, ::h3rs::HttpError>
    };
    let body = quote_spanned! {output=> {
        #(#lets)*
        ::std::result::Result::Ok(Self::handler(#(#values),*) #wait)
    }};
    let docs = bindings.errors_doc(
        "Binds the request to the handler's parameters and calls it.",
        &sig.ident,
    );
    quote! {
        #docs
        #vis async fn call(#input: ::h3rs::H3Event) -> #result #body
    }
}

/// The stand-in emitted with errors: the route's name still exists (struct, `handler` and a
/// register function that registers nothing), and the function body is still type-checked.
fn fallback(function: ItemFn) -> TokenStream {
    let has_receiver = matches!(function.sig.inputs.first(), Some(FnArg::Receiver(_)));
    if has_receiver {
        // A method in an impl block: leave it there as written.
        return function.into_token_stream();
    }
    let ItemFn {
        attrs,
        vis,
        mut sig,
        mut block,
    } = function;
    if !crate::yields::find(block.to_token_stream()).is_empty() {
        // `yield` is not valid Rust here, and has been reported: leave the body out.
        block = syn::parse_quote!({ ::std::unimplemented!() });
    }
    let name = sig.ident.clone();
    sig.ident = Ident::new("handler", name.span());
    let Attributes { docs, cfgs, others } = Attributes::split(attrs);
    let register_doc = " Registers nothing: the route has errors.";
    let register = register_fn(&vis, &name, &docs, &cfgs, register_doc, quote!(app));
    quote! {
        #(#docs)*
        #(#cfgs)*
        #[allow(dead_code, non_camel_case_types)]
        #[derive(Clone, Copy, Debug)]
        #vis struct #name {}

        #(#cfgs)*
        #[allow(dead_code)]
        impl #name {
            #(#others)*
            #vis #sig #block
        }

        #register
    }
}

/// The function's attributes, by where they go.
pub(crate) struct Attributes {
    /// Docs go on the struct and on the register function, the two items users see.
    pub docs: Vec<Attribute>,
    /// `#[cfg]` goes on every generated item.
    pub cfgs: Vec<Attribute>,
    /// Everything else (`#[allow]`, `#[tracing::instrument]`, ...) stays on the handler.
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

/// Generics, `unsafe` and `impl Trait` parameters cannot be called through `call`.
pub(crate) fn check_signature(function: &ItemFn, errors: &mut Errors) {
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

/// Decides how `call` binds one parameter, or records why it cannot.
pub(crate) fn classify(
    index: usize,
    input: &FnArg,
    path: Option<&RoutePath>,
    errors: &mut Errors,
) -> Option<Arg> {
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
        return None; // reported by check_signature
    }
    let ident = match &**pat {
        Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => Some(&pat.ident),
        _ => None,
    };
    if let Some(event) = event_use(ty) {
        return Some(Arg::Event(event));
    }
    let binding = match ident {
        Some(ident) => ident.clone(),
        None => Ident::new(&format!("arg{index}"), Span::mixed_site()),
    };
    let name = ident.map(|ident| ident.unraw().to_string());
    if let (Some(name), Some(path)) = (&name, path) {
        if path.param(name).is_some() {
            if let Type::Reference(reference) = ty {
                let owned = match primitive(&reference.elem) {
                    Some("str") => "String".to_owned(),
                    _ => code(&reference.elem),
                };
                errors.spanned(
                    ty,
                    format!("path params are parsed into owned values: write `{name}: {owned}`"),
                );
                return None;
            }
            return Some(Arg::Param {
                binding,
                ty: ty.clone(),
                name: name.clone(),
            });
        }
    }
    if let Some(primitive) = primitive(ty) {
        if let Some(path) = path {
            errors.push(unknown_param(primitive, name.as_deref(), pat, ty, path));
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
    Some(Arg::Extract {
        binding,
        ty: ty.clone(),
    })
}

/// A parameter of a path-param type (`u64`, `&str`, ...) that matches no param of the path.
fn unknown_param(
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
        Some(name) => format!(
            "`{name}` is not a param of the path \"{pattern}\", which has {}: rename the \
             parameter to one of them, or add `:{name}` to the path",
            path.describe_params()
        ),
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

/// A handler can borrow the event several times, but take it mutably or by value only once.
pub(crate) fn check_event_uses(function: &ItemFn, errors: &mut Errors) {
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

/// `ty` without invisible groups and parentheses.
pub(crate) fn strip(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => strip(&group.elem),
        Type::Paren(paren) => strip(&paren.elem),
        _ => ty,
    }
}

fn contains_impl_trait(ty: &Type) -> bool {
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
fn event_use(ty: &Type) -> Option<EventUse> {
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
fn last_segment(ty: &Type) -> Option<&Ident> {
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
fn primitive(ty: &Type) -> Option<&'static str> {
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

/// Tokens as a person writes them, for messages: `Json<String>`, not `Json < String >`.
pub(crate) fn code(tokens: &impl ToTokens) -> String {
    let mut text = tokens.to_token_stream().to_string();
    for (from, to) in [
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ::", "::"),
        (":: ", "::"),
        ("& ", "&"),
        (" ,", ","),
        ("( ", "("),
        (" )", ")"),
    ] {
        text = text.replace(from, to);
    }
    text
}
