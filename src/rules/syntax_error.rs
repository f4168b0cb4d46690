//! syntax-error: a file that should be a manifest does not parse.

use super::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::project::Project;
use crate::span::Span;

pub const RULE: Rule = Rule {
    id: "syntax-error",
    severity: Severity::Error,
    summary: "a manifest does not parse as YAML; nothing in the broken document is checked",
    doc: include_str!("../../rules/syntax-error.md"),
    check,
};

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
    for (file, error) in &project.syntax_errors {
        let span = Span::new(*file, error.offset, error.offset);
        out.push(
            Diagnostic::new(
                RULE.id,
                RULE.severity,
                format!("YAML syntax error: {}", error.message),
                span,
            )
            .with_label("the parser stopped here")
            .with_help(format!(
                "fix the YAML of document {} in this file; adminlint checked the other documents",
                error.document + 1
            )),
        );
    }
}
