//! image-mismatch: an admin container runs another tag or digest of the app's image repository.

use super::helpers::who;
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
    check: Check::Release(check),
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
    // The app's releases as its long-running main containers vote them, shared by every admin
    // with these peers; one peer shown per release, the app's (most voted) release first.
    let releases = project.app_release(&cx.peers);
    let versions: Vec<ContainerRef> = releases.releases.iter().map(|r| r.first()).collect();
    // One voter per release stands for it: thousands of Jobs may share thousands of peers.
    let matches = versions
        .iter()
        .any(|&p| project.container(p).1.same_release(cx.container));
    if versions.is_empty() || matches {
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
    let admin_image = cx.container.image.as_ref().expect("has an image");
    let mut reported = sink.report(&violation, admin_image);
    for &peer in versions.iter() {
        let peer_container = project.container(peer).1;
        let peer_image = peer_container.image.as_ref().expect("peers have images");
        reported = reported.related(
            format!(
                "{} runs {}",
                who(project, peer),
                peer_container.image_text()
            ),
            peer_image,
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
