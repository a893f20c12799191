//! Tests of the expansions (against the snapshots in `snapshots/`) and of the compile errors.
//!
//! Each test writes the macro call as source code; `expand` finds the macro in it and runs its
//! expansion function, as the compiler would.

mod errors;
mod expansions;
mod guide;

use std::path::PathBuf;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Item, Meta};

use crate::model::Method;

const METHODS: [Method; 8] = [
    Method::Get,
    Method::Post,
    Method::Put,
    Method::Patch,
    Method::Delete,
    Method::Head,
    Method::Options,
    Method::All,
];

/// Expands the macro of `source`: a route attribute, `#[sse]` or `#[group]` on its only item, or
/// `yielding! { ... }`.
fn expand(source: &str) -> TokenStream {
    let file: syn::File = syn::parse_str(source).expect("test source parses");
    let [item] = <[Item; 1]>::try_from(file.items).unwrap_or_else(|_| panic!("one item"));
    if let Item::Macro(call) = &item {
        let name = call.mac.path.segments.last().unwrap().ident.to_string();
        let tokens = call.mac.tokens.clone();
        return match name.as_str() {
            "yielding" => crate::sse::expand_yielding(tokens),
            other => panic!("unknown macro {other}!"),
        };
    }
    let mut item = item;
    let attrs = match &mut item {
        Item::Fn(function) => &mut function.attrs,
        Item::Mod(module) => &mut module.attrs,
        Item::Impl(block) => &mut block.attrs,
        Item::Struct(item) => &mut item.attrs,
        other => panic!("unexpected item {}", other.to_token_stream()),
    };
    let is_macro = |name: &str| {
        name == "group"
            || name == "websocket"
            || name == "sse"
            || METHODS.iter().any(|method| method.attribute() == name)
    };
    let position = attrs
        .iter()
        .position(|attr| is_macro(&attr.path().segments.last().unwrap().ident.to_string()))
        .expect("a macro attribute");
    let attr = attrs.remove(position);
    let name = attr.path().segments.last().unwrap().ident.to_string();
    let args = match attr.meta {
        Meta::Path(_) => TokenStream::new(),
        Meta::List(list) => list.tokens,
        Meta::NameValue(_) => panic!("#[{name} = ...]"),
    };
    let item = item.into_token_stream();
    if name == "websocket" {
        return crate::websocket::expand(args, item);
    }
    match METHODS.iter().find(|method| method.attribute() == name) {
        Some(method) => crate::route::expand(*method, args, item),
        None if name == "sse" => crate::sse::expand(args, item, crate::sse::Place::Attribute),
        None => crate::group::expand_group(args, item),
    }
}

/// The messages of the `compile_error!`s in an expansion.
fn compile_errors(tokens: TokenStream) -> Vec<String> {
    let mut messages = Vec::new();
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (index, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Ident(ident) if ident == "compile_error" => {
                if let Some(TokenTree::Group(group)) = tokens.get(index + 2) {
                    let message: syn::LitStr = syn::parse2(group.stream()).unwrap();
                    messages.push(message.value());
                }
            }
            TokenTree::Group(group) => messages.extend(compile_errors(group.stream())),
            _ => {}
        }
    }
    messages
}

/// Compares the expansion of `source`, pretty-printed, with `snapshots/{name}.rs`.
/// `UPDATE_SNAPSHOTS=1` rewrites the file instead.
fn snapshot(name: &str, source: &str) {
    let input = dedent(source);
    let output = printed_expansion(source);
    let mut actual = String::from("// Expansion of:\n//\n");
    for line in input.lines() {
        actual.push_str(format!("// {line}").trim_end());
        actual.push('\n');
    }
    actual
        .push_str("//\n// `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros` rewrites this file.\n\n");
    actual.push_str(&output);

    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "snapshots",
        &format!("{name}.rs"),
    ]
    .iter()
    .collect();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|value| value == "1") {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}: run `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros`, \
             and review it",
            path.display()
        )
    });
    if expected.replace("\r\n", "\n") != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(expected, actual)| expected != actual)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "the expansion differs from {} from line {}; if the new one is right, run \
             `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros`\n\n--- expected\n{expected}\n\
             --- actual\n{actual}",
            path.display(),
            line + 1,
        );
    }
}

/// The expansion of the macro of `source`, pretty-printed as the snapshots and the guide show it.
fn printed_expansion(source: &str) -> String {
    let expansion = expand(source);
    match syn::parse2::<syn::File>(expansion.clone()) {
        Ok(mut file) => {
            let mut bodies = GeneratorBodies::default();
            syn::visit_mut::VisitMut::visit_file_mut(&mut bodies, &mut file);
            bodies.restore(prettyplease::unparse(&file))
        }
        Err(_) => {
            // An expression: shown in a function.
            let expr: syn::Expr = syn::parse2(expansion).expect("an item or an expression");
            prettyplease::unparse(&syn::parse_quote!(fn snapshot() { let expansion = #expr; }))
        }
    }
}

/// The bodies of `stream!` and `try_stream!` calls, which prettyplease prints as they came
/// (one long line): each is swapped for a marker, printed on its own as statements, and put
/// back in place of the marker.
#[derive(Default)]
struct GeneratorBodies {
    bodies: Vec<String>,
}

impl syn::visit_mut::VisitMut for GeneratorBodies {
    fn visit_macro_mut(&mut self, call: &mut syn::Macro) {
        let name = call.path.segments.last().unwrap().ident.to_string();
        if name != "stream" && name != "try_stream" {
            return;
        }
        let stmts = syn::parse::Parser::parse2(syn::Block::parse_within, call.tokens.clone())
            .expect("a generator body parses");
        let printed = prettyplease::unparse(&syn::parse_quote!(fn body() { #(#stmts)* }));
        let inner: Vec<&str> = printed.lines().collect();
        let inner = &inner[1..inner.len() - 1];
        self.bodies.push(
            inner
                .iter()
                .map(|line| line.strip_prefix("    ").unwrap_or(line))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        let marker = syn::Ident::new(
            &format!("GENERATOR_BODY_{}", self.bodies.len() - 1),
            proc_macro2::Span::call_site(),
        );
        call.tokens = quote::quote!(#marker);
    }
}

impl GeneratorBodies {
    fn restore(&self, printed: String) -> String {
        let mut out = String::new();
        for line in printed.lines() {
            let marker = (0..self.bodies.len())
                .find(|index| line.trim() == format!("GENERATOR_BODY_{index}"));
            match marker {
                Some(index) => {
                    let indent = &line[..line.len() - line.trim_start().len()];
                    for body_line in self.bodies[index].lines() {
                        out.push_str(format!("{indent}{body_line}").trim_end());
                        out.push('\n');
                    }
                }
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        out
    }
}

/// `source` without its blank first and last lines and its common indentation.
fn dedent(source: &str) -> String {
    let lines: Vec<&str> = source
        .trim_end()
        .lines()
        .skip_while(|line| line.trim().is_empty())
        .collect();
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|line| line.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}
