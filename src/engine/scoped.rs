//! The warm CLI run on named files (pre-commit): a run with the project as context leaves the
//! project's link index in the cache directory (`links.bin`: each file's stamp and link keys,
//! each directory's modification time). The next run on named files checks the index against
//! the disk by metadata alone (no file read, no directory listed), then reads and checks only
//! the named files' group: the named files, the files tied to them, and any file changed since
//! the index was written (its new links may tie it to the group). A group that grows when its
//! new links are known runs again until closed. Anything the index cannot vouch for (a
//! directory whose entries changed, a new named file, another configuration or version) means
//! a whole run, which writes a new index.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::MAX_RUNS;
use super::index::{LinkIndex, Stamp};
use crate::config::LoadedConfig;
use crate::report::{FileLinks, Report};
use crate::{CheckOptions, cache, check, check_with_config, discover, load_config};

/// The index's file name in the cache directory.
const INDEX_FILE: &str = "links.bin";

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
    crate::timings::lap("scoped: config");
    let body = cache::read_checked(&dir, INDEX_FILE);
    crate::timings::lap("scoped: read");
    let index = body
        .as_ref()
        .and_then(|checked| LinkIndex::decode(checked.body()))
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
    let dirs = dirs_of(&links, &root);
    match LinkIndex::new(settings, dirs, links, stamp) {
        Ok(index) => save(&dir, &index, &mut report),
        Err(error) => note_unwritten(&mut report, &error),
    }
    report
}

/// The run on the named files' group, or None when the index cannot vouch for the disk.
fn scoped(
    options: &CheckOptions,
    config: &LoadedConfig,
    mut index: LinkIndex<'_>,
    named: &BTreeSet<PathBuf>,
    dir: &Path,
) -> Option<Report> {
    use rayon::prelude::*;
    // Metadata only, in parallel: one `stat` per directory and per file.
    let dirs_unchanged = index
        .dirs
        .par_iter()
        .all(|(path, modified)| modified_of(Path::new(&**path)) == Some(*modified));
    if !dirs_unchanged {
        return None;
    }
    let now: Vec<Option<Stamp>> = (0..index.len())
        .into_par_iter()
        .map(|file| stamp(Path::new(index.path(file))))
        .collect();
    let mut changed = BTreeSet::new();
    let mut restamped = false;
    for (file, now) in now.into_iter().enumerate() {
        if index.restamp(file, now?) {
            changed.insert(PathBuf::from(index.path(file)));
            restamped = true;
        }
    }
    if named
        .iter()
        .any(|path| path.to_str().and_then(|p| index.find(p)).is_none())
    {
        return None;
    }
    crate::timings::lap("scoped: stamps");
    let start: BTreeSet<PathBuf> = named.union(&changed).cloned().collect();
    let mut group = group_of(&index, &start);
    for _ in 0..MAX_RUNS {
        let context: Vec<PathBuf> = group
            .iter()
            .filter(|path| {
                !named.contains(*path)
                    && path
                        .to_str()
                        .and_then(|p| index.find(p))
                        .is_some_and(|file| index.input(file))
            })
            .cloned()
            .collect();
        // The group's unchanged files come from the fact cache: opening it builds nothing per
        // entry, and a group may hold large files (a service's alert rules, its ConfigMaps).
        let run = CheckOptions {
            context: Some(context),
            record_links: true,
            ..options.clone()
        };
        let mut report = check_with_config(&run, config.clone());
        let links = std::mem::take(&mut report.links);
        // Named files are given, not walked, in this run: whether the project walk takes
        // them stays what the index knows (a chart's NOTES.txt named is read by its chart).
        let relinked = match index.take_links(&links, |path| named.contains(path), stamp) {
            Ok(relinked) => relinked,
            Err(_) => return None,
        };
        let grown = group_of(&index, &start);
        crate::timings::lap("scoped: group run");
        if grown.is_subset(&group) {
            if restamped || relinked {
                save(dir, &index, &mut report);
            }
            return Some(report);
        }
        group.extend(grown);
    }
    None
}

/// The files reachable from `start` (all in the index) through shared keys.
fn group_of(index: &LinkIndex<'_>, start: &BTreeSet<PathBuf>) -> BTreeSet<PathBuf> {
    let start: Vec<usize> = start
        .iter()
        .filter_map(|path| index.find(path.to_str()?))
        .collect();
    index
        .group_of(&start)
        .into_iter()
        .map(|file| PathBuf::from(index.path(file)))
        .collect()
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

fn save(dir: &Path, index: &LinkIndex<'_>, report: &mut Report) {
    let written = index
        .encode()
        .map_err(std::io::Error::other)
        .and_then(|body| cache::write_checked(dir, INDEX_FILE, &body));
    if let Err(error) = written {
        note_unwritten(report, &error);
    }
}

fn note_unwritten(report: &mut Report, error: &dyn std::fmt::Display) {
    report
        .notes
        .push(format!("could not write the link index: {error}"));
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
