//! image-unpinned: an admin image has no tag, `latest` or another moving tag.

use super::Rule;
use super::helpers::{object_ref, who};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::image::Unpinned;
use crate::model::project::Project;

pub const RULE: Rule = Rule {
    id: "image-unpinned",
    severity: Severity::Warning,
    summary: "an admin image has no tag, `latest` or another moving tag, so no release can be named",
    doc: include_str!("../../rules/image-unpinned.md"),
    check,
};

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
    for (admin, _) in project.admin_containers() {
        let (workload, container) = project.container(admin);
        let Some(image) = &container.image else {
            continue;
        };
        let Some(unpinned) = image.value.unpinned() else {
            continue;
        };
        let why = match unpinned {
            Unpinned::NoTag => {
                "has no tag, so it runs whatever `latest` is when the Pod starts".to_string()
            }
            Unpinned::Latest => "uses the moving tag `latest`".to_string(),
            Unpinned::MovingTag => format!(
                "uses the moving tag `{}`",
                image.value.tag.as_deref().unwrap_or_default()
            ),
        };
        out.push(
            Diagnostic::new(
                RULE.id,
                RULE.severity,
                format!("{} image `{}` {why}", who(project, admin), image.value),
                image.span,
            )
            .with_label("not pinned to a release")
            .with_object(Some(object_ref(workload, Some(container))))
            .with_help(
                "pin the admin image to the release the app runs: a version tag or a digest",
            ),
        );
    }
}
