//! Heroku's `app.json` (read by the YAML layer: JSON is YAML): `scripts.postdeploy`,
//! `scripts.pr-predestroy` and each `environments.*.scripts` entry run in a one-off dyno of the
//! app whose processes are in the Procfile beside it; Dokku's `scripts.dokku.predeploy` /
//! `postdeploy` run in a container of the app's image the same way.

use super::Scan;
use super::procfile::{admin_task, shell_process};
use crate::model::script::Tool;
use crate::model::workload::Workload;
use crate::origin::Spanned;
use crate::span::Span;
use crate::yaml::{NodeId, Tree};

/// Scripts Heroku (and Dokku, under `scripts.dokku`) runs as one-off processes around a
/// deploy: admin processes whatever they run.
const ONE_OFF_SCRIPTS: [&str; 3] = ["postdeploy", "pr-predestroy", "predeploy"];

/// One workload per script that is an admin process: `postdeploy`, `pr-predestroy` and
/// Dokku's `predeploy` always, others (Heroku CI's `test-setup`, `test`) only when they run an admin task.
pub(super) fn extract(scan: &Scan<'_>, tree: &Tree, root: NodeId, out: &mut Vec<Workload>) {
    let mut maps = vec![tree.get(root, "scripts")];
    // Dokku reads the same file: `scripts.dokku.predeploy` / `postdeploy`.
    if let Some(scripts) = tree.get(root, "scripts").filter(|&s| tree.is_mapping(s)) {
        maps.push(tree.get(scripts, "dokku"));
    }
    if let Some(environments) = tree
        .get(root, "environments")
        .filter(|&e| tree.is_mapping(e))
    {
        for (_, environment) in tree.entries(environments) {
            if tree.is_mapping(environment) {
                maps.push(tree.get(environment, "scripts"));
            }
        }
    }
    for map in maps.into_iter().flatten() {
        let map = tree.resolve(map);
        if !tree.is_mapping(map) {
            continue;
        }
        for (key, value) in tree.entries(map) {
            let value = tree.resolve(value);
            let (Some(name), Some(script)) = (tree.str(key), tree.str(value)) else {
                continue;
            };
            if script.trim().is_empty() {
                continue;
            }
            let admin_word = admin_task(script)
                .or_else(|| ONE_OFF_SCRIPTS.contains(&name).then(|| name.to_string()));
            if admin_word.is_none() {
                continue;
            }
            let (key_start, key_end) = tree.span(key);
            let (start, end) = tree.span(value);
            let name = Spanned::new(name.to_string(), Span::new(scan.file, key_start, key_end));
            // The JSON string as written, quotes included: rules find a command's exact place
            // in it through its escapes (`span::sub_span`).
            let script = Spanned::new(script.to_string(), Span::new(scan.file, start, end));
            let span = Span::new(scan.file, key_start, end);
            out.push(shell_process(Tool::AppJson, name, script, span, admin_word));
        }
    }
}
