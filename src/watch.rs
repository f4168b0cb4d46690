//! `check --watch`: whether anything a run read, or would read now, changed since it ran.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use crate::report::Report;
use crate::{CheckOptions, inputs, load_config, read};

/// What the watched files looked like: their paths, sizes and modification times, hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(u64);

/// The stamp of every file a run would read now (the plan: named files, the project around
/// them, files a new walk finds) and every file `report` read (Compose references, `.env`), and
/// the configuration. A file added, removed, resized or touched changes it.
pub fn stamp(options: &CheckOptions, report: &Report) -> Stamp {
    let mut paths: Vec<PathBuf> = report.files.iter().filter_map(|f| f.path.clone()).collect();
    if let Ok(config) = load_config(options) {
        paths.extend(config.path.clone());
        let mut scratch = Report::default();
        let planned = inputs::plan(options, &config, &mut scratch);
        paths.extend(planned.into_iter().filter_map(|input| input.path));
    }
    paths.sort();
    paths.dedup();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for path in &paths {
        path.hash(&mut hasher);
        read::file_stamp(path).hash(&mut hasher);
    }
    Stamp(hasher.finish())
}
