//! `replacements:`: a value read from one object of the rendering (a workload's image or name,
//! a ConfigMap's data) copied into fields of others, whole or as one `delimiter`-separated part.
//! Applied to the workload facts through the JSON 6902 operations, so a replaced value records
//! the replacement as a patch step (its target field path is where the value is written).

use std::collections::BTreeMap;

use crate::model::project::Project;
use crate::model::workload::{ConfigKind, Workload};
use crate::origin::Spanned;
use crate::span::{FileId, Span};
use crate::yaml::{NodeId, Tree};

use super::Kustomization;
use super::apply::PatchCx;
use super::configs::{ConfigObject, Data};
use super::json6902;
use super::patch::{Target, Value};
use super::select::Candidate;

/// One `replacements:` entry written inline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Replacement {
    /// The list entry.
    pub entry: Span,
    /// Which object the value is read from.
    pub source: Target,
    /// Where in it (`metadata.name` when not given).
    pub source_path: String,
    /// `options.delimiter` / `options.index` of the source.
    pub source_part: Option<(String, usize)>,
    /// Where the value goes.
    pub targets: Vec<ReplacementTarget>,
}

/// One `targets:` entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReplacementTarget {
    /// `select:`.
    pub select: Target,
    /// `reject:` selectors.
    pub reject: Vec<Target>,
    /// `fieldPaths:`, each with its place.
    pub field_paths: Vec<Spanned<String>>,
    /// `options.delimiter` / `options.index`: the value replaces that part of the field.
    pub part: Option<(String, usize)>,
}

/// Read `replacements:`: inline entries, and the paths of entries kept in files (not read).
pub(super) fn extract(
    tree: &Tree,
    root: NodeId,
    file: FileId,
) -> (Vec<Replacement>, Vec<Spanned<String>>) {
    let span = |id: NodeId| {
        let (start, end) = tree.span(id);
        Span::new(file, start, end)
    };
    let text = |node: NodeId, key: &str| {
        tree.get(node, key)
            .and_then(|v| tree.str(v))
            .map(str::to_string)
    };
    let selector = |node: NodeId| Target {
        group: text(node, "group"),
        version: text(node, "version"),
        kind: text(node, "kind"),
        name: text(node, "name"),
        namespace: text(node, "namespace"),
        label_selector: text(node, "labelSelector"),
        annotation_selector: text(node, "annotationSelector"),
    };
    let part = |node: NodeId| {
        let options = tree.get(node, "options")?;
        let delimiter = text(options, "delimiter")?;
        let index = text(options, "index")
            .and_then(|i| i.parse().ok())
            .unwrap_or(0);
        Some((delimiter, index))
    };
    let mut inline = Vec::new();
    let mut files = Vec::new();
    let Some(list) = tree.get(root, "replacements") else {
        return (inline, files);
    };
    for &entry in tree.items(list) {
        if let Some(path) = tree.get(entry, "path") {
            files.push(Spanned::new(
                tree.str(path).unwrap_or_default().to_string(),
                span(path),
            ));
            continue;
        }
        let Some(source) = tree.get(entry, "source") else {
            continue;
        };
        let targets = tree
            .get(entry, "targets")
            .map(|l| {
                tree.items(l)
                    .iter()
                    .map(|&target| ReplacementTarget {
                        select: tree.get(target, "select").map(selector).unwrap_or_default(),
                        reject: tree
                            .get(target, "reject")
                            .map(|r| tree.items(r).iter().map(|&r| selector(r)).collect())
                            .unwrap_or_default(),
                        field_paths: tree
                            .get(target, "fieldPaths")
                            .map(|p| {
                                tree.items(p)
                                    .iter()
                                    .filter_map(|&p| {
                                        Some(Spanned::new(tree.str(p)?.to_string(), span(p)))
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                        part: part(target),
                    })
                    .collect()
            })
            .unwrap_or_default();
        inline.push(Replacement {
            entry: span(entry),
            source: selector(source),
            source_path: text(source, "fieldPath").unwrap_or_else(|| "metadata.name".into()),
            source_part: part(source),
            targets,
        });
    }
    (inline, files)
}

/// `spec.template.spec.containers.[name=web].image` -> its segments (`[…]` kept whole, dots
/// inside brackets not split).
fn segments(field_path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (at, c) in field_path.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                out.push(&field_path[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    out.push(&field_path[start..]);
    out
}

/// The JSON pointer a field path names in a workload: `[name=x]` resolved to the container's
/// index in its list. None when the path leaves what the workload has.
fn pointer(workload: &Workload, field_path: &str) -> Option<String> {
    let segments = segments(field_path);
    let mut out = Vec::new();
    let pod_path = crate::manifest::kubernetes::pod_spec_path(
        workload.api_version.as_deref().unwrap_or_default(),
        &workload.kind,
    );
    let rest = match (segments.first(), pod_path) {
        (Some(&"metadata"), _) => {
            out.extend(segments.iter().map(|s| s.to_string()));
            return Some(format!("/{}", out.join("/")));
        }
        (_, Some(pod_path)) => {
            let pod: Vec<&str> = pod_path.to_vec();
            if !segments.starts_with(&pod) {
                return None;
            }
            out.extend(pod.iter().map(|s| s.to_string()));
            &segments[pod.len()..]
        }
        (_, None) => return None,
    };
    let mut rest = rest.iter();
    while let Some(&segment) = rest.next() {
        out.push(segment.to_string());
        let init = match segment {
            "containers" => false,
            "initContainers" => true,
            _ => continue,
        };
        let selector = rest.next()?;
        let index = match selector
            .strip_prefix("[name=")
            .and_then(|s| s.strip_suffix(']'))
        {
            Some(name) => workload
                .containers
                .iter()
                .filter(|c| c.init == init)
                .position(|c| c.name.as_ref().is_some_and(|n| n.value == name))?,
            None => selector.parse().ok()?,
        };
        out.push(index.to_string());
    }
    Some(format!("/{}", out.join("/")))
}

/// The value at a field path of a workload: its name, namespace, or a container's image or
/// name.
fn workload_value(workload: &Workload, field_path: &str) -> Option<String> {
    let pointer = pointer(workload, field_path)?;
    let parts: Vec<&str> = pointer.split('/').skip(1).collect();
    match parts.as_slice() {
        ["metadata", "name"] => workload.name.as_ref().map(|n| n.value.clone()),
        ["metadata", "namespace"] => Some(workload.namespace_name().to_string()),
        [.., list @ ("containers" | "initContainers"), index, field] => {
            let init = *list == "initContainers";
            let index: usize = index.parse().ok()?;
            let container = workload
                .containers
                .iter()
                .filter(|c| c.init == init)
                .nth(index)?;
            match *field {
                "image" => container.image.as_ref().map(|i| i.value.to_string()),
                "name" => container.name.as_ref().map(|n| n.value.clone()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// One part of a value (`options.delimiter` / `index`), or all of it.
fn part_of(value: &str, part: &Option<(String, usize)>) -> Option<String> {
    match part {
        Some((delimiter, index)) if !delimiter.is_empty() => value
            .split(delimiter.as_str())
            .nth(*index)
            .map(str::to_string),
        _ => Some(value.to_string()),
    }
}

/// `current` with its `index`-th `delimiter`-separated part set to `value` (all of it without
/// options); None when the part does not exist.
fn with_part(current: &str, value: &str, part: &Option<(String, usize)>) -> Option<String> {
    match part {
        Some((delimiter, index)) if !delimiter.is_empty() => {
            let mut parts: Vec<&str> = current.split(delimiter.as_str()).collect();
            *parts.get_mut(*index)? = value;
            Some(parts.join(delimiter))
        }
        _ => Some(value.to_string()),
    }
}

/// A ConfigMap or Secret of the rendering as a replacement source sees it.
pub(super) struct SourceConfig<'a> {
    pub(super) kind: ConfigKind,
    pub(super) names: &'a [String],
    pub(super) namespace: &'a str,
    pub(super) data: Option<&'a Data<'a>>,
}

/// A workload copy of the rendering with the kustomizations it went through.
pub(super) struct Copy<'a> {
    pub(super) workload: &'a mut Workload,
    pub(super) chain: &'a [usize],
    pub(super) names: &'a [String],
    pub(super) namespaces: &'a [String],
}

/// Apply kustomization `k`'s replacements to the copies it holds (sources read from those
/// copies and from the rendering's ConfigMaps and Secrets).
pub(super) fn apply(
    k: usize,
    replacements: &[Replacement],
    copies: &mut [Copy<'_>],
    configs: &[SourceConfig<'_>],
    cx: (&str, &str),
    entry_name: &dyn Fn(Span) -> String,
    notes: &mut Vec<String>,
) {
    let (kustomization, overlay) = cx;
    for replacement in replacements {
        let name = entry_name(replacement.entry);
        let Some(value) = source_value(k, replacement, copies, configs) else {
            notes.push(format!(
                "{kustomization}: replacement from {} `{}` field `{}`: no single object of the \
                 rendering has that value here; it is not applied",
                replacement.source.kind.as_deref().unwrap_or("an object"),
                replacement.source.name.as_deref().unwrap_or("?"),
                replacement.source_path
            ));
            continue;
        };
        let cx = PatchCx {
            kustomization,
            overlay,
            patch: &name,
            // The value is copied from elsewhere: its field path is no place to edit it.
            shared: true,
        };
        for target in &replacement.targets {
            for copy in copies.iter_mut().filter(|c| c.chain.contains(&k)) {
                let candidate = Candidate {
                    workload: copy.workload,
                    names: copy.names,
                    namespaces: copy.namespaces,
                };
                let selected = candidate.selected_by(&target.select).unwrap_or(false)
                    && !target
                        .reject
                        .iter()
                        .any(|r| candidate.selected_by(r).unwrap_or(false));
                if !selected {
                    continue;
                }
                for field_path in &target.field_paths {
                    let Some(path) = pointer(copy.workload, &field_path.value) else {
                        continue;
                    };
                    let current = workload_value(copy.workload, &field_path.value);
                    let new = match (&target.part, current) {
                        (None, _) => Some(value.clone()),
                        (part, Some(current)) => with_part(&current, &value, part),
                        (Some(_), None) => None,
                    };
                    let Some(new) = new else {
                        continue;
                    };
                    let op = Value::Map(
                        vec![
                            (
                                "op".into(),
                                field_path.span,
                                Value::Scalar("replace".into(), field_path.span),
                            ),
                            (
                                "path".into(),
                                field_path.span,
                                Value::Scalar(path, field_path.span),
                            ),
                            (
                                "value".into(),
                                field_path.span,
                                Value::Scalar(new, field_path.span),
                            ),
                        ],
                        field_path.span,
                    );
                    if let Err(error) = json6902::json6902_op(copy.workload, &op, &cx) {
                        notes.push(format!(
                            "{kustomization}: replacement into `{}`: {error}; not applied",
                            field_path.value
                        ));
                    }
                }
            }
        }
    }
}

/// The value a replacement copies: from the one workload or ConfigMap / Secret its source
/// selects.
fn source_value(
    k: usize,
    replacement: &Replacement,
    copies: &[Copy<'_>],
    configs: &[SourceConfig<'_>],
) -> Option<String> {
    let source = &replacement.source;
    let config_kind = match source.kind.as_deref() {
        Some("ConfigMap") => Some(ConfigKind::ConfigMap),
        Some("Secret") => Some(ConfigKind::Secret),
        _ => None,
    };
    let value = if let Some(kind) = config_kind {
        let mut found = configs.iter().filter(|c| {
            c.kind == kind
                && source
                    .name
                    .as_ref()
                    .is_none_or(|n| c.names.iter().any(|have| have == n))
                && source.namespace.as_ref().is_none_or(|n| n == c.namespace)
        });
        let config = found.next()?;
        if found.next().is_some() {
            return None;
        }
        let segments = segments(&replacement.source_path);
        match segments.as_slice() {
            ["data", key] => config.data?.get(key)?.to_string(),
            ["metadata", "name"] => config.names.last()?.clone(),
            _ => return None,
        }
    } else {
        let mut found = copies.iter().filter(|c| {
            c.chain.contains(&k)
                && Candidate {
                    workload: c.workload,
                    names: c.names,
                    namespaces: c.namespaces,
                }
                .selected_by(source)
                .unwrap_or(false)
        });
        let copy = found.next()?;
        if found.next().is_some() {
            return None;
        }
        workload_value(copy.workload, &replacement.source_path)?
    };
    part_of(&value, &replacement.source_part)
}

/// A workload copy of a rendering: the copy, the kustomizations it went through (innermost
/// first), and the names and namespaces it had.
pub(super) type RenderedCopy = (Workload, Vec<usize>, Vec<String>, Vec<String>);

/// The `replacements:` of every kustomization of one rendering, innermost first (a base's
/// before its overlay's), each over the copies it holds.
///
/// They are applied after the rendering's other transformers, where kustomize applies a base's
/// replacements before its overlays' transformers: a value an overlay changes later (`images:`
/// on a replaced field, a patch of the source) can differ. Sources read the rendered
/// ConfigMaps' data (generated, or short values declared in files).
pub(super) fn apply_all(
    project: &Project,
    kustomizations: &[Kustomization],
    rendered_copies: &mut [RenderedCopy],
    config_objects: &[ConfigObject],
    notes: &mut Vec<String>,
) {
    // How far below the root each kustomization with replacements sits (deepest first).
    let mut depth: BTreeMap<usize, usize> = BTreeMap::new();
    for (_, chain, ..) in rendered_copies.iter() {
        for (position, &k) in chain.iter().enumerate() {
            if !kustomizations[k].replacements.is_empty() {
                let below_root = chain.len() - 1 - position;
                let entry = depth.entry(k).or_insert(below_root);
                *entry = (*entry).max(below_root);
            }
        }
    }
    let mut order: Vec<(usize, usize)> = depth.into_iter().collect();
    order.sort_by_key(|&(k, below_root)| (std::cmp::Reverse(below_root), k));
    if order.is_empty() {
        return;
    }
    let sources: Vec<SourceConfig<'_>> =
        config_objects.iter().map(ConfigObject::as_source).collect();
    let entry_name = |span: Span| {
        let file = &project.files[span.file.0 as usize];
        format!(
            "replacements entry at {}:{}",
            file.display,
            file.position(span.start as usize).line
        )
    };
    for (k, _) in order {
        let kustomization = &kustomizations[k];
        let file = &project.files[kustomization.file.0 as usize];
        let dir = if file.dir().is_empty() {
            "."
        } else {
            file.dir()
        };
        let mut copies: Vec<Copy<'_>> = rendered_copies
            .iter_mut()
            .map(|(workload, chain, names, namespaces)| Copy {
                workload,
                chain,
                names,
                namespaces,
            })
            .collect();
        apply(
            k,
            &kustomization.replacements,
            &mut copies,
            &sources,
            (&file.display, dir),
            &entry_name,
            notes,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_split_at_dots_outside_brackets() {
        assert_eq!(
            segments("spec.template.spec.containers.[name=web.v2].image"),
            [
                "spec",
                "template",
                "spec",
                "containers",
                "[name=web.v2]",
                "image"
            ]
        );
        assert_eq!(segments("metadata.name"), ["metadata", "name"]);
    }

    #[test]
    fn parts_are_read_and_replaced_by_delimiter_and_index() {
        let tag = Some((":".to_string(), 1));
        assert_eq!(part_of("shop/app:1.4.0", &tag).as_deref(), Some("1.4.0"));
        assert_eq!(
            with_part("shop/app:1.4.0", "1.5.0", &tag).as_deref(),
            Some("shop/app:1.5.0")
        );
        assert_eq!(with_part("shop/app", "1.5.0", &tag), None);
        assert_eq!(part_of("x", &None).as_deref(), Some("x"));
    }
}
