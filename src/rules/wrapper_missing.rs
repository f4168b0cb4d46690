//! wrapper-missing: the app runs under `bundle exec` / `poetry run` / a venv …, the admin skips it.

use super::helpers::who;
use super::{AdminCx, Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::{Applicability, Edit, Severity};
use crate::model::command::{self, CommandLine, Intent, SimpleCommand};
use crate::model::project::Project;
use crate::span::Span;

pub const RULE: Rule = Rule {
    id: "wrapper-missing",
    severity: Severity::Warning,
    summary: "the app runs under a dependency wrapper (`bundle exec`, a venv, `npx` …) that the admin process skips",
    doc: include_str!("../../rules/wrapper-missing.md"),
    check: Check::Admin(check),
    fix: FixAvailability::Sometimes,
};

/// The admin runs a program outside the dependency wrapper every app peer uses.
struct WrapperMissing {
    admin: String,
    /// The program run outside the wrapper.
    program: String,
    /// The wrapper (`bundle exec`, `virtualenv /venv`, `npx` …).
    wrapper: String,
    /// A peer that runs under it.
    app: String,
}

impl Violation for WrapperMissing {
    fn message(&self) -> String {
        format!(
            "{} runs `{}` without `{}`, but {} runs under `{}`",
            self.admin, self.program, self.wrapper, self.app, self.wrapper
        )
    }

    fn label(&self) -> Option<String> {
        Some(format!("`{}` outside `{}`", self.program, self.wrapper))
    }

    fn help(&self) -> Option<String> {
        Some(help(&self.wrapper))
    }

    fn fix_title(&self) -> Option<String> {
        Some(match self.wrapper.strip_prefix("virtualenv ") {
            Some(venv) => format!("Run `{venv}/bin/{}`", self.program),
            None => format!("Prefix `{}` with `{}`", self.program, self.wrapper),
        })
    }

    fn identity(&self) -> Vec<String> {
        vec![self.program.clone(), self.wrapper.clone()]
    }
}

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

/// The edit that runs the blamed command under `wrapper`: `bundle exec ` (or `poetry run `, …)
/// inserted before it, or the interpreter named inside a virtualenv (`python` ->
/// `/opt/app/venv/bin/python`). Only where the command is a word of a string the shell or Compose
/// splits into words (a `sh -c` script, a Compose `command:` string), so that inserting words is
/// what it means; an argv list needs new items and gets no fix, nor do the node wrappers (which
/// tool runs the script is the package's choice).
fn wrap_edit(cx: &AdminCx, span: Span, program: &str, wrapper: &str) -> Option<Edit> {
    let file = cx.project.files.get(span.file.0 as usize)?;
    let written = file.text.get(span.range())?;
    if !written.starts_with(program) {
        return None;
    }
    let argv = cx.container.argv();
    // Words of one string: the gap between the first two is blanks only (a YAML list has
    // quotes, commas or a new item between its items).
    let split_string = argv.len() >= 2 && {
        let (first, second) = (argv[0].span, argv[1].span);
        first.file == second.file
            && first.end <= second.start
            && file
                .text
                .get(first.end as usize..second.start as usize)
                .is_some_and(|gap| !gap.is_empty() && gap.chars().all(|c| c == ' ' || c == '\t'))
    };
    if !(cx.command.via_shell || split_string) {
        return None;
    }
    if let Some(venv) = wrapper.strip_prefix("virtualenv ") {
        let base = program.rsplit('/').next().unwrap_or(program);
        if program.contains('/') || !is_interpreter(base) && !matches!(base, "pip" | "pip3") {
            return None;
        }
        return Some(Edit {
            span: Span::new(
                span.file,
                span.start as usize,
                span.start as usize + program.len(),
            ),
            content: format!("{venv}/bin/{program}"),
        });
    }
    let plain = wrapper.split(' ').all(|word| {
        !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    let node = ["npx", "yarn", "pnpm", "npm", "node_modules"]
        .iter()
        .any(|w| wrapper.starts_with(w));
    if !plain || node {
        return None;
    }
    Some(Edit {
        span: Span::new(span.file, span.start as usize, span.start as usize),
        content: format!("{wrapper} "),
    })
}

fn check(cx: &AdminCx, sink: &mut Sink) {
    let project = cx.project;
    if cx.container.argv().is_empty() {
        return;
    }
    let peers = &cx.peers.members;
    // The wrappers every peer with an explicit command uses, once per peer set: (wrapper,
    // index of a peer that uses it).
    let app_wrappers = cx.per_peer_set("wrapper-missing wrappers", || {
        let mut app_wrappers: Option<Vec<(String, usize)>> = None;
        for (index, &peer) in peers.iter().enumerate() {
            let peer_container = project.container(peer).1;
            if peer_container.argv().is_empty() {
                continue;
            }
            let names: Vec<String> = project
                .command_line(peer)
                .line
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
    });
    let line = cx.command;
    for (wrapper, peer_index) in app_wrappers.iter() {
        let uses_it = line
            .commands
            .iter()
            .any(|c| project.wrapper_of(c).is_some_and(|w| &w.name == wrapper));
        if uses_it || activates(line, wrapper) {
            continue;
        }
        // Installs are adhoc-install's business; the program to blame is the real work.
        let installs: Vec<usize> = project
            .installs_in(line)
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        let candidates: Vec<(usize, &SimpleCommand, &str)> = line
            .commands
            .iter()
            .enumerate()
            .filter(|(index, _)| !installs.contains(index))
            .filter_map(|(index, c)| Some((index, c, wrappable(project, c, wrapper)?)))
            .collect();
        // Blame the admin task itself (`rails db:migrate`), not a wait loop before it.
        let admin_task = candidates.iter().find(|(_, c, _)| {
            let single = CommandLine {
                commands: vec![(*c).clone()],
                via_shell: false,
            };
            command::intent(&single).0 == Intent::Admin
        });
        let Some(&(index, _, program)) = admin_task.or(candidates.first()) else {
            continue;
        };
        let peer = peers[*peer_index];
        let span = cx.command_spans[index];
        let peer_span = crate::model::project::command_span(project.container(peer).1)
            .unwrap_or(project.container(peer).1.span);
        let violation = WrapperMissing {
            admin: who(project, cx.at),
            program: program.to_string(),
            wrapper: wrapper.clone(),
            app: who(project, peer),
        };
        let related = format!("{} runs under `{wrapper}`", violation.app);
        let reported = sink.report(&violation, span).related(related, peer_span);
        // Unsafe: the program may not be the app's (a tool on the image's PATH that the
        // wrapper's lockfile does not list), which a person should check.
        if let Some(edit) = wrap_edit(cx, span, program, wrapper) {
            reported.fix(Applicability::Unsafe, vec![edit]);
        }
    }
}
