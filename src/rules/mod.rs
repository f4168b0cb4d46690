//! The rule registry and engine: one module per rule, listed here in id order.
//!
//! Adding a rule: its file in `src/rules/` (a violation type and a check), one line in
//! [`RULES`], its doc in `rules/<id>.md` and its fixtures in `fixtures/<id>/`. Tests fail when
//! any of the four is missing. See ARCHITECTURE.md, "How to add a rule".

mod adhoc_install;
mod admin_not_awaited;
mod admin_outside_release;
mod config_divergent;
mod config_missing;
pub mod context;
pub mod helpers;
mod hook_phase;
mod image_invalid;
mod image_mismatch;
mod image_unpinned;
mod immutable_job;
mod invalid_directive;
mod job_name_mismatch;
mod job_retries;
mod release_drift;
mod shell_operators_without_shell;
mod suppression_without_reason;
mod syntax_error;
mod template_error;
mod unresolved_reference;
mod unused_suppression;
mod versioned_path;
mod wrapper_missing;
mod yaml_boolean_value;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::project::Project;
pub use context::{AdminCx, FixAvailability, Sink, Violation};

/// How a rule is run.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// Once per admin container, with its context (the container, its command line, its peers).
    Admin(context::AdminCheck),
    /// Like [`Check::Admin`], and also on the plumbing of an admin process, whose release is
    /// compared but not its configuration or command
    /// ([`crate::model::role::Reason::release_only`]): the rules about which release it runs.
    Release(context::AdminCheck),
    /// Once per run, over the whole project (release drift, Compose and YAML rules).
    Project(fn(&Project, &mut Sink)),
    /// Findings about suppressions, made by the suppression pass ([`crate::suppress`]) after
    /// every other rule has run.
    Meta,
}

/// What the registry knows of a rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Kebab-case id, e.g. `image-mismatch`.
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line for `adminlint rules`.
    pub summary: &'static str,
    /// The rule's documentation (`rules/<id>.md`).
    pub doc: &'static str,
    /// How it runs.
    pub check: Check,
    /// Whether its findings may carry a fix.
    pub fix: FixAvailability,
}

/// Every rule, sorted by id.
pub const RULES: &[Rule] = &[
    adhoc_install::RULE,
    admin_not_awaited::RULE,
    admin_outside_release::RULE,
    config_divergent::RULE,
    config_missing::RULE,
    hook_phase::RULE,
    image_invalid::RULE,
    image_mismatch::RULE,
    image_unpinned::RULE,
    immutable_job::RULE,
    invalid_directive::RULE,
    job_name_mismatch::RULE,
    job_retries::RULE,
    release_drift::RULE,
    shell_operators_without_shell::RULE,
    suppression_without_reason::RULE,
    syntax_error::RULE,
    template_error::RULE,
    unresolved_reference::RULE,
    unused_suppression::RULE,
    versioned_path::RULE,
    wrapper_missing::RULE,
    yaml_boolean_value::RULE,
];

/// True for the rules about which release an admin runs ([`Check::Release`]): their findings
/// are caused by the app's side as much as by the admin's.
pub fn is_about_release(id: &str) -> bool {
    find(id).is_some_and(|rule| matches!(rule.check, Check::Release(_)))
}

/// Look a rule up by id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

/// Run every rule over the project: admin rules once per admin container (its command line
/// parsed once for all of them), project rules once.
pub fn run(project: &Project) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let memo = context::PeerMemo::default();
    let admin_rules: Vec<(&'static Rule, context::AdminCheck, bool)> = RULES
        .iter()
        .filter_map(|rule| match rule.check {
            Check::Admin(check) => Some((rule, check, false)),
            Check::Release(check) => Some((rule, check, true)),
            _ => None,
        })
        .collect();
    let admins = project.admin_containers();
    let check_admins = || -> Vec<Vec<Diagnostic>> {
        // One admin container per task, each with its own findings, joined in order below:
        // the output does not depend on scheduling.
        admins
            .par_iter()
            .with_max_len(1)
            .map(|&(at, reason)| {
                let mut out = Vec::new();
                // Parsed once per container by the project (init containers already were,
                // for roles).
                let cx = AdminCx::new(project, at, project.command_line(at), &memo);
                for &(rule, check, about_release) in &admin_rules {
                    if reason.release_only() && !about_release {
                        continue;
                    }
                    let mut sink =
                        Sink::new(rule, Some((cx.workload, Some(cx.container))), &mut out);
                    check(&cx, &mut sink);
                }
                out
            })
            .collect()
    };
    // The project rules read the whole project: they run beside the admin containers, each on
    // a task of its own (a few take milliseconds on a large project), joined in rule order.
    let check_project = || -> Vec<Vec<Diagnostic>> {
        RULES
            .par_iter()
            .filter_map(|rule| match rule.check {
                Check::Project(check) => Some((rule, check)),
                _ => None,
            })
            .map(|(rule, check)| {
                let mut out = Vec::new();
                check(project, &mut Sink::new(rule, None, &mut out));
                out
            })
            .collect()
    };
    let (per_admin, of_project) = rayon::join(check_admins, check_project);
    let mut out: Vec<Diagnostic> = per_admin.into_iter().flatten().collect();
    // Admins in files not named whose app is in a named file: only their release is compared,
    // and the findings stage keeps what points at the named file (see `is_about_release`).
    for (at, _) in project.admins_caused_by_reported() {
        let cx = AdminCx::new(project, at, project.command_line(at), &memo);
        for &(rule, check, about_release) in &admin_rules {
            if about_release {
                let mut sink = Sink::new(rule, Some((cx.workload, Some(cx.container))), &mut out);
                check(&cx, &mut sink);
            }
        }
    }
    out.extend(of_project.into_iter().flatten());
    crate::provenance::follow(project, &mut out);
    out
}

/// The meta rules' findings: what the suppression pass found about the suppressions
/// themselves (no reason given, rules that do not exist, nothing suppressed, comments that are
/// not suppressions) and role declarations that name no role.
pub fn suppression_findings(
    outcome: &crate::suppress::Outcome,
    project: &Project,
) -> Vec<Diagnostic> {
    let without_reason = outcome
        .without_reason
        .iter()
        .map(suppression_without_reason::diagnostic);
    let unknown = outcome
        .unknown_rules
        .iter()
        .map(|(suppression, names)| unused_suppression::unknown_rules(suppression, names));
    let unused = outcome.unused.iter().map(unused_suppression::diagnostic);
    let unused_parts = outcome
        .unused_parts
        .iter()
        .flat_map(|(suppression, parts)| unused_suppression::unused_parts(suppression, parts));
    let invalid = outcome.invalid.iter().map(invalid_directive::diagnostic);
    without_reason
        .chain(unknown)
        .chain(unused)
        .chain(unused_parts)
        .chain(invalid)
        .chain(invalid_directive::unknown_roles(project))
        .collect()
}

/// Apply the configuration's rule levels: drop rules set to `off`, re-level the others. A
/// finding its rule lowered below the rule's default (a deliberate admin credential, a moving
/// tag the app runs too, a digest adminlint cannot compare with a tag) is never raised by it:
/// the level is for the rule's real findings.
pub fn configure(mut diagnostics: Vec<Diagnostic>, config: &Config) -> Vec<Diagnostic> {
    diagnostics.retain_mut(|diagnostic| match config.rules.get(diagnostic.rule) {
        None => true,
        Some(level) => match level.severity() {
            Some(severity) => {
                let lowered =
                    find(diagnostic.rule).is_some_and(|rule| diagnostic.severity < rule.severity);
                diagnostic.severity = if lowered {
                    severity.min(diagnostic.severity)
                } else {
                    severity
                };
                true
            }
            None => false,
        },
    });
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RuleLevel;
    use crate::span::{FileId, Span};

    #[test]
    fn a_configured_level_leaves_findings_the_rule_lowered_to_info() {
        let span = Span::new(FileId(0), 0, 1);
        let found = vec![
            Diagnostic::new("config-divergent", Severity::Warning, "typed".into(), span),
            Diagnostic::new(
                "config-divergent",
                Severity::Info,
                "deliberate".into(),
                span,
            ),
        ];
        let mut config = Config::default();
        config
            .rules
            .insert("config-divergent".into(), RuleLevel::Error);
        let levels: Vec<Severity> = configure(found, &config)
            .iter()
            .map(|d| d.severity)
            .collect();
        assert_eq!(levels, [Severity::Error, Severity::Info]);
    }
}
