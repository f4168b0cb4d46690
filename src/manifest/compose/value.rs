//! Compose values that remember where they came from: a copy of the YAML tree in which every
//! node carries the span it is *used* at (its own text, or the alias a service reaches it
//! through) and an [`Origin`] (where it is *written*, the alias), so merged services still
//! point at files and lines.

use crate::origin::{Origin, Step};
use crate::span::{FileId, Span};
use crate::yaml::{NodeId, NodeKind, ScalarStyle, Tree};

/// Deepest nesting copied (Compose files are shallow; this bounds alias chains too).
const MAX_DEPTH: usize = 64;

/// A Compose tag that changes how a value merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Tag {
    /// No merge tag.
    None,
    /// `!reset`: remove the value inherited from earlier files or the extended service.
    Reset,
    /// `!override`: replace the inherited value instead of merging with it.
    Override,
}

/// What a value is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    /// A null (`~`, `null`, nothing).
    Null,
    /// A scalar's text (never type-resolved), with its style.
    Scalar(String, ScalarStyle),
    /// A sequence.
    Seq(Vec<Value>),
    /// A mapping, keys unique (the first explicit key wins, then merge sources in order).
    Map(Vec<Entry>),
}

/// One mapping entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// The key's text.
    pub key: String,
    /// Where the key is used (see [`Value::span`]).
    pub key_span: Span,
    /// The value.
    pub value: Value,
}

/// A value with its spans.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Value {
    /// The value.
    pub kind: Kind,
    /// Where the service uses it: the node itself, or the outermost alias (`*name`, also in
    /// `<<: *name`) it is reached through.
    pub span: Span,
    /// Where it is written (the anchored node, for a value reached through an alias) and the
    /// steps on the way: the alias, the `extends` it is inherited through.
    pub origin: Origin,
    /// `!reset` / `!override`.
    pub tag: Tag,
}

impl Value {
    /// A value made up by normalisation (e.g. the condition of a short `depends_on` entry).
    pub fn synthetic(kind: Kind, at: &Value) -> Value {
        Value {
            kind,
            span: at.span,
            origin: at.origin.clone(),
            tag: Tag::None,
        }
    }

    /// Where it is written.
    pub fn written(&self) -> Span {
        self.origin.written(self.span)
    }

    /// Record a step on this value and everything in it (e.g. a service inherited through
    /// `extends`: each inherited value went through it).
    pub fn push_step_deep(&mut self, step: &Step) {
        // Explicit stack: values nest as deep as the YAML does.
        let mut stack = vec![self];
        while let Some(value) = stack.pop() {
            value.origin.push(step.clone());
            match &mut value.kind {
                Kind::Seq(items) => stack.extend(items.iter_mut()),
                Kind::Map(entries) => stack.extend(entries.iter_mut().map(|e| &mut e.value)),
                Kind::Null | Kind::Scalar(..) => {}
            }
        }
    }

    /// A plain scalar made up by normalisation.
    pub fn text(text: &str, at: &Value) -> Value {
        Value::synthetic(Kind::Scalar(text.to_string(), ScalarStyle::Plain), at)
    }

    /// Text cut out of a longer string (`KEY=value` list items): never a plain scalar, so
    /// YAML-level checks (booleans) leave it alone.
    pub fn part_of(text: &str, at: &Value) -> Value {
        Value::synthetic(
            Kind::Scalar(text.to_string(), ScalarStyle::DoubleQuoted),
            at,
        )
    }

    /// The entry for `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The value for `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entry(key).map(|e| &e.value)
    }

    /// The scalar text, None for null and collections.
    pub fn str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(text, _) => Some(text),
            _ => None,
        }
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Value] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[Entry] {
        match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The items of a sequence, moved out (empty for anything else).
    pub fn into_items(self) -> Vec<Value> {
        match self.kind {
            Kind::Seq(items) => items,
            _ => Vec::new(),
        }
    }

    /// The entries of a mapping, moved out (empty for anything else).
    pub fn into_entries(self) -> Vec<Entry> {
        match self.kind {
            Kind::Map(entries) => entries,
            _ => Vec::new(),
        }
    }
}

/// The outermost alias a value is reached through: its span and the step it records.
type UseSite = Option<(Span, Step)>;

/// Copies a file's YAML tree into [`Value`]s, within a node budget.
pub struct Converter<'t> {
    tree: &'t Tree,
    text: &'t str,
    file: FileId,
    budget: usize,
    /// True once the budget or the depth limit cut the copy short.
    pub truncated: bool,
}

impl<'t> Converter<'t> {
    /// A converter for one file; `budget` bounds the nodes copied (aliases copy their target).
    pub fn new(tree: &'t Tree, text: &'t str, file: FileId, budget: usize) -> Self {
        Converter {
            tree,
            text,
            file,
            budget,
            truncated: false,
        }
    }

    fn span(&self, id: NodeId) -> Span {
        let (start, end) = self.tree.span(id);
        Span::new(self.file, start, end)
    }

    /// The first line of an anchored node, as the place to show for "defined here".
    fn definition(&self, id: NodeId) -> Span {
        let (start, end) = self.tree.span(id);
        let line_end = self.text[start.min(self.text.len())..end.min(self.text.len())]
            .find('\n')
            .map_or(end, |at| start + at);
        Span::new(self.file, start, line_end.max(start))
    }

    /// Follow an alias: remember the use site and the alias (only the outermost one is the
    /// service's).
    fn through_alias(&self, id: NodeId, use_site: UseSite) -> (NodeId, UseSite) {
        match self.tree.node(id).kind {
            NodeKind::Alias(target) => {
                if use_site.is_some() {
                    return (target, use_site);
                }
                let (start, end) = self.tree.span(id);
                let name = self.text.get(start..end).unwrap_or_default();
                let alias = Step::Alias {
                    name: name.trim_start_matches('*').to_string(),
                    anchor: self.definition(target),
                };
                (target, Some((self.span(id), alias)))
            }
            _ => (id, use_site),
        }
    }

    /// Copy the node `id`.
    pub fn convert(&mut self, id: NodeId) -> Value {
        self.value(id, None, 0)
    }

    fn value(&mut self, id: NodeId, use_site: UseSite, depth: usize) -> Value {
        let (id, use_site) = self.through_alias(id, use_site);
        let node = self.tree.node(id);
        let written = self.span(id);
        let mut origin = Origin::DIRECT;
        let span = match &use_site {
            Some((at, alias)) => {
                origin.set_written(written, *at);
                origin.push(alias.clone());
                *at
            }
            None => written,
        };
        let tag = match node.tag.as_deref() {
            Some("!reset") => Tag::Reset,
            Some("!override") => Tag::Override,
            _ => Tag::None,
        };
        let mut value = Value {
            kind: Kind::Null,
            span,
            origin,
            tag,
        };
        if depth > MAX_DEPTH || self.budget == 0 {
            self.truncated = true;
            return value;
        }
        self.budget -= 1;
        value.kind = match &node.kind {
            NodeKind::Scalar { value, style } => {
                let null = *style == ScalarStyle::Plain
                    && matches!(&**value, "" | "~" | "null" | "Null" | "NULL");
                if null {
                    Kind::Null
                } else {
                    Kind::Scalar(value.to_string(), *style)
                }
            }
            NodeKind::Sequence(items) => Kind::Seq(
                items
                    .iter()
                    .map(|&item| self.value(item, use_site.clone(), depth + 1))
                    .collect(),
            ),
            NodeKind::Mapping(_) => {
                let mut entries = Vec::new();
                self.entries(id, &use_site, depth, &mut entries);
                Kind::Map(entries)
            }
            // An alias never points at an alias.
            NodeKind::Alias(_) => Kind::Null,
        };
        value
    }

    /// The entries of mapping `id`: explicit keys first, then merge sources in order, a key
    /// already seen never replaced (YAML merge key semantics).
    fn entries(&mut self, id: NodeId, use_site: &UseSite, depth: usize, out: &mut Vec<Entry>) {
        let NodeKind::Mapping(pairs) = &self.tree.node(id).kind else {
            return;
        };
        let mut merges = Vec::new();
        for &(key, value) in pairs {
            if self.tree.is_merge_key(key) {
                merges.push(value);
                continue;
            }
            let Some(name) = self.tree.str(key) else {
                continue;
            };
            if out.iter().any(|e| e.key == name) {
                continue;
            }
            let key_span = use_site
                .as_ref()
                .map_or_else(|| self.span(key), |(at, _)| *at);
            let value = self.value(value, use_site.clone(), depth + 1);
            out.push(Entry {
                key: name.to_string(),
                key_span,
                value,
            });
        }
        if depth > MAX_DEPTH {
            self.truncated = true;
            return;
        }
        for merge in merges {
            let (merge, merge_use) = self.through_alias(merge, use_site.clone());
            let sources: Vec<(NodeId, UseSite)> = match &self.tree.node(merge).kind {
                NodeKind::Mapping(_) => vec![(merge, merge_use)],
                NodeKind::Sequence(items) => items
                    .clone()
                    .into_iter()
                    .map(|item| self.through_alias(item, merge_use.clone()))
                    .collect(),
                _ => Vec::new(),
            };
            for (source, source_use) in sources {
                if self.budget == 0 {
                    self.truncated = true;
                    return;
                }
                self.budget -= 1;
                if matches!(self.tree.node(source).kind, NodeKind::Mapping(_)) {
                    self.entries(source, &source_use, depth + 1, out);
                }
            }
        }
    }
}
