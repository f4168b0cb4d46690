//! The real-world corpus as a regression suite: every repository of `ADMINLINT_CORPUS` (default
//! `../shared/corpus`) is checked the way a user would check it (the repository is the scope),
//! without a panic and without an error, and the findings are compared with
//! `tests/corpus-expected.txt`, one line per finding: `path:line:col rule`, ` (info)` after info findings, paths relative to
//! the corpus root. A change in behaviour on real data shows up as a diff of that file.
//!
//! Regenerate it after an intended change with
//! `ADMINLINT_BLESS=1 cargo test --test corpus_regression` and review the diff.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use adminlint::{CheckOptions, check};

const EXPECTED: &str = "tests/corpus-expected.txt";

/// Corpus paths that are expected to be reported as errors (exit 2), with why. None today: every
/// file of the corpus is readable, UTF-8 and within the limits.
const LABELLED_ERRORS: &[(&str, &str)] = &[];

fn corpus() -> Option<PathBuf> {
    common::corpus("corpus regression")
}

/// The corpus's repositories (its top-level directories), sorted.
fn repositories(corpus: &Path) -> Vec<PathBuf> {
    let mut repos: Vec<PathBuf> = std::fs::read_dir(corpus)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    repos.sort();
    repos
}

/// `path:line:col rule` lines for one repository, and its errors as `path: message`.
fn findings(corpus: &Path, repo: &Path) -> (Vec<String>, Vec<String>) {
    let report = std::panic::catch_unwind(|| {
        check(&CheckOptions {
            paths: vec![repo.to_path_buf()],
            ..CheckOptions::default()
        })
    })
    .unwrap_or_else(|_| panic!("adminlint panicked on {}", repo.display()));
    // A chart's files are known by their absolute path: with a relative corpus (the default
    // `../shared/corpus`) only their display, relative to the working directory, has the prefix.
    let prefix = adminlint::discover::display_path(corpus);
    let relative = |display: &str, path: Option<&Path>| -> String {
        path.and_then(|p| p.strip_prefix(corpus).ok())
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .or_else(|| {
                Some(
                    display
                        .strip_prefix(&prefix)?
                        .trim_start_matches('/')
                        .to_string(),
                )
            })
            .unwrap_or_else(|| display.to_string())
    };
    let lines = report
        .diagnostics
        .iter()
        .map(|d| {
            let file = report.file(d.span.file);
            let at = file.position(d.span.start as usize);
            let path = relative(&file.display, file.path.as_deref());
            // Info is shown but not counted (see the summary line): marked, so that a finding
            // moving between warning and info shows in the diff.
            let info = if d.severity == adminlint::diagnostic::Severity::Info {
                " (info)"
            } else {
                ""
            };
            format!("{path}:{}:{} {}{info}", at.line, at.column, d.rule)
        })
        .collect();
    let errors = report
        .errors
        .iter()
        .map(|e| {
            let path = e
                .path
                .strip_prefix(&prefix)
                .map_or(e.path.as_str(), |p| p.trim_start_matches('/'));
            format!("{path}: {}", e.message)
        })
        .collect();
    (lines, errors)
}

#[test]
fn corpus_findings_match_the_expectation_file() {
    let Some(corpus) = corpus() else { return };
    let mut actual = String::new();
    let mut errors = Vec::new();
    for repo in repositories(&corpus) {
        let (lines, repo_errors) = findings(&corpus, &repo);
        for line in lines {
            writeln!(actual, "{line}").unwrap();
        }
        errors.extend(repo_errors);
    }
    let unexpected: Vec<&String> = errors
        .iter()
        .filter(|e| !LABELLED_ERRORS.iter().any(|(path, _)| e.starts_with(path)))
        .collect();
    assert!(
        unexpected.is_empty(),
        "errors on the corpus: {unexpected:#?}"
    );
    if std::env::var_os("ADMINLINT_BLESS").is_some() {
        std::fs::write(EXPECTED, &actual).unwrap();
        eprintln!("wrote {EXPECTED} ({} findings)", actual.lines().count());
        return;
    }
    let expected = std::fs::read_to_string(EXPECTED).unwrap_or_default();
    if expected != actual {
        panic!(
            "the findings on the corpus changed (- expected, + actual); if the change is \
             intended, run `ADMINLINT_BLESS=1 cargo test --test corpus_regression` and commit \
             {EXPECTED}\n{}",
            diff(&expected, &actual)
        );
    }
}

/// A line diff: lines only in `expected` with `-`, only in `actual` with `+`, in file order.
/// Both sides are sorted by path (repositories and files are checked in path order), so a
/// merge of the two sorted lists is enough, and keeps the output short and readable.
fn diff(expected: &str, actual: &str) -> String {
    let mut old: Vec<&str> = expected.lines().collect();
    let mut new: Vec<&str> = actual.lines().collect();
    old.sort_unstable();
    new.sort_unstable();
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a < b => {
                writeln!(out, "- {a}").unwrap();
                i += 1;
            }
            (Some(_), Some(b)) | (None, Some(b)) => {
                writeln!(out, "+ {b}").unwrap();
                j += 1;
            }
            (Some(a), None) => {
                writeln!(out, "- {a}").unwrap();
                i += 1;
            }
            (None, None) => unreachable!(),
        }
    }
    out
}
