//! image-unpinned: an admin image has no tag, `latest` or another moving tag.

use super::helpers::who;
use super::{AdminCx, Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::{Applicability, Edit, Severity};
use crate::model::image::Unpinned;
use crate::model::project::{ContainerRef, Project};
use std::collections::HashMap;

pub const RULE: Rule = Rule {
    id: "image-unpinned",
    severity: Severity::Warning,
    summary: "an admin image has no tag, `latest` or another moving tag, so no release can be named",
    doc: include_str!("../../rules/image-unpinned.md"),
    check: Check::Admin(check),
    fix: FixAvailability::Sometimes,
};

/// The admin image names no release.
struct ImageUnpinned {
    admin: String,
    /// The image as written.
    image: String,
    /// What it resolves to, when Compose resolves it and that is what is judged.
    resolved: Option<String>,
    how: Unpinned,
    /// The moving tag (for [`Unpinned::MovingTag`]).
    tag: String,
    /// How the app's own reference compares ([`AppPinning`]).
    app: AppPinning,
    /// The admin has no release peer (a tool image): the app is the long-running workloads
    /// beside it, not workloads of its image.
    beside: bool,
}

/// How pinned the app's release peers are, which decides how much the admin's moving
/// reference matters: a warning where the admin is less pinned than the app, info where the app
/// moves too (pinning the admin alone would not name the release the app runs).
enum AppPinning {
    /// No release peer: nothing to compare with (tool images, admin-only projects).
    Unknown,
    /// A peer names a release (a version tag, a digest, a placeholder filled in at deploy).
    Pinned { peer: String, image: String },
    /// Every peer runs a moving reference or a locally built image.
    Moving { peer: String, image: String },
}

impl Violation for ImageUnpinned {
    fn message(&self) -> String {
        let why = match self.how {
            Unpinned::NoTag => {
                "has no tag, so it runs whatever `latest` is when it starts".to_string()
            }
            Unpinned::Latest => "uses the moving tag `latest`".to_string(),
            Unpinned::MovingTag => format!("uses the moving tag `{}`", self.tag),
        };
        let what = match &self.resolved {
            Some(resolved) => format!("`{}` resolves to `{resolved}`, which", self.image),
            None => format!("`{}`", self.image),
        };
        let app = match (&self.app, self.beside) {
            (AppPinning::Unknown, _) => String::new(),
            (AppPinning::Pinned { peer, image }, false) => format!(", while {peer} runs {image}"),
            (AppPinning::Pinned { peer, image }, true) => format!(
                ", while the long-running workloads beside it pin their releases ({peer} runs {image})"
            ),
            (AppPinning::Moving { peer, image }, false) => {
                format!(", as the app does ({peer} runs {image})")
            }
            (AppPinning::Moving { peer, image }, true) => {
                format!(", as the workloads beside it do ({peer} runs {image})")
            }
        };
        format!("{} image {what} {why}{app}", self.admin)
    }

    fn label(&self) -> Option<String> {
        Some(match self.app {
            AppPinning::Moving { .. } => "not pinned, like the app".into(),
            _ => "not pinned to a release".into(),
        })
    }

    fn help(&self) -> Option<String> {
        Some(match self.app {
            AppPinning::Moving { .. } => "the app does not pin its release either; pin the app and its admin processes to releases to make runs repeatable".into(),
            _ if self.beside => "pin the image to a version tag or a digest, as the workloads beside it pin theirs".into(),
            _ => "pin the admin image to the release the app runs: a version tag or a digest".into(),
        })
    }

    fn fix_title(&self) -> Option<String> {
        match &self.app {
            AppPinning::Pinned { image, .. } => Some(format!("Use {image}")),
            _ => None,
        }
    }

    fn identity(&self) -> Vec<String> {
        vec![
            self.image.clone(),
            self.resolved.clone().unwrap_or_default(),
        ]
    }
}

fn check(cx: &AdminCx, sink: &mut Sink) {
    let container = cx.container;
    // `image:` beside `build:` names what Compose builds from the checkout: a local name,
    // not a release to pin.
    if container.build.is_some() {
        return;
    }
    let Some(image) = &container.image else {
        return;
    };
    // A reference with variables is judged on what it resolves to (Compose: `.env` values and
    // the defaults written in it; an OpenShift template: its parameters' defaults).
    let (how, judged) = match (image.value.unpinned(), &container.resolved_image) {
        (Some(how), _) => (how, &image.value),
        (None, Some(resolved)) => match resolved.unpinned() {
            Some(how) => (how, resolved),
            None => return,
        },
        (None, None) => return,
    };
    let (pinning, shown) = app_pinning(cx, &app_containers(cx));
    let violation = ImageUnpinned {
        admin: who(cx.project, cx.at),
        image: image.value.to_string(),
        resolved: container
            .resolved_image
            .as_ref()
            .map(|_| judged.to_string()),
        how,
        tag: judged.tag.clone().unwrap_or_default(),
        app: pinning,
        beside: cx.peers.members.is_empty(),
    };
    let image_span = image.span;
    let mut reported = sink.report(&violation, image.span);
    let (peer, image) = match &violation.app {
        AppPinning::Unknown => return,
        AppPinning::Pinned { peer, image } => (peer, image),
        AppPinning::Moving { peer, image } => {
            reported = reported.severity(Severity::Info);
            (peer, image)
        }
    };
    let shown = shown.and_then(|at| cx.project.container(at).1.image.as_ref());
    let Some(peer_image) = shown else { return };
    let pinned = matches!(violation.app, AppPinning::Pinned { .. });
    let reported = reported.related(format!("{peer} runs {image}"), peer_image.span);
    // Pinned to the app's release when the app runs exactly one, on the same repository: the
    // same edit as image-mismatch's, so either quick fix does it (and `--fix` applies it once).
    let releases = cx.project.app_release(&cx.peers);
    let same_repository =
        container.effective_image().map(|i| i.repository()) == peer_image.value.repository().into();
    if pinned && releases.releases.len() == 1 && same_repository {
        let content = crate::provenance::keep_quotes(cx.project, image_span, &peer_image.value.raw);
        reported.fix(
            Applicability::Safe,
            vec![Edit {
                span: image_span,
                content,
            }],
        );
    }
}

/// True when a peer runs a moving reference: a moving tag or none (as resolved when Compose
/// resolves it), or an image Compose builds from the checkout (`build:`; its `image:` is a
/// local name).
fn moves(project: &Project, at: ContainerRef) -> bool {
    let container = project.container(at).1;
    container.build.is_some()
        || container
            .effective_image()
            .is_some_and(|image| image.unpinned().is_some())
}

/// Where an admin's app is when no release peer runs its image (a tool image): the same
/// Compose project, the same kustomize rendering, else the same file.
#[derive(PartialEq, Eq, Hash)]
enum Place {
    ComposeProject(String),
    Rendering(usize),
    File(crate::span::FileId),
}

fn place(project: &Project, at: ContainerRef) -> Place {
    let workload = &project.workloads[at.workload];
    match &workload.compose {
        Some(compose) => Place::ComposeProject(compose.project.clone()),
        None if workload.scope != 0 => Place::Rendering(workload.scope),
        None => Place::File(workload.file),
    }
}

/// What the admin's pinning is judged against: its release peers, else (a tool image such as
/// `alpine:latest`) the app's long-running main containers beside it ([`Place`]) that are not
/// another app.
fn app_containers(cx: &AdminCx) -> Vec<ContainerRef> {
    if !cx.peers.members.is_empty() {
        return cx.peers.members.clone();
    }
    let project = cx.project;
    // Every admin without peers shares the empty peer set: the index is built once per run.
    let by_place = cx.per_peer_set("image-unpinned app by place", || {
        let mut by_place: HashMap<Place, Vec<ContainerRef>> = HashMap::new();
        for (at, _, _) in project.containers() {
            if project.votes_for_release(at) {
                by_place.entry(place(project, at)).or_default().push(at);
            }
        }
        by_place
    });
    by_place
        .get(&place(project, cx.at))
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .copied()
        .filter(|&at| project.apart(cx.at.workload, at.workload).is_none())
        .collect()
}

/// How pinned the app is ([`app_containers`]), and the container to show for it.
fn app_pinning(cx: &AdminCx, app: &[ContainerRef]) -> (AppPinning, Option<ContainerRef>) {
    let describe =
        |at: ContainerRef| (who(cx.project, at), cx.project.container(at).1.image_text());
    let Some(&first) = app.first() else {
        return (AppPinning::Unknown, None);
    };
    match app.iter().copied().find(|&at| !moves(cx.project, at)) {
        Some(pinned) => {
            let (peer, image) = describe(pinned);
            (AppPinning::Pinned { peer, image }, Some(pinned))
        }
        None => {
            let (peer, image) = describe(first);
            (AppPinning::Moving { peer, image }, Some(first))
        }
    }
}
