//! `yield` in function bodies: rewritten into sends in `#[sse]` functions, reported everywhere
//! else.
//!
//! In an `#[sse]` function, `yield value` becomes `events.send(value).await`, where `events`
//! is the function's `::h3rs::sse::Yielder` (a hygienic name the body cannot see). Yields are
//! also found inside macro calls (`tokio::select! { _ = tick.tick() => yield "tick" }`),
//! whose tokens are not parsed otherwise. A yield in a closure, an async block or a nested
//! item would not be in the function's own body, so it is reported instead of rewritten.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote_spanned, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::visit_mut::VisitMut;
use syn::{Block, Expr, ExprYield, Item, Macro};

use crate::errors::Errors;

/// The spans of the `yield` keywords in `tokens`, at any depth.
pub(crate) fn find(tokens: TokenStream) -> Vec<Span> {
    let mut found = Vec::new();
    for token in tokens {
        match token {
            TokenTree::Ident(ident) if ident == "yield" => found.push(ident.span()),
            TokenTree::Group(group) => found.extend(find(group.stream())),
            _ => {}
        }
    }
    found
}

/// Rewrites every `yield` of `block` into `events.send(value).await`, reporting the yields it
/// cannot rewrite.
pub(crate) fn rewrite(block: &mut Block, events: &Ident, errors: &mut Errors) {
    Rewrite { events, errors }.visit_block_mut(block);
}

struct Rewrite<'a> {
    events: &'a Ident,
    errors: &'a mut Errors,
}

impl Rewrite<'_> {
    fn send(&mut self, yielded: &mut ExprYield) -> TokenStream {
        let span = yielded.yield_token.span;
        match &mut yielded.expr {
            Some(value) => {
                self.visit_expr_mut(value);
                let events = self.events;
                // The yield's span: a value that is not an event is reported at the yield.
                quote_spanned!(span=> #events.send(#value).await)
            }
            None => {
                self.errors.at(
                    span,
                    "`yield` needs an event: write `yield \"text\"`, or `return` to end the stream",
                );
                quote_spanned!(span=> ())
            }
        }
    }

    fn refuse(&mut self, tokens: TokenStream, place: &str) {
        for span in find(tokens) {
            self.errors.at(
                span,
                format!(
                    "`yield` inside {place} does not reach the event stream: yield from the \
                     body of the #[sse] function itself"
                ),
            );
        }
    }

    /// Rewrites the yields in the tokens of a macro call.
    fn tokens(&mut self, tokens: TokenStream) -> TokenStream {
        let mut out = TokenStream::new();
        let mut tokens = tokens.into_iter();
        while let Some(token) = tokens.next() {
            match token {
                TokenTree::Ident(ident) if ident == "yield" => {
                    let rest: TokenStream = std::iter::once(TokenTree::Ident(ident))
                        .chain(tokens)
                        .collect();
                    match syn::parse2::<YieldThenRest>(rest) {
                        Ok(YieldThenRest(mut yielded, rest)) => {
                            out.extend(self.send(&mut yielded));
                            tokens = rest.into_iter();
                        }
                        Err(error) => {
                            self.errors.push(error);
                            return out;
                        }
                    }
                }
                TokenTree::Group(group) => {
                    let mut rewritten = Group::new(group.delimiter(), self.tokens(group.stream()));
                    rewritten.set_span(group.span());
                    out.extend([TokenTree::Group(rewritten)]);
                }
                other => out.extend([other]),
            }
        }
        out
    }
}

/// `yield value` followed by anything: a yield inside a macro call's tokens.
struct YieldThenRest(ExprYield, TokenStream);

impl Parse for YieldThenRest {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        Ok(YieldThenRest(input.parse()?, input.parse()?))
    }
}

impl VisitMut for Rewrite<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Yield(yielded) => {
                let send = self.send(yielded);
                *expr = Expr::Verbatim(send);
            }
            Expr::Closure(closure) => self.refuse(closure.to_token_stream(), "a closure"),
            Expr::Async(block) => self.refuse(block.to_token_stream(), "an async block"),
            _ => syn::visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_item_mut(&mut self, item: &mut Item) {
        self.refuse(item.to_token_stream(), "a nested item");
    }

    fn visit_macro_mut(&mut self, call: &mut Macro) {
        call.tokens = self.tokens(std::mem::take(&mut call.tokens));
    }
}

/// Checks that a route's body has no `yield`, which only `#[sse]` functions may use.
pub(crate) fn refuse_in_route(body: &Block, attribute: &str, errors: &mut Errors) {
    for span in find(body.to_token_stream()) {
        errors.at(
            span,
            format!(
                "`yield` streams server-sent events, which a #[{attribute}] route cannot: \
                 write the function as #[sse(\"/path\")] inside `h3rs::yielding! {{ ... }}`"
            ),
        );
    }
}
