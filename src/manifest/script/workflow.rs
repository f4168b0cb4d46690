//! CI workflows: the `run:` steps of GitHub Actions workflows and composite actions (with the
//! workflow's, job's and step's `env:`), and GitLab CI's `script:` lines (with `variables:`).

use super::Scan;
use super::text::{Segment, Vars};
use crate::model::workload::Workload;
use crate::yaml::{NodeId, Tree};

/// Reads `env:` / `variables:` mappings into `vars` (GitLab's `{value: …}` form too).
fn read_env(tree: &Tree, map: Option<NodeId>, vars: &mut Vars) {
    let Some(map) = map.filter(|&m| tree.is_mapping(m)) else {
        return;
    };
    for (key, value) in tree.entries(map) {
        let value = if tree.is_mapping(value) {
            tree.get(value, "value")
        } else {
            Some(value)
        };
        if let (Some(name), Some(value)) = (tree.str(key), value.and_then(|v| tree.str(v))) {
            vars.set(name, value);
        }
    }
}

impl Scan<'_> {
    /// Scans one scalar of shell script (a `run:` block, a `script:` line, a task's command)
    /// in place.
    pub(super) fn scalar(
        &self,
        tree: &Tree,
        node: NodeId,
        vars: &mut Vars,
        out: &mut Vec<Workload>,
    ) {
        let node = tree.resolve(node);
        let Some(value) = tree.str(node) else {
            return;
        };
        let (start, end) = tree.span(node);
        let source = self.text.get(start..end).unwrap_or_default();
        let mut segment = Segment::mapped(self.file, value.to_string(), source, start);
        if vars.reads_templates() {
            segment.protect_templates();
        }
        self.segment(&segment, vars, None, out);
    }
}

/// True when a step's `shell:` is not a POSIX shell (`pwsh`, `python`, `cmd`).
fn other_shell(tree: &Tree, step: NodeId) -> bool {
    tree.get(step, "shell")
        .and_then(|s| tree.str(s))
        .is_some_and(|shell| {
            let program = shell.split_whitespace().next().unwrap_or_default();
            !matches!(program, "bash" | "sh" | "{0}")
        })
}

/// A GitHub Actions workflow (`jobs.*.steps[*].run`) or composite action (`runs.steps`).
pub(super) fn github(scan: &Scan<'_>, tree: &Tree, root: NodeId, out: &mut Vec<Workload>) {
    let mut workflow_vars = Vars::default();
    read_env(tree, tree.get(root, "env"), &mut workflow_vars);
    let steps_of = |job: NodeId, vars: &Vars, out: &mut Vec<Workload>| {
        let mut job_vars = vars.clone();
        read_env(tree, tree.get(job, "env"), &mut job_vars);
        let Some(steps) = tree.get(job, "steps").filter(|&s| tree.is_sequence(s)) else {
            return;
        };
        for &step in tree.items(steps) {
            if !tree.is_mapping(step) || other_shell(tree, step) {
                continue;
            }
            let Some(run) = tree.get(step, "run") else {
                continue;
            };
            let mut step_vars = job_vars.clone();
            read_env(tree, tree.get(step, "env"), &mut step_vars);
            scan.scalar(tree, run, &mut step_vars, out);
        }
    };
    if let Some(jobs) = tree.get(root, "jobs").filter(|&j| tree.is_mapping(j)) {
        for (_, job) in tree.entries(jobs) {
            if tree.is_mapping(job) {
                steps_of(job, &workflow_vars, out);
            }
        }
    }
    if let Some(runs) = tree.get(root, "runs").filter(|&r| tree.is_mapping(r)) {
        steps_of(runs, &workflow_vars, out);
    }
}

/// GitLab CI: each job's `before_script`, `script` and `after_script`, with `variables:`.
pub(super) fn gitlab(scan: &Scan<'_>, tree: &Tree, root: NodeId, out: &mut Vec<Workload>) {
    let mut global = Vars::default();
    read_env(tree, tree.get(root, "variables"), &mut global);
    for (key, job) in tree.entries(root) {
        let name = tree.str(key).unwrap_or_default();
        if !tree.is_mapping(job) || matches!(name, "variables" | "stages" | "workflow" | "include")
        {
            continue;
        }
        let mut vars = global.clone();
        read_env(tree, tree.get(job, "variables"), &mut vars);
        for section in ["before_script", "script", "after_script"] {
            let Some(lines) = tree.get(job, section) else {
                continue;
            };
            if tree.is_sequence(lines) {
                for &line in tree.items(lines) {
                    scan.scalar(tree, line, &mut vars, out);
                }
            } else {
                scan.scalar(tree, lines, &mut vars, out);
            }
        }
    }
}

/// CircleCI's `.circleci/config.yml`: each `run:` step (a string, or `command:` with its
/// `environment:`) of every job and reusable command, with the job's `environment:`.
pub(super) fn circleci(scan: &Scan<'_>, tree: &Tree, root: NodeId, out: &mut Vec<Workload>) {
    for section in ["jobs", "commands"] {
        let Some(entries) = tree.get(root, section).filter(|&m| tree.is_mapping(m)) else {
            continue;
        };
        for (_, job) in tree.entries(entries) {
            if !tree.is_mapping(job) {
                continue;
            }
            let mut vars = Vars::default();
            read_env(tree, tree.get(job, "environment"), &mut vars);
            let Some(steps) = tree.get(job, "steps").filter(|&s| tree.is_sequence(s)) else {
                continue;
            };
            for &step in tree.items(steps) {
                let Some(run) = tree.get(step, "run") else {
                    continue;
                };
                if tree.is_mapping(run) {
                    let mut step_vars = vars.clone();
                    read_env(tree, tree.get(run, "environment"), &mut step_vars);
                    if let Some(command) = tree.get(run, "command") {
                        scan.scalar(tree, command, &mut step_vars, out);
                    }
                } else {
                    scan.scalar(tree, run, &mut vars, out);
                }
            }
        }
    }
}
