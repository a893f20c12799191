//! The body of an `#[sse]` function, made the body of an async-stream generator; `yield`
//! reported everywhere else.
//!
//! - `yield value` becomes `yield ::h3rs::sse::SseEvent::from(value)`, so that one function
//!   may yield `&str`, `String`, `Json<T>` and `SseEvent` alike. Yields are also found inside
//!   macro calls (`tokio::select! { _ = tick.tick() => yield "tick" }`), whose tokens are not
//!   parsed otherwise. A yield in a closure, an async block or a nested item would not be in
//!   the generator's own body, so it is reported instead of rewritten.
//! - In a function returning `Result<(), E>` (a `try_stream!`, whose body is a block of
//!   statements, not a `Result`), the result is made statements: a final `Ok(())` goes, a
//!   final `expr` becomes `let ended: Result<(), E> = expr; ended?;`, `return Ok(())` becomes
//!   `return`, and `return expr` becomes `{ let ended: Result<(), E> = expr; ended?; return; }`.
//!   async-stream turns each `?` into the error that ends the stream.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Block, Expr, ExprReturn, ExprYield, Item, Macro, Stmt, Type};

use crate::diagnostics::Errors;

/// The spans of the `yield` keywords in `tokens`, at any depth.
pub(crate) fn yields(tokens: TokenStream) -> Vec<Span> {
    let mut found = Vec::new();
    for token in tokens {
        match token {
            TokenTree::Ident(ident) if ident == "yield" => found.push(ident.span()),
            TokenTree::Group(group) => found.extend(yields(group.stream())),
            _ => {}
        }
    }
    found
}

/// `block` with every `yield value` made `{ let _ = value; }`, for the stand-in of a function
/// whose yields are an error; `None` when a yield is inside a macro call, out of reach.
pub(crate) fn without_yields(block: &Block) -> Option<Block> {
    struct Neutralise;
    impl VisitMut for Neutralise {
        fn visit_expr_mut(&mut self, expr: &mut Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            if let Expr::Yield(yielded) = expr {
                let span = yielded.yield_token.span;
                *expr = match &yielded.expr {
                    Some(value) => syn::parse_quote_spanned!(span=> { let _ = #value; }),
                    None => syn::parse_quote_spanned!(span=> ()),
                };
            }
        }
    }
    let mut block = block.clone();
    Neutralise.visit_block_mut(&mut block);
    yields(block.to_token_stream()).is_empty().then_some(block)
}

/// Rewrites `block` into the body of a generator (see the module's docs). `result` is the
/// function's declared result, for a fallible function. Returns whether the body yields.
pub(crate) fn rewrite(block: &mut Block, result: Option<&Type>, errors: &mut Errors) -> bool {
    if let Some(result) = result {
        end_with_statements(block, result);
    }
    let mut rewrite = Rewrite {
        result,
        errors,
        yielded: false,
    };
    rewrite.visit_block_mut(block);
    rewrite.yielded
}

/// The name the rewritten results are bound to; hygienic, the body cannot see it.
fn ended() -> Ident {
    Ident::new("ended", Span::mixed_site())
}

/// `Ok(())`, which ends a fallible function without an error.
fn is_ok_unit(expr: &Expr) -> bool {
    let Expr::Call(call) = expr else { return false };
    let Expr::Path(function) = &*call.func else {
        return false;
    };
    let is_ok = function
        .path
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "Ok");
    let unit = matches!(
        call.args.iter().collect::<Vec<_>>().as_slice(),
        [Expr::Tuple(tuple)] if tuple.elems.is_empty()
    );
    is_ok && unit
}

/// The final expression of a fallible body, made statements.
fn end_with_statements(block: &mut Block, result: &Type) {
    let Some(Stmt::Expr(tail, None)) = block.stmts.last() else {
        return;
    };
    if matches!(tail, Expr::Return(_)) {
        return; // rewritten with every other `return`
    }
    let tail = tail.clone();
    block.stmts.pop();
    if is_ok_unit(&tail) {
        return;
    }
    let ended = ended();
    block
        .stmts
        .push(syn::parse_quote!(let #ended: #result = #tail;));
    block.stmts.push(syn::parse_quote!(#ended?;));
}

struct Rewrite<'a> {
    result: Option<&'a Type>,
    errors: &'a mut Errors,
    yielded: bool,
}

impl Rewrite<'_> {
    /// `yield ::h3rs::sse::SseEvent::from(value)`.
    fn event(&mut self, yielded: &mut ExprYield) -> TokenStream {
        self.yielded = true;
        let span = yielded.yield_token.span;
        match &mut yielded.expr {
            Some(value) => {
                self.visit_expr_mut(value);
                // At the value, so that a value that is not an event is reported there, but
                // from the expansion, so that lints such as clippy's useless_conversion (for
                // a yielded `SseEvent`) leave the user's code alone.
                let at_value = Span::mixed_site().located_at(value.span());
                let from = quote_spanned!(at_value=> ::h3rs::sse::SseEvent::from);
                quote_spanned!(span=> yield #from(#value))
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

    /// A `return` of a fallible function, made a plain `return` after its error, if any.
    fn end(&mut self, returned: &mut ExprReturn, result: &Type) -> Option<TokenStream> {
        let stmts = self.end_stmts(returned, result)?;
        Some(match stmts.as_slice() {
            [_] => quote!(return),
            stmts => quote!({ #(#stmts)* }),
        })
    }

    /// The statements of a `return value` in a fallible function: `return;` for `Ok(())`,
    /// otherwise `let ended: Result<(), E> = value; ended?; return;`.
    fn end_stmts(&mut self, returned: &mut ExprReturn, result: &Type) -> Option<Vec<Stmt>> {
        let value = returned.expr.as_mut()?;
        self.visit_expr_mut(value);
        if is_ok_unit(value) {
            return Some(vec![syn::parse_quote!(return;)]);
        }
        let ended = ended();
        Some(vec![
            syn::parse_quote!(let #ended: #result = #value;),
            syn::parse_quote!(#ended?;),
            syn::parse_quote!(return;),
        ])
    }

    fn refuse(&mut self, tokens: TokenStream, place: &str) {
        for span in yields(tokens) {
            self.errors.at(
                span,
                format!(
                    "`yield` inside {place} does not reach the event stream: yield from the \
                     body of the #[sse] function itself"
                ),
            );
        }
    }

    /// Rewrites the yields in the tokens of a macro call. In a fallible function, `?` and
    /// `return value` there would not reach the stream (async-stream does not see into macro
    /// calls either): they are reported, except `return Ok(())`.
    fn tokens(&mut self, tokens: TokenStream) -> TokenStream {
        let mut out = TokenStream::new();
        let mut tokens = tokens.into_iter();
        // Whether the last token ends an expression, which makes a `?` after it the operator
        // (and not tracing's `?value`).
        let mut after_expression = false;
        while let Some(token) = tokens.next() {
            let ends_expression = matches!(
                token,
                TokenTree::Ident(_) | TokenTree::Literal(_) | TokenTree::Group(_)
            );
            let was_after_expression = std::mem::replace(&mut after_expression, ends_expression);
            match token {
                TokenTree::Ident(ident) if ident == "yield" || ident == "return" => {
                    let is_yield = ident == "yield";
                    let rest: TokenStream = std::iter::once(TokenTree::Ident(ident))
                        .chain(tokens)
                        .collect();
                    let parsed = if is_yield {
                        syn::parse2::<Partial<ExprYield>>(rest)
                            .map(|Partial(mut yielded, rest)| (self.event(&mut yielded), rest))
                    } else {
                        syn::parse2::<Partial<ExprReturn>>(rest)
                            .map(|Partial(returned, rest)| (self.end_in_tokens(returned), rest))
                    };
                    match parsed {
                        Ok((rewritten, rest)) => {
                            out.extend(rewritten);
                            tokens = rest.into_iter();
                        }
                        Err(error) => {
                            self.errors.push(error);
                            return out;
                        }
                    }
                }
                TokenTree::Punct(punct)
                    if punct.as_char() == '?' && was_after_expression && self.result.is_some() =>
                {
                    self.errors.at(
                        punct.span(),
                        "`?` inside a macro call does not reach the event stream: take the \
                         result out of the macro (`result = future => result,`), then use `?` \
                         on it",
                    );
                    out.extend([TokenTree::Punct(punct)]);
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

    fn end_in_tokens(&mut self, returned: ExprReturn) -> TokenStream {
        match (&returned.expr, self.result) {
            (Some(value), Some(_)) if is_ok_unit(value) => quote!(return),
            (Some(_), Some(_)) => {
                self.errors.spanned(
                    &returned,
                    "`return` with a result inside a macro call does not reach the event \
                     stream: take the result out of the macro, then `return` it or use `?`",
                );
                returned.into_token_stream()
            }
            _ => returned.into_token_stream(),
        }
    }
}

/// A `yield` or `return` followed by anything: one inside a macro call's tokens.
struct Partial<T>(T, TokenStream);

impl<T: Parse> Parse for Partial<T> {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        Ok(Partial(input.parse()?, input.parse()?))
    }
}

impl VisitMut for Rewrite<'_> {
    fn visit_block_mut(&mut self, block: &mut Block) {
        // `return value;` as a statement becomes statements, rather than a block in a block.
        let mut stmts = Vec::with_capacity(block.stmts.len());
        for mut stmt in std::mem::take(&mut block.stmts) {
            match (&mut stmt, self.result) {
                (Stmt::Expr(Expr::Return(returned), _), Some(result))
                    if returned.expr.is_some() =>
                {
                    match self.end_stmts(returned, result) {
                        Some(end) => stmts.extend(end),
                        None => stmts.push(stmt),
                    }
                }
                _ => {
                    self.visit_stmt_mut(&mut stmt);
                    stmts.push(stmt);
                }
            }
        }
        block.stmts = stmts;
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Yield(yielded) => {
                let event = self.event(yielded);
                *expr = Expr::Verbatim(event);
            }
            Expr::Return(returned) => match self.result {
                Some(result) => {
                    if let Some(end) = self.end(returned, result) {
                        *expr = Expr::Verbatim(end);
                    }
                }
                None => syn::visit_mut::visit_expr_return_mut(self, returned),
            },
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
