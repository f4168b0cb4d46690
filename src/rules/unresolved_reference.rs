//! unresolved-reference: a Compose `extends` or `include` that cannot be followed.

use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::project::{Project, Unresolved};

pub const RULE: Rule = Rule {
    id: "unresolved-reference",
    severity: Severity::Warning,
    summary: "a Compose `extends` or `include` names a file or service that cannot be found, or a cycle",
    doc: include_str!("../../rules/unresolved-reference.md"),
    check: Check::Project(check),
    fix: FixAvailability::None,
};

/// A reference the Compose loader could not follow; its wording comes from the loader, which
/// knows what it tried.
struct UnresolvedReference<'u>(&'u Unresolved);

impl Violation for UnresolvedReference<'_> {
    fn message(&self) -> String {
        self.0.message.clone()
    }

    fn label(&self) -> Option<String> {
        Some("cannot be followed".into())
    }

    fn help(&self) -> Option<String> {
        Some(self.0.help.clone())
    }

    fn identity(&self) -> Vec<String> {
        vec![self.0.message.clone()]
    }
}

fn check(project: &Project, sink: &mut Sink) {
    for unresolved in &project.unresolved {
        sink.report(&UnresolvedReference(unresolved), unresolved.span);
    }
}
