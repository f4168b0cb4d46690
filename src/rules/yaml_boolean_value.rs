//! yaml-boolean-value: an unquoted `no`, `yes`, `on` or `off` where Compose expects a string,
//! which YAML 1.1 tools read as a boolean.

use std::collections::BTreeSet;

use super::Rule;
use super::helpers::object_ref;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::model::project::Project;

pub const RULE: Rule = Rule {
    id: "yaml-boolean-value",
    severity: Severity::Warning,
    summary: "an unquoted `no` / `yes` / `on` / `off` in a Compose string field is a boolean to YAML 1.1 tools",
    doc: include_str!("../../rules/yaml-boolean-value.md"),
    check,
};

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
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
            let truth = matches!(boolean.value.to_ascii_lowercase().as_str(), "yes" | "on");
            let quoted = format!("\"{}\"", boolean.value);
            out.push(
                Diagnostic::new(
                    RULE.id,
                    RULE.severity,
                    format!(
                        "`{}: {}` is the boolean `{truth}` to YAML 1.1 tools (PyYAML, docker-compose v1), not the string Compose expects",
                        boolean.key, boolean.value
                    ),
                    boolean.span,
                )
                .with_label(format!("unquoted `{}`", boolean.value))
                .with_object(Some(object_ref(workload, None)))
                .with_help(format!(
                    "quote it, `{quoted}`, so every tool reads the same string"
                ))
                .with_fix(Fix {
                    message: format!("Quote it: {quoted}"),
                    applicability: Applicability::Safe,
                    edits: vec![Edit {
                        span: boolean.span,
                        content: quoted,
                    }],
                }),
            );
        }
    }
}
