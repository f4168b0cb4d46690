//! wrapper-missing: the app runs under `bundle exec` / `poetry run` / a venv …, the admin skips it.

use super::Rule;
use super::helpers::{object_ref, who};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::command::{self, CommandLine, Intent, SimpleCommand};
use crate::model::project::{Project, command_line};

pub const RULE: Rule = Rule {
    id: "wrapper-missing",
    severity: Severity::Warning,
    summary: "the app runs under a dependency wrapper (`bundle exec`, a venv, `npx` …) that the admin process skips",
    doc: include_str!("../../rules/wrapper-missing.md"),
    check,
};

/// Interpreters that are run by path but still take their libraries from the environment.
/// (`bin/rails`, `./bin/rake` are binstubs: they load Bundler themselves.)
fn is_interpreter(name: &str) -> bool {
    let name = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    matches!(name, "python" | "ruby" | "node" | "php" | "perl")
}

/// True when the line activates the wrapper's environment itself: `. <venv>/bin/activate`.
fn activates(line: &CommandLine, wrapper: &str) -> bool {
    let Some(venv) = wrapper.strip_prefix("virtualenv ") else {
        return false;
    };
    line.commands.iter().any(|c| {
        matches!(c.words.first().map(String::as_str), Some("." | "source"))
            && c.words.get(1).is_some_and(|path| {
                path.trim_end_matches("/activate").trim_end_matches("/bin") == venv
            })
    })
}

fn is_node_tool(name: &str) -> bool {
    matches!(
        name,
        "node" | "npm" | "npx" | "yarn" | "pnpm" | "bun" | "deno"
    )
}

/// The program a simple command runs, when it is one a wrapper of this family would wrap.
fn wrappable<'c>(project: &Project, cmd: &'c SimpleCommand, wrapper: &str) -> Option<&'c str> {
    let program = cmd.words.first()?.as_str();
    let base = program.rsplit('/').next().unwrap_or(program);
    if command::is_plumbing(base, command::Reading::NotWrapped) || project.wrapper_of(cmd).is_some()
    {
        return None;
    }
    // A script or binstub by path may set up its own environment; only interpreters count.
    if (program.contains('/') || base.ends_with(".sh")) && !is_interpreter(base) {
        return None;
    }
    let node_family = ["npx", "yarn", "pnpm", "npm", "node_modules"]
        .iter()
        .any(|w| wrapper.starts_with(w));
    if node_family && is_node_tool(base) {
        return None;
    }
    Some(program)
}

fn help(wrapper: &str) -> String {
    if ["npx", "yarn", "pnpm", "npm", "node_modules"]
        .iter()
        .any(|w| wrapper.starts_with(w))
    {
        return format!(
            "run the tool from the app's node_modules as the app does (`{wrapper}`, `npx`, or an npm script), not a global install"
        );
    }
    if let Some(venv) = wrapper.strip_prefix("virtualenv ") {
        return format!(
            "run the admin command with the app's virtualenv: `{venv}/bin/python …` or after `. {venv}/bin/activate`"
        );
    }
    format!(
        "run the admin command the way the app runs: prefix it with `{wrapper}` so it uses the app's dependencies"
    )
}

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
    // The wrappers every peer with an explicit command uses, once per peer set: (wrapper, index
    // of a peer that uses it).
    let mut wrappers_of_set: std::collections::HashMap<usize, Vec<(String, usize)>> =
        std::collections::HashMap::new();
    for (admin, _) in project.admin_containers() {
        let (workload, container) = project.container(admin);
        let argv = container.argv();
        if argv.is_empty() {
            continue;
        }
        let set = project.peer_set(admin);
        let peers = &set.members;
        let app_wrappers = wrappers_of_set
            .entry(set.id)
            .or_insert_with(|| {
                let mut app_wrappers: Option<Vec<(String, usize)>> = None;
                for (index, &peer) in peers.iter().enumerate() {
                    let peer_container = project.container(peer).1;
                    if peer_container.argv().is_empty() {
                        continue;
                    }
                    let names: Vec<String> = command_line(peer_container)
                        .commands
                        .iter()
                        .filter_map(|c| project.wrapper_of(c).map(|w| w.name))
                        .collect();
                    app_wrappers = Some(match app_wrappers {
                        None => names.into_iter().map(|n| (n, index)).collect(),
                        Some(kept) => kept
                            .into_iter()
                            .filter(|(n, _)| names.contains(n))
                            .collect(),
                    });
                }
                app_wrappers.unwrap_or_default()
            })
            .clone();
        let line = command_line(container);
        for (wrapper, peer_index) in app_wrappers {
            let uses_it = line
                .commands
                .iter()
                .any(|c| project.wrapper_of(c).is_some_and(|w| w.name == wrapper));
            if uses_it || activates(&line, &wrapper) {
                continue;
            }
            // Installs are adhoc-install's business; the program to blame is the real work.
            let installs: Vec<usize> = project
                .installs_in(&line)
                .into_iter()
                .map(|(i, _)| i)
                .collect();
            let candidates: Vec<(&SimpleCommand, &str)> = line
                .commands
                .iter()
                .enumerate()
                .filter(|(index, _)| !installs.contains(index))
                .filter_map(|(_, c)| Some((c, wrappable(project, c, &wrapper)?)))
                .collect();
            // Blame the admin task itself (`rails db:migrate`), not a wait loop before it.
            let admin_task = candidates.iter().find(|(c, _)| {
                let single = CommandLine {
                    commands: vec![(*c).clone()],
                    via_shell: false,
                };
                command::intent(&single).0 == Intent::Admin
            });
            let Some(&(cmd, program)) = admin_task.or(candidates.first()) else {
                continue;
            };
            let peer = peers[peer_index];
            let span = project.simple_command_span(container, cmd);
            let peer_span = crate::model::project::command_span(project.container(peer).1)
                .unwrap_or(project.container(peer).1.span);
            out.push(
                Diagnostic::new(
                    RULE.id,
                    RULE.severity,
                    format!(
                        "{} runs `{program}` without `{wrapper}`, but {} runs under `{wrapper}`",
                        who(project, admin),
                        who(project, peer)
                    ),
                    span,
                )
                .with_label(format!("`{program}` outside `{wrapper}`"))
                .with_related(
                    format!("{} runs under `{wrapper}`", who(project, peer)),
                    peer_span,
                )
                .with_object(Some(object_ref(workload, Some(container))))
                .with_help(help(&wrapper)),
            );
        }
    }
}
