//! versioned-path: an admin runs from a versioned release path the app does not use.

use std::collections::HashMap;

use super::Rule;
use super::helpers::{object_ref, who};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::command;
use crate::model::project::{ContainerRef, Project, command_line};
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
fn directories(container: &Container) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    if let Some(dir) = &container.working_dir {
        out.push((dir.value.clone(), dir.span));
    }
    let argv = container.argv();
    let line = command_line(container);
    for (index, target) in command::cd_targets(&line) {
        let arg = line.commands[index].arg_index;
        let span = argv.get(arg).map_or(container.span, |w| w.span);
        out.push((target, span));
    }
    out
}

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
    // By peer set: every directory its peers work in.
    let mut dirs_by_set: HashMap<usize, Vec<(String, Span, ContainerRef)>> = HashMap::new();
    for (admin, _) in project.admin_containers() {
        let (workload, container) = project.container(admin);
        let set = project.release_peer_set(admin);
        let peer_dirs = dirs_by_set.entry(set.id).or_insert_with(|| {
            set.peers
                .iter()
                .flat_map(|&p| {
                    directories(project.container(p).1)
                        .into_iter()
                        .map(move |(d, s)| (d, s, p))
                })
                .collect()
        });
        for (dir, span) in directories(container) {
            let Some(version) = command::versioned_path(&dir) else {
                continue;
            };
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
            if let Some((peer_dir, peer_span, peer)) = peer_dirs.first() {
                let peer_who = who(project, *peer);
                diagnostic = diagnostic
                    .with_related(format!("{peer_who} works in `{peer_dir}`"), *peer_span);
            }
            out.push(diagnostic);
        }
    }
}
