//! syntax-error: a file that should be a manifest does not parse.

use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::project::Project;
use crate::span::Span;

pub const RULE: Rule = Rule {
    id: "syntax-error",
    severity: Severity::Error,
    summary: "a manifest does not parse as YAML; nothing in the broken document is checked",
    doc: include_str!("../../rules/syntax-error.md"),
    check: Check::Project(check),
    fix: FixAvailability::None,
};

/// A document does not parse.
struct SyntaxError {
    /// The parser's message.
    error: String,
    /// The document's index in the file (0-based).
    document: usize,
}

impl Violation for SyntaxError {
    fn message(&self) -> String {
        format!("YAML syntax error: {}", self.error)
    }

    fn label(&self) -> Option<String> {
        Some("the parser stopped here".into())
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "fix the YAML of document {} in this file; adminlint checked the other documents",
            self.document + 1
        ))
    }

    fn identity(&self) -> Vec<String> {
        vec![self.document.to_string(), self.error.clone()]
    }
}

fn check(project: &Project, sink: &mut Sink) {
    for (file, error) in &project.syntax_errors {
        let violation = SyntaxError {
            error: error.message.clone(),
            document: error.document,
        };
        sink.report(&violation, Span::new(*file, error.offset, error.offset));
    }
}
