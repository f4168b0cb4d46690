//! adhoc-install: an admin process installs packages at run time.

use super::Rule;
use super::helpers::{object_ref, who};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::project::{Project, command_line};

pub const RULE: Rule = Rule {
    id: "adhoc-install",
    severity: Severity::Warning,
    summary: "an admin process installs packages at run time instead of using the release's dependencies",
    doc: include_str!("../../rules/adhoc-install.md"),
    check,
};

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
    for (admin, _) in project.admin_containers() {
        let (workload, container) = project.container(admin);
        let line = command_line(container);
        for (index, install) in project.installs_in(&line) {
            let cmd = &line.commands[index];
            let span = project.simple_command_span(container, cmd);
            let what = if install.packages.is_empty() {
                "packages".to_string()
            } else {
                install
                    .packages
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push(
                Diagnostic::new(
                    RULE.id,
                    RULE.severity,
                    format!(
                        "{} installs {what} with `{}` at run time",
                        who(project, admin),
                        install.manager
                    ),
                    span,
                )
                .with_label(format!("`{}` at run time", install.manager))
                .with_object(Some(object_ref(workload, Some(container))))
                .with_help(
                    "add the dependency to the app's lockfile and image, so the admin process runs the release's dependencies",
                ),
            );
        }
    }
}
