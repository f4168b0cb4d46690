//! Docker Compose, read the way `docker compose` reads it: files grouped into projects (a base
//! file and its override file), `extends` and `include` followed, anchors and merge keys
//! resolved, the merge rules applied, variables interpolated from the project's `.env` file,
//! and one workload per service whose facts keep the file and line they came from.
//!
//! Compose needs several files at once, so it runs after every file has been read (see
//! [`check`]); files that `extends` / `include` name, and the partner of a base or override
//! file, are read from disk when they were not among the inputs, and join the file table.

pub mod interpolate;
mod merge;
mod service;
mod value;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use self::interpolate::{Environment, interpolate};
use self::service::{Context, Service};
use self::value::{Converter, Kind, Value};
use crate::CheckOptions;
use crate::discover::lexical;
use crate::fast_hash::{FastMap, path_key};
use crate::manifest::{DocumentKind, recognize};
use crate::model::project::{Project, Unresolved};
use crate::model::workload::Workload;
use crate::origin::Step;
use crate::source::SourceFile;
use crate::span::{FileId, Span};

/// The files Compose reads without `-f`, in its order of preference.
pub const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// The override files Compose merges onto the default file, in its order of preference.
pub const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// Nodes copied per file at most (aliases copy their target: this bounds alias bombs).
const NODE_BUDGET: usize = 200_000;
/// Deepest `extends` chain and `include` nesting followed.
const MAX_CHAIN: usize = 32;

/// True for names Compose users give Compose files: the default and override names and their
/// variants `compose.<anything>.yaml` / `docker-compose.<anything>.yml`.
pub fn is_compose_name(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
    else {
        return false;
    };
    stem == "compose"
        || stem == "docker-compose"
        || stem.starts_with("compose.")
        || stem.starts_with("docker-compose.")
}

/// Files `docker compose` is told to combine (`-f a -f b`, in that order), found outside the
/// Compose files themselves (scripts, Makefiles, CI): each set is checked as one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSet {
    /// The files in `-f` order, absolute or relative to the working directory.
    pub files: Vec<PathBuf>,
}

/// Load every Compose project among the files read so far (the sets [`Loader::group`] forms,
/// `extra_sets` among them) and add their services to the project. Files read from disk for
/// `extends`, `include`, override partners and file sets join `project.files`; notes go to
/// `notes`. Returns how many YAML documents it parsed in files it
/// read itself.
///
/// `converted` holds the per-file pass's answer for each file of the project it extracted that
/// [`may_be_compose`]: such a file is opened as Compose, any other extracted file is not (only
/// a Helm template, which the pass does not extract, is asked here).
pub fn check(
    options: &CheckOptions,
    project: &mut Project,
    converted: FastMap<FileId, Option<Converted>>,
    extra_sets: &[FileSet],
    notes: &mut Vec<String>,
) -> usize {
    // Every file of the run is indexed by location: sized once rather than grown.
    let inputs = FastMap::with_capacity_and_hasher(project.files.len(), Default::default());
    let mut loader = Loader {
        options,
        project,
        converted,
        notes,
        documents: 0,
        files: Vec::new(),
        by_key: BTreeMap::new(),
        missing: BTreeMap::new(),
        inputs,
        cwd: crate::discover::working_dir()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        environments: BTreeMap::new(),
    };
    let count = loader.project.files.len();
    for index in 0..count {
        let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        if let Some(location) = loader.location(id) {
            loader
                .inputs
                .entry(path_key(&location).into_owned())
                .or_insert(id);
        }
    }
    for index in 0..count {
        loader.open_input(index);
    }
    let groups = loader.group(extra_sets);
    let mut loaded_projects: Vec<Vec<usize>> = Vec::new();
    let mut queue: Vec<(Vec<usize>, usize)> = groups.into_iter().map(|g| (g, 0)).collect();
    queue.reverse();
    // Each file pulled in by an `include:` entry: the entries, and the projects they are in
    // (by the index of the project's first file).
    let mut included_by: BTreeMap<usize, Vec<(Span, usize)>> = BTreeMap::new();
    while let Some((members, depth)) = queue.pop() {
        let includes = loader.includes(&members);
        for (files, entry) in &includes {
            for &file in files {
                included_by
                    .entry(file)
                    .or_default()
                    .push((*entry, members[0]));
            }
        }
        loaded_projects.push(members);
        for (files, _) in includes {
            let known = files
                .iter()
                .any(|f| loaded_projects.iter().flatten().any(|m| m == f))
                || queue
                    .iter()
                    .any(|(q, _)| q.iter().any(|m| files.contains(m)));
            if !known && depth < MAX_CHAIN {
                queue.insert(0, (files, depth + 1));
            }
        }
    }
    let merged: Vec<Merged> = loaded_projects
        .iter()
        .map(|members| loader.merge_project(members, &included_by))
        .collect();
    // Each variable's uses among all the projects that read one `.env`: editing its value
    // there changes every one of them.
    let mut uses: BTreeMap<FileId, BTreeMap<String, usize>> = BTreeMap::new();
    for project in &merged {
        if let Some((file, _)) = project.env.file() {
            let counts = uses.entry(file).or_default();
            for service in &project.services {
                count_variables(&service.value, counts);
            }
            for include in &project.includes {
                count_variables(include, counts);
            }
        }
    }
    for project in merged {
        let counts = project
            .env
            .file()
            .and_then(|(file, _)| uses.get(&file))
            .cloned()
            .unwrap_or_default();
        loader.load_project(project, &counts);
    }
    for missing in std::mem::take(&mut loader.missing).into_values() {
        let message = match missing.services.len() {
            0 | 1 => missing.message,
            n => format!(
                "{}; {} other services of this file extend from it too",
                missing.message,
                n - 1
            ),
        };
        loader.unresolved(
            missing.span,
            message,
            "these services are checked only on what this file says; add the file or fix the path",
        );
    }
    loader.documents
}

/// True for a file the loader reads as Compose without being pointed at it: a Compose file
/// name, or a `services:` key at the start of a line.
pub fn may_be_compose(display: &str, text: &str) -> bool {
    is_compose_name(file_name(Path::new(display))) || has_services_key(text)
}

/// True when a line of `text` starts with `services:`. A SIMD substring search (memchr): it
/// runs on every file's text.
pub fn has_services_key(text: &str) -> bool {
    text.starts_with("services:") || memchr::memmem::find(text.as_bytes(), b"\nservices:").is_some()
}

fn named_input(file: &SourceFile) -> bool {
    is_compose_name(file_name(Path::new(&file.display)))
}

/// One file's Compose documents, converted: what the loader needs of a file. Made in the
/// per-file pass from the tree parsed there (see [`convert_file`]) and kept in the fact cache.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Converted {
    /// Services of its Compose documents, normalised, in order.
    services: Vec<ServiceDef>,
    /// `include` entries.
    includes: Vec<Value>,
    /// The node budget or depth limit cut the copy short.
    truncated: bool,
}

impl Converted {
    /// The files it names as written (`extends: file:`, `include:` paths, `env_file:`), for
    /// what ties files together even when the named file holds nothing yet.
    pub fn referenced_files(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut paths = |value: &Value| {
            let values = if value.str().is_some() {
                std::slice::from_ref(value)
            } else {
                value.items()
            };
            for item in values {
                let path = item.str().or_else(|| item.get("path").and_then(Value::str));
                out.extend(path.map(str::to_string));
                // `include: - path: [a, b]`.
                if let Some(list) = item.get("path") {
                    out.extend(
                        list.items()
                            .iter()
                            .filter_map(|v| v.str().map(str::to_string)),
                    );
                }
            }
        };
        for service in &self.services {
            if let Some(file) = service.value.get("extends").and_then(|e| e.get("file")) {
                paths(file);
            }
            if let Some(env_file) = service.value.get("env_file") {
                paths(env_file);
            }
        }
        for include in &self.includes {
            paths(include);
        }
        out
    }
}

/// Convert the Compose documents of a parsed file (`any_mapping`: also plain mappings without
/// `apiVersion` / `kind`, for files named like Compose files or named by `extends` /
/// `include`). None when it holds no Compose document, or is a template that does not parse.
pub fn convert_file(
    parsed: &crate::yaml::ParsedFile,
    text: &str,
    id: FileId,
    any_mapping: bool,
) -> Option<Converted> {
    if !parsed.errors.is_empty() && text.contains("{{") {
        return None;
    }
    let mut converter = Converter::new(&parsed.tree, text, id, NODE_BUDGET);
    let mut services = Vec::new();
    let mut includes = Vec::new();
    let mut compose = false;
    for document in &parsed.documents {
        let Some(root) = document.root else {
            continue;
        };
        let kind = recognize(&parsed.tree, document);
        let plain_mapping = parsed.tree.is_mapping(root)
            && parsed.tree.get(root, "apiVersion").is_none()
            && parsed.tree.get(root, "kind").is_none();
        if kind != DocumentKind::Compose && !(any_mapping && plain_mapping) {
            continue;
        }
        compose = true;
        // Only what services and includes use is copied: anchors under `x-` keys are
        // reached through their aliases.
        if let Some(node) = parsed.tree.get(root, "services") {
            // The converted mapping is this call's own: its entries move into the services.
            for entry in converter.convert(node).into_entries() {
                let mut value = entry.value;
                merge::normalise_service(&mut value);
                services.push(ServiceDef {
                    name: entry.key,
                    key_span: entry.key_span,
                    document: document.index,
                    value,
                });
            }
        }
        if let Some(node) = parsed.tree.get(root, "include") {
            includes.extend(converter.convert(node).into_items());
        }
    }
    compose.then_some(Converted {
        services,
        includes,
        truncated: converter.truncated,
    })
}

/// A Compose file, converted.
struct ComposeFile {
    id: FileId,
    /// Where relative paths are looked up from (None: stdin without a name).
    location: Option<PathBuf>,
    /// Services of its Compose documents, normalised, in order.
    services: Vec<ServiceDef>,
    /// `include` entries.
    includes: Vec<Value>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct ServiceDef {
    name: String,
    key_span: Span,
    document: usize,
    value: Value,
}

struct Loader<'a> {
    options: &'a CheckOptions,
    project: &'a mut Project,
    /// The files read so far that may be Compose files, converted in the per-file pass (None:
    /// no Compose document in it); taken from here as each is opened.
    converted: FastMap<FileId, Option<Converted>>,
    /// Notes for verbose output.
    notes: &'a mut Vec<String>,
    /// YAML documents parsed in files read here.
    documents: usize,
    files: Vec<ComposeFile>,
    /// Absolute, lexically normalised path → index in `files`.
    by_key: BTreeMap<PathBuf, usize>,
    /// `extends` files that cannot be read, by referring file and path as written: reported
    /// once, at the first reference.
    missing: BTreeMap<(FileId, String), MissingFile>,
    /// Every file of the report by location.
    inputs: FastMap<Vec<u8>, FileId>,
    /// The working directory relative paths are read against.
    cwd: PathBuf,
    /// `.env` files read, by path (each read once however many projects it serves).
    environments: BTreeMap<PathBuf, Environment>,
}

/// One project's services merged, before their workloads are made.
struct Merged {
    members: Vec<usize>,
    env: Environment,
    services: Vec<ServiceDef>,
    /// The `include:` entries of its files (their paths use variables too).
    includes: Vec<Value>,
}

/// Count the variable references in every scalar of `value` (defaults included).
fn count_variables(value: &Value, counts: &mut BTreeMap<String, usize>) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match &value.kind {
            Kind::Scalar(text, _) if text.contains('$') => {
                for name in interpolate::Template::parse(text).variables() {
                    *counts.entry(name).or_default() += 1;
                }
            }
            Kind::Seq(items) => stack.extend(items),
            Kind::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            Kind::Null | Kind::Scalar(..) => {}
        }
    }
}

struct MissingFile {
    span: Span,
    message: String,
    /// The services that extend from it.
    services: Vec<String>,
}

/// `path` made absolute against `cwd` and lexically normalised: the key files are known by.
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    lexical(&cwd.join(path))
}

fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

impl<'a> Loader<'a> {
    /// Where a report file is, for relative lookups.
    fn location(&self, id: FileId) -> Option<PathBuf> {
        let file = &self.project.files[id.0 as usize];
        match &file.path {
            // The path extraction made absolute (asked of every file of the run).
            Some(path) => match crate::discover::normal_absolute_of(file) {
                Some(known) if known.is_absolute() => Some(known),
                _ => Some(absolute(&self.cwd, path)),
            },
            None if file.display != "<stdin>" => {
                Some(absolute(&self.cwd, Path::new(&file.display)))
            }
            None => None,
        }
    }

    /// The text of an editor buffer for `path`, if one is open.
    fn buffer(&self, path: &Path) -> Option<&'a str> {
        self.options
            .buffers
            .iter()
            .chain(&self.options.reference_buffers)
            .find(|(p, _)| absolute(&self.cwd, p) == path)
            .map(|(_, text)| text.as_str())
    }

    /// The text of a file the project refers to: its editor buffer, else the file on disk
    /// (unless the run keeps to its buffers). Only a regular file within the size cap is read:
    /// a FIFO would block the run, and `/dev/zero` would never end.
    fn read_text(&self, path: &Path) -> Result<String, String> {
        if let Some(text) = self.buffer(path) {
            return Ok(text.to_string());
        }
        if !self.options.references_from_disk {
            return Err("it does not exist".into());
        }
        crate::read::read_text(path, self.options.max_file_size).map_err(|e| e.as_reference())
    }

    /// True when `path` is a buffer or, if the run reads the disk, a regular file.
    fn is_file(&self, path: &Path) -> bool {
        self.buffer(path).is_some() || (self.options.references_from_disk && path.is_file())
    }

    /// Read an input file as Compose when its name or content says it is one. Extraction
    /// asked that of every file it read, and converted those that may be (`converted`); a Helm
    /// template is not extracted, so its text is asked here.
    fn open_input(&mut self, index: usize) {
        let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        let file = &self.project.files[index];
        let template = file
            .path
            .as_deref()
            .is_some_and(crate::discover::is_helm_template);
        if self.converted.contains_key(&id)
            || (template && may_be_compose(&file.display, &file.text))
        {
            let named = named_input(file);
            self.convert(id, named, false);
        }
    }

    /// Convert a file of the report; None when it holds no Compose document. `referenced`
    /// accepts any mapping document (a file named by `extends` or `include`). An input's
    /// conversion was made in the per-file pass (or read from the fact cache); only files read
    /// here, and inputs first seen as `extends` / `include` targets, are parsed again.
    fn convert(&mut self, id: FileId, named: bool, referenced: bool) -> Option<usize> {
        let location = self.location(id);
        if let Some(key) = &location
            && let Some(&known) = self.by_key.get(key)
        {
            return Some(known);
        }
        let ahead = self.converted.remove(&id);
        let converted = match ahead {
            // Made for `named || looks` with `referenced = false`: the same answer whenever
            // `referenced` cannot widen it.
            Some(converted) if !referenced || named_input(&self.project.files[id.0 as usize]) => {
                converted?
            }
            _ => {
                let text = self.project.files[id.0 as usize].text.clone();
                let parsed = crate::yaml::parse(&text, &self.options.limits);
                convert_file(&parsed, &text, id, named || referenced)?
            }
        };
        if converted.truncated {
            self.notes.push(format!(
                "{}: the Compose file is too large or too deeply aliased; some values were not read",
                self.project.files[id.0 as usize].display
            ));
        }
        let index = self.files.len();
        if let Some(key) = &location {
            self.by_key.insert(key.clone(), index);
        }
        self.files.push(ComposeFile {
            id,
            location,
            services: converted.services,
            includes: converted.includes,
        });
        Some(index)
    }

    /// The Compose file at `path`: one already read, an input, or a file read from disk now.
    /// None when it does not exist or is not a Compose file.
    fn open_path(&mut self, path: &Path) -> Result<usize, String> {
        let key = absolute(&self.cwd, path);
        if let Some(&known) = self.by_key.get(&key) {
            return Ok(known);
        }
        let id = match self.inputs.get(path_key(&key).as_ref()) {
            Some(&id) => id,
            None => self.read(&key)?,
        };
        self.convert(id, true, true)
            .ok_or_else(|| "it is not a Compose file".to_string())
    }

    /// Read a file from disk (or an editor buffer) into the file table.
    fn read(&mut self, path: &Path) -> Result<FileId, String> {
        let text = self.read_text(path)?;
        let id = FileId(u32::try_from(self.project.files.len()).unwrap_or(u32::MAX));
        let display = crate::discover::display_path(path);
        let file = SourceFile::new(id, Some(path.to_path_buf()), display, text.into());
        let parsed = crate::yaml::parse(&file.text, &self.options.limits);
        self.documents += parsed.documents.len();
        for error in parsed.errors {
            self.project.syntax_errors.push((id, error));
        }
        self.project.loaded_comments.push((id, parsed.comments));
        self.project.files.push(file);
        self.inputs.insert(path_key(path).into_owned(), id);
        Ok(id)
    }

    fn dir_of(&self, index: usize) -> Option<PathBuf> {
        Some(self.files[index].location.as_ref()?.parent()?.to_path_buf())
    }

    /// The sets of files checked as one project each: the one place file sets are formed.
    ///
    /// Per directory: the files `COMPOSE_FILE` in its `.env` lists, else the default file with
    /// its override file (a partner missing from the inputs is read from disk); each
    /// `<x>.override` file merged onto its variant `<x>`, each fragment
    /// ([`Loader::is_fragment`]) onto the default file; every other file alone. Then
    /// each of `extra` (sets `docker compose -f a -f b` is given elsewhere, such as in
    /// scripts), unless it is one of those already. A file `COMPOSE_FILE` lists, or a
    /// fragment, is never a project alone: Compose never reads it alone.
    fn group(&mut self, extra: &[FileSet]) -> Vec<Vec<usize>> {
        let mut by_dir: BTreeMap<Option<PathBuf>, Vec<usize>> = BTreeMap::new();
        for index in 0..self.files.len() {
            by_dir.entry(self.dir_of(index)).or_default().push(index);
        }
        let mut projects: Vec<Vec<usize>> = Vec::new();
        for (dir, members) in by_dir {
            let named = |loader: &Self, names: &[&str]| {
                names.iter().find_map(|name| {
                    members
                        .iter()
                        .copied()
                        .find(|&m| loader.files[m].location.as_deref().map(file_name) == Some(name))
                })
            };
            let mut base = named(self, &DEFAULT_FILES);
            let mut over = named(self, &OVERRIDE_FILES);
            let listed = match &dir {
                Some(dir) => self.compose_file_set(dir, members[0]),
                None => None,
            };
            if let (Some(dir), None) = (&dir, &listed) {
                if base.is_none() && over.is_some() {
                    base = self.partner(dir, &DEFAULT_FILES);
                }
                if over.is_none() && base.is_some() {
                    over = self.partner(dir, &OVERRIDE_FILES);
                }
            }
            let mut grouped: Vec<usize> = Vec::new();
            match listed {
                Some(set) => {
                    grouped.extend(&set);
                    projects.push(set);
                }
                None => {
                    if let Some(base) = base {
                        projects.push(std::iter::once(base).chain(over).collect());
                    } else if let Some(over) = over {
                        projects.push(vec![over]);
                    }
                    grouped.extend(base.iter().chain(&over));
                }
            }
            for &member in &members {
                if grouped.contains(&member) {
                    continue;
                }
                // `docker-compose.<x>.override.yml` says by its name what it overrides.
                let variant = match &dir {
                    Some(dir) => self.variant_overridden(dir, member),
                    None => None,
                };
                let onto = match variant {
                    Some(variant) => Some(variant),
                    None => base.filter(|&base| self.is_fragment(member, base)),
                };
                if let Some(onto) = onto {
                    projects.push(vec![onto, member]);
                    grouped.push(member);
                }
            }
            for member in members {
                if !grouped.contains(&member) {
                    projects.push(vec![member]);
                }
            }
        }
        let mut named_by_sets: Vec<usize> = Vec::new();
        for set in extra {
            let members: Vec<usize> = set
                .files
                .iter()
                .filter_map(|path| self.open_path(path).ok())
                .collect();
            // Where a file of the set is not there (a set read relative to the wrong
            // directory), it is not what `docker compose` runs.
            if !members.is_empty()
                && members.len() == set.files.len()
                && !projects.contains(&members)
            {
                named_by_sets.extend(&members[1..]);
                projects.push(members);
            }
        }
        // A file only a set adds onto a base, without a Compose file's name, is never run alone.
        projects.retain(|project| match project.as_slice() {
            [only] if named_by_sets.contains(only) => self.files[*only]
                .location
                .as_deref()
                .is_some_and(|path| is_compose_name(file_name(path))),
            _ => true,
        });
        projects
    }

    /// The files `COMPOSE_FILE` in the `.env` of `dir` lists, split on
    /// `COMPOSE_PATH_SEPARATOR` (`:` when unset) and read relative to `dir`; None when it is
    /// not set or names no file that can be read. One that cannot be read is reported at the
    /// variable.
    fn compose_file_set(&mut self, dir: &Path, member: usize) -> Option<Vec<usize>> {
        let env = self.environment(&[member]);
        let list = env.get("COMPOSE_FILE")?.to_string();
        let separator = env
            .get("COMPOSE_PATH_SEPARATOR")
            .filter(|s| !s.is_empty())
            .unwrap_or(":")
            .to_string();
        let at = env.definition("COMPOSE_FILE").map(|d| d.line);
        let mut set = Vec::new();
        for path in list.split(separator.as_str()).map(str::trim) {
            if path.is_empty() {
                continue;
            }
            match self.open_path(&dir.join(path)) {
                Ok(index) if !set.contains(&index) => set.push(index),
                Ok(_) => {}
                Err(why) => {
                    if let Some(at) = at {
                        self.unresolved(
                            at,
                            format!("`COMPOSE_FILE` names `{path}`, which cannot be read ({why})"),
                            "the other files it names are checked together without it; fix the path or add the file",
                        );
                    }
                }
            }
        }
        (!set.is_empty()).then_some(set)
    }

    /// For `docker-compose.<x>.override.yml`, the variant `docker-compose.<x>.yml` beside it
    /// (either extension), which it overrides as the override file does the default file.
    fn variant_overridden(&mut self, dir: &Path, file: usize) -> Option<usize> {
        let name = self.files[file].location.as_deref().map(file_name)?;
        let stem = name
            .strip_suffix(".override.yml")
            .or_else(|| name.strip_suffix(".override.yaml"))?;
        let names = [format!("{stem}.yml"), format!("{stem}.yaml")];
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        self.partner(dir, &names)
    }

    /// True when a Compose file only makes sense merged onto the default file `base` of its
    /// directory (`docker compose -f docker-compose.yml -f docker-compose.inits.yml`): a
    /// `compose.<x>.yaml` / `docker-compose.<x>.yml` with a service that has no `image` or
    /// `build` of its own nor an `extends` to take one from, or that extends or depends on a
    /// service only the base defines. A variant whose services stand on their own is not one.
    fn is_fragment(&self, file: usize, base: usize) -> bool {
        let name = self.files[file]
            .location
            .as_deref()
            .map(file_name)
            .unwrap_or_default();
        if file == base
            || !is_compose_name(name)
            || DEFAULT_FILES.contains(&name)
            || OVERRIDE_FILES.contains(&name)
        {
            return false;
        }
        let names = |index: usize| -> Vec<&str> {
            self.files[index]
                .services
                .iter()
                .map(|s| s.name.as_str())
                .collect()
        };
        let (own, of_base) = (names(file), names(base));
        let only_base = |service: &str| !own.contains(&service) && of_base.contains(&service);
        self.files[file].services.iter().any(|service| {
            let value = &service.value;
            let extends = value.get("extends");
            let extended = extends
                .filter(|e| e.get("file").is_none())
                .and_then(|e| e.str().or_else(|| e.get("service")?.str()));
            let depends_on = value.get("depends_on").map_or(&[][..], Value::entries);
            (value.get("image").is_none() && value.get("build").is_none() && extends.is_none())
                || extended.is_some_and(only_base)
                || depends_on.iter().any(|d| only_base(&d.key))
        })
    }

    fn partner(&mut self, dir: &Path, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .map(|name| dir.join(name))
            .find(|path| self.is_file(path))
            .and_then(|path| self.open_path(&path).ok())
    }

    /// The projects a project's `include` entries name (each entry is a project of its own).
    /// Missing files are reported at the entry.
    fn includes(&mut self, members: &[usize]) -> Vec<(Vec<usize>, Span)> {
        let env = self.environment(members);
        let mut out = Vec::new();
        for &member in members {
            let entries = self.files[member].includes.clone();
            let base = self.dir_of(member);
            for entry in entries {
                let paths: Vec<&Value> = match &entry.kind {
                    Kind::Scalar(..) => vec![&entry],
                    Kind::Map(_) => match entry.get("path") {
                        Some(p) if matches!(p.kind, Kind::Seq(_)) => p.items().iter().collect(),
                        Some(p) => vec![p],
                        None => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                let mut files = Vec::new();
                for path in paths {
                    let Some(text) = path.str() else {
                        continue;
                    };
                    let text = interpolate(text, &env).text;
                    let Some(base) = &base else {
                        self.unresolved(
                            path.span,
                            format!("`include` names `{text}`, which cannot be found from standard input"),
                            "check the file from disk, or pass --stdin-filename",
                        );
                        continue;
                    };
                    match self.open_path(&base.join(&text)) {
                        Ok(index) => files.push(index),
                        Err(why) => self.unresolved(
                            path.span,
                            format!("`include` names `{text}`, which cannot be read ({why})"),
                            "the services it would add are not checked; fix the path or add the file",
                        ),
                    }
                }
                if !files.is_empty() {
                    out.push((files, entry.span));
                }
            }
        }
        out
    }

    fn unresolved(&mut self, span: Span, message: String, help: &str) {
        let unresolved = Unresolved {
            span,
            message,
            help: help.to_string(),
        };
        if !self.project.unresolved.contains(&unresolved) {
            self.project.unresolved.push(unresolved);
        }
    }

    /// The `.env` file next to the project's first file. One that is there but cannot be read
    /// is said in a note: its variables are taken as unset. One that is read joins the file
    /// table (so findings can point at its lines) as a file of values, not a file checked.
    fn environment(&mut self, members: &[usize]) -> Environment {
        let Some(dir) = members.first().and_then(|&m| self.dir_of(m)) else {
            return Environment::default();
        };
        let path = dir.join(".env");
        if let Some(known) = self.environments.get(&path) {
            return known.clone();
        }
        let env = self.read_environment(&path);
        self.environments.insert(path, env.clone());
        env
    }

    fn read_environment(&mut self, path: &Path) -> Environment {
        // An editor buffer for `.env` is an input of the run already, but its text was not
        // kept (no YAML facts in it): it is taken again, in the same place of the table.
        if let Some(&id) = self.inputs.get(path_key(path).as_ref()) {
            let Ok(text) = self.read_text(path) else {
                return Environment::default();
            };
            let file = &self.project.files[id.0 as usize];
            let display = file.display.clone();
            let env = Environment::parse_file(&text, id, display.clone());
            self.project.files[id.0 as usize] =
                SourceFile::new(id, file.path.clone(), display, text.into());
            if !self.project.env_files.contains(&id) {
                self.project.env_files.push(id);
            }
            return env;
        }
        // No `.env` is the common case, not worth a note; one that is there but is no regular
        // file (a FIFO, a directory) is.
        let on_disk = self.options.references_from_disk && path.exists();
        if self.buffer(path).is_none() && !on_disk {
            return Environment::default();
        }
        match self.read_text(path) {
            Ok(text) => {
                let id = FileId(u32::try_from(self.project.files.len()).unwrap_or(u32::MAX));
                let display = crate::discover::display_path(path);
                let env = Environment::parse_file(&text, id, display.clone());
                let file = SourceFile::new(id, Some(path.to_path_buf()), display, text.into());
                self.project.files.push(file);
                self.project.env_files.push(id);
                self.inputs.insert(path_key(path).into_owned(), id);
                env
            }
            Err(why) => {
                let note = format!(
                    "{}: not read ({why}); its variables are taken as unset",
                    crate::discover::display_path(path)
                );
                if !self.notes.contains(&note) {
                    self.notes.push(note);
                }
                Environment::default()
            }
        }
    }

    /// Merge the files of one project: its services, each with the steps its values went
    /// through (an override file's values over the base's, the `include:` that pulled the
    /// project in).
    fn merge_project(
        &mut self,
        members: &[usize],
        included_by: &BTreeMap<usize, Vec<(Span, usize)>>,
    ) -> Merged {
        let env = self.environment(members);
        let mut merged: Vec<ServiceDef> = Vec::new();
        for &member in members {
            let names: Vec<String> = self.files[member]
                .services
                .iter()
                .map(|s| s.name.clone())
                .collect();
            for name in names {
                let Some(resolved) = self.resolve(member, &name, &env, &mut Vec::new()) else {
                    continue;
                };
                match merged.iter().position(|s| s.name == name) {
                    Some(at) => {
                        let earlier = merged.remove(at);
                        let merged_value =
                            merge::merge_files(earlier.value, resolved.value, &self.project.files);
                        if let Some(value) = merged_value {
                            merged.insert(at, ServiceDef { value, ..earlier });
                        }
                    }
                    None => {
                        if let Some(value) = merge::strip(resolved.value) {
                            merged.push(ServiceDef { value, ..resolved });
                        }
                    }
                }
            }
        }
        let includers: Vec<(Span, usize)> = members
            .iter()
            .filter_map(|m| included_by.get(m))
            .flatten()
            .copied()
            .collect();
        let mut projects: Vec<usize> = includers.iter().map(|&(_, p)| p).collect();
        projects.sort_unstable();
        projects.dedup();
        for &(entry, _) in &includers {
            let step = Step::Include {
                by: self.project.files[entry.file.0 as usize].display.clone(),
                at: entry,
                shared: projects.len() > 1,
            };
            for service in &mut merged {
                service.value.push_step_deep(&step);
            }
        }
        let includes = members
            .iter()
            .flat_map(|&m| self.files[m].includes.iter().cloned())
            .collect();
        Merged {
            members: members.to_vec(),
            env,
            services: merged,
            includes,
        }
    }

    /// Add a workload per service of a merged project. `uses` counts each variable's uses
    /// among the projects that read the same `.env`.
    fn load_project(&mut self, project: Merged, uses: &BTreeMap<String, usize>) {
        let Merged {
            members,
            env,
            services: merged,
            ..
        } = project;
        let first = &self.project.files[self.files[members[0]].id.0 as usize];
        let combination = self.combination_name(&members);
        let key = match &combination {
            Some(_) => members
                .iter()
                .map(|&m| {
                    self.project.files[self.files[m].id.0 as usize]
                        .display
                        .as_str()
                })
                .collect::<Vec<_>>()
                .join(" + "),
            None => first.display.clone(),
        };
        let project_dir = self.dir_of(members[0]);
        let dirs: BTreeMap<FileId, PathBuf> = self
            .files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((f.id, self.dir_of(i)?)))
            .collect();
        let dir_of = |file: FileId| dirs.get(&file).cloned();
        let context = Context {
            env: &env,
            uses,
            project: &key,
            project_dir: project_dir.as_deref(),
            dir_of: &dir_of,
        };
        let mut services: Vec<Workload> = merged
            .iter()
            .map(|s| {
                service::extract(
                    &Service {
                        name: &s.name,
                        key_span: s.key_span,
                        document: s.document,
                        value: &s.value,
                    },
                    &context,
                )
            })
            .collect();
        // A role signal that only the whole project shows: who waits for whom to complete.
        let waiters = crate::model::role::signals::completion_waiters(&services);
        for (service, waiter) in services.iter_mut().zip(waiters) {
            if let Some(facts) = &mut service.compose {
                facts.waited_on_by = waiter;
            }
        }
        if env.exhausted() {
            self.notes.push(format!(
                "{key}: variables expand to more than {} bytes in all; references past that are \
                 taken as unknown",
                interpolate::SUBSTITUTION_BUDGET
            ));
        }
        if let Some(name) = combination {
            // Named in its findings; a base service's finding that every set the base is in
            // makes alike is reported once (see `findings`).
            for service in &mut services {
                service.overlay = Some(name.clone());
            }
        }
        self.project.workloads.extend(services);
    }

    /// How a project of several files that is not a default file with its override file is
    /// named in messages: `docker-compose.yml + docker-compose.inits.yml` (paths relative to
    /// the first file's directory). None for a single file and a default / override pair.
    fn combination_name(&self, members: &[usize]) -> Option<String> {
        let name_of = |m: usize| self.files[m].location.as_deref().map(file_name);
        let default_pair = match members {
            [_] => true,
            [base, over] => {
                name_of(*base).is_some_and(|n| DEFAULT_FILES.contains(&n))
                    && name_of(*over).is_some_and(|n| OVERRIDE_FILES.contains(&n))
            }
            _ => false,
        };
        if default_pair {
            return None;
        }
        let dir = self.dir_of(members[0]);
        let names: Vec<String> = members
            .iter()
            .map(|&m| match (&dir, &self.files[m].location) {
                (Some(dir), Some(path)) => service::relative(dir, path),
                _ => self.project.files[self.files[m].id.0 as usize]
                    .display
                    .clone(),
            })
            .collect();
        Some(names.join(" + "))
    }

    /// A service of one file with its `extends` chain applied. None when the file does not
    /// define it.
    fn resolve(
        &mut self,
        file: usize,
        name: &str,
        env: &Environment,
        chain: &mut Vec<(usize, String)>,
    ) -> Option<ServiceDef> {
        let mut definition = self.files[file]
            .services
            .iter()
            .find(|s| s.name == name)?
            .clone();
        let Some(extends) = take_entry(&mut definition.value, "extends") else {
            return Some(definition);
        };
        let Some(target_name) = extends.get("service").and_then(Value::str) else {
            return Some(definition);
        };
        let target_name = interpolate(target_name, env).text;
        let target_file = match extends.get("file") {
            None => file,
            Some(path) => {
                let text = interpolate(path.str().unwrap_or_default(), env).text;
                let opened = match self.dir_of(file) {
                    Some(dir) => self.open_path(&dir.join(&text)),
                    None => Err("it cannot be found from standard input".into()),
                };
                match opened {
                    Ok(index) => index,
                    Err(why) => {
                        let key = (definition.key_span.file, text.clone());
                        let missing = self.missing.entry(key).or_insert_with(|| MissingFile {
                            span: path.span,
                            message: format!(
                                "service `{name}` extends `{target_name}` from `{text}`, which cannot be read ({why})"
                            ),
                            services: Vec::new(),
                        });
                        if !missing.services.iter().any(|s| s == name) {
                            missing.services.push(name.to_string());
                        }
                        return Some(definition);
                    }
                }
            }
        };
        chain.push((file, name.to_string()));
        if chain.contains(&(target_file, target_name.clone())) || chain.len() > MAX_CHAIN {
            let names: Vec<String> = chain.iter().map(|(_, n)| format!("`{n}`")).collect();
            self.unresolved(
                extends.span,
                format!(
                    "service `{name}` extends `{target_name}`, which extends it back ({} → `{target_name}`)",
                    names.join(" → ")
                ),
                "break the cycle; the service is checked only on what this file says",
            );
            chain.pop();
            return Some(definition);
        }
        let base = self.resolve(target_file, &target_name, env, chain);
        chain.pop();
        let Some(base) = base else {
            let span = extends.get("service").map_or(extends.span, |s| s.span);
            self.unresolved(
                span,
                format!("service `{name}` extends `{target_name}`, which is not defined there"),
                "the service is checked only on what this file says; fix the service name",
            );
            return Some(definition);
        };
        // What the service inherits went through its `extends`: editing it where it is written
        // changes every service that extends the same one.
        let mut inherited = base.value;
        inherited.push_step_deep(&Step::Extends {
            service: target_name,
            at: extends.span,
        });
        let value = merge::merge(inherited, definition.value)?;
        Some(ServiceDef {
            value,
            ..definition
        })
    }
}

/// Remove and return one entry's value from a mapping.
fn take_entry(value: &mut Value, key: &str) -> Option<Value> {
    let Kind::Map(entries) = &mut value.kind else {
        return None;
    };
    let at = entries.iter().position(|e| e.key == key)?;
    Some(entries.remove(at).value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A set given from outside (a script's `docker compose -f deploy.yaml -f jobs.yaml`) is one
    /// project named after its files; a single file is a project of its own, unnamed.
    #[test]
    fn extra_file_sets_are_checked_as_one_project() {
        let base = PathBuf::from("/virtual/shop/deploy.yaml");
        let jobs = PathBuf::from("/virtual/shop/jobs.yaml");
        let options = CheckOptions {
            buffers: [
                (
                    base.clone(),
                    "services:\n  web:\n    image: shop:2\n".to_string(),
                ),
                (
                    jobs.clone(),
                    "services:\n  migrate:\n    image: shop:1\n".to_string(),
                ),
            ]
            .into(),
            references_from_disk: false,
            ..CheckOptions::default()
        };
        let mut project = Project::default();
        let sets = [
            FileSet {
                files: vec![base.clone(), jobs],
            },
            FileSet { files: vec![base] },
        ];
        check(
            &options,
            &mut project,
            FastMap::default(),
            &sets,
            &mut Vec::new(),
        );
        let loaded: Vec<(String, Option<String>)> = project
            .workloads
            .iter()
            .map(|w| (w.title(), w.overlay.clone()))
            .collect();
        let set = Some("deploy.yaml + jobs.yaml".to_string());
        assert_eq!(
            loaded,
            [
                ("service `web`".to_string(), set.clone()),
                ("service `migrate`".to_string(), set),
                ("service `web`".to_string(), None),
            ]
        );
        let projects: Vec<&str> = project
            .workloads
            .iter()
            .filter_map(|w| Some(w.compose.as_ref()?.project.as_str()))
            .collect();
        assert_eq!(projects[0], projects[1]);
        assert_ne!(projects[0], projects[2]);
    }

    /// `COMPOSE_FILE` from `.env`, split on `COMPOSE_PATH_SEPARATOR`: the files it lists are
    /// one project, none of them alone; a file it names that cannot be read is reported at the
    /// variable's line and the others are still checked together.
    #[test]
    fn compose_file_from_dotenv_forms_the_project() {
        let dir = PathBuf::from("/virtual/shop");
        let base = dir.join("compose.yaml");
        let jobs = dir.join("jobs.yaml");
        let env = "COMPOSE_PATH_SEPARATOR=,\nCOMPOSE_FILE=compose.yaml,jobs.yaml,gone.yaml\n";
        let options = CheckOptions {
            buffers: [
                (dir.join(".env"), env.to_string()),
                (
                    jobs.clone(),
                    "services:\n  migrate:\n    image: shop:1\n".to_string(),
                ),
            ]
            .into(),
            references_from_disk: false,
            ..CheckOptions::default()
        };
        let mut project = Project::default();
        let text = "services:\n  web:\n    image: shop:2\n";
        let display = base.display().to_string();
        project.files.push(SourceFile::new(
            FileId(0),
            Some(base),
            display,
            text.to_string().into(),
        ));
        // As the per-file pass hands it over: the file converted, being a Compose file.
        let parsed = crate::yaml::parse(text, &options.limits);
        let converted = [(FileId(0), convert_file(&parsed, text, FileId(0), true))]
            .into_iter()
            .collect();
        check(&options, &mut project, converted, &[], &mut Vec::new());
        let loaded: Vec<(String, Option<String>)> = project
            .workloads
            .iter()
            .map(|w| (w.title(), w.overlay.clone()))
            .collect();
        let set = Some("compose.yaml + jobs.yaml".to_string());
        assert_eq!(
            loaded,
            [
                ("service `web`".to_string(), set.clone()),
                ("service `migrate`".to_string(), set),
            ]
        );
        let unresolved: Vec<(&str, &str)> = project
            .unresolved
            .iter()
            .map(|u| {
                let file = &project.files[u.span.file.0 as usize];
                (
                    &file.text[u.span.start as usize..u.span.end as usize],
                    u.message.as_str(),
                )
            })
            .collect();
        assert_eq!(
            unresolved,
            [(
                "COMPOSE_FILE=compose.yaml,jobs.yaml,gone.yaml",
                "`COMPOSE_FILE` names `gone.yaml`, which cannot be read (it does not exist)"
            )]
        );
    }

    #[test]
    fn compose_file_names() {
        for name in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yml",
            "docker-compose.yaml",
            "compose.override.yaml",
            "docker-compose.override.yml",
            "compose.prod.yaml",
            "docker-compose.test.override.yml",
        ] {
            assert!(is_compose_name(name), "{name}");
        }
        for name in [
            "compose.json",
            "docker-compose-tls.yml",
            "pwd.yml",
            "compose",
        ] {
            assert!(!is_compose_name(name), "{name}");
        }
    }
}
