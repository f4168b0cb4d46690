//! Source files: bytes decoded to text, display paths, and line / column lookup.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::span::FileId;

/// A file's text, shared by the report and the model. An `Arc<String>` rather than an
/// `Arc<str>`: the text read into a `String` is shared as it is, where `Arc<str>` would copy it
/// (a 50 MB manifest held twice at the peak).
pub type Text = Arc<String>;

/// One input file (or stdin) as read for this run.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Index in the run's file table.
    pub id: FileId,
    /// Path on disk (None for stdin).
    pub path: Option<PathBuf>,
    /// Path as shown to users: relative to the working directory, `/` separated.
    pub display: String,
    /// Full text; a leading BOM is kept so byte offsets match the file. Empty for files
    /// whose text no later stage needs (no workloads, no findings possible) and for
    /// unreadable ones.
    pub text: Text,
    /// False for an input that could not be read (it only holds its place in the file table).
    pub readable: bool,
    /// Built on the first position lookup: most files never need one.
    lines: OnceLock<LineIndex>,
    /// `path` made absolute, computed once: several stages key files by it.
    absolute: OnceLock<Option<PathBuf>>,
}

impl SourceFile {
    /// Wrap decoded text.
    pub fn new(id: FileId, path: Option<PathBuf>, display: String, text: Text) -> Self {
        SourceFile {
            id,
            path,
            display,
            text,
            readable: true,
            lines: OnceLock::new(),
            absolute: OnceLock::new(),
        }
    }

    /// The place of an input that could not be read.
    pub fn unreadable(id: FileId, path: Option<PathBuf>, display: String) -> Self {
        SourceFile {
            readable: false,
            ..SourceFile::new(id, path, display, Text::default())
        }
    }

    /// [`SourceFile::path`] made absolute by `make` the first time it is asked for, kept
    /// since; None for stdin. `crate::discover::absolute_of` is the one caller.
    pub fn absolute_or(&self, make: impl FnOnce(&Path) -> PathBuf) -> Option<&Path> {
        self.absolute
            .get_or_init(|| self.path.as_deref().map(make))
            .as_deref()
    }

    /// Give the absolute path when it is already known (extraction computes it for the fact
    /// cache's key), so that it is not computed again.
    pub fn with_absolute(self, absolute: Option<PathBuf>) -> Self {
        if absolute.is_some() {
            let _ = self.absolute.set(absolute);
        }
        self
    }

    /// The directory of [`SourceFile::display`] ("" for the working directory): peers in the
    /// same directory are near.
    pub fn dir(&self) -> &str {
        self.display.rsplit_once('/').map_or("", |(dir, _)| dir)
    }

    fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// Line / column of a byte offset (see [`Position`]).
    pub fn position(&self, offset: usize) -> Position {
        self.lines().position(&self.text, offset)
    }

    /// The text of the 1-based line `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        self.lines().line_text(&self.text, line)
    }

    /// Byte offset where the 1-based line `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.lines().line_start(line)
    }

    /// Number of lines (a final line without a line break counts; an empty file has one).
    pub fn line_count(&self) -> usize {
        self.lines().starts.len()
    }
}

/// 1-based (line, column in characters) of a byte offset, without building a line index: for
/// one-off positions (errors) in text that is not kept as a [`SourceFile`].
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// A position in a file in all the units consumers need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in Unicode scalar values.
    pub column: usize,
    /// 0-based column in UTF-16 code units (LSP, SARIF default).
    pub utf16_column: usize,
    /// 0-based byte column.
    pub byte_column: usize,
    /// 0-based byte offset in the file.
    pub offset: usize,
}

/// Start offsets of every line, for offset -> line lookups by binary search.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Index the lines of `text` (`\n` ends a line; a `\r` before it stays in the line's bytes).
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_index = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line_index];
        let before = &text[start..offset];
        Position {
            line: line_index + 1,
            column: before.chars().count() + 1,
            utf16_column: before.encode_utf16().count(),
            byte_column: offset - start,
            offset,
        }
    }

    fn line_start(&self, line: usize) -> usize {
        self.starts[line.clamp(1, self.starts.len()) - 1]
    }

    fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let start = self.line_start(line);
        let end = self.starts.get(line).map_or(text.len(), |&next| next - 1);
        text[start..end.max(start)].trim_end_matches('\r')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_utf16_units() {
        let file = SourceFile::new(
            FileId(0),
            None,
            "t".into(),
            Text::new("a: 1\nb: é☃ x\r\nc".into()),
        );
        let x = file.text.find('x').unwrap();
        let pos = file.position(x);
        assert_eq!(
            (pos.line, pos.column, pos.utf16_column, pos.byte_column),
            (2, 7, 6, 9)
        );
        assert_eq!(file.line_text(2), "b: é☃ x");
        assert_eq!(file.position(file.text.len()).line, 3);
        assert_eq!(file.position(0).column, 1);
    }
}
