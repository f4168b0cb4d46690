//! versioned-path: an admin runs from a versioned release path the app does not use.

use super::Rule;
use super::helpers::{object_ref, who};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::command;
use crate::model::project::{Project, command_line};
use crate::model::workload::Container;
use crate::span::Span;

pub const RULE: Rule = Rule {
    id: "versioned-path",
    severity: Severity::Warning,
    summary: "an admin process works in a versioned release directory (`/srv/app-v1.2.0`) the app does not use",
    doc: include_str!("../../rules/versioned-path.md"),
    check,
};

/// Every directory a container works in: `workingDir` and `cd` targets, with spans.
fn directories(project: &Project, container: &Container) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    if let Some(dir) = &container.working_dir {
        out.push((dir.value.clone(), dir.span));
    }
    let line = command_line(container);
    for (index, target) in command::cd_targets(&line) {
        let span = project.simple_command_span(container, &line.commands[index]);
        out.push((target, span));
    }
    out
}

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
    for (admin, _) in project.admin_containers() {
        let (workload, container) = project.container(admin);
        let versioned: Vec<(String, Span, String)> = directories(project, container)
            .into_iter()
            .filter_map(|(dir, span)| Some((command::versioned_path(&dir)?, dir, span)))
            .map(|(version, dir, span)| (dir, span, version))
            .collect();
        if versioned.is_empty() {
            continue;
        }
        let (peers, _) = project.release_peers(admin);
        let peer_dirs: Vec<(String, Span, String)> = peers
            .iter()
            .flat_map(|&p| {
                directories(project, project.container(p).1)
                    .into_iter()
                    .map(move |(d, s)| (d, s, who(project, p)))
            })
            .collect();
        for (dir, span, version) in versioned {
            let trimmed = dir.trim_end_matches('/');
            // The app's own directory, or a directory inside it, is the release the app runs.
            let inside = |app_dir: &str| {
                let app_dir = app_dir.trim_end_matches('/');
                trimmed == app_dir
                    || trimmed
                        .strip_prefix(app_dir)
                        .is_some_and(|rest| rest.starts_with('/'))
            };
            if peer_dirs.iter().any(|(d, _, _)| inside(d)) {
                continue;
            }
            let mut diagnostic = Diagnostic::new(
                RULE.id,
                RULE.severity,
                format!(
                    "{} works in `{dir}`, a directory of release `{version}` the app does not use",
                    who(project, admin)
                ),
                span,
            )
            .with_label(format!("versioned path `{dir}`"))
            .with_object(Some(object_ref(workload, Some(container))))
            .with_help(
                "run the admin process from the app's own directory in the app's image, not from a path tied to one release",
            );
            if let Some(working_dir) = container.working_dir.as_ref().filter(|d| d.span == span) {
                diagnostic = diagnostic.with_origin(&working_dir.origin);
            }
            if let Some((peer_dir, peer_span, peer_who)) = peer_dirs.first() {
                diagnostic = diagnostic
                    .with_related(format!("{peer_who} works in `{peer_dir}`"), *peer_span);
            }
            out.push(diagnostic);
        }
    }
}
