//! Fixture tests: every `# expect: <rule>[, <rule>]` marker must be matched by a finding that
//! starts on that line, and every finding must have a marker (both directions). Markers are
//! comments in YAML, shell scripts, Makefiles and Procfiles alike; a JSON file's are in a file
//! beside it (`app.json.expect`). An info finding
//! is marked `<rule>(info)`, so a finding moving between info and warning fails too.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use adminlint::rules::RULES;
use adminlint::{CheckOptions, check};

mod common;

/// (path, line, rule) triples.
type Expectations = BTreeSet<(String, usize, String)>;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if adminlint::discover::is_yaml_name(&path)
            || path.extension().is_some_and(|e| e == "tpl")
            || adminlint::manifest::script::is_script_name(&path)
            || adminlint::manifest::script::is_shebang_script(&path)
        {
            out.push(path);
        }
    }
}

fn markers(dir: &Path) -> Expectations {
    let mut files = Vec::new();
    yaml_files(dir, &mut files);
    let mut expected = Expectations::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let display = adminlint::discover::display_path(&file);
        for (index, line) in text.lines().enumerate() {
            if let Some((_, rules)) = line.split_once("# expect:") {
                for rule in rules.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                    expected.insert((display.clone(), index + 1, rule.to_string()));
                }
            }
        }
        // JSON has no comments: `app.json`'s markers are in `app.json.expect`, one
        // `<line>: <rule>[, <rule>]` a line.
        let beside = PathBuf::from(format!("{}.expect", file.display()));
        if file.extension().is_some_and(|e| e == "json") && beside.is_file() {
            for entry in std::fs::read_to_string(&beside).unwrap().lines() {
                let (line, rules) = entry.split_once(':').expect("`<line>: <rules>`");
                let line: usize = line.trim().parse().expect("a line number");
                for rule in rules.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                    expected.insert((display.clone(), line, rule.to_string()));
                }
            }
        }
    }
    expected
}

fn findings(dir: &Path) -> Expectations {
    let report = check(&CheckOptions {
        paths: vec![dir.to_path_buf()],
        ..CheckOptions::default()
    });
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    report
        .diagnostics
        .iter()
        .map(|d| {
            let file = report.file(d.span.file);
            let line = file.position(d.span.start as usize).line;
            // An info finding (shown, not counted) must be marked as one: `rule(info)`.
            let rule = match d.severity {
                adminlint::diagnostic::Severity::Info => format!("{}(info)", d.rule),
                _ => d.rule.to_string(),
            };
            (file.display.clone(), line, rule)
        })
        .collect()
}

fn check_dir(dir: &Path) -> Expectations {
    let expected = markers(dir);
    let found = findings(dir);
    let missing: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "{}:\n missing (marked, not found): {missing:#?}\n unexpected (found, not marked): {unexpected:#?}",
        dir.display()
    );
    expected
}

#[test]
fn every_rule_has_fixtures_that_fire_and_pass() {
    for rule in RULES {
        let dir = Path::new("fixtures").join(rule.id);
        assert!(
            dir.is_dir(),
            "rule {} has no fixtures/{}/",
            rule.id,
            rule.id
        );
        let expected = check_dir(&dir);
        assert!(
            expected
                .iter()
                .any(|(_, _, r)| r.trim_end_matches("(info)") == rule.id),
            "fixtures/{} has no `# expect: {}` marker",
            rule.id,
            rule.id
        );
        let mut files = Vec::new();
        yaml_files(&dir, &mut files);
        let clean = files
            .iter()
            .any(|f| !std::fs::read_to_string(f).unwrap().contains("# expect:"));
        assert!(
            clean,
            "fixtures/{} has no file that must stay clean",
            rule.id
        );
    }
}

#[test]
fn feature_fixtures_match_their_markers() {
    let rule_ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    for dir in common::fixture_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if !rule_ids.contains(&name.as_str()) {
            check_dir(&dir);
        }
    }
}

/// A rule's declared fix availability holds on every fixture: a rule that says it has no fix
/// makes none, and a rule that says it has fixes makes at least one on its own fixtures. Every
/// fix has a title and at least one edit.
#[test]
fn rules_keep_to_their_declared_fix_availability() {
    use adminlint::rules::FixAvailability;
    let dirs = common::fixture_dirs();
    let mut fixed: BTreeSet<&str> = BTreeSet::new();
    for dir in dirs {
        let report = check(&CheckOptions {
            paths: vec![dir.clone()],
            ..CheckOptions::default()
        });
        for diagnostic in &report.diagnostics {
            let rule = adminlint::rules::find(diagnostic.rule).unwrap();
            let Some(fix) = &diagnostic.fix else {
                continue;
            };
            assert_ne!(
                rule.fix,
                FixAvailability::None,
                "{} declares no fix but made one in {}",
                rule.id,
                dir.display()
            );
            assert!(!fix.message.is_empty() && !fix.edits.is_empty(), "{fix:?}");
            fixed.insert(rule.id);
        }
    }
    for rule in RULES {
        if rule.fix == FixAvailability::Sometimes {
            assert!(
                fixed.contains(rule.id),
                "{} declares fixes but made none on the fixtures",
                rule.id
            );
        }
    }
}
