//! The incremental engine: keeps a workspace's results between edits and recomputes only what
//! an edit can change (the language server keeps one between requests).
//!
//! The inputs are file texts (disk, or an editor's buffers) and the configuration. Each file's
//! facts are remembered by content ([`crate::cache::Memo`]): an unchanged file is not parsed
//! again. Every run records what ties its files together ([`FileLinks`]: directories, the
//! paths kustomizations name, image repositories, Compose projects, charts, command targets),
//! and files that share a key are one group. A finding depends only on files of its own group,
//! so after an edit the engine runs the pipeline on the changed files' group alone: parse (the
//! changed file) -> facts (remembered for the others) -> that group's assembly (its Compose
//! projects, kustomizations, charts) -> roles -> peers -> findings of that group's objects.
//! When the new run ties the group to more files (an edit that adds a repository, a rendering
//! that now names another image), the group grows and runs again until it is closed. Every
//! other file keeps the findings of the run that last covered it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::LoadedConfig;
use crate::diagnostic::Diagnostic;
use crate::report::{Report, RunError};
use crate::{CheckOptions, check_with_config, load_config, read};

mod graph;
mod index;
mod scoped;

use graph::Graph;
pub use scoped::check_named_files;

/// A pipeline run, kept while it holds the results of some file.
#[derive(Debug)]
pub struct Run {
    /// Its report (file table, findings, errors, notes).
    pub report: Report,
    /// The files (absolute) the run covered.
    pub covers: BTreeSet<PathBuf>,
}

/// What one update did, for the server's log, the tests and the benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Update {
    /// Files whose results were recomputed (the changed files' group), absolute.
    pub recomputed: BTreeSet<PathBuf>,
    /// Pipeline runs it took (more than one when the group grew).
    pub runs: usize,
    /// True when the whole workspace was checked again.
    pub full: bool,
}

/// A workspace kept between edits.
pub struct Engine {
    /// The options every run starts from (`paths`: the workspace; `buffers`: open editors).
    options: CheckOptions,
    config: LoadedConfig,
    /// Set when the configuration could not be loaded: every run reports it, nothing else.
    config_error: Option<RunError>,
    /// The workspace's files and what ties them.
    graph: Graph,
    runs: Vec<Option<Run>>,
}

/// At most this many runs for one update before checking everything: a group that keeps
/// growing is most of the workspace anyway.
const MAX_RUNS: usize = 4;

impl Engine {
    /// Check the workspace the options name, from scratch, keeping what updates need. Buffer
    /// paths must be absolute, as discovery sees them.
    pub fn new(mut options: CheckOptions) -> Engine {
        options.record_links = true;
        options.memo.get_or_insert_with(Arc::default);
        let mut engine = Engine {
            options,
            config: LoadedConfig::default(),
            config_error: None,
            graph: Graph::default(),
            runs: Vec::new(),
        };
        engine.check_all();
        engine
    }

    /// The options runs start from.
    pub fn options(&self) -> &CheckOptions {
        &self.options
    }

    /// The editors' buffers (absolute path -> text).
    pub fn buffers(&self) -> &BTreeMap<PathBuf, String> {
        &self.options.buffers
    }

    /// Put or take an editor's buffer. Nothing is recomputed until [`Engine::update`].
    pub fn set_buffer(&mut self, path: PathBuf, text: Option<String>) {
        match text {
            Some(text) => self.options.buffers.insert(path, text),
            None => self.options.buffers.remove(&path),
        };
    }

    /// Change the workspace roots; call [`Engine::check_all`] after.
    pub fn set_paths(&mut self, paths: Vec<PathBuf>) {
        self.options.paths = paths;
    }

    /// Check everything again: the workspace walk, the configuration, every file (facts from
    /// the memo where the text is unchanged). For files created or deleted, a changed
    /// configuration, changed workspace folders.
    pub fn check_all(&mut self) -> Update {
        self.graph.clear();
        self.runs.clear();
        let report = match load_config(&self.options) {
            Ok(config) => {
                self.config = config;
                self.config_error = None;
                if self.options.paths.is_empty() && self.options.buffers.is_empty() {
                    // With nothing to check the library would check the working directory.
                    Report::default()
                } else {
                    check_with_config(&self.options, self.config.clone())
                }
            }
            Err(error) => {
                let error = crate::config_error(&error);
                self.config_error = Some(error.clone());
                let mut report = Report::default();
                report.errors.push(error);
                report
            }
        };
        let covers = self.adopt(report);
        Update {
            recomputed: covers,
            runs: 1,
            full: true,
        }
    }

    /// Recompute after `changed` files (absolute paths) changed: a buffer edited, opened or
    /// closed, a file changed on disk. Files created or deleted on disk need
    /// [`Engine::check_all`] (whether discovery takes a new file is the walk's decision).
    pub fn update(&mut self, changed: &BTreeSet<PathBuf>) -> Update {
        if changed.is_empty() {
            return Update::default();
        }
        if self.config_error.is_some() {
            return self.check_all();
        }
        crate::timings::start();
        let mut group = self.graph.group_of(changed);
        crate::timings::lap("engine: group");
        for run in 1..=MAX_RUNS {
            let report = self.run_on(&group);
            crate::timings::lap("engine: run");
            // The group's new links replace the old ones: does the group close?
            let graph = &mut self.graph;
            let owners: BTreeMap<PathBuf, usize> = report
                .links
                .iter()
                .map(|l| {
                    (
                        l.path.clone(),
                        graph.get(&l.path).map_or(usize::MAX, |f| f.owner),
                    )
                })
                .collect();
            graph.take_links(&report.links, |path| owners[path]);
            let grown = graph.group_of(changed);
            crate::timings::lap("engine: closed?");
            if grown.is_subset(&group) {
                let mut covers = group;
                covers.extend(report.links.iter().map(|l| l.path.clone()));
                self.replace(report, &covers);
                crate::timings::lap("engine: replace");
                return Update {
                    recomputed: covers,
                    runs: run,
                    full: false,
                };
            }
            group.extend(grown);
        }
        self.check_all()
    }

    /// Every run holding results, with the files it covers.
    pub fn runs(&self) -> impl Iterator<Item = &Run> {
        self.runs.iter().flatten()
    }

    /// The run whose results a file (absolute path) shows.
    pub fn run_of(&self, path: &Path) -> Option<&Run> {
        let owner = self.graph.get(path)?.owner;
        self.runs.get(owner)?.as_ref()
    }

    /// Every finding of the workspace, by the file it is in (absolute path), in each file's
    /// report order, with the report it comes from (for positions and related files).
    pub fn diagnostics(&self) -> BTreeMap<PathBuf, (&Report, Vec<&Diagnostic>)> {
        let mut out: BTreeMap<PathBuf, (&Report, Vec<&Diagnostic>)> = BTreeMap::new();
        for run in self.runs() {
            let report = &run.report;
            for diagnostic in &report.diagnostics {
                let Some(path) = absolute_of(report, diagnostic) else {
                    continue;
                };
                if self.run_of(&path).is_some_and(|r| std::ptr::eq(r, run)) {
                    out.entry(path)
                        .or_insert((report, Vec::new()))
                        .1
                        .push(diagnostic);
                }
            }
        }
        out
    }

    /// The run errors (unreadable files, limits, configuration) of the runs holding results,
    /// each once; an error about a file is taken from the run that owns the file.
    pub fn errors(&self) -> Vec<&RunError> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (index, run) in self.runs.iter().enumerate() {
            let Some(run) = run else {
                continue;
            };
            for error in &run.report.errors {
                let path = std::path::absolute(&error.path).unwrap_or_default();
                let owner = self.graph.get(&path).map(|f| f.owner);
                if owner.is_none_or(|owner| owner == index)
                    && seen.insert((&error.path, &error.message))
                {
                    out.push(error);
                }
            }
        }
        out
    }

    /// Number of files the engine knows.
    pub fn file_count(&self) -> usize {
        self.graph.files().len()
    }
}

impl Engine {
    /// Run the pipeline on these files alone, each text from its buffer or the disk.
    fn run_on(&self, group: &BTreeSet<PathBuf>) -> Report {
        let mut buffers = BTreeMap::new();
        for path in group {
            // A file read only for another (a Compose `.env`) is read by that file's loader.
            let input = self.graph.get(path).is_none_or(|f| f.input);
            if let Some(text) = self.options.buffers.get(path) {
                buffers.insert(path.clone(), text.clone());
            } else if input && let Ok(text) = read_text(path, self.options.max_file_size) {
                buffers.insert(path.clone(), text);
            }
            // A file that is gone or unreadable is left out: its results go with it.
        }
        // The other buffers still stand in for their files where the group's files refer to
        // them (a Compose `extends` file, a chart's values), as in a whole run.
        let reference_buffers = self
            .options
            .buffers
            .iter()
            .filter(|(path, _)| !buffers.contains_key(*path))
            .map(|(path, text)| (path.clone(), text.clone()))
            .collect();
        let options = CheckOptions {
            paths: Vec::new(),
            stdin: None,
            stdin_path: None,
            buffers,
            reference_buffers,
            // Facts come from the memo; the disk cache is for whole runs (reading it costs
            // more than a group's files).
            cache: false,
            explain: false,
            ..self.options.clone()
        };
        check_with_config(&options, self.config.clone())
    }

    /// Take a whole run's results (a full check).
    fn adopt(&mut self, mut report: Report) -> BTreeSet<PathBuf> {
        let links = std::mem::take(&mut report.links);
        self.graph.take_links(&links, |_| 0);
        let covers: BTreeSet<PathBuf> = links.into_iter().map(|l| l.path).collect();
        self.runs = vec![Some(Run {
            report,
            covers: covers.clone(),
        })];
        covers
    }

    /// Take a group's run: its files now show its results; files of the group the run no longer
    /// has (deleted, unreadable) are forgotten; runs left without files are dropped.
    fn replace(&mut self, mut report: Report, covers: &BTreeSet<PathBuf>) {
        let links = std::mem::take(&mut report.links);
        let owner = self.runs.len();
        self.graph.take_links(&links, |_| owner);
        let covered: BTreeSet<PathBuf> = links.into_iter().map(|l| l.path).collect();
        for path in covers.difference(&covered) {
            self.graph.remove(path);
            if let Some(memo) = &self.options.memo {
                memo.forget(&path.to_string_lossy());
            }
        }
        self.runs.push(Some(Run {
            report,
            covers: covered,
        }));
        let owners: BTreeSet<usize> = self.graph.files().values().map(|f| f.owner).collect();
        for (index, run) in self.runs.iter_mut().enumerate() {
            if !owners.contains(&index) {
                *run = None;
            }
        }
    }
}

/// The absolute path of the file a finding is in.
fn absolute_of(report: &Report, diagnostic: &Diagnostic) -> Option<PathBuf> {
    let path = report
        .files
        .get(diagnostic.span.file.0 as usize)?
        .path
        .as_deref()?;
    Some(crate::discover::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// A file's text from the disk, as the pipeline reads it.
fn read_text(path: &Path, cap: u64) -> Result<String, read::ReadError> {
    let (bytes, _) = read::read_capped(path, cap)?;
    read::decode(bytes)
}
