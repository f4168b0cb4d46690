//! Comments of a YAML file, found while its tree is built: a `#` that is not inside a quoted or
//! block scalar.
//!
//! The parser's own comment events are compiled out (granit-parser's `comments` feature is off):
//! with them on, a block of more than `Options::max_buffered_comment_events` consecutive comments
//! stops parsing in some positions, and capturing every comment's text measured slower on the
//! shared corpus than this scan. Instead the builder hands the scan every quoted and block
//! scalar, in document order; the text between them is scanned for `#` with `memchr` speed. A
//! plain scalar cannot hold a comment-like `#`: ` #` ends it, and `a#b` is not a comment.

use std::ops::Range;

/// One comment: from its `#` to the end of its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment {
    /// Byte offset of the `#`.
    pub start: u32,
    /// One past the comment's last byte; the line break (`\n` or `\r\n`) is not part of it.
    pub end: u32,
    /// True when something other than blanks precedes it on its line (`image: x # pinned`);
    /// false for a comment alone on its line.
    pub trailing: bool,
}

impl Comment {
    /// The comment's bytes as a range.
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The comment's text in `source` (the text it was found in), starting with `#`.
    pub fn text<'t>(&self, source: &'t str) -> &'t str {
        source.get(self.range()).unwrap_or_default()
    }
}

/// The scan: everything before `scanned_to` is either scanned or inside a skipped scalar.
#[derive(Debug, Default)]
pub(super) struct CommentScan {
    scanned_to: usize,
    comments: Vec<Comment>,
}

impl CommentScan {
    /// A quoted or block scalar occupies `start..end`: scan up to it, then step over it.
    pub(super) fn skip_scalar(&mut self, text: &str, start: usize, end: usize) {
        self.scan_to(text, start);
        self.scanned_to = self.scanned_to.max(end);
    }

    /// Every comment of the text: the rest is scanned.
    pub(super) fn finish(mut self, text: &str) -> Vec<Comment> {
        self.scan_to(text, text.len());
        self.comments
    }

    /// Record the comments starting in `scanned_to..until`.
    fn scan_to(&mut self, text: &str, until: usize) {
        let bytes = text.as_bytes();
        let until = until.min(text.len());
        while self.scanned_to < until {
            let Some(found) = text[self.scanned_to..until].find('#') else {
                self.scanned_to = until;
                return;
            };
            let hash = self.scanned_to + found;
            self.scanned_to = hash + 1;
            // A `#` starts a comment at the start of a line or after a blank; a byte order mark
            // at the start of the file is not content.
            let separated = hash == 0
                || matches!(bytes[hash - 1], b' ' | b'\t' | b'\n' | b'\r')
                || (hash == BOM.len() && text.starts_with(BOM));
            if !separated {
                continue;
            }
            let line_start = text[..hash].rfind('\n').map_or(0, |at| at + 1);
            let before = &text[line_start..hash];
            let line_end = text[hash..].find('\n').map_or(text.len(), |at| hash + at);
            let end = if text[..line_end].ends_with('\r') {
                line_end - 1
            } else {
                line_end
            };
            let trailing = before
                .trim_start_matches(BOM)
                .bytes()
                .any(|b| !matches!(b, b' ' | b'\t'));
            self.comments.push(Comment {
                start: clamp(hash),
                end: clamp(end.max(hash)),
                trailing,
            });
            // The rest of the line is the comment's, `#` signs in it included.
            self.scanned_to = line_end;
        }
    }
}

/// The byte order mark, kept at the start of a file's text (see [`crate::source`]).
const BOM: &str = "\u{feff}";

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
