//! image-mismatch: an admin container runs another tag or digest of the app's image repository.

use std::collections::HashMap;

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
    let image = project.container(at).1.image.as_ref()?;
    Some((&image.value, image.span))
}

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
    // By peer set: its peers with literal images, and the first peer of each of their versions.
    let mut literal_peers: HashMap<usize, (Vec<ContainerRef>, Vec<ContainerRef>)> = HashMap::new();
    // By peer set and admin version: whether a peer runs that release (peers of one set run
    // the admin's repository, so the answer depends on the admin's tag and digest only).
    let mut runs_release: HashMap<(usize, Option<&str>, Option<&str>), bool> = HashMap::new();
    for (admin, _) in project.admin_containers() {
        let Some((image, span)) = image_of(project, admin) else {
            continue;
        };
        if image.is_placeholder() {
            continue;
        }
        let set = project.release_peer_set(admin);
        let (peers, versions) = literal_peers.entry(set.id).or_insert_with(|| {
            // Only literal peer versions can be compared; a peer on `${TAG}` says nothing.
            let peers: Vec<ContainerRef> = set
                .peers
                .iter()
                .copied()
                .filter(|&p| image_of(project, p).is_some_and(|(i, _)| !i.is_placeholder()))
                .collect();
            let versions = distinct_by(&peers, |p| image_of(project, p).map(|(i, _)| i.version()));
            (peers, versions)
        });
        if peers.is_empty() {
            continue;
        }
        let key = (set.id, image.tag.as_deref(), image.digest.as_deref());
        let matched = *runs_release.entry(key).or_insert_with(|| {
            peers
                .iter()
                .any(|&p| image_of(project, p).is_some_and(|(i, _)| i.same_release(image)))
        });
        if matched {
            continue;
        }
        let versions = versions.clone();
        let first = versions[0];
        let (app_image, _) = image_of(project, first).expect("peers have images");
        let (workload, container) = project.container(admin);
        let message = if versions.len() == 1 {
            format!(
                "{} runs `{image}`, but {} runs `{app_image}`",
                who(project, admin),
                who(project, first)
            )
        } else {
            format!(
                "{} runs `{image}`, which none of the app's {} releases of `{}` is",
                who(project, admin),
                versions.len(),
                image.repository()
            )
        };
        let mut diagnostic = Diagnostic::new(RULE.id, RULE.severity, message, span)
            .with_label(format!("admin image `{}`", image.version()))
            .with_object(Some(object_ref(workload, Some(container))));
        for &peer in &versions {
            let (peer_image, peer_span) = image_of(project, peer).expect("peers have images");
            diagnostic = diagnostic.with_related(
                format!("{} runs `{peer_image}`", who(project, peer)),
                peer_span,
            );
        }
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
