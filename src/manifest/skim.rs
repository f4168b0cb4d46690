//! Finds, before a file is parsed, the parts of Kubernetes objects that nothing reads, for the
//! parser to skip: a CRD's schema, a ConfigMap's or Secret's data, a PrometheusRule's rules.
//!
//! They are the bulk of real repositories' YAML (four fifths of the corpus's bytes are CRD
//! schemas vendored beside the app), and parsing them was most of a cold run's time. The
//! parser leaves their lines out and keeps every other offset where it was
//! ([`crate::yaml::parse_each_skipping`]). The text is read line by line without a parser, so
//! a document is skimmed only when its shape is beyond doubt: a block mapping whose lines at
//! column 0 are all plain keys, comments or compact sequence items, with one `kind:` and one
//! `apiVersion:`. The caller checks each skimmed document with an [`Agreement`] and parses
//! the whole text instead on any doubt (a syntax error, a kind that differs), so a file is
//! never read as something else than in full.
//!
//! What is lost: a syntax error inside a skipped value is not reported (nothing of that value
//! is checked); a comment there is not read, unless it names adminlint (then the value is read).

use std::ops::Range;

use crate::config::CustomKind;
use crate::yaml::{Document, Limits, ParsedFile, Tree};

/// The unread values of a text's objects.
#[derive(Debug)]
pub struct Skimmed {
    regions: Vec<Region>,
}

/// One blanked value, and what its document was read as.
#[derive(Debug)]
struct Region {
    /// The bytes skipped: the lines of a top-level key's value, after the key's line.
    bytes: Range<usize>,
    /// The key whose value this is.
    key: &'static str,
    /// `apiVersion` and `kind` of the document, as read from its lines.
    api_version: String,
    kind: String,
}

/// The top-level keys of a kind whose values nothing reads.
fn unread_keys(api_version: &str, kind: &str) -> &'static [&'static str] {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    match (group, kind) {
        ("apiextensions.k8s.io", "CustomResourceDefinition") => &["spec", "status"],
        // Extraction keeps a ConfigMap's or Secret's name only; kustomize's replacements read
        // a ConfigMap's data again from the file when they need it.
        ("", "ConfigMap") if api_version == "v1" => &["data", "binaryData"],
        ("", "Secret") if api_version == "v1" => &["data", "stringData"],
        ("monitoring.coreos.com", "PrometheusRule") => &["spec"],
        _ => &[],
    }
}

/// A line at column 0, as far as skimming needs to know.
#[derive(Debug, PartialEq)]
enum TopLine<'t> {
    /// `---` or `...`, alone on its line: the end of a document.
    Marker,
    /// A comment, a directive, or a compact sequence item (`- x`) of the key above.
    Inside,
    /// `key:`, with what follows the colon on the same line (trimmed, comment removed).
    Key(&'t str, &'t str),
    /// Anything else: a document with such a line is not skimmed.
    Other,
}

fn classify(line: &str) -> TopLine<'_> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let bytes = line.as_bytes();
    if (line.starts_with("---") || line.starts_with("...")) && is_blank_or_comment(&line[3..]) {
        return TopLine::Marker;
    }
    match bytes.first() {
        Some(b'#' | b'%') => return TopLine::Inside,
        Some(b'-') if bytes.get(1).is_none_or(|b| *b == b' ' || *b == b'\t') => {
            return TopLine::Inside;
        }
        _ => {}
    }
    let key_end = bytes
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || b"_-./".contains(b)))
        .unwrap_or(bytes.len());
    if key_end == 0 || !bytes[0].is_ascii_alphabetic() || bytes.get(key_end) != Some(&b':') {
        return TopLine::Other;
    }
    let rest = &line[key_end + 1..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return TopLine::Other;
    }
    let value = match rest.find(" #").or_else(|| rest.find("\t#")) {
        Some(comment) => &rest[..comment],
        None => rest,
    };
    TopLine::Key(&line[..key_end], value.trim())
}

fn is_blank_or_comment(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.is_empty() || rest.starts_with('#')
}

/// A scalar written plain or quoted on a key's line, unquoted; None for anything else.
fn plain_value(value: &str) -> Option<&str> {
    let unquoted = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    let plain = !unquoted.is_empty()
        && unquoted
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b));
    plain.then_some(unquoted)
}

/// Values shorter than this are parsed: a small object is the one people edit by hand, where a
/// syntax error is likeliest and reading it costs next to nothing.
pub const MIN_SKIPPED_BYTES: usize = 4096;

/// The unread values of at least [`MIN_SKIPPED_BYTES`] of the objects in `text`, or None when
/// there are none (`kinds`: the configuration's custom workload kinds, never skimmed).
pub fn skim(text: &str, kinds: &[CustomKind]) -> Option<Skimmed> {
    skim_values_of(text, kinds, MIN_SKIPPED_BYTES)
}

/// [`skim`], for values of at least `min_bytes`.
fn skim_values_of(text: &str, kinds: &[CustomKind], min_bytes: usize) -> Option<Skimmed> {
    let bytes = text.as_bytes();
    memchr::memmem::find(bytes, b"kind:")?;
    let mut regions = Vec::new();
    let mut document: Vec<(usize, TopLine<'_>)> = Vec::new();
    let starts =
        std::iter::once(0).chain(memchr::memchr_iter(b'\n', bytes).map(|newline| newline + 1));
    for start in starts {
        let Some(&first) = bytes.get(start) else {
            continue;
        };
        if matches!(first, b' ' | b'\t' | b'\n' | b'\r') {
            continue;
        }
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |at| start + at);
        let line = classify(&text[start..end]);
        if line == TopLine::Marker {
            document_regions(text, &document, start, kinds, min_bytes, &mut regions);
            document.clear();
        } else {
            document.push((start, line));
        }
    }
    document_regions(text, &document, bytes.len(), kinds, min_bytes, &mut regions);
    (!regions.is_empty()).then_some(Skimmed { regions })
}

/// Adds the regions of one document (its lines at column 0, which end at `end`).
fn document_regions(
    text: &str,
    lines: &[(usize, TopLine<'_>)],
    end: usize,
    kinds: &[CustomKind],
    min_bytes: usize,
    regions: &mut Vec<Region>,
) {
    // The root must be a block mapping: its first line at column 0 (after comments and
    // directives) is a key, and every other one is a key, a comment or a sequence item.
    let first = lines.iter().find(|(_, line)| *line != TopLine::Inside);
    if !matches!(first, Some((_, TopLine::Key(..)))) {
        return;
    }
    let mut keys: Vec<(usize, &str, &str)> = Vec::new();
    for (start, line) in lines {
        match line {
            TopLine::Key(key, value) => {
                if keys.iter().any(|(_, seen, _)| seen == key) {
                    return;
                }
                keys.push((*start, key, value));
            }
            TopLine::Inside => {}
            TopLine::Marker | TopLine::Other => return,
        }
    }
    let value_of = |name: &str| {
        keys.iter()
            .find(|(_, key, _)| *key == name)
            .and_then(|(_, _, value)| plain_value(value))
    };
    let (Some(api_version), Some(kind)) = (value_of("apiVersion"), value_of("kind")) else {
        return;
    };
    let unread = unread_keys(api_version, kind);
    if unread.is_empty() || kinds.iter().any(|custom| custom.kind == kind) {
        return;
    }
    for (index, &(start, key, value)) in keys.iter().enumerate() {
        let Some(&key) = unread.iter().find(|unread| **unread == key) else {
            continue;
        };
        if !value.is_empty() {
            // A value on the key's own line (flow, block scalar header, anchor): kept.
            continue;
        }
        let Some(line_end) = text[start..end].find('\n').map(|at| start + at + 1) else {
            continue;
        };
        let value_end = keys.get(index + 1).map_or(end, |(next, _, _)| *next);
        if value_end < line_end + min_bytes.max(2) || text.as_bytes()[value_end - 1] != b'\n' {
            continue;
        }
        let value_text = &text.as_bytes()[line_end..value_end];
        if memchr::memmem::find(value_text, b"adminlint").is_some() {
            continue;
        }
        regions.push(Region {
            bytes: line_end..value_end,
            key,
            api_version: api_version.to_string(),
            kind: kind.to_string(),
        });
    }
}

impl Skimmed {
    /// A check of a parse of the text with [`Skimmed::ranges`] left out, fed each document.
    pub fn agreement(&self) -> Agreement<'_> {
        Agreement {
            skimmed: self,
            read: 0,
            holds: true,
        }
    }

    /// `text` parsed into one tree without the skipped values, or None when that parse does not
    /// hold with the skim (see [`Agreement::holds`]): the caller then parses the whole text.
    pub fn parse(&self, text: &str, limits: &Limits) -> Option<ParsedFile> {
        let parsed = crate::yaml::parse_skipping(text, &self.ranges(), limits);
        let mut agreement = self.agreement();
        for document in &parsed.documents {
            agreement.document(&parsed.tree, document);
        }
        agreement.holds(&parsed).then_some(parsed)
    }

    /// The bytes to skip, in order: whole lines (for [`crate::yaml::parse_each_skipping`]).
    pub fn ranges(&self) -> Vec<Range<usize>> {
        self.regions
            .iter()
            .map(|region| region.bytes.clone())
            .collect()
    }
}

/// Whether a parse read every skimmed document as skimming assumed: each region inside a
/// document that is a root mapping of the `apiVersion` and `kind` read from its lines, whose
/// key is now empty, and no region outside every document. When it does not hold, the caller
/// parses the original text.
#[derive(Debug)]
pub struct Agreement<'s> {
    skimmed: &'s Skimmed,
    /// Regions found inside the documents seen so far.
    read: usize,
    holds: bool,
}

impl Agreement<'_> {
    /// Checks one document of the parse.
    pub fn document(&mut self, tree: &Tree, document: &Document) {
        let (start, end) = (document.start as usize, document.end as usize);
        for region in &self.skimmed.regions {
            if region.bytes.start < start || region.bytes.start >= end {
                continue;
            }
            self.read += 1;
            let Some(root) = document.root.filter(|&root| tree.is_mapping(root)) else {
                self.holds = false;
                return;
            };
            let text = |key: &str| tree.get(root, key).and_then(|value| tree.str(value));
            self.holds &= text("apiVersion") == Some(region.api_version.as_str())
                && text("kind") == Some(region.kind.as_str())
                && tree
                    .get(root, region.key)
                    .is_some_and(|value| tree.is_null(value));
        }
    }

    /// True when every document of `parsed` (the parse it was fed) agreed, every region was
    /// inside one, and the parse met no syntax error and no depth limit.
    pub fn holds(&self, parsed: &ParsedFile) -> bool {
        self.holds
            && self.read == self.skimmed.regions.len()
            && parsed.errors.is_empty()
            && parsed.too_deep.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_each_skipping};

    /// Skims values of any length: the examples are short.
    fn skim_any(text: &str, kinds: &[CustomKind]) -> Option<Skimmed> {
        skim_values_of(text, kinds, 0)
    }

    #[test]
    fn values_shorter_than_the_minimum_are_parsed() {
        let header = "apiVersion: v1\nkind: ConfigMap\ndata:\n";
        let line = "  KEY: a value of thirty bytes\n";
        let short = format!("{header}{}", line.repeat(MIN_SKIPPED_BYTES / line.len()));
        assert!(short.len() - header.len() < MIN_SKIPPED_BYTES);
        assert!(skim(&short, &[]).is_none());
        let long = format!("{short}{line}");
        let ranges = skim(&long, &[]).map(|skimmed| skimmed.ranges()).unwrap();
        assert_eq!(ranges.len(), 1);
        assert_eq!(ranges[0], header.len()..long.len());
    }

    fn regions(text: &str) -> Vec<(&'static str, String)> {
        skim_any(text, &[]).map_or_else(Vec::new, |skimmed| {
            skimmed
                .regions
                .iter()
                .map(|region| (region.key, text[region.bytes.clone()].to_string()))
                .collect()
        })
    }

    const CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  versions:
  - name: v1
    schema: {openAPIV3Schema: {type: object}}
status:
  acceptedNames: {kind: ''}
";

    fn parse_skimmed(text: &str) -> (Skimmed, crate::yaml::ParsedFile) {
        let skimmed = skim_any(text, &[]).unwrap();
        let parsed =
            parse_each_skipping(text, &skimmed.ranges(), &Limits::default(), &mut |_, _| {});
        (skimmed, parsed)
    }

    #[test]
    fn a_crd_keeps_its_header_and_loses_its_schema() {
        let text = format!("# a CRD\n{CRD}");
        assert_eq!(
            regions(&text),
            [
                (
                    "spec",
                    CRD[CRD.find("  group").unwrap()..CRD.find("status:").unwrap()].to_string()
                ),
                ("status", "  acceptedNames: {kind: ''}\n".to_string())
            ]
        );
        let skimmed = skim_any(&text, &[]).unwrap();
        let mut agreement = skimmed.agreement();
        let mut seen = Vec::new();
        let parsed = parse_each_skipping(
            &text,
            &skimmed.ranges(),
            &Limits::default(),
            &mut |tree, document| {
                let root = document.root.unwrap();
                let metadata = tree.get(root, "metadata").unwrap();
                let name = tree.get(metadata, "name").unwrap();
                // Offsets are the file's: the name's span reads the name in the original text.
                let (start, end) = tree.span(name);
                agreement.document(tree, document);
                seen.push(text[start..end].to_string());
                assert!(tree.is_null(tree.get(root, "spec").unwrap()));
                // Keys after a skipped value are where they are in the file.
                let keys: Vec<&str> = tree
                    .entries(root)
                    .iter()
                    .map(|&(key, _)| {
                        let (start, end) = tree.span(key);
                        &text[start..end]
                    })
                    .collect();
                assert_eq!(keys, ["apiVersion", "kind", "metadata", "spec", "status"]);
            },
        );
        assert!(agreement.holds(&parsed));
        assert_eq!(seen, ["widgets.example.com"]);
        assert_eq!(parsed.comments.len(), 1);
        assert_eq!(parsed.documents[0].end as usize, text.len());
    }

    #[test]
    fn config_data_is_skimmed_in_every_document_of_a_stream() {
        let text = "# a bundle\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  k: v\n# between\n---\napiVersion: \"v1\"\nkind: Secret\nstringData:\n  password: x\n...\n---\napiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 1\n";
        assert_eq!(
            regions(text),
            [
                ("data", "  k: v\n# between\n".to_string()),
                ("stringData", "  password: x\n".to_string())
            ]
        );
    }

    #[test]
    fn doubtful_documents_are_read_in_full() {
        // A flow root, a sequence root, a value on the key's line, two kinds, a line that is
        // no key, a custom kind of that name, a value naming adminlint, a kind read elsewhere.
        for text in [
            "{apiVersion: v1,\nkind: ConfigMap,\ndata: {a: b}}\n",
            "- apiVersion: v1\n  kind: ConfigMap\n",
            "apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n",
            "apiVersion: v1\nkind: ConfigMap\nkind: Secret\ndata:\n  a: b\n",
            "apiVersion: v1\nkind: ConfigMap\nnote: \"a\nb\"\ndata:\n  a: b\n",
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  # adminlint: ignore\n  a: b\n",
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 1\n",
            "apiVersion: v1\nkind: ConfigMap\n--- !!map\ndata:\n  a: b\n",
            "apiVersion: example.com/v1\nkind: ConfigMap\ndata:\n  a: b\n",
        ] {
            assert_eq!(regions(text), [], "{text}");
        }
        let custom = CustomKind {
            api_version: "monitoring.coreos.com/*".into(),
            kind: "PrometheusRule".into(),
            pod_spec: "spec.template.spec".into(),
            role: crate::config::RoleName::LongRunning,
        };
        let rule =
            "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups: []\n";
        assert!(skim_any(rule, &[]).is_some());
        assert!(skim_any(rule, &[custom]).is_none());
    }

    #[test]
    fn a_crlf_file_and_a_file_without_a_last_line_break_are_skimmed() {
        assert_eq!(
            regions(
                "apiVersion: v1\r\nkind: ConfigMap\r\ndata:\r\n  a: b\r\nmetadata:\r\n  name: x"
            ),
            [("data", "  a: b\r\n".to_string())]
        );
        // The last value runs to the end of the file: without a final line break it is kept.
        assert_eq!(
            regions("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b"),
            []
        );
        assert_eq!(
            regions("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n"),
            [("data", "  a: b\n".to_string())]
        );
    }

    #[test]
    fn a_parse_that_differs_from_the_lines_is_caught() {
        // An anchor inside the skipped value, used outside it: the skimmed text does not parse,
        // and the caller reads the original.
        let text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: &x b\nmetadata:\n  name: *x\n";
        let (skimmed, parsed) = parse_skimmed(text);
        assert_eq!(parsed.errors.len(), 1);
        assert!(skimmed.parse(text, &Limits::default()).is_none());
        // A region no document of the parse holds: the agreement does not hold.
        let text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n";
        let (skimmed, parsed) = parse_skimmed(text);
        assert!(!skimmed.agreement().holds(&parsed));
        assert!(skimmed.parse(text, &Limits::default()).is_some());
        // A syntax error after a skipped value is placed in the file's offsets.
        let text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\nmetadata: [\n";
        let (_, parsed) = parse_skimmed(text);
        assert_eq!(parsed.errors.len(), 1);
        assert!(parsed.errors[0].offset >= text.find("metadata").unwrap());
    }

    #[test]
    fn comments_outside_skipped_values_keep_their_offsets() {
        let text = "apiVersion: v1 # one\nkind: ConfigMap\ndata:\n  # two\n  a: b\nmetadata: # three\n  name: x\n";
        let (_, parsed) = parse_skimmed(text);
        let comments: Vec<&str> = parsed.comments.iter().map(|c| c.text(text)).collect();
        assert_eq!(comments, ["# one", "# three"]);
    }
}
