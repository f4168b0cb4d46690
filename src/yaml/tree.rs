//! The arena tree: nodes with byte spans, aliases kept as references, merge keys read lazily.

use std::cell::Cell;
use std::collections::HashSet;

/// Index of a node in its [`Tree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ScalarStyle {
    /// `value`
    Plain,
    /// `'value'`
    SingleQuoted,
    /// `"value"`
    DoubleQuoted,
    /// `|` block
    Literal,
    /// `>` block
    Folded,
}

/// What a node is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    /// A scalar with its text after escape processing (never type-resolved).
    Scalar {
        /// The text.
        value: Box<str>,
        /// How it was written.
        style: ScalarStyle,
    },
    /// A sequence of items.
    Sequence(Vec<NodeId>),
    /// A mapping, entries in source order (duplicates kept; the first one wins on lookup).
    Mapping(Vec<(NodeId, NodeId)>),
    /// `*name`: a reference to the anchored node.
    Alias(NodeId),
}

/// One node: what it is, where it is, and its explicit tag if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The node.
    pub kind: NodeKind,
    /// First byte of the node (for collections: the first byte of their content or `[`/`{`).
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
    /// Explicit tag as written (`!reset`, `!!merge`, `!override`), if any.
    pub tag: Option<Box<str>>,
}

/// One YAML document of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Position in the file (0-based).
    pub index: usize,
    /// The root node, None for an empty or broken document.
    pub root: Option<NodeId>,
    /// First byte of the document.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

/// All nodes of one file, in an arena. Reads through aliases and merge keys are budgeted.
#[derive(Debug, Default)]
pub struct Tree {
    pub(crate) nodes: Vec<Node>,
    /// Number of nodes in each node's subtree (itself included; an alias counts as one).
    pub(crate) sizes: Vec<u32>,
    /// Remaining alias / merge steps; reads return less once it is spent.
    budget: Cell<usize>,
    exhausted: Cell<bool>,
}

impl Drop for Tree {
    fn drop(&mut self) {
        if self.nodes.capacity() > SPARE_NODES {
            return;
        }
        self.clear_nodes();
        let buffers = (
            std::mem::take(&mut self.nodes),
            std::mem::take(&mut self.sizes),
        );
        // A thread being torn down has no spare to fill: the buffers are simply freed.
        let _ = SPARE.try_with(|spare| {
            if let Ok(mut spare) = spare.try_borrow_mut()
                && spare.0.capacity() < buffers.0.capacity()
            {
                *spare = buffers;
            }
        });
    }
}

/// Deepest chain of merge keys followed before giving up (`<<: *a` where `a` merges `b` …).
const MAX_MERGE_DEPTH: usize = 32;

/// Largest node buffer (in nodes, a few megabytes) a dropped tree leaves for the next one: a
/// bigger file's buffer is freed with it.
const SPARE_NODES: usize = 1 << 16;

thread_local! {
    /// The node buffers of the last tree dropped on this thread, emptied, for the next tree.
    /// Every file parsed grows a tree to thousands of nodes; growing it anew for each file
    /// copied the nodes at each doubling into memory not touched before (the run keeps each
    /// file's facts, so the memory freed is seldom where the next tree grows).
    static SPARE: std::cell::RefCell<(Vec<Node>, Vec<u32>)> = const {
        std::cell::RefCell::new((Vec::new(), Vec::new()))
    };
}

impl Tree {
    pub(crate) fn new(budget: usize) -> Self {
        let (nodes, sizes) = SPARE
            .try_with(|spare| std::mem::take(&mut *spare.borrow_mut()))
            .unwrap_or_default();
        Tree {
            nodes,
            sizes,
            budget: Cell::new(budget),
            exhausted: Cell::new(false),
        }
    }

    /// The node behind an id (not following aliases).
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the tree has no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// True once some read was cut short because the alias budget ran out.
    pub fn budget_exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// Byte range of the node as written at this place (an alias's span is the `*name` token).
    pub fn span(&self, id: NodeId) -> (usize, usize) {
        let node = self.node(id);
        (node.start as usize, node.end as usize)
    }

    /// Drop the nodes (streaming parse, between documents); the budget carries on.
    pub(crate) fn clear_nodes(&mut self) {
        self.nodes.clear();
        self.sizes.clear();
    }

    fn spend(&self) -> bool {
        self.spend_n(1)
    }

    /// Spend `n` steps of the budget; false (and nothing spent) when fewer are left.
    fn spend_n(&self, n: usize) -> bool {
        let left = self.budget.get();
        if left < n {
            self.budget.set(0);
            self.exhausted.set(true);
            return false;
        }
        self.budget.set(left - n);
        true
    }

    /// Follow an alias to its anchored node; other nodes are returned as they are.
    ///
    /// Following an alias costs the size of the anchored subtree: whatever a reader then does
    /// below it is paid for, so a quadratic "many aliases of one big anchor" file runs out of
    /// budget instead of multiplying the work (or the facts extracted).
    pub fn resolve(&self, id: NodeId) -> NodeId {
        match self.node(id).kind {
            // An anchor is always on a non-alias node, so one step is enough.
            NodeKind::Alias(target) if self.spend_n(self.subtree_size(target)) => target,
            _ => id,
        }
    }

    /// Nodes in the subtree of `id` (itself included).
    fn subtree_size(&self, id: NodeId) -> usize {
        self.sizes.get(id.0 as usize).map_or(1, |&n| n as usize)
    }

    /// The scalar text of a node (through an alias), None for collections.
    pub fn str(&self, id: NodeId) -> Option<&str> {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The scalar style (through an alias).
    pub fn style(&self, id: NodeId) -> Option<ScalarStyle> {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Scalar { style, .. } => Some(*style),
            _ => None,
        }
    }

    /// True when the node is a plain null (`~`, `null`, empty) scalar.
    pub fn is_null(&self, id: NodeId) -> bool {
        let resolved = self.node(self.resolve(id));
        matches!(&resolved.kind, NodeKind::Scalar { value, style: ScalarStyle::Plain }
            if matches!(&**value, "" | "~" | "null" | "Null" | "NULL"))
    }

    /// Items of a sequence (through an alias); empty for anything else.
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Sequence(items) => items,
            _ => &[],
        }
    }

    /// True when the node (through an alias) is a mapping.
    pub fn is_mapping(&self, id: NodeId) -> bool {
        matches!(self.node(self.resolve(id)).kind, NodeKind::Mapping(_))
    }

    /// True when the node (through an alias) is a sequence.
    pub fn is_sequence(&self, id: NodeId) -> bool {
        matches!(self.node(self.resolve(id)).kind, NodeKind::Sequence(_))
    }

    /// True for a merge key: a plain `<<`, or `!!merge <<`.
    pub fn is_merge_key(&self, key: NodeId) -> bool {
        let node = self.node(key);
        match &node.kind {
            NodeKind::Scalar { value, style } => {
                &**value == "<<"
                    && (*style == ScalarStyle::Plain || node.tag.as_deref() == Some("!!merge"))
            }
            _ => false,
        }
    }

    /// The mappings a `<<` value merges in, in priority order.
    fn merge_sources(&self, value: NodeId) -> Vec<NodeId> {
        let value = self.resolve(value);
        match &self.node(value).kind {
            NodeKind::Mapping(_) => vec![value],
            NodeKind::Sequence(items) => items
                .iter()
                .map(|&item| self.resolve(item))
                .filter(|&item| self.is_mapping(item))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Look up `key` in a mapping: explicit keys first, then merge sources in order.
    /// Returns the value node as written (it may be an alias: use [`Tree::str`] etc. to read it).
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get_at_depth(self.resolve(map), key, 0)
    }

    fn get_at_depth(&self, map: NodeId, key: &str, depth: usize) -> Option<NodeId> {
        let NodeKind::Mapping(entries) = &self.node(map).kind else {
            return None;
        };
        let mut merges = Vec::new();
        for &(k, v) in entries {
            if self.is_merge_key(k) {
                merges.push(v);
            } else if self.str(k) == Some(key) {
                return Some(v);
            }
        }
        if depth >= MAX_MERGE_DEPTH {
            return None;
        }
        for merge in merges {
            for source in self.merge_sources(merge) {
                if !self.spend() {
                    return None;
                }
                if let Some(found) = self.get_at_depth(source, key, depth + 1) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// All entries of a mapping with merge keys applied: explicit keys win over merged ones,
    /// earlier merge sources over later ones; first occurrence order is kept.
    pub fn entries(&self, map: NodeId) -> Vec<(NodeId, NodeId)> {
        let mut out: Vec<(NodeId, NodeId)> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        self.collect_entries(self.resolve(map), 0, &mut out, &mut seen);
        out
    }

    fn collect_entries<'a>(
        &'a self,
        map: NodeId,
        depth: usize,
        out: &mut Vec<(NodeId, NodeId)>,
        seen: &mut HashSet<&'a str>,
    ) {
        let NodeKind::Mapping(entries) = &self.node(map).kind else {
            return;
        };
        let mut merges = Vec::new();
        for &(k, v) in entries {
            if self.is_merge_key(k) {
                merges.push(v);
                continue;
            }
            match self.str(k) {
                Some(name) => {
                    if seen.insert(name) {
                        out.push((k, v));
                    }
                }
                None => out.push((k, v)),
            }
        }
        if depth >= MAX_MERGE_DEPTH {
            return;
        }
        for merge in merges {
            for source in self.merge_sources(merge) {
                if !self.spend() {
                    return;
                }
                self.collect_entries(source, depth + 1, out, seen);
            }
        }
    }

    /// Follow a path of mapping keys from `node`.
    pub fn path(&self, node: NodeId, keys: &[&str]) -> Option<NodeId> {
        keys.iter().try_fold(node, |at, key| self.get(at, key))
    }
}
