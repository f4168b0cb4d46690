//! adminlint: finds one-off admin processes that do not run the app's release.
//!
//! The pipeline (ARCHITECTURE.md): plan the inputs ([`inputs`], over [`discover`]) -> read,
//! parse and extract each file ([`extract`]: [`read`], [`yaml`], [`manifest`], [`cache`]) ->
//! assemble one project ([`assemble`]: Compose, kustomize, configuration, roles) -> rules
//! ([`rules`]) -> findings ([`findings`]: severities, suppressions, order) -> render
//! ([`render`], [`output`]). [`check`] runs it from paths (or buffers) to a [`report::Report`].

mod assemble;
pub mod autofix;
pub mod cache;
pub mod config;
pub mod debug;
pub mod diagnostic;
pub mod digest;
pub mod discover;
pub mod engine;
mod extract;
pub mod fast_hash;
pub mod findings;
pub mod fix;
pub mod helm;
mod inputs;
mod links;
pub mod lsp;
pub mod manifest;
pub mod model;
pub mod origin;
pub mod output;
mod provenance;
pub mod read;
pub mod render;
pub mod report;
pub mod rules;
pub mod selection;
pub mod source;
pub mod span;
pub mod suppress;
pub mod timings;
pub mod watch;
pub mod yaml;

use std::path::PathBuf;

use crate::config::LoadedConfig;
pub use crate::debug::render_kustomization;
use crate::report::{Report, RunError};
use crate::span::FileId;

/// Default cap on the size of one file: larger files are reported, not read.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;

/// Which configuration to use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ConfigChoice {
    /// Look for `.adminlint.yaml` upward from the checked paths (the CLI default).
    #[default]
    Discover,
    /// This file.
    File(PathBuf),
    /// Built-in defaults only.
    Defaults,
}

/// What to check and how.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Files and directories (`.` when empty and there is no stdin).
    pub paths: Vec<PathBuf>,
    /// stdin to check: (display name, bytes).
    pub stdin: Option<(String, Vec<u8>)>,
    /// The file stdin stands for (`--stdin-filename`): it replaces that file in the project.
    pub stdin_path: Option<PathBuf>,
    /// In-memory contents that win over the disk (an editor's unsaved buffers), by path as
    /// discovery sees it (use absolute paths for both). Buffers for files discovery does not
    /// find are checked too; with no `paths`, only the buffers (and stdin) are checked.
    pub buffers: std::collections::BTreeMap<PathBuf, String>,
    /// Largest file read, in bytes.
    pub max_file_size: u64,
    /// YAML limits.
    pub limits: yaml::Limits,
    /// Load the project around named files (their peers), reporting only on the named files.
    pub project_context: bool,
    /// Which configuration file to use.
    pub config: ConfigChoice,
    /// Ignore inline suppressions (annotations, comments, `x-adminlint` ignores).
    pub no_ignores: bool,
    /// Describe the project (root, scopes, apps, roles, peers) in [`Report::explanation`].
    pub explain: bool,
    /// Use and update the fact cache under the project root (`.adminlint_cache/`).
    pub cache: bool,
    /// The rules the command line selects (`--select`, `--extend-select`, `--ignore`), folded
    /// into the configuration's rule levels.
    pub selection: selection::Selection,
    /// Read the files a Compose project refers to from disk when no buffer holds them: the
    /// partner of a base or override file, `extends` and `include` files, `.env`. Off, a run on
    /// buffers alone reads no file at all, so it is hermetic and repeatable (the fuzz target).
    pub references_from_disk: bool,
    /// Texts that stand in for files read only by reference (a Compose `extends` file, a chart's
    /// values): editor buffers outside the files this run checks (the incremental engine).
    pub reference_buffers: std::collections::BTreeMap<PathBuf, String>,
    /// The project around named files, already known (the scoped warm run): with
    /// `project_context`, these files are read as context instead of walking the project root.
    pub context: Option<Vec<PathBuf>>,
    /// Fill [`Report::links`]: what ties each file to others (the incremental engine's graph).
    pub record_links: bool,
    /// Facts of files already extracted, by path and content (the incremental engine's memo):
    /// a file whose text is unchanged is not parsed again.
    pub memo: Option<std::sync::Arc<cache::Memo>>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            paths: Vec::new(),
            stdin: None,
            stdin_path: None,
            buffers: std::collections::BTreeMap::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            limits: yaml::Limits::default(),
            project_context: false,
            config: ConfigChoice::Defaults,
            no_ignores: false,
            explain: false,
            cache: false,
            selection: selection::Selection::default(),
            references_from_disk: true,
            reference_buffers: std::collections::BTreeMap::new(),
            context: None,
            record_links: false,
            memo: None,
        }
    }
}

/// Load the configuration the options ask for.
pub fn load_config(options: &CheckOptions) -> Result<LoadedConfig, config::ConfigError> {
    let ids: Vec<&str> = rules::RULES.iter().map(|r| r.id).collect();
    match &options.config {
        ConfigChoice::Defaults => Ok(LoadedConfig::default()),
        ConfigChoice::File(path) => LoadedConfig::load(path, &ids),
        ConfigChoice::Discover => {
            let start = options
                .stdin_path
                .clone()
                .or_else(|| options.paths.first().cloned())
                .unwrap_or_else(|| PathBuf::from("."));
            match config::find_root(&start) {
                Some((_, Some(path))) => LoadedConfig::load(&path, &ids),
                Some((root, None)) => Ok(LoadedConfig::defaults_at(root)),
                None => Ok(LoadedConfig::default()),
            }
        }
    }
}

/// Run the whole pipeline.
pub fn check(options: &CheckOptions) -> Report {
    timings::start();
    match load_config(options) {
        Ok(config) => check_with_config(options, config),
        Err(error) => {
            let mut report = Report::default();
            report.errors.push(config_error(&error));
            report
        }
    }
}

/// A configuration error as a run error, with the file and position.
pub fn config_error(error: &config::ConfigError) -> RunError {
    RunError {
        path: discover::display_path(&error.path),
        message: error.message.clone(),
        position: Some((error.line, error.column)),
    }
}

/// Run the whole pipeline with a configuration already loaded (the options' `config` choice is
/// not read again; `selection` is applied here).
pub fn check_with_config(options: &CheckOptions, mut config: LoadedConfig) -> Report {
    let mut report = Report::default();
    options.selection.apply(&mut config.config.rules);
    timings::lap("config");
    let inputs = inputs::plan(options, &config, &mut report);
    timings::lap("plan");
    check_inputs(options, &config, inputs, report)
}

/// The pipeline after planning: extract, assemble, rules, findings, into the report. Apart from
/// [`check`] so that a test can change the disk between planning and reading (a file removed
/// mid-run).
fn check_inputs(
    options: &CheckOptions,
    config: &LoadedConfig,
    inputs: Vec<inputs::Input>,
    mut report: Report,
) -> Report {
    let reported: Vec<bool> = inputs.iter().map(|i| i.reported).collect();
    let walked: Vec<bool> = inputs.iter().map(|i| i.walked).collect();
    let (facts, cache_write) = extract::extract_all(inputs, options, config, &mut report);
    timings::lap("extract");
    let assemble::Assembled {
        mut project,
        suppressions,
        reported,
        checked,
        links,
    } = assemble::assemble(facts, reported, options, config, &mut report);
    let is_reported = |file: FileId| reported.get(file.0 as usize).copied().unwrap_or(false);
    let diagnostics = rules::run(&project);
    timings::lap("rules");
    let findings = findings::finish(
        &project,
        diagnostics,
        suppressions,
        &config.config,
        options.no_ignores,
        is_reported,
    );
    timings::lap("findings");
    report.summary.files = reported
        .iter()
        .zip(&checked)
        .filter(|&(&r, &ok)| r && ok)
        .count();
    // Each object written once, however many renderings copy it.
    report.summary.workloads = project
        .workloads
        .iter()
        .filter(|w| is_reported(w.file))
        .map(|w| (w.file, w.span.start))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if report.summary.files == 0 && report.errors.is_empty() {
        report.gaps.push(
            "no file was checked: directories are walked for *.yaml and *.yml files outside \
             hidden directories (name other files, or add them to `extra-files:` in \
             .adminlint.yaml)"
                .to_string(),
        );
    }
    report.summary.suppressed = findings.suppressed;
    report.summary.diagnostics = findings.diagnostics.len();
    report.fail_level = config.config.fail_level;
    report.diagnostics = findings.diagnostics;
    if options.explain {
        let command_files = manifest::script::command_files(&project);
        report.explanation = Some(project.explain(config, &reported, &command_files));
    }
    if let Some(mut links) = links {
        let roots = manifest::helm::chart_roots(&project.files);
        links.project(&project, &roots);
        report.links = links.finish(&project.files, &walked);
    }
    report.files = std::mem::take(&mut project.files);
    // Freeing a large project (every workload and rendered copy, their parsed commands and
    // peer sets: 15-20 ms on a 5,000-file project) is left to an idle worker: nothing after
    // this waits for it.
    rayon::spawn(move || drop(project));
    cache_write.finish(&mut report);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Job on an untagged image: one `image-unpinned` finding.
    const UNPINNED_JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job\nspec:\n  template:\n    spec:\n      containers:\n      - name: job\n        image: registry.example.com/shop/app\n";

    #[test]
    fn a_file_removed_between_discovery_and_reading_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let vanishing = dir.path().join("vanishing.yaml");
        std::fs::write(&vanishing, UNPINNED_JOB).unwrap();
        std::fs::write(dir.path().join("stays.yaml"), UNPINNED_JOB).unwrap();
        let options = CheckOptions {
            paths: vec![dir.path().to_path_buf()],
            ..CheckOptions::default()
        };
        let config = load_config(&options).unwrap();
        let mut report = Report::default();
        let inputs = inputs::plan(&options, &config, &mut report);
        assert_eq!(inputs.len(), 2);
        std::fs::remove_file(&vanishing).unwrap();
        let report = check_inputs(&options, &config, inputs, report);
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
        let error = &report.errors[0];
        assert_eq!(error.path, discover::display_path(&vanishing));
        assert!(
            error
                .message
                .starts_with("it was removed while adminlint was running ("),
            "{}",
            error.message
        );
        // The other file is still checked.
        assert_eq!(report.summary.files, 1);
        let findings: Vec<_> = report
            .diagnostics
            .iter()
            .map(|d| (report.file(d.span.file).display.as_str(), d.rule))
            .collect();
        let stays = discover::display_path(&dir.path().join("stays.yaml"));
        assert_eq!(findings, [(stays.as_str(), "image-unpinned")]);
    }
}
