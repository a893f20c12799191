//! Route path patterns such as `/users/:id` or `/files/**:path`, checked at compile time.
//!
//! The rules are those of the runtime router (which panics on a bad pattern at startup): a
//! pattern starts with `/`, has no query string, and is made of `/`-separated segments that are
//! static text, `:name` (one segment), `*` (one unnamed segment), or, last, `**` / `**:name` (the
//! rest of the path). Names are ASCII identifiers and appear once.

use proc_macro2::Span;
use syn::LitStr;

use crate::diagnostics::Errors;

/// A checked route pattern.
pub(crate) struct RoutePath {
    /// The pattern as the user wrote it, span included.
    pub literal: LitStr,
    /// The named params, in order.
    pub params: Vec<Param>,
}

/// A named param of a pattern: `:name` or `**:name`.
pub(crate) struct Param {
    pub name: String,
    /// `**:name`: the rest of the path.
    pub rest: bool,
}

impl std::fmt::Display for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let marker = if self.rest { "**:" } else { ":" };
        write!(f, "`{marker}{}`", self.name)
    }
}

impl RoutePath {
    /// Checks `literal`, reporting every problem found.
    pub fn parse(literal: LitStr) -> syn::Result<RoutePath> {
        let pattern = literal.value();
        let mut check = Check {
            pattern: &pattern,
            span: literal.span(),
            errors: Errors::default(),
            params: Vec::new(),
            names: Vec::new(),
        };
        check.pattern();
        let params = check.params;
        check.errors.finish()?;
        Ok(RoutePath { literal, params })
    }

    /// The param called `name`, if the pattern has one.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|param| param.name == name)
    }

    /// The params for a message: "`:id`", "`:id` and `**:rest`", "`:a`, `:b` and `:c`".
    pub fn describe_params(&self) -> String {
        let names: Vec<String> = self.params.iter().map(Param::to_string).collect();
        match names.split_last() {
            None => String::new(),
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        }
    }
}

struct Check<'a> {
    pattern: &'a str,
    span: Span,
    errors: Errors,
    params: Vec<Param>,
    /// Every name, including the implicit ones of `*` (`_0`, `_1`, ...) and `**` (`_`).
    names: Vec<String>,
}

impl Check<'_> {
    fn pattern(&mut self) {
        let pattern = self.pattern;
        let path = match pattern.split_once('?') {
            Some((path, _query)) => {
                self.error(format!(
                    "route paths match the path only, not the query string: write \"{path}\" \
                     and take the query with a `Query<T>` parameter"
                ));
                path
            }
            None => pattern,
        };
        let segments = match path.strip_prefix('/') {
            Some(segments) => segments,
            None => {
                self.error(format!("route paths start with `/`: write \"/{path}\""));
                path
            }
        };
        let segments: Vec<&str> = segments.split('/').collect();
        let mut unnamed = 0;
        for (index, segment) in segments.iter().enumerate() {
            let last = index + 1 == segments.len();
            if *segment == "**" || segment.starts_with("**:") {
                if !last {
                    self.error(format!(
                        "`{segment}` matches the rest of the path, so it must be the last \
                         segment: use `*` or `:name` for one segment in the middle"
                    ));
                }
                match segment.strip_prefix("**:") {
                    Some(name) => self.named(name, true),
                    None => self.implicit("_".to_owned()),
                }
            } else if *segment == "*" {
                self.implicit(format!("_{unnamed}"));
                unnamed += 1;
            } else if let Some(name) = segment.strip_prefix(':') {
                self.named(name, false);
            } else if segment.contains('*') {
                self.error(format!(
                    "`{segment}` mixes `*` with other characters: a segment is exactly `*` (one \
                     segment), `**` or `**:name` (the rest of the path)"
                ));
            }
        }
    }

    fn named(&mut self, name: &str, rest: bool) {
        let marker = if rest { "**:" } else { ":" };
        if let Err(fix) = check_name(name) {
            self.error(match fix {
                Some(fix) => {
                    format!("`{marker}{name}` is not an identifier: write `{marker}{fix}`")
                }
                None if name.is_empty() => format!(
                    "`{marker}` needs a name: write `{marker}name`, as in `{marker}{}`",
                    if rest { "path" } else { "id" }
                ),
                None => format!(
                    "`{marker}{name}` is not an identifier: a param name is made of ASCII \
                     letters, digits and `_`, and does not start with a digit, as in `:user_id`"
                ),
            });
            return;
        }
        if self.duplicate(name, marker) {
            return;
        }
        self.names.push(name.to_owned());
        self.params.push(Param {
            name: name.to_owned(),
            rest,
        });
    }

    fn implicit(&mut self, name: String) {
        if !self.duplicate(&name, ":") {
            self.names.push(name);
        }
    }

    fn duplicate(&mut self, name: &str, marker: &str) -> bool {
        let duplicate = self.names.iter().any(|known| known == name);
        if duplicate {
            self.error(format!(
                "`{marker}{name}` appears twice in \"{}\": give each param its own name, \
                 as in `:{name}` and `:{name}_2`",
                self.pattern
            ));
        }
        duplicate
    }

    fn error(&mut self, message: String) {
        self.errors.at(self.span, message);
    }
}

/// `Ok` for a valid param name; otherwise a valid name to suggest, if there is an obvious one.
fn check_name(name: &str) -> Result<(), Option<String>> {
    let valid_start = |c: char| c.is_ascii_alphabetic() || c == '_';
    let valid_rest = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = name.chars();
    if chars.next().is_some_and(valid_start) && chars.all(valid_rest) {
        return Ok(());
    }
    let fix: String = name
        .chars()
        .map(|c| if valid_rest(c) { c } else { '_' })
        .collect();
    let useful = fix.starts_with(|c: char| c.is_ascii_alphabetic())
        || (fix.starts_with('_') && fix.contains(|c: char| c.is_ascii_alphanumeric()));
    Err(useful.then_some(fix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pattern: &str) -> Result<Vec<String>, Vec<String>> {
        let literal = LitStr::new(pattern, Span::call_site());
        match RoutePath::parse(literal) {
            Ok(path) => Ok(path.params.iter().map(Param::to_string).collect()),
            Err(error) => Err(error.into_iter().map(|e| e.to_string()).collect()),
        }
    }

    #[test]
    fn valid_patterns() {
        assert_eq!(parse("/"), Ok(vec![]));
        assert_eq!(parse("/users/"), Ok(vec![]));
        assert_eq!(parse("/users/:id"), Ok(vec!["`:id`".into()]));
        assert_eq!(
            parse("/a/:first/*/b/*/:_x2/**:rest"),
            Ok(vec!["`:first`".into(), "`:_x2`".into(), "`**:rest`".into()])
        );
        assert_eq!(parse("/files/**"), Ok(vec![]));
        assert_eq!(parse("/:type"), Ok(vec!["`:type`".into()]));
    }

    #[test]
    fn describes_params() {
        let describe = |pattern: &str| {
            RoutePath::parse(LitStr::new(pattern, Span::call_site()))
                .unwrap()
                .describe_params()
        };
        assert_eq!(describe("/"), "");
        assert_eq!(describe("/:id"), "`:id`");
        assert_eq!(describe("/:id/**:rest"), "`:id` and `**:rest`");
        assert_eq!(describe("/:a/:b/:c"), "`:a`, `:b` and `:c`");
    }

    #[test]
    fn missing_slash() {
        assert_eq!(
            parse("users/:id"),
            Err(vec![
                "route paths start with `/`: write \"/users/:id\"".into()
            ])
        );
        assert_eq!(
            parse(""),
            Err(vec!["route paths start with `/`: write \"/\"".into()])
        );
    }

    #[test]
    fn query_string() {
        assert_eq!(
            parse("/search?q=1"),
            Err(vec![
                "route paths match the path only, not the query string: write \
                      \"/search\" and take the query with a `Query<T>` parameter"
                    .into()
            ])
        );
    }

    #[test]
    fn param_names() {
        assert_eq!(
            parse("/users/:user-id"),
            Err(vec![
                "`:user-id` is not an identifier: write `:user_id`".into()
            ])
        );
        assert_eq!(
            parse("/users/:"),
            Err(vec!["`:` needs a name: write `:name`, as in `:id`".into()])
        );
        assert_eq!(
            parse("/files/**:"),
            Err(vec![
                "`**:` needs a name: write `**:name`, as in `**:path`".into()
            ])
        );
        assert_eq!(
            parse("/:1st"),
            Err(vec![
                "`:1st` is not an identifier: a param name is made of ASCII letters, \
                      digits and `_`, and does not start with a digit, as in `:user_id`"
                    .into()
            ])
        );
    }

    #[test]
    fn duplicates() {
        assert_eq!(
            parse("/a/:id/b/:id"),
            Err(vec![
                "`:id` appears twice in \"/a/:id/b/:id\": give each param its own \
                      name, as in `:id` and `:id_2`"
                    .into()
            ])
        );
        assert!(parse("/*/:_0").is_err());
    }

    #[test]
    fn stars() {
        assert_eq!(
            parse("/files/**:path/raw"),
            Err(vec![
                "`**:path` matches the rest of the path, so it must be the last \
                      segment: use `*` or `:name` for one segment in the middle"
                    .into()
            ])
        );
        assert_eq!(
            parse("/files/*.txt"),
            Err(vec![
                "`*.txt` mixes `*` with other characters: a segment is exactly `*` \
                      (one segment), `**` or `**:name` (the rest of the path)"
                    .into()
            ])
        );
    }

    #[test]
    fn reports_every_problem() {
        assert_eq!(parse("a/:x/:x/:y-z").unwrap_err().len(), 3);
    }
}
