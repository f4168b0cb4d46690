//! Every kustomization's patches made ready for rendering: documents read, which are shared by
//! several renderings, and each applied to a workload copy in its phase.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::project::Project;
use crate::model::workload::Workload;
use crate::span::FileId;

use super::configs::Data;
use super::patch::{self, PatchField, PatchSource, Value};
use super::{Rendered, Renderer, apply, join_normalized, json6902, select};

/// The names and namespaces a workload copy has had, for matching patches (see
/// [`select::Candidate`]).
pub(super) struct History<'a> {
    pub(super) names: &'a mut Vec<String>,
    pub(super) namespaces: &'a mut Vec<String>,
}

impl History<'_> {
    /// Remember the copy's current name and namespace.
    pub(super) fn record(&mut self, workload: &Workload) {
        if let Some(name) = &workload.name
            && self.names.last() != Some(&name.value)
        {
            self.names.push(name.value.clone());
        }
        let namespace = workload.namespace_name();
        if self.namespaces.last().map(String::as_str) != Some(namespace) {
            self.namespaces.push(namespace.to_string());
        }
    }
}

/// One patch entry with its documents read.
struct LoadedPatch {
    field: PatchField,
    /// Strategic-merge documents, or one JSON 6902 list of operations.
    documents: Vec<Value>,
    json: bool,
    target: Option<patch::Target>,
    /// As shown to users: the patch file, or `kustomization.yaml:LINE` for an inline patch.
    name: String,
    /// Applied in more than one rendering, or an inline patch whose values have no exact place
    /// in the file: an edit there is not to be applied.
    shared: bool,
}

/// The patches of every kustomization, ready to apply.
pub(super) struct Patches {
    /// By kustomization, in application order.
    loaded: Vec<Vec<LoadedPatch>>,
    /// The kustomization files as shown to users.
    kustomization_names: Vec<String>,
    /// The kustomizations' directories as shown to users ("." for the working directory).
    overlays: Vec<String>,
    /// Files listed as patches: not objects of their own.
    pub(super) files: BTreeSet<FileId>,
}

impl Patches {
    /// Read every patch's documents (patch files from the project's files) and decide which
    /// are shared by several renderings.
    pub(super) fn load(
        renderer: &Renderer<'_>,
        renderings: &[(usize, Rendered)],
        notes: &mut Vec<String>,
    ) -> Patches {
        let project = renderer.project;
        let kustomizations = renderer.kustomizations;
        // The renderings each kustomization is applied in.
        let mut renderings_of: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); kustomizations.len()];
        for (scope, (_, rendered)) in renderings.iter().enumerate() {
            for (_, chain) in &rendered.members {
                for &k in chain {
                    renderings_of[k].insert(scope);
                }
            }
        }
        let display = |file: FileId| project.files[file.0 as usize].display.clone();
        let file_of = |k: usize, path: &str| -> Option<FileId> {
            renderer
                .files
                .find(&join_normalized(&renderer.dirs[k], path))
        };
        // The renderings each patch file is applied in, through every kustomization listing it.
        let mut file_renderings: std::collections::HashMap<FileId, BTreeSet<usize>> =
            std::collections::HashMap::new();
        let mut files = BTreeSet::new();
        // How many listings read each patch file: the last one takes its documents rather than
        // a copy (in a monorepo each overlay has patch files of its own).
        let mut listings: std::collections::HashMap<FileId, usize> =
            std::collections::HashMap::new();
        for (k, kustomization) in kustomizations.iter().enumerate() {
            for patch in &kustomization.patches {
                if let PatchSource::File(path) = &patch.source
                    && let Some(file) = file_of(k, &path.value)
                {
                    files.insert(file);
                    *listings.entry(file).or_default() += 1;
                    file_renderings
                        .entry(file)
                        .or_default()
                        .extend(renderings_of[k].iter().copied());
                }
            }
        }
        // Every patch file is parsed once, each on its own task (a project of hundreds of
        // overlays lists a patch file for each).
        use rayon::prelude::*;
        let mut parsed: std::collections::HashMap<FileId, Option<Vec<Value>>> = files
            .par_iter()
            .map(|&file| (file, file_documents(project, file)))
            .collect();
        let mut loaded = Vec::new();
        for (k, kustomization) in kustomizations.iter().enumerate() {
            let here = display(kustomization.file);
            let mut list = Vec::new();
            for patch in &kustomization.patches {
                let (documents, name, shared) = match &patch.source {
                    PatchSource::File(path) => {
                        let Some(file) = file_of(k, &path.value) else {
                            notes.push(format!(
                                "{here}: patch `{}` is not among the files read; it is not \
                                 rendered",
                                path.value
                            ));
                            continue;
                        };
                        let left = listings.get_mut(&file).map(|n| {
                            *n -= 1;
                            *n
                        });
                        let documents = if left == Some(0) {
                            parsed.remove(&file).flatten()
                        } else {
                            parsed.get(&file).cloned().flatten()
                        };
                        let shared = file_renderings.get(&file).is_some_and(|r| r.len() > 1);
                        (documents, display(file), shared)
                    }
                    PatchSource::Inline { documents, exact } => {
                        let line = project.files[kustomization.file.0 as usize]
                            .position(patch.entry.start as usize)
                            .line;
                        (
                            documents.clone(),
                            format!("{here}:{line}"),
                            renderings_of[k].len() > 1 || !exact,
                        )
                    }
                };
                let Some(documents) = documents else {
                    notes.push(format!(
                        "{here}: patch `{name}` could not be read as YAML; it is not rendered"
                    ));
                    continue;
                };
                let json = patch.field == PatchField::Json6902
                    || matches!(documents.as_slice(), [Value::Seq(..)]);
                if json && patch.target.is_none() {
                    notes.push(format!(
                        "{here}: JSON 6902 patch `{name}` has no `target:`; it is not rendered"
                    ));
                    continue;
                }
                list.push(LoadedPatch {
                    field: patch.field,
                    documents,
                    json,
                    target: patch.target.clone(),
                    name,
                    shared,
                });
            }
            loaded.push(list);
        }
        Patches {
            loaded,
            kustomization_names: kustomizations.iter().map(|k| display(k.file)).collect(),
            overlays: kustomizations
                .iter()
                .map(|k| {
                    let dir = project.files[k.file.0 as usize].dir();
                    if dir.is_empty() { "." } else { dir }.to_string()
                })
                .collect(),
            files,
        }
    }

    /// Apply kustomization `k`'s patches of one phase (`early`: strategic-merge and
    /// `patches:`; else `patchesJson6902:`) to a copy. False when a patch deletes it.
    pub(super) fn apply(
        &self,
        k: usize,
        early: bool,
        copy: &mut Workload,
        history: &mut History<'_>,
        matched: &mut BTreeMap<(usize, usize), bool>,
        notes: &mut Vec<String>,
    ) -> bool {
        let kustomization = &self.kustomization_names[k];
        for (i, patch) in self.loaded[k].iter().enumerate() {
            if (patch.field == PatchField::Json6902) == early {
                continue;
            }
            let candidate = select::Candidate {
                workload: copy,
                names: history.names,
                namespaces: history.namespaces,
            };
            let selected = match &patch.target {
                Some(target) => match candidate.selected_by(target) {
                    Ok(selected) => selected,
                    Err(error) => {
                        notes.push(format!(
                            "{kustomization}: patch `{}`: {error}; it is not rendered",
                            patch.name
                        ));
                        false
                    }
                },
                None => false,
            };
            let cx = apply::PatchCx {
                kustomization,
                overlay: &self.overlays[k],
                patch: &patch.name,
                shared: patch.shared,
            };
            let mut applied = false;
            if patch.json {
                if selected {
                    applied = true;
                    for op in patch.documents.iter().flat_map(Value::items) {
                        if let Err(error) = json6902::json6902_op(copy, op, &cx) {
                            notes.push(format!(
                                "{kustomization}: patch `{}`: {error}; that operation is not \
                                 applied",
                                patch.name
                            ));
                        }
                    }
                }
            } else {
                for document in &patch.documents {
                    let candidate = select::Candidate {
                        workload: copy,
                        names: history.names,
                        namespaces: history.namespaces,
                    };
                    if selected || (patch.target.is_none() && candidate.named_by(document)) {
                        applied = true;
                        if !apply::strategic_merge(copy, document, &cx, notes) {
                            matched.insert((k, i), true);
                            return false;
                        }
                    }
                }
            }
            history.record(copy);
            *matched.entry((k, i)).or_insert(false) |= applied;
        }
        true
    }

    /// Kustomization `k`'s patches of one phase (as in [`Patches::apply`]) applied to the
    /// `data` of a ConfigMap of the rendering that has had `names`: strategic-merge keys set
    /// or (`null`) removed, JSON 6902 `add`, `replace` and `remove` of `/data/KEY`. A target
    /// with a label or annotation selector is not matched (a ConfigMap's labels are not read).
    pub(super) fn apply_to_config_data(
        &self,
        k: usize,
        early: bool,
        names: &[String],
        data: &mut Data<'_>,
    ) {
        let targeted = |target: &patch::Target| {
            target.label_selector.is_none()
                && target.annotation_selector.is_none()
                && target.kind.as_deref().is_none_or(|k| k == "ConfigMap")
                && target.group.as_deref().is_none_or(str::is_empty)
                && target.name.as_ref().is_none_or(|pattern| {
                    names
                        .iter()
                        .any(|n| select::full_match(pattern, n).unwrap_or(false))
                })
        };
        for patch in &self.loaded[k] {
            if (patch.field == PatchField::Json6902) == early {
                continue;
            }
            let selected = patch.target.as_ref().is_some_and(targeted);
            if patch.json {
                if !selected {
                    continue;
                }
                for op in patch.documents.iter().flat_map(Value::items) {
                    let text = |key: &str| op.get(key).and_then(Value::str).unwrap_or_default();
                    let Some(key) = text("path").strip_prefix("/data/") else {
                        continue;
                    };
                    let key = key.replace("~1", "/").replace("~0", "~");
                    match (text("op"), op.get("value").and_then(Value::str)) {
                        ("add" | "replace", Some(value)) => {
                            data.to_mut().insert(key, value.to_string());
                        }
                        ("remove", _) => {
                            data.to_mut().remove(&key);
                        }
                        _ => {}
                    }
                }
                continue;
            }
            for document in &patch.documents {
                let text = |keys: &[&str]| document.path(keys).and_then(Value::str);
                let named = patch.target.is_none()
                    && text(&["kind"]) == Some("ConfigMap")
                    && text(&["metadata", "name"]).is_some_and(|n| names.iter().any(|h| h == n));
                if !(selected || named) {
                    continue;
                }
                for (key, _, value) in document.get("data").map(Value::entries).unwrap_or_default()
                {
                    match value {
                        Value::Null(_) => {
                            data.to_mut().remove(key);
                        }
                        value => {
                            if let Some(text) = value.str() {
                                data.to_mut().insert(key.clone(), text.to_string());
                            }
                        }
                    }
                }
            }
        }
    }

    /// A note for each strategic-merge patch without `target:` of a rendering that named a
    /// workload kind and matched no workload (kustomize stops there with an error).
    pub(super) fn unmatched(
        &self,
        matched: &BTreeMap<(usize, usize), bool>,
        notes: &mut Vec<String>,
    ) {
        for (&(k, i), &applied) in matched {
            let patch = &self.loaded[k][i];
            if applied || patch.json || patch.target.is_some() {
                continue;
            }
            let workload_kind = patch.documents.iter().any(|d| {
                let text = |key: &str| d.get(key).and_then(Value::str).unwrap_or_default();
                crate::manifest::kubernetes::pod_spec_path(text("apiVersion"), text("kind"))
                    .is_some()
            });
            if workload_kind {
                notes.push(format!(
                    "{}: patch `{}` matches no workload of the rendering; it is not rendered",
                    self.kustomization_names[k], patch.name
                ));
            }
        }
    }
}

/// The documents of a patch file, from its text in the project (None when it does not parse).
fn file_documents(project: &Project, file: FileId) -> Option<Vec<Value>> {
    Value::documents(&project.files[file.0 as usize].text, file, &|offset| offset)
}
