//! immutable-job: a plain Job with a fixed name, which the next release cannot apply again.

use super::helpers::{app_side, migration_of, who};
use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::project::Project;
use crate::model::release::release_in_name;
use crate::model::workload::Workload;

pub const RULE: Rule = Rule {
    id: "immutable-job",
    severity: Severity::Warning,
    summary: "a plain migration Job has a fixed name, no `generateName`, no TTL and no delete policy: the next release cannot apply it again",
    doc: include_str!("../../rules/immutable-job.md"),
    check: Check::Project(check),
    fix: FixAvailability::None,
};

/// A Job the next release's apply collides with.
struct FixedName {
    admin: String,
    /// The Job's name.
    name: String,
    /// The word that makes it a migration, which must run again with each release.
    word: String,
    /// The chart names it after `.Release.Revision`: a new name at each `helm upgrade`, the
    /// same one wherever the chart is rendered with `helm template` (Argo CD).
    revision: bool,
}

impl Violation for FixedName {
    fn message(&self) -> String {
        if self.revision {
            return format!(
                "{} runs the migration `{}` under a name made from `.Release.Revision` (`{}`): new at each `helm upgrade`, but fixed where the chart is rendered with `helm template` (Argo CD renders revision 1 every time), and there the next release's apply fails on the Job's immutable pod template",
                self.admin, self.word, self.name
            );
        }
        format!(
            "{} runs the migration `{}` under the fixed name `{}`: the next release's apply fails on the Job's immutable pod template, or keeps the finished Job and never runs the new migration",
            self.admin, self.word, self.name
        )
    }

    fn label(&self) -> Option<String> {
        Some("fixed Job name".into())
    }

    fn help(&self) -> Option<String> {
        Some("name the Job for the release it runs (`db-migration-v1.2.3`), use `generateName`, or set `ttlSecondsAfterFinished` so the finished Job is deleted; a Helm or Argo CD hook with a delete policy works too".into())
    }

    fn identity(&self) -> Vec<String> {
        vec![self.name.clone()]
    }
}

/// True when something deletes or replaces the Job before the next release applies it: a TTL,
/// a hook (Helm and Argo CD delete a hook before creating it again by default), Argo CD's
/// `Replace=true` / `Force=true` sync options or Flux's `force` (a script that deletes it is
/// looked for by the caller).
fn recreated(workload: &Workload) -> bool {
    let ttl = workload
        .job
        .as_ref()
        .is_some_and(|job| job.ttl_seconds_after_finished.is_some());
    let argo_replaces = workload
        .annotation("argocd.argoproj.io/sync-options")
        .is_some_and(|options| {
            options
                .value
                .split(',')
                .any(|o| matches!(o.trim(), "Replace=true" | "Force=true"))
        });
    let flux_forces = workload
        .annotation("kustomize.toolkit.fluxcd.io/force")
        .is_some_and(|force| force.value.trim() == "enabled");
    ttl || !workload.hooks.is_empty() || argo_replaces || flux_forces
}

fn check(project: &Project, sink: &mut Sink) {
    for (index, workload) in project.workloads.iter().enumerate() {
        if workload.kind != "Job" || !project.is_subject(index) || !project.role(index).is_admin() {
            continue;
        }
        let Some(name) = workload.name.as_ref().filter(|_| !workload.generated_name) else {
            continue;
        };
        if recreated(workload) || release_in_name(&name.value).is_some() {
            continue;
        }
        // A deploy script of the project deletes it by name before the next apply
        // (`kubectl delete job/db-migrate --ignore-not-found`).
        if (project.deleted_jobs.iter()).any(|(_, deleted)| *deleted == name.value) {
            continue;
        }
        // A name still to be filled in (a template, `${JOB}`, `__JOB_NAME__` replaced by a
        // deploy step) may well be a new one each release.
        if crate::model::image::has_placeholder(&name.value) {
            continue;
        }
        // Only a migration must run again with each release: a Job that populates a database
        // once or uninstalls the app is right to run once, and flagging every Job on the app's
        // image was mostly noise on real repositories.
        let Some((at, word)) = migration_of(project, index) else {
            continue;
        };
        // `name: {{ .Release.Name }}-migrate-{{ .Release.Revision }}`: the template text the
        // name was rendered from says so.
        let written = project.files.get(name.span.file.0 as usize);
        let revision = workload.template().is_some()
            && written
                .and_then(|file| file.text.get(name.span.range()))
                .is_some_and(|text| text.contains(".Release.Revision"));
        let violation = FixedName {
            admin: who(project, at),
            name: name.value.clone(),
            word,
            revision,
        };
        let mut reported = sink
            .report(&violation, name)
            .object(workload, Some(&workload.containers[at.container]));
        if revision {
            reported = reported.severity(Severity::Info);
        }
        if let Some((app, app_span)) = app_side(project, at) {
            reported.related(
                format!("{app} is the app whose schema it migrates"),
                app_span,
            );
        }
    }
}
