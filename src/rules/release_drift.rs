//! release-drift: the app's own long-running workloads run different tags of one repository.

use super::helpers::who;
use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::project::{
    ContainerRef, Project, Proximity, app_labels, is_utility_image, same_app,
};
use crate::model::release::Tally;

pub const RULE: Rule = Rule {
    id: "release-drift",
    severity: Severity::Warning,
    summary: "long-running workloads of one app run different releases of the same image",
    doc: include_str!("../../rules/release-drift.md"),
    check: Check::Project(check),
    fix: FixAvailability::None,
};

/// A long-running workload runs another release than most of its group.
struct ReleaseDrift {
    /// The workload (container) that differs.
    workload: String,
    /// Its image as shown.
    image: String,
    /// Its image's version.
    version: String,
    /// The workload running the group's reference release.
    reference: String,
    /// The reference image as shown.
    reference_image: String,
}

impl Violation for ReleaseDrift {
    fn message(&self) -> String {
        format!(
            "{} runs {}, but {} runs {}",
            self.workload, self.image, self.reference, self.reference_image
        )
    }

    fn label(&self) -> Option<String> {
        Some(format!("release `{}`", self.version))
    }

    fn help(&self) -> Option<String> {
        Some("roll all of the app's workloads to one release; admin processes are compared against it".into())
    }

    fn identity(&self) -> Vec<String> {
        vec![self.image.clone(), self.reference_image.clone()]
    }
}

fn check(project: &Project, sink: &mut Sink) {
    // Every long-running container is checked (plain init containers too: one that copies
    // files from another release serves them stale), but only main containers vote for the
    // release (see `Project::votes_for_release`).
    let app_containers: Vec<ContainerRef> = project
        .containers()
        .filter(|&(at, _, container)| {
            project.is_long_running(at)
                && container.image.is_some()
                && container
                    .effective_image()
                    .is_some_and(|i| !i.is_placeholder())
        })
        .map(|(at, _, _)| at)
        .collect();
    let container = |at: ContainerRef| project.container(at).1;
    let image = |at: ContainerRef| container(at).effective_image().expect("filtered");
    // Workloads of one release: same namespace and repository, not declared parts of different
    // apps, and near each other — the same file, or the same directory unless their labels
    // name different apps. Utility images (busybox, redis, …) are only compared within a file.
    // Compose services are compared only within their Compose project, never with Kubernetes
    // workloads.
    // Repositories computed once; only containers of one repository are ever related.
    let repositories: std::collections::HashMap<ContainerRef, String> = app_containers
        .iter()
        .map(|&at| (at, image(at).repository()))
        .collect();
    let mut by_repository: std::collections::HashMap<&str, Vec<ContainerRef>> =
        std::collections::HashMap::new();
    for &at in &app_containers {
        if project.votes_for_release(at) {
            by_repository
                .entry(&repositories[&at])
                .or_default()
                .push(at);
        }
    }
    let utility: std::collections::HashMap<ContainerRef, bool> = app_containers
        .iter()
        .map(|&at| (at, is_utility_image(image(at))))
        .collect();
    let related = |a: ContainerRef, b: ContainerRef| {
        let (wa, wb) = (
            &project.workloads[a.workload],
            &project.workloads[b.workload],
        );
        if wa.scope != wb.scope || project.apart(a.workload, b.workload).is_some() {
            return false;
        }
        match (&wa.compose, &wb.compose) {
            (Some(x), Some(y)) => return x.project == y.project,
            (None, None) => {}
            _ => return false,
        }
        if project.within(a.workload, b.workload, Proximity::SameFile) {
            return true;
        }
        // Bare Pods in separate files are examples or debugging Pods, not rollouts of a release.
        !utility[&a]
            && wa.kind != "Pod"
            && wb.kind != "Pod"
            && project.within(a.workload, b.workload, Proximity::SameDirectory)
            && same_app(wa, wb) != Some(false)
    };
    // A container's voters are the main containers of its own file plus, unless it is a Pod or
    // a utility image, those of its directory that are not Pods and not labelled as another
    // app. The directory part is the same for every container with the same scope, namespace,
    // Compose project, repository, directory, declared app and app labels: found once.
    let mut by_file: std::collections::HashMap<(crate::span::FileId, &str), Vec<ContainerRef>> =
        std::collections::HashMap::new();
    for (&repository, voters) in &by_repository {
        for &at in voters {
            by_file
                .entry((project.workloads[at.workload].file, repository))
                .or_default()
                .push(at);
        }
    }
    let in_directory_part = |a: ContainerRef, b: ContainerRef| {
        let (wa, wb) = (
            &project.workloads[a.workload],
            &project.workloads[b.workload],
        );
        !utility[&a]
            && wa.kind != "Pod"
            && wb.kind != "Pod"
            && related(a, b)
            && project.within(a.workload, b.workload, Proximity::SameDirectory)
    };
    let mut directory_tallies: std::collections::HashMap<String, std::sync::Arc<Tally>> =
        std::collections::HashMap::new();
    let no_votes = std::sync::Arc::new(Tally::default());
    for &at in &app_containers {
        if !project.is_subject(at.workload) {
            continue;
        }
        let workload = &project.workloads[at.workload];
        let repository = repositories[&at].as_str();
        let directory = if !utility[&at] && workload.kind != "Pod" {
            let key = format!(
                "{}\u{0}{}\u{0}{:?}\u{0}{}\u{0}{}\u{0}{:?}\u{0}{:?}\u{0}{:?}",
                workload.scope,
                workload.namespace_name(),
                workload.compose.as_ref().map(|c| &c.project),
                repository,
                project.dir(workload.file),
                workload.app,
                app_labels(workload),
                project.environment(at.workload)
            );
            let tally = directory_tallies.entry(key).or_insert_with(|| {
                let voters = by_repository
                    .get(repository)
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .copied()
                    .filter(|&b| in_directory_part(at, b));
                std::sync::Arc::new(Tally::count(project, voters))
            });
            std::sync::Arc::clone(tally)
        } else {
            std::sync::Arc::clone(&no_votes)
        };
        let same_file: Vec<ContainerRef> = by_file
            .get(&(workload.file, repository))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .copied()
            .filter(|&b| related(at, b) && !in_directory_part(at, b))
            .collect();
        // The app's release: the one most of the group's main containers run.
        let Some(reference) = directory.chosen_with(project, &same_file) else {
            continue;
        };
        if container(at).same_release(container(reference)) {
            continue;
        }
        let (workload, this) = project.container(at);
        let span = this.image.as_ref().expect("filtered").span;
        let reference_span = container(reference).image.as_ref().expect("filtered").span;
        let violation = ReleaseDrift {
            workload: who(project, at),
            image: this.image_text(),
            version: image(at).version(),
            reference: who(project, reference),
            reference_image: container(reference).image_text(),
        };
        let related = format!("{} runs {}", violation.reference, violation.reference_image);
        sink.report(&violation, span)
            .related(related, reference_span)
            .object(workload, Some(this));
    }
}
