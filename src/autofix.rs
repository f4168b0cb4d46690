//! `check --fix` and `--diff`: apply the findings' fixes, check again with the new texts standing
//! in for the files, and repeat until nothing changes; then write (or show) what changed.
//!
//! Checking again after each round is what makes fixes converge: a fix may make another finding
//! (a Job moved to the app's tag now lacks the app's Secret) or settle several at once (one
//! kustomize `newTag` entry fixes a Job in every overlay that reads it). Edits are never written
//! until the loop is done, so a run that stops early writes nothing half-done.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::fix::{self, Allowed};
use crate::report::Report;
use crate::span::FileId;
use crate::{CheckOptions, check, discover, output, read};

/// Rounds of fixing at most: a fix that keeps making work for another stops here.
pub const MAX_ROUNDS: usize = 10;

/// One file the fixes change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Where it is on disk (None: stdin).
    pub path: Option<PathBuf>,
    /// As output shows it.
    pub display: String,
    /// Its text when the run read it.
    pub before: String,
    /// Its text with every fix applied.
    pub after: String,
}

/// What fixing produced.
#[derive(Debug)]
pub struct Fixed {
    /// The project checked with every fix applied: the findings that remain.
    pub report: Report,
    /// How many fixes were applied, over all rounds.
    pub applied: usize,
    /// The files changed, in path order.
    pub changes: Vec<Change>,
    /// True when the last round still had fixes to apply ([`MAX_ROUNDS`] reached).
    pub unsettled: bool,
}

/// A file that was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotWritten {
    /// As output shows it.
    pub display: String,
    /// Why.
    pub reason: String,
}

/// Apply the fixes `allowed` admits, round after round, without writing anything. Named paths
/// are made absolute so that the new texts can stand in for their files (editor buffers).
pub fn run(options: &CheckOptions, allowed: Allowed) -> Fixed {
    let mut options = options.clone();
    options.paths = options
        .paths
        .iter()
        .map(|path| discover::absolute(path).unwrap_or_else(|_| path.clone()))
        .collect();
    // Key: the path (None for stdin). Value: (display, text when read, text now).
    let mut texts: BTreeMap<Option<PathBuf>, (String, String, String)> = BTreeMap::new();
    let mut applied_total = 0;
    let mut unsettled = true;
    let mut report = check(&options);
    for _ in 0..MAX_ROUNDS {
        let fixes: Vec<&crate::diagnostic::Fix> = report
            .diagnostics
            .iter()
            .filter_map(|diagnostic| diagnostic.fix.as_ref())
            .collect();
        // The text each fix edits: this run's text where a round changed it, else the file
        // table's, else the disk's (the file table drops the text of files no stage needs,
        // such as a kustomization a fix is aimed into).
        let mut read_now: BTreeMap<FileId, String> = BTreeMap::new();
        for fix in &fixes {
            for edit in &fix.edits {
                let file = report.file(edit.span.file);
                if read_now.contains_key(&file.id) {
                    continue;
                }
                let key = file.path.clone();
                if let Some((_, _, now)) = texts.get(&key) {
                    read_now.insert(file.id, now.clone());
                } else if !file.text.is_empty() || file.path.is_none() {
                    read_now.insert(file.id, file.text.to_string());
                } else if let Some(path) = &file.path
                    && let Ok(text) = read::read_text(path, options.max_file_size)
                {
                    read_now.insert(file.id, text);
                }
            }
        }
        let applied = fix::apply(&fixes, allowed, |id| read_now.get(&id).map(String::as_str));
        if applied.files.is_empty() {
            unsettled = false;
            break;
        }
        applied_total += applied.applied.len();
        for (id, new_text) in applied.files {
            let file = report.file(id);
            let entry = texts.entry(file.path.clone()).or_insert_with(|| {
                let before = read_now.get(&id).cloned().unwrap_or_default();
                (file.display.clone(), before, String::new())
            });
            entry.2 = new_text.clone();
            match &file.path {
                Some(path) => {
                    options.buffers.insert(path.clone(), new_text);
                }
                None => {
                    if let Some((_, bytes)) = &mut options.stdin {
                        *bytes = new_text.into_bytes();
                    }
                }
            }
        }
        report = check(&options);
    }
    let changes = texts
        .into_iter()
        .filter(|(_, (_, before, after))| before != after)
        .map(|(path, (display, before, after))| Change {
            path,
            display,
            before,
            after,
        })
        .collect();
    Fixed {
        report,
        applied: applied_total,
        changes,
        unsettled,
    }
}

/// Write each changed file, atomically (a temporary file beside it, then a rename), keeping its
/// permissions; a file whose bytes on disk are no longer those the run read (edited meanwhile)
/// is left alone and named.
pub fn write(changes: &[Change], max_file_size: u64) -> Vec<NotWritten> {
    let mut not_written = Vec::new();
    for change in changes {
        let Some(path) = &change.path else { continue };
        let reason = match read::read_text(path, max_file_size) {
            Ok(now) if now != change.before => {
                Some("it changed on disk while adminlint ran; run again".to_string())
            }
            Ok(_) => output::write_atomically(path, change.after.as_bytes())
                .err()
                .map(|error| error.to_string()),
            Err(error) => Some(error.to_string()),
        };
        if let Some(reason) = reason {
            not_written.push(NotWritten {
                display: change.display.clone(),
                reason,
            });
        }
    }
    not_written
}

/// A unified diff of one change (`--- a/path`, `+++ b/path`, three lines of context).
pub fn unified_diff(change: &Change) -> String {
    similar::TextDiff::from_lines(&change.before, &change.after)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{}", change.display),
            &format!("b/{}", change.display),
        )
        .to_string()
}
