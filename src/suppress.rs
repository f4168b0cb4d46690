//! Suppressions: `# adminlint: ignore[rule,…] reason` comments and `ignore.adminlint.io/<rule>`
//! annotations silence findings; suppressions without a reason or that match nothing are reported.

use crate::diagnostic::Diagnostic;
use crate::model::project::Project;
use crate::rules::{RULES, suppression_without_reason, unused_suppression};
use crate::source::SourceFile;
use crate::span::{FileId, Span};

/// Where a suppression was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

impl Suppression {
    fn covers(&self, diagnostic: &Diagnostic, files: &[SourceFile]) -> bool {
        let rule_matches = self
            .rules
            .iter()
            .any(|r| r == "all" || r == diagnostic.rule);
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

/// What applying suppressions produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The file of each finding that was suppressed (for the summary).
    pub suppressed: Vec<FileId>,
    /// Findings about the suppressions themselves (no reason, unused).
    pub findings: Vec<Diagnostic>,
}

/// A suppression comment found on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Rule ids (or `all`).
    pub rules: Vec<String>,
    /// The reason, None when missing.
    pub reason: Option<String>,
    /// Byte range of the comment within the line.
    pub range: std::ops::Range<usize>,
    /// True when code precedes it on the line (a trailing comment).
    pub trailing: bool,
}

/// Parse `# adminlint: ignore[a, b] reason` out of one line.
pub fn parse_comment(line: &str) -> Option<Comment> {
    let mut search = 0;
    while let Some(found) = line[search..].find('#') {
        let hash = search + found;
        search = hash + 1;
        let before = &line[..hash];
        // A `#` starts a comment at the line start or after whitespace (not inside `a#b`).
        if !(before.is_empty() || before.ends_with([' ', '\t'])) {
            continue;
        }
        let rest = line[hash + 1..].trim_start();
        let Some(rest) = rest.strip_prefix("adminlint:") else {
            continue;
        };
        let rest = rest.trim_start().strip_prefix("ignore[")?;
        let (list, reason) = rest.split_once(']')?;
        let rules = list
            .split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        // Another comment may follow on the same line (`… ] reason # note`).
        let reason = reason.split(" # ").next().unwrap_or_default();
        // The language server's quick fix inserts a placeholder: it is not a reason yet.
        let reason = Some(reason.trim().to_string())
            .filter(|r| !r.is_empty() && !matches!(r.as_str(), "reason: …" | "…"));
        return Some(Comment {
            rules,
            reason,
            range: hash..line.len(),
            trailing: !before.trim().is_empty(),
        });
    }
    None
}

/// Every suppression written in the files and on the objects.
pub fn collect(project: &Project, files: &[SourceFile]) -> Vec<Suppression> {
    let mut out = Vec::new();
    for file in files {
        if !file.text.contains("adminlint:") {
            continue;
        }
        let lines: Vec<&str> = file.text.split('\n').collect();
        let mut offset = 0;
        for (index, line) in lines.iter().enumerate() {
            if let Some(Comment {
                rules,
                reason,
                range,
                trailing,
            }) = parse_comment(line)
            {
                // A comment alone on its line applies to the next line that is not a comment.
                let target = if trailing {
                    index + 1
                } else {
                    let next = lines[index + 1..]
                        .iter()
                        .position(|l| !l.trim_start().starts_with('#'))
                        .map_or(index + 1, |skip| index + 1 + skip);
                    next + 1
                };
                let written = format!("`# adminlint: ignore[{}]`", rules.join(", "));
                out.push(Suppression {
                    rules,
                    reason,
                    span: Span::new(file.id, offset + range.start, offset + range.end),
                    form: Form::Comment { line: target },
                    written,
                });
            }
            offset += line.len() + 1;
        }
    }
    for workload in &project.workloads {
        for ignore in &workload.ignores {
            let written = match workload.origin {
                crate::model::workload::Origin::Kubernetes => {
                    format!("annotation `ignore.adminlint.io/{}`", ignore.rule)
                }
                crate::model::workload::Origin::Compose => {
                    format!("`x-adminlint` ignore of `{}`", ignore.rule)
                }
            };
            let suppression = Suppression {
                rules: vec![ignore.rule.clone()],
                reason: ignore.reason.clone(),
                span: ignore.span,
                form: Form::Object {
                    object: workload.span,
                },
                written,
            };
            // Kustomize overlays copy objects: one suppression, however many copies.
            if !out.contains(&suppression) {
                out.push(suppression);
            }
        }
    }
    out
}

/// Remove suppressed findings and report suppressions without a reason or that matched nothing.
/// With `disabled` (`--no-ignores`) nothing is suppressed and nothing is reported.
pub fn apply(
    diagnostics: &mut Vec<Diagnostic>,
    project: &Project,
    files: &[SourceFile],
    disabled: bool,
) -> Outcome {
    let mut outcome = Outcome::default();
    if disabled {
        return outcome;
    }
    let suppressions = collect(project, files);
    let mut used = vec![false; suppressions.len()];
    diagnostics.retain(|diagnostic| {
        let mut hit = false;
        for (index, suppression) in suppressions.iter().enumerate() {
            if suppression.covers(diagnostic, files) {
                used[index] = true;
                hit = true;
            }
        }
        if hit {
            outcome.suppressed.push(diagnostic.span.file);
        }
        !hit
    });
    for (suppression, used) in suppressions.iter().zip(used) {
        if suppression.reason.is_none() {
            outcome
                .findings
                .push(suppression_without_reason::diagnostic(suppression));
        }
        let unknown: Vec<&str> = suppression
            .rules
            .iter()
            .map(String::as_str)
            .filter(|r| *r != "all" && !RULES.iter().any(|rule| rule.id == *r))
            .collect();
        if !unknown.is_empty() {
            outcome
                .findings
                .push(unused_suppression::unknown_rules(suppression, &unknown));
        } else if !used {
            outcome
                .findings
                .push(unused_suppression::diagnostic(suppression));
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_parse_with_and_without_reason() {
        let comment = parse_comment(
            "    image: x:v1 # adminlint: ignore[image-mismatch, image-unpinned] pinned by ops",
        )
        .unwrap();
        assert_eq!(comment.rules, ["image-mismatch", "image-unpinned"]);
        assert_eq!(comment.reason.as_deref(), Some("pinned by ops"));
        assert_eq!(comment.range.start, 16);
        assert!(comment.trailing);
        let comment = parse_comment("# adminlint: ignore[all]").unwrap();
        assert_eq!((comment.reason, comment.trailing), (None, false));
        assert!(parse_comment("url: http://a#adminlint: ignore[x] y").is_none());
        assert!(parse_comment("# adminlint: something else").is_none());
        assert!(parse_comment("# just a comment").is_none());
        let comment = parse_comment("# adminlint: ignore[x] # expect: y").unwrap();
        assert_eq!(comment.reason, None);
        let comment = parse_comment("# adminlint: ignore[x] reason: …").unwrap();
        assert_eq!(comment.reason, None, "the editor's placeholder");
    }
}
