//! job-name-mismatch: a Job named for one release runs another.

use super::helpers::{migration_of, who};
use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::image::ImageRef;
use crate::model::project::{ContainerRef, Project};
use crate::model::release::release_in_name;

pub const RULE: Rule = Rule {
    id: "job-name-mismatch",
    severity: Severity::Warning,
    summary: "a Job or hook is named for a release (`db-migrate-v1.2.0`) other than the one its image runs",
    doc: include_str!("../../rules/job-name-mismatch.md"),
    check: Check::Project(check),
    fix: FixAvailability::None,
};

/// A name that states one release on a Job that runs another.
struct NameMismatch {
    admin: String,
    /// The Job's name.
    name: String,
    /// The release the name states, dotted.
    stated: String,
    /// The image the Job runs, or the app's when the Job's names no release.
    runs: String,
    /// True when `runs` is the app's image, not the Job's.
    app_image: bool,
}

impl Violation for NameMismatch {
    fn message(&self) -> String {
        let whose = if self.app_image {
            "the app runs"
        } else {
            "it runs"
        };
        format!(
            "{} is named for release `{}`, but {whose} `{}`: the name says a release ran that did not",
            self.admin, self.stated, self.runs
        )
    }

    fn label(&self) -> Option<String> {
        Some(format!("names release `{}`", self.stated))
    }

    fn help(&self) -> Option<String> {
        Some("name the Job for the release its image runs, and change both together (or use `generateName`)".into())
    }

    fn identity(&self) -> Vec<String> {
        vec![self.name.clone(), self.stated.clone(), self.runs.clone()]
    }
}

/// The version a tag states, in the dotted form names are read into (`v1.2.3` -> `1.2.3`;
/// `1.2.3-alpine` -> `1.2.3`), None for a tag that states none (`latest`, `${TAG}`).
fn tag_version(image: &ImageRef) -> Option<String> {
    if image.tag_is_placeholder() || image.unpinned().is_some() {
        return None;
    }
    let tag = image.tag.as_deref()?;
    let bare = tag.strip_prefix('v').unwrap_or(tag);
    let version: &str = bare.split(['-', '+', '_']).next().unwrap_or(bare);
    version
        .starts_with(|c: char| c.is_ascii_digit())
        .then(|| version.to_string())
}

/// True when the name's release is the tag's: equal, or the name states a prefix of it
/// (`migrate-3-3` for `3.3.0`).
fn agrees(stated: &str, version: &str) -> bool {
    version == stated
        || version
            .strip_prefix(stated)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The Job's image and release: its migration container's, else its first admin container's.
fn subject_container(project: &Project, workload: usize) -> Option<ContainerRef> {
    migration_of(project, workload)
        .map(|(at, _)| at)
        .or_else(|| {
            (0..project.workloads[workload].containers.len())
                .map(|container| ContainerRef {
                    workload,
                    container,
                })
                .find(|&at| {
                    project
                        .admin_reason(at)
                        .is_some_and(|reason| !reason.release_only())
                })
        })
}

fn check(project: &Project, sink: &mut Sink) {
    for (index, workload) in project.workloads.iter().enumerate() {
        let job_or_hook = workload.kind == "Job" || !workload.hooks.is_empty();
        if !job_or_hook || !project.is_subject(index) || !project.role(index).is_admin() {
            continue;
        }
        let Some(name) = workload.name.as_ref().filter(|_| !workload.generated_name) else {
            continue;
        };
        let Some(stated) = release_in_name(&name.value) else {
            continue;
        };
        let Some(at) = subject_container(project, index) else {
            continue;
        };
        let container = &workload.containers[at.container];
        let own = container
            .effective_image()
            .and_then(|image| Some((image, tag_version(image)?)));
        // With no release on its own image, the Job runs the app's: compare with that.
        let (image, version, app_image, app_peer) = match own {
            Some((image, version)) => (image, version, false, None),
            None => {
                let Some(&peer) = project.peer_set(at).members.first() else {
                    continue;
                };
                let Some(image) = project.container(peer).1.effective_image() else {
                    continue;
                };
                let Some(version) = tag_version(image) else {
                    continue;
                };
                (image, version, true, Some(peer))
            }
        };
        // A date in a name (`backfill-20260101`) says when, not which release, unless the
        // tags are dates too.
        let dated = stated.len() >= 8 && !stated.contains('.');
        if (dated && !version.bytes().all(|b| b.is_ascii_digit())) || agrees(&stated, &version) {
            continue;
        }
        let violation = NameMismatch {
            admin: who(project, at),
            name: name.value.clone(),
            stated,
            runs: image.raw.clone(),
            app_image,
        };
        let reported = sink
            .report(&violation, name)
            .object(workload, Some(container));
        match (app_peer, &container.image) {
            (Some(peer), _) => {
                let (peer_workload, peer_container) = project.container(peer);
                let span = peer_container
                    .image
                    .as_ref()
                    .map_or(peer_workload.span, |i| i.span);
                reported.related(format!("{} runs `{}`", who(project, peer), image.raw), span);
            }
            (None, Some(own_image)) => {
                reported.related(format!("the Job runs `{}`", image.raw), own_image);
            }
            (None, None) => {}
        }
    }
}
