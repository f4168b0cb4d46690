//! Fixes converge: applying every fixture's safe fixes leaves YAML that parses, and the findings
//! they fix are gone when the result is checked again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use adminlint::diagnostic::{Diagnostic, Fix};
use adminlint::fix::{Allowed, apply};
use adminlint::report::Report;
use adminlint::{CheckOptions, check};

mod common;

/// What identifies a finding across an edit that moves offsets: rule, file, object.
fn identity(report: &Report, diagnostic: &Diagnostic) -> (String, String, String) {
    let object = diagnostic
        .object
        .as_ref()
        .map(|o| format!("{} {:?} {:?} {:?}", o.kind, o.name, o.container, o.overlay))
        .unwrap_or_default();
    (
        diagnostic.rule.to_string(),
        report.file(diagnostic.span.file).display.clone(),
        object,
    )
}

fn options(dir: &Path, buffers: BTreeMap<PathBuf, String>) -> CheckOptions {
    CheckOptions {
        paths: vec![dir.to_path_buf()],
        buffers,
        ..CheckOptions::default()
    }
}

#[test]
fn every_fixtures_safe_fixes_apply_reparse_and_remove_their_findings() {
    let dirs = common::fixture_dirs();
    let mut fixed_somewhere = 0;
    for dir in dirs {
        let dir = std::fs::canonicalize(&dir).unwrap();
        let before = check(&options(&dir, BTreeMap::new()));
        let fixes: Vec<(&Diagnostic, &Fix)> = before
            .diagnostics
            .iter()
            .filter_map(|d| Some((d, d.fix.as_ref()?)))
            .collect();
        let only_fixes: Vec<&Fix> = fixes.iter().map(|(_, f)| *f).collect();
        let applied = apply(&only_fixes, Allowed::Safe, |file| {
            Some(before.file(file).text.as_str())
        });
        if applied.applied.is_empty() {
            continue;
        }
        fixed_somewhere += applied.applied.len();
        let buffers: BTreeMap<PathBuf, String> = applied
            .files
            .iter()
            .map(|(file, text)| {
                let path = before.file(*file).path.clone().expect("a fixture file");
                (std::fs::canonicalize(path).unwrap(), text.clone())
            })
            .collect();
        let after = check(&options(&dir, buffers));
        // Files that parsed before the fixes still parse (a fixture may be broken on purpose).
        let syntax_errors = |report: &Report| -> Vec<_> {
            report
                .diagnostics
                .iter()
                .filter(|d| d.rule == "syntax-error")
                .map(|d| identity(report, d))
                .collect()
        };
        let was_broken = syntax_errors(&before);
        let broken: Vec<_> = syntax_errors(&after)
            .into_iter()
            .filter(|e| !was_broken.contains(e))
            .collect();
        assert!(
            broken.is_empty(),
            "{}: fixes broke the YAML: {broken:?}",
            dir.display()
        );
        for index in &applied.applied {
            let fixed = identity(&before, fixes[*index].0);
            let remaining = after
                .diagnostics
                .iter()
                .any(|d| identity(&after, d) == fixed);
            assert!(
                !remaining,
                "{}: the fix did not remove {fixed:?}",
                dir.display()
            );
        }
    }
    assert!(fixed_somewhere > 0, "no fixture has a safe fix to apply");
}
