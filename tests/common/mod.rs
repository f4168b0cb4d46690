//! Shared by the integration tests: where the real-world corpus is, the fixture folders, and
//! a report rendered as users see it.

// Each test crate uses the part it needs; the rest would warn as dead code in that crate.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use adminlint::render::{Format, RenderOptions, render};
use adminlint::report::Report;
use adminlint::{CheckOptions, check};

/// The corpus folder (`ADMINLINT_CORPUS`, default `../shared/corpus`), or None with a printed
/// notice naming the skipped `test` when it is absent.
pub fn corpus(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("ADMINLINT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else {
        skipped(
            test,
            &format!("{} is absent (set ADMINLINT_CORPUS)", dir.display()),
        );
        None
    }
}

/// Say that `test` was skipped and why, where it is seen: straight to the process's stderr
/// (libtest captures `eprintln!` of a passing test, so a notice printed that way is never
/// shown), and as a line of `target/tmp/skipped-tests.txt`, which `.ci/run` empties before the
/// tests and fails on after them: in CI nothing may be skipped.
pub fn skipped(test: &str, why: &str) {
    use std::io::Write;
    let line = format!("adminlint test skipped: {test}: {why}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.txt");
    // One short append per skip: lines of tests running in parallel do not interleave.
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        let _ = file.write_all(line.as_bytes());
    }
}

/// Each folder directly under `fixtures/`, sorted.
pub fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// A report rendered in `format`, without colour, 100 columns wide.
pub fn rendered(format: Format, report: &Report) -> String {
    let mut out = Vec::new();
    let options = RenderOptions {
        color: false,
        width: 100,
        quiet: false,
    };
    render(format, report, &options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// `check` of `paths` with the default options (no configuration, no project context).
pub fn check_paths<P: AsRef<Path>>(paths: &[P]) -> Report {
    check(&CheckOptions {
        paths: paths.iter().map(|p| p.as_ref().to_path_buf()).collect(),
        ..CheckOptions::default()
    })
}

/// A temporary directory holding these files (parent directories made as needed).
pub fn temp_tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}
