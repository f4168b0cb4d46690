//! yaml-boolean-value: an unquoted `no`, `yes`, `on` or `off` where Compose expects a string,
//! which YAML 1.1 tools read as a boolean.

use std::collections::BTreeSet;

use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::{Applicability, Edit, Severity};
use crate::model::project::Project;

pub const RULE: Rule = Rule {
    id: "yaml-boolean-value",
    severity: Severity::Warning,
    summary: "an unquoted `no` / `yes` / `on` / `off` in a Compose string field is a boolean to YAML 1.1 tools",
    doc: include_str!("../../rules/yaml-boolean-value.md"),
    check: Check::Project(check),
    fix: FixAvailability::Sometimes,
};

/// An unquoted YAML 1.1 boolean where Compose expects a string.
struct YamlBooleanValue {
    /// The key it is the value of.
    key: String,
    /// The value as written (`no`, `On`, …).
    value: String,
}

impl YamlBooleanValue {
    fn quoted(&self) -> String {
        format!("\"{}\"", self.value)
    }
}

impl Violation for YamlBooleanValue {
    fn message(&self) -> String {
        let truth = matches!(self.value.to_ascii_lowercase().as_str(), "yes" | "on");
        format!(
            "`{}: {}` is the boolean `{truth}` to YAML 1.1 tools (PyYAML, docker-compose v1), not the string Compose expects",
            self.key, self.value
        )
    }

    fn label(&self) -> Option<String> {
        Some(format!("unquoted `{}`", self.value))
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "quote it, `{}`, so every tool reads the same string",
            self.quoted()
        ))
    }

    fn fix_title(&self) -> Option<String> {
        Some(format!("Quote it: {}", self.quoted()))
    }

    fn identity(&self) -> Vec<String> {
        vec![self.key.clone(), self.value.clone()]
    }
}

fn check(project: &Project, sink: &mut Sink) {
    // A value written once under an anchor is used by many services: report it once.
    let mut seen = BTreeSet::new();
    for workload in &project.workloads {
        let Some(compose) = &workload.compose else {
            continue;
        };
        for boolean in &compose.yaml_booleans {
            if !seen.insert(boolean.span) {
                continue;
            }
            let violation = YamlBooleanValue {
                key: boolean.key.clone(),
                value: boolean.value.clone(),
            };
            let quoted = violation.quoted();
            sink.report(&violation, boolean.span)
                .object(workload, None)
                .fix(
                    Applicability::Safe,
                    vec![Edit {
                        span: boolean.span,
                        content: quoted,
                    }],
                );
        }
    }
}
