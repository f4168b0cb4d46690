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
    /// One side names its release by digest only and the other by tag only, and no reference
    /// in the project pairs that tag with that digest: adminlint cannot tell, so it warns.
    undecided: bool,
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
        if let (true, AppReleases::One { peer, image, .. }) = (self.undecided, &self.app) {
            return format!(
                "{} runs {}, but {peer} runs {image}: one is pinned by digest and the other by tag, and no reference in the project says whether the tag is that digest",
                self.admin, self.admin_image
            );
        }
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
        if self.undecided {
            return Some("write both the tag and the digest on one side (`app:1.2.3@sha256:…`), or the same form on both, so the release can be compared".into());
        }
        Some(match &self.app {
            AppReleases::One { raw, .. } => {
                format!("run the admin process on the app's release: set the image to `{raw}`")
            }
            AppReleases::Several { .. } => "the app's workloads disagree (see release-drift); align them, then set the admin image to the release they run".into(),
        })
    }

    fn fix_title(&self) -> Option<String> {
        if self.undecided {
            return None;
        }
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
    let undecided = versions.len() == 1
        && first
            .effective_image()
            .is_some_and(|app| digest_against_tag(image, app));
    if undecided && paired_elsewhere(cx, image, first.effective_image().expect("checked")) {
        return;
    }
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
        undecided,
    };
    let admin_image = cx.container.image.as_ref().expect("has an image");
    let mut reported = sink.report(&violation, admin_image);
    if undecided {
        reported = reported.severity(Severity::Warning);
    }
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
    if versions.len() == 1 && !undecided {
        reported.fix(
            Applicability::Safe,
            vec![Edit {
                span,
                content: app_image.raw.clone(),
            }],
        );
    }
}

/// True when one reference names its release by digest only and the other by tag only (or no
/// tag): `app@sha256:…` against `app:1.2.3`. Which digest a tag points to is the registry's
/// knowledge, not the manifests'.
fn digest_against_tag(a: &ImageRef, b: &ImageRef) -> bool {
    let digest_only = |i: &ImageRef| i.digest.is_some() && i.tag.is_none();
    let tag_only = |i: &ImageRef| i.digest.is_none();
    (digest_only(a) && tag_only(b)) || (digest_only(b) && tag_only(a))
}

/// True when some reference in the project writes the tag of one side with the digest of the
/// other (`app:1.2.3@sha256:…` in another overlay, a values file rendered, a CronJob): then
/// the two agree.
fn paired_elsewhere(cx: &AdminCx, a: &ImageRef, b: &ImageRef) -> bool {
    let (digest, tag) = match (&a.digest, &b.digest) {
        (Some(digest), None) => (digest, b.tag.as_deref().unwrap_or("latest")),
        (None, Some(digest)) => (digest, a.tag.as_deref().unwrap_or("latest")),
        _ => return false,
    };
    let repository = a.repository();
    // Every reference of the project that writes both a tag and a digest, found once per run.
    let pairs = cx.per_peer_set("image-mismatch tag and digest pairs", || {
        let mut pairs: Vec<(String, String, String)> = cx
            .project
            .containers()
            .filter_map(|(_, _, container)| container.effective_image())
            .filter_map(|image| {
                Some((
                    image.repository(),
                    image.tag.clone()?,
                    image.digest.clone()?,
                ))
            })
            .collect();
        pairs.sort();
        pairs.dedup();
        pairs
    });
    pairs
        .iter()
        .any(|(r, t, d)| *r == repository && t == tag && d == digest)
}
