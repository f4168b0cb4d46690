//! Procfile lines: `release:` is Heroku's release phase (an admin process); `web:`, `worker:`
//! and the others are the app's processes.

use super::Scan;
use super::text::Segment;
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
        let segment = Segment::shifted(scan.file, script.to_string(), command_start);
        let whole = segment.span(&(0..script.len()));
        let name_span = Span::new(scan.file, start, start + name.len());
        // Heroku runs the line with a shell: the same `sh -c` form a container command has.
        let argv = ["sh", "-c", script];
        let line_command = command::parse_argv(&argv);
        let admin_word = (name == "release").then(|| match command::intent(&line_command) {
            (Intent::Admin, Some(word)) => word,
            _ => "release".to_string(),
        });
        let words = vec![
            Spanned::new("sh".to_string(), name_span),
            Spanned::new("-c".to_string(), name_span),
            Spanned::new(script.to_string(), whole),
        ];
        let span = Span::new(scan.file, start, start + body.len());
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
            tool: Tool::Procfile,
            runs_in: None,
            admin_word,
            outside_release: None,
            compose_files: Vec::new(),
            keeps_target_config: false,
            compose_project: None,
            joins_image: None,
            procfile: None,
        };
        let name = Some(Spanned::new(name.to_string(), name_span));
        out.push(super::command_workload(
            scan.file, span, name, None, container, facts,
        ));
    }
}
