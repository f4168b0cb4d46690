//! The rule registry: one module per rule, listed here in id order.
//!
//! Adding a rule: its file in `src/rules/`, one line in [`RULES`], its doc in `rules/<id>.md`
//! and its fixtures in `fixtures/<id>/`. Tests fail when any of the four is missing.

mod adhoc_install;
mod config_divergent;
mod config_missing;
pub mod helpers;
mod image_mismatch;
mod image_unpinned;
pub mod origins;
mod release_drift;
mod shell_operators_without_shell;
pub mod suppression_without_reason;
mod syntax_error;
mod unresolved_reference;
pub mod unused_suppression;
mod versioned_path;
mod wrapper_missing;
mod yaml_boolean_value;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::project::Project;

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
    /// The check: reads the project, pushes findings at the default severity.
    pub check: fn(&Project, &mut Vec<Diagnostic>),
}

/// Every rule, sorted by id.
pub const RULES: &[Rule] = &[
    adhoc_install::RULE,
    config_divergent::RULE,
    config_missing::RULE,
    image_mismatch::RULE,
    image_unpinned::RULE,
    release_drift::RULE,
    shell_operators_without_shell::RULE,
    suppression_without_reason::RULE,
    syntax_error::RULE,
    unresolved_reference::RULE,
    unused_suppression::RULE,
    versioned_path::RULE,
    wrapper_missing::RULE,
    yaml_boolean_value::RULE,
];

/// Look a rule up by id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

/// Run every rule over the project.
pub fn run(project: &Project) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in RULES {
        (rule.check)(project, &mut out);
    }
    origins::follow(project, &mut out);
    out
}

/// Apply the configuration's rule levels: drop rules set to `off`, re-level the others.
pub fn configure(mut diagnostics: Vec<Diagnostic>, config: &Config) -> Vec<Diagnostic> {
    diagnostics.retain_mut(|diagnostic| match config.rules.get(diagnostic.rule) {
        None => true,
        Some(level) => match level.severity() {
            Some(severity) => {
                diagnostic.severity = severity;
                true
            }
            None => false,
        },
    });
    diagnostics
}
