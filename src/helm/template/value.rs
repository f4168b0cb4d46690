//! The values templates work on: Go's dynamic values as Helm builds them (values files read as
//! JSON types), each remembering where it was written.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::Piece;
use super::watch;
use crate::span::{FileId, Span};
use crate::yaml::{NodeId, NodeKind, ScalarStyle, Tree};

/// A template value: what it is, where it was written, and for strings rendered by `include` or
/// `tpl`, where each of their bytes came from.
///
/// Cloning is cheap: collections and strings are shared.
#[derive(Debug, Clone, Default)]
pub struct Value {
    kind: ValueKind,
    origin: Option<Span>,
    /// For a string written by `include` / `tpl`: pieces over its bytes (as in an `Output`).
    pieces: Option<Arc<Vec<Piece>>>,
    /// Nesting of lists and maps (0 for scalars): templates may build values, and deep values
    /// would overflow the stack when printed or dropped, so functions refuse to nest deeper
    /// than [`MAX_VALUE_DEPTH`].
    depth: u32,
    /// Go's invalid value (no value at all, as dot is in `{{ template "x" }}` without an
    /// argument), as opposed to a nil read from a map: fields of it are again absent, where
    /// fields of a nil are an error.
    absent: bool,
}

/// Deepest nesting of lists and maps a template may build.
pub const MAX_VALUE_DEPTH: u32 = 512;

/// What a value is.
#[derive(Debug, Clone, Default)]
pub enum ValueKind {
    /// Go's nil (a missing value).
    #[default]
    Nil,
    /// A boolean.
    Bool(bool),
    /// An `int` (Go's int64 on 64-bit platforms).
    Int(i64),
    /// A `float64`: every number read from a values file (Helm reads values as JSON).
    Float(f64),
    /// A string.
    String(Arc<str>),
    /// A `[]interface{}`.
    List(Arc<Vec<Value>>),
    /// A `map[string]interface{}` (iterated in sorted key order, as Go's `range` does).
    Map(Arc<BTreeMap<String, Value>>),
    /// `.Files`: the chart's files by path, with `Get`, `GetBytes`, `Glob`, `Lines`, `AsConfig`,
    /// `AsSecrets`.
    Files(Arc<Files>),
    /// `.Capabilities.APIVersions`: a list of `group/version` (and `group/version/Kind`) with
    /// `Has`.
    ApiVersions(Arc<Vec<String>>),
}

/// A chart's files (other than templates), by path relative to the chart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Files {
    entries: BTreeMap<String, FileEntry>,
}

/// One file of [`Files`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Its contents.
    pub bytes: Arc<[u8]>,
    /// Its file in the run's file table, when it is there (origins of `.Files.Get`).
    pub file: Option<FileId>,
}

impl Files {
    /// No files.
    pub fn new() -> Self {
        Files::default()
    }

    /// Add (or replace) the file at `path`.
    pub fn insert(
        &mut self,
        path: impl Into<String>,
        bytes: impl Into<Arc<[u8]>>,
        file: Option<FileId>,
    ) {
        self.entries.insert(
            path.into(),
            FileEntry {
                bytes: bytes.into(),
                file,
            },
        );
    }

    /// The file at `path`.
    pub fn get(&self, path: &str) -> Option<&FileEntry> {
        self.entries.get(path)
    }

    /// Every file, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FileEntry)> {
        self.entries
            .iter()
            .map(|(path, entry)| (path.as_str(), entry))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no files.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Value {
    /// A value of `kind` with no origin.
    pub fn new(kind: ValueKind) -> Self {
        let depth = match &kind {
            ValueKind::List(items) => 1 + items.iter().map(Value::depth).max().unwrap_or(0),
            ValueKind::Map(map) => 1 + map.values().map(Value::depth).max().unwrap_or(0),
            _ => 0,
        };
        Value {
            kind,
            origin: None,
            pieces: None,
            depth,
            absent: false,
        }
    }

    /// Nesting of lists and maps (0 for a scalar).
    pub fn depth(&self) -> u32 {
        if let ValueKind::Map(map) = &self.kind {
            watch::saw_depth(map);
        }
        self.depth
    }

    /// Go's nil.
    pub fn nil() -> Self {
        Value::new(ValueKind::Nil)
    }

    /// A boolean.
    pub fn bool(value: bool) -> Self {
        Value::new(ValueKind::Bool(value))
    }

    /// An int.
    pub fn int(value: i64) -> Self {
        Value::new(ValueKind::Int(value))
    }

    /// A float64.
    pub fn float(value: f64) -> Self {
        Value::new(ValueKind::Float(value))
    }

    /// A string with no origin.
    pub fn string(text: impl Into<Arc<str>>) -> Self {
        Value::new(ValueKind::String(text.into()))
    }

    /// A string written at `origin` (a Chart.yaml field, a values node).
    pub fn string_at(text: impl Into<Arc<str>>, origin: Span) -> Self {
        Value::string(text).with_origin(Some(origin))
    }

    /// A list.
    pub fn list(items: Vec<Value>) -> Self {
        Value::new(ValueKind::List(Arc::new(items)))
    }

    /// A map.
    pub fn map(entries: BTreeMap<String, Value>) -> Self {
        Value::new(ValueKind::Map(Arc::new(entries)))
    }

    /// A map from `(key, value)` pairs (a later duplicate key wins).
    pub fn map_from<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Self {
        Value::map(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// `.Files`.
    pub fn files(files: Files) -> Self {
        Value::new(ValueKind::Files(Arc::new(files)))
    }

    /// `.Capabilities.APIVersions`.
    pub fn api_versions(versions: Vec<String>) -> Self {
        Value::new(ValueKind::ApiVersions(Arc::new(versions)))
    }

    /// The same value, written at `origin`.
    pub fn with_origin(mut self, origin: Option<Span>) -> Self {
        self.origin = origin;
        self
    }

    /// What the value is.
    pub fn kind(&self) -> &ValueKind {
        if let ValueKind::Map(map) = &self.kind {
            watch::saw_entries(map);
        }
        &self.kind
    }

    /// Where the value was written (a values node, a Chart.yaml field), if known.
    pub fn origin(&self) -> Option<Span> {
        self.origin
    }

    /// For a string rendered by `include` / `tpl`: where each of its bytes came from.
    pub fn pieces(&self) -> Option<&[Piece]> {
        self.pieces.as_deref().map(Vec::as_slice)
    }

    /// A string value carrying the pieces that wrote it.
    pub fn rendered(text: String, pieces: Vec<Piece>) -> Self {
        Value {
            kind: ValueKind::String(text.into()),
            origin: None,
            pieces: Some(Arc::new(pieces)),
            depth: 0,
            absent: false,
        }
    }

    /// Go's invalid value: no value at all (dot of a `template` call without an argument).
    pub(crate) fn absent() -> Self {
        Value {
            absent: true,
            ..Value::nil()
        }
    }

    /// True for [`Value::absent`].
    pub(crate) fn is_absent(&self) -> bool {
        self.absent
    }

    /// True for nil.
    pub fn is_nil(&self) -> bool {
        matches!(self.kind, ValueKind::Nil)
    }

    /// Go's truth: false for nil, false, zero numbers and empty strings, lists and maps (sprig's
    /// `empty` is its negation).
    pub fn truthy(&self) -> bool {
        match &self.kind {
            ValueKind::Nil => false,
            ValueKind::Bool(b) => *b,
            ValueKind::Int(n) => *n != 0,
            ValueKind::Float(f) => *f != 0.0,
            ValueKind::String(s) => !s.is_empty(),
            ValueKind::List(items) => !items.is_empty(),
            ValueKind::Map(map) => {
                watch::saw_entries(map);
                !map.is_empty()
            }
            // `.Files.Glob` is a map in Go: empty, it is false (`if .Files.Glob "x/*"`).
            ValueKind::Files(files) => !files.is_empty(),
            ValueKind::ApiVersions(_) => true,
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::String(text) => Some(text),
            _ => None,
        }
    }

    /// The entries of a map value.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match &self.kind {
            ValueKind::Map(map) => {
                watch::saw_entries(map);
                Some(map)
            }
            _ => None,
        }
    }

    /// The shared entries of a map value, for [`watch::Watched`]: reads nothing.
    pub(super) fn map_arc(&self) -> Option<&Arc<BTreeMap<String, Value>>> {
        match &self.kind {
            ValueKind::Map(map) => Some(map),
            _ => None,
        }
    }

    /// The entries of a map value, to change (copied first when shared).
    pub fn as_map_mut(&mut self) -> Option<&mut BTreeMap<String, Value>> {
        match &mut self.kind {
            ValueKind::Map(map) => {
                watch::saw_entries(map);
                Some(Arc::make_mut(map))
            }
            _ => None,
        }
    }

    /// The items of a list value.
    pub fn as_list(&self) -> Option<&[Value]> {
        match &self.kind {
            ValueKind::List(items) => Some(items),
            _ => None,
        }
    }

    /// A map entry (None when this is not a map or has no such key).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entry(key).flatten()
    }

    /// For a map, its entry of `key` if any; None when this is not a map. A lookup reads only
    /// that key of the map (see [`watch`]).
    pub fn entry(&self, key: &str) -> Option<Option<&Value>> {
        match &self.kind {
            ValueKind::Map(map) => {
                watch::saw_key(map, key);
                Some(map.get(key))
            }
            _ => None,
        }
    }

    /// Follow a path of map keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Value> {
        keys.iter().try_fold(self, |at, key| at.get(key))
    }

    /// The value of a YAML node as Helm reads a values file (through JSON: every number is a
    /// float64, YAML 1.1 booleans such as `yes` are booleans), each value's origin its node's
    /// span. An alias is the anchored value shared, never copied: an alias bomb costs O(input).
    pub fn from_yaml(tree: &Tree, node: NodeId, file: FileId) -> Value {
        let mut shared = HashMap::new();
        from_node(tree, node, Some(file), &mut shared)
    }

    /// The value of a YAML node parsed from a string that is in no file (`fromYaml`): no origins.
    pub(crate) fn from_yaml_unplaced(tree: &Tree, node: NodeId) -> Value {
        let mut shared = HashMap::new();
        from_node(tree, node, None, &mut shared)
    }
}

/// One node's value; `shared` holds the values of anchored nodes already built, by node.
/// The tree's nesting is bounded by the YAML layer's depth limit, so recursion is bounded.
fn from_node(
    tree: &Tree,
    node: NodeId,
    file: Option<FileId>,
    shared: &mut HashMap<NodeId, Value>,
) -> Value {
    let written = tree.node(node);
    if let NodeKind::Alias(target) = written.kind {
        if let Some(value) = shared.get(&target) {
            return value.clone();
        }
        let value = from_node(tree, target, file, shared);
        shared.insert(target, value.clone());
        return value;
    }
    if let Some(value) = shared.get(&node) {
        // An anchored node met again (read first through an alias that came earlier).
        return value.clone();
    }
    let origin = file.map(|file| Span::new(file, written.start as usize, written.end as usize));
    let kind = match &written.kind {
        NodeKind::Scalar { value, style } => scalar(value, *style, written.tag.as_deref()),
        NodeKind::Sequence(items) => ValueKind::List(Arc::new(
            items
                .iter()
                .map(|&item| from_node(tree, item, file, shared))
                .collect(),
        )),
        NodeKind::Mapping(_) => {
            let mut map = BTreeMap::new();
            for (key, value) in tree.entries(node) {
                let key = match tree.str(key) {
                    Some(text) => text.to_string(),
                    None => continue,
                };
                // The first occurrence of a key wins (as `Tree::entries` keeps it).
                map.entry(key)
                    .or_insert_with(|| from_node(tree, value, file, shared));
            }
            ValueKind::Map(Arc::new(map))
        }
        NodeKind::Alias(_) => unreachable!("handled above"),
    };
    let value = Value::new(kind).with_origin(origin);
    shared.insert(node, value.clone());
    value
}

/// A scalar as go-yaml v2 resolves it, then read back through JSON (numbers become float64).
fn scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> ValueKind {
    let string = || ValueKind::String(text.into());
    if style != ScalarStyle::Plain || tag == Some("!!str") {
        return string();
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return ValueKind::Nil,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return ValueKind::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return ValueKind::Bool(false);
        }
        _ => {}
    }
    match number(text) {
        Some(n) => ValueKind::Float(n),
        None => string(),
    }
}

/// A YAML 1.1 number (go-yaml v2's int and float forms), as a float64.
fn number(text: &str) -> Option<f64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let sign = if negative { -1.0 } else { 1.0 };
    match digits {
        ".inf" | ".Inf" | ".INF" => return Some(sign * f64::INFINITY),
        ".nan" | ".NaN" | ".NAN" if text == digits => return Some(f64::NAN),
        _ => {}
    }
    let plain: String = digits.chars().filter(|&c| c != '_').collect();
    if plain.is_empty() {
        return None;
    }
    let radix = |prefix: &str, radix: u32| {
        plain
            .strip_prefix(prefix)
            .filter(|rest| !rest.is_empty())
            .and_then(|rest| u64::from_str_radix(rest, radix).ok())
    };
    if let Some(n) = radix("0x", 16).or_else(|| radix("0b", 2)) {
        return Some(sign * n as f64);
    }
    if plain.len() > 1 && plain.starts_with('0') && plain.bytes().all(|b| b.is_ascii_digit()) {
        return u64::from_str_radix(&plain[1..], 8)
            .ok()
            .map(|n| sign * n as f64);
    }
    let bytes = plain.as_bytes();
    let starts_well = bytes[0].is_ascii_digit()
        || (bytes[0] == b'.' && bytes.len() > 1 && bytes[1].is_ascii_digit());
    if !starts_well
        || !plain
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    plain.parse::<f64>().ok().map(|n| sign * n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Value {
        let parsed = crate::yaml::parse(text, &crate::yaml::Limits::default());
        let root = parsed.documents[0].root.unwrap();
        Value::from_yaml(&parsed.tree, root, FileId(3))
    }

    #[test]
    fn values_are_read_as_json_types_with_their_nodes_as_origins() {
        let text = "a: {b: 3}\nc: yes\nd: '3'\ne: ~\nf: [x, 1.5]\n";
        let v = values(text);
        let b = v.path(&["a", "b"]).unwrap();
        assert!(matches!(b.kind(), ValueKind::Float(n) if *n == 3.0));
        assert_eq!(b.origin(), Some(Span::new(FileId(3), 7, 8)));
        assert!(matches!(v.get("c").unwrap().kind(), ValueKind::Bool(true)));
        assert_eq!(v.get("d").unwrap().as_str(), Some("3"));
        assert!(v.get("e").unwrap().is_nil());
        let f = v.get("f").unwrap().as_list().unwrap();
        assert_eq!(f[0].as_str(), Some("x"));
        assert!(matches!(f[1].kind(), ValueKind::Float(n) if *n == 1.5));
    }

    #[test]
    fn aliases_share_the_anchored_value() {
        let v = values("a: &x {k: v}\nb: *x\n");
        let (ValueKind::Map(a), ValueKind::Map(b)) =
            (v.get("a").unwrap().kind(), v.get("b").unwrap().kind())
        else {
            panic!("maps expected");
        };
        assert!(Arc::ptr_eq(a, b));
    }
}
