//! Template text split into literal text and actions, and each action into tokens, with byte
//! offsets; `{{-` / `-}}` trimming and `{{/* */}}` comments are applied here.

use std::sync::Arc;

/// One piece of a template source: literal text (already trimmed) or an action's tokens.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Item {
    /// Literal text: its bytes `start..end` of the source (after trimming).
    Text { start: usize, end: usize },
    /// `{{ … }}`: the whole action `start..end` (delimiters included) and its tokens.
    Action {
        start: usize,
        end: usize,
        tokens: Vec<Token>,
    },
}

/// A token of an action with its bytes.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) kind: TokenKind,
    pub(super) start: usize,
    pub(super) end: usize,
    /// Whitespace precedes it (`.a .b` is two arguments, `.a.b` one chain).
    pub(super) spaced: bool,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum TokenKind {
    /// `.` on its own.
    Dot,
    /// `.name`.
    Field(Arc<str>),
    /// `$` or `$name` (the name includes the `$`).
    Variable(Arc<str>),
    /// A function name or keyword.
    Identifier(Arc<str>),
    /// A string literal, unquoted.
    String(Arc<str>),
    /// A number literal as written (a character literal as its code point).
    Number(Arc<str>),
    /// `'x'`: a rune constant (an int).
    Char(i64),
    LeftParen,
    RightParen,
    Pipe,
    /// `:=`
    Declare,
    /// `=`
    Assign,
    Comma,
}

/// A lexing error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LexError {
    pub(super) at: usize,
    pub(super) end: usize,
    pub(super) message: String,
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// Split a template source into text and actions.
pub(super) fn lex(source: &str) -> Result<Vec<Item>, LexError> {
    let bytes = source.as_bytes();
    let mut items = Vec::new();
    let mut pos = 0;
    // Set by a `-}}`: the next text loses its leading whitespace.
    let mut trim_next = false;
    loop {
        let open = source[pos..].find("{{").map(|i| pos + i);
        let text_end = open.unwrap_or(source.len());
        let mut start = pos;
        if trim_next {
            while start < text_end && is_space(bytes[start]) {
                start += 1;
            }
        }
        let Some(open) = open else {
            if start < text_end {
                items.push(Item::Text {
                    start,
                    end: text_end,
                });
            }
            return Ok(items);
        };
        let trim_left =
            bytes.get(open + 2) == Some(&b'-') && bytes.get(open + 3).is_some_and(|&b| is_space(b));
        let mut end = text_end;
        if trim_left {
            while end > start && is_space(bytes[end - 1]) {
                end -= 1;
            }
        }
        if start < end {
            items.push(Item::Text { start, end });
        }
        let inner = if trim_left { open + 3 } else { open + 2 };
        // A comment must follow the delimiter (and the trim marker with its space) directly.
        let comment = if trim_left { open + 4 } else { open + 2 };
        if source[comment..].starts_with("/*") {
            let close = source[comment + 2..].find("*/").ok_or_else(|| LexError {
                at: open,
                end: source.len(),
                message: "unclosed comment".to_string(),
            })? + comment
                + 4;
            let (action_end, trim_right) = if source[close..].starts_with(" -}}")
                || source[close..].starts_with("\t-}}")
                || source[close..].starts_with("\n-}}")
                || source[close..].starts_with("\r-}}")
            {
                (close + 4, true)
            } else if source[close..].starts_with("}}") {
                (close + 2, false)
            } else {
                return Err(LexError {
                    at: open,
                    end: close,
                    message: "comment ends before closing delimiter".to_string(),
                });
            };
            trim_next = trim_right;
            pos = action_end;
            continue;
        }
        let (tokens, action_end, trim_right) = lex_action(source, open, inner)?;
        items.push(Item::Action {
            start: open,
            end: action_end,
            tokens,
        });
        trim_next = trim_right;
        pos = action_end;
    }
}

/// Tokens of the action opened at `open`, from `inner` to its `}}`: (tokens, end, trims right).
fn lex_action(
    source: &str,
    open: usize,
    inner: usize,
) -> Result<(Vec<Token>, usize, bool), LexError> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = inner;
    let mut spaced = true;
    let error = |at: usize, end: usize, message: &str| LexError {
        at,
        end,
        message: message.to_string(),
    };
    loop {
        let Some(&byte) = bytes.get(pos) else {
            return Err(error(open, source.len(), "unclosed action"));
        };
        if is_space(byte) {
            if bytes.get(pos + 1) == Some(&b'-') && source[pos + 2..].starts_with("}}") {
                return Ok((tokens, pos + 4, true));
            }
            pos += 1;
            spaced = true;
            continue;
        }
        if source[pos..].starts_with("}}") {
            return Ok((tokens, pos + 2, false));
        }
        let start = pos;
        let kind = match byte {
            b'(' => {
                pos += 1;
                TokenKind::LeftParen
            }
            b')' => {
                pos += 1;
                TokenKind::RightParen
            }
            b'|' => {
                pos += 1;
                TokenKind::Pipe
            }
            b',' => {
                pos += 1;
                TokenKind::Comma
            }
            b'=' => {
                pos += 1;
                TokenKind::Assign
            }
            b':' if bytes.get(pos + 1) == Some(&b'=') => {
                pos += 2;
                TokenKind::Declare
            }
            b'"' => {
                let (text, end) = interpreted_string(source, pos)?;
                pos = end;
                TokenKind::String(text.into())
            }
            b'`' => {
                let close = source[pos + 1..]
                    .find('`')
                    .ok_or_else(|| error(pos, source.len(), "unterminated raw quoted string"))?;
                let text = &source[pos + 1..pos + 1 + close];
                pos += close + 2;
                TokenKind::String(text.into())
            }
            b'\'' => {
                let (value, end) = char_constant(source, pos)?;
                pos = end;
                TokenKind::Char(value)
            }
            b'.' if !bytes.get(pos + 1).is_some_and(|b| b.is_ascii_digit()) => {
                pos += 1;
                let name_end = identifier_end(source, pos);
                if name_end == pos {
                    TokenKind::Dot
                } else {
                    let name = &source[pos..name_end];
                    pos = name_end;
                    TokenKind::Field(name.into())
                }
            }
            b'$' => {
                let name_end = identifier_end(source, pos + 1);
                pos = name_end;
                TokenKind::Variable(source[start..name_end].into())
            }
            b'0'..=b'9' | b'.' | b'+' | b'-' => {
                let end = number_end(source, pos);
                if end == pos || !source[pos..end].bytes().any(|b| b.is_ascii_digit()) {
                    return Err(error(
                        pos,
                        pos + 1,
                        &format!("unexpected {:?} in command", byte as char),
                    ));
                }
                pos = end;
                TokenKind::Number(source[start..end].into())
            }
            _ if byte == b'_' || byte.is_ascii_alphabetic() || byte >= 0x80 => {
                let end = identifier_end(source, pos);
                if end == pos {
                    return Err(error(pos, pos + 1, "unexpected character in action"));
                }
                pos = end;
                TokenKind::Identifier(source[start..end].into())
            }
            _ => {
                let ch = source[pos..].chars().next().unwrap_or('?');
                return Err(error(
                    pos,
                    pos + ch.len_utf8(),
                    &format!("unexpected {ch:?} in command"),
                ));
            }
        };
        tokens.push(Token {
            kind,
            start,
            end: pos,
            spaced,
        });
        spaced = false;
    }
}

/// End of an identifier (letters, digits, `_`) starting at `pos`.
fn identifier_end(source: &str, pos: usize) -> usize {
    source[pos..]
        .char_indices()
        .find(|&(_, c)| !(c == '_' || c.is_alphanumeric()))
        .map_or(source.len(), |(i, _)| pos + i)
}

/// End of a number literal (sign, base prefix, digits, `_`, fraction, exponent) at `pos`.
fn number_end(source: &str, pos: usize) -> usize {
    let bytes = source.as_bytes();
    let mut end = pos;
    if matches!(bytes.get(end), Some(b'+' | b'-')) {
        end += 1;
    }
    let hex = source[end..].starts_with("0x") || source[end..].starts_with("0X");
    if hex {
        end += 2;
    }
    while let Some(&b) = bytes.get(end) {
        let exponent = if hex {
            matches!(b, b'p' | b'P')
        } else {
            matches!(b, b'e' | b'E')
        };
        if exponent && matches!(bytes.get(end + 1), Some(b'+' | b'-')) {
            end += 2;
        } else if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' {
            end += 1;
        } else {
            break;
        }
    }
    end
}

/// A `"…"` string with Go's escapes, starting at `pos`: (text, end).
fn interpreted_string(source: &str, pos: usize) -> Result<(String, usize), LexError> {
    let mut out = String::new();
    let mut chars = source[pos + 1..].char_indices();
    let unterminated = || LexError {
        at: pos,
        end: source.len(),
        message: "unterminated quoted string".to_string(),
    };
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, pos + 1 + i + 1)),
            '\n' => return Err(unterminated()),
            '\\' => {
                let (escape_at, escape) = chars.next().ok_or_else(unterminated)?;
                match escape {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'x' | 'u' | 'U' => {
                        let digits = match escape {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut code = 0u32;
                        for _ in 0..digits {
                            let (_, d) = chars.next().ok_or_else(unterminated)?;
                            code = code * 16 + d.to_digit(16).ok_or_else(unterminated)?;
                        }
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    '0'..='7' => {
                        let mut code = escape.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            let (_, d) = chars.next().ok_or_else(unterminated)?;
                            code = code * 8 + d.to_digit(8).ok_or_else(unterminated)?;
                        }
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    _ => {
                        return Err(LexError {
                            at: pos + 1 + i,
                            end: pos + 1 + escape_at + escape.len_utf8(),
                            message: "unknown escape sequence".to_string(),
                        });
                    }
                }
            }
            _ => out.push(c),
        }
    }
    Err(unterminated())
}

/// A `'x'` rune constant at `pos`: (code point, end).
fn char_constant(source: &str, pos: usize) -> Result<(i64, usize), LexError> {
    let rest = &source[pos + 1..];
    let bad = || LexError {
        at: pos,
        end: (pos + 1 + rest.find('\'').map_or(0, |i| i + 1)).min(source.len()),
        message: "malformed character constant".to_string(),
    };
    let mut chars = rest.char_indices();
    let (_, first) = chars.next().ok_or_else(bad)?;
    let value = if first == '\\' {
        // Reuse the string escapes: `'\n'` is `"\n"`'s character.
        let close = rest.find('\'').ok_or_else(bad)?;
        let quoted = format!("\"{}\"", &rest[..close]);
        let (text, _) = interpreted_string(&quoted, 0).map_err(|_| bad())?;
        let mut text_chars = text.chars();
        let c = text_chars.next().ok_or_else(bad)?;
        if text_chars.next().is_some() {
            return Err(bad());
        }
        return Ok((c as i64, pos + 1 + close + 1));
    } else {
        first
    };
    match chars.next() {
        Some((i, '\'')) => Ok((value as i64, pos + 1 + i + 1)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<String> {
        lex(source)
            .unwrap()
            .iter()
            .map(|item| match item {
                Item::Text { start, end } => format!("T{:?}", &source[*start..*end]),
                Item::Action { start, end, .. } => format!("A{:?}", &source[*start..*end]),
            })
            .collect()
    }

    #[test]
    fn trim_markers_eat_whitespace_on_their_side_only() {
        assert_eq!(
            texts("a \n {{- 1 -}} \n b {{ 2 }} c"),
            [
                "T\"a\"",
                "A\"{{- 1 -}}\"",
                "T\"b \"",
                "A\"{{ 2 }}\"",
                "T\" c\""
            ]
        );
    }

    #[test]
    fn comments_vanish_and_may_trim() {
        assert_eq!(texts("a  {{- /* x }} */ -}}  b"), ["T\"a\"", "T\"b\""]);
        assert!(lex("{{/* x */ 1 }}").is_err());
    }

    #[test]
    fn a_closing_delimiter_inside_a_string_does_not_end_the_action() {
        let items = lex(r#"{{ print "}}" `}}` }}x"#).unwrap();
        assert_eq!(items.len(), 2);
        let Item::Action { tokens, .. } = &items[0] else {
            panic!()
        };
        assert_eq!(tokens[1].kind, TokenKind::String("}}".into()));
    }

    #[test]
    fn fields_chain_only_without_space() {
        let items = lex("{{ .a.b .c }}").unwrap();
        let Item::Action { tokens, .. } = &items[0] else {
            panic!()
        };
        let spaced: Vec<bool> = tokens.iter().map(|t| t.spaced).collect();
        assert_eq!(spaced, [true, false, true]);
    }

    #[test]
    fn numbers_strings_and_chars() {
        let items = lex(r#"{{ -1 0x1F 1.5e3 'a' '\n' "a\tb" }}"#).unwrap();
        let Item::Action { tokens, .. } = &items[0] else {
            panic!()
        };
        let kinds: Vec<TokenKind> = tokens.iter().map(|t| t.kind.clone()).collect();
        assert_eq!(
            kinds,
            [
                TokenKind::Number("-1".into()),
                TokenKind::Number("0x1F".into()),
                TokenKind::Number("1.5e3".into()),
                TokenKind::Char(97),
                TokenKind::Char(10),
                TokenKind::String("a\tb".into()),
            ]
        );
    }
}
