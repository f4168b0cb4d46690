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
}

/// A path that could not be checked (exit code 2), with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    /// The path as shown to users.
    pub path: String,
    /// What went wrong, e.g. "permission denied (os error 13)".
    pub message: String,
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
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
    /// Counts.
    pub summary: Summary,
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
