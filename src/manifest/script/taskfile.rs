//! Taskfiles (go-task, `Taskfile.yml`): each task's `cmds:` (strings or `cmd:` entries) and
//! `cmd:`, with the file's and the task's `vars:` and `env:` read by `{{.NAME}}` and `$NAME`.

use super::Scan;
use super::text::Vars;
use crate::model::workload::Workload;
use crate::yaml::{NodeId, Tree};

/// Reads `vars:` / `env:` entries with a plain value (`sh:` and `ref:` values are computed
/// when the task runs, so they stay unknown).
fn read_vars(tree: &Tree, map: Option<NodeId>, vars: &mut Vars) {
    let Some(map) = map.map(|m| tree.resolve(m)).filter(|&m| tree.is_mapping(m)) else {
        return;
    };
    for (key, value) in tree.entries(map) {
        if let (Some(name), Some(value)) = (tree.str(key), tree.str(tree.resolve(value))) {
            vars.set(name, value);
        }
    }
}

/// Every task's commands, in file order.
pub(super) fn extract(scan: &Scan<'_>, tree: &Tree, root: NodeId, out: &mut Vec<Workload>) {
    let mut file_vars = Vars::templates();
    read_vars(tree, tree.get(root, "env"), &mut file_vars);
    read_vars(tree, tree.get(root, "vars"), &mut file_vars);
    let Some(tasks) = tree
        .get(root, "tasks")
        .map(|t| tree.resolve(t))
        .filter(|&t| tree.is_mapping(t))
    else {
        return;
    };
    for (_, task) in tree.entries(tasks) {
        let task = tree.resolve(task);
        let mut vars = file_vars.clone();
        // A task written as a list of commands, or as one command.
        let commands = if tree.is_mapping(task) {
            read_vars(tree, tree.get(task, "env"), &mut vars);
            read_vars(tree, tree.get(task, "vars"), &mut vars);
            tree.get(task, "cmds").or_else(|| tree.get(task, "cmd"))
        } else {
            Some(task)
        };
        let Some(commands) = commands.map(|c| tree.resolve(c)) else {
            continue;
        };
        let entries: Vec<NodeId> = if tree.is_sequence(commands) {
            tree.items(commands).to_vec()
        } else {
            vec![commands]
        };
        for entry in entries {
            let entry = tree.resolve(entry);
            let command = if tree.is_mapping(entry) {
                tree.get(entry, "cmd")
            } else {
                Some(entry)
            };
            if let Some(command) = command {
                scan.scalar(tree, command, &mut vars, out);
            }
        }
    }
}
