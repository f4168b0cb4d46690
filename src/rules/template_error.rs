//! template-error: a Helm chart template that cannot be rendered.

use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::project::{Project, TemplateError};

pub const RULE: Rule = Rule {
    id: "template-error",
    severity: Severity::Error,
    summary: "a Helm chart template does not render (a parse error, `required`, `fail`, an unsupported function); nothing it writes is checked",
    doc: include_str!("../../rules/template-error.md"),
    check: Check::Project(check),
    fix: FixAvailability::None,
};

/// Templates that did not render, stopped at the same action for the same reason (a helper
/// several templates include); the wording of what went wrong is the engine's.
struct TemplateFailed<'e> {
    error: &'e TemplateError,
    /// The other templates stopped there, in order.
    others: Vec<&'e str>,
}

impl Violation for TemplateFailed<'_> {
    fn message(&self) -> String {
        let error = self.error;
        let templates = match self.others.as_slice() {
            [] => format!("`{}` does not render", error.template),
            [other] => format!("`{}` and `{other}` do not render", error.template),
            [other, rest @ ..] => format!(
                "`{}`, `{other}` and {} other template{} do not render",
                error.template,
                rest.len(),
                if rest.len() == 1 { "" } else { "s" }
            ),
        };
        match &error.values_set {
            Some(set) => format!("{templates} (values {set}): {}", error.message),
            None => format!("{templates}: {}", error.message),
        }
    }

    fn label(&self) -> Option<String> {
        Some("rendering stopped here".into())
    }

    fn help(&self) -> Option<String> {
        Some(
            "fix the template or give the value it needs (`helm: charts:` in .adminlint.yaml \
             names values files per chart); the chart's other templates were checked"
                .into(),
        )
    }

    fn identity(&self) -> Vec<String> {
        vec![self.error.template.clone(), self.error.message.clone()]
    }
}

fn check(project: &Project, sink: &mut Sink) {
    let errors = &project.template_errors;
    for (index, error) in errors.iter().enumerate() {
        let same = |other: &TemplateError| {
            other.span == error.span
                && other.message == error.message
                && other.values_set == error.values_set
        };
        // Reported once, with the first template stopped there.
        if errors[..index].iter().any(same) {
            continue;
        }
        let others = (errors[index + 1..].iter())
            .filter(|other| same(other) && other.template != error.template)
            .map(|other| other.template.as_str())
            .collect();
        sink.report(&TemplateFailed { error, others }, error.span);
    }
}
