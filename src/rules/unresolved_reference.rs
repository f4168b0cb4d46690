//! unresolved-reference: a Compose `extends` or `include` that cannot be followed.

use super::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::project::Project;

pub const RULE: Rule = Rule {
    id: "unresolved-reference",
    severity: Severity::Warning,
    summary: "a Compose `extends` or `include` names a file or service that cannot be found, or a cycle",
    doc: include_str!("../../rules/unresolved-reference.md"),
    check,
};

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
    for unresolved in &project.unresolved {
        out.push(
            Diagnostic::new(
                RULE.id,
                RULE.severity,
                unresolved.message.clone(),
                unresolved.span,
            )
            .with_label("cannot be followed")
            .with_help(unresolved.help.clone()),
        );
    }
}
