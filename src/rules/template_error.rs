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

/// A template that did not render; the wording of what went wrong is the engine's.
struct TemplateFailed<'e>(&'e TemplateError);

impl Violation for TemplateFailed<'_> {
    fn message(&self) -> String {
        match &self.0.values_set {
            Some(set) => format!(
                "`{}` does not render (values {set}): {}",
                self.0.template, self.0.message
            ),
            None => format!("`{}` does not render: {}", self.0.template, self.0.message),
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
        vec![self.0.template.clone(), self.0.message.clone()]
    }
}

fn check(project: &Project, sink: &mut Sink) {
    for error in &project.template_errors {
        sink.report(&TemplateFailed(error), error.span);
    }
}
