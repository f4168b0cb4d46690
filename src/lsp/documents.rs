//! The document store: the editor's open buffers by URI, with versions, edited in place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lsp_types::{TextDocumentContentChangeEvent, Uri};

use super::position::{Encoding, offset};

/// One open buffer.
#[derive(Debug, Clone)]
pub struct Document {
    /// The URI exactly as the client sent it (published diagnostics reuse it).
    pub uri: Uri,
    /// The file it stands for (canonical, see [`canonical`]).
    pub path: PathBuf,
    /// The client's version of the text.
    pub version: i32,
    /// The current text.
    pub text: String,
}

/// Every open buffer that is a local file.
#[derive(Debug, Default)]
pub struct Documents {
    by_uri: BTreeMap<Uri, Document>,
}

impl Documents {
    /// Remember a buffer the client opened (or reopened).
    pub fn open(&mut self, document: Document) {
        self.by_uri.insert(document.uri.clone(), document);
    }

    /// Apply the client's changes, in order; false when the document is not open.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) -> bool {
        let Some(document) = self.by_uri.get_mut(uri) else {
            return false;
        };
        for change in changes {
            match change.range {
                Some(range) => {
                    let start = offset(&document.text, range.start, encoding);
                    let end = offset(&document.text, range.end, encoding).max(start);
                    document.text.replace_range(start..end, &change.text);
                }
                None => document.text = change.text,
            }
        }
        document.version = version;
        true
    }

    /// Forget a buffer the client closed.
    pub fn close(&mut self, uri: &Uri) -> Option<Document> {
        self.by_uri.remove(uri)
    }

    /// The open buffer with this URI.
    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.by_uri.get(uri)
    }

    /// The open buffer for this file.
    pub fn by_path(&self, path: &Path) -> Option<&Document> {
        self.by_uri.values().find(|d| d.path == path)
    }

    /// Every open buffer, in URI order.
    pub fn iter(&self) -> impl Iterator<Item = &Document> {
        self.by_uri.values()
    }
}

/// The path with symbolic links resolved, so that a buffer and the file discovery finds under a
/// workspace folder compare equal. A file that does not exist yet keeps its name under its
/// resolved directory.
pub fn canonical(path: &Path) -> PathBuf {
    if let Ok(resolved) = path.canonicalize() {
        return resolved;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map_or_else(|_| path.to_path_buf(), |dir| dir.join(name)),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use lsp_types::{Position, Range};

    use super::*;

    #[test]
    fn incremental_and_full_changes_apply_in_order() {
        let uri = Uri::from_str("file:///w/job.yaml").unwrap();
        let mut documents = Documents::default();
        documents.open(Document {
            uri: uri.clone(),
            path: "/w/job.yaml".into(),
            version: 1,
            text: "name: é☃\nimage: app:v1\n".into(),
        });
        let edit = |line, from, to, text: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(
                Position::new(line, from),
                Position::new(line, to),
            )),
            range_length: None,
            text: text.into(),
        };
        assert!(documents.change(
            &uri,
            2,
            vec![edit(1, 11, 13, "v2"), edit(0, 6, 7, "e")],
            Encoding::Utf16
        ));
        let document = documents.get(&uri).unwrap();
        assert_eq!(
            (document.version, document.text.as_str()),
            (2, "name: e☃\nimage: app:v2\n")
        );
        let full = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "x: 1\n".into(),
        };
        assert!(documents.change(&uri, 3, vec![full], Encoding::Utf8));
        assert_eq!(documents.get(&uri).unwrap().text, "x: 1\n");
        assert!(documents.by_path(Path::new("/w/job.yaml")).is_some());
        assert!(documents.close(&uri).is_some());
        assert!(!documents.change(&uri, 4, Vec::new(), Encoding::Utf8));
    }
}
