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
        // A Compose reference with variables is judged on what it resolves to (`.env` values
        // and the defaults written in it).
        let (unpinned, judged) = match (image.value.unpinned(), &container.resolved_image) {
            (Some(unpinned), _) => (unpinned, &image.value),
            (None, Some(resolved)) => match resolved.unpinned() {
                Some(unpinned) => (unpinned, resolved),
                None => continue,
            },
            (None, None) => continue,
        };
        let why = match unpinned {
            Unpinned::NoTag => {
                "has no tag, so it runs whatever `latest` is when it starts".to_string()
            }
            Unpinned::Latest => "uses the moving tag `latest`".to_string(),
            Unpinned::MovingTag => format!(
                "uses the moving tag `{}`",
                judged.tag.as_deref().unwrap_or_default()
            ),
        };
        let what = if container.resolved_image.is_some() {
            format!("`{}` resolves to `{judged}`, which", image.value)
        } else {
            format!("`{}`", image.value)
        };
        out.push(
            Diagnostic::new(
                RULE.id,
                RULE.severity,
                format!("{} image {what} {why}", who(project, admin)),
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
