//! Byte offsets to LSP positions and back, in the negotiated encoding (UTF-8 or UTF-16).

use lsp_types::{Position, PositionEncodingKind, Range};

use crate::source::SourceFile;
use crate::span::Span;

/// What an LSP `character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Bytes of UTF-8 (when the client offers `utf-8`).
    Utf8,
    /// UTF-16 code units (the protocol's default).
    Utf16,
}

impl Encoding {
    /// Pick `utf-8` when the client offers it, else the mandatory UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        let utf8 = offered.is_some_and(|kinds| kinds.contains(&PositionEncodingKind::UTF8));
        if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        }
    }

    /// The name announced in the server's capabilities.
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// The LSP position of a byte offset in `file`.
pub fn position(file: &SourceFile, offset: usize, encoding: Encoding) -> Position {
    let at = file.position(offset);
    let character = match encoding {
        Encoding::Utf8 => at.byte_column,
        Encoding::Utf16 => at.utf16_column,
    };
    Position::new(to_u32(at.line - 1), to_u32(character))
}

/// The LSP range of a span in `file`.
pub fn range(file: &SourceFile, span: Span, encoding: Encoding) -> Range {
    Range::new(
        position(file, span.start as usize, encoding),
        position(file, span.end as usize, encoding),
    )
}

/// The byte offset of an LSP position in `text`. As the protocol says, a character past the end
/// of its line means the line's end (before `\r\n`), and a line past the end means the text's end.
pub fn offset(text: &str, at: Position, encoding: Encoding) -> usize {
    let mut line_start = 0;
    for _ in 0..at.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let rest = &text[line_start..];
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut units = 0;
    for (index, c) in line.char_indices() {
        // A position inside a character (half a surrogate pair) moves back to its start.
        let next = units + encoding.width(c);
        if next > at.character as usize {
            return line_start + index;
        }
        units = next;
    }
    line_start + line.len()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Text;
    use crate::span::FileId;

    const TEXT: &str = "a: 1\r\nb: é ☃ 🚀 x\nc";

    #[test]
    fn offsets_and_positions_agree_in_both_encodings() {
        let file = SourceFile::new(FileId(0), None, "t".into(), Text::new(TEXT.into()));
        let x = TEXT.find('x').unwrap();
        // `b: é ☃ 🚀 ` is 9 characters, 10 UTF-16 units (🚀 is a surrogate pair), 15 bytes.
        assert_eq!(position(&file, x, Encoding::Utf16), Position::new(1, 10));
        assert_eq!(position(&file, x, Encoding::Utf8), Position::new(1, 15));
        assert_eq!(offset(TEXT, Position::new(1, 10), Encoding::Utf16), x);
        assert_eq!(offset(TEXT, Position::new(1, 15), Encoding::Utf8), x);
        let rocket = TEXT.find('🚀').unwrap();
        assert_eq!(offset(TEXT, Position::new(1, 7), Encoding::Utf16), rocket);
        // Inside the surrogate pair: the start of the character.
        assert_eq!(offset(TEXT, Position::new(1, 8), Encoding::Utf16), rocket);
    }

    #[test]
    fn out_of_range_positions_clamp() {
        assert_eq!(offset(TEXT, Position::new(0, 99), Encoding::Utf16), 4);
        assert_eq!(
            offset(TEXT, Position::new(2, 99), Encoding::Utf8),
            TEXT.len()
        );
        assert_eq!(
            offset(TEXT, Position::new(9, 0), Encoding::Utf8),
            TEXT.len()
        );
        assert_eq!(offset("", Position::new(0, 0), Encoding::Utf8), 0);
    }

    #[test]
    fn negotiation_prefers_utf8_only_when_offered() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        let offered = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&offered)), Encoding::Utf8);
        let only16 = [PositionEncodingKind::UTF16];
        assert_eq!(Encoding::negotiate(Some(&only16)), Encoding::Utf16);
    }
}
