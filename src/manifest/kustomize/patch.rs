//! Kustomize patches as facts: each `patches:` / `patchesStrategicMerge:` / `patchesJson6902:`
//! entry, its target selector, and (inline) its documents as small spanned values.

use crate::origin::Spanned;
use crate::span::{FileId, Span};
use crate::yaml::{Limits, NodeId, ScalarStyle, Tree};

/// Deepest nesting kept in a patch value: deeper parts are not facts adminlint reads.
const MAX_VALUE_DEPTH: usize = 24;
/// Most nodes kept from one patch document (a patch bomb costs this much, not more).
const MAX_VALUE_NODES: usize = 20_000;

/// A patch document as written: a spanned YAML value. Scalars keep their text (never
/// type-resolved), mappings their keys in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// A plain `null`, `~` or empty value.
    Null(Span),
    /// A scalar.
    Scalar(String, Span),
    /// A sequence.
    Seq(Vec<Value>, Span),
    /// A mapping: (key, the key's span, value).
    Map(Vec<(String, Span, Value)>, Span),
}

impl Value {
    /// The node's span.
    pub fn span(&self) -> Span {
        match self {
            Value::Null(span)
            | Value::Scalar(_, span)
            | Value::Seq(_, span)
            | Value::Map(_, span) => *span,
        }
    }

    /// A mapping's value for `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entry(key).map(|(_, value)| value)
    }

    /// A mapping's `key: value` entry: the key's span and the value.
    pub fn entry(&self, key: &str) -> Option<(Span, &Value)> {
        match self {
            Value::Map(entries, _) => entries
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, span, value)| (*span, value)),
            _ => None,
        }
    }

    /// A scalar's text.
    pub fn str(&self) -> Option<&str> {
        match self {
            Value::Scalar(text, _) => Some(text),
            _ => None,
        }
    }

    /// A sequence's items (empty for anything else).
    pub fn items(&self) -> &[Value] {
        match self {
            Value::Seq(items, _) => items,
            _ => &[],
        }
    }

    /// A mapping's entries (empty for anything else).
    pub fn entries(&self) -> &[(String, Span, Value)] {
        match self {
            Value::Map(entries, _) => entries,
            _ => &[],
        }
    }

    /// A value at a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Value> {
        keys.iter().try_fold(self, |at, key| at.get(key))
    }

    /// Read a YAML node (through aliases and merge keys), spans mapped by `at` into `file`.
    pub fn read(tree: &Tree, node: NodeId, file: FileId, at: &dyn Fn(usize) -> usize) -> Value {
        let mut budget = MAX_VALUE_NODES;
        read_node(tree, node, file, at, 0, &mut budget)
    }

    /// The documents of a patch's YAML `text`, spans mapped by `at` into `file`; None when it
    /// does not parse.
    pub fn documents(text: &str, file: FileId, at: &dyn Fn(usize) -> usize) -> Option<Vec<Value>> {
        let parsed = crate::yaml::parse(text, &Limits::default());
        if !parsed.errors.is_empty() {
            return None;
        }
        Some(
            parsed
                .documents
                .iter()
                .filter_map(|d| d.root)
                .map(|root| Value::read(&parsed.tree, root, file, at))
                .collect(),
        )
    }
}

fn read_node(
    tree: &Tree,
    node: NodeId,
    file: FileId,
    at: &dyn Fn(usize) -> usize,
    depth: usize,
    budget: &mut usize,
) -> Value {
    let (start, end) = tree.span(node);
    let span = Span::new(file, at(start), at(end.max(start)).max(at(start)));
    if *budget == 0 || depth > MAX_VALUE_DEPTH {
        return Value::Null(span);
    }
    *budget -= 1;
    if tree.is_null(node) {
        return Value::Null(span);
    }
    if let Some(text) = tree.str(node) {
        return Value::Scalar(text.to_string(), span);
    }
    if tree.is_mapping(node) {
        let entries = tree
            .entries(node)
            .into_iter()
            .filter_map(|(k, v)| {
                let (ks, ke) = tree.span(k);
                let key_span = Span::new(file, at(ks), at(ke.max(ks)));
                Some((
                    tree.str(k)?.to_string(),
                    key_span,
                    read_node(tree, v, file, at, depth + 1, budget),
                ))
            })
            .collect();
        return Value::Map(entries, span);
    }
    let items = tree
        .items(node)
        .iter()
        .map(|&item| read_node(tree, item, file, at, depth + 1, budget))
        .collect();
    Value::Seq(items, span)
}

/// Which kustomization field a patch is listed under: it decides when it is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PatchField {
    /// `patchesStrategicMerge:` (applied first).
    StrategicMerge,
    /// `patches:` (strategic merge or JSON 6902, decided by the document).
    Patches,
    /// `patchesJson6902:` (applied last).
    Json6902,
}

impl PatchField {
    /// The key as written in a kustomization.
    pub fn key(self) -> &'static str {
        match self {
            PatchField::StrategicMerge => "patchesStrategicMerge",
            PatchField::Patches => "patches",
            PatchField::Json6902 => "patchesJson6902",
        }
    }
}

/// Where a patch's documents are.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PatchSource {
    /// A file, relative to the kustomization (`path:`, or a `patchesStrategicMerge:` entry).
    File(Spanned<String>),
    /// Written in the kustomization (`patch:`, or an inline `patchesStrategicMerge:` entry).
    Inline {
        /// Its documents, spans in the kustomization file. None when the text does not parse.
        documents: Option<Vec<Value>>,
        /// True when each value's span is exactly where it is written: a string in another
        /// style than a literal block (`|`) maps every value to the whole string, where an
        /// edit would replace the whole patch.
        exact: bool,
    },
}

/// A `target:` selector: which resources a patch applies to. Names and namespaces are
/// regular expressions matched against the whole value.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    /// API group (`apps`, `batch`; empty for the core group).
    pub group: Option<String>,
    /// API version.
    pub version: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Name (a regular expression).
    pub name: Option<String>,
    /// Namespace (a regular expression).
    pub namespace: Option<String>,
    /// `labelSelector`.
    pub label_selector: Option<String>,
    /// `annotationSelector`.
    pub annotation_selector: Option<String>,
}

/// One patch entry of a kustomization.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Patch {
    /// The field it is listed under.
    pub field: PatchField,
    /// The list entry, for notes and as the place of an inline patch.
    pub entry: Span,
    /// Where its documents are.
    pub source: PatchSource,
    /// `target:`, when given.
    pub target: Option<Target>,
}

/// The patch entries of a kustomization document, in the order kustomize applies them
/// (`patchesStrategicMerge:`, then `patches:`, then `patchesJson6902:`).
pub fn extract(tree: &Tree, root: NodeId, file: FileId, text: &str) -> Vec<Patch> {
    let span = |id: NodeId| {
        let (start, end) = tree.span(id);
        Span::new(file, start, end)
    };
    let string = |node: NodeId, key: &str| {
        tree.get(node, key)
            .and_then(|v| tree.str(v))
            .map(str::to_string)
    };
    let inline = |node: NodeId| PatchSource::Inline {
        documents: inline_documents(tree, node, file, text),
        exact: tree.style(node) == Some(ScalarStyle::Literal),
    };
    let mut out = Vec::new();
    let list = |key: &str| tree.get(root, key).map_or(&[][..], |l| tree.items(l));
    for &entry in list("patchesStrategicMerge") {
        let Some(value) = tree.str(entry) else {
            // An inline mapping instead of a string: the patch itself.
            out.push(Patch {
                field: PatchField::StrategicMerge,
                entry: span(entry),
                source: PatchSource::Inline {
                    documents: Some(vec![Value::read(tree, entry, file, &|o| o)]),
                    exact: true,
                },
                target: None,
            });
            continue;
        };
        // kustomize takes an entry with a line break as the patch itself, else as a path.
        let source = if value.contains('\n') {
            inline(entry)
        } else {
            PatchSource::File(Spanned::new(value.to_string(), span(entry)))
        };
        out.push(Patch {
            field: PatchField::StrategicMerge,
            entry: span(entry),
            source,
            target: None,
        });
    }
    for (key, field) in [
        ("patches", PatchField::Patches),
        ("patchesJson6902", PatchField::Json6902),
    ] {
        for &entry in list(key) {
            let source = if let Some(path) = tree.get(entry, "path") {
                PatchSource::File(Spanned::new(
                    tree.str(path).unwrap_or_default().to_string(),
                    span(path),
                ))
            } else if let Some(patch) = tree.get(entry, "patch") {
                inline(patch)
            } else {
                PatchSource::Inline {
                    documents: None,
                    exact: false,
                }
            };
            let target = tree.get(entry, "target").map(|t| Target {
                group: string(t, "group"),
                version: string(t, "version"),
                kind: string(t, "kind"),
                name: string(t, "name"),
                namespace: string(t, "namespace"),
                label_selector: string(t, "labelSelector"),
                annotation_selector: string(t, "annotationSelector"),
            });
            out.push(Patch {
                field,
                entry: span(entry),
                source,
                target,
            });
        }
    }
    out
}

/// The documents of an inline patch (a string holding YAML), their spans mapped back into the
/// kustomization file. A literal block (`|`) maps line by line; other styles map every node to
/// the whole string (the text inside has no exact place in the file).
fn inline_documents(tree: &Tree, node: NodeId, file: FileId, text: &str) -> Option<Vec<Value>> {
    let body = tree.str(node)?;
    let (start, end) = tree.span(tree.resolve(node));
    let lines = match tree.style(node) {
        Some(ScalarStyle::Literal) => literal_lines(text, start, end),
        _ => Vec::new(),
    };
    let at = |offset: usize| -> usize {
        if lines.is_empty() {
            return if offset == 0 { start } else { end };
        }
        let index = lines.partition_point(|&(inner, _)| inner <= offset);
        match index.checked_sub(1).map(|i| lines[i]) {
            Some((inner, outer)) => (outer + offset - inner).min(end),
            None => start,
        }
    };
    Value::documents(body, file, &at)
}

/// For a literal block scalar whose content is `text[start..end]` (the YAML layer's span starts
/// at the first content character, past the indentation): the start of each content line in the
/// scalar's value and in the file.
fn literal_lines(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let Some(before) = text.get(..start) else {
        return Vec::new();
    };
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let indent = start - line_start;
    let Some(body) = text.get(line_start..end) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut inner = 0;
    let mut outer = line_start;
    for line in body.split_inclusive('\n') {
        let skip = indent.min(line.len() - line.trim_start_matches(' ').len());
        out.push((inner, outer + skip));
        inner += line.len() - skip;
        outer += line.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patches(text: &str) -> Vec<Patch> {
        let parsed = crate::yaml::parse(text, &Limits::default());
        let root = parsed.documents[0].root.unwrap();
        extract(&parsed.tree, root, FileId(0), text)
    }

    #[test]
    fn an_inline_literal_patch_keeps_the_place_of_each_value_in_the_kustomization() {
        let text = "patches:\n  - target: {kind: Job, name: migrate}\n    patch: |-\n      - op: replace\n        path: /spec/template/spec/containers/0/image\n        value: shop:0.9\n";
        let found = patches(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field, PatchField::Patches);
        assert_eq!(
            found[0].target.as_ref().unwrap().name.as_deref(),
            Some("migrate")
        );
        let PatchSource::Inline {
            documents: Some(documents),
            ..
        } = &found[0].source
        else {
            panic!("{:?}", found[0].source);
        };
        let value = documents[0].items()[0].get("value").unwrap();
        assert_eq!(value.str(), Some("shop:0.9"));
        assert_eq!(&text[value.span().range()], "shop:0.9");
    }

    #[test]
    fn strategic_merge_entries_are_paths_or_patches_and_come_first() {
        let text = "patchesJson6902:\n  - target: {kind: Job, name: a}\n    path: ops.yaml\npatches:\n  - path: p.yaml\npatchesStrategicMerge:\n  - job.yaml\n  - |-\n    kind: Job\n    metadata: {name: a}\n";
        let found = patches(text);
        let fields: Vec<PatchField> = found.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                PatchField::StrategicMerge,
                PatchField::StrategicMerge,
                PatchField::Patches,
                PatchField::Json6902
            ]
        );
        assert!(matches!(&found[0].source, PatchSource::File(f) if f.value == "job.yaml"));
        let PatchSource::Inline {
            documents: Some(documents),
            ..
        } = &found[1].source
        else {
            panic!();
        };
        let name = documents[0].path(&["metadata", "name"]).unwrap();
        assert_eq!(&text[name.span().range()], "a");
    }
}
