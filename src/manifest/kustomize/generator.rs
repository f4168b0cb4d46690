//! `configMapGenerator` / `secretGenerator`: the generators a kustomization declares (read with
//! it, cached), and what running one does to the ConfigMaps and Secrets a rendering holds
//! (create, merge or replace; data from literals, files and env files).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::model::workload::ConfigKind;
use crate::origin::Spanned;
use crate::span::{FileId, Span};
use crate::yaml::{NodeId, Tree};

use super::configs::{ConfigObject, Content, Data};
use super::{Renderer, join_normalized};

/// How a generator's object joins what the kustomization's resources already hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Behavior {
    /// A new object (the default).
    Create,
    /// Its data added over an existing object's.
    Merge,
    /// Its data instead of an existing object's.
    Replace,
}

/// One `configMapGenerator` or `secretGenerator` entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Generator {
    /// ConfigMap or Secret.
    pub kind: ConfigKind,
    /// `name`.
    pub name: Spanned<String>,
    /// `namespace`, when set.
    pub namespace: Option<String>,
    /// `behavior`.
    pub behavior: Behavior,
    /// `literals` entries (`KEY=VALUE`).
    pub literals: Vec<String>,
    /// `files` entries (`[KEY=]PATH`).
    pub files: Vec<String>,
    /// `envs` entries (and the older single `env`).
    pub envs: Vec<String>,
    /// `options.disableNameSuffixHash` or the kustomization's `generatorOptions` one.
    pub disable_hash: bool,
    /// A Secret's `type` (None: `Opaque`).
    pub secret_type: Option<String>,
}

/// Read a kustomization's generators: ConfigMaps first, then Secrets (kustomize's order).
pub(super) fn extract(tree: &Tree, root: NodeId, file: FileId) -> Vec<Generator> {
    let disabled = |options: Option<NodeId>| {
        options
            .and_then(|o| tree.get(o, "disableNameSuffixHash"))
            .and_then(|v| tree.str(v))
            == Some("true")
    };
    let global_disable = disabled(tree.get(root, "generatorOptions"));
    let strings = |entry: NodeId, key: &str| -> Vec<String> {
        match tree.get(entry, key) {
            Some(list) if tree.is_sequence(list) => tree
                .items(list)
                .iter()
                .filter_map(|&i| tree.str(i).map(str::to_string))
                .collect(),
            Some(single) => tree.str(single).map(str::to_string).into_iter().collect(),
            None => Vec::new(),
        }
    };
    let mut out = Vec::new();
    for (key, kind) in [
        ("configMapGenerator", ConfigKind::ConfigMap),
        ("secretGenerator", ConfigKind::Secret),
    ] {
        let Some(list) = tree.get(root, key) else {
            continue;
        };
        for &entry in tree.items(list) {
            let Some(name_node) = tree.get(entry, "name") else {
                continue;
            };
            let Some(name) = tree.str(name_node) else {
                continue;
            };
            let (start, end) = tree.span(name_node);
            let text = |key: &str| {
                tree.get(entry, key)
                    .and_then(|v| tree.str(v))
                    .map(str::to_string)
            };
            let behavior = match text("behavior").as_deref() {
                Some("merge") => Behavior::Merge,
                Some("replace") => Behavior::Replace,
                _ => Behavior::Create,
            };
            let mut envs = strings(entry, "envs");
            envs.extend(text("env"));
            out.push(Generator {
                kind,
                name: Spanned::new(name.to_string(), Span::new(file, start, end)),
                namespace: text("namespace"),
                behavior,
                literals: strings(entry, "literals"),
                files: strings(entry, "files"),
                envs,
                disable_hash: global_disable || disabled(tree.get(entry, "options")),
                secret_type: text("type"),
            });
        }
    }
    out
}

impl Renderer<'_> {
    /// Run one generator of kustomization `k` against the objects it already holds.
    pub(super) fn generate(
        &self,
        k: usize,
        generator: &Generator,
        objects: &mut Vec<ConfigObject>,
        notes: &mut Vec<String>,
    ) {
        let here = &self.project.files[self.kustomizations[k].file.0 as usize].display;
        let what = format!(
            "{here}: {} `{}`",
            match generator.kind {
                ConfigKind::Secret => "secretGenerator",
                _ => "configMapGenerator",
            },
            generator.name.value
        );
        let data = self
            .generated_data(k, generator, &what, notes)
            .map(Data::Owned);
        let content = Content {
            data,
            secret_type: generator
                .secret_type
                .clone()
                .unwrap_or_else(|| "Opaque".into()),
            hash: !generator.disable_hash,
        };
        let existing = objects
            .iter_mut()
            .find(|o| o.has_had_name(generator.kind, &generator.name.value));
        match (generator.behavior, existing) {
            (Behavior::Create, None) => objects.push(ConfigObject {
                kind: generator.kind,
                names: vec![generator.name.value.clone()],
                namespace: generator.namespace.clone().unwrap_or_default(),
                generated: Some(content),
                declared_data: Data::Owned(BTreeMap::new()),
            }),
            (Behavior::Create, Some(_)) => notes.push(format!(
                "{what} creates an object that already exists (kustomize refuses this: use \
                 `behavior: merge` or `replace`); the first one is rendered"
            )),
            (Behavior::Merge | Behavior::Replace, None) => notes.push(format!(
                "{what} has `behavior: {}` but no base holds that object (kustomize refuses \
                 this); it is not rendered",
                if generator.behavior == Behavior::Merge {
                    "merge"
                } else {
                    "replace"
                }
            )),
            (behavior, Some(existing)) => {
                // The object keeps its name and namespace; either side turning the hash off
                // turns it off (as kubectl does).
                let merged = match existing.generated.take() {
                    Some(old) => {
                        let data = match (behavior, old.data, content.data) {
                            (Behavior::Merge, Some(mut old), Some(new)) => {
                                old.to_mut().extend(new.into_map());
                                Some(old)
                            }
                            (Behavior::Replace, _, new) => new,
                            _ => None,
                        };
                        Content {
                            data,
                            secret_type: content.secret_type,
                            hash: old.hash && content.hash,
                        }
                    }
                    None if behavior == Behavior::Replace => content,
                    // Merged into an object declared in a file, whose data is not read.
                    None => Content {
                        data: None,
                        ..content
                    },
                };
                existing.generated = Some(merged);
            }
        }
    }

    /// The data a generator makes; None (with a note) when a source cannot be read.
    fn generated_data(
        &self,
        k: usize,
        generator: &Generator,
        what: &str,
        notes: &mut Vec<String>,
    ) -> Option<BTreeMap<String, String>> {
        let mut data = BTreeMap::new();
        let mut complete = true;
        for literal in &generator.literals {
            let Some((key, value)) = literal.split_once('=') else {
                notes.push(format!(
                    "{what}: literal `{literal}` has no `=` (kustomize refuses it); skipped"
                ));
                continue;
            };
            data.insert(key.to_string(), unquote(value).to_string());
        }
        for entry in &generator.files {
            let (key, path) = match entry.split_once('=') {
                Some((key, path)) => (key.to_string(), path),
                None => (
                    Path::new(entry)
                        .file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or(entry)
                        .to_string(),
                    entry.as_str(),
                ),
            };
            match self.read_generator_file(k, path) {
                Ok(text) => {
                    data.insert(key, text.to_string());
                }
                Err(error) => {
                    complete = false;
                    notes.push(format!(
                        "{what}: file `{path}` could not be read ({error}); the name is \
                         rendered without its content hash"
                    ));
                }
            }
        }
        for path in &generator.envs {
            match self.read_generator_file(k, path) {
                Ok(text) => {
                    for (key, value) in env_file_pairs(&text) {
                        data.insert(key, value);
                    }
                }
                Err(error) => {
                    complete = false;
                    notes.push(format!(
                        "{what}: env file `{path}` could not be read ({error}); the name is \
                         rendered without its content hash"
                    ));
                }
            }
        }
        complete.then_some(data)
    }

    fn read_generator_file(&self, k: usize, path: &str) -> Result<Arc<str>, String> {
        let Some(cap) = self.read_cap else {
            return Err("files are not read from disk in this run".into());
        };
        let target = join_normalized(&self.dirs[k], path);
        crate::model::project::locked(&self.generator_files)
            .entry(target)
            .or_insert_with_key(|target| {
                // A file a generator names is a reference: "it does not exist", not an input
                // that vanished during the run.
                crate::read::read_text(target, cap)
                    .map(Arc::from)
                    .map_err(|e| e.as_reference())
            })
            .clone()
    }
}

/// A literal's value: kustomize drops one pair of matching quotes around it.
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if value.len() >= 2
            && let Some(inner) = value
                .strip_prefix(quote)
                .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// `KEY=VALUE` lines of an env file: leading blanks dropped, blank lines and `#` comments
/// skipped, values kept as written (quotes included). A line without `=` takes its value
/// from kustomize's environment, which is not known here: it is read as empty.
fn env_file_pairs(text: &str) -> Vec<(String, String)> {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .map(str::trim_start)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (key, value) = line.split_once('=').unwrap_or((line, ""));
            (key.to_string(), value.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_lose_one_pair_of_matching_quotes() {
        assert_eq!(unquote("'single'"), "single");
        assert_eq!(unquote("\"double\""), "double");
        assert_eq!(unquote("\"dq"), "\"dq");
        assert_eq!(unquote("x\"y\""), "x\"y\"");
        assert_eq!(unquote("\""), "\"");
    }

    #[test]
    fn env_files_skip_comments_and_keep_values_as_written() {
        let pairs = env_file_pairs("\u{feff}# comment\n\n  K1=v1\nK2=\"quoted\"\nK3=a=b\nBARE\n");
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("K1", "v1"),
                ("K2", "\"quoted\""),
                ("K3", "a=b"),
                ("BARE", "")
            ]
        );
    }
}
