//! The files of a workspace and what ties them: each file's link keys, an index from key to
//! files, and the walk that finds a changed file's group.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::report::FileLinks;

/// What is known of one file of the workspace.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    // Hash maps, not ordered ones: comparing paths component by component was most of a warm
    // named-file run's time on a 4,900-file project.
    files: HashMap<PathBuf, FileState>,
    /// Workload names some command targets: only these tie a file by name.
    targets: HashSet<String>,
    /// Key -> the files that have it (a workload's name as `target:<name>`).
    index: HashMap<String, HashSet<PathBuf>>,
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
        self.remove(&path);
        for key in index_keys(&state) {
            self.index.entry(key).or_default().insert(path.clone());
        }
        self.files.insert(path, state);
    }

    /// Say whether a file is an input of a walk (its keys are unchanged).
    pub fn set_input(&mut self, path: &Path, input: bool) {
        if let Some(state) = self.files.get_mut(path) {
            state.input = input;
        }
    }

    /// Forget a file.
    pub fn remove(&mut self, path: &Path) {
        let Some(old) = self.files.remove(path) else {
            return;
        };
        for key in index_keys(&old) {
            if let Some(files) = self.index.get_mut(&key) {
                files.remove(path);
                if files.is_empty() {
                    self.index.remove(&key);
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
                for other in self.index.get(&key).into_iter().flatten() {
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
fn index_keys(state: &FileState) -> impl Iterator<Item = String> + '_ {
    state
        .keys
        .iter()
        .cloned()
        .chain(state.names.iter().map(|name| format!("target:{name}")))
}
