//! The per-file stage: read, decode, parse and extract every input in parallel into its facts
//! (workloads with role signals, kustomizations, Compose documents, suppression comments), from
//! the fact cache when a file is unchanged. Each YAML tree lives only inside one file's task.

use std::path::Path;

use rayon::prelude::*;

use crate::CheckOptions;
use crate::cache;
use crate::config::LoadedConfig;
use crate::discover;
use crate::inputs::Input;
use crate::manifest;
use crate::read;
use crate::report::{Report, RunError};
use crate::source::{self, SourceFile};
use crate::span::FileId;
use crate::suppress;
use crate::yaml;

/// Texts up to this many bytes are kept even when nothing later asks for them (see
/// `read_and_extract`): a kustomize patch file is that small, a ConfigMap of rules is not.
const SMALL_TEXT: usize = 4096;

/// What reading and parsing one file produced; built in parallel, merged in file order.
pub(crate) struct FileFacts {
    pub file: SourceFile,
    pub errors: Vec<RunError>,
    pub documents: usize,
    pub syntax_errors: Vec<yaml::SyntaxError>,
    pub workloads: Vec<crate::model::workload::Workload>,
    pub kustomizations: Vec<manifest::kustomize::Kustomization>,
    pub configs: Vec<manifest::kustomize::DeclaredConfig>,
    pub compose: Option<Option<manifest::compose::Converted>>,
    pub suppressions: Vec<suppress::Suppression>,
    /// See [`cache::Facts::shell_script`].
    pub shell_script: Option<bool>,
    /// See [`cache::Facts::deleted_jobs`].
    pub deleted_jobs: Vec<String>,
    pub notes: Vec<String>,
}

/// The fact cache being written on a thread of its own while the run goes on: encoding,
/// writing and syncing a large project's cache takes about as long as assembling it, and
/// nothing later in the run reads it. [`CacheWrite::finish`] waits for it.
#[must_use = "the cache is written only when the run waits for it"]
pub(crate) struct CacheWrite(Option<std::thread::JoinHandle<std::io::Result<()>>>);

impl CacheWrite {
    /// Wait for the write; a failure is a note (the run's results stand without a cache).
    pub(crate) fn finish(self, report: &mut Report) {
        let Some(writer) = self.0 else {
            return;
        };
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the cache writer panicked")));
        if let Err(error) = written {
            report
                .notes
                .push(format!("could not write the fact cache: {error}"));
        }
    }
}

/// Read and extract every input, in parallel, one file per task; facts come back in input
/// order (file ids are the input order, so nothing depends on scheduling). The fact cache is
/// used when the options ask for it and there is a project root, and saved in the background
/// (see [`CacheWrite`]).
pub(crate) fn extract_all(
    inputs: Vec<Input>,
    options: &CheckOptions,
    config: &LoadedConfig,
    report: &mut Report,
) -> (Vec<FileFacts>, CacheWrite) {
    // Named files checked alone (`--no-project`) are a handful: decoding the project's whole
    // cache (20 MB on a 5,000-file project) and writing it again costs more than parsing them.
    let named_alone = !options.project_context && inputs.iter().all(|input| !input.walked);
    let cache = (options.cache && !named_alone)
        .then_some(config.project_root.as_deref())
        .flatten()
        .map(|root| cache::Cache::open(root, extraction_settings(options, config)));
    // One file per task: with rayon's default splits, a run of large files (one repository's
    // install manifests sort together) could fall to one thread while the other idles.
    let facts: Vec<FileFacts> = inputs
        .into_par_iter()
        .with_max_len(1)
        .enumerate()
        .map(|(index, input)| {
            let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
            let facts = read_and_extract(id, input, options, config, cache.as_ref());
            // Later stages key files by their absolute paths: computed here, in parallel.
            discover::absolute_of(&facts.file);
            facts
        })
        .collect();
    let write = match cache {
        Some(cache) => {
            let spawned = std::thread::Builder::new()
                .name("adminlint-cache".into())
                .spawn(move || cache.save());
            match spawned {
                Ok(writer) => CacheWrite(Some(writer)),
                // The cache went with the closure: this run's facts are simply not kept.
                Err(error) => {
                    report
                        .notes
                        .push(format!("could not write the fact cache: {error}"));
                    CacheWrite(None)
                }
            }
        }
        None => CacheWrite(None),
    };
    (facts, write)
}

/// A fingerprint of the settings extraction depends on (custom kinds, limits, whether
/// commands are read): facts extracted under other settings are not reused.
fn extraction_settings(options: &CheckOptions, config: &LoadedConfig) -> u64 {
    cache::settings_fingerprint(&[
        &config.config.kinds,
        &options.limits,
        &config.commands_enabled(),
    ])
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
    // A ConfigMap's text is kept only where kustomize could not read it again: stdin, editor
    // buffers, and runs that read nothing more from the disk.
    let in_memory = matches!(input.content, crate::inputs::Content::Memory(_));
    let keep_configs = in_memory || !options.references_from_disk;
    let absolute = match input.absolute.clone() {
        Some(absolute) => Some(absolute),
        None => path.as_ref().and_then(|p| discover::absolute(p).ok()),
    };
    let mut out = FileFacts {
        file: SourceFile::unreadable(id, path.clone(), display.clone()),
        errors: Vec::new(),
        documents: 0,
        syntax_errors: Vec::new(),
        workloads: Vec::new(),
        kustomizations: Vec::new(),
        configs: Vec::new(),
        compose: None,
        suppressions: Vec::new(),
        shell_script: None,
        deleted_jobs: Vec::new(),
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
    // A Helm template is not YAML until its chart renders it (assemble stage): its text is
    // kept for that, and nothing is extracted here.
    if path.as_deref().is_some_and(discover::is_helm_template) {
        out.file =
            SourceFile::new(id, path, display, source::Text::new(text)).with_absolute(absolute);
        return out;
    }
    let key = absolute.as_ref().map(|p| p.to_string_lossy().into_owned());
    let memo = options
        .memo
        .as_deref()
        .zip(key.as_ref())
        .map(|(memo, key)| {
            let settings = extraction_settings(options, config);
            (memo, key, cache::Memo::text_key(settings, &text))
        });
    let cached = match (cache, &key, stamp) {
        (Some(cache), Some(key), Some(stamp)) => cache.lookup(key, stamp, id),
        _ => None,
    }
    .or_else(|| {
        let (memo, key, text_key) = memo?;
        memo.lookup(key, text_key, id)
    });
    let facts = match cached {
        Some(facts) => facts,
        None => {
            let mut limits = Vec::new();
            let facts = extract_facts(
                id,
                &text,
                &display,
                options,
                config,
                &mut limits,
                Skim::Values,
            );
            // Limits are errors every run must repeat: a file that hit one is not cached.
            if let (Some(cache), Some(key), Some(stamp)) = (cache, &key, stamp)
                && limits.is_empty()
            {
                cache.store(key.clone(), stamp, &facts);
            }
            if let Some((memo, key, text_key)) = memo
                && limits.is_empty()
            {
                memo.store(key.clone(), text_key, &facts);
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
            "skipped {display}: a template (`{{{{ }}}}`, `<% %>` or `{{% %}}` tags) that is not valid YAML (render it to check it)"
        ));
    }
    out.documents = facts.documents;
    out.syntax_errors = facts.syntax_errors;
    out.workloads = facts.workloads;
    out.kustomizations = facts.kustomizations;
    out.configs = facts.configs;
    out.compose = facts.compose;
    out.suppressions = facts.suppressions;
    out.shell_script = facts.shell_script;
    out.deleted_jobs = facts.deleted_jobs;
    // A small text is kept whatever it holds: a kustomization may list the file as a patch,
    // and reading it again then costs more than keeping it. The texts dropped are the bulk
    // (a monorepo's ConfigMaps).
    let small = text.len() <= SMALL_TEXT;
    let text = if facts.keep_text || small || (keep_configs && !out.configs.is_empty()) {
        source::Text::new(text)
    } else {
        source::Text::default()
    };
    out.file = SourceFile::new(id, path, display, text).with_absolute(absolute);
    out
}

/// Whether extraction leaves out the values nothing reads ([`manifest::skim`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Skim {
    /// Always, outside tests.
    Values,
    /// The whole text is parsed: the tests' reference.
    #[cfg_attr(not(test), allow(dead_code))]
    Nothing,
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
    skim: Skim,
) -> cache::Facts {
    let commands = manifest::script::source_of(display, text).filter(|_| config.commands_enabled());
    if let Some(source) = commands.filter(|s| !s.is_yaml()) {
        // A script, Makefile or Procfile: its commands, never parsed as YAML.
        let workloads = manifest::script::extract_text(source, id, text);
        let lexed = manifest::script::lex(text);
        let suppressions = suppress::from_comments(id, text, &lexed.comments);
        let shell_script = (source == manifest::script::Source::Shell)
            .then(|| manifest::script::names_migrations(text, &lexed.comments));
        return cache::Facts {
            documents: 0,
            syntax_errors: Vec::new(),
            keep_text: !workloads.is_empty() || !suppressions.is_empty(),
            workloads,
            kustomizations: Vec::new(),
            configs: Vec::new(),
            compose: None,
            suppressions,
            templated: false,
            shell_script,
            deleted_jobs: lexed.deleted_jobs,
        };
    }
    let context = manifest::ExtractContext {
        file: id,
        text,
        kinds: &config.config.kinds,
    };
    let mut found = Found::default();
    let mut each = |tree: &yaml::Tree, document: &yaml::Document| {
        found.add(tree, document, &context, commands, id, text);
    };
    // Each marker is searched for once: the texts are the run's bulk (a monorepo's ConfigMaps).
    let has_action = memchr::memmem::find(text.as_bytes(), b"{{").is_some();
    let services_key = manifest::compose::has_services_key(text);
    let compose_name = manifest::compose::is_compose_name(
        Path::new(display)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default(),
    );
    let may_be_compose = compose_name || services_key;
    let mut compose = None;
    // A Compose file's tree is the Compose loader's input: it is read whole.
    let skimmed = match skim {
        Skim::Values if !may_be_compose => manifest::skim::skim(text, &config.config.kinds),
        _ => None,
    };
    let parsed = if has_action || may_be_compose {
        let parsed = skimmed
            .and_then(|skimmed| skimmed.parse(text, &options.limits))
            .unwrap_or_else(|| yaml::parse(text, &options.limits));
        if parsed.errors.is_empty() || !has_action {
            for document in &parsed.documents {
                each(&parsed.tree, document);
            }
        }
        // The Compose loader needs the whole file's tree (anchors, several documents): it is
        // converted here, once, rather than parsed again when Compose projects are loaded.
        if may_be_compose && !parsed.tree.budget_exhausted() {
            compose = Some(manifest::compose::convert_file(
                &parsed,
                text,
                id,
                compose_name,
            ));
        }
        parsed
    } else if let Some(skimmed) = skimmed {
        // The unread values skipped, when the parse agrees with the skim; else the whole text
        // is parsed again, and what the skimmed parse found is dropped.
        let mut agreement = skimmed.agreement();
        let skipped = skimmed.ranges();
        let parsed =
            yaml::parse_each_skipping(text, &skipped, &options.limits, &mut |tree, document| {
                agreement.document(tree, document);
                each(tree, document);
            });
        if agreement.holds(&parsed) {
            parsed
        } else {
            found = Found::default();
            yaml::parse_each(text, &options.limits, &mut |tree, document| {
                found.add(tree, document, &context, commands, id, text);
            })
        }
    } else {
        yaml::parse_each(text, &options.limits, &mut each)
    };
    let mut facts = cache::Facts {
        documents: parsed.documents.len(),
        syntax_errors: Vec::new(),
        workloads: Vec::new(),
        kustomizations: Vec::new(),
        configs: Vec::new(),
        compose,
        suppressions: Vec::new(),
        // ERB (`<%= ENV["DATABASE_URL"] %>`, every Rails app's config/*.yml and fixtures) and
        // Jinja (`{% if %}`) tags are looked for only in a file that does not parse.
        templated: !parsed.errors.is_empty() && (has_action || has_template_tags(text)),
        keep_text: false,
        shell_script: None,
        deleted_jobs: Vec::new(),
    };
    if !facts.templated {
        facts.syntax_errors = parsed.errors.clone();
        facts.workloads = found.workloads;
        facts.kustomizations = found.kustomizations;
        facts.configs = found.configs;
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
        facts.configs.clear();
    }
    // A ConfigMap's text is not kept: kustomize reads a patch file or a replacement's source
    // again from the disk when it needs one (`kustomize::restore_texts`); `read_and_extract`
    // keeps it where that cannot be done, and keeps every small text.
    facts.keep_text = !facts.workloads.is_empty()
        || !facts.kustomizations.is_empty()
        || !facts.syntax_errors.is_empty()
        || facts.templated
        || !facts.suppressions.is_empty()
        || found.list_document
        || may_be_compose;
    facts
}

/// What the documents of one file hold, gathered as the parser hands them over.
#[derive(Default)]
struct Found {
    workloads: Vec<crate::model::workload::Workload>,
    kustomizations: Vec<manifest::kustomize::Kustomization>,
    configs: Vec<manifest::kustomize::DeclaredConfig>,
    /// A list at the top of a document may be a JSON 6902 patch a kustomization lists: its
    /// text is kept for rendering.
    list_document: bool,
}

impl Found {
    fn add(
        &mut self,
        tree: &yaml::Tree,
        document: &yaml::Document,
        context: &manifest::ExtractContext<'_>,
        commands: Option<manifest::script::Source>,
        id: FileId,
        text: &str,
    ) {
        self.list_document |= document.root.is_some_and(|root| tree.is_sequence(root));
        let extracted = manifest::extract(tree, document, context);
        self.workloads.extend(extracted.workloads);
        if let Some(source) = commands {
            self.workloads.extend(manifest::script::extract_document(
                source, tree, document, id, text,
            ));
        }
        self.kustomizations.extend(extracted.kustomization);
        self.configs.extend(extracted.config);
    }
}

/// True when a text holds ERB (`<%`) or Jinja (`{%`) tags: a template of another engine, whose
/// YAML is only valid once rendered.
fn has_template_tags(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memmem::find(bytes, b"<%").is_some() || memchr::memmem::find(bytes, b"{%").is_some()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// The facts of `path` (postcard, as the cache keeps them), extracted with and without
    /// skimming; None when the whole text has a syntax error (one inside a skipped value is
    /// the difference skimming makes on purpose).
    fn both_ways(path: &Path) -> Option<(Vec<u8>, Vec<u8>)> {
        let text = std::fs::read_to_string(path).ok()?;
        let display = path.to_string_lossy();
        let options = CheckOptions::default();
        let config = LoadedConfig::defaults_at(PathBuf::from("."));
        let facts = |skim| {
            let mut limits = Vec::new();
            let facts = extract_facts(
                FileId(0),
                &text,
                &display,
                &options,
                &config,
                &mut limits,
                skim,
            );
            (facts, limits)
        };
        let (whole, whole_limits) = facts(Skim::Nothing);
        if !whole.syntax_errors.is_empty() {
            return None;
        }
        let (skimmed, skimmed_limits) = facts(Skim::Values);
        assert_eq!(whole_limits, skimmed_limits, "{display}");
        let encode = |facts: &cache::Facts| postcard::to_allocvec(facts).unwrap();
        Some((encode(&whole), encode(&skimmed)))
    }

    fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                yaml_files(&path, out);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "yaml" || extension == "yml")
            {
                out.push(path);
            }
        }
    }

    /// Skimming changes no fact of any file that parses: on the fixtures, and on the shared
    /// corpus when `ADMINLINT_CORPUS` names it (51 of its files hold values to skip: four fifths
    /// of its bytes).
    #[test]
    fn skimming_changes_no_facts() {
        let mut files = Vec::new();
        yaml_files(Path::new("fixtures"), &mut files);
        let fixtures = files.len();
        if let Some(corpus) = std::env::var_os("ADMINLINT_CORPUS") {
            yaml_files(Path::new(&corpus), &mut files);
        }
        files.sort();
        let mut compared = 0;
        let mut skimmed = 0;
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let Some((whole, with_skim)) = both_ways(path) else {
                continue;
            };
            assert!(whole == with_skim, "{}: facts differ", path.display());
            compared += 1;
            skimmed += usize::from(manifest::skim::skim(&text, &[]).is_some());
        }
        assert!(
            compared > fixtures / 2,
            "{compared} of {} files compared",
            files.len()
        );
        if std::env::var_os("ADMINLINT_CORPUS").is_some() {
            assert!(skimmed >= 40, "only {skimmed} corpus files were skimmed");
        }
    }

    /// The fixture whose CRD schema is broken: the error is skipped with the schema.
    #[test]
    fn a_syntax_error_in_a_skipped_schema_is_not_a_fact() {
        let path = Path::new("fixtures/syntax-error/unread-values.yaml");
        let text = std::fs::read_to_string(path).unwrap();
        let options = CheckOptions::default();
        let config = LoadedConfig::defaults_at(PathBuf::from("."));
        let errors = |skim| {
            let mut limits = Vec::new();
            extract_facts(
                FileId(0),
                &text,
                "x.yaml",
                &options,
                &config,
                &mut limits,
                skim,
            )
            .syntax_errors
            .len()
        };
        assert_eq!((errors(Skim::Nothing), errors(Skim::Values)), (1, 0));
    }
}
