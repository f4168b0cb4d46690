//! image-mismatch: an admin container runs another tag or digest of the app's image repository.

use super::Rule;
use super::helpers::{distinct_by, object_ref, who};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::model::image::ImageRef;
use crate::model::project::{ContainerRef, Project};
use crate::span::Span;

pub const RULE: Rule = Rule {
    id: "image-mismatch",
    severity: Severity::Error,
    summary: "an admin process runs another tag or digest of the app's image than the app does",
    doc: include_str!("../../rules/image-mismatch.md"),
    check,
};

fn image_of(project: &Project, at: ContainerRef) -> Option<(&ImageRef, Span)> {
    let container = project.container(at).1;
    let span = container.image.as_ref()?.span;
    Some((container.effective_image()?, span))
}

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
    let mut releases: std::collections::HashMap<usize, Vec<ContainerRef>> =
        std::collections::HashMap::new();
    for (admin, _) in project.admin_containers() {
        let Some((image, span)) = image_of(project, admin) else {
            continue;
        };
        if image.is_placeholder() {
            continue;
        }
        let (workload, container) = project.container(admin);
        // One peer per distinct release (only literal versions: a peer on `${TAG}` says
        // nothing), computed once per peer set.
        let set = project.peer_set(admin);
        let versions = releases
            .entry(set.id)
            .or_insert_with(|| {
                let literal: Vec<ContainerRef> = set
                    .members
                    .iter()
                    .copied()
                    .filter(|&p| image_of(project, p).is_some_and(|(i, _)| !i.is_placeholder()))
                    .collect();
                distinct_by(&literal, |p| {
                    let peer = project.container(p).1;
                    (
                        image_of(project, p).map(|(i, _)| i.version()),
                        peer.effective_image().map(|i| i.version()),
                    )
                })
            })
            .clone();
        if versions.is_empty()
            || versions
                .iter()
                .any(|&p| project.container(p).1.same_release(container))
        {
            continue;
        }
        let first = versions[0];
        let app = project.container(first).1;
        let app_image = app.image.as_ref().expect("peers have images");
        let message = if versions.len() == 1 {
            format!(
                "{} runs {}, but {} runs {}",
                who(project, admin),
                container.image_text(),
                who(project, first),
                app.image_text()
            )
        } else {
            format!(
                "{} runs {}, which none of the app's {} releases of `{}` is",
                who(project, admin),
                container.image_text(),
                versions.len(),
                image.repository()
            )
        };
        let mut diagnostic = Diagnostic::new(RULE.id, RULE.severity, message, span)
            .with_label(format!("admin image `{}`", image.version()))
            .with_object(Some(object_ref(workload, Some(container))))
            .with_origin(&container.image.as_ref().expect("has an image").origin);
        for &peer in &versions {
            let peer_container = project.container(peer).1;
            let peer_image = peer_container.image.as_ref().expect("peers have images");
            diagnostic = diagnostic.with_related_fact(
                format!(
                    "{} runs {}",
                    who(project, peer),
                    peer_container.image_text()
                ),
                peer_image.span,
                &peer_image.origin,
            );
        }
        let app_image = &app_image.value;
        diagnostic = if versions.len() == 1 {
            diagnostic
                .with_help(format!(
                    "run the admin process on the app's release: set the image to `{app_image}`"
                ))
                .with_fix(Fix {
                    message: format!("Use `{app_image}`"),
                    applicability: Applicability::Safe,
                    edits: vec![Edit {
                        span,
                        content: app_image.raw.clone(),
                    }],
                })
        } else {
            diagnostic.with_help(
                "the app's workloads disagree (see release-drift); align them, then set the admin image to the release they run",
            )
        };
        out.push(diagnostic);
    }
}
