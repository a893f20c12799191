//! Compile errors: collected with their spans so that one build shows them all, and the small
//! text helpers their messages share.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use std::fmt::Display;
use syn::Item;

/// Errors found so far while checking one macro input.
#[derive(Default)]
pub(crate) struct Errors {
    first: Option<syn::Error>,
}

impl Errors {
    /// Records an error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.first {
            Some(first) => first.combine(error),
            None => self.first = Some(error),
        }
    }

    /// Records an error at `span`.
    pub fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error spanning the tokens of `tokens`.
    pub fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records the error of `result`, if any, and returns its value.
    pub fn check<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    /// `Ok` when nothing was recorded, otherwise every error recorded.
    pub fn finish(self) -> syn::Result<()> {
        match self.first {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
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
        (" (", "("),
    ] {
        text = text.replace(from, to);
    }
    text
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

/// Levenshtein distance, for typos of names.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The candidate `name` is most likely a typo of: one or two edits away (two only for names of
/// five letters or more), or the same but for case and underscores.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let squash = |text: &str| text.to_ascii_lowercase().replace('_', "");
    let allowed = if name.chars().count() >= 5 { 2 } else { 1 };
    candidates
        .into_iter()
        .filter(|candidate| *candidate != name)
        .map(|candidate| {
            let distance = if squash(candidate) == squash(name) {
                0
            } else {
                edit_distance(name, candidate)
            };
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}
