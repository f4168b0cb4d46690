//! suppression-without-reason: a suppression must say why the finding does not apply.

use super::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::project::Project;
use crate::suppress::{Form, Suppression};

pub const RULE: Rule = Rule {
    id: "suppression-without-reason",
    severity: Severity::Warning,
    summary: "a suppression (comment or annotation) gives no reason",
    doc: include_str!("../../rules/suppression-without-reason.md"),
    check,
};

/// Findings come from the suppression pass (see [`crate::suppress`]), which runs after the
/// other rules; there is nothing to check on the project itself.
fn check(_: &Project, _: &mut Vec<Diagnostic>) {}

/// The finding for a suppression without a reason.
pub fn diagnostic(suppression: &Suppression) -> Diagnostic {
    let fix = match suppression.form {
        Form::Comment { .. } => {
            "write the reason after the brackets: `# adminlint: ignore[rule] why it does not apply`"
        }
        Form::Object { .. } => {
            "give the reason as the value: `ignore.adminlint.io/<rule>: \"why it does not apply\"` (Compose: `x-adminlint: {ignore: {<rule>: why}}`)"
        }
    };
    let written = &suppression.written;
    Diagnostic::new(
        RULE.id,
        RULE.severity,
        format!("{written} suppresses without a reason"),
        suppression.span,
    )
    .with_label("no reason given")
    .with_help(fix)
}
