//! Compose variable interpolation (`$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?e}`,
//! `${VAR?e}`, `${VAR:+r}`, `${VAR+r}`, nested defaults, `$$`) and the `.env` file it reads.
//! A value is parsed into a [`Template`] first, then evaluated.
//!
//! Values come only from the project's `.env` file, never from the process environment, so a
//! result does not depend on the machine. A variable the file does not set is taken as unset:
//! its default applies when it has one, and otherwise the value is unknown.

use std::cell::Cell;
use std::collections::BTreeMap;

use crate::span::{FileId, Span};

/// Nested `${A:-${B:-…}}` defaults are followed this deep.
const MAX_NESTING: usize = 16;

/// Bytes of variable values that one environment puts into text, in all (its own `.env` lines
/// included). Without a bound, a few lines that double each other (`B=${A}${A}`,
/// `C=${B}${B}`, …) grow exponentially, and one large value referred to by many services
/// multiplies. Past it, references count as unknown.
pub const SUBSTITUTION_BUDGET: usize = 16 * 1024 * 1024;

/// The variables a project interpolates with: its `.env` file.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    values: BTreeMap<String, String>,
    /// Where each variable is defined, when the file is in the run's file table.
    definitions: BTreeMap<String, Definition>,
    /// The `.env` file: its id and how it is shown (None: no file, or not in the table).
    file: Option<(FileId, String)>,
    /// How many times each variable is referred to by the file's own values.
    references: BTreeMap<String, usize>,
    /// Bytes substituted so far, against [`SUBSTITUTION_BUDGET`].
    substituted: Cell<usize>,
    /// A reference was left unknown because the budget ran out.
    exhausted: Cell<bool>,
}

/// Where a `.env` line defines a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Definition {
    /// The line, from the key to the end of the value (an inline comment left out).
    pub line: Span,
    /// The value as written, quotes included; None when it is not the variable's value
    /// verbatim (escapes, or references to other variables), so an edit could not say a new
    /// value exactly there.
    pub value: Option<Span>,
}

impl Environment {
    /// Read a `.env` file: `KEY=value` lines, `export` prefixes, `#` comments, single quotes
    /// (literal), double quotes (escapes and interpolation), unquoted values (interpolation,
    /// inline ` #` comments). Later lines see the variables set by earlier ones.
    pub fn parse(text: &str) -> Self {
        Environment::read(text, None)
    }

    /// [`Environment::parse`] of the file `file` of the run's file table (shown as `display`),
    /// recording where each variable is defined.
    pub fn parse_file(text: &str, file: FileId, display: String) -> Self {
        Environment::read(text, Some((file, display)))
    }

    fn read(text: &str, file: Option<(FileId, String)>) -> Self {
        let mut env = Environment::default();
        // Byte offset of `part` (a slice of `text`) in `text`.
        let offset = |part: &str| part.as_ptr() as usize - text.as_ptr() as usize;
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
            // The value as written (quotes included), and whether it is the value verbatim.
            let (written, resolved, verbatim) = if let Some(rest) = value.strip_prefix('\'') {
                let (body, written) = match rest.split_once('\'') {
                    Some((body, _)) => (body, &value[..body.len() + 2]),
                    None => (rest, value),
                };
                (written, body.to_string(), rest.contains('\''))
            } else if let Some(rest) = value.strip_prefix('"') {
                let unescaped = double_quoted(rest);
                let written = match closing_quote(rest) {
                    Some(at) => &value[..at + 2],
                    None => value,
                };
                env.count_references(&unescaped);
                let verbatim = written.len() == unescaped.len() + 2
                    && !unescaped.contains('$')
                    && written.ends_with('"');
                (written, interpolate(&unescaped, &env).text, verbatim)
            } else {
                let unquoted = match value.find(" #").or_else(|| value.find("\t#")) {
                    Some(at) => &value[..at],
                    None => value,
                };
                let unquoted = unquoted.trim_end();
                env.count_references(unquoted);
                (
                    unquoted,
                    interpolate(unquoted, &env).text,
                    !unquoted.contains('$'),
                )
            };
            if file.is_some() {
                let at = |part: &str| {
                    Span::new(
                        file.as_ref().map_or(FileId(0), |f| f.0),
                        offset(part),
                        offset(part) + part.len(),
                    )
                };
                let line_span = Span {
                    end: at(written).end.max(at(key).end),
                    ..at(key)
                };
                env.definitions.insert(
                    key.to_string(),
                    Definition {
                        line: line_span,
                        value: verbatim.then(|| at(written)),
                    },
                );
            }
            env.values.insert(key.to_string(), resolved);
        }
        env.file = file;
        env
    }

    fn count_references(&mut self, text: &str) {
        for name in Template::parse(text).variables() {
            *self.references.entry(name).or_default() += 1;
        }
    }

    /// Where the file defines `name`, when the file is in the run's file table.
    pub fn definition(&self, name: &str) -> Option<Definition> {
        self.definitions.get(name).copied()
    }

    /// The `.env` file: its id and how it is shown, when it is in the run's file table.
    pub fn file(&self) -> Option<(FileId, &str)> {
        self.file
            .as_ref()
            .map(|(id, display)| (*id, display.as_str()))
    }

    /// How many times the file's own values refer to `name`.
    pub fn references(&self, name: &str) -> usize {
        self.references.get(name).copied().unwrap_or(0)
    }

    /// An environment from explicit pairs (tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Environment {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Environment::default()
        }
    }

    /// The value of a variable, None when the file does not set it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// True when some reference was left unknown because [`SUBSTITUTION_BUDGET`] ran out.
    pub fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// Take `bytes` from the substitution budget; false, taking nothing, when it has not that
    /// much left.
    fn spend(&self, bytes: usize) -> bool {
        let total = self.substituted.get().saturating_add(bytes);
        if total > SUBSTITUTION_BUDGET {
            self.exhausted.set(true);
            return false;
        }
        self.substituted.set(total);
        true
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

/// The index of the `"` closing a double-quoted value, given the text after the opening one.
fn closing_quote(rest: &str) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in rest.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(at),
            _ => escaped = false,
        }
    }
    None
}

/// A value's text parsed into literal text and variable references, the way Compose reads it.
///
/// Parsing loses nothing: a template displays as the text it was parsed from, so a reference
/// whose value is unknown can be kept as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Template {
    /// The parts in text order. The parser never puts two literals side by side.
    pub parts: Vec<Part>,
}

/// One piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text taken as it is. A `$` in it starts no reference (`a $ b`, a trailing `$`).
    Literal(String),
    /// `$$`: a `$`.
    Dollar,
    /// `$NAME`.
    Plain(String),
    /// `${NAME}`, or `${NAME:-default}` and the other forms with a modifier.
    Braced {
        /// The variable.
        name: String,
        /// What applies when the variable is unset (or empty), if anything.
        modifier: Option<Modifier>,
    },
    /// `${…}` that is no reference (`${}`, `${A B}`, `${1}`): Compose rejects it. The text
    /// between the braces.
    Invalid(String),
    /// `${` with no closing `}`: Compose rejects it. The rest of the text after the `${`.
    Unterminated(String),
    /// A modifier's argument nested more than 16 deep: not parsed, kept as written.
    TooDeep(String),
}

/// The `:-default`, `?error` or `:+alternative` of a braced reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modifier {
    /// What the argument is for.
    pub operator: Operator,
    /// The forms with a colon (`:-`, `:?`, `:+`): a variable set to the empty string counts as
    /// unset.
    pub empty_is_unset: bool,
    /// The text after the operator, itself a template (`${A:-${B}}`).
    pub argument: Template,
}

/// The operator of a [`Modifier`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `-`: the argument when the variable is unset.
    Default,
    /// `?`: the argument is the error Compose stops with when the variable is unset.
    Required,
    /// `+`: the argument when the variable is set, else nothing.
    Alternative,
}

impl Operator {
    fn symbol(self) -> char {
        match self {
            Operator::Default => '-',
            Operator::Required => '?',
            Operator::Alternative => '+',
        }
    }
}

impl Template {
    /// Parse a value's text. Never fails: what is no reference is kept as text.
    pub fn parse(text: &str) -> Template {
        parse_at(text, 0)
    }

    /// Every variable it refers to, in defaults and alternatives too, in text order (a name
    /// once per reference).
    pub fn variables(&self) -> Vec<String> {
        let mut out = Vec::new();
        // A stack of part iterators: an argument's parts are read before the parts after it.
        let mut stack = vec![self.parts.iter()];
        while let Some(parts) = stack.last_mut() {
            let Some(part) = parts.next() else {
                stack.pop();
                continue;
            };
            if let Part::Plain(name) | Part::Braced { name, .. } = part {
                out.push(name.clone());
            }
            if let Part::Braced {
                modifier: Some(modifier),
                ..
            } = part
            {
                stack.push(modifier.argument.parts.iter());
            }
        }
        out
    }

    /// The value with `env`'s variables put in.
    pub fn interpolate(&self, env: &Environment) -> Interpolated {
        let mut out = Interpolated {
            text: String::new(),
            complete: true,
            has_variables: false,
            used: Vec::new(),
        };
        self.expand(env, &mut out);
        out
    }

    fn expand(&self, env: &Environment, out: &mut Interpolated) {
        for part in &self.parts {
            part.expand(env, out);
        }
    }
}

impl Part {
    fn expand(&self, env: &Environment, out: &mut Interpolated) {
        // A reference without a value stays as written, and the result is not the real value.
        let unknown = |out: &mut Interpolated| {
            out.text.push_str(&self.to_string());
            out.complete = false;
        };
        // Only substituted values can make the text longer than what was written.
        let substitute = |out: &mut Interpolated, name: &str, value: &str| {
            if env.spend(value.len()) {
                let start = out.text.len();
                out.text.push_str(value);
                out.used.push(Used {
                    name: name.to_string(),
                    at: Some(start..out.text.len()),
                });
            } else {
                unknown(out);
            }
        };
        // A variable consulted whose `.env` value is not in the text (unset, or a default
        // applied): used, at no place.
        let consulted = |out: &mut Interpolated, name: &str| {
            out.used.push(Used {
                name: name.to_string(),
                at: None,
            });
        };
        match self {
            Part::Literal(text) => out.text.push_str(text),
            Part::Dollar => out.text.push('$'),
            Part::Plain(name)
            | Part::Braced {
                name,
                modifier: None,
            } => {
                out.has_variables = true;
                match env.get(name) {
                    Some(value) => substitute(out, name, value),
                    None => {
                        consulted(out, name);
                        unknown(out);
                    }
                }
            }
            Part::Braced {
                name,
                modifier: Some(modifier),
            } => {
                out.has_variables = true;
                let value = env
                    .get(name)
                    .filter(|v| !(modifier.empty_is_unset && v.is_empty()));
                match (modifier.operator, value) {
                    (Operator::Default | Operator::Required, Some(value)) => {
                        substitute(out, name, value);
                    }
                    (Operator::Default, None) | (Operator::Alternative, Some(_)) => {
                        consulted(out, name);
                        modifier.argument.expand(env, out);
                    }
                    (Operator::Required, None) => {
                        consulted(out, name);
                        unknown(out);
                    }
                    (Operator::Alternative, None) => consulted(out, name),
                }
            }
            Part::Invalid(_) => {
                out.has_variables = true;
                unknown(out);
            }
            Part::Unterminated(_) | Part::TooDeep(_) => unknown(out),
        }
    }
}

impl std::fmt::Display for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.parts.iter().try_for_each(|part| part.fmt(f))
    }
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Part::Literal(text) | Part::TooDeep(text) => f.write_str(text),
            Part::Dollar => f.write_str("$$"),
            Part::Plain(name) => write!(f, "${name}"),
            Part::Braced {
                name,
                modifier: None,
            } => write!(f, "${{{name}}}"),
            Part::Braced {
                name,
                modifier: Some(modifier),
            } => {
                let colon = if modifier.empty_is_unset { ":" } else { "" };
                let operator = modifier.operator.symbol();
                write!(f, "${{{name}{colon}{operator}{}}}", modifier.argument)
            }
            Part::Invalid(inner) => write!(f, "${{{inner}}}"),
            Part::Unterminated(rest) => write!(f, "${{{rest}"),
        }
    }
}

/// [`Template::parse`] of text nested `depth` modifiers deep.
fn parse_at(text: &str, depth: usize) -> Template {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        let after = &rest[at + 1..];
        let (part, tail) = if let Some(tail) = after.strip_prefix('$') {
            (Part::Dollar, tail)
        } else if let Some(braced) = after.strip_prefix('{') {
            match closing_brace(braced) {
                Some(close) => (braced_part(&braced[..close], depth), &braced[close + 1..]),
                None => (Part::Unterminated(braced.to_string()), ""),
            }
        } else if after.starts_with(is_name_start) {
            let end = name_end(after);
            (Part::Plain(after[..end].to_string()), &after[end..])
        } else {
            literal.push_str(&rest[..=at]);
            rest = after;
            continue;
        };
        literal.push_str(&rest[..at]);
        if !literal.is_empty() {
            parts.push(Part::Literal(std::mem::take(&mut literal)));
        }
        parts.push(part);
        rest = tail;
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Template { parts }
}

/// The reference `${inner}`, `depth` modifiers deep.
fn braced_part(inner: &str, depth: usize) -> Part {
    let (name, operation) = inner.split_at(name_end(inner));
    if !is_name(name) {
        return Part::Invalid(inner.to_string());
    }
    if operation.is_empty() {
        return Part::Braced {
            name: name.to_string(),
            modifier: None,
        };
    }
    let (empty_is_unset, operation) = match operation.strip_prefix(':') {
        Some(operation) => (true, operation),
        None => (false, operation),
    };
    let mut chars = operation.chars();
    let operator = match chars.next() {
        Some('-') => Operator::Default,
        Some('?') => Operator::Required,
        Some('+') => Operator::Alternative,
        _ => return Part::Invalid(inner.to_string()),
    };
    let argument = chars.as_str();
    // Each level rescans its argument for braces: the depth bound keeps that linear.
    let argument = if depth < MAX_NESTING {
        parse_at(argument, depth + 1)
    } else {
        Template {
            parts: vec![Part::TooDeep(argument.to_string())],
        }
    };
    Part::Braced {
        name: name.to_string(),
        modifier: Some(Modifier {
            operator,
            empty_is_unset,
            argument,
        }),
    }
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
    /// The variables consulted, in text order (defaults and alternatives only when applied).
    pub used: Vec<Used>,
}

/// One variable an interpolation consulted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Used {
    /// The variable.
    pub name: String,
    /// Where its `.env` value is in the result; None when the value is not in it (the
    /// variable is unset, or set but a default or an alternative applied instead).
    pub at: Option<std::ops::Range<usize>>,
}

/// Interpolate `text` with `env`.
pub fn interpolate(text: &str, env: &Environment) -> Interpolated {
    Template::parse(text).interpolate(env)
}

/// A value that is exactly one variable reference with no fallback (`$VAR`, `${VAR}`,
/// `${VAR:?message}`): its name. A default (`${VAR:-x}`) makes it a value of its own.
pub fn sole_variable(text: &str) -> Option<String> {
    match Template::parse(text.trim()).parts.as_slice() {
        [
            Part::Plain(name)
            | Part::Braced {
                name,
                modifier: None,
            },
        ] => Some(name.clone()),
        [
            Part::Braced {
                name,
                modifier: Some(modifier),
            },
        ] if modifier.operator == Operator::Required
            && modifier
                .argument
                .parts
                .iter()
                .all(|p| matches!(p, Part::Literal(_))) =>
        {
            Some(name.clone())
        }
        _ => None,
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name(name: &str) -> bool {
    name.starts_with(is_name_start) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Length of the variable name at the start of `text`.
fn name_end(text: &str) -> usize {
    text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len())
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
        let sole = |text| sole_variable(text);
        assert_eq!(sole("${DATABASE_URL}").as_deref(), Some("DATABASE_URL"));
        assert_eq!(sole("$DATABASE_URL").as_deref(), Some("DATABASE_URL"));
        assert_eq!(sole("${URL:?required}").as_deref(), Some("URL"));
        assert_eq!(sole("${URL:-x}"), None);
        assert_eq!(sole("postgres://${HOST}/db"), None);
        assert_eq!(sole("${A}${B}"), None);
        assert_eq!(sole("$$HOME"), None);
        // A `?` after an unbraced name is text, not a modifier.
        assert_eq!(sole("$URL?x"), None);
        assert_eq!(sole("${URL:?$$}"), None);
    }

    #[test]
    fn parsing_keeps_the_text() {
        for text in [
            "",
            "plain",
            "a $ b $",
            "$$$A${B}${C:-${D-x}}${E:?e}${F+$G}",
            "${}${1}${A B}${A:}${A!x}",
            "${A:-${B}",
            "}{$}{",
        ] {
            assert_eq!(Template::parse(text).to_string(), text);
        }
        let nested = Template::parse("${A:-${B}x}");
        let Part::Braced {
            modifier: Some(modifier),
            ..
        } = &nested.parts[0]
        else {
            panic!("{nested:?}");
        };
        assert_eq!(
            modifier.argument.parts,
            [
                Part::Braced {
                    name: "B".into(),
                    modifier: None
                },
                Part::Literal("x".into())
            ]
        );
    }

    #[test]
    fn invalid_references_stay_unknown() {
        let env = Environment::from_pairs([("1", "one")]);
        for text in ["${}", "${1}", "${1:-x}", "${A B}", "${A:x}", "${-x}"] {
            let result = interpolate(text, &env);
            assert_eq!((result.text.as_str(), result.complete), (text, false));
        }
    }

    #[test]
    fn doubling_variables_stop_at_the_budget() {
        // Each line doubles the last: 2^40 bytes by the end without a budget.
        let mut text = String::from("A0=0123456789abcdef\n");
        for i in 1..=40 {
            text.push_str(&format!("A{i}=${{A{}}}${{A{}}}\n", i - 1, i - 1));
        }
        let env = Environment::parse(&text);
        assert!(env.exhausted());
        let total: usize = env.values.values().map(String::len).sum();
        assert!(total <= SUBSTITUTION_BUDGET + text.len(), "{total}");
        assert_eq!(env.get("A10").map(str::len), Some(16 << 10));
        let result = interpolate("x${A40}", &env);
        assert!(!result.complete);
        assert_eq!(result.text, "x${A40}");
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "${A:-".repeat(MAX_NESTING + 2) + "x" + &"}".repeat(MAX_NESTING + 2);
        let result = interpolate(&deep, &Environment::default());
        assert!(!result.complete);
        assert_eq!(Template::parse(&deep).to_string(), deep);
        let shallow = "${A:-".repeat(MAX_NESTING) + "x" + &"}".repeat(MAX_NESTING);
        assert_eq!(interpolate(&shallow, &Environment::default()).text, "x");
    }

    #[test]
    fn dotenv_definitions_have_the_line_and_the_value_as_written() {
        let text =
            "# c\nTAG=1.4.0 # note\nexport Q = \"a b\"\nESC=\"a\\tb\"\nREF=x${TAG}\nLIT='${TAG}'\n";
        let env = Environment::parse_file(text, FileId(3), ".env".into());
        assert_eq!(env.file(), Some((FileId(3), ".env")));
        let slice = |span: Span| &text[span.range()];
        let tag = env.definition("TAG").unwrap();
        assert_eq!(slice(tag.line), "TAG=1.4.0");
        assert_eq!(tag.value.map(slice), Some("1.4.0"));
        let quoted = env.definition("Q").unwrap();
        assert_eq!(slice(quoted.line), "Q = \"a b\"");
        assert_eq!(quoted.value.map(slice), Some("\"a b\""));
        // Not the value verbatim: an escape, a reference.
        assert_eq!(env.definition("ESC").unwrap().value, None);
        assert_eq!(env.definition("REF").unwrap().value, None);
        assert_eq!(env.get("REF"), Some("x1.4.0"));
        assert_eq!(
            env.definition("LIT").unwrap().value.map(slice),
            Some("'${TAG}'")
        );
        // REF refers to TAG; LIT's single quotes are literal.
        assert_eq!(env.references("TAG"), 1);
        // Without a file in the table, nothing to point at.
        assert_eq!(Environment::parse(text).definition("TAG"), None);
    }

    #[test]
    fn interpolation_says_which_variables_it_used_and_where_their_values_are() {
        let env = Environment::from_pairs([("REG", "ghcr.io"), ("TAG", "1.4"), ("EMPTY", "")]);
        let result = interpolate("${REG}/app:${TAG}-${UNSET:-x}${EMPTY:-y}", &env);
        assert_eq!(result.text, "ghcr.io/app:1.4-xy");
        let used: Vec<(&str, Option<std::ops::Range<usize>>)> = result
            .used
            .iter()
            .map(|u| (u.name.as_str(), u.at.clone()))
            .collect();
        assert_eq!(
            used,
            [
                ("REG", Some(0..7)),
                ("TAG", Some(12..15)),
                ("UNSET", None),
                ("EMPTY", None)
            ]
        );
        // A default not applied is not consulted.
        let result = interpolate("${TAG:-${OTHER}}", &env);
        assert_eq!(result.used.len(), 1);
        assert_eq!(Template::parse("${A:-${B}}$C").variables(), ["A", "B", "C"]);
    }
}
