//! A piece of script text with where each of its bytes is in the file, and the variables
//! assigned before a command (`IMAGE=…`, workflow `env:`, Makefile `NAME := …`).

use std::collections::BTreeMap;
use std::ops::Range;

use crate::span::{FileId, Span};

/// Script text to lex, and how its byte offsets map into the file.
pub(super) struct Segment {
    /// The text as the shell sees it (a YAML scalar's value, a whole script).
    pub text: String,
    offsets: Offsets,
    file: FileId,
    /// One past the last file byte the segment covers: no span ends beyond it (a value
    /// character the source does not hold, an unterminated quote, maps no further).
    limit: usize,
}

enum Offsets {
    /// The text is the file's from this offset on, byte for byte.
    Shift(usize),
    /// The file offset of each byte of the text, and one past the last.
    Table(Vec<usize>),
}

impl Segment {
    /// Text that is the file's own bytes from `start` (a script, a Makefile with its
    /// non-recipe lines blanked to spaces).
    pub fn shifted(file: FileId, text: String, start: usize) -> Segment {
        Segment {
            limit: start + text.len(),
            text,
            offsets: Offsets::Shift(start),
            file,
        }
    }

    /// A YAML scalar's value and its source text (starting at file offset `start`): each
    /// character of the value is found in order in the source, which holds it with indentation,
    /// quotes and escapes around it (so block scalars, `run: |`, map exactly). Linear.
    pub fn mapped(file: FileId, value: String, source: &str, start: usize) -> Segment {
        let mut table = Vec::with_capacity(value.len() + 1);
        let mut source_chars = source.char_indices().peekable();
        let mut last = 0;
        for wanted in value.chars() {
            let mut at = None;
            while let Some(&(offset, found)) = source_chars.peek() {
                source_chars.next();
                if found == wanted || (wanted == ' ' && found == '\n') {
                    at = Some(offset);
                    break;
                }
            }
            // A value character the source does not hold (an escape's result) stays on the last
            // character found, never past it.
            let offset = at.unwrap_or(last);
            last = offset + wanted.len_utf8();
            table.extend(std::iter::repeat_n(start + offset, wanted.len_utf8()));
        }
        table.push(start + last);
        Segment {
            text: value,
            offsets: Offsets::Table(table),
            file,
            limit: start + source.len(),
        }
    }

    /// Spaces inside `{{ … }}` (a Justfile's or Taskfile's template) become
    /// [`TEMPLATE_SPACE`], so the shell lexer keeps `{{ .IMAGE }}` one word; byte for byte, so
    /// offsets stay. [`Vars::templates`] reads such a reference.
    pub fn protect_templates(&mut self) {
        let mut bytes = std::mem::take(&mut self.text).into_bytes();
        let mut inside = false;
        let mut i = 0;
        while i < bytes.len() {
            match (bytes[i], bytes.get(i + 1)) {
                (b'{', Some(b'{')) if !inside => {
                    inside = true;
                    i += 1;
                }
                (b'}', Some(b'}')) if inside => {
                    inside = false;
                    i += 1;
                }
                (b'\n', _) => inside = false,
                (b' ', _) if inside => bytes[i] = TEMPLATE_SPACE as u8,
                _ => {}
            }
            i += 1;
        }
        // Only ASCII spaces were replaced by an ASCII byte: still UTF-8.
        self.text = String::from_utf8(bytes).unwrap_or_default();
    }

    /// The file span of a byte range of the text.
    pub fn span(&self, bytes: &Range<usize>) -> Span {
        let span = self.unclamped_span(bytes);
        let end = (span.end as usize).min(self.limit);
        let start = (span.start as usize).min(end);
        Span::new(self.file, start, end)
    }

    fn unclamped_span(&self, bytes: &Range<usize>) -> Span {
        match &self.offsets {
            Offsets::Shift(start) => Span::new(self.file, start + bytes.start, start + bytes.end),
            Offsets::Table(table) => {
                let at = |i: usize| table.get(i).or(table.last()).copied().unwrap_or(0);
                let start = at(bytes.start);
                // One past the last byte: its character's offset in the file plus its length.
                let end = match bytes.end.checked_sub(1).filter(|&last| last >= bytes.start) {
                    Some(last) => {
                        let character = self
                            .text
                            .get(..bytes.end)
                            .and_then(|t| t.chars().next_back());
                        at(last) + character.map_or(1, char::len_utf8)
                    }
                    None => start,
                };
                Span::new(self.file, start, end.max(start))
            }
        }
    }
}

/// What a space inside a template reference (`{{ .IMAGE }}`) is replaced with before lexing:
/// a control character the shell lexer does not split on.
pub(super) const TEMPLATE_SPACE: char = '\u{1f}';

/// The variables a script sets before a command: values as assigned, expanded when read.
#[derive(Debug, Default, Clone)]
pub(super) struct Vars {
    values: BTreeMap<String, String>,
    /// Makefile text: `$(NAME)` is a variable and `$$` a literal `$`.
    make: bool,
    /// Justfile and Taskfile text: `{{NAME}}`, `{{ .NAME }}` read a variable too.
    templates: bool,
}

/// Expansion passes at most: `A=$B`, `B=$C` … resolve, a cycle stops.
const MAX_EXPANSIONS: usize = 8;
/// Longest expansion kept: `A=$A$A` repeated doubles a value each line; past this the text
/// stays as written (no image or option is this long).
const MAX_EXPANDED: usize = 16 * 1024;

impl Vars {
    /// Variables of a Makefile's recipes.
    pub fn make() -> Vars {
        Vars {
            make: true,
            ..Vars::default()
        }
    }

    /// Variables of a Justfile (`{{name}}`) or a Taskfile (`{{.NAME}}`), `$NAME` as well.
    pub fn templates() -> Vars {
        Vars {
            templates: true,
            ..Vars::default()
        }
    }

    /// True for Justfile and Taskfile text, whose `{{ … }}` references are protected before
    /// lexing ([`Segment::protect_templates`]).
    pub fn reads_templates(&self) -> bool {
        self.templates
    }

    /// Sets a variable to a value as written (expanded with the variables known now).
    pub fn set(&mut self, name: &str, value: &str) {
        let value = self.expand(value);
        self.values.insert(name.to_string(), value);
    }

    /// The text with the variables known replaced (`$X`, `${X}`, `${X:-default}`, Makefile
    /// `$(X)`, workflow `${{ env.X }}`); unknown ones stay as written, defaults apply.
    pub fn expand(&self, text: &str) -> String {
        let mut text = text.to_string();
        let references = text.contains('$') || (self.templates && text.contains("{{"));
        if !references {
            return text;
        }
        for _ in 0..MAX_EXPANSIONS {
            let next = self.expand_once(&text);
            if next == text || next.len() > MAX_EXPANDED {
                break;
            }
            text = next;
        }
        text
    }

    fn expand_once(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = self.next_reference(rest) {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            let (written, replaced) = if rest.starts_with("{{") {
                self.template_reference(rest)
            } else {
                self.reference(rest)
            };
            out.push_str(&replaced);
            rest = &rest[written..];
            if out.len() > MAX_EXPANDED {
                return text.to_string();
            }
        }
        out.push_str(rest);
        out
    }

    /// Where the next reference starts: a `$`, or a `{{` in template text.
    fn next_reference(&self, text: &str) -> Option<usize> {
        let dollar = text.find('$');
        let template = self.templates.then(|| text.find("{{")).flatten();
        match (dollar, template) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// At a `{{`: `{{name}}`, `{{ .NAME }}` (spaces possibly protected) when the variable is
    /// known; anything else (`{{arg}}` of a recipe, a function call) stays as written.
    fn template_reference(&self, at: &str) -> (usize, String) {
        let Some(end) = at.find("}}") else {
            return (at.len(), at.to_string());
        };
        let name = at[2..end]
            .trim_matches(|c: char| c == ' ' || c == TEMPLATE_SPACE)
            .trim_start_matches('.');
        match self.values.get(name) {
            Some(value) if is_name(name) => (end + 2, value.clone()),
            _ => (end + 2, at[..end + 2].replace(TEMPLATE_SPACE, " ")),
        }
    }

    /// At a `$`: how many bytes the reference takes and what it becomes.
    fn reference(&self, at: &str) -> (usize, String) {
        let after = &at[1..];
        let keep = |n: usize| (n, at[..n].to_string());
        if self.make && after.starts_with('$') {
            return (2, "$$".to_string());
        }
        if let Some(inner) = after.strip_prefix("{{") {
            // A workflow expression: `${{ env.NAME }}` reads the workflow's `env:`.
            let Some(end) = inner.find("}}") else {
                return keep(at.len());
            };
            let expression = inner[..end].trim();
            let value = expression
                .strip_prefix("env.")
                .and_then(|name| self.values.get(name));
            return match value {
                Some(value) => (end + 5, value.clone()),
                None => keep(end + 5),
            };
        }
        let braced = match after.chars().next() {
            Some('{') => Some('}'),
            Some('(') if self.make => Some(')'),
            _ => None,
        };
        if let Some(close) = braced {
            let Some(end) = after.find(close) else {
                return keep(at.len());
            };
            let body = &after[1..end];
            let (name, default) = match body.find([':', '-', '=']) {
                Some(i) => {
                    let operator = body[i..].trim_start_matches(':');
                    let default = operator
                        .strip_prefix('-')
                        .or_else(|| operator.strip_prefix('='));
                    (&body[..i], default)
                }
                None => (body, None),
            };
            let value = self
                .values
                .get(name)
                .cloned()
                .or(default.map(str::to_string));
            return match value {
                Some(value) if is_name(name) => (end + 2, value),
                _ => keep(end + 2),
            };
        }
        let length = after
            .char_indices()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(after.len(), |(i, _)| i);
        let name = &after[..length];
        match self.values.get(name) {
            Some(value) if is_name(name) => (length + 1, value.clone()),
            _ => keep(length + 1),
        }
    }
}

/// A shell (or Make) variable name.
pub(super) fn is_name(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with(|c: char| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_known_variables_with_defaults_and_keeps_unknown_ones() {
        let mut vars = Vars::default();
        vars.set("REGISTRY", "ghcr.io/acme");
        vars.set("IMAGE", "${REGISTRY}/shop:${TAG:-1.4.0}");
        assert_eq!(vars.expand("$IMAGE"), "ghcr.io/acme/shop:1.4.0");
        assert_eq!(vars.expand("${UNKNOWN}/x $HOME"), "${UNKNOWN}/x $HOME");
        assert_eq!(vars.expand("${{ env.REGISTRY }}/a"), "ghcr.io/acme/a");
        let mut make = Vars::make();
        make.set("TAG", "2.0");
        assert_eq!(make.expand("shop:$(TAG) $$HOME"), "shop:2.0 $$HOME");
        // A value doubled on every line stops growing at the cap.
        let mut bomb = Vars::default();
        bomb.set("A", "xxxxxxxx");
        for _ in 0..40 {
            bomb.set("A", "$A$A");
        }
        assert!(bomb.expand("$A").len() <= MAX_EXPANDED);
    }

    #[test]
    fn template_references_read_variables_and_keep_unknown_ones() {
        let mut vars = Vars::templates();
        vars.set("IMAGE", "shop:2.0");
        let mut segment = Segment::shifted(FileId(0), "run {{ .IMAGE }} {{tag}}".into(), 0);
        segment.protect_templates();
        assert!(!segment.text.contains("{{ ."), "{:?}", segment.text);
        assert_eq!(vars.expand(&segment.text[4..16]), "shop:2.0");
        assert_eq!(vars.expand("x:{{tag}}"), "x:{{tag}}");
        assert_eq!(Vars::default().expand("{{IMAGE}}"), "{{IMAGE}}");
    }

    #[test]
    fn a_block_scalar_maps_back_to_its_indented_lines() {
        let source = "|\n  echo a\n  kubectl run x\n";
        let value = "echo a\nkubectl run x\n".to_string();
        let segment = Segment::mapped(FileId(0), value, source, 100);
        let at = segment.text.find("kubectl").unwrap();
        let span = segment.span(&(at..at + "kubectl run x".len()));
        assert_eq!(
            &source[span.start as usize - 100..span.end as usize - 100],
            "kubectl run x"
        );
    }
}
