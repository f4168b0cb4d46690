//! The fact cache: each file's extracted facts from earlier runs, kept under the project root in
//! `.adminlint_cache/`, so repeated runs (pre-commit, editors) skip parsing unchanged files.
//!
//! An entry is used only when the file's path, size, modification time and content hash all
//! match, and the cache file was written by this very version of adminlint; anything else —
//! another version, a corrupt or foreign file — is ignored and rewritten. Writes are atomic
//! (a temporary file renamed over the old one).
//!
//! The file (`facts.bin`) is a header line naming the format and version, the xxh3 checksum of
//! the rest, then the entries in postcard, a compact binary serde format, in key order: opening
//! the cache reads the file and notes where each entry's key and facts are, and a lookup is a
//! binary search. Each entry's facts stay encoded until a file asks for them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::manifest::kustomize::Kustomization;
use crate::model::workload::Workload;
use crate::span::FileId;
use crate::yaml::SyntaxError;

/// The cache directory's name under the project root.
pub const CACHE_DIR: &str = ".adminlint_cache";

/// What the cache file says it is, on its first line: a foreign or older file is not trusted.
const FORMAT: &str = concat!("adminlint-facts ", env!("CARGO_PKG_VERSION"), " 25\n");
/// The cache file's name in [`CACHE_DIR`].
pub const CACHE_FILE: &str = "facts.bin";

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
    /// ConfigMaps and Secrets declared in the file.
    pub configs: Vec<crate::manifest::kustomize::DeclaredConfig>,
    /// For a file that may be a Compose file ([`crate::manifest::compose::may_be_compose`]):
    /// its Compose documents, converted (None inside: it has none).
    pub compose: Option<Option<crate::manifest::compose::Converted>>,
    /// Suppression comments (`# adminlint: ignore[…]`), read from the YAML layer's comments.
    pub suppressions: Vec<crate::suppress::Suppression>,
    /// A template (`{{ }}`) that does not parse: skipped.
    pub templated: bool,
    /// Later stages need the text (see `read_and_extract` in extract.rs).
    pub keep_text: bool,
    /// For a shell script: whether a line of it (not a comment) names migrations
    /// (`manage.py wait_for_migrations`, `rails db:migrate`). A Compose service whose program
    /// it is may wait for them, or run them, itself (admin-not-awaited).
    pub shell_script: Option<bool>,
    /// For a script, Makefile or Procfile: the Jobs it deletes by name
    /// ([`crate::manifest::script::deleted_jobs`]), which immutable-job then lets run again.
    pub deleted_jobs: Vec<String>,
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

/// The encoded facts of one file.
type Encoded = Vec<u8>;

/// One entry of a cache file as read: where its key and its encoded facts are in the file's
/// body, and its stamp.
#[derive(Debug, Clone)]
struct Entry {
    key: std::ops::Range<usize>,
    stamp: Stamp,
    facts: std::ops::Range<usize>,
}

/// The entries of a cache file in key order (as written): found by binary search, so opening
/// a project's cache builds nothing per file (a warm run on a few named files opens it too).
type Entries = Vec<Entry>;

/// The cache file as written: entries in key order.
#[derive(Serialize)]
struct CacheFileOut<'a> {
    /// What else extraction depended on (custom kinds, limits): another setting, another cache.
    settings: u64,
    /// Key (absolute path) → stamp and encoded facts.
    entries: BTreeMap<&'a str, (Stamp, Bytes<'a>)>,
}

/// Encoded facts written as one byte string. Postcard writes a byte string exactly as the
/// sequence of `u8` serde makes of a `&[u8]` (its length, then the bytes), so the file reads
/// back as `&[u8]`; but a sequence is written a byte at a time, which was most of saving.
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

/// The cache file as read: each entry's facts borrowed from the file's bytes. Reading a
/// project's cache copies nothing per file (it used to copy every file's encoded facts, which
/// made a one-file run in a large project pay for all of them).
#[derive(Deserialize)]
struct CacheFileIn<'a> {
    settings: u64,
    #[serde(borrow)]
    entries: Vec<(&'a str, (Stamp, &'a [u8]))>,
}

/// An open cache: entries read at start, new entries collected during the run.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    settings: u64,
    /// The cache file's body as read.
    body: Vec<u8>,
    /// Where each entry's key and encoded facts are in `body`, in key order.
    old: Entries,
    fresh: Mutex<BTreeMap<String, (Stamp, Encoded)>>,
}

/// An entry's key, from the body it was read from (UTF-8: it was decoded as a `&str`).
fn key_in<'b>(body: &'b [u8], entry: &Entry) -> &'b str {
    body.get(entry.key.clone())
        .and_then(|key| std::str::from_utf8(key).ok())
        .unwrap_or_default()
}

/// The body of a cache file's bytes and its entries, or None when it is not a whole cache file
/// of this version with these settings.
fn decode(mut bytes: Vec<u8>, settings: u64) -> Option<(Vec<u8>, Entries)> {
    let start = FORMAT.len() + 8;
    let rest = bytes.strip_prefix(FORMAT.as_bytes())?;
    let (checksum, body) = rest.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*checksum) != xxhash_rust::xxh3::xxh3_64(body) {
        return None;
    }
    let file: CacheFileIn<'_> = postcard::from_bytes(body).ok()?;
    if file.settings != settings {
        return None;
    }
    let base = body.as_ptr() as usize;
    let range = |bytes: &[u8]| {
        let offset = bytes.as_ptr() as usize - base;
        offset..offset + bytes.len()
    };
    let sorted = file.entries.windows(2).all(|pair| pair[0].0 < pair[1].0);
    if !sorted {
        return None;
    }
    let entries = file
        .entries
        .into_iter()
        .map(|(key, (stamp, facts))| Entry {
            key: range(key.as_bytes()),
            stamp,
            facts: range(facts),
        })
        .collect();
    bytes.drain(..start);
    Some((bytes, entries))
}

impl Cache {
    /// The cache of the project at `root` (empty when missing, corrupt, from another version,
    /// or written with other `settings` — a fingerprint of what extraction depends on).
    pub fn open(root: &Path, settings: u64) -> Cache {
        let dir = root.join(CACHE_DIR);
        let (body, old) = std::fs::read(dir.join(CACHE_FILE))
            .ok()
            .and_then(|bytes| decode(bytes, settings))
            .unwrap_or_default();
        Cache {
            dir,
            settings,
            body,
            old,
            fresh: Mutex::new(BTreeMap::new()),
        }
    }

    /// The facts stored for `key` at this stamp, with spans in `file`.
    pub fn lookup(&self, key: &str, stamp: Stamp, file: FileId) -> Option<Facts> {
        let at = self
            .old
            .binary_search_by(|entry| key_in(&self.body, entry).cmp(key))
            .ok()?;
        let entry = &self.old[at];
        if entry.stamp != stamp {
            return None;
        }
        let facts = self.body.get(entry.facts.clone())?;
        crate::span::decoding_file(file, || postcard::from_bytes(facts).ok())
    }

    /// Remember the facts of `key` at this stamp.
    pub fn store(&self, key: String, stamp: Stamp, facts: &Facts) {
        let Ok(encoded) = postcard::to_allocvec(facts) else {
            return;
        };
        if let Ok(mut fresh) = self.fresh.lock() {
            fresh.insert(key, (stamp, encoded));
        }
    }

    /// Write the cache if this run learned something; old entries are kept.
    pub fn save(self) -> std::io::Result<()> {
        let fresh = self.fresh.into_inner().unwrap_or_default();
        if fresh.is_empty() {
            return Ok(());
        }
        let mut entries: BTreeMap<&str, (Stamp, Bytes<'_>)> = self
            .old
            .iter()
            .filter_map(|entry| {
                let facts = self.body.get(entry.facts.clone())?;
                Some((key_in(&self.body, entry), (entry.stamp, Bytes(facts))))
            })
            .collect();
        entries.extend(
            fresh
                .iter()
                .map(|(key, (stamp, facts))| (key.as_str(), (*stamp, Bytes(facts)))),
        );
        let body = postcard::to_allocvec(&CacheFileOut {
            settings: self.settings,
            entries,
        })
        .map_err(std::io::Error::other)?;
        write_checked(&self.dir, CACHE_FILE, &body)?;
        // The JSON cache of adminlint 0.1 before this format: never read again.
        let _ = std::fs::remove_file(self.dir.join("facts.json"));
        Ok(())
    }
}

/// A file in the cache directory written by [`write_checked`] by this very version.
pub struct Checked(Vec<u8>);

impl Checked {
    /// What was written, after the format line and the checksum.
    pub fn body(&self) -> &[u8] {
        &self.0[FORMAT.len() + 8..]
    }
}

/// The file `name` in the cache directory `dir` written by [`write_checked`] by this very
/// version, or None (missing, another version, corrupt). The body is not copied out: an index
/// decoded from it borrows its strings.
pub fn read_checked(dir: &Path, name: &str) -> Option<Checked> {
    let bytes = std::fs::read(dir.join(name)).ok()?;
    let rest = bytes.strip_prefix(FORMAT.as_bytes())?;
    let (checksum, body) = rest.split_first_chunk::<8>()?;
    (u64::from_le_bytes(*checksum) == xxhash_rust::xxh3::xxh3_64(body)).then_some(Checked(bytes))
}

/// Write `body` as `name` in the cache directory `dir`, atomically (a temporary file renamed
/// over the old one), after the format line and a checksum; the directory ignores itself.
pub fn write_checked(dir: &Path, name: &str, body: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(&ignore, "# adminlint's fact cache: never commit it.\n*\n")?;
    }
    // Atomic: a reader sees the old file or the new one, never half of one.
    let mut temporary = tempfile_in(dir)?;
    temporary.1.write_all(FORMAT.as_bytes())?;
    temporary
        .1
        .write_all(&xxhash_rust::xxh3::xxh3_64(body).to_le_bytes())?;
    temporary.1.write_all(body)?;
    temporary.1.sync_all()?;
    std::fs::rename(&temporary.0, dir.join(name))?;
    Ok(())
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

/// Facts kept in memory between runs of one process (the incremental engine): by path, with the
/// hash of the text they were extracted from and the settings fingerprint of extraction. Unlike
/// [`Cache`], it needs no file metadata, so an editor's buffers are remembered too.
#[derive(Debug, Default)]
pub struct Memo {
    entries: Mutex<std::collections::HashMap<String, (u64, Encoded)>>,
}

impl Memo {
    /// The key of a text under these extraction settings.
    pub fn text_key(settings: u64, text: &str) -> u64 {
        xxhash_rust::xxh3::xxh3_64_with_seed(text.as_bytes(), settings)
    }

    /// The facts remembered for `path` at this text key, with spans in `file`.
    pub fn lookup(&self, path: &str, key: u64, file: FileId) -> Option<Facts> {
        let entries = self.entries.lock().ok()?;
        let (stored, facts) = entries.get(path)?;
        if *stored != key {
            return None;
        }
        crate::span::decoding_file(file, || postcard::from_bytes(facts).ok())
    }

    /// Remember the facts of `path` at this text key (replacing any other version).
    pub fn store(&self, path: String, key: u64, facts: &Facts) {
        let Ok(encoded) = postcard::to_allocvec(facts) else {
            return;
        };
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(path, (key, encoded));
        }
    }

    /// Forget a file (removed from the workspace).
    pub fn forget(&self, path: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(path);
        }
    }

    /// Number of files remembered.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
