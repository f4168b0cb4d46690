//! adminlint: finds one-off admin processes that do not run the app's release.
//!
//! The pipeline: discover -> source -> yaml -> recognize -> extract -> model -> rules -> render.
//! [`check`] runs it from paths (or a buffer) to a [`report::Report`].

pub mod cache;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod findings;
pub mod fix;
pub mod lsp;
pub mod manifest;
pub mod model;
pub mod origin;
pub mod output;
pub mod read;
pub mod render;
pub mod report;
pub mod rules;
pub mod source;
pub mod span;
pub mod suppress;
pub mod yaml;

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::LoadedConfig;
use crate::model::project::Project;
use crate::report::{Report, RunError};
use crate::source::SourceFile;
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
    /// Read the files a Compose project refers to from disk when no buffer holds them: the
    /// partner of a base or override file, `extends` and `include` files, `.env`. Off, a run on
    /// buffers alone reads no file at all, so it is hermetic and repeatable (the fuzz target).
    pub references_from_disk: bool,
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
            references_from_disk: true,
        }
    }
}

/// Read standard input fully, for `check -`.
pub fn read_stdin() -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin().lock().read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Read standard input, but at most `max + 1` bytes: enough for [`check`] to report input over
/// `max` (`--max-file-size`) without holding all of it.
pub fn read_stdin_capped(max: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// One file to read: where from, how it is shown, and whether findings in it are reported.
struct Input {
    path: Option<PathBuf>,
    display: String,
    content: Content,
    reported: bool,
}

/// Where an input's bytes come from: read in the parallel stage, not while planning.
enum Content {
    /// Given in memory (stdin, an editor buffer).
    Memory(Vec<u8>),
    /// Read from `Input::path` (capped at `--max-file-size`).
    Disk,
}

impl Input {
    /// The bytes, and the file's metadata when they come from the disk.
    fn bytes(
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

/// What reading and parsing one file produced; built in parallel, merged in file order.
struct FileFacts {
    file: SourceFile,
    errors: Vec<RunError>,
    documents: usize,
    syntax_errors: Vec<yaml::SyntaxError>,
    workloads: Vec<model::workload::Workload>,
    kustomizations: Vec<manifest::kustomize::Kustomization>,
    compose: Option<Option<manifest::compose::Converted>>,
    suppressions: Vec<suppress::Suppression>,
    notes: Vec<String>,
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
    let mut report = Report::default();
    let config = match load_config(options) {
        Ok(config) => config,
        Err(error) => {
            report.errors.push(RunError {
                path: discover::display_path(&error.path),
                message: error.message.clone(),
                position: Some((error.line, error.column)),
            });
            return report;
        }
    };
    let inputs = plan_inputs(options, &config, &mut report);
    check_inputs(options, &config, inputs, report)
}

/// The pipeline after planning: read, parse and extract the inputs, then load Compose projects,
/// render kustomizations, run the rules and apply suppressions. Apart from [`check`] so that a
/// test can change the disk between planning and reading (a file removed mid-run).
fn check_inputs(
    options: &CheckOptions,
    config: &LoadedConfig,
    inputs: Vec<Input>,
    mut report: Report,
) -> Report {
    let mut project = Project::default();
    let reported: Vec<bool> = inputs.iter().map(|i| i.reported).collect();
    // Read, parse and extract every file in parallel; each tree is dropped as soon as its
    // facts are out. File ids are the input order, so results do not depend on scheduling.
    let cache = options
        .cache
        .then_some(config.project_root.as_deref())
        .flatten()
        .map(|root| {
            let settings = cache::settings_fingerprint(&[&config.config.kinds, &options.limits]);
            cache::Cache::open(root, settings)
        });
    // One file per task: with rayon's default splits, a run of large files (one repository's
    // install manifests sort together) could fall to one thread while the other idles.
    let facts: Vec<FileFacts> = inputs
        .into_par_iter()
        .with_max_len(1)
        .enumerate()
        .map(|(index, input)| {
            let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
            read_and_extract(id, input, options, config, cache.as_ref())
        })
        .collect();
    if let Some(cache) = cache
        && let Err(error) = cache.save()
    {
        report
            .notes
            .push(format!("could not write the fact cache: {error}"));
    }
    let mut reported = reported;
    let mut suppressions = Vec::new();
    let mut kustomizations = Vec::new();
    let mut compose_files = std::collections::HashMap::new();
    for facts in facts {
        report.summary.documents += facts.documents;
        report.notes.extend(facts.notes);
        report.errors.extend(facts.errors);
        let file = facts.file;
        project
            .syntax_errors
            .extend(facts.syntax_errors.into_iter().map(|e| (file.id, e)));
        project.workloads.extend(facts.workloads);
        kustomizations.extend(facts.kustomizations);
        suppressions.extend(facts.suppressions);
        if let Some(converted) = facts.compose {
            compose_files.insert(file.id, converted);
        }
        project.files.push(file);
    }
    let files_before_compose = project.files.len();
    report.summary.documents +=
        manifest::compose::check(options, &mut project, compose_files, &mut report.notes);
    // Files the Compose loader read on its own (an `extends: file:` outside the paths
    // given) belong to a reported project: report on them too.
    reported.resize(project.files.len(), true);
    debug_assert!(reported.len() >= files_before_compose);
    // Unreadable inputs keep an empty place in the file table; they are not files checked.
    let readable: Vec<bool> = project.files.iter().map(|f| f.readable).collect();
    manifest::kustomize::render(&mut project, &kustomizations, &mut report.notes);
    project.apply_config(config);
    let role_notes = project.classify_roles(config);
    report.notes.extend(role_notes);
    if reported.iter().any(|&r| !r) {
        project.reported_files = Some(reported.clone());
    }
    let is_reported = |file: FileId| reported.get(file.0 as usize).copied().unwrap_or(false);
    let findings = findings::finish(
        &project,
        rules::run(&project),
        suppressions,
        &config.config,
        options.no_ignores,
        is_reported,
    );
    report.summary.files = reported
        .iter()
        .zip(&readable)
        .filter(|&(&r, &ok)| r && ok)
        .count();
    report.summary.workloads = project
        .workloads
        .iter()
        .filter(|w| w.overlay.is_none() && is_reported(w.file))
        .count();
    report.summary.suppressed = findings.suppressed;
    report.summary.diagnostics = findings.diagnostics.len();
    report.fail_level = config.config.fail_level;
    report.diagnostics = findings.diagnostics;
    if options.explain {
        report.explanation = Some(project.explain(config, &reported));
    }
    report.files = std::mem::take(&mut project.files);
    report
}

/// Decide which files to read: the named paths, and (with project context) the rest of the
/// project around named files, read for peers but not reported on.
fn plan_inputs(options: &CheckOptions, config: &LoadedConfig, report: &mut Report) -> Vec<Input> {
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

/// Read, decode, parse and extract one file. The YAML tree lives only inside this call; the
/// text is kept only where a later stage needs it (workloads to render and point into,
/// kustomizations, Compose files, syntax errors, suppression comments). With a cache, an
/// unchanged file's facts are read back instead of parsed.
fn read_and_extract(
    id: FileId,
    input: Input,
    options: &CheckOptions,
    config: &LoadedConfig,
    cache: Option<&cache::Cache>,
) -> FileFacts {
    let (path, display, reported) = (input.path.clone(), input.display.clone(), input.reported);
    let mut out = FileFacts {
        file: SourceFile::unreadable(id, path.clone(), display.clone()),
        errors: Vec::new(),
        documents: 0,
        syntax_errors: Vec::new(),
        workloads: Vec::new(),
        kustomizations: Vec::new(),
        compose: None,
        suppressions: Vec::new(),
        notes: Vec::new(),
    };
    let read = input
        .bytes(options.max_file_size)
        .and_then(|(bytes, metadata)| {
            let stamp = metadata.map(|m| cache::Stamp::of(&m, &bytes));
            Ok((read::decode(bytes)?, stamp))
        });
    let (text, stamp) = match read {
        Ok(read) => read,
        Err(error) => {
            // Context files that cannot be read are not the user's concern in this run.
            out.errors
                .extend(reported.then(|| RunError::new(display, error.to_string())));
            return out;
        }
    };
    let key = path
        .as_ref()
        .and_then(|p| discover::absolute(p).ok())
        .map(|p| p.to_string_lossy().into_owned());
    let cached = match (cache, &key, stamp) {
        (Some(cache), Some(key), Some(stamp)) => cache.lookup(key, stamp, id),
        _ => None,
    };
    let facts = match cached {
        Some(facts) => facts,
        None => {
            let mut limits = Vec::new();
            let facts = extract_facts(id, &text, &display, options, config, &mut limits);
            // Limits are errors every run must repeat: a file that hit one is not cached.
            if let (Some(cache), Some(key), Some(stamp)) = (cache, key, stamp)
                && limits.is_empty()
            {
                cache.store(key, stamp, &facts);
            }
            out.errors.extend(
                limits
                    .into_iter()
                    .map(|message| RunError::new(display.clone(), message)),
            );
            facts
        }
    };
    if facts.templated {
        out.notes.push(format!(
            "skipped {display}: a template with `{{{{ }}}}` actions that is not valid YAML (render it to check it)"
        ));
    }
    out.documents = facts.documents;
    out.syntax_errors = facts.syntax_errors;
    out.workloads = facts.workloads;
    out.kustomizations = facts.kustomizations;
    out.compose = facts.compose;
    out.suppressions = facts.suppressions;
    let text = if facts.keep_text {
        source::Text::new(text)
    } else {
        source::Text::default()
    };
    out.file = SourceFile::new(id, path, display, text);
    out
}

/// Parse one file's text and extract its facts; the tree is dropped on return.
///
/// Documents are parsed and extracted one at a time, so a large multi-document file never holds
/// more than one document's tree. A file with `{{` may be a template: it is parsed whole first,
/// since it is skipped (not reported) when it does not parse. Limits reached are errors
/// (`limits`), naming the limit and how to raise it.
fn extract_facts(
    id: FileId,
    text: &str,
    display: &str,
    options: &CheckOptions,
    config: &LoadedConfig,
    limits: &mut Vec<String>,
) -> cache::Facts {
    let context = manifest::ExtractContext {
        file: id,
        text,
        kinds: &config.config.kinds,
    };
    let mut workloads = Vec::new();
    let mut kustomizations = Vec::new();
    let mut each = |tree: &yaml::Tree, document: &yaml::Document| {
        let extracted = manifest::extract(tree, document, &context);
        workloads.extend(extracted.workloads);
        kustomizations.extend(extracted.kustomization);
    };
    let may_be_compose = manifest::compose::may_be_compose(display, text);
    let mut compose = None;
    let parsed = if text.contains("{{") || may_be_compose {
        let parsed = yaml::parse(text, &options.limits);
        if parsed.errors.is_empty() || !text.contains("{{") {
            for document in &parsed.documents {
                each(&parsed.tree, document);
            }
        }
        // The Compose loader needs the whole file's tree (anchors, several documents): it is
        // converted here, once, rather than parsed again when Compose projects are loaded.
        if may_be_compose && !parsed.tree.budget_exhausted() {
            let named = manifest::compose::is_compose_name(
                Path::new(display)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default(),
            );
            compose = Some(manifest::compose::convert_file(&parsed, text, id, named));
        }
        parsed
    } else {
        yaml::parse_each(text, &options.limits, &mut each)
    };
    let mut facts = cache::Facts {
        documents: parsed.documents.len(),
        syntax_errors: Vec::new(),
        workloads: Vec::new(),
        kustomizations: Vec::new(),
        compose,
        suppressions: Vec::new(),
        templated: !parsed.errors.is_empty() && text.contains("{{"),
        keep_text: false,
    };
    if !facts.templated {
        facts.syntax_errors = parsed.errors.clone();
        facts.workloads = workloads;
        facts.kustomizations = kustomizations;
    }
    // Even a skipped template's suppressions are read: one there matches nothing, and says so.
    facts.suppressions = suppress::from_comments(id, text, &parsed.comments);
    for too_deep in &parsed.too_deep {
        let (line, column) = source::line_column(text, too_deep.offset);
        limits.push(format!(
            "{line}:{column}: document {} nests deeper than the limit of {} (--max-depth); that \
             document was not checked (raise the limit with --max-depth N)",
            too_deep.document + 1,
            options.limits.max_depth
        ));
    }
    if parsed.tree.budget_exhausted() {
        // Facts read with the budget spent would be missing values behind aliases: findings
        // made from them could be wrong, so the whole file is left out, and said so.
        limits.push(format!(
            "its aliases and merge keys expand to more than the alias budget of {} nodes \
             (--alias-budget); the file was not checked (raise the limit with --alias-budget N \
             if the file is meant to be this large)",
            options.limits.alias_budget
        ));
        facts.workloads.clear();
        facts.kustomizations.clear();
    }
    facts.keep_text = !facts.workloads.is_empty()
        || !facts.kustomizations.is_empty()
        || !facts.syntax_errors.is_empty()
        || facts.templated
        || !facts.suppressions.is_empty()
        || text.starts_with("services:")
        || text.contains("\nservices:")
        || manifest::compose::is_compose_name(
            Path::new(display)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default(),
        );
    facts
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
        let inputs = plan_inputs(&options, &config, &mut report);
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
