//! admin-not-awaited: the app's Compose services start without waiting for the migration.

use super::helpers::{migration_of, who};
use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::command::mentions_migrations;
use crate::model::project::{ContainerRef, Project};
use crate::model::workload::{Format, Workload};
use crate::span::FileId;

pub const RULE: Rule = Rule {
    id: "admin-not-awaited",
    severity: Severity::Warning,
    summary: "an app service of a Compose project starts without waiting for its migration one-off, or for a one-off it depends on, to complete (`condition: service_completed_successfully`)",
    doc: include_str!("../../rules/admin-not-awaited.md"),
    check: Check::Project(check),
    fix: FixAvailability::None,
};

/// The condition that makes a Compose service wait for a one-off to finish.
const COMPLETED: &str = "service_completed_successfully";

/// An app service that may start before the migration finished.
struct NotAwaited {
    admin: String,
    /// The migration's admin word; None for another one-off the app names in `depends_on`
    /// with `service_started` (the short form).
    word: Option<String>,
    /// The admin service's name.
    admin_service: String,
    /// The app service that does not wait.
    app: String,
    /// Its name, for the fingerprint.
    app_service: String,
}

impl Violation for NotAwaited {
    fn message(&self) -> String {
        match &self.word {
            Some(word) => format!(
                "{} runs the migration `{word}`, but {} does not wait for it to complete: the app may start on the old schema",
                self.admin, self.app
            ),
            None => format!(
                "{} depends on {}, a one-off, only for it to start (`service_started`, the condition of the short form): it starts beside the one-off, not after it has finished",
                self.app, self.admin
            ),
        }
    }

    fn label(&self) -> Option<String> {
        Some("not awaited".into())
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "make `{}` wait for it: `depends_on: {{{}: {{condition: {COMPLETED}}}}}`",
            self.app_service, self.admin_service
        ))
    }

    fn identity(&self) -> Vec<String> {
        vec![self.admin_service.clone(), self.app_service.clone()]
    }
}

fn service_name(workload: &Workload) -> &str {
    workload.name.as_ref().map_or("", |n| n.value.as_str())
}

/// True when `service` starts only after `admin` completed: it depends on it with
/// `service_completed_successfully`, or on a service that does (a service started only after
/// another started starts after whatever that one waited for). Each service is visited once.
fn waits_for(services: &[&Workload], service: &Workload, admin: &str) -> bool {
    let mut visited = vec![false; services.len()];
    let mut stack = vec![service];
    while let Some(current) = stack.pop() {
        for dependency in current.compose.iter().flat_map(|c| &c.depends_on) {
            let name = dependency.service.value.as_str();
            if name == admin && dependency.condition == COMPLETED {
                return true;
            }
            if let Some(at) = services.iter().position(|s| service_name(s) == name)
                && !visited[at]
            {
                visited[at] = true;
                stack.push(services[at]);
            }
        }
    }
    false
}

/// True when the app service waits for the migrations itself (or runs them), so Compose need
/// not order it after the one-off: a word of its command names them (`manage.py
/// wait_for_migrations && gunicorn …`), or its program is a shell script of the run that does
/// (Plane's `./bin/docker-entrypoint-api.sh`): the one under the service's build context,
/// else the only script at that path.
fn app_waits_itself(project: &Project, app: &Workload) -> bool {
    let Some(container) = app.containers.iter().find(|c| !c.init) else {
        return false;
    };
    if container
        .argv()
        .iter()
        .any(|word| mentions_migrations(&word.value))
    {
        return true;
    }
    let Some(program) = crate::model::compose::program_script(app) else {
        return false;
    };
    let at = |file: FileId, path: &str| {
        let display = &project.files[file.0 as usize].display;
        display == path || (display.strip_suffix(path)).is_some_and(|before| before.ends_with('/'))
    };
    let scripts: Vec<&(FileId, bool)> = (project.shell_scripts.iter())
        .filter(|(file, _)| at(*file, program))
        .collect();
    let built = container.build.as_ref().map(|build| {
        let context = build.context.value.trim_end_matches('/');
        let in_context = if context.is_empty() {
            program.to_string()
        } else {
            format!("{context}/{program}")
        };
        (scripts.iter().copied())
            .filter(|(file, _)| at(*file, &in_context))
            .collect::<Vec<_>>()
    });
    match (built.as_deref(), scripts.as_slice()) {
        (Some([(_, names)]), _) | (_, [(_, names)]) => *names,
        _ => false,
    }
}

fn check(project: &Project, sink: &mut Sink) {
    // The services of each Compose project with their indices, gathered once (by project, in
    // project order).
    let mut projects: Vec<(&str, Vec<&Workload>, Vec<usize>)> = Vec::new();
    for (index, workload) in project.workloads.iter().enumerate() {
        if let Some(facts) = &workload.compose {
            match projects
                .iter_mut()
                .find(|(name, _, _)| *name == facts.project)
            {
                Some((_, services, indices)) => {
                    services.push(workload);
                    indices.push(index);
                }
                None => projects.push((&facts.project, vec![workload], vec![index])),
            }
        }
    }
    for (index, workload) in project.workloads.iter().enumerate() {
        let Some(facts) = workload.compose.as_ref() else {
            continue;
        };
        if workload.format != Format::Compose
            || !project.is_subject(index)
            || !project.role(index).is_admin()
        {
            continue;
        }
        let Some((_, services, indices)) =
            projects.iter().find(|(name, _, _)| *name == facts.project)
        else {
            continue;
        };
        let admin_service = service_name(workload);
        let Some((at, word)) = migration_of(project, index) else {
            started_only(project, (services, indices), index, sink);
            continue;
        };
        // The app is the migration's release peers: the long-running services on its image.
        let mut apps: Vec<usize> = project
            .peer_set(at)
            .members
            .iter()
            .map(|peer| peer.workload)
            .collect();
        apps.dedup();
        let Some(&waiting_not) = apps.iter().find(|&&app| {
            let app = &project.workloads[app];
            !waits_for(services, app, admin_service) && !app_waits_itself(project, app)
        }) else {
            continue;
        };
        report(
            project,
            at,
            Some(word),
            &project.workloads[waiting_not],
            sink,
        );
    }
}

/// Report that `app` does not wait for the one-off at `at` (`word`: its migration, if it is
/// one), at the one-off's name, with the app's name as the related location.
fn report(
    project: &Project,
    at: ContainerRef,
    word: Option<String>,
    app: &Workload,
    sink: &mut Sink,
) {
    let (workload, container) = project.container(at);
    let violation = NotAwaited {
        admin: who(project, at),
        word,
        admin_service: service_name(workload).to_string(),
        app: app.title(),
        app_service: service_name(app).to_string(),
    };
    let site = workload.name.as_ref().map_or(workload.span, |n| n.span);
    let app_site = app.name.as_ref().map_or(app.span, |n| n.span);
    sink.report(&violation, site)
        .object(workload, Some(container))
        .related(
            format!("{} starts without waiting for it", app.title()),
            app_site,
        );
}

/// An admin one-off that is not migration-like (OpenProject's `seeder`, which migrates and
/// seeds from a script inside the image) but that a long-running service names in `depends_on`
/// with `service_started`: the app meant to start after it, and starts beside it instead.
fn started_only(
    project: &Project,
    (services, indices): (&[&Workload], &[usize]),
    admin: usize,
    sink: &mut Sink,
) {
    let admin_service = service_name(&project.workloads[admin]);
    if project.workloads[admin].containers.is_empty() {
        return;
    }
    let app = services.iter().zip(indices).find(|&(service, &index)| {
        let started_only = (service.compose.iter().flat_map(|c| &c.depends_on))
            .any(|d| d.service.value == admin_service && d.condition == "service_started");
        project.role(index).is_long_running()
            && started_only
            && !waits_for(services, service, admin_service)
            && !app_waits_itself(project, service)
    });
    if let Some((app, _)) = app {
        let at = ContainerRef {
            workload: admin,
            container: 0,
        };
        report(project, at, None, app, sink);
    }
}
