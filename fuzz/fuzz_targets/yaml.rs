//! The YAML tree builder: any UTF-8 input parses without a panic, spans stay inside the text on
//! character boundaries, and walking every document (through aliases and merge keys) ends; the
//! same with lines skipped (every run of indented lines), where no comment is reported from
//! inside a skipped run.
#![no_main]

use adminlint::yaml::{
    Limits, NodeId, NodeKind, ParsedFile, Tree, parse, parse_each, parse_skipping,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for limits in [
        Limits::default(),
        Limits {
            max_depth: 8,
            alias_budget: 500,
        },
    ] {
        let parsed = parse(text, &limits);
        check_parsed(text, &parsed);
        let mut seen = 0;
        let streamed = parse_each(text, &limits, &mut |tree, document| {
            check_spans(text, tree);
            if let Some(root) = document.root {
                walk(tree, root);
            }
            seen += 1;
        });
        assert_eq!(seen, streamed.documents.len());
        assert_eq!(streamed.documents.len(), parsed.documents.len());
        assert_eq!(streamed.errors, parsed.errors);
        let skipped = indented_runs(text);
        let parsed = parse_skipping(text, &skipped, &limits);
        check_parsed(text, &parsed);
        for comment in &parsed.comments {
            assert!(
                !skipped.iter().any(|run| run.contains(&(comment.start as usize))),
                "a comment at {} inside a skipped run",
                comment.start
            );
        }
    }
});

/// Spans, documents and errors of a whole parse stay inside the text, and every document can be
/// walked.
fn check_parsed(text: &str, parsed: &ParsedFile) {
    check_spans(text, &parsed.tree);
    for document in &parsed.documents {
        assert!(document.start <= document.end && document.end as usize <= text.len());
        if let Some(root) = document.root {
            walk(&parsed.tree, root);
        }
    }
    for error in &parsed.errors {
        assert!(error.offset <= text.len());
    }
}

/// Every run of lines that start with a space, each ending after its last line break.
fn indented_runs(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.len();
        if line.starts_with(' ') && line.ends_with('\n') {
            match runs.last_mut() {
                Some(run) if run.end == start => run.end = end,
                _ => runs.push(start..end),
            }
        }
        start = end;
    }
    runs
}

fn check_spans(text: &str, tree: &Tree) {
    for i in 0..tree.len() {
        let (start, end) = tree.span(NodeId(i as u32));
        assert!(start <= end, "node {i}: {start} > {end}");
        assert!(end <= text.len(), "node {i}: {end} past {}", text.len());
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
    }
}

/// Visit everything reachable from `root` the way extraction reads it.
fn walk(tree: &Tree, root: NodeId) {
    let mut stack = vec![root];
    let mut visits = 0usize;
    while let Some(id) = stack.pop() {
        visits += 1;
        if visits > 20_000 {
            return;
        }
        let _ = tree.str(id);
        let _ = tree.is_null(id);
        let resolved = tree.resolve(id);
        match &tree.node(resolved).kind {
            NodeKind::Mapping(_) => {
                for (key, value) in tree.entries(resolved) {
                    if let Some(name) = tree.str(key) {
                        assert!(tree.get(resolved, name).is_some());
                    }
                    stack.push(value);
                }
                let _ = tree.path(resolved, &["spec", "template", "spec"]);
            }
            NodeKind::Sequence(_) => stack.extend(tree.items(resolved)),
            NodeKind::Scalar { .. } | NodeKind::Alias(_) => {}
        }
    }
}
