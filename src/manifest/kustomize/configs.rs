//! The ConfigMaps and Secrets of one rendering: declared in resource files (read at extraction
//! as [`DeclaredConfig`]) or generated, followed through each level as kustomize does (merge and
//! replace, patches of their data, namespace, prefix / suffix, the content-hash suffix), and the
//! workload references to them rewritten to their final names.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::model::workload::{ConfigKind, EnvValue, Workload};
use crate::span::FileId;
use crate::yaml::{NodeId, Tree};

use super::patches::Patches;
use super::replacement::SourceConfig;
use super::{Kustomization, MAX_DEPTH, Renderer, hash};

/// A ConfigMap or Secret declared in a resource file: kustomize renames references to it with
/// its name prefix / suffix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeclaredConfig {
    /// The file.
    #[serde(skip, default = "crate::span::current_file")]
    pub file: FileId,
    /// ConfigMap or Secret.
    pub kind: ConfigKind,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` ("" for none).
    pub namespace: String,
}

/// Key / value pairs packed into one string: a generated or vendored ConfigMap can hold
/// thousands of short entries, and a pair of strings each would cost two allocations per entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackedEntries {
    text: String,
    /// The end of each key, then of its value, in `text`.
    ends: Vec<u32>,
}

impl PackedEntries {
    /// Add a pair; false (and nothing added) when `text` would outgrow the offsets.
    pub fn push(&mut self, key: &str, value: &str) -> bool {
        let Ok(end) = u32::try_from(self.text.len() + key.len() + value.len()) else {
            return false;
        };
        self.text.push_str(key);
        self.ends.push(end - value.len() as u32);
        self.text.push_str(value);
        self.ends.push(end);
        true
    }

    /// The pairs in the order added.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        let mut spans = starts
            .zip(self.ends.iter().copied())
            .map(|(start, end)| &self.text[start as usize..end as usize]);
        std::iter::from_fn(move || Some((spans.next()?, spans.next()?)))
    }
}

/// Longest ConfigMap value kept for `replacements:` (they copy names, tags and the like; a
/// dashboard's JSON is not worth caching).
const MAX_SOURCE_VALUE: usize = 1024;

impl DeclaredConfig {
    /// The object when the document is a core ConfigMap or Secret with a name. Its data is not
    /// kept: only `replacements:` read it, and a run that has some reads it again from the
    /// file's text ([`declared_data`]), so that a project's large ConfigMaps are not carried
    /// in every run's facts and in the fact cache.
    pub fn extract(tree: &Tree, root: NodeId, file: FileId) -> Option<DeclaredConfig> {
        let text = |node: NodeId, key: &str| tree.get(node, key).and_then(|v| tree.str(v));
        let kind = match (text(root, "apiVersion"), text(root, "kind")) {
            (Some("v1"), Some("ConfigMap")) => ConfigKind::ConfigMap,
            (Some("v1"), Some("Secret")) => ConfigKind::Secret,
            _ => return None,
        };
        let metadata = tree.get(root, "metadata")?;
        Some(DeclaredConfig {
            file,
            kind,
            name: text(metadata, "name")?.to_string(),
            namespace: text(metadata, "namespace").unwrap_or_default().to_string(),
        })
    }
}

/// A ConfigMap's `data` entries of up to [`MAX_SOURCE_VALUE`] bytes.
fn data_of(tree: &Tree, root: NodeId) -> PackedEntries {
    let mut data = PackedEntries::default();
    if let Some(map) = tree.get(root, "data") {
        for (key, value) in tree.entries(map) {
            if let (Some(key), Some(value)) = (tree.str(key), tree.str(value))
                && value.len() <= MAX_SOURCE_VALUE
                && !data.push(key, value)
            {
                break;
            }
        }
    }
    data
}

/// The data of each of `configs` (all declared in the file whose text is `text`, in document
/// order, as extraction found them), read again from the text; an object the text no longer
/// matches (or a Secret: its data is not a replacement source here) has none.
pub(super) fn declared_data(
    text: &str,
    configs: &[&DeclaredConfig],
    limits: &crate::yaml::Limits,
) -> Vec<PackedEntries> {
    let mut found: Vec<(DeclaredConfig, PackedEntries)> = Vec::new();
    let mut each = |tree: &Tree, document: &crate::yaml::Document| {
        let Some(root) = document.root else {
            return;
        };
        if let Some(config) = DeclaredConfig::extract(tree, root, FileId(0)) {
            let data = if config.kind == ConfigKind::ConfigMap {
                data_of(tree, root)
            } else {
                PackedEntries::default()
            };
            found.push((config, data));
        }
    };
    crate::yaml::parse_each(text, limits, &mut each);
    configs
        .iter()
        .enumerate()
        .map(|(index, config)| match found.get_mut(index) {
            Some((again, data))
                if again.kind == config.kind
                    && again.name == config.name
                    && again.namespace == config.namespace =>
            {
                std::mem::take(data)
            }
            _ => PackedEntries::default(),
        })
        .collect()
}

/// No entries: the data of a declared object no replacement reads.
static NO_DATA: PackedEntries = PackedEntries {
    text: String::new(),
    ends: Vec::new(),
};

/// A ConfigMap's data in a rendering: the declaring file's entries, borrowed until a patch
/// changes them, so that a base's large ConfigMap is not copied for every overlay that holds it;
/// or a map of its own (generated, or patched).
#[derive(Debug, Clone)]
pub(super) enum Data<'p> {
    Declared(&'p PackedEntries),
    Owned(BTreeMap<String, String>),
}

impl Data<'_> {
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        match self {
            // The last of repeated keys wins, as it does in a map made of the entries.
            Data::Declared(entries) => entries
                .iter()
                .filter(|&(k, _)| k == key)
                .last()
                .map(|(_, v)| v),
            Data::Owned(map) => map.get(key).map(String::as_str),
        }
    }

    /// The data as a map to change (copying borrowed entries first).
    pub(super) fn to_mut(&mut self) -> &mut BTreeMap<String, String> {
        if let Data::Declared(entries) = *self {
            *self = Data::Owned(to_map(entries));
        }
        match self {
            Data::Owned(map) => map,
            Data::Declared(_) => unreachable!("borrowed data was copied above"),
        }
    }

    pub(super) fn as_map(&self) -> Cow<'_, BTreeMap<String, String>> {
        match self {
            Data::Declared(entries) => Cow::Owned(to_map(entries)),
            Data::Owned(map) => Cow::Borrowed(map),
        }
    }

    pub(super) fn into_map(self) -> BTreeMap<String, String> {
        match self {
            Data::Declared(entries) => to_map(entries),
            Data::Owned(map) => map,
        }
    }
}

fn to_map(entries: &PackedEntries) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A ConfigMap or Secret in a rendering.
pub(super) struct ConfigObject<'p> {
    pub(super) kind: ConfigKind,
    /// Every name it has had, the current one last (references may use any of them).
    pub(super) names: Vec<String>,
    pub(super) namespace: String,
    /// What a generator made it of: None for an object declared in a resource file.
    pub(super) generated: Option<Content>,
    /// A declared ConfigMap's short `data` values.
    pub(super) declared_data: Data<'p>,
}

/// A generated object's content, as far as its name depends on it.
pub(super) struct Content {
    /// None when a source could not be read: the hash cannot be computed. Always owned.
    pub(super) data: Option<Data<'static>>,
    pub(super) secret_type: String,
    pub(super) hash: bool,
}

impl<'p> ConfigObject<'p> {
    /// An object declared in a resource file, with its data when the run reads it.
    pub(super) fn declared(
        config: &'p DeclaredConfig,
        data: Option<&'p PackedEntries>,
    ) -> ConfigObject<'p> {
        ConfigObject {
            kind: config.kind,
            names: vec![config.name.clone()],
            namespace: config.namespace.clone(),
            generated: None,
            declared_data: Data::Declared(data.unwrap_or(&NO_DATA)),
        }
    }

    /// The object as a `replacements:` source reads it.
    pub(super) fn as_source(&self) -> SourceConfig<'_> {
        SourceConfig {
            kind: self.kind,
            names: &self.names,
            namespace: &self.namespace,
            data: match &self.generated {
                Some(content) => content.data.as_ref(),
                None => Some(&self.declared_data),
            },
        }
    }

    pub(super) fn has_had_name(&self, kind: ConfigKind, name: &str) -> bool {
        self.kind == kind && self.names.iter().any(|n| n == name)
    }

    /// The name kustomize prints: the current name, with the content hash when generated.
    fn final_name(&self) -> String {
        let current = self.names.last().cloned().unwrap_or_default();
        match &self.generated {
            Some(Content {
                data: Some(data),
                secret_type,
                hash: true,
            }) => format!(
                "{current}-{}",
                hash::name_suffix(self.kind, &data.as_map(), secret_type)
            ),
            _ => current,
        }
    }
}

impl<'p> Renderer<'p> {
    /// The ConfigMaps and Secrets kustomization `k` holds, in kustomize's order: its resources
    /// (each base rendered on its own), its generators, its components (which see and change
    /// everything before them), then its own `namespace:` and name prefix / suffix.
    pub(super) fn config_objects(
        &self,
        k: usize,
        depth: usize,
        stack: &mut Vec<usize>,
        objects: &mut Vec<ConfigObject<'p>>,
        patches: &Patches,
        notes: &mut Vec<String>,
    ) {
        if depth > MAX_DEPTH || stack.contains(&k) {
            return;
        }
        stack.push(k);
        let kustomization = &self.kustomizations[k];
        // Remote entries were noted when the workloads were rendered.
        for resolved in self.resources_of(k) {
            for &child in &resolved.children {
                let mut base = Vec::new();
                self.config_objects(child, depth + 1, stack, &mut base, patches, notes);
                objects.extend(base);
            }
            for file in &resolved.files {
                let data = self.declared_data.get(file);
                objects.extend(
                    self.declared_configs
                        .get(file)
                        .into_iter()
                        .flatten()
                        .enumerate()
                        .map(|(index, config)| {
                            ConfigObject::declared(config, data.and_then(|d| d.get(index)))
                        }),
                );
            }
        }
        for generator in &kustomization.generators {
            self.generate(k, generator, objects, notes);
        }
        for resolved in self.components_of(k) {
            for &child in &resolved.children {
                self.config_objects(child, depth + 1, stack, objects, patches, notes);
            }
        }
        for early in [true, false] {
            for object in objects.iter_mut() {
                // The data (when known: generated, or declared short values) as patched.
                if object.kind == ConfigKind::ConfigMap {
                    match &mut object.generated {
                        Some(Content {
                            data: Some(data), ..
                        }) => patches.apply_to_config_data(k, early, &object.names, data),
                        Some(Content { data: None, .. }) => {}
                        None => patches.apply_to_config_data(
                            k,
                            early,
                            &object.names,
                            &mut object.declared_data,
                        ),
                    }
                }
                if early {
                    transform_names(object, kustomization);
                }
            }
        }
        stack.pop();
    }
}

/// `namespace:` and the name prefix / suffix of one kustomization applied to an object.
fn transform_names(object: &mut ConfigObject, kustomization: &Kustomization) {
    if let Some(namespace) = &kustomization.namespace {
        object.namespace.clone_from(&namespace.value);
    }
    if kustomization.name_prefix.is_none() && kustomization.name_suffix.is_none() {
        return;
    }
    let current = object.names.last().cloned().unwrap_or_default();
    let renamed = format!(
        "{}{current}{}",
        kustomization.name_prefix.as_deref().unwrap_or_default(),
        kustomization.name_suffix.as_deref().unwrap_or_default()
    );
    if renamed != current {
        object.names.push(renamed);
    }
}

/// The final name of every ConfigMap and Secret of one rendering, by each name it has had.
pub(super) struct Renames {
    /// (kind, a name it has had) -> (namespace, final name), in rendering order.
    by_name: BTreeMap<(ConfigKind, String), Vec<(String, String)>>,
}

impl Renames {
    pub(super) fn new(objects: &[ConfigObject]) -> Renames {
        let mut by_name: BTreeMap<(ConfigKind, String), Vec<(String, String)>> = BTreeMap::new();
        for object in objects {
            let last = object.final_name();
            for name in &object.names {
                by_name
                    .entry((object.kind, name.clone()))
                    .or_default()
                    .push((object.namespace.clone(), last.clone()));
            }
        }
        Renames { by_name }
    }

    /// The name a reference from a workload in `namespace` ends up with: that of the one
    /// object in the same namespace (none written is `default`, as for kustomize) that has had
    /// that name, if any.
    fn renamed(&self, kind: ConfigKind, name: &str, namespace: &str) -> Option<&str> {
        let effective = |ns: &str| if ns.is_empty() { "default" } else { ns }.to_string();
        let namespace = effective(namespace);
        let candidates = self.by_name.get(&(kind, name.to_string()))?;
        only_one(
            candidates
                .iter()
                .filter(|(ns, _)| effective(ns) == namespace)
                .map(|(_, n)| n.as_str()),
        )
    }

    /// Rewrite a workload copy's references to ConfigMaps and Secrets of this rendering:
    /// `envFrom`, `env` `valueFrom`, volumes and image pull secrets.
    pub(super) fn apply(&self, workload: &mut Workload) {
        if self.by_name.is_empty() {
            return;
        }
        let namespace = workload.namespace_name().to_string();
        let rename = |kind: ConfigKind, name: &mut String| {
            if let Some(renamed) = self.renamed(kind, name, &namespace) {
                *name = renamed.to_string();
            }
        };
        for container in &mut workload.containers {
            for source in &mut container.config {
                rename(source.kind, &mut source.name);
            }
            for env in &mut container.env {
                match &mut env.value {
                    EnvValue::ConfigMapKey { name, .. } => rename(ConfigKind::ConfigMap, name),
                    EnvValue::SecretKey { name, .. } => rename(ConfigKind::Secret, name),
                    _ => {}
                }
            }
        }
        for volume in &mut workload.volumes {
            for source in &mut volume.sources {
                rename(source.kind, &mut source.name);
            }
        }
        for secret in &mut workload.image_pull_secrets {
            rename(ConfigKind::Secret, &mut secret.value);
        }
    }
}

/// The name when every candidate has the same one.
fn only_one<'a>(mut names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let first = names.next()?;
    names.all(|n| n == first).then_some(first)
}
