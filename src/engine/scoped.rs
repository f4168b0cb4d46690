//! The warm CLI run on named files (pre-commit): a run with the project as context leaves the
//! project's link index in the cache directory (`links.bin`: each file's stamp and link keys,
//! each directory's modification time). The next run on named files checks the index against
//! the disk by metadata alone (no file read, no directory listed), then reads and checks only
//! the named files' group: the named files, the files tied to them, and any file changed since
//! the index was written (its new links may tie it to the group). A group that grows when its
//! new links are known runs again until closed. Anything the index cannot vouch for (a
//! directory whose entries changed, a new named file, another configuration or version) means
//! a whole run, which writes a new index.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::MAX_RUNS;
use super::graph::{FileState, Graph};
use crate::config::LoadedConfig;
use crate::report::{FileLinks, Report};
use crate::{CheckOptions, cache, check, check_with_config, discover, load_config};

/// The index's file name in the cache directory.
const INDEX_FILE: &str = "links.bin";

/// A file's size and modification time (nanoseconds): what says it is unchanged.
type Stamp = (u64, u128);

/// The project's link index as a whole run left it.
#[derive(Debug, Serialize, Deserialize)]
struct LinkIndex {
    /// The configuration and settings it was made under.
    settings: u64,
    /// Every directory that holds an indexed file, up to the root, with its modification time:
    /// a file created, deleted or renamed changes its directory's.
    dirs: Vec<(PathBuf, u128)>,
    /// Every file of the run, with its stamp and links.
    files: Vec<(PathBuf, Stamp, FileState)>,
}

/// Check the named files: from the project's link index when it vouches for the disk, else
/// with the whole project (and write the index). Runs that are not named files with project
/// context and a cache (directories, stdin, buffers, `--explain-context`) are plain checks.
pub fn check_named_files(options: &CheckOptions) -> Report {
    let eligible = options.project_context
        && options.cache
        && options.stdin.is_none()
        && options.buffers.is_empty()
        && !options.explain
        && !options.paths.is_empty()
        && options.paths.iter().all(|p| p.is_file());
    if !eligible {
        return check(options);
    }
    crate::timings::start();
    let Ok(config) = load_config(options) else {
        return check(options);
    };
    let Some(root) = config.project_root.clone() else {
        return check(options);
    };
    let dir = root.join(cache::CACHE_DIR);
    let settings = settings(options, &config);
    let named: BTreeSet<PathBuf> = options.paths.iter().map(|p| absolute(p)).collect();
    let index = cache::read_checked(&dir, INDEX_FILE)
        .and_then(|body| postcard::from_bytes::<LinkIndex>(&body).ok())
        .filter(|index| index.settings == settings);
    crate::timings::lap("scoped: index");
    if let Some(index) = index
        && let Some(report) = scoped(options, &config, index, &named, &dir)
    {
        return report;
    }
    let whole = CheckOptions {
        record_links: true,
        ..options.clone()
    };
    let mut report = check_with_config(&whole, config);
    let links = std::mem::take(&mut report.links);
    let index = LinkIndex {
        settings,
        dirs: dirs_of(&links, &root),
        files: links
            .into_iter()
            .filter_map(|l| Some((l.path.clone(), stamp(&l.path)?, FileState::new(l, 0))))
            .collect(),
    };
    save(&dir, &index, &mut report);
    report
}

/// The run on the named files' group, or None when the index cannot vouch for the disk.
fn scoped(
    options: &CheckOptions,
    config: &LoadedConfig,
    mut index: LinkIndex,
    named: &BTreeSet<PathBuf>,
    dir: &Path,
) -> Option<Report> {
    use rayon::prelude::*;
    // Metadata only, in parallel: one `stat` per directory and per file.
    let dirs_unchanged = index
        .dirs
        .par_iter()
        .all(|(path, modified)| modified_of(path) == Some(*modified));
    if !dirs_unchanged {
        return None;
    }
    let now: Vec<Option<Stamp>> = index
        .files
        .par_iter()
        .map(|(path, _, _)| stamp(path))
        .collect();
    let mut graph = Graph::with_capacity(index.files.len());
    let mut changed = BTreeSet::new();
    let mut stamps: HashMap<PathBuf, Stamp> = HashMap::with_capacity(index.files.len());
    for ((path, recorded, state), now) in std::mem::take(&mut index.files).into_iter().zip(now) {
        let now = now?;
        if now != recorded {
            changed.insert(path.clone());
        }
        stamps.insert(path.clone(), now);
        graph.set(path, state);
    }
    if named.iter().any(|path| graph.get(path).is_none()) {
        return None;
    }
    crate::timings::lap("scoped: stamps");
    let start: BTreeSet<PathBuf> = named.union(&changed).cloned().collect();
    let mut group = graph.group_of(&start);
    for _ in 0..MAX_RUNS {
        let context: Vec<PathBuf> = group
            .iter()
            .filter(|path| !named.contains(*path) && graph.get(path).is_some_and(|f| f.input))
            .cloned()
            .collect();
        // The group is small: parsing it costs less than decoding the whole fact cache.
        let run = CheckOptions {
            context: Some(context),
            record_links: true,
            cache: false,
            ..options.clone()
        };
        let mut report = check_with_config(&run, config.clone());
        let links = std::mem::take(&mut report.links);
        // Named files are given, not walked, in this run: whether the project walk takes
        // them stays what the index knows (a chart's NOTES.txt named is read by its chart).
        let walked: Vec<(PathBuf, bool)> = named
            .iter()
            .filter_map(|path| Some((path.clone(), graph.get(path)?.input)))
            .collect();
        graph.take_links(&links, |_| 0);
        for (path, input) in walked {
            graph.set_input(&path, input);
        }
        let grown = graph.group_of(&start);
        crate::timings::lap("scoped: group run");
        if grown.is_subset(&group) {
            if !changed.is_empty() || links.iter().any(|l| !stamps.contains_key(&l.path)) {
                for link in &links {
                    if let Some(now) = stamp(&link.path) {
                        stamps.insert(link.path.clone(), now);
                    }
                }
                let mut files: Vec<(&PathBuf, &FileState)> = graph.files().iter().collect();
                files.sort_unstable_by(|a, b| a.0.cmp(b.0));
                index.files = files
                    .into_iter()
                    .filter_map(|(path, state)| {
                        Some((path.clone(), *stamps.get(path)?, state.clone()))
                    })
                    .collect();
                save(dir, &index, &mut report);
            }
            return Some(report);
        }
        group.extend(grown);
    }
    None
}

/// What the index depends on besides the files: the configuration as loaded, the limits and
/// this version (the cache file's format line).
fn settings(options: &CheckOptions, config: &LoadedConfig) -> u64 {
    cache::settings_fingerprint(&[
        &config.config,
        &config.root,
        &options.limits,
        &options.max_file_size,
        &options.references_from_disk,
    ])
}

/// Every directory holding a file of the run, and their parents up to the root.
fn dirs_of(links: &[FileLinks], root: &Path) -> Vec<(PathBuf, u128)> {
    let root = absolute(root);
    let mut dirs = BTreeSet::new();
    for link in links {
        let mut dir = link.path.parent();
        while let Some(current) = dir {
            if !current.starts_with(&root) || !dirs.insert(current.to_path_buf()) {
                break;
            }
            dir = current.parent();
        }
    }
    dirs.into_iter()
        .filter_map(|dir| Some((dir.clone(), modified_of(&dir)?)))
        .collect()
}

fn save(dir: &Path, index: &LinkIndex, report: &mut Report) {
    let written = postcard::to_allocvec(index)
        .map_err(std::io::Error::other)
        .and_then(|body| cache::write_checked(dir, INDEX_FILE, &body));
    if let Err(error) = written {
        report
            .notes
            .push(format!("could not write the link index: {error}"));
    }
}

fn stamp(path: &Path) -> Option<Stamp> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.len(), nanos(&metadata)?))
}

fn modified_of(path: &Path) -> Option<u128> {
    nanos(&std::fs::metadata(path).ok()?)
}

fn nanos(metadata: &std::fs::Metadata) -> Option<u128> {
    let modified = metadata.modified().ok()?;
    Some(
        modified
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos(),
    )
}

fn absolute(path: &Path) -> PathBuf {
    discover::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
