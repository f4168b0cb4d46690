//! Procfile lines: `release:` is Heroku's release phase (an admin process); `web:`, `worker:`
//! and the others are the app's processes.

use super::Scan;
use crate::model::command::{self, Intent};
use crate::model::script::{CommandFacts, Tool};
use crate::model::workload::{Container, Workload};
use crate::origin::Spanned;
use crate::span::Span;

/// One workload per process line.
pub(super) fn extract(scan: &Scan<'_>, out: &mut Vec<Workload>) {
    let mut offset = 0;
    for line in scan.text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let Some((name, command_text)) = body.split_once(':') else {
            continue;
        };
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid || command_text.trim().is_empty() {
            continue;
        }
        let command_start =
            start + name.len() + 1 + (command_text.len() - command_text.trim_start().len());
        let script = command_text.trim();
        let script = Spanned::new(
            script.to_string(),
            Span::new(scan.file, command_start, command_start + script.len()),
        );
        let name = Spanned::new(
            name.to_string(),
            Span::new(scan.file, start, start + name.len()),
        );
        let admin_word = (name.value == "release")
            .then(|| admin_task(&script.value).unwrap_or_else(|| "release".to_string()));
        let span = Span::new(scan.file, start, start + body.len());
        out.push(shell_process(
            Tool::Procfile,
            name,
            script,
            span,
            admin_word,
        ));
    }
}

/// The admin word of a script Heroku runs with a shell (`bundle exec rails db:migrate`).
pub(super) fn admin_task(script: &str) -> Option<String> {
    match command::intent(&command::parse_argv(&["sh", "-c", script])) {
        (Intent::Admin, word) => word,
        _ => None,
    }
}

/// A named process Heroku runs with a shell (a Procfile line, an `app.json` script): the same
/// `sh -c` form a container command has, with no image or config of its own.
pub(super) fn shell_process(
    tool: Tool,
    name: Spanned<String>,
    script: Spanned<String>,
    span: Span,
    admin_word: Option<String>,
) -> Workload {
    let words = vec![
        Spanned::new("sh".to_string(), name.span),
        Spanned::new("-c".to_string(), name.span),
        script,
    ];
    let container = Container {
        name: None,
        init: false,
        span,
        image: None,
        command: Some(words),
        args: None,
        working_dir: None,
        config: Vec::new(),
        env: Vec::new(),
        mounts: Vec::new(),
        build: None,
        resolved_image: None,
    };
    let facts = CommandFacts {
        tool,
        runs_in: None,
        admin_word,
        outside_release: None,
        compose_files: Vec::new(),
        keeps_target_config: false,
        compose_project: None,
        joins_image: None,
        procfile: None,
    };
    super::command_workload(span.file, span, Some(name), None, container, facts)
}
