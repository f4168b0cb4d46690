//! Kustomize: each top-level kustomization (an overlay) is rendered as its own set of workloads,
//! with its patches, `namespace:`, name prefix / suffix, labels, `images:` and `replacements:`
//! applied (in kustomize's order) to copies of its resources, and references to its ConfigMaps
//! and Secrets (declared or generated) rewritten to their rendered names.

mod apply;
pub mod configs;
mod file_table;
pub mod generator;
mod hash;
mod json6902;
pub mod patch;
mod patches;
mod replacement;
mod select;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::model::image::ImageRef;
use crate::model::project::Project;
use crate::model::workload::Workload;
use crate::origin::Spanned;
use crate::origin::{ImageField, Step};
use crate::span::{FileId, Span};
use crate::yaml::{NodeId, Tree};

pub use configs::DeclaredConfig;
use file_table::FileTable;
use patch::PatchSource;
use patches::{History, Patches};

/// The file names `kubectl kustomize DIR` looks for.
const KUSTOMIZATION_FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Deepest chain of bases followed (overlay -> base -> base …).
const MAX_DEPTH: usize = 16;

/// One `images:` entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageTransform {
    /// The image name it applies to (repository as written, without tag).
    pub name: String,
    /// `newName`.
    pub new_name: Option<ImageSetting>,
    /// `newTag`.
    pub new_tag: Option<ImageSetting>,
    /// `digest`.
    pub digest: Option<ImageSetting>,
}

/// One field of an `images:` entry: its value, and where it is written (recorded as a step on
/// the images it changes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageSetting {
    /// The value.
    pub value: String,
    /// From the key to the end of the value.
    pub line: Span,
    /// The value node.
    pub value_span: Span,
}

/// The facts of one kustomization file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Kustomization {
    /// The file.
    #[serde(skip, default = "crate::span::current_file")]
    pub file: FileId,
    /// `resources:` entries as written.
    pub resources: Vec<Spanned<String>>,
    /// `components:` entries as written.
    pub components: Vec<Spanned<String>>,
    /// `images:` transformers.
    pub images: Vec<ImageTransform>,
    /// `namespace:`.
    pub namespace: Option<Spanned<String>>,
    /// `namePrefix:`.
    pub name_prefix: Option<String>,
    /// `nameSuffix:`.
    pub name_suffix: Option<String>,
    /// `patchesStrategicMerge:`, `patches:` and `patchesJson6902:` entries, in the order
    /// kustomize applies them.
    pub patches: Vec<patch::Patch>,
    /// `configMapGenerator:` and `secretGenerator:` entries.
    pub generators: Vec<generator::Generator>,
    /// `replacements:` written inline.
    pub replacements: Vec<replacement::Replacement>,
    /// `replacements:` entries kept in files (`path:`), not rendered.
    pub replacement_files: Vec<Spanned<String>>,
    /// `commonLabels:` and `labels:` pairs, added to every object's labels.
    pub labels: Vec<(String, Spanned<String>)>,
    /// Fields present that change objects but are not rendered (`helmCharts`, …), with where
    /// they are written.
    pub unrendered: Vec<Spanned<String>>,
}

/// Kustomization fields that change what the objects are and are not rendered, with what
/// skipping each means.
const UNRENDERED: [(&str, &str); 9] = [
    ("helmCharts", "the charts' objects are not checked"),
    (
        "helmChartInflationGenerator",
        "the charts' objects are not checked",
    ),
    ("generators", "generator plugins' objects are not checked"),
    (
        "transformers",
        "transformer plugins' changes are not applied",
    ),
    ("validators", "validator plugins are not run"),
    ("vars", "`$(VAR)` references are not substituted"),
    (
        "openapi",
        "its schema is not read (patches merge by the built-in keys)",
    ),
    ("crds", "its CRDs' merge keys are not read"),
    (
        "configurations",
        "its transformer configurations are not read",
    ),
];

/// Read a kustomization document.
pub fn extract(tree: &Tree, root: NodeId, file: FileId, source: &str) -> Kustomization {
    let span = |id: NodeId| {
        let (start, end) = tree.span(id);
        Span::new(file, start, end)
    };
    let list = |key: &str| -> Vec<Spanned<String>> {
        tree.get(root, key)
            .map(|l| {
                tree.items(l)
                    .iter()
                    .filter_map(|&i| Some(Spanned::new(tree.str(i)?.to_string(), span(i))))
                    .collect()
            })
            .unwrap_or_default()
    };
    let text = |node: NodeId, key: &str| {
        tree.get(node, key)
            .and_then(|v| tree.str(v))
            .map(str::to_string)
    };
    let mut resources = list("resources");
    // `bases:` is the older spelling of directory resources.
    resources.extend(list("bases"));
    let setting = |node: NodeId, key: &str| {
        let (key_node, value_node) = tree
            .entries(node)
            .into_iter()
            .find(|&(k, _)| tree.str(k) == Some(key))?;
        let value = tree.str(value_node)?.to_string();
        let (start, _) = tree.span(key_node);
        let (_, end) = tree.span(value_node);
        Some(ImageSetting {
            value,
            line: Span::new(file, start, end),
            value_span: span(value_node),
        })
    };
    let (replacements, replacement_files) = replacement::extract(tree, root, file);
    let images = tree
        .get(root, "images")
        .map(|l| {
            tree.items(l)
                .iter()
                .filter_map(|&entry| {
                    Some(ImageTransform {
                        name: text(entry, "name")?,
                        new_name: setting(entry, "newName"),
                        new_tag: setting(entry, "newTag"),
                        digest: setting(entry, "digest"),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Kustomization {
        file,
        resources,
        components: list("components"),
        images,
        namespace: tree
            .get(root, "namespace")
            .and_then(|n| Some(Spanned::new(tree.str(n)?.to_string(), span(n)))),
        name_prefix: text(root, "namePrefix"),
        name_suffix: text(root, "nameSuffix"),
        patches: patch::extract(tree, root, file, source),
        generators: generator::extract(tree, root, file),
        replacements,
        replacement_files,
        labels: extract_labels(tree, root, file),
        unrendered: tree
            .entries(root)
            .into_iter()
            .filter_map(|(key, _)| {
                let name = tree.str(key)?;
                UNRENDERED
                    .iter()
                    .any(|(field, _)| *field == name)
                    .then(|| Spanned::new(name.to_string(), span(key)))
            })
            .collect(),
    }
}

/// `commonLabels:` and the `pairs:` of every `labels:` entry, in that order.
fn extract_labels(tree: &Tree, root: NodeId, file: FileId) -> Vec<(String, Spanned<String>)> {
    let pairs = |map: NodeId| {
        tree.entries(map)
            .into_iter()
            .filter_map(|(key, value)| {
                let (start, end) = tree.span(value);
                Some((
                    tree.str(key)?.to_string(),
                    Spanned::new(tree.str(value)?.to_string(), Span::new(file, start, end)),
                ))
            })
            .collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    if let Some(common) = tree.get(root, "commonLabels") {
        out.extend(pairs(common));
    }
    if let Some(list) = tree.get(root, "labels") {
        for &entry in tree.items(list) {
            if let Some(map) = tree.get(entry, "pairs") {
                out.extend(pairs(map));
            }
        }
    }
    out
}

/// `dir` (absolute, normalised) joined with an entry of its kustomization, normalised.
fn join_normalized(dir: &Path, entry: &str) -> PathBuf {
    // Most entries are plain relative paths (`deployment.yaml`, `base/app`): joined, they
    // are already normal, and splitting the whole path into components again is skipped.
    let plain = !entry.is_empty()
        && !entry.contains('\\')
        && entry
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    if plain && dir.is_absolute() {
        dir.join(entry)
    } else {
        crate::discover::lexical(&dir.join(entry))
    }
}

/// The local paths a kustomization lists (resources, components, patch files), as written:
/// what rendering it reads besides its own file.
pub fn local_references(kustomization: &Kustomization) -> Vec<&str> {
    let patch_files = kustomization
        .patches
        .iter()
        .filter_map(|p| match &p.source {
            PatchSource::File(path) => Some(path.value.as_str()),
            PatchSource::Inline { .. } => None,
        });
    kustomization
        .resources
        .iter()
        .chain(&kustomization.components)
        .map(|entry| entry.value.as_str())
        .chain(patch_files)
        .filter(|entry| !is_remote(entry))
        .collect()
}

fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.contains("?ref=")
        || entry.starts_with("github.com/")
        || entry.starts_with("git@")
}

/// What rendering one kustomization yields: workloads (by index) and the transformer chain
/// applied to each, innermost first.
struct Rendered {
    members: Vec<(usize, Vec<usize>)>,
    has_base: bool,
}

struct Renderer<'p> {
    project: &'p Project,
    kustomizations: &'p [Kustomization],
    /// Absolute, normalised directory of each kustomization.
    dirs: Vec<PathBuf>,
    /// The project's files by absolute, normalised path.
    files: FileTable,
    /// The (first) kustomization in each directory: entries are resolved against it for every
    /// `resources` line, so a scan of `dirs` would make rendering quadratic.
    kustomization_by_dir: std::collections::HashMap<PathBuf, usize>,
    /// Workload indices by file (only files as given, scope 0).
    workloads_by_file: std::collections::HashMap<FileId, Vec<usize>>,
    /// ConfigMaps and Secrets declared, by file.
    declared_configs: std::collections::HashMap<FileId, Vec<&'p DeclaredConfig>>,
    /// Their data, in the same order, read only when some kustomization's `replacements:`
    /// take a value from a ConfigMap.
    declared_data: &'p std::collections::HashMap<FileId, Vec<configs::PackedEntries>>,
    /// Files a kustomization names besides resources (generator sources) are read up to this
    /// size; None: not read.
    read_cap: Option<u64>,
    /// Generator sources read so far, by path: a base's are read once, however many overlays
    /// render it.
    generator_files:
        std::sync::Mutex<std::collections::HashMap<PathBuf, Result<std::sync::Arc<str>, String>>>,
    /// What each kustomization's `resources` then `components` entries refer to, resolved once:
    /// finding roots, rendering each root (bases again under every overlay), the ConfigMaps of
    /// each rendering and the cycle check all walk the same entries.
    resolved: Vec<Vec<Resolved>>,
}

/// What one `resources` or `components` entry refers to.
#[derive(Debug, Default)]
struct Resolved {
    /// A remote base (a URL, `github.com/…`, `git@…`): not followed.
    remote: bool,
    /// The kustomization in the directory it names.
    children: Vec<usize>,
    /// Otherwise, the file it names or the files under the directory it names.
    files: Vec<FileId>,
}

impl Renderer<'_> {
    /// The kustomization file as shown to users.
    fn display(&self, k: usize) -> &str {
        &self.project.files[self.kustomizations[k].file.0 as usize].display
    }

    fn kustomization_in(&self, dir: &Path) -> Option<usize> {
        self.kustomization_by_dir.get(dir).copied()
    }

    /// Kustomizations and files an entry of `k` refers to.
    fn resolve(&self, k: usize, entry: &str) -> Resolved {
        if is_remote(entry) {
            return Resolved {
                remote: true,
                ..Resolved::default()
            };
        }
        let target = join_normalized(&self.dirs[k], entry);
        if let Some(child) = self.kustomization_in(&target) {
            return Resolved {
                children: vec![child],
                ..Resolved::default()
            };
        }
        // The file itself or everything under the directory.
        Resolved {
            files: self.files.at_or_under(&target),
            ..Resolved::default()
        }
    }

    /// Every entry of every kustomization resolved, each kustomization on its own task.
    fn resolve_all(&self) -> Vec<Vec<Resolved>> {
        use rayon::prelude::*;
        self.kustomizations
            .par_iter()
            .enumerate()
            .map(|(k, kustomization)| {
                kustomization
                    .resources
                    .iter()
                    .chain(&kustomization.components)
                    .map(|entry| self.resolve(k, &entry.value))
                    .collect()
            })
            .collect()
    }

    /// The resolved `resources` entries of `k`, in order.
    fn resources_of(&self, k: usize) -> &[Resolved] {
        &self.resolved[k][..self.kustomizations[k].resources.len()]
    }

    /// The resolved `components` entries of `k`, in order.
    fn components_of(&self, k: usize) -> &[Resolved] {
        &self.resolved[k][self.kustomizations[k].resources.len()..]
    }

    fn render(
        &self,
        k: usize,
        depth: usize,
        stack: &mut Vec<usize>,
        notes: &mut Vec<String>,
    ) -> Rendered {
        let mut rendered = Rendered {
            members: Vec::new(),
            has_base: false,
        };
        if let Some(at) = stack.iter().position(|&s| s == k) {
            let chain: Vec<&str> = stack[at..]
                .iter()
                .chain([&k])
                .map(|&s| self.display(s))
                .collect();
            notes.push(format!(
                "{}: the kustomization includes itself ({}); kustomize refuses this, and the \
                 inclusion is not followed",
                self.display(k),
                chain.join(" -> ")
            ));
            return rendered;
        }
        if depth > MAX_DEPTH {
            notes.push(format!(
                "{}: kustomizations nest more than {MAX_DEPTH} deep here; the deeper ones are \
                 not rendered",
                self.display(k)
            ));
            return rendered;
        }
        stack.push(k);
        let kustomization = &self.kustomizations[k];
        let mut component_chain = Vec::new();
        for (entries, resolved, is_component) in [
            (&kustomization.resources, self.resources_of(k), false),
            (&kustomization.components, self.components_of(k), true),
        ] {
            for (entry, resolved) in entries.iter().zip(resolved) {
                if resolved.remote {
                    let file = &self.project.files[kustomization.file.0 as usize];
                    notes.push(format!(
                        "{}: skipped remote resource `{}`",
                        file.display, entry.value
                    ));
                }
                for &child in &resolved.children {
                    if is_component {
                        component_chain.push(child);
                    } else {
                        rendered.has_base = true;
                    }
                    rendered
                        .members
                        .extend(self.render(child, depth + 1, stack, notes).members);
                }
                for file in &resolved.files {
                    for &index in self.workloads_by_file.get(file).into_iter().flatten() {
                        rendered.members.push((index, Vec::new()));
                    }
                }
            }
        }
        // This kustomization's transformers (and its components') apply to everything it holds.
        for (_, chain) in &mut rendered.members {
            chain.extend(component_chain.iter().copied());
            chain.push(k);
        }
        stack.pop();
        rendered
    }
}

impl Renderer<'_> {
    /// Kustomizations that include themselves with no root above them (one listing itself, two
    /// listing each other) are rendered by no root: say so, naming the cycle, rather than
    /// leave their resources checked as plain files without a word.
    fn note_unreachable_cycles(&self, renderings: &[(usize, Rendered)], notes: &mut Vec<String>) {
        let mut reached = BTreeSet::new();
        let mut queue: Vec<usize> = renderings.iter().map(|(root, _)| *root).collect();
        while let Some(k) = queue.pop() {
            if !reached.insert(k) {
                continue;
            }
            for resolved in &self.resolved[k] {
                queue.extend(&resolved.children);
            }
        }
        let mut cycle_notes = BTreeSet::new();
        for k in (0..self.kustomizations.len()).filter(|k| !reached.contains(k)) {
            let mut scratch = Vec::new();
            self.render(k, 0, &mut Vec::new(), &mut scratch);
            cycle_notes.extend(
                scratch
                    .into_iter()
                    .filter(|note| note.contains("includes itself")),
            );
        }
        notes.extend(cycle_notes);
    }
}

/// `namespace:`, the name prefix / suffix and the labels of one kustomization applied to a
/// workload copy.
fn transform_names(workload: &mut Workload, k: &Kustomization) {
    if let Some(namespace) = &k.namespace {
        workload.namespace = Some(namespace.clone());
    }
    for (key, value) in &k.labels {
        match workload.labels.iter_mut().find(|(k, _)| k == key) {
            Some((_, existing)) => *existing = value.clone(),
            None => workload.labels.push((key.clone(), value.clone())),
        }
    }
    if let Some(name) = &mut workload.name {
        if let Some(prefix) = &k.name_prefix {
            name.value.insert_str(0, prefix);
        }
        if let Some(suffix) = &k.name_suffix {
            name.value.push_str(suffix);
        }
    }
}

/// One kustomization's `images:` applied (in directory `dir`) to a workload copy; an image an
/// entry changes records the entry's fields as steps of its origin.
fn transform_images(workload: &mut Workload, k: &Kustomization, dir: &str) {
    for container in &mut workload.containers {
        let Some(image) = &mut container.image else {
            continue;
        };
        let current = &image.value;
        let name = match &current.registry {
            Some(registry) => format!("{registry}/{}", current.path),
            None => current.path.clone(),
        };
        let Some(rule) = k.images.iter().find(|t| t.name == name) else {
            continue;
        };
        let mut raw = rule.new_name.as_ref().map_or(name, |n| n.value.clone());
        match (&rule.digest, &rule.new_tag, &current.tag, &current.digest) {
            (Some(digest), _, _, _) => raw.push_str(&format!("@{}", digest.value)),
            (None, Some(tag), _, _) => raw.push_str(&format!(":{}", tag.value)),
            (None, None, tag, digest) => {
                if let Some(tag) = tag {
                    raw.push_str(&format!(":{tag}"));
                }
                if let Some(digest) = digest {
                    raw.push_str(&format!("@{digest}"));
                }
            }
        }
        image.value = ImageRef::parse(&raw);
        // `newTag` does nothing when `digest` is set.
        let version = match (&rule.digest, &rule.new_tag) {
            (Some(digest), _) => Some((ImageField::Digest, digest)),
            (None, Some(tag)) => Some((ImageField::NewTag, tag)),
            (None, None) => None,
        };
        let name = rule.new_name.as_ref().map(|n| (ImageField::NewName, n));
        for (field, setting) in name.into_iter().chain(version) {
            image.origin.push(Step::KustomizeImage {
                overlay: if dir.is_empty() {
                    ".".into()
                } else {
                    dir.to_string()
                },
                name: rule.name.clone(),
                field,
                value: setting.value.clone(),
                line: setting.line,
                value_span: setting.value_span,
            });
        }
    }
}

/// Render every top-level kustomization as its own scope (see the module doc). Workloads that a
/// rendering covers are replaced by their rendered copies; the rest stay as they are.
///
/// A patch file outside the files given (a `.json` patch, a file outside the paths checked) is
/// read from disk, up to `read_cap` bytes, into the file table; with no cap, it is not read.
/// Returns the files read so, each with the kustomization file that lists it, in file order.
pub fn render(
    project: &mut Project,
    kustomizations: &[Kustomization],
    declared_configs: &[DeclaredConfig],
    read_cap: Option<u64>,
    limits: &crate::yaml::Limits,
    notes: &mut Vec<String>,
) -> Vec<(FileId, FileId)> {
    let kustomizations = &read_by_kustomize(project, kustomizations, notes);
    if kustomizations.is_empty() {
        return Vec::new();
    }
    let files: Vec<Option<PathBuf>> = project
        .files
        .iter()
        .map(crate::discover::normal_absolute_of)
        .collect();
    let mut sorted_files = FileTable::new(
        files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((f.clone()?, FileId(u32::try_from(i).ok()?))))
            .collect(),
    );
    let mut workloads_by_file: std::collections::HashMap<FileId, Vec<usize>> =
        std::collections::HashMap::new();
    for (index, workload) in project.workloads.iter().enumerate() {
        if workload.scope == 0 {
            workloads_by_file
                .entry(workload.file)
                .or_default()
                .push(index);
        }
    }
    let dirs: Vec<PathBuf> = kustomizations
        .iter()
        .map(|k| {
            files[k.file.0 as usize]
                .as_ref()
                .and_then(|f| f.parent())
                .map(Path::to_path_buf)
                .unwrap_or_default()
        })
        .collect();
    let read = match read_cap {
        Some(cap) => read_patch_files(
            project,
            kustomizations,
            &dirs,
            &mut sorted_files,
            cap,
            notes,
        ),
        None => Vec::new(),
    };
    // A kustomization with no file name (standard input) has no directory of its own.
    let kustomization_dirs: BTreeMap<PathBuf, FileId> = dirs
        .iter()
        .zip(kustomizations)
        .rev()
        .filter(|(_, k)| files[k.file.0 as usize].is_some())
        .map(|(dir, k)| (dir.clone(), k.file))
        .collect();
    let mut configs_by_file: std::collections::HashMap<FileId, Vec<&DeclaredConfig>> =
        std::collections::HashMap::new();
    for config in declared_configs {
        configs_by_file.entry(config.file).or_default().push(config);
    }
    // Only a replacement from a ConfigMap reads declared data: the files holding ConfigMaps
    // are read and parsed again for it then, not in every run.
    let reads_data = kustomizations.iter().any(|k| {
        k.replacements
            .iter()
            .any(|r| r.source.kind.as_deref() == Some("ConfigMap"))
    });
    if reads_data {
        let holding: Vec<FileId> = configs_by_file
            .iter()
            .filter(|(_, configs)| {
                configs
                    .iter()
                    .any(|c| c.kind == crate::model::workload::ConfigKind::ConfigMap)
            })
            .map(|(&file, _)| file)
            .collect();
        restore_texts(project, holding, read_cap, notes);
    }
    let declared_data = if reads_data {
        configs_by_file
            .iter()
            .filter(|(_, configs)| {
                configs
                    .iter()
                    .any(|c| c.kind == crate::model::workload::ConfigKind::ConfigMap)
            })
            .map(|(&file, configs)| {
                let text = &project.files[file.0 as usize].text;
                (file, configs::declared_data(text, configs, limits))
            })
            .collect()
    } else {
        std::collections::HashMap::new()
    };
    let mut kustomization_by_dir = std::collections::HashMap::new();
    for (index, dir) in dirs.iter().enumerate() {
        kustomization_by_dir.entry(dir.clone()).or_insert(index);
    }
    let mut renderer = Renderer {
        project,
        kustomizations,
        dirs,
        kustomization_by_dir,
        files: sorted_files,
        workloads_by_file,
        declared_configs: configs_by_file,
        declared_data: &declared_data,
        read_cap,
        generator_files: std::sync::Mutex::default(),
        resolved: Vec::new(),
    };
    renderer.resolved = renderer.resolve_all();
    // Roots: kustomizations no other kustomization includes.
    let mut included: BTreeSet<usize> = BTreeSet::new();
    let mut listed: BTreeSet<FileId> = BTreeSet::new();
    for resolved in renderer.resolved.iter().flatten() {
        included.extend(&resolved.children);
        listed.extend(&resolved.files);
    }
    for kustomization in kustomizations {
        let here = &project.files[kustomization.file.0 as usize].display;
        for field in &kustomization.unrendered {
            let meaning = UNRENDERED
                .iter()
                .find(|(name, _)| *name == field.value)
                .map_or("", |(_, meaning)| meaning);
            notes.push(format!(
                "{here}: `{}:` is not rendered by adminlint; skipped ({meaning})",
                field.value
            ));
        }
        for file in &kustomization.replacement_files {
            notes.push(format!(
                "{here}: replacements in `{}` are not rendered (only inline ones are); skipped",
                file.value
            ));
        }
    }
    // Each root rendered on its own task, with its own notes, joined in root order.
    use rayon::prelude::*;
    let roots: Vec<usize> = (0..kustomizations.len())
        .filter(|k| !included.contains(k))
        .collect();
    let per_root: Vec<(usize, Rendered, Vec<String>)> = roots
        .into_par_iter()
        .with_max_len(1)
        .map(|root| {
            let mut own_notes = Vec::new();
            let rendered = renderer.render(root, 0, &mut Vec::new(), &mut own_notes);
            (root, rendered, own_notes)
        })
        .collect();
    let mut renderings = Vec::new();
    for (root, rendered, own_notes) in per_root {
        notes.extend(own_notes);
        if !rendered.members.is_empty() {
            renderings.push((root, rendered));
        }
    }
    renderer.note_unreachable_cycles(&renderings, notes);
    let first_note = notes.len();
    let patches = Patches::load(&renderer, &renderings, notes);
    // Each rendering on its own task (a project of hundreds of overlays spends most of this
    // stage here), with its own copies and notes, joined in rendering order.
    let per_rendering: Vec<RenderingCopies> = renderings
        .into_par_iter()
        .with_max_len(1)
        .enumerate()
        .map(|(scope, (root, rendered))| copies_of(&renderer, &patches, scope + 1, root, rendered))
        .collect();
    let mut copies = Vec::with_capacity(per_rendering.iter().map(|r| r.copies.len()).sum());
    let mut covered = BTreeSet::new();
    for rendering in per_rendering {
        copies.extend(rendering.copies);
        covered.extend(rendering.covered);
        notes.extend(rendering.notes);
    }
    // One pass over the workloads (each a large value, moved when an earlier one goes): those
    // a rendering copied go, and so do a patch file's, since a patch file is part of the
    // kustomizations that list it, not an object of its own.
    let mut index = 0;
    project.workloads.retain(|w| {
        let keep = !covered.contains(&index) && (w.scope != 0 || !patches.files.contains(&w.file));
        index += 1;
        keep
    });
    drop_unlisted(project, &files, &kustomization_dirs, &listed, notes);
    project.workloads.extend(copies);
    // A base's patch is applied in every overlay that renders it: one note is enough.
    let mut seen = BTreeSet::new();
    let mut index = 0;
    notes.retain(|note| {
        index += 1;
        index <= first_note || seen.insert(note.clone())
    });
    read
}

/// What one rendering makes: the workloads' copies, the workloads it copied, its notes.
struct RenderingCopies {
    copies: Vec<Workload>,
    covered: BTreeSet<usize>,
    notes: Vec<String>,
}

/// The copies of one root's rendering (scope `scope`): each member workload through its
/// kustomizations' patches, name and image transformers, then the rendering's replacements and
/// ConfigMap / Secret renames.
fn copies_of(
    renderer: &Renderer<'_>,
    patches: &Patches,
    scope: usize,
    root: usize,
    rendered: Rendered,
) -> RenderingCopies {
    let (project, kustomizations) = (renderer.project, renderer.kustomizations);
    let mut copies = Vec::new();
    let mut covered = BTreeSet::new();
    let mut notes = Vec::new();
    let overlay = rendered.has_base.then(|| {
        let file = &project.files[kustomizations[root].file.0 as usize];
        file.dir().to_string()
    });
    let mut matched = BTreeMap::new();
    let mut config_objects = Vec::new();
    renderer.config_objects(
        root,
        0,
        &mut Vec::new(),
        &mut config_objects,
        patches,
        &mut notes,
    );
    let renames = configs::Renames::new(&config_objects);
    // Copies kept, with the chain each went through and the names and namespaces it had.
    // Sized once: a copy is a large value, moved at every doubling of a growing vector.
    let mut rendered_copies = Vec::with_capacity(rendered.members.len());
    for (index, chain) in rendered.members {
        covered.insert(index);
        let mut copy = project.workloads[index].clone();
        let mut names: Vec<String> = copy.name.iter().map(|n| n.value.clone()).collect();
        let mut namespaces = vec![copy.namespace_name().to_string()];
        let mut kept = true;
        for &k in &chain {
            let kustomization = &kustomizations[k];
            let dir = project.files[kustomization.file.0 as usize].dir();
            let dir = if dir.is_empty() { "." } else { dir };
            let mut history = History {
                names: &mut names,
                namespaces: &mut namespaces,
            };
            for early in [true, false] {
                kept &= patches.apply(k, early, &mut copy, &mut history, &mut matched, &mut notes);
                if early {
                    transform_names(&mut copy, kustomization);
                    history.record(&copy);
                }
            }
            transform_images(&mut copy, kustomization, dir);
        }
        if kept {
            rendered_copies.push((copy, chain, names, namespaces));
        }
    }
    replacement::apply_all(
        project,
        kustomizations,
        &mut rendered_copies,
        &config_objects,
        &mut notes,
    );
    copies.reserve_exact(rendered_copies.len());
    for (mut copy, ..) in rendered_copies {
        renames.apply(&mut copy);
        copy.scope = scope;
        copy.overlay = overlay
            .clone()
            .filter(|o| !o.is_empty())
            .or(overlay.clone().map(|_| ".".into()));
        copies.push(copy);
    }
    patches.unmatched(&matched, &mut notes);
    RenderingCopies {
        copies,
        covered,
        notes,
    }
}

/// The kustomizations `kubectl kustomize` would read: those in a file it looks for. A
/// `kind: Kustomization` document in another file (a draft, a variant kept beside the real one)
/// is never rendered by kustomize, so it is not rendered here either; a note says so. A
/// document with no file name (standard input, an editor buffer not yet saved) is kept.
fn read_by_kustomize(
    project: &Project,
    kustomizations: &[Kustomization],
    notes: &mut Vec<String>,
) -> Vec<Kustomization> {
    let mut read = Vec::with_capacity(kustomizations.len());
    for kustomization in kustomizations {
        let file = &project.files[kustomization.file.0 as usize];
        let name = file.path.as_ref().and_then(|path| path.file_name());
        match name {
            Some(name) if !KUSTOMIZATION_FILE_NAMES.iter().any(|n| name == *n) => {
                notes.push(format!(
                    "{}: not rendered: kustomize reads a kustomization only from a file named \
                     `kustomization.yaml`, `kustomization.yml` or `Kustomization`",
                    file.display
                ));
            }
            _ => read.push(kustomization.clone()),
        }
    }
    read
}

/// Drop the objects of files that sit beside a kustomization which does not list them (nor does
/// any other): `kubectl apply -k` never deploys them, and `kubectl apply -f` is not used on a
/// kustomization's directory (it would send the kustomization itself). They are typically a
/// patch left behind or a variant kept for reference; checking them as objects gives findings
/// about something that never runs. One note per file says so, so the gap is not silent.
fn drop_unlisted(
    project: &mut Project,
    paths: &[Option<PathBuf>],
    kustomization_dirs: &BTreeMap<PathBuf, FileId>,
    listed: &BTreeSet<FileId>,
    notes: &mut Vec<String>,
) {
    let beside = |file: FileId| -> Option<FileId> {
        let path = paths.get(file.0 as usize)?.as_ref()?;
        kustomization_dirs.get(path.parent()?).copied()
    };
    let mut unlisted = BTreeMap::new();
    project.workloads.retain(|w| {
        if w.scope != 0 || listed.contains(&w.file) {
            return true;
        }
        match beside(w.file) {
            Some(kustomization) => {
                unlisted.insert(w.file, kustomization);
                false
            }
            None => true,
        }
    });
    for (file, kustomization) in unlisted {
        let display = |id: FileId| project.files[id.0 as usize].display.clone();
        notes.push(format!(
            "{}: not checked: it sits beside `{}`, which does not list it, so kustomize never \
             deploys it (list it under `resources:` or `patches:` to check it)",
            display(file),
            display(kustomization)
        ));
    }
}

/// Read again, into the file table, the texts of `files` that extraction did not keep (it keeps
/// no ConfigMap's text from the disk: most are never read again, and a project's ConfigMaps can
/// be most of its bytes). A run that reads nothing more from the disk (`read_cap` None) reads
/// nothing here: extraction kept those texts.
fn restore_texts(
    project: &mut Project,
    files: impl IntoIterator<Item = FileId>,
    read_cap: Option<u64>,
    notes: &mut Vec<String>,
) {
    let Some(cap) = read_cap else {
        return;
    };
    for id in files {
        let Some(file) = project.files.get_mut(id.0 as usize) else {
            continue;
        };
        if !file.readable || !file.text.is_empty() {
            continue;
        }
        let Some(path) = &file.path else {
            continue;
        };
        match crate::read::read_text(path, cap) {
            Ok(text) => file.text = std::sync::Arc::new(text),
            Err(error) => notes.push(format!(
                "{}: could not be read again for kustomize ({error}); its data is not rendered",
                file.display
            )),
        }
    }
}

/// Read the patch files the kustomizations list that are not among the files given into the
/// file table (and `sorted_files`), so that their values have a place to point at, and the
/// text of those among them whose text extraction did not keep.
fn read_patch_files(
    project: &mut Project,
    kustomizations: &[Kustomization],
    dirs: &[PathBuf],
    sorted_files: &mut FileTable,
    cap: u64,
    notes: &mut Vec<String>,
) -> Vec<(FileId, FileId)> {
    let mut read = Vec::new();
    for (k, kustomization) in kustomizations.iter().enumerate() {
        for patch in &kustomization.patches {
            let PatchSource::File(path) = &patch.source else {
                continue;
            };
            let target = join_normalized(&dirs[k], &path.value);
            // A file given whose text extraction dropped (a patch of a ConfigMap is a file
            // declaring one, a `$patch: delete` declares no workload): read again.
            if let Some(given) = sorted_files.find(&target) {
                restore_texts(project, [given], Some(cap), notes);
                continue;
            }
            if !target.is_file() {
                continue;
            }
            let text = match crate::read::read_text(&target, cap) {
                Ok(text) => text,
                Err(error) => {
                    let here = &project.files[kustomization.file.0 as usize].display;
                    notes.push(format!(
                        "{here}: patch `{}` could not be read ({error}); it is not rendered",
                        path.value
                    ));
                    continue;
                }
            };
            let id = FileId(u32::try_from(project.files.len()).unwrap_or(u32::MAX));
            let display = crate::discover::display_path(&target);
            project.files.push(crate::source::SourceFile::new(
                id,
                Some(target.clone()),
                display,
                text.into(),
            ));
            sorted_files.insert(target, id);
            read.push((id, kustomization.file));
        }
    }
    read
}
