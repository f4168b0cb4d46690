//! image-mismatch: an admin container runs another tag or digest of the app's image repository.

use super::helpers::{distinct_by, who};
use super::{AdminCx, Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::{Applicability, Edit, Severity};
use crate::model::image::ImageRef;
use crate::model::project::{ContainerRef, Project};
use crate::span::Span;

pub const RULE: Rule = Rule {
    id: "image-mismatch",
    severity: Severity::Error,
    summary: "an admin process runs another tag or digest of the app's image than the app does",
    doc: include_str!("../../rules/image-mismatch.md"),
    check: Check::Admin(check),
    fix: FixAvailability::Sometimes,
};

/// The admin runs another release of the app's image.
struct ImageMismatch {
    /// The admin, e.g. "Job `db-migrate`".
    admin: String,
    /// Its image as shown ("`x`" or "`x` (resolved: `y`)").
    admin_image: String,
    /// The admin image's version (tag or digest).
    admin_version: String,
    /// The app's releases: one, or several when its workloads disagree.
    app: AppReleases,
}

/// What the app runs.
enum AppReleases {
    /// One release: the first peer that runs it, its image as shown and as written.
    One {
        peer: String,
        image: String,
        raw: String,
    },
    /// Several releases of `repository` (release-drift reports them).
    Several { count: usize, repository: String },
}

impl Violation for ImageMismatch {
    fn message(&self) -> String {
        match &self.app {
            AppReleases::One { peer, image, .. } => {
                format!(
                    "{} runs {}, but {peer} runs {image}",
                    self.admin, self.admin_image
                )
            }
            AppReleases::Several { count, repository } => format!(
                "{} runs {}, which none of the app's {count} releases of `{repository}` is",
                self.admin, self.admin_image
            ),
        }
    }

    fn label(&self) -> Option<String> {
        Some(format!("admin image `{}`", self.admin_version))
    }

    fn help(&self) -> Option<String> {
        Some(match &self.app {
            AppReleases::One { raw, .. } => {
                format!("run the admin process on the app's release: set the image to `{raw}`")
            }
            AppReleases::Several { .. } => "the app's workloads disagree (see release-drift); align them, then set the admin image to the release they run".into(),
        })
    }

    fn fix_title(&self) -> Option<String> {
        match &self.app {
            AppReleases::One { raw, .. } => Some(format!("Use `{raw}`")),
            AppReleases::Several { .. } => None,
        }
    }

    fn identity(&self) -> Vec<String> {
        let app = match &self.app {
            AppReleases::One { raw, .. } => raw.clone(),
            AppReleases::Several { repository, .. } => format!("{repository} (several)"),
        };
        vec![self.admin_image.clone(), app]
    }
}

/// The image a container runs (resolved when Compose resolves it) and where it is written.
fn image_of(project: &Project, at: ContainerRef) -> Option<(&ImageRef, Span)> {
    let container = project.container(at).1;
    let span = container.image.as_ref()?.span;
    Some((container.effective_image()?, span))
}

fn check(cx: &AdminCx, sink: &mut Sink) {
    let project = cx.project;
    let Some((image, span)) = image_of(project, cx.at) else {
        return;
    };
    if image.is_placeholder() {
        return;
    }
    // One peer per distinct release (only literal versions: a peer on `${TAG}` says nothing).
    let versions = cx.per_peer_set("image-mismatch releases", || {
        let literal: Vec<ContainerRef> = cx
            .peers
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
    });
    if versions.is_empty()
        || versions
            .iter()
            .any(|&p| project.container(p).1.same_release(cx.container))
    {
        return;
    }
    let first = project.container(versions[0]).1;
    let app_image = &first.image.as_ref().expect("peers have images").value;
    let violation = ImageMismatch {
        admin: who(project, cx.at),
        admin_image: cx.container.image_text(),
        admin_version: image.version(),
        app: if versions.len() == 1 {
            AppReleases::One {
                peer: who(project, versions[0]),
                image: first.image_text(),
                raw: app_image.raw.clone(),
            }
        } else {
            AppReleases::Several {
                count: versions.len(),
                repository: image.repository(),
            }
        },
    };
    let mut reported = sink.report(&violation, span);
    for &peer in versions.iter() {
        let (_, peer_span) = image_of(project, peer).expect("peers have images");
        let peer_image = project.container(peer).1.image_text();
        reported = reported.related(
            format!("{} runs {peer_image}", who(project, peer)),
            peer_span,
        );
    }
    if versions.len() == 1 {
        reported.fix(
            Applicability::Safe,
            vec![Edit {
                span,
                content: app_image.raw.clone(),
            }],
        );
    }
}
