//! The link index a whole run leaves on disk for warm runs on named files (`links.bin`): every
//! file's stamp and link keys, every directory's modification time, in a form read without
//! building anything per string (paths and keys borrowed from the file's bytes, each key
//! stored once and named by number) and walked with numbers, not strings.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::report::FileLinks;

/// A file's size and modification time (nanoseconds): what says it is unchanged.
pub(crate) type Stamp = (u64, u128);

/// The project's link index. Strings borrow from the bytes it was decoded from until a run
/// changes them.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct LinkIndex<'a> {
    /// The configuration and settings it was made under.
    pub settings: u64,
    /// Every directory that holds an indexed file, up to the root, with its modification time:
    /// a file created, deleted or renamed changes its directory's.
    #[serde(borrow)]
    pub dirs: Vec<(Text<'a>, u128)>,
    /// Every key some file has, once.
    #[serde(borrow)]
    keys: Vec<Text<'a>>,
    /// Every file of the run, sorted by path.
    #[serde(borrow)]
    files: Vec<IndexedFile<'a>>,
}

/// A string of the index: borrowed from the bytes read, owned when a run made it. (A `Cow`
/// in a `Vec` or a tuple would be decoded owned: serde borrows only a field's own `Cow`.)
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// One file of the index.
#[derive(Debug, Serialize, Deserialize)]
struct IndexedFile<'a> {
    /// Absolute.
    #[serde(borrow)]
    path: Text<'a>,
    stamp: Stamp,
    /// Checked as an input (false: read by a loader for another file, like a Compose `.env`).
    input: bool,
    /// Its link keys (numbers in `keys`).
    keys: Vec<u32>,
    /// `target:<name>` for each of its workloads' names (numbers in `keys`): followed only to a
    /// command that has that key, as a command's target.
    names: Vec<u32>,
}

/// Why a run's links cannot be indexed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum IndexError {
    #[error("{0} is not UTF-8")]
    NotUtf8(String),
}

impl LinkIndex<'_> {
    /// The index of a whole run's links; `stamp` gives each file's stamp now (a file that has
    /// none, gone since, is left out and its group is found by its directory's change).
    pub fn new(
        settings: u64,
        dirs: Vec<(std::path::PathBuf, u128)>,
        links: Vec<FileLinks>,
        stamp: impl Fn(&Path) -> Option<Stamp>,
    ) -> Result<LinkIndex<'static>, IndexError> {
        let mut index = LinkIndex {
            settings,
            dirs: Vec::with_capacity(dirs.len()),
            keys: Vec::new(),
            files: Vec::with_capacity(links.len()),
        };
        for (dir, modified) in dirs {
            index
                .dirs
                .push((Text(Cow::Owned(utf8(&dir)?.to_string())), modified));
        }
        let mut interner = HashMap::new();
        for link in links {
            let Some(stamp) = stamp(&link.path) else {
                continue;
            };
            let path = utf8(&link.path)?.to_string();
            index.files.push(IndexedFile {
                path: Text(Cow::Owned(path)),
                stamp,
                input: link.input,
                keys: intern_all(&mut index.keys, &mut interner, link.keys.iter().cloned()),
                names: intern_all(&mut index.keys, &mut interner, target_keys(&link.names)),
            });
        }
        index.files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        index.files.dedup_by(|a, b| a.path == b.path);
        Ok(index)
    }
}

impl<'a> LinkIndex<'a> {
    /// The index in `body`, or None when it is not one this version wrote whole.
    pub fn decode(body: &'a [u8]) -> Option<LinkIndex<'a>> {
        let index: LinkIndex<'a> = postcard::from_bytes(body).ok()?;
        let keys = index.keys.len();
        let sorted = index.files.windows(2).all(|w| w[0].path < w[1].path);
        let in_range = index
            .files
            .iter()
            .flat_map(|f| f.keys.iter().chain(&f.names))
            .all(|&key| (key as usize) < keys);
        (sorted && in_range).then_some(index)
    }

    pub fn encode(&self) -> Result<Vec<u8>, postcard::Error> {
        postcard::to_allocvec(self)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn path(&self, file: usize) -> &str {
        &self.files[file].path
    }

    #[cfg(test)]
    pub fn stamp(&self, file: usize) -> Stamp {
        self.files[file].stamp
    }

    pub fn input(&self, file: usize) -> bool {
        self.files[file].input
    }

    /// The file's number.
    pub fn find(&self, path: &str) -> Option<usize> {
        self.files
            .binary_search_by(|file| (*file.path).cmp(path))
            .ok()
    }

    /// Record a file's stamp now; true when it differs from the recorded one.
    pub fn restamp(&mut self, file: usize, now: Stamp) -> bool {
        let changed = self.files[file].stamp != now;
        self.files[file].stamp = now;
        changed
    }

    /// Take a run's links: each file's keys, names and (unless it is `keep_input`'s) whether
    /// it was an input, a file new to the index added with its stamp. True when anything
    /// changed; numbers given before then may name other files.
    pub fn take_links(
        &mut self,
        links: &[FileLinks],
        keep_input: impl Fn(&Path) -> bool,
        stamp: impl Fn(&Path) -> Option<Stamp>,
    ) -> Result<bool, IndexError> {
        let mut interner: Option<HashMap<String, u32>> = None;
        let mut changed = false;
        for link in links {
            let path = utf8(&link.path)?;
            let same = self.find(path).is_some_and(|file| {
                let known = &self.files[file];
                (keep_input(&link.path) || known.input == link.input)
                    && self.same_keys(&known.keys, link.keys.iter().map(String::as_str))
                    && self.same_keys(&known.names, target_keys(&link.names).iter().map(|k| &**k))
            });
            if same {
                continue;
            }
            changed = true;
            let interner = interner.get_or_insert_with(|| {
                self.keys
                    .iter()
                    .enumerate()
                    .map(|(number, key)| (key.to_string(), number as u32))
                    .collect()
            });
            let keys = intern_all(&mut self.keys, interner, link.keys.iter().cloned());
            let names = intern_all(&mut self.keys, interner, target_keys(&link.names));
            match self.find(path) {
                Some(file) => {
                    let known = &mut self.files[file];
                    known.keys = keys;
                    known.names = names;
                    if !keep_input(&link.path) {
                        known.input = link.input;
                    }
                }
                None => {
                    let Some(stamp) = stamp(&link.path) else {
                        continue;
                    };
                    let at = self.files.partition_point(|file| *file.path < *path);
                    self.files.insert(
                        at,
                        IndexedFile {
                            path: Text(Cow::Owned(path.to_string())),
                            stamp,
                            input: link.input,
                            keys,
                            names,
                        },
                    );
                }
            }
        }
        Ok(changed)
    }

    fn same_keys<'k>(&self, numbers: &[u32], keys: impl ExactSizeIterator<Item = &'k str>) -> bool {
        numbers.len() == keys.len()
            && numbers
                .iter()
                .zip(keys)
                .all(|(&number, key)| *self.keys[number as usize] == *key)
    }

    /// The files reachable from `start` through shared keys (`start` included). A file's names
    /// tie it only to commands that target them.
    pub fn group_of(&self, start: &[usize]) -> BTreeSet<usize> {
        let postings = Postings::new(self);
        let mut seen: BTreeSet<usize> = start.iter().copied().collect();
        let mut queue: Vec<usize> = start.to_vec();
        let mut keys_done = vec![false; self.keys.len()];
        while let Some(file) = queue.pop() {
            let file = &self.files[file];
            let named = file
                .names
                .iter()
                .filter(|&&key| postings.targeted[key as usize]);
            for &key in file.keys.iter().chain(named) {
                if std::mem::replace(&mut keys_done[key as usize], true) {
                    continue;
                }
                for &other in postings.files_of(key) {
                    if seen.insert(other as usize) {
                        queue.push(other as usize);
                    }
                }
            }
        }
        seen
    }
}

/// Key -> the files that have it (or name it), as one array cut by offsets.
struct Postings {
    offsets: Vec<u32>,
    files: Vec<u32>,
    /// Keys some file has among its own keys: a name key is followed only then.
    targeted: Vec<bool>,
}

impl Postings {
    fn new(index: &LinkIndex<'_>) -> Postings {
        let keys = index.keys.len();
        let mut offsets = vec![0u32; keys + 1];
        let mut targeted = vec![false; keys];
        for file in &index.files {
            for &key in &file.keys {
                offsets[key as usize + 1] += 1;
                targeted[key as usize] = true;
            }
            for &key in &file.names {
                offsets[key as usize + 1] += 1;
            }
        }
        for key in 0..keys {
            offsets[key + 1] += offsets[key];
        }
        let mut next = offsets.clone();
        let mut files = vec![0u32; offsets[keys] as usize];
        for (number, file) in index.files.iter().enumerate() {
            for &key in file.keys.iter().chain(&file.names) {
                let slot = &mut next[key as usize];
                files[*slot as usize] = number as u32;
                *slot += 1;
            }
        }
        Postings {
            offsets,
            files,
            targeted,
        }
    }

    fn files_of(&self, key: u32) -> &[u32] {
        let key = key as usize;
        &self.files[self.offsets[key] as usize..self.offsets[key + 1] as usize]
    }
}

/// The keys a file's workload names are indexed under.
fn target_keys(names: &[String]) -> Vec<String> {
    names.iter().map(|name| format!("target:{name}")).collect()
}

/// The numbers of `keys`, each added to the table when new; a key listed twice is kept once.
fn intern_all(
    table: &mut Vec<Text<'_>>,
    interner: &mut HashMap<String, u32>,
    keys: impl IntoIterator<Item = String>,
) -> Vec<u32> {
    let mut numbers = Vec::new();
    for key in keys {
        let number = match interner.get(&key) {
            Some(&number) => number,
            None => {
                let number = u32::try_from(table.len()).expect("fewer than 2^32 keys");
                table.push(Text(Cow::Owned(key.clone())));
                interner.insert(key, number);
                number
            }
        };
        if !numbers.contains(&number) {
            numbers.push(number);
        }
    }
    numbers
}

fn utf8(path: &Path) -> Result<&str, IndexError> {
    path.to_str()
        .ok_or_else(|| IndexError::NotUtf8(path.display().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn link(path: &str, keys: &[&str], names: &[&str]) -> FileLinks {
        FileLinks {
            path: PathBuf::from(path),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            names: names.iter().map(|n| n.to_string()).collect(),
            input: true,
        }
    }

    fn index(links: Vec<FileLinks>) -> LinkIndex<'static> {
        LinkIndex::new(1, vec![], links, |_| Some((1, 1))).unwrap()
    }

    fn group(index: &LinkIndex<'_>, start: &str) -> Vec<String> {
        let start = index.find(start).unwrap();
        index
            .group_of(&[start])
            .into_iter()
            .map(|file| index.path(file).to_string())
            .collect()
    }

    #[test]
    fn files_sharing_a_key_are_one_group_and_others_are_not() {
        let index = index(vec![
            link("/p/c.yaml", &["repo:app"], &[]),
            link("/p/a.yaml", &["repo:app", "dir:/p"], &[]),
            link("/p/b.yaml", &["dir:/p"], &[]),
            link("/q/d.yaml", &["repo:other"], &[]),
        ]);
        assert_eq!(
            group(&index, "/p/c.yaml"),
            ["/p/a.yaml", "/p/b.yaml", "/p/c.yaml"]
        );
        assert_eq!(group(&index, "/q/d.yaml"), ["/q/d.yaml"]);
    }

    #[test]
    fn a_name_ties_a_file_only_to_the_command_that_targets_it() {
        let index = index(vec![
            link("/p/deploy.yaml", &["repo:web"], &["web"]),
            link("/p/Makefile", &["target:web"], &[]),
            link("/q/other.yaml", &["repo:api"], &["api"]),
            link("/q/same-name.yaml", &["repo:db"], &["api"]),
        ]);
        // From the Deployment (nothing else shared) to the command that targets it, and back.
        assert_eq!(
            group(&index, "/p/deploy.yaml"),
            ["/p/Makefile", "/p/deploy.yaml"]
        );
        assert_eq!(
            group(&index, "/p/Makefile"),
            ["/p/Makefile", "/p/deploy.yaml"]
        );
        // Two workloads of the same name that no command targets stay apart.
        assert_eq!(group(&index, "/q/other.yaml"), ["/q/other.yaml"]);
    }

    #[test]
    fn the_index_decodes_from_its_own_bytes_and_takes_new_links() {
        let written = index(vec![
            link("/p/a.yaml", &["repo:app"], &[]),
            link("/p/b.yaml", &["repo:app"], &[]),
        ]);
        let bytes = written.encode().unwrap();
        let mut read = LinkIndex::decode(&bytes).unwrap();
        assert!(matches!(read.keys[0].0, Cow::Borrowed(_)));
        assert!(matches!(read.files[0].path.0, Cow::Borrowed(_)));
        assert_eq!(group(&read, "/p/a.yaml"), ["/p/a.yaml", "/p/b.yaml"]);
        // The same links again change nothing; a new key and a new file do.
        let same = [link("/p/a.yaml", &["repo:app"], &[])];
        assert!(!read.take_links(&same, |_| false, |_| Some((1, 1))).unwrap());
        let moved = [
            link("/p/a.yaml", &["repo:other"], &[]),
            link("/p/0.yaml", &["repo:other"], &[]),
        ];
        assert!(
            read.take_links(&moved, |_| false, |_| Some((2, 2)))
                .unwrap()
        );
        assert_eq!(group(&read, "/p/a.yaml"), ["/p/0.yaml", "/p/a.yaml"]);
        assert_eq!(group(&read, "/p/b.yaml"), ["/p/b.yaml"]);
        assert_eq!(read.stamp(read.find("/p/0.yaml").unwrap()), (2, 2));
        // Bytes cut short or with a key out of range are not an index.
        assert!(LinkIndex::decode(&bytes[..bytes.len() - 1]).is_none());
    }
}
