//! Suppressions: `# adminlint: ignore[rule,…] reason` comments and `ignore.adminlint.io/<rule>`
//! annotations silence findings. This module owns the comment syntax both ways (parsing and
//! formatting); it reports which suppressions gave no reason, named unknown rules or matched
//! nothing, as data the meta rules turn into findings.
//!
//! It imports only the YAML layer, spans, sources and findings (not the model, not the rules): the
//! extract stage calls [`from_comments`] and caches the result with the file's facts, and the
//! pipeline hands the model's object ignores in as [`ObjectIgnore`]s.

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use crate::span::{FileId, Span};
use crate::yaml;

/// What a suppression comment says after its `#`.
const DIRECTIVE: &str = "adminlint:";

/// The verb of a suppression comment, followed by the bracketed rule list.
const IGNORE: &str = "ignore";

/// What the language server's quick fix writes where the reason goes: it is not a reason yet, and
/// is read as none until the user replaces it.
pub const REASON_PLACEHOLDER: &str = "reason: …";

/// Rule list entry that suppresses every rule.
pub const ALL_RULES: &str = "all";

/// Where a suppression was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Form {
    /// A YAML comment applying to findings that start on `line` (1-based).
    Comment {
        /// The line it applies to.
        line: usize,
    },
    /// An annotation (or `x-adminlint` entry) applying to findings inside `object`.
    Object {
        /// The object's span.
        object: Span,
    },
}

/// One suppression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// Rule ids, or `all`.
    pub rules: Vec<String>,
    /// The reason, None when missing.
    pub reason: Option<String>,
    /// The comment or annotation.
    pub span: Span,
    /// What it applies to.
    pub form: Form,
    /// How it was written, for messages: "`# adminlint: ignore[x]`", "annotation `…`".
    pub written: String,
    /// Each rule id's own span, in `rules` order (comments only; empty for object forms).
    pub rule_spans: Vec<Span>,
    /// Set when the comment starts like a suppression but cannot be read as one: it then names
    /// no rule, suppresses nothing, and the `invalid-directive` rule says why.
    pub invalid: Option<Invalid>,
}

/// What is wrong with a comment that looks like a suppression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invalid {
    /// What is wrong, for the message.
    pub problem: String,
    /// The comment as it should read, when that is clear (`ignore config-missing why` ->
    /// `ignore[config-missing] why`).
    pub suggestion: Option<String>,
}

impl Suppression {
    fn covers(&self, diagnostic: &Diagnostic, files: &[SourceFile]) -> bool {
        let rule_matches = self
            .rules
            .iter()
            .any(|r| r == ALL_RULES || r == diagnostic.rule);
        let place_matches = match self.form {
            Form::Comment { line } => {
                diagnostic.span.file == self.span.file
                    && files[diagnostic.span.file.0 as usize]
                        .position(diagnostic.span.start as usize)
                        .line
                        == line
            }
            Form::Object { object } => {
                diagnostic.span.file == object.file
                    && object.start <= diagnostic.span.start
                    && diagnostic.span.end <= object.end
            }
        };
        rule_matches && place_matches
    }
}

/// What applying suppressions produced: the meta rules (`suppression-without-reason`,
/// `unused-suppression`) turn the suppressions listed here into findings.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The file of each finding that was suppressed (for the summary).
    pub suppressed: Vec<FileId>,
    /// Suppressions that give no reason.
    pub without_reason: Vec<Suppression>,
    /// Suppressions naming rules that do not exist, with those names (in the order written).
    pub unknown_rules: Vec<(Suppression, Vec<String>)>,
    /// Suppressions of known rules that matched no finding.
    pub unused: Vec<Suppression>,
    /// Suppressions some of whose rules matched a finding, with the rules that matched none
    /// and their spans (`ignore[a, b]` where only `a` fired).
    pub unused_parts: Vec<(Suppression, Vec<(String, Span)>)>,
    /// Comments that look like suppressions but cannot be read as one.
    pub invalid: Vec<Suppression>,
}

/// A suppression directive read from a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Rule ids (or `all`).
    pub rules: Vec<String>,
    /// The reason, None when missing (or still the placeholder).
    pub reason: Option<String>,
    /// Byte offset of the directive's `#` within the comment text (a comment may say something
    /// else first: `# note # adminlint: ignore[x] why`).
    pub offset: usize,
    /// Byte range of each rule id within the comment text, in `rules` order.
    pub rule_ranges: Vec<std::ops::Range<usize>>,
}

/// What a comment holds: nothing adminlint reads, a suppression, or a directive it cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comment {
    /// An ordinary comment.
    Plain,
    /// `# adminlint: ignore[…] reason`.
    Directive(Directive),
    /// Starts like a directive (`# adminlint:`, `# adminlint ignore`) but is not one.
    Invalid {
        /// Byte offset of its `#` in the comment text.
        offset: usize,
        /// Byte offset of its end: the comment's, or where a further `# …` on the line starts.
        end: usize,
        /// What is wrong.
        problem: String,
        /// The directive as it should read, when that is clear.
        suggestion: Option<String>,
    },
}

/// `# adminlint: ignore[a, b]`: the directive without its reason.
pub fn format_directive(rules: &[&str]) -> String {
    format!("# {DIRECTIVE} {IGNORE}[{}]", rules.join(", "))
}

/// A whole suppression comment: `# adminlint: ignore[a, b] reason`, with the placeholder the
/// user replaces when no reason is given.
pub fn format_comment(rules: &[&str], reason: Option<&str>) -> String {
    format!(
        "{} {}",
        format_directive(rules),
        reason.unwrap_or(REASON_PLACEHOLDER)
    )
}

/// Read `# adminlint: ignore[a, b] reason` out of one comment's text (which starts at its `#`).
pub fn parse_comment(comment: &str) -> Option<Directive> {
    match read_comment(comment) {
        Comment::Directive(directive) => Some(directive),
        Comment::Plain | Comment::Invalid { .. } => None,
    }
}

/// Read one comment's text (which starts at its `#`): a suppression, a directive written wrong
/// (`# adminlint: ignore config-missing`, `# adminlint: disable[x]`, an unclosed `[`), or neither.
///
/// Only text that names the tool as a directive does (`adminlint:`, or `adminlint` followed by
/// `ignore`) is read as one: a comment that merely mentions adminlint is plain.
pub fn read_comment(comment: &str) -> Comment {
    let mut search = 0;
    while let Some(found) = comment[search..].find('#') {
        let hash = search + found;
        search = hash + 1;
        let before = &comment[..hash];
        // Inside a comment, another `#` starts a directive only after a blank (not in `a#b`).
        if !(before.is_empty() || before.ends_with([' ', '\t'])) {
            continue;
        }
        let body = comment[hash + 1..].trim_start();
        let Some(after_tool) = body.strip_prefix("adminlint") else {
            continue;
        };
        // The directive ends where another comment on the line starts (`… # expect: x`):
        // that one is not part of it, and a fix must keep it.
        let end = comment[hash + 1..]
            .find(" # ")
            .map_or(comment.len(), |at| hash + 1 + at);
        let invalid = |problem: &str, suggestion: Option<String>| Comment::Invalid {
            offset: hash,
            end,
            problem: problem.to_string(),
            suggestion,
        };
        let (colon, rest) = match after_tool.strip_prefix(':') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, after_tool.trim_start()),
        };
        let spaced_ignore = after_tool.starts_with([' ', '\t']) && rest.starts_with(IGNORE);
        if !(colon || spaced_ignore) {
            // `# adminlint checks this file`, `# adminlint-config`: not a directive.
            continue;
        }
        let Some(after_verb) = rest.strip_prefix(IGNORE) else {
            let verb: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '[')
                .collect();
            let problem = if verb.is_empty() {
                "`adminlint:` is followed by no directive".to_string()
            } else {
                format!(
                    "`{verb}` is not an adminlint directive (the one directive is `ignore[rule] reason`)"
                )
            };
            return invalid(&problem, None);
        };
        let canonical = |rules: &str, reason: &str| {
            let rules: Vec<&str> = rules
                .split([',', ' '])
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .collect();
            let reason = reason.trim();
            let reason = (!reason.is_empty()).then_some(reason);
            format_comment(&rules, reason)
        };
        let Some(list_and_reason) = after_verb.trim_start().strip_prefix('[') else {
            // `ignore config-missing because …`: the rule ids without brackets.
            // Another comment may follow on the same line (`… reason # note`).
            let words = after_verb.split(" # ").next().unwrap_or_default().trim();
            let (rule, reason) = words.split_once(char::is_whitespace).unwrap_or((words, ""));
            let suggestion = (!rule.is_empty()).then(|| canonical(rule, reason));
            return invalid(
                "the rule ids must be in brackets: `ignore[rule, …] reason`",
                suggestion,
            );
        };
        let Some((list, reason)) = list_and_reason.split_once(']') else {
            return invalid("`[` is never closed: `ignore[rule, …] reason`", None);
        };
        if !colon {
            let reason = reason.split(" # ").next().unwrap_or_default();
            return invalid(
                "`adminlint` must be followed by a colon: `# adminlint: ignore[rule] reason`",
                Some(canonical(list, reason)),
            );
        }
        // Byte offsets of each id within `comment`, for spans.
        let list_start = comment.len() - list_and_reason.len();
        let mut rules = Vec::new();
        let mut rule_ranges = Vec::new();
        let mut at = list_start;
        for part in list.split(',') {
            let trimmed = part.trim();
            if !trimmed.is_empty() {
                let lead = part.len() - part.trim_start().len();
                rules.push(trimmed.to_string());
                rule_ranges.push(at + lead..at + lead + trimmed.len());
            }
            at += part.len() + 1;
        }
        if rules.is_empty() {
            return invalid("`ignore[]` names no rule", None);
        }
        // Another comment may follow on the same line (`… ] reason # note`).
        let reason = reason.split(" # ").next().unwrap_or_default().trim();
        let placeholder = reason == REASON_PLACEHOLDER || reason == "…";
        let reason = (!reason.is_empty() && !placeholder).then(|| reason.to_string());
        return Comment::Directive(Directive {
            rules,
            reason,
            offset: hash,
            rule_ranges,
        });
    }
    Comment::Plain
}

/// Line numbers of offsets visited in increasing order, counted as the scan goes.
#[derive(Clone, Copy)]
struct LineCounter<'t> {
    text: &'t str,
    offset: usize,
    line: usize,
}

impl LineCounter<'_> {
    /// The 1-based line of `offset` (never less than an earlier call's).
    fn line_of(&mut self, offset: usize) -> usize {
        let offset = offset.clamp(self.offset, self.text.len());
        self.line += self.text.as_bytes()[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
}

/// The suppressions written in one file's comments (as the YAML layer found them, in order).
///
/// A trailing comment applies to its own line; a comment alone on its line applies to the next
/// line that is not itself a comment alone on its line, so a suppression may head a block of
/// comments.
pub fn from_comments(file: FileId, text: &str, comments: &[yaml::Comment]) -> Vec<Suppression> {
    let mut lines = LineCounter {
        text,
        offset: 0,
        line: 1,
    };
    let mut out = Vec::new();
    for (index, comment) in comments.iter().enumerate() {
        let directive = match read_comment(comment.text(text)) {
            Comment::Plain => continue,
            Comment::Directive(directive) => directive,
            Comment::Invalid {
                offset,
                end,
                problem,
                suggestion,
            } => {
                let start = comment.start as usize + offset;
                let end = comment.start as usize + end;
                out.push(Suppression {
                    rules: Vec::new(),
                    reason: None,
                    span: Span::new(file, start, end),
                    form: Form::Comment {
                        line: lines.line_of(comment.start as usize),
                    },
                    written: format!("`{}`", &text[start..end]),
                    rule_spans: Vec::new(),
                    invalid: Some(Invalid {
                        problem,
                        suggestion,
                    }),
                });
                continue;
            }
        };
        let line = lines.line_of(comment.start as usize);
        let target = if comment.trailing {
            line
        } else {
            // Lines are counted on a copy: later comments are visited again by the outer loop.
            let mut ahead = lines;
            let mut last = line;
            for next in &comments[index + 1..] {
                if next.trailing || ahead.line_of(next.start as usize) != last + 1 {
                    break;
                }
                last += 1;
            }
            last + 1
        };
        let rules: Vec<&str> = directive.rules.iter().map(String::as_str).collect();
        let written = format!("`{}`", format_directive(&rules));
        let start = comment.start as usize + directive.offset;
        let rule_spans = directive
            .rule_ranges
            .iter()
            .map(|range| {
                let at = comment.start as usize;
                Span::new(file, at + range.start, at + range.end)
            })
            .collect();
        out.push(Suppression {
            rules: directive.rules,
            reason: directive.reason,
            span: Span::new(file, start, comment.end as usize),
            form: Form::Comment { line: target },
            written,
            rule_spans,
            invalid: None,
        });
    }
    out
}

/// How an object-level suppression is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectSyntax {
    /// A Kubernetes annotation `ignore.adminlint.io/<rule>: reason`.
    Annotation,
    /// A Compose service's `x-adminlint: {ignore: {<rule>: reason}}`.
    XAdminlint,
}

/// One ignore written on an object, as extraction found it.
#[derive(Debug, Clone, Copy)]
pub struct ObjectIgnore<'a> {
    /// Rule id or `all`.
    pub rule: &'a str,
    /// The reason given (None: missing).
    pub reason: Option<&'a str>,
    /// The annotation or entry.
    pub span: Span,
    /// The object it covers.
    pub object: Span,
    /// How it is written.
    pub syntax: ObjectSyntax,
}

/// The suppressions written on objects (annotations and `x-adminlint` ignores); the same one
/// seen twice (kustomize overlays copy objects) counts once.
pub fn on_objects<'a>(ignores: impl IntoIterator<Item = ObjectIgnore<'a>>) -> Vec<Suppression> {
    let mut out: Vec<Suppression> = Vec::new();
    for ignore in ignores {
        let written = match ignore.syntax {
            ObjectSyntax::Annotation => format!("annotation `ignore.adminlint.io/{}`", ignore.rule),
            ObjectSyntax::XAdminlint => format!("`x-adminlint` ignore of `{}`", ignore.rule),
        };
        let suppression = Suppression {
            rules: vec![ignore.rule.to_string()],
            reason: ignore.reason.map(str::to_string),
            span: ignore.span,
            form: Form::Object {
                object: ignore.object,
            },
            written,
            rule_spans: Vec::new(),
            invalid: None,
        };
        if !out.contains(&suppression) {
            out.push(suppression);
        }
    }
    out
}

/// Remove the findings `suppressions` cover, and list the suppressions without a reason, naming
/// unknown rules or matching nothing. `rules` are the registered rule ids and those that did not
/// run (`off` in the configuration, or not selected): a rule that did not run cannot have
/// matched, so its suppressions are not judged unused. With `disabled` (`--no-ignores`) nothing
/// is suppressed and nothing is listed.
pub fn apply(
    diagnostics: &mut Vec<Diagnostic>,
    suppressions: Vec<Suppression>,
    files: &[SourceFile],
    (known_rules, off_rules): (&[&str], &[&str]),
    disabled: bool,
) -> Outcome {
    let mut outcome = Outcome::default();
    if disabled {
        return outcome;
    }
    // Which of each suppression's rules silenced a finding (a rule that did not run counts as
    // used: nothing says the suppression is stale).
    let mut used: Vec<Vec<bool>> = suppressions
        .iter()
        .map(|s| {
            s.rules
                .iter()
                .map(|r| {
                    off_rules.contains(&r.as_str()) || (r == ALL_RULES && !off_rules.is_empty())
                })
                .collect()
        })
        .collect();
    diagnostics.retain(|diagnostic| {
        let mut hit = false;
        for (index, suppression) in suppressions.iter().enumerate() {
            if suppression.covers(diagnostic, files) {
                for (rule, used) in suppression.rules.iter().zip(&mut used[index]) {
                    *used |= rule == ALL_RULES || rule == diagnostic.rule;
                }
                hit = true;
            }
        }
        if hit {
            outcome.suppressed.push(diagnostic.span.file);
        }
        !hit
    });
    for (suppression, used) in suppressions.into_iter().zip(used) {
        if suppression.invalid.is_some() {
            outcome.invalid.push(suppression);
            continue;
        }
        if suppression.reason.is_none() {
            outcome.without_reason.push(suppression.clone());
        }
        let unknown: Vec<String> = suppression
            .rules
            .iter()
            .filter(|r| *r != ALL_RULES && !known_rules.contains(&r.as_str()))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            outcome.unknown_rules.push((suppression, unknown));
        } else if !used.contains(&true) {
            outcome.unused.push(suppression);
        } else if used.contains(&false) {
            let parts = suppression
                .rules
                .iter()
                .zip(&used)
                .enumerate()
                .filter(|(_, (_, used))| !**used)
                .map(|(index, (rule, _))| {
                    let span = suppression.rule_spans.get(index).copied();
                    (rule.clone(), span.unwrap_or(suppression.span))
                })
                .collect();
            outcome.unused_parts.push((suppression, parts));
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_parse_with_and_without_reason() {
        let directive =
            parse_comment("# adminlint: ignore[image-mismatch, image-unpinned] pinned by ops")
                .unwrap();
        assert_eq!(directive.rules, ["image-mismatch", "image-unpinned"]);
        assert_eq!(directive.reason.as_deref(), Some("pinned by ops"));
        assert_eq!(directive.offset, 0);
        let directive = parse_comment("# adminlint: ignore[all]").unwrap();
        assert_eq!(directive.reason, None);
        assert!(parse_comment("#adminlint: ignore[x] y").is_some());
        assert!(parse_comment("# url http://a#adminlint: ignore[x] y").is_none());
        assert!(parse_comment("# adminlint: something else").is_none());
        assert!(parse_comment("# just a comment").is_none());
        let directive = parse_comment("# adminlint: ignore[x] # expect: y").unwrap();
        assert_eq!(directive.reason, None);
        let directive = parse_comment("# adminlint: ignore[x] reason: …").unwrap();
        assert_eq!(directive.reason, None, "the editor's placeholder");
        let directive = parse_comment("# see below # adminlint: ignore[x] why").unwrap();
        assert_eq!(
            (directive.offset, directive.reason.as_deref()),
            (12, Some("why"))
        );
    }

    /// (problem, suggestion) for a comment that is an invalid directive.
    fn invalid(comment: &str) -> (String, Option<String>) {
        match read_comment(comment) {
            Comment::Invalid {
                problem,
                suggestion,
                ..
            } => (problem, suggestion),
            other => panic!("{comment:?} read as {other:?}"),
        }
    }

    #[test]
    fn directives_written_wrong_are_invalid_with_a_suggestion_where_the_intent_is_clear() {
        let (problem, suggestion) = invalid("# adminlint: ignore config-divergent pinned by ops");
        assert_eq!(
            problem,
            "the rule ids must be in brackets: `ignore[rule, …] reason`"
        );
        assert_eq!(
            suggestion.as_deref(),
            Some("# adminlint: ignore[config-divergent] pinned by ops")
        );
        let (_, suggestion) = invalid("# adminlint: ignore image-unpinned # expect: x");
        assert_eq!(
            suggestion.as_deref(),
            Some("# adminlint: ignore[image-unpinned] reason: …")
        );
        let (problem, suggestion) = invalid("# adminlint ignore[a, b] why # note");
        assert!(problem.contains("colon"), "{problem}");
        assert_eq!(suggestion.as_deref(), Some("# adminlint: ignore[a, b] why"));
        assert_eq!(invalid("# adminlint: ignore[a why").1, None);
        assert!(
            invalid("# adminlint: ignore[] why")
                .0
                .contains("names no rule")
        );
        assert!(
            invalid("# adminlint: disable[x] why")
                .0
                .contains("`disable`")
        );
        assert!(invalid("# adminlint:").0.contains("no directive"));
        assert!(invalid("# note # adminlint: ignore x").1.is_some());
        // Mentions of the tool are not directives.
        for plain in [
            "# checked by adminlint in CI",
            "# adminlint checks this file",
            "# adminlint-config: strict",
            "# see https://x#adminlint: ignore y",
        ] {
            assert_eq!(read_comment(plain), Comment::Plain, "{plain}");
        }
        // A blank before the bracket is accepted.
        let directive = parse_comment("# adminlint: ignore [a,  b] why").unwrap();
        assert_eq!(directive.rules, ["a", "b"]);
        let comment = "# adminlint: ignore [a,  b] why";
        let names: Vec<&str> = directive
            .rule_ranges
            .iter()
            .map(|r| &comment[r.clone()])
            .collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn formatting_and_parsing_agree() {
        let written = format_comment(&["image-mismatch", "image-unpinned"], Some("pinned by ops"));
        assert_eq!(
            written,
            "# adminlint: ignore[image-mismatch, image-unpinned] pinned by ops"
        );
        let directive = parse_comment(&written).unwrap();
        assert_eq!(directive.rules, ["image-mismatch", "image-unpinned"]);
        assert_eq!(directive.reason.as_deref(), Some("pinned by ops"));
        let placeholder = format_comment(&["image-unpinned"], None);
        assert_eq!(placeholder, "# adminlint: ignore[image-unpinned] reason: …");
        assert_eq!(parse_comment(&placeholder).unwrap().reason, None);
    }

    /// (rules, target line, span text) of each suppression `from_comments` finds in `text`.
    fn suppressions_in(text: &str) -> Vec<(Vec<String>, usize, &str)> {
        let parsed = yaml::parse(text, &yaml::Limits::default());
        from_comments(FileId(0), text, &parsed.comments)
            .into_iter()
            .map(|s| {
                let Form::Comment { line } = s.form else {
                    unreachable!("comments make comment suppressions")
                };
                (s.rules, line, &text[s.span.range()])
            })
            .collect()
    }

    #[test]
    fn a_trailing_comment_applies_to_its_line_and_an_own_line_comment_to_the_next_code_line() {
        let text = "a: 1\nimage: x # adminlint: ignore[image-unpinned] why\n# adminlint: ignore[all] because\n# more words\n\nb: 2\n";
        assert_eq!(
            suppressions_in(text),
            [
                (
                    vec!["image-unpinned".to_string()],
                    2,
                    "# adminlint: ignore[image-unpinned] why"
                ),
                (
                    vec!["all".to_string()],
                    5,
                    "# adminlint: ignore[all] because"
                ),
            ]
        );
    }

    #[test]
    fn a_directive_inside_a_quoted_or_block_scalar_is_not_a_suppression() {
        let text = "a: \"x # adminlint: ignore[image-unpinned] d\"\nb: 'x # adminlint: ignore[image-unpinned] s'\nc: |\n  # adminlint: ignore[image-unpinned] block\n";
        assert_eq!(suppressions_in(text), []);
    }

    #[test]
    fn a_suppression_after_a_long_comment_block_applies_below_it() {
        let block: String = (0..150).map(|i| format!("# line {i}\n")).collect();
        let text = format!("a: 1\n{block}# adminlint: ignore[image-unpinned] why\nimage: x\n");
        assert_eq!(
            suppressions_in(&text),
            [(
                vec!["image-unpinned".to_string()],
                153,
                "# adminlint: ignore[image-unpinned] why"
            )]
        );
    }
}
