//! Heroku's `heroku.yml` (the container stack): `release:` runs in a one-off dyno before each
//! release, as a Procfile's `release:` line does; `run:` names the app's processes.

use super::Scan;
use super::procfile::{admin_task, shell_process};
use crate::model::script::Tool;
use crate::model::workload::Workload;
use crate::origin::Spanned;
use crate::span::Span;
use crate::yaml::{NodeId, Tree};

/// One workload per process, as for a Procfile: `release.command` (a list of words or a
/// string) is the release phase, each `run:` entry (a string, or `command:` of a mapping) an
/// app process. Processes are read as the `sh -c` scripts Heroku runs.
pub(super) fn extract(scan: &Scan<'_>, tree: &Tree, root: NodeId, out: &mut Vec<Workload>) {
    if let Some(release) = tree.get(root, "release").filter(|&r| tree.is_mapping(r))
        && let Some(command) = tree.get(release, "command")
        && let Some((script, span)) = script_of(scan, tree, command)
    {
        let (key_start, key_end) = key_span(tree, root, "release").unwrap_or(span);
        let name = Spanned::new(
            "release".to_string(),
            Span::new(scan.file, key_start, key_end),
        );
        let admin_word = admin_task(&script.value).unwrap_or_else(|| "release".to_string());
        let whole = Span::new(scan.file, key_start, span.1);
        out.push(heroku_process(shell_process(
            Tool::Procfile,
            name,
            script,
            whole,
            Some(admin_word),
        )));
    }
    let Some(run) = tree.get(root, "run").filter(|&r| tree.is_mapping(r)) else {
        return;
    };
    for (key, value) in tree.entries(run) {
        let Some(process) = tree.str(key) else {
            continue;
        };
        let command = if tree.is_mapping(value) {
            tree.get(value, "command")
        } else {
            Some(value)
        };
        let Some((script, span)) = command.and_then(|c| script_of(scan, tree, c)) else {
            continue;
        };
        let (key_start, key_end) = tree.span(key);
        let name = Spanned::new(
            process.to_string(),
            Span::new(scan.file, key_start, key_end),
        );
        let whole = Span::new(scan.file, key_start, span.1);
        out.push(heroku_process(shell_process(
            Tool::Procfile,
            name,
            script,
            whole,
            None,
        )));
    }
}

/// A command as the script Heroku runs: a string as written, or a list's words joined with
/// spaces; with the node's byte range.
fn script_of(
    scan: &Scan<'_>,
    tree: &Tree,
    node: NodeId,
) -> Option<(Spanned<String>, (usize, usize))> {
    let (start, end) = tree.span(node);
    let text = match tree.str(node) {
        Some(text) => text.to_string(),
        None if tree.is_sequence(node) => {
            let words: Vec<&str> = tree
                .items(node)
                .iter()
                .filter_map(|&w| tree.str(w))
                .collect();
            words.join(" ")
        }
        None => return None,
    };
    if text.trim().is_empty() {
        return None;
    }
    let span = Span::new(scan.file, start, end);
    Some((Spanned::new(text, span), (start, end)))
}

/// A Procfile process as messages name one of `heroku.yml` ("heroku.yml process `release`").
fn heroku_process(mut workload: Workload) -> Workload {
    workload.kind = "heroku.yml process".to_string();
    workload
}

/// The byte range of a mapping's key.
fn key_span(tree: &Tree, map: NodeId, key: &str) -> Option<(usize, usize)> {
    tree.entries(map)
        .into_iter()
        .find(|&(k, _)| tree.str(k) == Some(key))
        .map(|(k, _)| tree.span(k))
}
