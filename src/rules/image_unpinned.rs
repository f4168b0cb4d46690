//! image-unpinned: an admin image has no tag, `latest` or another moving tag.

use super::helpers::who;
use super::{AdminCx, Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::image::Unpinned;

pub const RULE: Rule = Rule {
    id: "image-unpinned",
    severity: Severity::Warning,
    summary: "an admin image has no tag, `latest` or another moving tag, so no release can be named",
    doc: include_str!("../../rules/image-unpinned.md"),
    check: Check::Admin(check),
    fix: FixAvailability::None,
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
        format!("{} image {what} {why}", self.admin)
    }

    fn label(&self) -> Option<String> {
        Some("not pinned to a release".into())
    }

    fn help(&self) -> Option<String> {
        Some("pin the admin image to the release the app runs: a version tag or a digest".into())
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
    let violation = ImageUnpinned {
        admin: who(cx.project, cx.at),
        image: image.value.to_string(),
        resolved: container
            .resolved_image
            .as_ref()
            .map(|_| judged.to_string()),
        how,
        tag: judged.tag.clone().unwrap_or_default(),
    };
    sink.report(&violation, image.span);
}
