//! The fact cache: each file's extracted facts from earlier runs, kept under the project root in
//! `.adminlint_cache/`, so repeated runs (pre-commit, editors) skip parsing unchanged files.
//!
//! An entry is used only when the file's path, size, modification time and content hash all
//! match, and the cache file was written by this very version of adminlint; anything else —
//! another version, a corrupt or foreign file — is ignored and rewritten. Writes are atomic
//! (a temporary file renamed over the old one).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::manifest::kustomize::Kustomization;
use crate::model::workload::Workload;
use crate::span::FileId;
use crate::yaml::SyntaxError;

/// The cache directory's name under the project root.
pub const CACHE_DIR: &str = ".adminlint_cache";

/// What the cache file says it is: a foreign or older file is not trusted.
const FORMAT: &str = concat!("adminlint-facts ", env!("CARGO_PKG_VERSION"), " 1");

thread_local! {
    /// The file whose facts are being read back: spans are stored without their file id.
    static CURRENT_FILE: Cell<FileId> = const { Cell::new(FileId(0)) };
}

/// The file id spans read back from the cache get (serde default for [`crate::span::Span`]).
pub fn current_file() -> FileId {
    CURRENT_FILE.with(Cell::get)
}

/// The facts of one file, as the pipeline needs them after parsing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Facts {
    /// YAML documents in the file.
    pub documents: usize,
    /// Syntax errors.
    pub syntax_errors: Vec<SyntaxError>,
    /// Workloads.
    pub workloads: Vec<Workload>,
    /// Kustomizations.
    pub kustomizations: Vec<Kustomization>,
    /// A template (`{{ }}`) that does not parse: skipped.
    pub templated: bool,
    /// Later stages need the text (see `read_and_extract` in lib.rs).
    pub keep_text: bool,
}

/// What identifies one version of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub modified: u128,
    /// Hash of the content.
    pub hash: u64,
}

impl Stamp {
    /// The stamp of a file's bytes, with its metadata.
    pub fn of(metadata: &std::fs::Metadata, bytes: &[u8]) -> Stamp {
        let modified = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        Stamp {
            size: metadata.len(),
            modified,
            // xxh3: stable across runs and builds, and fast enough to hash every file each run.
            hash: xxhash_rust::xxh3::xxh3_64(bytes),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Entry {
    stamp: Stamp,
    facts: Box<RawValue>,
}

#[derive(Serialize, Deserialize)]
struct CacheFile {
    format: String,
    /// What else extraction depended on (custom kinds, limits): another setting, another cache.
    settings: u64,
    entries: BTreeMap<String, Entry>,
}

/// An open cache: entries read at start, new entries collected during the run.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    settings: u64,
    old: BTreeMap<String, (Stamp, Box<RawValue>)>,
    fresh: Mutex<BTreeMap<String, (Stamp, Box<RawValue>)>>,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry").field("stamp", &self.stamp).finish()
    }
}

impl Cache {
    /// The cache of the project at `root` (empty when missing, corrupt, from another version,
    /// or written with other `settings` — a fingerprint of what extraction depends on).
    pub fn open(root: &Path, settings: u64) -> Cache {
        let dir = root.join(CACHE_DIR);
        let old = std::fs::read_to_string(dir.join("facts.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<CacheFile>(&text).ok())
            .filter(|file| file.format == FORMAT && file.settings == settings)
            .map(|file| {
                file.entries
                    .into_iter()
                    .map(|(k, e)| (k, (e.stamp, e.facts)))
                    .collect()
            })
            .unwrap_or_default();
        Cache {
            dir,
            settings,
            old,
            fresh: Mutex::new(BTreeMap::new()),
        }
    }

    /// The facts stored for `key` at this stamp, with spans in `file`.
    pub fn lookup(&self, key: &str, stamp: Stamp, file: FileId) -> Option<Facts> {
        let (stored, facts) = self.old.get(key)?;
        if *stored != stamp {
            return None;
        }
        CURRENT_FILE.with(|current| current.set(file));
        serde_json::from_str(facts.get()).ok()
    }

    /// Remember the facts of `key` at this stamp.
    pub fn store(&self, key: String, stamp: Stamp, facts: &Facts) {
        let Ok(json) = serde_json::to_string(facts) else {
            return;
        };
        let Ok(raw) = RawValue::from_string(json) else {
            return;
        };
        if let Ok(mut fresh) = self.fresh.lock() {
            fresh.insert(key, (stamp, raw));
        }
    }

    /// Write the cache if this run learned something; old entries are kept.
    pub fn save(self) -> std::io::Result<()> {
        let fresh = self.fresh.into_inner().unwrap_or_default();
        if fresh.is_empty() {
            return Ok(());
        }
        let mut entries: BTreeMap<String, Entry> = self
            .old
            .into_iter()
            .map(|(k, (stamp, facts))| (k, Entry { stamp, facts }))
            .collect();
        for (key, (stamp, facts)) in fresh {
            entries.insert(key, Entry { stamp, facts });
        }
        let file = CacheFile {
            format: FORMAT.to_string(),
            settings: self.settings,
            entries,
        };
        std::fs::create_dir_all(&self.dir)?;
        let ignore = self.dir.join(".gitignore");
        if !ignore.exists() {
            std::fs::write(&ignore, "# adminlint's fact cache: never commit it.\n*\n")?;
        }
        // Atomic: a reader sees the old file or the new one, never half of one.
        let mut temporary = tempfile_in(&self.dir)?;
        temporary
            .1
            .write_all(serde_json::to_string(&file)?.as_bytes())?;
        temporary.1.sync_all()?;
        std::fs::rename(&temporary.0, self.dir.join("facts.json"))
    }
}

/// A fingerprint of settings that change what extraction yields.
pub fn settings_fingerprint(parts: &[&dyn std::fmt::Debug]) -> u64 {
    let text: String = parts.iter().map(|part| format!("{part:?}\n")).collect();
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

/// A new file with a unique name in `dir`.
fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    for attempt in 0..100u32 {
        let path = dir.join(format!(".facts.{}.{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok((path, file)),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}
