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

/// The admin's release set against the app's another way than by one repository.
struct ReleasedApart {
    admin: String,
    admin_image: String,
    app: String,
    app_image: String,
    how: Apart,
}

/// How the admin's reference and the app's are related.
enum Apart {
    /// Sibling images of one product (`shop-migrate` beside `shop-server`), tags differ.
    Siblings { admin_tag: String, app_tag: String },
    /// The app's tag is a placeholder filled in at deploy; the admin's is a literal.
    NotTemplated { admin_tag: String },
}

impl Violation for ReleasedApart {
    fn message(&self) -> String {
        match &self.how {
            Apart::Siblings { admin_tag, app_tag } => format!(
                "{} runs {} at tag `{admin_tag}`, but {} runs the sibling image {} at `{app_tag}`: images of one product are released under one tag",
                self.admin, self.admin_image, self.app, self.app_image
            ),
            Apart::NotTemplated { admin_tag } => format!(
                "{} runs {} with the literal tag `{admin_tag}`, but {} runs {}, filled in at deploy: the admin process was not templated with the app, so it will not follow the app's release",
                self.admin, self.admin_image, self.app, self.app_image
            ),
        }
    }

    fn label(&self) -> Option<String> {
        Some(match &self.how {
            Apart::Siblings { admin_tag, .. } => format!("sibling tag `{admin_tag}`"),
            Apart::NotTemplated { admin_tag } => format!("literal tag `{admin_tag}`"),
        })
    }

    fn help(&self) -> Option<String> {
        Some(match &self.how {
            Apart::Siblings { app_tag, .. } => {
                format!("run the admin image of the app's release: tag `{app_tag}`")
            }
            Apart::NotTemplated { .. } => {
                "write the admin's tag with the same placeholder as the app's, so both are filled in with one release".into()
            }
        })
    }

    fn identity(&self) -> Vec<String> {
        vec![self.admin_image.clone(), self.app_image.clone()]
    }
}

/// An admin with no peer on its repository, beside sibling images of its product
/// ([`crate::model::sibling::are_siblings`]): compared by tag with the release they run.
fn check_siblings(cx: &AdminCx, image: &ImageRef, sink: &mut Sink) {
    let project = cx.project;
    let siblings = project.sibling_peers(cx.at);
    let tally = crate::model::release::Tally::count(project, siblings.iter().copied());
    let Some(release) = tally.chosen() else {
        return;
    };
    let tags = |at: ContainerRef| {
        project
            .container(at)
            .1
            .effective_image()
            .and_then(|i| i.tag.clone())
    };
    let admin_tag = image.tag.clone().unwrap_or_default();
    if siblings
        .iter()
        .any(|&at| tags(at).as_deref() == Some(&admin_tag))
    {
        return;
    }
    let app = release.first();
    let how = Apart::Siblings {
        admin_tag,
        app_tag: tags(app).unwrap_or_default(),
    };
    warn_apart(cx, app, how, sink);
}

/// An admin with a literal tag whose peers all run the app's image with a placeholder tag
/// (`<IMAGE_VERSION>`, `__TAG__`, `${TAG}` unresolved): it was not templated with the app.
fn check_not_templated(cx: &AdminCx, image: &ImageRef, sink: &mut Sink) {
    let project = cx.project;
    let Some(admin_tag) = image.tag.clone() else {
        return;
    };
    let templated = |at: ContainerRef| {
        project
            .container(at)
            .1
            .effective_image()
            .is_some_and(ImageRef::tag_is_placeholder)
    };
    let Some(&app) = cx.peers.members.first() else {
        return;
    };
    if !cx.peers.members.iter().all(|&at| templated(at)) {
        return;
    }
    warn_apart(cx, app, Apart::NotTemplated { admin_tag }, sink);
}

/// A warning at the admin's image that it and the app's container `app` are released apart
/// (`how`), with the app's image as the related location.
fn warn_apart(cx: &AdminCx, app: ContainerRef, how: Apart, sink: &mut Sink) {
    let project = cx.project;
    let app_container = project.container(app).1;
    let violation = ReleasedApart {
        admin: who(project, cx.at),
        admin_image: cx.container.image_text(),
        app: who(project, app),
        app_image: app_container.image_text(),
        how,
    };
    let related = format!("{} runs {}", violation.app, violation.app_image);
    let admin_image = cx.container.image.as_ref().expect("has an image");
    let reported = sink
        .report(&violation, admin_image)
        .severity(Severity::Warning);
    if let Some(app_image) = &app_container.image {
        reported.related(related, app_image);
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
    // A Compose service that builds runs the checkout: its `image:` is a local name, and it
    // agrees with the peers that build the same source (`Container::same_release`); no tag of
    // it says which release it runs.
    if cx.container.build.is_some() {
        return;
    }
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
    if cx.peers.members.is_empty() {
        check_siblings(cx, image, sink);
        return;
    }
    if versions.is_empty() {
        check_not_templated(cx, image, sink);
        return;
    }
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
                content: crate::provenance::keep_quotes(project, span, &app_image.raw),
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
