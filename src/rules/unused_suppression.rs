//! unused-suppression: a suppression that silences nothing hides the next real finding.

use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::{Diagnostic, Severity};
use crate::span::Span;
use crate::suppress::Suppression;

pub const RULE: Rule = Rule {
    id: "unused-suppression",
    severity: Severity::Warning,
    summary: "a suppression matches no finding (or names no rule)",
    doc: include_str!("../../rules/unused-suppression.md"),
    check: Check::Meta,
    fix: FixAvailability::None,
};

/// A suppression that matched nothing, or names rules that do not exist.
enum UnusedSuppression {
    /// It names these rules, and none of their findings is where it applies.
    Unused { rules: Vec<String> },
    /// It names rule ids adminlint does not have.
    UnknownRules { unknown: Vec<String> },
    /// It names several rules; this one matched no finding where it applies, the others did.
    UnusedPart { rule: String, written: String },
}

impl Violation for UnusedSuppression {
    fn message(&self) -> String {
        match self {
            UnusedSuppression::Unused { rules } => format!(
                "suppression of `{}` matches no finding here",
                rules.join(", ")
            ),
            UnusedSuppression::UnknownRules { unknown } => {
                let names = unknown
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("suppression names no adminlint rule: {names}")
            }
            UnusedSuppression::UnusedPart { rule, written } => {
                format!("`{rule}` in {written} matches no finding here")
            }
        }
    }

    fn label(&self) -> Option<String> {
        Some(match self {
            UnusedSuppression::Unused { .. } => "nothing to suppress".into(),
            UnusedSuppression::UnknownRules { .. } => "unknown rule".into(),
            UnusedSuppression::UnusedPart { .. } => "nothing to suppress".into(),
        })
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            UnusedSuppression::Unused { .. } => {
                "remove the suppression, or move it to the line (or object) the finding is on"
                    .into()
            }
            UnusedSuppression::UnknownRules { .. } => "`adminlint rules` lists the rule ids".into(),
            UnusedSuppression::UnusedPart { rule, .. } => {
                format!("remove `{rule}` from the list; the other rules still suppress findings")
            }
        })
    }

    fn identity(&self) -> Vec<String> {
        match self {
            UnusedSuppression::Unused { rules } => rules.clone(),
            UnusedSuppression::UnknownRules { unknown } => {
                let mut identity = vec!["unknown".to_string()];
                identity.extend(unknown.iter().cloned());
                identity
            }
            UnusedSuppression::UnusedPart { rule, .. } => vec!["part".into(), rule.clone()],
        }
    }
}

fn report(violation: &UnusedSuppression, span: Span) -> Diagnostic {
    let mut out = Vec::new();
    Sink::new(&RULE, None, &mut out).report(violation, span);
    out.pop().expect("just reported")
}

/// The finding for a suppression that matched nothing (made by the suppression pass, which
/// runs after the other rules).
pub fn diagnostic(suppression: &Suppression) -> Diagnostic {
    let rules = suppression.rules.clone();
    report(&UnusedSuppression::Unused { rules }, suppression.span)
}

/// The finding for a suppression naming rules that do not exist.
pub fn unknown_rules(suppression: &Suppression, unknown: &[String]) -> Diagnostic {
    let unknown = unknown.to_vec();
    report(
        &UnusedSuppression::UnknownRules { unknown },
        suppression.span,
    )
}

/// The findings for the rules of a multi-rule suppression that matched nothing while the
/// others did, each at its own name in the list.
pub fn unused_parts(suppression: &Suppression, parts: &[(String, Span)]) -> Vec<Diagnostic> {
    parts
        .iter()
        .map(|(rule, span)| {
            let violation = UnusedSuppression::UnusedPart {
                rule: rule.clone(),
                written: suppression.written.clone(),
            };
            report(&violation, *span)
        })
        .collect()
}
