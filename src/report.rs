//! The outcome of a run: the file table, the findings, and what could not be checked.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;
use crate::span::FileId;

/// Counts shown in summaries and in JSON output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files read.
    pub files: usize,
    /// YAML documents parsed.
    pub documents: usize,
    /// Workloads (Kubernetes objects with a pod template, Compose services) found.
    pub workloads: usize,
    /// Findings reported.
    pub diagnostics: usize,
    /// Findings silenced by a suppression (annotation, comment, `x-adminlint`).
    pub suppressed: usize,
}

/// A path that could not be checked (exit code 2), with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    /// The path as shown to users.
    pub path: String,
    /// What went wrong, e.g. "permission denied (os error 13)".
    pub message: String,
    /// 1-based (line, column) in that file, when the error has a place (configuration errors).
    pub position: Option<(usize, usize)>,
}

impl RunError {
    /// An error about a whole path.
    pub fn new(path: String, message: String) -> Self {
        RunError {
            path,
            message,
            position: None,
        }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Everything a renderer needs.
#[derive(Debug, Default)]
pub struct Report {
    /// Files by [`FileId`] (index = id).
    pub files: Vec<SourceFile>,
    /// Findings, sorted by path, offset, rule.
    pub diagnostics: Vec<Diagnostic>,
    /// Paths that could not be checked.
    pub errors: Vec<RunError>,
    /// One-line notes for verbose output (skipped templates, skipped objects).
    pub notes: Vec<String>,
    /// What the run did not check and a user would expect it to, said even without `-v`
    /// (on stderr): manifests a directory walk skipped, a run that checked no file, named
    /// files checked without their project. A silent gap reads as a clean result.
    pub gaps: Vec<String>,
    /// Counts.
    pub summary: Summary,
    /// `fail-level` from the configuration file, if set.
    pub fail_level: Option<crate::config::FailLevel>,
    /// What `--explain-context` prints: root, scopes, apps, roles, peers.
    pub explanation: Option<String>,
    /// What ties each file to others (`links.rs`), when [`crate::CheckOptions::record_links`]
    /// asks: the incremental engine's dependency graph.
    pub links: Vec<FileLinks>,
}

/// One file's link keys: files sharing a key may change each other's findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileLinks {
    /// The file, absolute.
    pub path: std::path::PathBuf,
    /// Its keys (`dir:…`, `path:…`, `repo:…`, `compose:…`, `chart:…`, `target:…`, …).
    pub keys: Vec<String>,
    /// Names of the workloads written in it (a command may target them by name).
    pub names: Vec<String>,
    /// True for a file the run was given to check; false for one a loader read on its own (a
    /// Compose `.env`, an `extends` file outside the paths), which is tied but not checked.
    pub input: bool,
}

impl Report {
    /// The file a span points into.
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Number of findings at each severity: (errors, warnings, infos).
    pub fn severity_counts(&self) -> (usize, usize, usize) {
        let count = |s| self.diagnostics.iter().filter(|d| d.severity == s).count();
        (
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
        )
    }
}
