//! adminlint: finds one-off admin processes that do not run the app's release.
//!
//! The pipeline: discover -> source -> yaml -> recognize -> extract -> model -> rules -> render.
//! [`check`] runs it from paths (or a buffer) to a [`report::Report`].

pub mod diagnostic;
pub mod discover;
pub mod manifest;
pub mod model;
pub mod output;
pub mod render;
pub mod report;
pub mod rules;
pub mod source;
pub mod span;
pub mod yaml;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::project::{Project, ProjectFile};
use crate::report::{Report, RunError};
use crate::source::SourceFile;
use crate::span::FileId;

/// Default cap on the size of one file: larger files are reported, not read.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;

/// What to check and how.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Files and directories (`.` when empty).
    pub paths: Vec<PathBuf>,
    /// stdin to check: (display name, bytes).
    pub stdin: Option<(String, Vec<u8>)>,
    /// In-memory contents that win over the disk (an editor's unsaved buffers), by path as
    /// discovery sees it (use absolute paths for both). Buffers for files discovery does not
    /// find are checked too.
    pub buffers: std::collections::BTreeMap<PathBuf, String>,
    /// Largest file read, in bytes.
    pub max_file_size: u64,
    /// YAML limits.
    pub limits: yaml::Limits,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            paths: Vec::new(),
            stdin: None,
            buffers: std::collections::BTreeMap::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            limits: yaml::Limits::default(),
        }
    }
}

/// Read standard input fully, for `check -`.
pub fn read_stdin() -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin().lock().read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Run the whole pipeline.
pub fn check(options: &CheckOptions) -> Report {
    let mut report = Report::default();
    let mut project = Project::default();
    let mut inputs: Vec<Input> = Vec::new();
    if let Some((name, bytes)) = &options.stdin {
        inputs.push((None, name.clone(), Ok(bytes.clone())));
    }
    if !options.paths.is_empty() || options.stdin.is_none() {
        let paths = if options.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            options.paths.clone()
        };
        let found = discover::discover(&paths);
        report.notes.extend(found.notes);
        for (path, message) in found.errors {
            report.errors.push(RunError {
                path: discover::display_path(&path),
                message,
            });
        }
        for candidate in found.files {
            let display = discover::display_path(&candidate.path);
            let bytes = match options.buffers.get(&candidate.path) {
                Some(text) => Ok(text.clone().into_bytes()),
                None => read_capped(&candidate.path, options.max_file_size),
            };
            inputs.push((Some(candidate.path), display, bytes));
        }
    }
    for (path, text) in &options.buffers {
        if !inputs.iter().any(|(p, _, _)| p.as_ref() == Some(path)) {
            let display = discover::display_path(path);
            inputs.push((Some(path.clone()), display, Ok(text.clone().into_bytes())));
        }
    }
    // Files in path order, so that file ids (and so the output) do not depend on input order.
    inputs.sort_by(|a, b| a.1.cmp(&b.1));
    for (path, display, bytes) in inputs {
        let bytes = match bytes {
            Ok(bytes) => bytes,
            Err(message) => {
                report.errors.push(RunError {
                    path: display,
                    message,
                });
                continue;
            }
        };
        let text: Arc<str> = match String::from_utf8(bytes) {
            Ok(text) => text.into(),
            Err(error) => {
                let offset = error.utf8_error().valid_up_to();
                report.errors.push(RunError {
                    path: display,
                    message: format!(
                        "not UTF-8 text (invalid byte at offset {offset}); is it a binary file?"
                    ),
                });
                continue;
            }
        };
        let id = FileId(u32::try_from(report.files.len()).unwrap_or(u32::MAX));
        let file = SourceFile::new(id, path, display, text);
        check_file(&file, options, &mut project, &mut report);
        report.files.push(file);
    }
    report.summary.files = report.files.len();
    report.summary.workloads = project.workloads.len();
    let mut diagnostics = rules::run(&project);
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
    report.summary.diagnostics = diagnostics.len();
    report.diagnostics = diagnostics;
    report
}

/// One file to check: its path (None for stdin), display name, and bytes or why they are missing.
type Input = (Option<PathBuf>, String, Result<Vec<u8>, String>);

/// Read a file unless it is larger than the cap.
fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > max {
        return Err(format!(
            "file is {size} bytes, larger than the limit of {max} bytes (raise it with --max-file-size)"
        ));
    }
    std::fs::read(path).map_err(|e| e.to_string())
}

/// Parse one file and add its facts to the project.
fn check_file(
    file: &SourceFile,
    options: &CheckOptions,
    project: &mut Project,
    report: &mut Report,
) {
    let parsed = yaml::parse(&file.text, &options.limits);
    report.summary.documents += parsed.documents.len();
    let dir = file
        .display
        .rsplit_once('/')
        .map_or(String::new(), |(dir, _)| dir.to_string());
    project.files.push(ProjectFile {
        path: file.display.clone(),
        dir,
    });
    if !parsed.errors.is_empty() && file.text.contains("{{") {
        report.notes.push(format!(
            "skipped {}: a template with `{{{{ }}}}` actions that is not valid YAML (render it to check it)",
            file.display
        ));
        return;
    }
    for error in parsed.errors {
        project.syntax_errors.push((file.id, error));
    }
    for document in &parsed.documents {
        let workloads = manifest::extract(&parsed.tree, document, file.id, &mut report.notes);
        project.workloads.extend(workloads);
    }
    if parsed.tree.budget_exhausted() {
        report.notes.push(format!(
            "{}: the alias budget ran out; values behind further aliases and merge keys were not read",
            file.display
        ));
    }
}
