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
    for (key, value) in tree.entries(root) {
        match tree.str(key) {
            Some("release") if tree.is_mapping(value) => {
                let Some(script) = tree
                    .get(value, "command")
                    .and_then(|c| script_of(scan, tree, c))
                else {
                    continue;
                };
                let admin_word = admin_task(&script.value).unwrap_or_else(|| "release".to_string());
                out.push(process(scan, tree, key, script, Some(admin_word)));
            }
            Some("run") if tree.is_mapping(value) => {
                for (process_key, command) in tree.entries(value) {
                    // A string, or a mapping with `command:` (and the `image:` it runs in).
                    let command = if tree.is_mapping(command) {
                        tree.get(command, "command")
                    } else {
                        Some(command)
                    };
                    if let Some(script) = command.and_then(|c| script_of(scan, tree, c)) {
                        out.push(process(scan, tree, process_key, script, None));
                    }
                }
            }
            _ => {}
        }
    }
}

/// The process named by `key` running `script`, as messages name one of `heroku.yml`
/// ("heroku.yml process `release`").
fn process(
    scan: &Scan<'_>,
    tree: &Tree,
    key: NodeId,
    script: Spanned<String>,
    admin_word: Option<String>,
) -> Workload {
    let (key_start, key_end) = tree.span(key);
    let name = tree.str(key).unwrap_or_default().to_string();
    let name = Spanned::new(name, Span::new(scan.file, key_start, key_end));
    let whole = Span::new(scan.file, key_start, script.span.end as usize);
    let mut workload = shell_process(Tool::Procfile, name, script, whole, admin_word);
    workload.kind = "heroku.yml process".to_string();
    workload
}

/// A command as the script Heroku runs: a string as written, or a list's words joined with
/// spaces, spanning the node.
fn script_of(scan: &Scan<'_>, tree: &Tree, node: NodeId) -> Option<Spanned<String>> {
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
    (!text.trim().is_empty()).then(|| Spanned::new(text, Span::new(scan.file, start, end)))
}
