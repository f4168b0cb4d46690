//! Turns granit-parser events into a [`Tree`], one document at a time, recovering after errors.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use granit_parser::{ErrorKind, Event, Marker, Options, Parser, ScanError};

use super::comments::{Comment, CommentScan};
use super::tree::{Document, Node, NodeId, NodeKind, ScalarStyle, Tree};

/// Default of [`Limits::max_depth`] (`--max-depth`).
pub const DEFAULT_MAX_DEPTH: usize = 128;
/// Default of [`Limits::alias_budget`] (`--alias-budget`).
pub const DEFAULT_ALIAS_BUDGET: usize = 1_000_000;

/// Bounds that keep hostile input cheap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of collections accepted (flow and block collections each).
    pub max_depth: usize,
    /// Nodes that may be read through aliases and merge keys in one file: each time an alias is
    /// followed, the size of the anchored node's subtree is spent, and each merge source read
    /// costs one. A billion-laughs file costs O(input + budget) instead of exponential time.
    pub alias_budget: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: DEFAULT_MAX_DEPTH,
            alias_budget: DEFAULT_ALIAS_BUDGET,
        }
    }
}

/// A YAML syntax error, located.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyntaxError {
    /// Byte offset the parser stopped at.
    pub offset: usize,
    /// The parser's description.
    pub message: String,
    /// Index of the document it broke.
    pub document: usize,
}

/// A document abandoned because it nests deeper than [`Limits::max_depth`]: not a syntax error
/// of the file but a limit of the run, reported as such.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    /// Byte offset where the limit was reached.
    pub offset: usize,
    /// Index of the document.
    pub document: usize,
}

/// The result of parsing one file: every document that could be read, and every error.
#[derive(Debug)]
pub struct ParsedFile {
    /// All nodes ([`parse`]), or the nodes of the last document ([`parse_each`]).
    pub tree: Tree,
    /// Documents in file order (a broken document has `root: None`).
    pub documents: Vec<Document>,
    /// Syntax errors, at most one per document.
    pub errors: Vec<SyntaxError>,
    /// Documents cut off by the nesting limit (not in `errors`).
    pub too_deep: Vec<TooDeep>,
    /// Every comment of the file, in order (also those in documents that did not parse).
    pub comments: Vec<Comment>,
}

/// A collection being built: its node's index, and where its children start in the builder's
/// shared list of open sequences' items or open mappings' entries.
enum Open {
    Sequence(usize, usize),
    Mapping(usize, usize, Option<NodeId>),
}

fn byte_offset(text: &str, marker: &Marker) -> usize {
    marker.byte_offset().unwrap_or_else(|| {
        // Only reached for inputs without byte offsets; map the character index.
        text.char_indices()
            .nth(marker.index())
            .map_or(text.len(), |(at, _)| at)
    })
}

fn style_of(style: granit_parser::ScalarStyle) -> ScalarStyle {
    match style {
        granit_parser::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        granit_parser::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        granit_parser::ScalarStyle::Literal => ScalarStyle::Literal,
        granit_parser::ScalarStyle::Folded => ScalarStyle::Folded,
        _ => ScalarStyle::Plain,
    }
}

/// What [`parse_each`] calls with each document.
pub type OnDocument<'f> = &'f mut dyn FnMut(&Tree, &Document);

/// Parse every document of `text` into one tree. Never fails: errors are reported per document.
pub fn parse(text: &str, limits: &Limits) -> ParsedFile {
    parse_with(text, &[], limits, None)
}

/// Parse `text` one document at a time: `each` sees every document (broken ones with no root)
/// with the tree holding that document's nodes, which are dropped before the next document is
/// read. Memory then grows with the largest document, not with the file. The alias budget is
/// shared by all documents of the file.
pub fn parse_each(
    text: &str,
    limits: &Limits,
    each: &mut dyn FnMut(&Tree, &Document),
) -> ParsedFile {
    parse_with(text, &[], limits, Some(each))
}

/// [`parse`] with the bytes of `skipped` left out, as [`parse_each_skipping`] leaves them.
pub fn parse_skipping(text: &str, skipped: &[Range<usize>], limits: &Limits) -> ParsedFile {
    parse_with(text, skipped, limits, None)
}

/// [`parse_each`] with the bytes of `skipped` left out: the parser never sees them, and every
/// offset (nodes, documents, errors, comments) is still one of `text`. Each range must start at
/// the start of a line and end after a line break, in order and apart, so that the text without
/// them is whole lines; a range that is not is not skipped. Comments inside a skipped range are
/// not reported.
pub fn parse_each_skipping(
    text: &str,
    skipped: &[Range<usize>],
    limits: &Limits,
    each: &mut dyn FnMut(&Tree, &Document),
) -> ParsedFile {
    parse_with(text, skipped, limits, Some(each))
}

/// The text the parser reads when ranges are skipped, and the way back to the file's offsets.
struct Skipping<'t> {
    /// The text without the skipped ranges (the file's own text when none are).
    source: Cow<'t, str>,
    /// Per skipped range: its offset in `source`, and the bytes skipped up to and with it.
    shifts: Vec<(usize, usize)>,
    /// The ranges, in the file's offsets.
    ranges: Vec<Range<usize>>,
}

impl<'t> Skipping<'t> {
    fn new(text: &'t str, skipped: &[Range<usize>]) -> Skipping<'t> {
        let bytes = text.as_bytes();
        let at_line_start = |at: usize| at == 0 || bytes.get(at - 1) == Some(&b'\n');
        let mut ranges: Vec<Range<usize>> = Vec::new();
        for range in skipped {
            let after_previous = ranges.last().is_none_or(|last| last.end <= range.start);
            if range.start < range.end
                && range.end <= text.len()
                && after_previous
                && at_line_start(range.start)
                && at_line_start(range.end)
            {
                ranges.push(range.clone());
            }
        }
        if ranges.is_empty() {
            return Skipping {
                source: Cow::Borrowed(text),
                shifts: Vec::new(),
                ranges,
            };
        }
        let mut source = String::with_capacity(text.len());
        let mut shifts = Vec::with_capacity(ranges.len());
        let mut kept_from = 0;
        let mut skipped_bytes = 0;
        for range in &ranges {
            source.push_str(&text[kept_from..range.start]);
            skipped_bytes += range.len();
            shifts.push((source.len(), skipped_bytes));
            kept_from = range.end;
        }
        source.push_str(&text[kept_from..]);
        Skipping {
            source: Cow::Owned(source),
            shifts,
            ranges,
        }
    }

    /// The file's offset of an offset in `source`: a position where bytes were skipped is
    /// the first byte after them.
    fn original(&self, at: usize) -> usize {
        match self.shifts.partition_point(|&(from, _)| from <= at) {
            0 => at,
            after => at + self.shifts[after - 1].1,
        }
    }
}

fn parse_with(
    text: &str,
    skipped: &[Range<usize>],
    limits: &Limits,
    each: Option<OnDocument<'_>>,
) -> ParsedFile {
    let skipping = Skipping::new(text, skipped);
    let source: &str = &skipping.source;
    let mut holes = skipping.ranges.iter().peekable();
    let mut options = Options::default();
    options.flow_nesting_limit = limits.max_depth;
    options.block_nesting_limit = limits.max_depth;
    let mut builder = Builder {
        text,
        tree: Tree::new(limits.alias_budget),
        documents: Vec::new(),
        errors: Vec::new(),
        stack: Vec::new(),
        items: Vec::new(),
        entries: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        doc_start: 0,
        too_deep: Vec::new(),
        comments: CommentScan::default(),
        each,
    };
    let mut parser = Parser::new_from_str_with_options(source, options);
    loop {
        match parser.next_event() {
            None => break,
            Some(Ok((event, span))) => {
                let start = skipping.original(byte_offset(source, &span.start));
                let end = skipping.original(byte_offset(source, &span.end));
                // A skipped range is stepped over by the comment scan like a scalar, in order.
                while let Some(hole) = holes.next_if(|hole| hole.start <= start) {
                    builder.comments.skip_scalar(text, hole.start, hole.end);
                }
                if builder.event(event, start, end) {
                    break;
                }
            }
            Some(Err(error)) => {
                let offset = skipping.original(byte_offset(source, error.marker()));
                builder.fail(&error, offset.min(text.len()));
                match parser.proceed_next_document() {
                    Ok(true) => continue,
                    Ok(false) => break,
                    Err(error) => {
                        let offset = skipping.original(byte_offset(source, error.marker()));
                        builder.fail(&error, offset.min(text.len()));
                        break;
                    }
                }
            }
        }
    }
    for hole in holes {
        builder.comments.skip_scalar(text, hole.start, hole.end);
    }
    ParsedFile {
        tree: builder.tree,
        documents: builder.documents,
        errors: builder.errors,
        too_deep: builder.too_deep,
        comments: builder.comments.finish(text),
    }
}

struct Builder<'t, 'f> {
    text: &'t str,
    tree: Tree,
    documents: Vec<Document>,
    errors: Vec<SyntaxError>,
    stack: Vec<Open>,
    /// The items of every open sequence, innermost last. A collection's children are gathered
    /// here and copied out once, at its end, into a vector of their exact number: growing one
    /// vector per collection reallocated most of them on the way.
    items: Vec<NodeId>,
    /// The entries of every open mapping, likewise.
    entries: Vec<(NodeId, NodeId)>,
    anchors: HashMap<usize, NodeId>,
    root: Option<NodeId>,
    doc_start: usize,
    too_deep: Vec<TooDeep>,
    /// Finds comments between the quoted and block scalars seen so far.
    comments: CommentScan,
    /// Streaming: called at the end of each document, after which its nodes are dropped.
    each: Option<OnDocument<'f>>,
}

impl Builder<'_, '_> {
    fn push_node(
        &mut self,
        kind: NodeKind,
        start: usize,
        end: usize,
        tag: Option<Box<str>>,
    ) -> NodeId {
        let id = NodeId(u32::try_from(self.tree.nodes.len()).unwrap_or(u32::MAX));
        self.tree.nodes.push(Node {
            kind,
            start: clamp(start),
            end: clamp(end),
            tag,
        });
        self.tree.sizes.push(1);
        id
    }

    /// A document is complete (or abandoned): record it, and in streaming mode hand it over and
    /// drop its nodes. Anchors never reach across documents.
    fn finish_document(&mut self, document: Document) {
        if let Some(each) = self.each.as_mut() {
            each(&self.tree, &document);
            self.tree.clear_nodes();
        }
        self.documents.push(document);
        self.anchors.clear();
    }

    /// Attach a finished node to its parent (or make it the document root).
    fn attach(&mut self, id: NodeId) {
        match self.stack.last_mut() {
            Some(Open::Sequence(..)) => self.items.push(id),
            Some(Open::Mapping(_, _, pending_key)) => match pending_key.take() {
                Some(key) => self.entries.push((key, id)),
                None => *pending_key = Some(id),
            },
            None => self.root = Some(id),
        }
    }

    /// Handle one event; returns true at the end of the stream.
    fn event(&mut self, event: Event<'_>, start: usize, end: usize) -> bool {
        match event {
            Event::StreamStart => {}
            Event::StreamEnd => return true,
            Event::DocumentStart(..) => {
                self.clear_open();
                self.root = None;
                self.doc_start = start;
            }
            Event::DocumentEnd => {
                let document = Document {
                    index: self.documents.len(),
                    root: self.root.take(),
                    start: clamp(self.doc_start),
                    end: clamp(end.max(self.doc_start)),
                };
                self.clear_open();
                self.finish_document(document);
            }
            Event::Alias(anchor) => {
                let kind = match self.anchors.get(&anchor) {
                    Some(&target) => NodeKind::Alias(target),
                    // The parser reports unknown anchors itself; keep a null as a safe stand-in.
                    None => NodeKind::Scalar {
                        value: "".into(),
                        style: ScalarStyle::Plain,
                    },
                };
                let id = self.push_node(kind, start, end, None);
                self.attach(id);
            }
            Event::Scalar(value, style, anchor, tag) => {
                // A `#` inside a quoted or block scalar is text, not a comment.
                if style != granit_parser::ScalarStyle::Plain {
                    self.comments.skip_scalar(self.text, start, end);
                }
                let kind = NodeKind::Scalar {
                    value: value.into_owned().into_boxed_str(),
                    style: style_of(style),
                };
                let id =
                    self.push_node(kind, start, end, tag.map(|t| t.original().into_boxed_str()));
                if anchor != 0 {
                    self.anchors.insert(anchor, id);
                }
                self.attach(id);
            }
            Event::SequenceStart(_, anchor, tag) => {
                let id = self.push_node(
                    NodeKind::Sequence(Vec::new()),
                    start,
                    end,
                    tag.map(|t| t.original().into_boxed_str()),
                );
                if anchor != 0 {
                    self.anchors.insert(anchor, id);
                }
                self.stack
                    .push(Open::Sequence(id.0 as usize, self.items.len()));
            }
            Event::MappingStart(_, anchor, tag) => {
                let id = self.push_node(
                    NodeKind::Mapping(Vec::new()),
                    start,
                    end,
                    tag.map(|t| t.original().into_boxed_str()),
                );
                if anchor != 0 {
                    self.anchors.insert(anchor, id);
                }
                self.stack
                    .push(Open::Mapping(id.0 as usize, self.entries.len(), None));
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(end),
            _ => {}
        }
        false
    }

    /// Abandon every open collection (a document starts, ends, or fails).
    fn clear_open(&mut self) {
        self.stack.clear();
        self.items.clear();
        self.entries.clear();
    }

    fn close(&mut self, end: usize) {
        let Some(open) = self.stack.pop() else {
            return;
        };
        let (index, kind) = match open {
            Open::Sequence(index, first) => {
                let items = self.items[first..].to_vec();
                self.items.truncate(first);
                (index, NodeKind::Sequence(items))
            }
            Open::Mapping(index, first, _) => {
                let entries = self.entries[first..].to_vec();
                self.entries.truncate(first);
                (index, NodeKind::Mapping(entries))
            }
        };
        // Nodes are pushed in document order, so the subtree is everything pushed since.
        self.tree.sizes[index] = clamp(self.tree.nodes.len() - index);
        let node = &mut self.tree.nodes[index];
        node.kind = kind;
        // Block collections end where their last child ends, not at the next token.
        let last_child_end = match &node.kind {
            NodeKind::Sequence(items) => items.last().copied(),
            NodeKind::Mapping(entries) => entries.last().map(|&(_, v)| v),
            _ => None,
        };
        let end = match last_child_end {
            Some(child) if !self.text[node.start as usize..].starts_with(['[', '{']) => {
                self.tree.nodes[child.0 as usize].end as usize
            }
            _ => end,
        };
        let node = &mut self.tree.nodes[index];
        if matches!(node.kind, NodeKind::Sequence(_)) {
            // Block sequence events start at the first item's content; include its `- `.
            let before = self.text[..node.start as usize].trim_end_matches([' ', '\t']);
            if before.ends_with('-') {
                node.start = clamp(before.len() - 1);
            }
        }
        node.end = clamp(end.max(node.start as usize));
        self.attach(NodeId(u32::try_from(index).unwrap_or(u32::MAX)));
    }

    /// Record an error, which stopped the parser at `offset` of the file, and abandon the
    /// current document's partial nodes.
    fn fail(&mut self, error: &ScanError, offset: usize) {
        let index = self.documents.len();
        if matches!(error.kind(), ErrorKind::RecursionLimitExceeded) {
            self.too_deep.push(TooDeep {
                offset,
                document: index,
            });
        } else {
            self.errors.push(SyntaxError {
                offset,
                message: error.info(),
                document: index,
            });
        }
        let document = Document {
            index,
            root: None,
            start: clamp(self.doc_start),
            end: clamp(offset.max(self.doc_start)),
        };
        self.clear_open();
        self.root = None;
        self.finish_document(document);
        self.doc_start = offset;
    }
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
