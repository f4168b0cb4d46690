//! adminlint: finds one-off admin processes that do not run the app's release.
//!
//! The pipeline: discover -> source -> yaml -> recognize -> extract -> model -> rules -> render.
//! [`check`] runs it from paths (or a buffer) to a [`report::Report`].

pub mod diagnostic;
pub mod discover;
pub mod manifest;
pub mod model;
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

/// Read standard input, but at most `max + 1` bytes: enough for [`check`] to report input over
/// `max` (`--max-file-size`) without holding all of it.
pub fn read_stdin_capped(max: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
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
        inputs.extend(read_inputs(found.files, options));
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
        let bytes = match bytes.and_then(|b| within_size(b, options.max_file_size)) {
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

/// Read the discovered files (editor buffers win over the disk). A file that cannot be read
/// (gone since discovery, permission denied, too large) becomes an error for that path alone.
fn read_inputs(files: Vec<discover::Candidate>, options: &CheckOptions) -> Vec<Input> {
    files
        .into_iter()
        .map(|candidate| {
            let display = discover::display_path(&candidate.path);
            let bytes = match options.buffers.get(&candidate.path) {
                Some(text) => Ok(text.clone().into_bytes()),
                None => read_capped(&candidate.path, options.max_file_size),
            };
            (Some(candidate.path), display, bytes)
        })
        .collect()
}

fn too_large(size: u64, max: u64) -> String {
    format!(
        "file is {size} bytes, larger than the limit of {max} bytes (--max-file-size); it was \
         not checked (raise the limit with --max-file-size BYTES)"
    )
}

/// Stdin and buffers are held to the same cap as files. (Stdin is read up to one byte past the
/// cap, so its real size is unknown here.)
fn within_size(bytes: Vec<u8>, max: u64) -> Result<Vec<u8>, String> {
    if bytes.len() as u64 > max {
        return Err(format!(
            "input is larger than the limit of {max} bytes (--max-file-size); it was not \
             checked (raise the limit with --max-file-size BYTES)"
        ));
    }
    Ok(bytes)
}

/// Read a regular file unless it is larger than the cap. Anything else (a FIFO, a socket, a
/// device) is refused without opening it: opening a FIFO would block the run.
fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let metadata = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !metadata.is_file() {
        return Err(discover::not_regular(&metadata.file_type()));
    }
    if metadata.len() > max {
        return Err(too_large(metadata.len(), max));
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    // The file may grow after the size check: never read more than the cap (plus one byte, to
    // tell that it is over).
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// Parse one file and add its facts to the project.
///
/// Documents are parsed and extracted one at a time, so a large multi-document file never holds
/// more than one document's tree. A file with `{{` may be a template: it is parsed whole first,
/// since it is skipped (not reported) when it does not parse.
fn check_file(
    file: &SourceFile,
    options: &CheckOptions,
    project: &mut Project,
    report: &mut Report,
) {
    let dir = file
        .display
        .rsplit_once('/')
        .map_or(String::new(), |(dir, _)| dir.to_string());
    project.files.push(ProjectFile {
        path: file.display.clone(),
        dir,
    });
    let mut workloads = Vec::new();
    let mut notes = Vec::new();
    let parsed = if file.text.contains("{{") {
        let parsed = yaml::parse(&file.text, &options.limits);
        if !parsed.errors.is_empty() {
            report.summary.documents += parsed.documents.len();
            report.notes.push(format!(
                "skipped {}: a template with `{{{{ }}}}` actions that is not valid YAML (render it to check it)",
                file.display
            ));
            return;
        }
        for document in &parsed.documents {
            workloads.extend(manifest::extract(
                &parsed.tree,
                document,
                file.id,
                &mut notes,
            ));
        }
        parsed
    } else {
        yaml::parse_each(&file.text, &options.limits, &mut |tree, document| {
            workloads.extend(manifest::extract(tree, document, file.id, &mut notes));
        })
    };
    report.summary.documents += parsed.documents.len();
    for error in parsed.errors {
        project.syntax_errors.push((file.id, error));
    }
    for too_deep in &parsed.too_deep {
        let at = file.position(too_deep.offset);
        report.errors.push(RunError {
            path: file.display.clone(),
            message: format!(
                "{}:{}: document {} nests deeper than the limit of {} (--max-depth); that \
                 document was not checked (raise the limit with --max-depth N)",
                at.line,
                at.column,
                too_deep.document + 1,
                options.limits.max_depth
            ),
        });
    }
    if parsed.tree.budget_exhausted() {
        // Facts read with the budget spent would be missing values behind aliases: findings
        // made from them could be wrong, so the whole file is left out, and said so.
        report.errors.push(RunError {
            path: file.display.clone(),
            message: format!(
                "its aliases and merge keys expand to more than the alias budget of {} nodes \
                 (--alias-budget); the file was not checked (raise the limit with \
                 --alias-budget N if the file is meant to be this large)",
                options.limits.alias_budget
            ),
        });
        return;
    }
    report.notes.append(&mut notes);
    project.workloads.extend(workloads);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_vanishes_after_discovery_is_an_error_for_that_path_alone() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.yaml", "b.yaml", "c.yaml"] {
            std::fs::write(dir.path().join(name), "a: 1\n").unwrap();
        }
        let found = discover::discover(&[dir.path().to_path_buf()]);
        assert_eq!(found.files.len(), 3);
        // Gone between the walk and the read, as when a branch is switched mid-run.
        std::fs::remove_file(dir.path().join("b.yaml")).unwrap();
        let inputs = read_inputs(found.files, &CheckOptions::default());
        let outcome: Vec<(bool, bool)> = inputs
            .iter()
            .map(|(_, display, bytes)| (display.ends_with("b.yaml"), bytes.is_ok()))
            .collect();
        assert_eq!(outcome, [(false, true), (true, false), (false, true)]);
        let error = inputs[1].2.as_ref().unwrap_err();
        assert!(error.contains("No such file"), "{error}");
    }

    #[test]
    fn a_file_larger_than_the_cap_is_not_read_past_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yaml");
        std::fs::write(&path, "a: 1\n".repeat(100)).unwrap();
        let error = read_capped(&path, 10).unwrap_err();
        assert!(error.contains("--max-file-size"), "{error}");
        assert_eq!(read_capped(&path, 1000).unwrap().len(), 500);
    }
}
