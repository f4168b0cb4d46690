//! The project's files by absolute, normalised path, for resolving kustomization entries:
//! sorted by the paths' bytes, so that a lookup compares bytes rather than parsing both paths
//! into components at every step (which was most of resolving on a large project).

use std::path::{Path, PathBuf};

use crate::span::FileId;

/// Paths (absolute, normalised: no `.` or `..` components, no trailing separator) with their
/// files, in byte order.
#[derive(Debug, Default)]
pub(super) struct FileTable {
    sorted: Vec<(PathBuf, FileId)>,
}

fn bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

impl FileTable {
    pub fn new(mut files: Vec<(PathBuf, FileId)>) -> FileTable {
        files.sort_unstable_by(|(a, x), (b, y)| bytes(a).cmp(bytes(b)).then(x.cmp(y)));
        FileTable { sorted: files }
    }

    /// The first file at exactly `path`.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        let key = bytes(path);
        let at = self.sorted.partition_point(|(p, _)| bytes(p) < key);
        self.sorted
            .get(at)
            .filter(|(p, _)| bytes(p) == key)
            .map(|&(_, id)| id)
    }

    pub fn insert(&mut self, path: PathBuf, file: FileId) {
        let at = self
            .sorted
            .partition_point(|(p, _)| bytes(p) <= bytes(&path));
        self.sorted.insert(at, (path, file));
    }

    /// The files at `path` and under it, in the order of their paths' components (what a
    /// sort of the paths gives), which is the order rendering takes them in.
    pub fn at_or_under(&self, path: &Path) -> Vec<FileId> {
        let key = bytes(path);
        let mut found: Vec<(&Path, FileId)> = Vec::new();
        let exact = self.sorted.partition_point(|(p, _)| bytes(p) < key);
        found.extend(
            self.sorted[exact..]
                .iter()
                .take_while(|(p, _)| bytes(p) == key)
                .map(|(p, id)| (p.as_path(), *id)),
        );
        // Everything whose bytes start with `path/` is one run of the byte order; `path-x`
        // (between `path` and `path/` in bytes) is not under it.
        let mut prefix = key.to_vec();
        if !prefix.ends_with(b"/") {
            prefix.push(b'/');
        }
        let under = self.sorted.partition_point(|(p, _)| bytes(p) < &prefix[..]);
        found.extend(
            self.sorted[under..]
                .iter()
                .take_while(|(p, _)| bytes(p).starts_with(&prefix))
                .map(|(p, id)| (p.as_path(), *id)),
        );
        if found.len() > 1 {
            found.sort_by(|(a, x), (b, y)| a.cmp(b).then(x.cmp(y)));
        }
        found.into_iter().map(|(_, id)| id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(paths: &[&str]) -> FileTable {
        FileTable::new(
            paths
                .iter()
                .enumerate()
                .map(|(i, p)| (PathBuf::from(p), FileId(i as u32)))
                .collect(),
        )
    }

    #[test]
    fn a_directory_holds_what_is_under_it_in_component_order_and_not_its_namesakes() {
        let files = table(&[
            "/p/base/x-y.yaml",
            "/p/base-old/a.yaml",
            "/p/base/x/z.yaml",
            "/p/base",
            "/p/base/a.yaml",
            "/p/based.yaml",
        ]);
        // Component order puts `base/x/z.yaml` before `base/x-y.yaml`; bytes would not.
        assert_eq!(
            files.at_or_under(Path::new("/p/base")),
            vec![FileId(3), FileId(4), FileId(2), FileId(0)]
        );
        assert_eq!(
            files.at_or_under(Path::new("/p/base/a.yaml")),
            vec![FileId(4)]
        );
        assert_eq!(
            files.at_or_under(Path::new("/p/nothing")),
            Vec::<FileId>::new()
        );
        assert_eq!(files.find(Path::new("/p/base-old/a.yaml")), Some(FileId(1)));
        assert_eq!(files.find(Path::new("/p/base-old")), None);
    }

    #[test]
    fn an_inserted_file_is_found() {
        let mut files = table(&["/p/a.yaml", "/p/c.yaml"]);
        files.insert(PathBuf::from("/p/b.yaml"), FileId(9));
        assert_eq!(files.find(Path::new("/p/b.yaml")), Some(FileId(9)));
        assert_eq!(files.at_or_under(Path::new("/p")).len(), 3);
    }
}
