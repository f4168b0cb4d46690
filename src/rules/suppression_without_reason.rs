//! suppression-without-reason: a suppression must say why the finding does not apply.

use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::{Diagnostic, Severity};
use crate::suppress::{Form, Suppression};

pub const RULE: Rule = Rule {
    id: "suppression-without-reason",
    severity: Severity::Warning,
    summary: "a suppression (comment or annotation) gives no reason",
    doc: include_str!("../../rules/suppression-without-reason.md"),
    check: Check::Meta,
    fix: FixAvailability::None,
};

/// A suppression that gives no reason.
struct SuppressionWithoutReason {
    /// How it was written: "`# adminlint: ignore[x]`", "annotation `…`".
    written: String,
    /// A comment (or else an annotation / `x-adminlint` entry).
    comment: bool,
}

impl Violation for SuppressionWithoutReason {
    fn message(&self) -> String {
        format!("{} suppresses without a reason", self.written)
    }

    fn label(&self) -> Option<String> {
        Some("no reason given".into())
    }

    fn help(&self) -> Option<String> {
        Some(if self.comment {
            "write the reason after the brackets: `# adminlint: ignore[rule] why it does not apply`"
        } else {
            "give the reason as the value: `ignore.adminlint.io/<rule>: \"why it does not apply\"` (Compose: `x-adminlint: {ignore: {<rule>: why}}`)"
        }.into())
    }

    fn identity(&self) -> Vec<String> {
        vec![self.written.clone()]
    }
}

/// The finding for a suppression without a reason (made by the suppression pass, which runs
/// after the other rules).
pub fn diagnostic(suppression: &Suppression) -> Diagnostic {
    let violation = SuppressionWithoutReason {
        written: suppression.written.clone(),
        comment: matches!(suppression.form, Form::Comment { .. }),
    };
    let mut out = Vec::new();
    Sink::new(&RULE, None, &mut out).report(&violation, suppression.span);
    out.pop().expect("just reported")
}
