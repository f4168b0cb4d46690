//! Spans of a rendered template's output moved back to the template (and the values) that
//! wrote them, through the output's pieces: nothing a user sees points into rendered text.

use std::sync::Arc;

use super::template::{Output, Piece};
use crate::span::Span;

/// The pieces of one render, to map spans of its text.
#[derive(Debug, Clone)]
pub struct SourceMap {
    pieces: Arc<Vec<Piece>>,
}

impl SourceMap {
    /// The map of `output`.
    pub fn new(output: &Output) -> Self {
        SourceMap {
            pieces: Arc::new(output.pieces.clone()),
        }
    }

    /// The pieces a range of the output overlaps (the one holding it, for an empty range).
    pub fn pieces(&self, start: u32, end: u32) -> &[Piece] {
        let first = self.pieces.partition_point(|p| p.out.end <= start);
        let last = if end > start {
            self.pieces.partition_point(|p| p.out.start < end)
        } else {
            first + 1
        };
        self.pieces
            .get(first..last.min(self.pieces.len()).max(first))
            .unwrap_or(&[])
    }

    /// Where a span of the output was written in the template being rendered: inside one piece
    /// of literal text of that template, byte for byte; otherwise from the first to the last
    /// producing action or text (an `include` of a helper maps to the `include`, not into the
    /// helper, which other templates share).
    pub fn map(&self, span: Span) -> Span {
        let pieces = self.pieces(span.start, span.end);
        match pieces {
            [] => self.pieces.last().map_or(span, |p| point(p.top, p.top.end)),
            [first, ..] => {
                let last = &pieces[pieces.len() - 1];
                let start = if is_literal(first) {
                    offset(first, span.start)
                } else {
                    first.top.start
                };
                let end = if is_literal(last) {
                    offset(last, span.end)
                } else {
                    last.top.end
                };
                let (low, high) = pieces.iter().fold((start, end), |(low, high), p| {
                    (
                        low.min(p.top.start.max(start)),
                        high.max(p.top.end.min(end)),
                    )
                });
                Span {
                    file: first.top.file,
                    start: low.min(high),
                    end: high,
                }
            }
        }
    }
}

/// Literal text of the template being rendered, copied byte for byte.
fn is_literal(piece: &Piece) -> bool {
    piece.verbatim && piece.at == piece.top
}

/// The template offset of output offset `at` in a literal piece (clamped to it).
fn offset(piece: &Piece, at: u32) -> u32 {
    piece.top.start + (at.clamp(piece.out.start, piece.out.end) - piece.out.start)
}

/// An empty span at `offset` of `span`'s file.
fn point(span: Span, offset: u32) -> Span {
    Span {
        file: span.file,
        start: offset,
        end: offset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn piece(
        out: std::ops::Range<u32>,
        top: (u32, u32),
        at: (u32, u32, u32),
        verbatim: bool,
    ) -> Piece {
        Piece {
            out,
            top: Span {
                file: FileId(1),
                start: top.0,
                end: top.1,
            },
            at: Span {
                file: FileId(at.0),
                start: at.1,
                end: at.2,
            },
            verbatim,
            value: None,
        }
    }

    #[test]
    fn literal_text_maps_byte_for_byte_and_actions_to_their_span() {
        // Template (file 1): `image: "{{ .Values.repo }}:{{ include "tag" . }}"\n`
        // Output:            `image: "app:1.0"\n`
        let output = Output {
            text: "image: \"app:1.0\"\n".into(),
            pieces: vec![
                piece(0..8, (0, 8), (1, 0, 8), true),
                piece(8..11, (8, 26), (1, 8, 26), false),
                piece(11..12, (26, 27), (1, 26, 27), true),
                // From a helper in file 2: maps to the `include` action.
                piece(12..15, (27, 48), (2, 5, 20), false),
                piece(15..17, (48, 50), (1, 48, 50), true),
            ],
        };
        let map = SourceMap::new(&output);
        let span = |start, end| Span {
            file: FileId(9),
            start,
            end,
        };
        let at = |start, end| Span {
            file: FileId(1),
            start,
            end,
        };
        // `image` inside the first literal piece.
        assert_eq!(map.map(span(0, 5)), at(0, 5));
        // The whole scalar: from the opening quote to the closing one.
        assert_eq!(map.map(span(7, 16)), at(7, 49));
        // The repository: its action.
        assert_eq!(map.map(span(8, 11)), at(8, 26));
        // The tag, from a helper: the include.
        assert_eq!(map.map(span(12, 15)), at(27, 48));
        // An empty span at the end.
        assert_eq!(map.map(span(17, 17)), at(50, 50));
    }
}
