//! invalid-directive: an `adminlint:` comment or a role declaration adminlint cannot read does
//! nothing, silently; say so where it is written.

use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Severity};
use crate::model::project::Project;
use crate::model::role::signals::{DeclarationSource, ROLE_VALUES};
use crate::suppress::Suppression;

pub const RULE: Rule = Rule {
    id: "invalid-directive",
    severity: Severity::Warning,
    summary: "an `adminlint:` comment or role declaration cannot be read, so it does nothing",
    doc: include_str!("../../rules/invalid-directive.md"),
    check: Check::Meta,
    fix: FixAvailability::Sometimes,
};

/// A directive adminlint reads past.
enum InvalidDirective {
    /// A comment that starts like a suppression.
    Comment {
        /// What is wrong with it.
        problem: String,
        /// How it should read, when that is clear.
        suggestion: Option<String>,
    },
    /// A role declaration with a value that is not a role.
    Role {
        /// The value written.
        value: String,
        /// `adminlint.io/role` or `x-adminlint: {role}`.
        source: DeclarationSource,
    },
}

impl Violation for InvalidDirective {
    fn message(&self) -> String {
        match self {
            InvalidDirective::Comment { problem, .. } => {
                format!("this `adminlint:` comment suppresses nothing: {problem}")
            }
            InvalidDirective::Role { value, source } => {
                let written = match source {
                    DeclarationSource::Annotation => "`adminlint.io/role`",
                    DeclarationSource::XAdminlint => "`x-adminlint: {role}`",
                };
                format!("{written} `{value}` is not a role, so the declaration is ignored")
            }
        }
    }

    fn label(&self) -> Option<String> {
        Some(match self {
            InvalidDirective::Comment { .. } => "not a suppression".into(),
            InvalidDirective::Role { .. } => "unknown role".into(),
        })
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            InvalidDirective::Comment {
                suggestion: Some(suggestion),
                ..
            } => format!("write it as `{suggestion}`"),
            InvalidDirective::Comment { .. } => format!(
                "a suppression reads `{}`",
                crate::suppress::format_comment(&["rule"], Some("why it does not apply"))
            ),
            InvalidDirective::Role { .. } => format!(
                "the roles are {}",
                ROLE_VALUES
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }

    fn fix_title(&self) -> Option<String> {
        match self {
            InvalidDirective::Comment {
                suggestion: Some(suggestion),
                ..
            } => Some(format!("Rewrite as `{suggestion}`")),
            _ => None,
        }
    }

    fn identity(&self) -> Vec<String> {
        match self {
            InvalidDirective::Comment { problem, .. } => vec!["comment".into(), problem.clone()],
            InvalidDirective::Role { value, .. } => vec!["role".into(), value.clone()],
        }
    }
}

/// The finding for a comment that looks like a suppression but is not one (made by the
/// suppression pass). Rewriting it is unsafe: the comment then suppresses findings.
pub fn diagnostic(suppression: &Suppression) -> Diagnostic {
    let invalid = suppression
        .invalid
        .clone()
        .expect("only invalid suppressions are reported");
    let violation = InvalidDirective::Comment {
        problem: invalid.problem,
        suggestion: invalid.suggestion.clone(),
    };
    let mut out = Vec::new();
    let mut sink = Sink::new(&RULE, None, &mut out);
    let reported = sink.report(&violation, suppression.span);
    if let Some(suggestion) = invalid.suggestion {
        let edit = Edit {
            span: suppression.span,
            content: suggestion,
        };
        reported.fix(Applicability::Unsafe, vec![edit]);
    }
    out.pop().expect("just reported")
}

/// The findings for role declarations whose value is not a role, once per written value (a
/// kustomize base several overlays render is one declaration).
pub fn unknown_roles(project: &Project) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for workload in &project.workloads {
        let Some(declaration) = &workload.declared_role else {
            continue;
        };
        if ROLE_VALUES.contains(&declaration.value.value.as_str()) {
            continue;
        }
        let violation = InvalidDirective::Role {
            value: declaration.value.value.clone(),
            source: declaration.source,
        };
        let mut sink = Sink::new(&RULE, Some((workload, None)), &mut out);
        sink.report(&violation, &declaration.value);
    }
    out.sort_by_key(|d| (d.span.file, d.span.start));
    out.dedup_by_key(|d| (d.span.file, d.span.start));
    out
}
