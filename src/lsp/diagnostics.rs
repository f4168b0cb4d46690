//! Findings and file errors to LSP diagnostics: code, doc link, severity, range, related locations.

use std::path::{Path, PathBuf};

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range, Uri,
};

use super::documents::Documents;
use super::position::{Encoding, range};
use super::uri;
use crate::diagnostic::{Diagnostic, Severity};
use crate::report::Report;
use crate::span::{FileId, Span};

/// The `source` of every diagnostic the server publishes.
pub const SOURCE: &str = "adminlint";

/// Where spans of one report are, in the client's terms: URIs and ranges.
pub struct Locator<'a> {
    /// The report the spans point into.
    pub report: &'a Report,
    /// Open buffers, whose URIs are reused as the client sent them.
    pub documents: &'a Documents,
    /// The negotiated position encoding.
    pub encoding: Encoding,
}

impl Locator<'_> {
    /// The URI of a file of the report (`None` for stdin).
    pub fn uri(&self, file: FileId) -> Option<Uri> {
        let path = self.report.file(file).path.as_deref()?;
        uri_for(self.documents, path)
    }

    /// The range of a span in its file.
    pub fn range(&self, span: Span) -> Range {
        range(self.report.file(span.file), span, self.encoding)
    }
}

/// The URI to publish for a file: the open buffer's own URI, else one made from the path.
pub fn uri_for(documents: &Documents, path: &Path) -> Option<Uri> {
    match documents.by_path(path) {
        Some(document) => Some(document.uri.clone()),
        None => uri::from_path(path),
    }
}

/// One finding as an LSP diagnostic.
pub fn finding(
    locator: &Locator<'_>,
    docs: &RuleDocs,
    diagnostic: &Diagnostic,
) -> lsp_types::Diagnostic {
    let related = diagnostic
        .related
        .iter()
        .filter_map(|related| {
            Some(DiagnosticRelatedInformation {
                location: Location::new(
                    locator.uri(related.span.file)?,
                    locator.range(related.span),
                ),
                message: related.message.clone(),
            })
        })
        .collect::<Vec<_>>();
    lsp_types::Diagnostic {
        range: locator.range(diagnostic.span),
        severity: Some(severity(diagnostic.severity)),
        code: Some(NumberOrString::String(diagnostic.rule.to_string())),
        code_description: docs
            .href(diagnostic.rule)
            .map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message: diagnostic.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// A problem with a whole file (it could not be read or checked), shown at its start.
pub fn file_error(message: &str, position: Option<(usize, usize)>) -> lsp_types::Diagnostic {
    // Configuration errors carry a 1-based line and column; read errors are about the file.
    let at = position.map_or(Position::new(0, 0), |(line, column)| {
        let to_u32 = |n: usize| u32::try_from(n.saturating_sub(1)).unwrap_or(u32::MAX);
        Position::new(to_u32(line), to_u32(column))
    });
    lsp_types::Diagnostic {
        range: Range::new(at, at),
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some(SOURCE.to_string()),
        message: message.to_string(),
        ..lsp_types::Diagnostic::default()
    }
}

/// A file's error: its path, the message, and the 1-based (line, column) when it has a place.
pub type FileError = (PathBuf, String, Option<(usize, usize)>);

/// What a run reports about *files* (as opposed to a directory it could not walk): read errors
/// (not UTF-8, over the size cap, unreadable) and configuration errors (with their position in
/// `.adminlint.yaml`). They end up on that file in the editor, whether or not it is open.
pub fn file_errors(report: &Report) -> Vec<FileError> {
    report
        .errors
        .iter()
        .map(|error| (absolute(&error.path), error.message.clone(), error.position))
        .filter(|(path, _, _)| path.is_file())
        .collect()
}

/// Errors carry display paths, which are relative to the working directory when inside it.
fn absolute(display: &str) -> PathBuf {
    let path = Path::new(display);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path))
}

/// Links to the rule docs. The docs ship inside the binary; the server writes them once to a
/// per-version cache directory so that `codeDescription.href` opens the text of this very
/// version, offline.
#[derive(Debug, Default)]
pub struct RuleDocs {
    dir: Option<PathBuf>,
}

impl RuleDocs {
    /// Write the docs under `cache` (e.g. `~/.cache`); no links when that fails.
    pub fn write_under(cache: Option<PathBuf>) -> Self {
        let dir = cache.map(|cache| {
            cache
                .join("adminlint")
                .join(env!("CARGO_PKG_VERSION"))
                .join("rules")
        });
        let written = dir.filter(|dir| {
            std::fs::create_dir_all(dir).is_ok()
                && crate::rules::RULES.iter().all(|rule| {
                    let path = dir.join(format!("{}.md", rule.id));
                    std::fs::read_to_string(&path).is_ok_and(|text| text == rule.doc)
                        || std::fs::write(&path, rule.doc).is_ok()
                })
        });
        RuleDocs { dir: written }
    }

    /// The user's cache directory: `$XDG_CACHE_HOME`, else `$HOME/.cache`.
    pub fn default_cache() -> Option<PathBuf> {
        let non_empty = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        non_empty("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| non_empty("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .filter(|dir| dir.is_absolute())
    }

    /// The link to a rule's doc.
    pub fn href(&self, rule: &str) -> Option<Uri> {
        let path = self.dir.as_ref()?.join(format!("{rule}.md"));
        uri::from_path(&path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_docs_are_written_once_and_linked() {
        let cache = tempfile::tempdir().unwrap();
        let docs = RuleDocs::write_under(Some(cache.path().to_path_buf()));
        let href = docs.href("image-mismatch").unwrap();
        let path = uri::to_path(&href).unwrap();
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            crate::rules::find("image-mismatch").unwrap().doc
        );
        assert!(RuleDocs::write_under(None).href("image-mismatch").is_none());
    }

    #[test]
    fn file_errors_keep_files_and_drop_directories() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("blob.yaml");
        std::fs::write(&file, b"\xff").unwrap();
        let report = Report {
            errors: vec![
                crate::report::RunError::new(file.display().to_string(), "not UTF-8".into()),
                crate::report::RunError::new(
                    dir.path().display().to_string(),
                    "cannot walk".into(),
                ),
            ],
            ..Report::default()
        };
        assert_eq!(
            file_errors(&report),
            [(file, "not UTF-8".to_string(), None)]
        );
    }
}
