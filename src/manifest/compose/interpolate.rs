//! Compose variable interpolation (`$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?e}`,
//! `${VAR?e}`, `${VAR:+r}`, `${VAR+r}`, nested defaults, `$$`) and the `.env` file it reads.
//!
//! Values come only from the project's `.env` file, never from the process environment, so a
//! result does not depend on the machine. A variable the file does not set is taken as unset:
//! its default applies when it has one, and otherwise the value is unknown.

use std::collections::BTreeMap;

/// Nested `${A:-${B:-…}}` defaults are followed this deep.
const MAX_NESTING: usize = 16;

/// The variables a project interpolates with: its `.env` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    values: BTreeMap<String, String>,
}

impl Environment {
    /// Read a `.env` file: `KEY=value` lines, `export` prefixes, `#` comments, single quotes
    /// (literal), double quotes (escapes and interpolation), unquoted values (interpolation,
    /// inline ` #` comments). Later lines see the variables set by earlier ones.
    pub fn parse(text: &str) -> Self {
        let mut env = Environment::default();
        for line in text.lines() {
            let line = line.trim_start_matches('\u{feff}').trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = key.trim();
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let value = value.trim_start();
            let value = if let Some(rest) = value.strip_prefix('\'') {
                rest.split_once('\'').map_or(rest, |(v, _)| v).to_string()
            } else if let Some(rest) = value.strip_prefix('"') {
                let unescaped = double_quoted(rest);
                interpolate(&unescaped, &env).text
            } else {
                let unquoted = match value.find(" #").or_else(|| value.find("\t#")) {
                    Some(at) => &value[..at],
                    None => value,
                };
                interpolate(unquoted.trim_end(), &env).text
            };
            env.values.insert(key.to_string(), value);
        }
        env
    }

    /// An environment from explicit pairs (tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Environment {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The value of a variable, None when the file does not set it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// The body of a double-quoted `.env` value up to its closing quote, escapes processed.
fn double_quoted(rest: &str) -> String {
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    out
}

/// The result of interpolating one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolated {
    /// The text with every known variable replaced and `$$` turned into `$`; references whose
    /// value is unknown are kept as written.
    pub text: String,
    /// True when every reference had a value (from `.env` or a default).
    pub complete: bool,
    /// True when the value referred to at least one variable.
    pub has_variables: bool,
}

/// Interpolate `text` with `env`.
pub fn interpolate(text: &str, env: &Environment) -> Interpolated {
    let mut out = Interpolated {
        text: String::with_capacity(text.len()),
        complete: true,
        has_variables: false,
    };
    expand(text, env, 0, &mut out);
    out
}

/// A value that is exactly one variable reference with no fallback (`$VAR`, `${VAR}`,
/// `${VAR:?message}`): its name. A default (`${VAR:-x}`) makes it a value of its own.
pub fn sole_variable(text: &str) -> Option<&str> {
    let text = text.trim();
    let (name, rest) =
        if let Some(inner) = text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
            let end = name_end(inner);
            (&inner[..end], &inner[end..])
        } else {
            let inner = text.strip_prefix('$')?;
            let end = name_end(inner);
            (&inner[..end], &inner[end..])
        };
    let fallback_free = rest.is_empty() || rest.starts_with(":?") || rest.starts_with('?');
    (is_name(name) && fallback_free && !rest.contains('$')).then_some(name)
}

fn is_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Length of the variable name at the start of `text`.
fn name_end(text: &str) -> usize {
    text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len())
}

fn expand(text: &str, env: &Environment, depth: usize, out: &mut Interpolated) {
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.text.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.text.push('$');
            rest = tail;
        } else if let Some(braced) = after.strip_prefix('{') {
            match closing_brace(braced) {
                Some(close) => {
                    out.has_variables = true;
                    let written = &rest[at..at + 2 + close + 1];
                    braced_reference(&braced[..close], written, env, depth, out);
                    rest = &braced[close + 1..];
                }
                None => {
                    // Unterminated: Compose rejects it; keep the text.
                    out.text.push_str(&rest[at..]);
                    out.complete = false;
                    rest = "";
                }
            }
        } else if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            out.has_variables = true;
            let end = name_end(after);
            let name = &after[..end];
            match env.get(name) {
                Some(value) => out.text.push_str(value),
                None => {
                    out.text.push_str(&rest[at..at + 1 + end]);
                    out.complete = false;
                }
            }
            rest = &after[end..];
        } else {
            out.text.push('$');
            rest = after;
        }
    }
    out.text.push_str(rest);
}

/// Index of the `}` closing a `${`, given the text after the `{` (nested `${…}` counted).
fn closing_brace(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (1usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'$') => i += 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// One `${…}` reference: `inner` is the text between the braces, `written` the whole reference.
fn braced_reference(
    inner: &str,
    written: &str,
    env: &Environment,
    depth: usize,
    out: &mut Interpolated,
) {
    let end = name_end(inner);
    let (name, operation) = (&inner[..end], &inner[end..]);
    let value = env.get(name);
    let set_and_non_empty = value.is_some_and(|v| !v.is_empty());
    let nested = |argument: &str, out: &mut Interpolated| {
        if depth < MAX_NESTING {
            expand(argument, env, depth + 1, out);
        } else {
            out.text.push_str(argument);
            out.complete = false;
        }
    };
    let unknown = |out: &mut Interpolated| {
        out.text.push_str(written);
        out.complete = false;
    };
    match operation {
        "" => match value {
            Some(v) => out.text.push_str(v),
            None => unknown(out),
        },
        _ if operation.starts_with(":-") => match value {
            Some(v) if set_and_non_empty => out.text.push_str(v),
            _ => nested(&operation[2..], out),
        },
        _ if operation.starts_with('-') => match value {
            Some(v) => out.text.push_str(v),
            None => nested(&operation[1..], out),
        },
        _ if operation.starts_with(":+") => {
            if set_and_non_empty {
                nested(&operation[2..], out);
            }
        }
        _ if operation.starts_with('+') => {
            if value.is_some() {
                nested(&operation[1..], out);
            }
        }
        _ if operation.starts_with(":?") => match value {
            Some(v) if set_and_non_empty => out.text.push_str(v),
            _ => unknown(out),
        },
        _ if operation.starts_with('?') => match value {
            Some(v) => out.text.push_str(v),
            None => unknown(out),
        },
        _ => unknown(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(text: &str, env: &Environment) -> (String, bool) {
        let result = interpolate(text, env);
        (result.text, result.complete)
    }

    #[test]
    fn every_form_of_reference() {
        let env = Environment::from_pairs([("TAG", "1.2.3"), ("EMPTY", ""), ("REG", "ghcr.io")]);
        let cases = [
            ("app:$TAG", "app:1.2.3", true),
            ("app:${TAG}", "app:1.2.3", true),
            ("app:${NOPE}", "app:${NOPE}", false),
            ("app:$NOPE", "app:$NOPE", false),
            ("app:${NOPE:-v1}", "app:v1", true),
            ("app:${EMPTY:-v1}", "app:v1", true),
            ("app:${EMPTY-v1}", "app:", true),
            ("app:${NOPE-v1}", "app:v1", true),
            ("app:${TAG:?set TAG}", "app:1.2.3", true),
            ("app:${NOPE:?set it}", "app:${NOPE:?set it}", false),
            ("app:${NOPE?set it}", "app:${NOPE?set it}", false),
            ("app:${EMPTY?x}", "app:", true),
            ("${REG:+$REG/}app", "ghcr.io/app", true),
            ("${NOPE:+x}app", "app", true),
            ("${TAG+x}", "x", true),
            ("${A:-${B:-${TAG}}}", "1.2.3", true),
            ("${A:-${B}}", "${B}", false),
            ("cost $$5 and $${HOME}", "cost $5 and ${HOME}", true),
            ("a $ b", "a $ b", true),
            ("${UNTERMINATED", "${UNTERMINATED", false),
        ];
        for (input, expected, complete) in cases {
            assert_eq!(
                resolve(input, &env),
                (expected.to_string(), complete),
                "{input}"
            );
        }
        assert!(!interpolate("plain", &env).has_variables);
        assert!(!interpolate("$$HOME", &env).has_variables);
        assert!(interpolate("${X:-1}", &env).has_variables);
    }

    #[test]
    fn dotenv_files() {
        let env = Environment::parse(
            "# comment\nTAG=1.2.3\nexport REG = ghcr.io \nQUOTED=\"a b\\n${TAG}\"\nLITERAL='${TAG}'\nINLINE=x # note\nIMAGE=${REG}/app:${TAG}\nbad line\n=nokey\n",
        );
        assert_eq!(env.get("TAG"), Some("1.2.3"));
        assert_eq!(env.get("REG"), Some("ghcr.io"));
        assert_eq!(env.get("QUOTED"), Some("a b\n1.2.3"));
        assert_eq!(env.get("LITERAL"), Some("${TAG}"));
        assert_eq!(env.get("INLINE"), Some("x"));
        assert_eq!(env.get("IMAGE"), Some("ghcr.io/app:1.2.3"));
        assert_eq!(env.get("bad line"), None);
    }

    #[test]
    fn sole_variables() {
        assert_eq!(sole_variable("${DATABASE_URL}"), Some("DATABASE_URL"));
        assert_eq!(sole_variable("$DATABASE_URL"), Some("DATABASE_URL"));
        assert_eq!(sole_variable("${URL:?required}"), Some("URL"));
        assert_eq!(sole_variable("${URL:-x}"), None);
        assert_eq!(sole_variable("postgres://${HOST}/db"), None);
        assert_eq!(sole_variable("${A}${B}"), None);
        assert_eq!(sole_variable("$$HOME"), None);
    }
}
