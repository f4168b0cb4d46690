//! unused-suppression: a suppression that silences nothing hides the next real finding.

use super::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::project::Project;
use crate::suppress::Suppression;

pub const RULE: Rule = Rule {
    id: "unused-suppression",
    severity: Severity::Warning,
    summary: "a suppression matches no finding (or names no rule)",
    doc: include_str!("../../rules/unused-suppression.md"),
    check,
};

/// Findings come from the suppression pass (see [`crate::suppress`]), which runs after the
/// other rules; there is nothing to check on the project itself.
fn check(_: &Project, _: &mut Vec<Diagnostic>) {}

/// The finding for a suppression that matched nothing.
pub fn diagnostic(suppression: &Suppression) -> Diagnostic {
    Diagnostic::new(
        RULE.id,
        RULE.severity,
        format!(
            "suppression of `{}` matches no finding here",
            suppression.rules.join(", ")
        ),
        suppression.span,
    )
    .with_label("nothing to suppress")
    .with_help("remove the suppression, or move it to the line (or object) the finding is on")
}

/// The finding for a suppression naming rules that do not exist.
pub fn unknown_rules(suppression: &Suppression, unknown: &[String]) -> Diagnostic {
    let names = unknown
        .iter()
        .map(|r| format!("`{r}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::new(
        RULE.id,
        RULE.severity,
        format!("suppression names no adminlint rule: {names}"),
        suppression.span,
    )
    .with_label("unknown rule")
    .with_help("`adminlint rules` lists the rule ids")
}
