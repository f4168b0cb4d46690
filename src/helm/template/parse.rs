//! Actions parsed into a tree of nodes with spans: pipelines, variables, control structures and
//! `define`s, as Go's `text/template/parse` accepts them.

use std::sync::Arc;

use super::lex::{self, Item, Token, TokenKind};
use crate::span::{FileId, Span};

/// How offsets of a parsed text become spans.
#[derive(Debug, Clone, Copy)]
pub(super) enum Spans {
    /// The text is bytes `base..` of `file`.
    At { file: FileId, base: usize },
    /// The text is not laid out 1:1 in any file (a values string given to `tpl`, written with
    /// quotes or escapes): every span is this one.
    Fixed(Span),
}

impl Spans {
    pub(super) fn span(&self, start: usize, end: usize) -> Span {
        match *self {
            Spans::At { file, base } => Span::new(file, base + start, base + end),
            Spans::Fixed(span) => span,
        }
    }

    /// True when text spans point at the text's own bytes.
    fn verbatim(&self) -> bool {
        matches!(self, Spans::At { .. })
    }
}

/// A sequence of nodes.
pub(super) type List = Vec<Node>;

/// One node of a template.
#[derive(Debug, Clone)]
pub(super) enum Node {
    /// Literal text.
    Text {
        text: Arc<str>,
        span: Span,
        /// `span` holds exactly these bytes.
        verbatim: bool,
    },
    /// `{{ pipeline }}`: printed unless it declares or assigns variables.
    Action {
        span: Span,
        pipe: Pipe,
    },
    /// `{{ if }}`, `{{ with }}`: `otherwise` holds `else` (an `else if` is a nested node).
    Branch {
        kind: BranchKind,
        span: Span,
        pipe: Pipe,
        then: List,
        otherwise: Option<List>,
    },
    /// `{{ range }}`.
    Range {
        span: Span,
        pipe: Pipe,
        body: List,
        otherwise: Option<List>,
    },
    /// `{{ template "name" pipeline }}` (and the call half of `block`).
    Template {
        span: Span,
        name: Arc<str>,
        pipe: Option<Pipe>,
    },
    Break(Span),
    Continue(Span),
}

/// `if` or `with`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BranchKind {
    If,
    With,
}

/// A pipeline: optional variable declarations, then commands joined by `|`.
#[derive(Debug, Clone)]
pub(super) struct Pipe {
    pub(super) span: Span,
    /// Variables declared (`:=`) or assigned (`=`), with `$`.
    pub(super) variables: Vec<Arc<str>>,
    /// `=` rather than `:=`.
    pub(super) assign: bool,
    pub(super) commands: Vec<Command>,
}

/// One command of a pipeline: a function or method with arguments, or a single operand.
#[derive(Debug, Clone)]
pub(super) struct Command {
    pub(super) span: Span,
    pub(super) args: Vec<Term>,
}

/// An operand.
#[derive(Debug, Clone)]
pub(super) enum Term {
    Dot(Span),
    Nil(Span),
    Bool(bool, Span),
    Number(Number, Span),
    String(Arc<str>, Span),
    /// A function name.
    Function(Arc<str>, Span),
    /// `$x`.
    Variable(Arc<str>, Span),
    /// `.a.b` (on dot), `$x.a.b`, `(pipeline).a.b`: the receiver and the names.
    Chain {
        receiver: Option<Box<Term>>,
        names: Vec<Arc<str>>,
        span: Span,
    },
    /// `( pipeline )`.
    Pipe(Box<Pipe>),
}

impl Term {
    pub(super) fn span(&self) -> Span {
        match self {
            Term::Dot(span)
            | Term::Nil(span)
            | Term::Bool(_, span)
            | Term::Number(_, span)
            | Term::String(_, span)
            | Term::Function(_, span)
            | Term::Variable(_, span)
            | Term::Chain { span, .. } => *span,
            Term::Pipe(pipe) => pipe.span,
        }
    }
}

/// A number constant: Go's untyped constants become int or float64 by how they are written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Number {
    Int(i64),
    Float(f64),
}

/// A parsed file: its top-level nodes and the templates it defines.
#[derive(Debug, Clone, Default)]
pub(super) struct Parsed {
    pub(super) root: List,
    pub(super) defines: Vec<(Arc<str>, Arc<List>)>,
}

/// A parse error.
#[derive(Debug, Clone)]
pub(super) struct ParseError {
    pub(super) span: Span,
    pub(super) message: String,
}

/// Deepest nesting of control structures and parentheses: the evaluator recurses over it.
const MAX_NESTING: usize = 64;

/// Parse a template source.
pub(super) fn parse(source: &str, spans: Spans) -> Result<Parsed, ParseError> {
    let items = lex::lex(source).map_err(|e| ParseError {
        span: spans.span(e.at, e.end),
        message: e.message,
    })?;
    let mut parser = Parser {
        source,
        spans,
        items,
        next: 0,
        defines: Vec::new(),
        depth: 0,
        ranges: 0,
    };
    let (root, end) = parser.list(true)?;
    if let Some((keyword, span)) = end {
        return Err(ParseError {
            span,
            message: format!("unexpected {{{{{keyword}}}}}"),
        });
    }
    Ok(Parsed {
        root,
        defines: parser.defines,
    })
}

struct Parser<'a> {
    source: &'a str,
    spans: Spans,
    items: Vec<Item>,
    next: usize,
    defines: Vec<(Arc<str>, Arc<List>)>,
    depth: usize,
    /// Number of `range` bodies being parsed (`break` / `continue` belong in one).
    ranges: usize,
}

/// What ended a list: `end`, `else` (with the rest of its tokens), or the end of input (None).
type ListEnd = Option<(&'static str, Span)>;

impl Parser<'_> {
    fn error<T>(
        &self,
        start: usize,
        end: usize,
        message: impl Into<String>,
    ) -> Result<T, ParseError> {
        Err(ParseError {
            span: self.spans.span(start, end),
            message: message.into(),
        })
    }

    /// Nodes up to `{{end}}` / `{{else …}}` (left for the caller to read at `self.next - 1`).
    fn list(&mut self, top: bool) -> Result<(List, ListEnd), ParseError> {
        let mut nodes = Vec::new();
        while self.next < self.items.len() {
            let item = self.items[self.next].clone();
            self.next += 1;
            match item {
                Item::Text { start, end } => nodes.push(Node::Text {
                    text: self.source[start..end].into(),
                    span: self.spans.span(start, end),
                    verbatim: self.spans.verbatim(),
                }),
                Item::Action { start, end, tokens } => {
                    let span = self.spans.span(start, end);
                    let keyword = match tokens.first().map(|t| &t.kind) {
                        Some(TokenKind::Identifier(word)) => Some(word.clone()),
                        None => return self.error(start, end, "missing value for command"),
                        _ => None,
                    };
                    match keyword.as_deref() {
                        Some("end") => {
                            self.expect_alone(&tokens, start, end, "end")?;
                            return Ok((nodes, Some(("end", span))));
                        }
                        Some("else") => return Ok((nodes, Some(("else", span)))),
                        Some("if") => {
                            nodes.push(self.branch(BranchKind::If, &tokens, start, end)?)
                        }
                        Some("with") => {
                            nodes.push(self.branch(BranchKind::With, &tokens, start, end)?)
                        }
                        Some("range") => nodes.push(self.range(&tokens, start, end)?),
                        Some("template") => nodes.push(self.template(&tokens, start, end)?),
                        Some("block") => nodes.push(self.block(&tokens, start, end)?),
                        Some("define") => {
                            if !top {
                                return self.error(
                                    start,
                                    end,
                                    "unexpected define: only at the top level",
                                );
                            }
                            self.define(&tokens, start, end)?;
                        }
                        Some("break") => {
                            self.expect_alone(&tokens, start, end, "break")?;
                            if self.ranges == 0 {
                                return self.error(start, end, "{{break}} outside {{range}}");
                            }
                            nodes.push(Node::Break(span));
                        }
                        Some("continue") => {
                            self.expect_alone(&tokens, start, end, "continue")?;
                            if self.ranges == 0 {
                                return self.error(start, end, "{{continue}} outside {{range}}");
                            }
                            nodes.push(Node::Continue(span));
                        }
                        _ => {
                            let pipe = self.pipeline(&tokens, start, end, true)?;
                            nodes.push(Node::Action { span, pipe });
                        }
                    }
                }
            }
        }
        Ok((nodes, None))
    }

    fn expect_alone(
        &self,
        tokens: &[Token],
        start: usize,
        end: usize,
        word: &str,
    ) -> Result<(), ParseError> {
        if tokens.len() > 1 {
            return self.error(start, end, format!("unexpected tokens after {word}"));
        }
        Ok(())
    }

    fn enter(&mut self, start: usize, end: usize) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return self.error(
                start,
                end,
                format!("template nesting deeper than {MAX_NESTING}"),
            );
        }
        Ok(())
    }

    /// `if` / `with` with its pipeline from `tokens[1..]`.
    fn branch(
        &mut self,
        kind: BranchKind,
        tokens: &[Token],
        start: usize,
        end: usize,
    ) -> Result<Node, ParseError> {
        self.enter(start, end)?;
        let pipe = self.pipeline(&tokens[1..], start, end, true)?;
        let (then, ended) = self.list(false)?;
        let otherwise = self.otherwise(kind, ended, start, end)?;
        self.depth -= 1;
        Ok(Node::Branch {
            kind,
            span: self.spans.span(start, end),
            pipe,
            then,
            otherwise,
        })
    }

    /// After a body: nothing (`end`), an `else` list, or an `else if` / `else with` chain.
    fn otherwise(
        &mut self,
        kind: BranchKind,
        ended: ListEnd,
        start: usize,
        end: usize,
    ) -> Result<Option<List>, ParseError> {
        match ended {
            Some(("end", _)) => Ok(None),
            Some(("else", _)) => {
                let Item::Action {
                    start: else_start,
                    end: else_end,
                    tokens,
                } = self.items[self.next - 1].clone()
                else {
                    unreachable!("else is an action")
                };
                if tokens.len() > 1 {
                    let chained = match &tokens[1].kind {
                        TokenKind::Identifier(word) if &**word == "if" => BranchKind::If,
                        TokenKind::Identifier(word) if &**word == "with" => BranchKind::With,
                        _ => {
                            return self.error(
                                else_start,
                                else_end,
                                "unexpected tokens after else",
                            );
                        }
                    };
                    if chained != kind {
                        // Go accepts `else with` only in a `with` and `else if` only in an `if`.
                        return self.error(else_start, else_end, "mismatched else chain");
                    }
                    // `{{else if x}}…{{end}}` is `{{else}}{{if x}}…{{end}}{{end}}` sharing one end.
                    let nested = self.branch(chained, &tokens[1..], else_start, else_end)?;
                    return Ok(Some(vec![nested]));
                }
                let (list, ended) = self.list(false)?;
                match ended {
                    Some(("end", _)) => Ok(Some(list)),
                    Some((_, span)) => Err(ParseError {
                        span,
                        message: "expected end; found else".to_string(),
                    }),
                    None => self.error(start, end, "unexpected EOF: missing {{end}}"),
                }
            }
            _ => self.error(start, end, "unexpected EOF: missing {{end}}"),
        }
    }

    fn range(&mut self, tokens: &[Token], start: usize, end: usize) -> Result<Node, ParseError> {
        self.enter(start, end)?;
        let pipe = self.pipeline(&tokens[1..], start, end, true)?;
        if pipe.variables.len() > 2 {
            return self.error(start, end, "too many declarations in range");
        }
        self.ranges += 1;
        let body = self.list(false);
        self.ranges -= 1;
        let (body, ended) = body?;
        let otherwise = match ended {
            Some(("end", _)) => None,
            Some(("else", span)) => {
                let Item::Action { tokens, .. } = &self.items[self.next - 1] else {
                    unreachable!("else is an action")
                };
                if tokens.len() > 1 {
                    return Err(ParseError {
                        span,
                        message: "unexpected tokens after else in range".to_string(),
                    });
                }
                let (list, ended) = self.list(false)?;
                if !matches!(ended, Some(("end", _))) {
                    return self.error(start, end, "unexpected EOF: missing {{end}} of range");
                }
                Some(list)
            }
            _ => return self.error(start, end, "unexpected EOF: missing {{end}} of range"),
        };
        self.depth -= 1;
        Ok(Node::Range {
            span: self.spans.span(start, end),
            pipe,
            body,
            otherwise,
        })
    }

    /// The template name after `template` / `block` / `define`.
    fn name(
        &self,
        tokens: &[Token],
        start: usize,
        end: usize,
        what: &str,
    ) -> Result<Arc<str>, ParseError> {
        match tokens.get(1).map(|t| &t.kind) {
            Some(TokenKind::String(name)) => Ok(name.clone()),
            _ => self.error(start, end, format!("{what} needs a quoted template name")),
        }
    }

    fn template(&mut self, tokens: &[Token], start: usize, end: usize) -> Result<Node, ParseError> {
        let name = self.name(tokens, start, end, "template")?;
        let pipe = if tokens.len() > 2 {
            Some(self.pipeline(&tokens[2..], start, end, false)?)
        } else {
            None
        };
        Ok(Node::Template {
            span: self.spans.span(start, end),
            name,
            pipe,
        })
    }

    fn define(&mut self, tokens: &[Token], start: usize, end: usize) -> Result<(), ParseError> {
        let name = self.name(tokens, start, end, "define")?;
        if tokens.len() > 2 {
            return self.error(start, end, "unexpected tokens after define's name");
        }
        self.enter(start, end)?;
        let (body, ended) = self.list(false)?;
        if !matches!(ended, Some(("end", _))) {
            return self.error(start, end, "unexpected EOF: missing {{end}} of define");
        }
        self.depth -= 1;
        self.defines.push((name, Arc::new(body)));
        Ok(())
    }

    /// `{{block "name" pipeline}}default{{end}}`: defines `name` and executes it here.
    fn block(&mut self, tokens: &[Token], start: usize, end: usize) -> Result<Node, ParseError> {
        let name = self.name(tokens, start, end, "block")?;
        let pipe = if tokens.len() > 2 {
            Some(self.pipeline(&tokens[2..], start, end, false)?)
        } else {
            None
        };
        self.enter(start, end)?;
        let (body, ended) = self.list(false)?;
        if !matches!(ended, Some(("end", _))) {
            return self.error(start, end, "unexpected EOF: missing {{end}} of block");
        }
        self.depth -= 1;
        self.defines.push((name.clone(), Arc::new(body)));
        Ok(Node::Template {
            span: self.spans.span(start, end),
            name,
            pipe,
        })
    }

    /// A pipeline from `tokens` (of the action `start..end`); `declarations` allows `$x :=`.
    fn pipeline(
        &mut self,
        tokens: &[Token],
        start: usize,
        end: usize,
        declarations: bool,
    ) -> Result<Pipe, ParseError> {
        let mut at = 0;
        let mut variables = Vec::new();
        let mut assign = false;
        if declarations {
            // `$x :=`, `$x =`, `$i, $v :=`.
            let mut probe = 0;
            let mut names = Vec::new();
            while let Some(TokenKind::Variable(name)) = tokens.get(probe).map(|t| &t.kind) {
                names.push(name.clone());
                match tokens.get(probe + 1).map(|t| &t.kind) {
                    Some(TokenKind::Comma) if names.len() < 2 => probe += 2,
                    Some(TokenKind::Declare) => {
                        variables = names;
                        at = probe + 2;
                        break;
                    }
                    Some(TokenKind::Assign) => {
                        variables = names;
                        assign = true;
                        at = probe + 2;
                        break;
                    }
                    _ => break,
                }
            }
        }
        let body = &tokens[at..];
        if body.is_empty() {
            return self.error(start, end, "missing value for command");
        }
        let pipe_start = body[0].start;
        let pipe_end = body[body.len() - 1].end;
        let mut commands = Vec::new();
        let mut index = 0;
        loop {
            let (command, next) = self.command(body, index, start, end)?;
            commands.push(command);
            index = next;
            match body.get(index).map(|t| &t.kind) {
                None => break,
                Some(TokenKind::Pipe) => {
                    index += 1;
                    if index >= body.len() {
                        return self.error(start, end, "missing command after |");
                    }
                }
                // A command also stops at `)`: one without its `(` here.
                Some(_) => {
                    let token = &body[index];
                    return self.error(token.start, token.end, "unexpected right paren");
                }
            }
        }
        Ok(Pipe {
            span: self.spans.span(pipe_start, pipe_end),
            variables,
            assign,
            commands,
        })
    }

    /// Operands from `tokens[index..]` up to `|`, `)` or the end: (command, index after it).
    fn command(
        &mut self,
        tokens: &[Token],
        mut index: usize,
        start: usize,
        end: usize,
    ) -> Result<(Command, usize), ParseError> {
        let mut args = Vec::new();
        while let Some(token) = tokens.get(index) {
            match token.kind {
                TokenKind::Pipe | TokenKind::RightParen => break,
                _ => {}
            }
            if !args.is_empty() && !token.spaced && !matches!(token.kind, TokenKind::LeftParen) {
                return self.error(token.start, token.end, "missing space between operands");
            }
            let (term, next) = self.term(tokens, index, start, end)?;
            args.push(term);
            index = next;
        }
        if args.is_empty() {
            let at = tokens.get(index).map_or(end, |t| t.start);
            return self.error(at, at + 1, "missing value for command");
        }
        let first = args[0].span();
        let last = args[args.len() - 1].span();
        let span = Span {
            end: last.end.max(first.start),
            ..first
        };
        Ok((Command { span, args }, index))
    }

    /// One operand with the fields chained onto it.
    fn term(
        &mut self,
        tokens: &[Token],
        index: usize,
        start: usize,
        end: usize,
    ) -> Result<(Term, usize), ParseError> {
        let token = &tokens[index];
        let span = self.spans.span(token.start, token.end);
        let mut next = index + 1;
        let term = match &token.kind {
            TokenKind::Dot => Term::Dot(span),
            TokenKind::Field(name) => Term::Chain {
                receiver: None,
                names: vec![name.clone()],
                span,
            },
            TokenKind::Variable(name) => Term::Variable(name.clone(), span),
            TokenKind::String(text) => Term::String(text.clone(), span),
            TokenKind::Char(value) => Term::Number(Number::Int(*value), span),
            TokenKind::Number(text) => match number(text) {
                Some(n) => Term::Number(n, span),
                None => {
                    return self.error(
                        token.start,
                        token.end,
                        format!("bad number syntax: {text:?}"),
                    );
                }
            },
            TokenKind::Identifier(word) => match &**word {
                "true" => Term::Bool(true, span),
                "false" => Term::Bool(false, span),
                "nil" => Term::Nil(span),
                "if" | "else" | "end" | "range" | "with" | "define" | "template" | "block"
                | "break" | "continue" => {
                    return self.error(
                        token.start,
                        token.end,
                        format!("unexpected {word} in command"),
                    );
                }
                _ => Term::Function(word.clone(), span),
            },
            TokenKind::LeftParen => {
                self.enter(start, end)?;
                let close = matching_paren(tokens, index).ok_or_else(|| ParseError {
                    span,
                    message: "unclosed left paren".to_string(),
                })?;
                let inner = self.pipeline(&tokens[index + 1..close], start, end, false)?;
                self.depth -= 1;
                next = close + 1;
                Term::Pipe(Box::new(Pipe {
                    span: self.spans.span(token.start, tokens[close].end),
                    ..inner
                }))
            }
            TokenKind::RightParen => {
                return self.error(token.start, token.end, "unexpected right paren");
            }
            TokenKind::Pipe | TokenKind::Comma | TokenKind::Declare | TokenKind::Assign => {
                return self.error(token.start, token.end, "unexpected token in operand");
            }
        };
        // Fields written right after the operand chain onto it.
        let mut names = Vec::new();
        let mut chain_end = tokens[next - 1].end;
        while let Some(Token {
            kind: TokenKind::Field(name),
            spaced: false,
            end: field_end,
            ..
        }) = tokens.get(next)
        {
            names.push(name.clone());
            chain_end = *field_end;
            next += 1;
        }
        if names.is_empty() {
            return Ok((term, next));
        }
        let chained = match term {
            Term::Chain {
                receiver: None,
                names: mut first,
                ..
            } => {
                first.extend(names);
                Term::Chain {
                    receiver: None,
                    names: first,
                    span: self.spans.span(token.start, chain_end),
                }
            }
            // `now.Unix`: a function called without arguments, then its result's fields.
            Term::Variable(..) | Term::Pipe(_) | Term::Dot(_) | Term::Function(..) => Term::Chain {
                receiver: Some(Box::new(term)),
                names,
                span: self.spans.span(token.start, chain_end),
            },
            _ => return self.error(token.start, chain_end, "unexpected . after term"),
        };
        Ok((chained, next))
    }
}

/// Index of the `)` closing the `(` at `open`.
fn matching_paren(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token.kind {
            TokenKind::LeftParen => depth += 1,
            TokenKind::RightParen => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// A number literal as Go reads an untyped constant: int unless written as a float.
fn number(text: &str) -> Option<Number> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let plain: String = digits.chars().filter(|&c| c != '_').collect();
    let lower = plain.to_ascii_lowercase();
    let int = |radix: u32, rest: &str| i64::from_str_radix(rest, radix).ok();
    let value = if let Some(rest) = lower.strip_prefix("0x") {
        if rest.contains(['.', 'p']) {
            return None;
        }
        int(16, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        int(2, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        int(8, rest)
    } else if lower.len() > 1 && lower.starts_with('0') && lower.bytes().all(|b| b.is_ascii_digit())
    {
        int(8, &lower[1..])
    } else if lower.contains(['.', 'e']) {
        let f: f64 = lower.parse().ok()?;
        return Some(Number::Float(if negative { -f } else { f }));
    } else {
        lower.parse::<i64>().ok()
    }?;
    Some(Number::Int(if negative { -value } else { value }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(source: &str) -> Parsed {
        parse(
            source,
            Spans::At {
                file: FileId(1),
                base: 0,
            },
        )
        .unwrap()
    }

    fn parse_error(source: &str) -> String {
        parse(
            source,
            Spans::At {
                file: FileId(1),
                base: 0,
            },
        )
        .unwrap_err()
        .message
    }

    #[test]
    fn control_structures_nest_and_defines_are_collected() {
        let parsed = parse_ok(
            r#"{{ define "a" }}x{{ end }}{{ if .a }}1{{ else if .b }}2{{ else }}3{{ end }}{{ range $i, $v := .l }}{{ $v }}{{ end }}"#,
        );
        assert_eq!(parsed.defines.len(), 1);
        assert_eq!(&*parsed.defines[0].0, "a");
        assert_eq!(parsed.root.len(), 2);
        let Node::Branch {
            otherwise: Some(otherwise),
            ..
        } = &parsed.root[0]
        else {
            panic!("if expected")
        };
        assert!(matches!(
            &otherwise[0],
            Node::Branch {
                otherwise: Some(_),
                ..
            }
        ));
        let Node::Range { pipe, .. } = &parsed.root[1] else {
            panic!("range expected")
        };
        assert_eq!(pipe.variables, vec![Arc::from("$i"), Arc::from("$v")]);
    }

    #[test]
    fn spans_cover_actions_and_chains() {
        let parsed = parse_ok("ab{{ .x.y | quote }}");
        let Node::Action { span, pipe } = &parsed.root[1] else {
            panic!("action expected")
        };
        assert_eq!((span.start, span.end), (2, 20));
        let Term::Chain { names, span, .. } = &pipe.commands[0].args[0] else {
            panic!("chain expected")
        };
        assert_eq!(names.len(), 2);
        assert_eq!((span.start, span.end), (5, 9));
    }

    #[test]
    fn errors_are_reported() {
        assert_eq!(
            parse_error("{{ if .a }}"),
            "unexpected EOF: missing {{end}}"
        );
        assert_eq!(parse_error("{{ end }}"), "unexpected {{end}}");
        assert_eq!(parse_error("{{ .a | }}"), "missing command after |");
        assert_eq!(parse_error("{{ (1 }}"), "unclosed left paren");
        // Found by the fuzz target: a stray `)` ends a command but not the pipeline.
        assert_eq!(
            parse_error("{{ range $ks.b) }}x{{ end }}"),
            "unexpected right paren"
        );
        assert_eq!(parse_error("{{ 1 ) }}"), "unexpected right paren");
        let deep = "{{ if 1 }}".repeat(100);
        assert!(parse_error(&deep).starts_with("template nesting deeper than"));
    }

    #[test]
    fn numbers_are_ints_unless_written_as_floats() {
        assert_eq!(number("0x10"), Some(Number::Int(16)));
        assert_eq!(number("-017"), Some(Number::Int(-15)));
        assert_eq!(number("1.0"), Some(Number::Float(1.0)));
        assert_eq!(number("1e3"), Some(Number::Float(1000.0)));
        assert_eq!(number("1_000"), Some(Number::Int(1000)));
    }
}
