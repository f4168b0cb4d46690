//! versioned-path: an admin runs from a versioned release path the app does not use.

use super::helpers::who;
use super::{AdminCx, Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::command;
use crate::model::project::{ContainerRef, Project};
use crate::span::Span;

pub const RULE: Rule = Rule {
    id: "versioned-path",
    severity: Severity::Warning,
    summary: "an admin process works in a versioned release directory (`/srv/app-v1.2.0`) the app does not use",
    doc: include_str!("../../rules/versioned-path.md"),
    check: Check::Admin(check),
    fix: FixAvailability::None,
};

/// The admin works in a directory named after one release.
struct VersionedPath {
    admin: String,
    /// The directory.
    dir: String,
    /// The release its name carries.
    version: String,
}

impl Violation for VersionedPath {
    fn message(&self) -> String {
        format!(
            "{} works in `{}`, a directory of release `{}` the app does not use",
            self.admin, self.dir, self.version
        )
    }

    fn label(&self) -> Option<String> {
        Some(format!("versioned path `{}`", self.dir))
    }

    fn help(&self) -> Option<String> {
        Some("run the admin process from the app's own directory in the app's image, not from a path tied to one release".into())
    }

    fn identity(&self) -> Vec<String> {
        vec![self.dir.clone()]
    }
}

/// Every directory a container works in: `workingDir` and `cd` targets, with spans.
fn directories(project: &Project, at: ContainerRef) -> Vec<(String, Span)> {
    let container = project.container(at).1;
    let command = project.command_line(at);
    let mut out = Vec::new();
    if let Some(dir) = &container.working_dir {
        out.push((dir.value.clone(), dir.span));
    }
    for (index, target) in command::cd_targets(&command.line) {
        out.push((target, command.spans[index]));
    }
    out
}

fn check(cx: &AdminCx, sink: &mut Sink) {
    let project = cx.project;
    let versioned: Vec<(String, Span, String)> = directories(project, cx.at)
        .into_iter()
        .filter_map(|(dir, span)| Some((command::versioned_path(&dir)?, dir, span)))
        .map(|(version, dir, span)| (dir, span, version))
        .collect();
    if versioned.is_empty() {
        return;
    }
    let peer_dirs: Vec<(String, Span, String)> = cx
        .peers
        .members
        .iter()
        .flat_map(|&p| {
            directories(project, p)
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
        let violation = VersionedPath {
            admin: who(project, cx.at),
            dir,
            version,
        };
        // The working directory is a fact with an origin (an alias, an `extends`); a `cd` in
        // the command is a span inside one.
        let reported = match cx.container.working_dir.as_ref().filter(|d| d.span == span) {
            Some(working_dir) => sink.report(&violation, working_dir),
            None => sink.report(&violation, span),
        };
        if let Some((peer_dir, peer_span, peer_who)) = peer_dirs.first() {
            reported.related(format!("{peer_who} works in `{peer_dir}`"), *peer_span);
        }
    }
}
