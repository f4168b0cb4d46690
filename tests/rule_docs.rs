//! Rule docs are executed: every Incorrect block must fire its rule, every Correct block must
//! not; docs, registry and fixtures match one to one.

use std::path::Path;

use adminlint::rules::{FixAvailability, RULES};
use adminlint::{CheckOptions, check};

/// The fenced blocks that follow each `**Incorrect …:**` / `**Correct …:**` heading, each with
/// the file name it is checked as (`example.yaml`, or `example.sh` for a `bash` block).
fn blocks(doc: &str) -> (Vec<Block>, Vec<Block>) {
    let (mut incorrect, mut correct) = (Vec::new(), Vec::new());
    let mut heading: Option<bool> = None;
    let mut in_block: Option<Block> = None;
    for line in doc.lines() {
        if let Some(block) = in_block.as_mut() {
            if line.trim_start().starts_with("```") {
                let block = in_block.take().unwrap();
                match heading {
                    Some(true) => incorrect.push(block),
                    Some(false) => correct.push(block),
                    None => {}
                }
            } else {
                block.1.push_str(line);
                block.1.push('\n');
            }
            continue;
        }
        if line.starts_with("**Incorrect") {
            heading = Some(true);
        } else if line.starts_with("**Correct") {
            heading = Some(false);
        } else if line.starts_with("**") {
            heading = None;
        } else if line.trim_start().starts_with("```yaml") {
            in_block = Some(("example.yaml", String::new()));
        } else if line.trim_start().starts_with("```bash") {
            in_block = Some(("example.sh", String::new()));
        }
    }
    (incorrect, correct)
}

/// A block's file name and text.
type Block = (&'static str, String);

/// The rules a block fires: checked as stdin, or, when it holds `# file: <path>` lines (a
/// Helm chart), as those files written to a temporary directory.
fn rules_fired((name, text): &Block) -> Vec<&'static str> {
    if !text.starts_with("# file: ") {
        let report = check(&CheckOptions {
            stdin: Some(((*name).into(), text.as_bytes().to_vec())),
            ..CheckOptions::default()
        });
        return report.diagnostics.iter().map(|d| d.rule).collect();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        match line.strip_prefix("# file: ") {
            Some(path) => files.push((path.to_string(), String::new())),
            None => {
                let (_, text) = files.last_mut().unwrap();
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    for (path, text) in &files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let report = check(&CheckOptions {
        paths: vec![dir.path().to_path_buf()],
        ..CheckOptions::default()
    });
    report.diagnostics.iter().map(|d| d.rule).collect()
}

#[test]
fn docs_and_registry_match_one_to_one() {
    let mut documented: Vec<String> = std::fs::read_dir("rules")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| name.strip_suffix(".md").map(str::to_string))
        .collect();
    documented.sort();
    let registered: Vec<String> = RULES.iter().map(|r| r.id.to_string()).collect();
    assert_eq!(documented, registered);
    let mut sorted = registered.clone();
    sorted.sort();
    assert_eq!(sorted, registered, "RULES must be sorted by id");
    for rule in RULES {
        let source = Path::new("src/rules").join(format!("{}.rs", rule.id.replace('-', "_")));
        assert!(source.is_file(), "{} has no {}", rule.id, source.display());
    }
}

#[test]
fn docs_have_the_seed_shape() {
    for rule in RULES {
        let doc = rule.doc;
        let front = doc
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .unwrap_or_else(|| panic!("{}: no front matter", rule.id))
            .0;
        for key in ["title:", "impact:", "impactDescription:", "tags:"] {
            assert!(
                front.lines().any(|l| l.starts_with(key)),
                "{}: front matter lacks {key}",
                rule.id
            );
        }
        let impact = front
            .lines()
            .find_map(|l| l.strip_prefix("impact:"))
            .unwrap()
            .trim();
        assert!(
            ["CRITICAL", "HIGH", "MEDIUM", "LOW"].contains(&impact),
            "{}: impact {impact}",
            rule.id
        );
        assert!(doc.contains("\n## "), "{}: no `## Title`", rule.id);
        assert!(doc.contains("\nReference"), "{}: no Reference", rule.id);
        assert!(!doc.contains("TODO"), "{}: unfinished doc", rule.id);
    }
}

/// Each doc says whether and how the rule fixes, in a `Fix:` line that agrees with the rule's
/// declared [`FixAvailability`]: `Fix: none` for rules that never attach one, and whether the
/// fix is safe or unsafe for the others.
#[test]
fn docs_say_how_the_rule_fixes() {
    for rule in RULES {
        let line = rule
            .doc
            .lines()
            .find(|l| l.starts_with("Fix: "))
            .unwrap_or_else(|| panic!("{}: no `Fix:` line", rule.id));
        match rule.fix {
            FixAvailability::None => assert!(
                line.starts_with("Fix: none"),
                "{}: declares no fix but its doc says {line:?}",
                rule.id
            ),
            FixAvailability::Sometimes => assert!(
                line.starts_with("Fix: **safe**") || line.starts_with("Fix: **unsafe**"),
                "{}: fixes but its doc says {line:?}",
                rule.id
            ),
        }
    }
}

#[test]
fn incorrect_examples_fire_and_correct_examples_do_not() {
    for rule in RULES {
        let (incorrect, correct) = blocks(rule.doc);
        assert!(
            !incorrect.is_empty(),
            "{}: no Incorrect yaml block",
            rule.id
        );
        assert!(!correct.is_empty(), "{}: no Correct yaml block", rule.id);
        for block in &incorrect {
            let fired = rules_fired(block);
            assert!(
                fired.contains(&rule.id),
                "{}: Incorrect block did not fire (got {fired:?}):\n{}",
                rule.id,
                block.1
            );
        }
        for block in &correct {
            let fired = rules_fired(block);
            assert!(
                !fired.contains(&rule.id),
                "{}: Correct block fired:\n{}",
                rule.id,
                block.1
            );
        }
    }
}
