//! adhoc-install: an admin process installs packages at run time.

use super::helpers::who;
use super::{AdminCx, Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;

pub const RULE: Rule = Rule {
    id: "adhoc-install",
    severity: Severity::Warning,
    summary: "an admin process installs packages at run time instead of using the release's dependencies",
    doc: include_str!("../../rules/adhoc-install.md"),
    check: Check::Admin(check),
    fix: FixAvailability::None,
};

/// The admin installs packages when it runs.
struct AdhocInstall {
    admin: String,
    /// `pip`, `apk add`, …
    manager: String,
    /// The packages named (empty when none is, e.g. `pip install -r requirements.txt`).
    packages: Vec<String>,
}

impl Violation for AdhocInstall {
    fn message(&self) -> String {
        let what = if self.packages.is_empty() {
            "packages".to_string()
        } else {
            self.packages
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "{} installs {what} with `{}` at run time",
            self.admin, self.manager
        )
    }

    fn label(&self) -> Option<String> {
        Some(format!("`{}` at run time", self.manager))
    }

    fn help(&self) -> Option<String> {
        Some("add the dependency to the app's lockfile and image, so the admin process runs the release's dependencies".into())
    }

    fn identity(&self) -> Vec<String> {
        let mut identity = vec![self.manager.clone()];
        identity.extend(self.packages.iter().cloned());
        identity
    }
}

fn check(cx: &AdminCx, sink: &mut Sink) {
    for (index, install) in cx.project.installs_in(cx.command) {
        let span = cx.command_spans[index];
        let violation = AdhocInstall {
            admin: who(cx.project, cx.at),
            manager: install.manager,
            packages: install.packages,
        };
        sink.report(&violation, span);
    }
}
