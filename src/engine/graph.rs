//! The files of a workspace and what ties them, as the language server's engine keeps them
//! between edits: each file's link keys, an index from key to files, and the walk that finds a
//! changed file's group. (The CLI's warm run walks the link index on disk: `index.rs`.)

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use crate::report::FileLinks;

/// What is known of one file of the workspace.
#[derive(Debug, Clone)]
pub(crate) struct FileState {
    /// Its link keys from the run that last covered it.
    pub keys: Vec<String>,
    /// Names of its workloads (a command may target them).
    pub names: Vec<String>,
    /// Checked as an input (false: read by a loader for another file, like a Compose `.env`).
    pub input: bool,
    /// The run whose results it shows (the engine's; unused on disk).
    pub owner: usize,
}

impl FileState {
    pub fn new(links: FileLinks, owner: usize) -> FileState {
        FileState {
            keys: links.keys,
            names: links.names,
            input: links.input,
            owner,
        }
    }
}

/// Files, their keys, and the key index kept in step with them.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    // Hash maps, not ordered ones: comparing paths component by component is slow on a
    // project of thousands of files, and every whole run sets them all.
    files: HashMap<PathBuf, FileState>,
    /// Each file's number, given when it is first set and kept (the index holds numbers, not a
    /// path per key per file), and each number's path.
    ids: HashMap<PathBuf, u32>,
    paths: Vec<PathBuf>,
    /// Workload names some command targets: only these tie a file by name.
    targets: HashSet<String>,
    /// Key -> the files that have it (a workload's name as `target:<name>`).
    index: HashMap<String, HashSet<u32>>,
}

impl Graph {
    pub fn clear(&mut self) {
        *self = Graph::default();
    }

    pub fn get(&self, path: &Path) -> Option<&FileState> {
        self.files.get(path)
    }

    pub fn files(&self) -> &HashMap<PathBuf, FileState> {
        &self.files
    }

    /// Take a run's links: targets named by commands, and each file's new state.
    pub fn take_links(&mut self, links: &[FileLinks], owner: impl Fn(&Path) -> usize) {
        self.targets.extend(
            links
                .iter()
                .flat_map(|l| &l.keys)
                .filter_map(|key| key.strip_prefix("target:").map(str::to_string)),
        );
        for links in links {
            let owner = owner(&links.path);
            self.set(links.path.clone(), FileState::new(links.clone(), owner));
        }
    }

    /// Record a file's state, keeping the index in step.
    pub fn set(&mut self, path: PathBuf, state: FileState) {
        // One lookup for a file never seen (a whole index loaded at once is all new files).
        let next = u32::try_from(self.paths.len()).expect("fewer than 2^32 files");
        let id = match self.ids.entry(path.clone()) {
            std::collections::hash_map::Entry::Occupied(known) => {
                let id = *known.get();
                self.remove(&path);
                id
            }
            std::collections::hash_map::Entry::Vacant(new) => {
                new.insert(next);
                self.paths.push(path.clone());
                next
            }
        };
        for key in index_keys(&state) {
            match self.index.get_mut(&*key) {
                Some(files) => {
                    files.insert(id);
                }
                None => {
                    self.index.insert(key.into_owned(), HashSet::from([id]));
                }
            }
        }
        self.files.insert(path, state);
    }

    /// Forget a file.
    pub fn remove(&mut self, path: &Path) {
        let Some(old) = self.files.remove(path) else {
            return;
        };
        let Some(&id) = self.ids.get(path) else {
            return;
        };
        for key in index_keys(&old) {
            if let Some(files) = self.index.get_mut(&*key) {
                files.remove(&id);
                if files.is_empty() {
                    self.index.remove(&*key);
                }
            }
        }
    }

    /// The files reachable from `start` through shared keys (`start` included). A file's names
    /// tie it only to commands that target them.
    pub fn group_of(&self, start: &BTreeSet<PathBuf>) -> BTreeSet<PathBuf> {
        let mut seen: BTreeSet<PathBuf> = start.clone();
        let mut queue: VecDeque<&Path> = start.iter().map(PathBuf::as_path).collect();
        let mut keys_done: HashSet<String> = HashSet::new();
        while let Some(path) = queue.pop_front() {
            let Some(state) = self.files.get(path) else {
                continue;
            };
            let named = state
                .names
                .iter()
                .filter(|name| self.targets.contains(*name))
                .map(|name| format!("target:{name}"));
            for key in state.keys.iter().cloned().chain(named) {
                if !keys_done.insert(key.clone()) {
                    continue;
                }
                for &other in self.index.get(&key).into_iter().flatten() {
                    let other = &self.paths[other as usize];
                    if seen.insert(other.clone()) {
                        queue.push_back(other);
                    }
                }
            }
        }
        seen
    }
}

/// The keys a file is listed under in the index: its own, and `target:<name>` for each of its
/// workloads' names (followed only for names some command targets).
fn index_keys(state: &FileState) -> impl Iterator<Item = Cow<'_, str>> + '_ {
    state
        .keys
        .iter()
        .map(|key| Cow::Borrowed(key.as_str()))
        .chain(
            state
                .names
                .iter()
                .map(|name| Cow::Owned(format!("target:{name}"))),
        )
}
