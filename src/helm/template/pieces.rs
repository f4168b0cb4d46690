//! Output text with its pieces (which bytes each producer wrote), and strings rebuilt from parts
//! of rendered strings so that `quote`, `nindent` or `trim` of an `include` keep their mapping.

use std::ops::Range;

use super::Piece;
use super::value::Value;
use crate::span::Span;

/// Text being written, with pieces covering it.
#[derive(Debug, Default)]
pub(super) struct Out {
    pub(super) text: String,
    pub(super) pieces: Vec<Piece>,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Out {
    /// Append `text` written by one producer.
    pub(super) fn push(
        &mut self,
        text: &str,
        top: Span,
        at: Span,
        verbatim: bool,
        value: Option<Span>,
    ) {
        if text.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(text);
        self.pieces.push(Piece {
            out: to_u32(start)..to_u32(self.text.len()),
            top,
            at,
            verbatim,
            value,
        });
    }

    /// Append a printed value: its own pieces when it is a rendered string, else one piece at
    /// `action` pointing at the value's origin.
    pub(super) fn push_value(&mut self, text: &str, value: &Value, top: Span, action: Span) {
        match value.pieces().filter(|pieces| covers(pieces, text.len())) {
            Some(pieces) => {
                let base = self.text.len();
                self.text.push_str(text);
                for piece in pieces {
                    self.pieces.push(Piece {
                        out: to_u32(base + piece.out.start as usize)
                            ..to_u32(base + piece.out.end as usize),
                        top,
                        ..piece.clone()
                    });
                }
            }
            None => self.push(text, top, action, false, value.origin()),
        }
    }

    /// The text as a string value carrying these pieces.
    pub(super) fn into_value(self) -> Value {
        Value::rendered(self.text, self.pieces)
    }
}

/// True when `pieces` are sorted, contiguous and cover `len` bytes.
fn covers(pieces: &[Piece], len: usize) -> bool {
    let mut at = 0u32;
    for piece in pieces {
        if piece.out.start != at || piece.out.end <= piece.out.start {
            return false;
        }
        at = piece.out.end;
    }
    at as usize == len
}

/// The pieces of bytes `range` of a string, shifted to start at 0 (verbatim pieces cut with
/// their source span).
fn slice(pieces: &[Piece], range: Range<usize>) -> Vec<Piece> {
    let (start, end) = (to_u32(range.start), to_u32(range.end));
    pieces
        .iter()
        .filter(|p| p.out.end > start && p.out.start < end)
        .map(|p| {
            let from = p.out.start.max(start);
            let to = p.out.end.min(end);
            let mut at = p.at;
            if p.verbatim {
                at.start = p.at.start + (from - p.out.start);
                at.end = at.start + (to - from);
            }
            Piece {
                out: from - start..to - start,
                ..p.clone()
            }
            .with_at(at)
        })
        .collect()
}

impl Piece {
    fn with_at(mut self, at: Span) -> Piece {
        self.at = at;
        self
    }
}

/// A string built from parts of one source string and new text, keeping the source's pieces.
pub(super) struct Rebuild<'a> {
    source: &'a Value,
    /// The action calling the function: new text is its own.
    action: Span,
    out: Out,
}

impl<'a> Rebuild<'a> {
    /// Start rebuilding from `source` (a string carrying pieces) in a function at `action`.
    pub(super) fn new(source: &'a Value, action: Span) -> Self {
        Rebuild {
            source,
            action,
            out: Out::default(),
        }
    }

    /// Copy bytes `range` of the source.
    pub(super) fn copy(&mut self, range: Range<usize>) {
        let text = self.source.as_str().unwrap_or_default();
        let Some(part) = text.get(range.clone()) else {
            return;
        };
        if part.is_empty() {
            return;
        }
        let base = self.out.text.len();
        self.out.text.push_str(part);
        match self.source.pieces() {
            Some(pieces) if covers(pieces, text.len()) => {
                for mut piece in slice(pieces, range) {
                    piece.out = to_u32(base + piece.out.start as usize)
                        ..to_u32(base + piece.out.end as usize);
                    self.out.pieces.push(piece);
                }
            }
            _ => self.out.pieces.push(Piece {
                out: to_u32(base)..to_u32(self.out.text.len()),
                top: self.action,
                at: self.action,
                verbatim: false,
                value: self.source.origin(),
            }),
        }
    }

    /// Append new text, written by the calling action.
    pub(super) fn insert(&mut self, text: &str) {
        self.out.push(text, self.action, self.action, false, None);
    }

    /// The rebuilt string.
    pub(super) fn finish(self) -> Value {
        self.out.into_value()
    }
}

/// Helm removes every `<no value>` from a rendered file (Go prints it for a missing value); nil
/// already prints as nothing here, so this removes only the literal text, as Helm does.
pub(super) fn without_no_value(out: Out) -> super::Output {
    const NO_VALUE: &str = "<no value>";
    if !out.text.contains(NO_VALUE) {
        return super::Output {
            text: out.text,
            pieces: out.pieces,
        };
    }
    let mut kept: Vec<std::ops::Range<usize>> = Vec::new();
    let mut at = 0;
    for (i, _) in out.text.match_indices(NO_VALUE) {
        kept.push(at..i);
        at = i + NO_VALUE.len();
    }
    kept.push(at..out.text.len());
    let mut result = Out::default();
    // Two `<no value>` side by side leave an empty range between them: no piece may be empty.
    for range in kept.into_iter().filter(|range| !range.is_empty()) {
        let base = result.text.len();
        result.text.push_str(&out.text[range.clone()]);
        for mut piece in slice(&out.pieces, range) {
            piece.out =
                to_u32(base + piece.out.start as usize)..to_u32(base + piece.out.end as usize);
            result.pieces.push(piece);
        }
    }
    super::Output {
        text: result.text,
        pieces: result.pieces,
    }
}
