//! release-drift: the app's own long-running workloads run different tags of one repository.

use super::Rule;
use super::helpers::{object_ref, who};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::project::{ContainerRef, Project, Proximity, is_utility_image, same_app};

pub const RULE: Rule = Rule {
    id: "release-drift",
    severity: Severity::Warning,
    summary: "long-running workloads of one app run different releases of the same image",
    doc: include_str!("../../rules/release-drift.md"),
    check,
};

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
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
    // Workloads of one release: same namespace and repository, and near each other — the same
    // file, or the same directory unless their labels name different apps. Utility images
    // (busybox, redis, …) are only compared within a file. Compose services are compared only
    // within their Compose project, never with Kubernetes workloads.
    // Repositories computed once; only containers of one repository are ever related.
    let repositories: std::collections::HashMap<ContainerRef, String> = app_containers
        .iter()
        .map(|&at| (at, image(at).repository()))
        .collect();
    let mut by_repository: std::collections::HashMap<&str, Vec<ContainerRef>> =
        std::collections::HashMap::new();
    for &at in &app_containers {
        by_repository
            .entry(&repositories[&at])
            .or_default()
            .push(at);
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
        if wa.scope != wb.scope {
            return false;
        }
        match (&wa.compose, &wb.compose) {
            (Some(x), Some(y)) => return x.project == y.project,
            (None, None) => {}
            _ => return false,
        }
        if wa.namespace_name() != wb.namespace_name() {
            return false;
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
    for &at in &app_containers {
        let group: Vec<ContainerRef> = by_repository[repositories[&at].as_str()]
            .iter()
            .copied()
            .filter(|&other| related(at, other))
            .collect();
        // The reference release: the one most of the group runs; ties go to the earliest.
        // Members are sorted into releases (each led by its first member) in one pass.
        let mut releases: Vec<(ContainerRef, usize)> = Vec::new();
        for &member in &group {
            match releases
                .iter_mut()
                .find(|(first, _)| container(member).same_release(container(*first)))
            {
                Some((_, votes)) => *votes += 1,
                None => releases.push((member, 1)),
            }
        }
        let reference = releases
            .iter()
            .max_by_key(|&&(first, votes)| (votes, std::cmp::Reverse(first)))
            .map(|&(first, _)| first)
            .expect("a container is related to itself");
        if container(at).same_release(container(reference)) {
            continue;
        }
        let (workload, this) = project.container(at);
        let span = this.image.as_ref().expect("filtered").span;
        let reference_span = container(reference).image.as_ref().expect("filtered").span;
        out.push(
            Diagnostic::new(
                RULE.id,
                RULE.severity,
                format!(
                    "{} runs {}, but {} runs {}",
                    who(project, at),
                    this.image_text(),
                    who(project, reference),
                    container(reference).image_text()
                ),
                span,
            )
            .with_label(format!("release `{}`", image(at).version()))
            .with_related(
                format!(
                    "{} runs {}",
                    who(project, reference),
                    container(reference).image_text()
                ),
                reference_span,
            )
            .with_object(Some(object_ref(workload, Some(this))))
            .with_help(
                "roll all of the app's workloads to one release; admin processes are compared against it",
            ),
        );
    }
}
