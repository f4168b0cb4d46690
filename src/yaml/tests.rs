//! Tests for the tree builder and the merge-aware accessors.

use super::*;

fn parse_default(text: &str) -> ParsedFile {
    parse(text, &Limits::default())
}

fn slice<'t>(text: &'t str, tree: &Tree, id: NodeId) -> &'t str {
    let (start, end) = tree.span(id);
    &text[start..end]
}

#[test]
fn scalars_keep_exact_spans_and_raw_text() {
    let text = "a: 1\nb: \"two\"\nc: no\n# é\nd: é☃ x\n";
    let parsed = parse_default(text);
    assert!(parsed.errors.is_empty());
    let root = parsed.documents[0].root.unwrap();
    let tree = &parsed.tree;
    assert_eq!(tree.str(tree.get(root, "b").unwrap()), Some("two"));
    assert_eq!(slice(text, tree, tree.get(root, "b").unwrap()), "\"two\"");
    assert_eq!(tree.str(tree.get(root, "c").unwrap()), Some("no"));
    assert_eq!(slice(text, tree, tree.get(root, "d").unwrap()), "é☃ x");
}

#[test]
fn block_collections_end_at_their_last_child() {
    let text = "spec:\n  containers:\n  - name: x\n    image: y\n\nother: 1\n";
    let parsed = parse_default(text);
    let tree = &parsed.tree;
    let root = parsed.documents[0].root.unwrap();
    let containers = tree.path(root, &["spec", "containers"]).unwrap();
    assert_eq!(slice(text, tree, containers), "- name: x\n    image: y");
    let flow = "a: [1, {b: 2}]\n";
    let parsed = parse_default(flow);
    let a = parsed
        .tree
        .get(parsed.documents[0].root.unwrap(), "a")
        .unwrap();
    assert_eq!(slice(flow, &parsed.tree, a), "[1, {b: 2}]");
}

#[test]
fn merge_keys_explicit_keys_win_then_sources_in_order() {
    let text = "x: &a {image: one, env: a}\ny: &b {image: two, cmd: b}\nz:\n  <<: [*a, *b]\n  env: own\nw:\n  !!merge <<: *b\n";
    let parsed = parse_default(text);
    let tree = &parsed.tree;
    let root = parsed.documents[0].root.unwrap();
    let z = tree.get(root, "z").unwrap();
    assert_eq!(tree.str(tree.get(z, "image").unwrap()), Some("one"));
    assert_eq!(tree.str(tree.get(z, "env").unwrap()), Some("own"));
    assert_eq!(tree.str(tree.get(z, "cmd").unwrap()), Some("b"));
    let keys: Vec<_> = tree
        .entries(z)
        .into_iter()
        .map(|(k, _)| tree.str(k).unwrap())
        .collect();
    assert_eq!(keys, ["env", "image", "cmd"]);
    let w = tree.get(root, "w").unwrap();
    assert_eq!(tree.str(tree.get(w, "image").unwrap()), Some("two"));
    // The value found through the merge keeps the anchor definition's span.
    assert_eq!(slice(text, tree, tree.get(w, "image").unwrap()), "two");
}

#[test]
fn alias_span_is_the_use_site() {
    let text = "a: &img myapp:v1\nb: *img\n";
    let parsed = parse_default(text);
    let tree = &parsed.tree;
    let b = tree.get(parsed.documents[0].root.unwrap(), "b").unwrap();
    assert_eq!(slice(text, tree, b), "*img");
    assert_eq!(tree.str(b), Some("myapp:v1"));
}

#[test]
fn a_broken_document_does_not_hide_the_others() {
    let text = "a: 1\n---\nb: [1, 2\n---\nc: 3\n";
    let parsed = parse_default(text);
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].document, 1);
    let roots: Vec<_> = parsed.documents.iter().map(|d| d.root.is_some()).collect();
    assert_eq!(roots, [true, false, true]);
    let last = parsed.documents[2].root.unwrap();
    assert_eq!(
        parsed.tree.str(parsed.tree.get(last, "c").unwrap()),
        Some("3")
    );
}

#[test]
fn deep_nesting_is_a_limit_not_a_stack_overflow_nor_a_syntax_error() {
    let deep = format!("a: 1\n---\n{}\n---\nc: 3\n", "[".repeat(100_000));
    let parsed = parse_default(&deep);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.too_deep.len(), 1);
    assert_eq!(parsed.too_deep[0].document, 1);
    // The documents around it are still read.
    assert!(parsed.documents[0].root.is_some());
    assert!(parsed.documents.last().unwrap().root.is_some());
    let block: String = (0..300)
        .map(|i| format!("{}k:\n", "  ".repeat(i)))
        .collect();
    let parsed = parse_default(&block);
    assert_eq!(parsed.too_deep.len(), 1);
    let compact = format!("{}x\n", "- ".repeat(100_000));
    let parsed = parse_default(&compact);
    assert_eq!(parsed.too_deep.len(), 1);
    // Within the limit is fine.
    let parsed = parse_default(&format!("{}{}", "[".repeat(100), "]".repeat(100)));
    assert!(parsed.errors.is_empty() && parsed.too_deep.is_empty());
}

#[test]
fn streaming_hands_over_each_document_and_drops_its_nodes() {
    let text = "a: &x 1\nb: *x\n---\nc: [1, 2\n---\nd: 4\n";
    let mut seen = Vec::new();
    let parsed = parse_each(text, &Limits::default(), &mut |tree, document| {
        let keys: Vec<String> = document
            .root
            .map(|root| {
                tree.entries(root)
                    .into_iter()
                    .map(|(k, v)| {
                        format!("{}={}", tree.str(k).unwrap(), tree.str(v).unwrap_or("?"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        seen.push((document.index, keys, tree.len()));
    });
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].1, ["a=1", "b=1"]);
    assert!(seen[1].1.is_empty());
    assert_eq!(seen[2].1, ["d=4"]);
    // Each document's tree held only its own nodes.
    assert_eq!(seen[2].2, 3);
    assert!(parsed.tree.is_empty());
}

#[test]
fn many_aliases_of_a_big_anchor_spend_its_size() {
    // One anchored list of 1,000 items, aliased 1,000 times: reading every alias would visit a
    // million nodes. Each alias followed costs the anchor's size.
    let mut text = format!("big: &big [{}]\nuses:\n", vec!["x"; 1000].join(", "));
    for _ in 0..1000 {
        text.push_str("- *big\n");
    }
    let limits = Limits {
        max_depth: 128,
        alias_budget: 100_000,
    };
    let parsed = parse(&text, &limits);
    let tree = &parsed.tree;
    let uses = tree.get(parsed.documents[0].root.unwrap(), "uses").unwrap();
    let mut read = 0;
    for &alias in tree.items(uses) {
        read += tree.items(alias).len();
    }
    assert!(tree.budget_exhausted());
    assert!(read <= 100_000, "{read}");
    // A few aliases of a small anchor are cheap.
    let parsed = parse("a: &a {k: v}\nb: *a\nc: *a\n", &Limits::default());
    let root = parsed.documents[0].root.unwrap();
    assert_eq!(
        parsed
            .tree
            .str(parsed.tree.path(root, &["c", "k"]).unwrap()),
        Some("v")
    );
    assert!(!parsed.tree.budget_exhausted());
}

#[test]
fn billion_laughs_reads_are_bounded() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
    }
    text.push_str("m0: &m0 {k: v}\n");
    for i in 1..200 {
        text.push_str(&format!("m{i}: &m{i} {{<<: [*m{}, *m{}]}}\n", i - 1, i - 1));
    }
    let parsed = parse(
        &text,
        &Limits {
            max_depth: 128,
            alias_budget: 10_000,
        },
    );
    assert!(parsed.errors.is_empty());
    let tree = &parsed.tree;
    let root = parsed.documents[0].root.unwrap();
    let last = tree.get(root, "m199").unwrap();
    // Either found within the budget or cut short, but always quickly.
    let _ = tree.get(last, "missing");
    let _ = tree.entries(last);
    assert!(tree.budget_exhausted());
}

#[test]
fn empty_and_comment_only_inputs_have_no_roots() {
    for text in ["", "# only a comment\n", "\u{feff}", "---\n...\n"] {
        let parsed = parse_default(text);
        assert!(parsed.errors.is_empty(), "{text:?}: {:?}", parsed.errors);
        assert!(
            parsed
                .documents
                .iter()
                .all(|d| d.root.is_none() || parsed.tree.is_null(d.root.unwrap()))
        );
    }
}

#[test]
fn tags_are_kept_as_written() {
    let text = "a: !reset []\nb: !override {x: 1}\n";
    let parsed = parse_default(text);
    let tree = &parsed.tree;
    let root = parsed.documents[0].root.unwrap();
    assert_eq!(
        tree.node(tree.get(root, "a").unwrap()).tag.as_deref(),
        Some("!reset")
    );
    assert_eq!(
        tree.node(tree.get(root, "b").unwrap()).tag.as_deref(),
        Some("!override")
    );
}

/// The text of each comment `parse` records, with whether it trails code on its line.
fn comments_of(text: &str) -> Vec<(&str, bool)> {
    parse_default(text)
        .comments
        .iter()
        .map(|c| (c.text(text), c.trailing))
        .collect()
}

#[test]
fn comments_are_recorded_with_their_placement() {
    let text = "# head\nkey: value # trailing\n  # indented, own line\nlist: [a, b] #flow\nurl: http://a#b\n";
    assert_eq!(
        comments_of(text),
        [
            ("# head", false),
            ("# trailing", true),
            ("# indented, own line", false),
            ("#flow", true),
        ]
    );
}

#[test]
fn a_hash_inside_a_quoted_or_block_scalar_is_not_a_comment() {
    let text = "a: \"x # adminlint: ignore[all] d\"\nb: 'y # s'\nc: \"multi\n  # line\" # real\nd: | # header\n  # body\n  x\n# after\ne: >-\n    # folded\n  # less indented ends it\n";
    assert_eq!(
        comments_of(text),
        [
            ("# real", true),
            ("# header", true),
            ("# after", false),
            ("# less indented ends it", false),
        ]
    );
}

#[test]
fn comments_stop_at_the_line_end_and_keep_their_inner_hashes() {
    let text = "a: 1 # one # two\r\n# three\n";
    let parsed = parse_default(text);
    let found: Vec<_> = parsed.comments.iter().map(|c| c.range()).collect();
    assert_eq!(found, [5..16, 18..25]);
    assert_eq!(parsed.comments[0].text(text), "# one # two");
}

#[test]
fn a_comment_after_a_byte_order_mark_is_alone_on_its_line() {
    let text = "\u{feff}# first\na: 1\n";
    assert_eq!(comments_of(text), [("# first", false)]);
}

#[test]
fn comments_are_recorded_in_documents_that_do_not_parse_and_when_streaming() {
    let text = "a: [1 # broken\n---\n# kept\nb: 2 # too\n";
    let parsed = parse_default(text);
    assert_eq!(parsed.errors.len(), 1);
    let texts: Vec<_> = parsed.comments.iter().map(|c| c.text(text)).collect();
    assert_eq!(texts, ["# broken", "# kept", "# too"]);
    let streamed = parse_each(text, &Limits::default(), &mut |_, _| {});
    assert_eq!(streamed.comments, parsed.comments);
}

#[test]
fn a_block_of_150_comments_parses_and_every_comment_is_recorded() {
    // granit-parser's comment events stop after 96 buffered comments in some positions; the
    // scan has no such limit. The block sits where lookahead buffers: between a key and its value.
    let block: String = (0..150).map(|i| format!("  # line {i}\n")).collect();
    let text = format!("# top\nkey:\n{block}  value\nnext: 1\n");
    let parsed = parse_default(&text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.comments.len(), 151);
    let root = parsed.documents[0].root.unwrap();
    assert_eq!(
        parsed.tree.str(parsed.tree.get(root, "key").unwrap()),
        Some("value")
    );
}
