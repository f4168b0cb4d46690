//! The plan of a run: which files are read, from the disk or from memory (stdin, editor
//! buffers), and whether findings in each are reported (a named file) or it is only context
//! (the project around named files, read for peers).

use std::path::{Path, PathBuf};

use crate::CheckOptions;
use crate::config::{self, LoadedConfig};
use crate::discover;
use crate::read;
use crate::report::{Report, RunError};

/// One file to read: where from, how it is shown, and whether findings in it are reported.
pub(crate) struct Input {
    /// Where it is (None for stdin without `--stdin-filename`).
    pub path: Option<PathBuf>,
    /// The path as output shows it.
    pub display: String,
    /// Where its bytes come from.
    pub content: Content,
    /// Whether findings in it are reported (false: context only).
    pub reported: bool,
}

/// Where an input's bytes come from: read in the parallel stage, not while planning.
pub(crate) enum Content {
    /// Given in memory (stdin, an editor buffer).
    Memory(Vec<u8>),
    /// Read from `Input::path` (capped at `--max-file-size`).
    Disk,
}

impl Input {
    /// The bytes, and the file's metadata when they come from the disk.
    pub fn bytes(
        self,
        max_file_size: u64,
    ) -> Result<(Vec<u8>, Option<std::fs::Metadata>), read::ReadError> {
        match (self.content, &self.path) {
            (Content::Memory(bytes), _) => {
                read::within_size(bytes, max_file_size).map(|b| (b, None))
            }
            (Content::Disk, Some(path)) => {
                read::read_capped(path, max_file_size).map(|(b, m)| (b, Some(m)))
            }
            (Content::Disk, None) => Ok((Vec::new(), None)),
        }
    }
}

/// Decide which files to read: the named paths, and (with project context) the rest of the
/// project around named files, read for peers but not reported on.
pub(crate) fn plan(
    options: &CheckOptions,
    config: &LoadedConfig,
    report: &mut Report,
) -> Vec<Input> {
    let mut inputs: Vec<Input> = Vec::new();
    if let Some((name, bytes)) = &options.stdin {
        inputs.push(Input {
            path: options
                .stdin_path
                .as_ref()
                .and_then(|p| discover::absolute(p).ok()),
            display: name.clone(),
            content: Content::Memory(bytes.clone()),
            reported: true,
        });
    }
    let mut paths = options.paths.clone();
    // With no paths, stdin and editor buffers are checked alone; with none of the three, `.`.
    if paths.is_empty() && options.stdin.is_none() && options.buffers.is_empty() {
        paths.push(PathBuf::from("."));
    }
    // Index of each input by absolute path, so that a file named twice (or named and found
    // again as context) is read once.
    let mut seen: std::collections::HashMap<PathBuf, usize> = std::collections::HashMap::new();
    let mut add = |path: PathBuf, reported: bool, inputs: &mut Vec<Input>| {
        let absolute = discover::absolute(&path).unwrap_or_else(|_| path.clone());
        if let Some(&existing) = seen.get(&absolute) {
            inputs[existing].reported |= reported;
            return;
        }
        seen.insert(absolute.clone(), inputs.len());
        let display = discover::display_path(&path);
        let content = match options
            .buffers
            .get(&path)
            .or_else(|| options.buffers.get(&absolute))
        {
            Some(text) => Content::Memory(text.clone().into_bytes()),
            None => Content::Disk,
        };
        inputs.push(Input {
            path: Some(path),
            display,
            content,
            reported,
        });
    };
    let found = discover::discover(&paths);
    report.notes.extend(found.notes);
    for (path, message) in found.errors {
        report
            .errors
            .push(RunError::new(discover::display_path(&path), message));
    }
    let mut named_files = Vec::new();
    for candidate in found.files {
        if config.excludes(&candidate.path, candidate.explicit) {
            report.notes.push(format!(
                "excluded {} (.adminlint.yaml `exclude`/`include`)",
                candidate.path.display()
            ));
            continue;
        }
        if candidate.explicit {
            named_files.push(candidate.path.clone());
        }
        add(candidate.path, true, &mut inputs);
    }
    for (path, text) in &options.buffers {
        if !inputs.iter().any(|i| i.path.as_ref() == Some(path)) {
            inputs.push(Input {
                path: Some(path.clone()),
                display: discover::display_path(path),
                content: Content::Memory(text.clone().into_bytes()),
                reported: true,
            });
        }
    }
    // Context: the project around named files (and around stdin's stand-in path).
    if options.project_context {
        let anchors: Vec<PathBuf> = named_files
            .iter()
            .cloned()
            .chain(options.stdin_path.iter().cloned())
            .collect();
        let mut roots: Vec<PathBuf> = Vec::new();
        for anchor in &anchors {
            let root = match &config.path {
                Some(_) => Some(config.root.clone()),
                None => config::find_root(anchor).map(|(root, _)| root),
            };
            if let Some(root) = root.filter(|r| !roots.contains(r)) {
                roots.push(root);
            }
        }
        for root in roots {
            let context = discover::discover(std::slice::from_ref(&root));
            for candidate in context.files {
                let stands_for_stdin = options
                    .stdin_path
                    .as_ref()
                    .and_then(|p| discover::absolute(p).ok())
                    .is_some_and(|p| discover::absolute(&candidate.path).ok() == Some(p));
                if stands_for_stdin || config.excludes(&candidate.path, false) {
                    continue;
                }
                let path = relative_to_cwd(&candidate.path);
                add(path, false, &mut inputs);
            }
        }
    }
    // Files in path order, so that file ids (and so the output) do not depend on input order.
    inputs.sort_by(|a, b| a.display.cmp(&b.display));
    inputs
}

/// `root`-based paths from a context walk, shown relative to the working directory.
fn relative_to_cwd(path: &Path) -> PathBuf {
    discover::working_dir()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}
