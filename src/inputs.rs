//! The plan of a run: which files are read, from the disk or from memory (stdin, editor
//! buffers), and whether findings in each are reported (a named file) or it is only context
//! (the project around named files, read for peers).

use std::path::{Path, PathBuf};

use crate::CheckOptions;
use crate::config::{self, LoadedConfig};
use crate::discover;
use crate::fast_hash::{FastMap, path_key};
use crate::read;
use crate::report::{Report, RunError};

/// One file to read: where from, how it is shown, and whether findings in it are reported.
pub(crate) struct Input {
    /// Where it is (None for stdin without `--stdin-filename`).
    pub path: Option<PathBuf>,
    /// `path` made absolute, when planning computed it already (extraction needs it too).
    pub absolute: Option<PathBuf>,
    /// The path as output shows it.
    pub display: String,
    /// Where its bytes come from.
    pub content: Content,
    /// Whether findings in it are reported (false: context only).
    pub reported: bool,
    /// False for a file only named on the command line: no walk took it (a chart's NOTES.txt
    /// named is read by its chart's rendering, not as a file of its own). The link index
    /// keeps it, so that a later run gives as context only what a walk would.
    pub walked: bool,
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
            absolute: None,
            path: options
                .stdin_path
                .as_ref()
                .and_then(|p| discover::absolute(p).ok()),
            display: name.clone(),
            content: Content::Memory(bytes.clone()),
            reported: true,
            walked: true,
        });
    }
    let mut paths = options.paths.clone();
    // With no paths, stdin and editor buffers are checked alone; with none of the three, `.`.
    if paths.is_empty() && options.stdin.is_none() && options.buffers.is_empty() {
        paths.push(PathBuf::from("."));
    }
    // Index of each input by absolute path, so that a file named twice (or named and found
    // again as context) is read once.
    // Keyed by the absolute path's bytes (`discover::absolute` leaves no `.` component and no
    // repeated separator), so that a lookup does not walk the path's components to hash it.
    let mut seen: FastMap<Vec<u8>, usize> = FastMap::default();
    let mut add = |path: PathBuf, reported: bool, walked: bool, inputs: &mut Vec<Input>| {
        let made_absolute = discover::absolute(&path).ok();
        // Without an absolute path (no working directory), the path's own components: equal
        // exactly when the paths are.
        let absolute = made_absolute
            .clone()
            .unwrap_or_else(|| path.components().collect());
        let key = path_key(&absolute);
        if let Some(&existing) = seen.get(key.as_ref()) {
            inputs[existing].reported |= reported;
            inputs[existing].walked |= walked;
            return;
        }
        seen.insert(key.into_owned(), inputs.len());
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
            absolute: made_absolute,
            display,
            content,
            reported,
            walked,
        });
    };
    // Scripts, workflows, Makefiles and Procfiles are read for their commands (`script-files`).
    let extra = |path: &Path| {
        config.is_extra_file(path)
            || config.reads_commands(path).unwrap_or_else(|| {
                crate::manifest::script::is_script_name(path)
                    || crate::manifest::script::is_shebang_script(path)
            })
    };
    // Hidden directories are looked into only where a directory is named: to say what the walk
    // skipped there. The walk of the project around named files (pre-commit) stays as fast as
    // before unless `extra-files` asks for more.
    let found = discover::discover_with(
        &paths,
        &discover::Walk {
            extra: &extra,
            hidden: true,
            keep_skipped: true,
            shallow: false,
        },
    );
    report.notes.extend(found.notes);
    if let Some(gap) = skipped_manifests(found.skipped, config) {
        report.gaps.push(gap);
    }
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
        add(candidate.path, true, !candidate.explicit, &mut inputs);
    }
    for (path, text) in &options.buffers {
        if !inputs.iter().any(|i| i.path.as_ref() == Some(path)) {
            inputs.push(Input {
                path: Some(path.clone()),
                absolute: None,
                display: discover::display_path(path),
                content: Content::Memory(text.clone().into_bytes()),
                reported: true,
                walked: true,
            });
        }
    }
    // Context known already (the scoped warm run): exactly these files, no walk.
    if let (true, Some(context)) = (options.project_context, &options.context) {
        for path in context {
            if !config.excludes(path, false) {
                add(relative_to_cwd(path), false, true, &mut inputs);
            }
        }
    }
    // Context: the project around named files (and around stdin's stand-in path).
    if options.project_context && options.context.is_none() {
        let anchors: Vec<PathBuf> = named_files
            .iter()
            .cloned()
            .chain(options.stdin_path.iter().cloned())
            .collect();
        let mut roots: Vec<PathBuf> = Vec::new();
        let mut without_root: Vec<&PathBuf> = Vec::new();
        for anchor in &anchors {
            let root = match &config.path {
                Some(_) => Some(config.root.clone()),
                None => config::find_root(anchor).map(|(root, _)| root),
            };
            match root {
                Some(root) if !roots.contains(&root) => roots.push(root),
                Some(_) => {}
                None => without_root.push(anchor),
            }
        }
        if let Some(gap) = no_project_root(&without_root) {
            report.gaps.push(gap);
        }
        let context_walk = discover::Walk {
            extra: &extra,
            hidden: config.has_extra_files(),
            keep_skipped: false,
            shallow: false,
        };
        // A named file with no project root still has neighbours: its own directory (not the
        // directories below it: without a root nothing says where the project ends) is read as
        // context, so the Deployment beside a Job is its peer.
        let mut neighbours: Vec<PathBuf> = Vec::new();
        for file in &without_root {
            let dir = match file.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
                _ => PathBuf::from("."),
            };
            if !neighbours.contains(&dir) {
                neighbours.push(dir);
            }
        }
        let neighbour_walk = discover::Walk {
            shallow: true,
            ..context_walk
        };
        let walks = roots
            .into_iter()
            .map(|root| (root, &context_walk))
            .chain(neighbours.into_iter().map(|dir| (dir, &neighbour_walk)));
        for (root, walk) in walks {
            let context = discover::discover_with(std::slice::from_ref(&root), walk);
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
                add(path, false, true, &mut inputs);
            }
        }
    }
    // Files in path order, so that file ids (and so the output) do not depend on input order.
    inputs.sort_by(|a, b| a.display.cmp(&b.display));
    inputs
}

/// Names shown in a gap before the rest is counted.
const NAMES_SHOWN: usize = 3;

/// Skipped files looked into at most: a hidden directory nobody ignores (a virtualenv) may hold
/// thousands; the rest are not looked at, and not counted.
const SNIFFED_AT_MOST: usize = 1000;

/// The gap a walk left: the skipped files that look like Kubernetes or Compose manifests
/// (a bounded read of each; files the configuration excludes, and Helm chart templates, are
/// not counted), named up to [`NAMES_SHOWN`] with why each was skipped, with how to add them.
fn skipped_manifests(skipped: Vec<discover::Candidate>, config: &LoadedConfig) -> Option<String> {
    let manifests: Vec<PathBuf> = skipped
        .into_iter()
        .filter(|candidate| !config.excludes(&candidate.path, false))
        .take(SNIFFED_AT_MOST)
        .filter(|candidate| {
            read::read_prefix(&candidate.path, crate::manifest::sniff::SNIFF_BYTES).is_ok_and(
                |bytes| {
                    crate::manifest::sniff::looks_like_manifest(&String::from_utf8_lossy(&bytes))
                },
            )
        })
        .filter(|candidate| !discover::is_helm_template(&candidate.path))
        .map(|candidate| candidate.path)
        .collect();
    if manifests.is_empty() {
        return None;
    }
    let (shown, rest) = manifests.split_at(manifests.len().min(NAMES_SHOWN));
    let why = |path: &Path| {
        if discover::is_yaml_name(path) {
            "hidden"
        } else {
            "not named *.yaml or *.yml"
        }
    };
    let mut names: Vec<String> = shown
        .iter()
        .map(|path| format!("{} ({})", discover::display_path(path), why(path)))
        .collect();
    if !rest.is_empty() {
        names.push(format!("and {} more", rest.len()));
    }
    let count = manifests.len();
    let files = if count == 1 { "file" } else { "files" };
    Some(format!(
        "skipped {count} {files} that look like Kubernetes or Compose manifests: {}; name them \
         on the command line, or add them to `extra-files:` in .adminlint.yaml",
        join_names(&names)
    ))
}

/// `a, b and 2 more`, `a, b, c`.
fn join_names(names: &[String]) -> String {
    match names.split_last() {
        Some((last, rest)) if last.starts_with("and ") => format!("{} {last}", rest.join(", ")),
        _ => names.join(", "),
    }
}

/// The gap when named files have no project root: nothing around them was read, so their
/// release peers are only among the files given.
fn no_project_root(files: &[&PathBuf]) -> Option<String> {
    let (first, rest) = files.split_first()?;
    let more = match rest.len() {
        0 => String::new(),
        1 => " (and 1 more named file)".to_string(),
        n => format!(" (and {n} more named files)"),
    };
    Some(format!(
        "no project root above {}{more} (no .adminlint.yaml or .git): checked with the files in \
         its own directory as context, not the directories below or above; add .adminlint.yaml \
         at the top of the project to compare with the rest of it",
        discover::display_path(first)
    ))
}

/// `root`-based paths from a context walk, shown relative to the working directory.
fn relative_to_cwd(path: &Path) -> PathBuf {
    discover::working_dir()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}
