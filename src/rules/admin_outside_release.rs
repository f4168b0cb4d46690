//! admin-outside-release: an admin command run from the caller's checkout (a laptop, a CI
//! runner, a host reached with `ssh`) against production, instead of inside the app's release.

use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::project::Project;
use crate::model::script::OutsideRelease;

pub const RULE: Rule = Rule {
    id: "admin-outside-release",
    severity: Severity::Warning,
    summary: "an admin command runs from a checkout against production (a production database variable or file, a path on an ssh host) instead of inside the app's release",
    doc: include_str!("../../rules/admin-outside-release.md"),
    check: Check::Project(check),
    fix: FixAvailability::None,
};

/// An admin command that runs outside any release but reaches production.
struct AdminOutsideRelease {
    /// The admin task (`migrate`, `manage.py fix_data`).
    task: String,
    /// What says it reaches production, or where it runs from.
    outside: Outside,
}

enum Outside {
    /// A variable, file or URL named for production.
    Resource(String),
    /// A host and the path checked out there.
    HostPath { host: String, path: String },
}

impl Violation for AdminOutsideRelease {
    fn message(&self) -> String {
        match &self.outside {
            Outside::Resource(resource) => format!(
                "`{}` runs from the caller's checkout against production (`{resource}`), not from the app's release",
                self.task
            ),
            Outside::HostPath { host, path } => format!(
                "`{}` runs on `{host}` from `{path}`, a checkout on the host, not from the app's release",
                self.task
            ),
        }
    }

    fn label(&self) -> Option<String> {
        Some(match &self.outside {
            Outside::Resource(_) => "local code against a production resource".to_string(),
            Outside::HostPath { .. } => "code checked out on the host".to_string(),
        })
    }

    fn help(&self) -> Option<String> {
        Some(
            "run it in the release: `kubectl exec deploy/<app> -- …`, `kubectl run --image=<the app's image>`, `heroku run …`, or a Job in the release's manifests"
                .to_string(),
        )
    }

    fn identity(&self) -> Vec<String> {
        let outside = match &self.outside {
            Outside::Resource(resource) => resource.clone(),
            Outside::HostPath { host, path } => format!("{host}:{path}"),
        };
        vec![self.task.clone(), outside]
    }
}

fn check(project: &Project, sink: &mut Sink) {
    for (index, workload) in project.workloads.iter().enumerate() {
        let Some(facts) = &workload.command else {
            continue;
        };
        let (Some(outside), Some(task)) = (&facts.outside_release, &facts.admin_word) else {
            continue;
        };
        if !project.role(index).is_admin() {
            continue;
        }
        let (outside, related, why) = match outside {
            OutsideRelease::ProductionResource { resource } => (
                Outside::Resource(resource.value.clone()),
                resource.span,
                "production is named here",
            ),
            OutsideRelease::HostPath { host, path } => (
                Outside::HostPath {
                    host: host.clone(),
                    path: path.value.clone(),
                },
                path.span,
                "the host's checkout it runs from",
            ),
        };
        let violation = AdminOutsideRelease {
            task: task.clone(),
            outside,
        };
        let mut reported = sink
            .report(&violation, workload.span)
            .object(workload, workload.containers.first());
        if related != workload.span {
            reported = reported.related(why, related);
        }
        drop(reported);
    }
}
