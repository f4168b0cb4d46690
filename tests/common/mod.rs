//! Shared by the corpus tests: where the real-world corpus is.

use std::path::PathBuf;

/// The corpus folder (`ADMINLINT_CORPUS`, default `../shared/corpus`), or None with a printed
/// notice naming the skipped `test` when it is absent.
pub fn corpus(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("ADMINLINT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "{test} skipped: {} is absent (set ADMINLINT_CORPUS)",
            dir.display()
        );
        None
    }
}
