//! Applying fixes: the edits of a set of fixes, per file, never two that overlap, in a fixed order.
//!
//! Pure: texts come in, new texts come out; writing files is the caller's business. A fix is
//! applied whole or not at all: when one of its edits overlaps an edit of a fix accepted earlier,
//! or does not fit its file, the whole fix is skipped and the reason reported. Fixes are
//! considered in the order given (callers pass them in report order, which is deterministic), so
//! the same fixes always give the same text.

use std::collections::BTreeMap;

use crate::diagnostic::{Applicability, Edit, Fix};
use crate::span::FileId;

/// `value` quoted the way `written` (the scalar an edit replaces, as it is in the file) is
/// quoted: `"1.4.0"` becomes `"1.4.2"`, not `1.4.2`. Only for values that need no escaping in
/// that quote (an image reference, a tag); anything else is returned as it is.
pub fn quoted_like(written: &str, value: &str) -> String {
    match written.chars().next() {
        Some(quote @ ('"' | '\''))
            if written.ends_with(quote) && !value.contains(['"', '\'', '\\']) =>
        {
            format!("{quote}{value}{quote}")
        }
        _ => value.to_string(),
    }
}

/// Which fixes may be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    /// Safe fixes only.
    Safe,
    /// Safe and unsafe fixes (`--unsafe-fixes`). Display-only fixes are never applied.
    SafeAndUnsafe,
}

impl Allowed {
    fn admits(self, applicability: Applicability) -> bool {
        match applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => self == Allowed::SafeAndUnsafe,
            Applicability::DisplayOnly => false,
        }
    }
}

/// Why a fix was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Its applicability is not allowed in this run (display-only fixes never are).
    NotAllowed(Applicability),
    /// An edit overlaps an edit of the fix at this index, accepted earlier.
    Overlaps {
        /// Index (in the fixes given) of the accepted fix.
        accepted: usize,
    },
    /// Two of its own edits overlap (or insert at the same place, in no defined order).
    OverlapsItself,
    /// An edit's range is past the end of its file's text, or splits a character.
    OutOfText {
        /// The file.
        file: FileId,
    },
    /// An edit is in a file whose text was not given.
    UnknownFile {
        /// The file.
        file: FileId,
    },
}

/// A fix that was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Index of the fix in the fixes given.
    pub fix: usize,
    /// Why.
    pub reason: Skip,
}

/// What applying a set of fixes produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// The new text of every file an applied fix edits.
    pub files: BTreeMap<FileId, String>,
    /// Indexes of the fixes applied, in the order given.
    pub applied: Vec<usize>,
    /// The fixes not applied, in the order given.
    pub skipped: Vec<Skipped>,
}

/// True when edits `a` and `b` (in the same file) cannot both be applied: their ranges share a
/// byte, one inserts strictly inside the other's range, or both insert at the same place (their
/// order would be a guess).
fn overlap(a: &Edit, b: &Edit) -> bool {
    let (a, b) = (a.span, b.span);
    if a.is_empty() && b.is_empty() {
        return a.start == b.start;
    }
    a.start < b.end && b.start < a.end
}

/// Apply the `fixes` that `allowed` admits to the texts `text_of` gives for each file.
pub fn apply<'t>(
    fixes: &[&Fix],
    allowed: Allowed,
    text_of: impl Fn(FileId) -> Option<&'t str>,
) -> Applied {
    let mut out = Applied::default();
    // Accepted edits, with the index of their fix.
    let mut accepted: Vec<(&Edit, usize)> = Vec::new();
    for (index, fix) in fixes.iter().enumerate() {
        match check(fix, allowed, &text_of, &accepted) {
            Ok(()) => {
                accepted.extend(fix.edits.iter().map(|edit| (edit, index)));
                out.applied.push(index);
            }
            Err(reason) => out.skipped.push(Skipped { fix: index, reason }),
        }
    }
    let mut by_file: BTreeMap<FileId, Vec<&Edit>> = BTreeMap::new();
    for (edit, _) in accepted {
        by_file.entry(edit.span.file).or_default().push(edit);
    }
    for (file, mut edits) in by_file {
        let Some(text) = text_of(file) else {
            continue;
        };
        // No two overlap, so start (then insertions before replacements at the same start)
        // orders them.
        edits.sort_by_key(|edit| (edit.span.start, !edit.span.is_empty()));
        let mut new_text = String::with_capacity(text.len());
        let mut copied_to = 0;
        for edit in edits {
            new_text.push_str(&text[copied_to..edit.span.start as usize]);
            new_text.push_str(&edit.content);
            copied_to = edit.span.end as usize;
        }
        new_text.push_str(&text[copied_to..]);
        out.files.insert(file, new_text);
    }
    out
}

/// Whether `fix` can be applied after the `accepted` edits.
fn check<'t>(
    fix: &Fix,
    allowed: Allowed,
    text_of: &impl Fn(FileId) -> Option<&'t str>,
    accepted: &[(&Edit, usize)],
) -> Result<(), Skip> {
    if !allowed.admits(fix.applicability) {
        return Err(Skip::NotAllowed(fix.applicability));
    }
    for (position, edit) in fix.edits.iter().enumerate() {
        let file = edit.span.file;
        let text = text_of(file).ok_or(Skip::UnknownFile { file })?;
        let fits = |offset: u32| text.is_char_boundary(offset as usize);
        if edit.span.start > edit.span.end || !fits(edit.span.start) || !fits(edit.span.end) {
            return Err(Skip::OutOfText { file });
        }
        let same_file = |other: &&Edit| other.span.file == file;
        if fix.edits[..position]
            .iter()
            .filter(same_file)
            .any(|other| overlap(edit, other))
        {
            return Err(Skip::OverlapsItself);
        }
        if let Some(&(_, index)) = accepted
            .iter()
            .find(|(other, _)| other.span.file == file && overlap(edit, other))
        {
            return Err(Skip::Overlaps { accepted: index });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_like_keeps_the_quote_of_the_value_it_replaces() {
        assert_eq!(quoted_like("\"shop:1.0\"", "shop:1.1"), "\"shop:1.1\"");
        assert_eq!(quoted_like("'1.0'", "1.1"), "'1.1'");
        assert_eq!(quoted_like("shop:1.0", "shop:1.1"), "shop:1.1");
        assert_eq!(quoted_like("\"a\"", "it's"), "it's");
    }
    use crate::span::Span;

    const FILE: FileId = FileId(0);

    fn fix(applicability: Applicability, edits: &[(usize, usize, &str)]) -> Fix {
        Fix {
            message: "test".into(),
            applicability,
            edits: edits
                .iter()
                .map(|&(start, end, content)| Edit {
                    span: Span::new(FILE, start, end),
                    content: content.into(),
                })
                .collect(),
        }
    }

    fn safe(edits: &[(usize, usize, &str)]) -> Fix {
        fix(Applicability::Safe, edits)
    }

    fn run(text: &str, fixes: &[Fix], allowed: Allowed) -> Applied {
        let fixes: Vec<&Fix> = fixes.iter().collect();
        apply(&fixes, allowed, |file| (file == FILE).then_some(text))
    }

    #[test]
    fn edits_of_separate_fixes_apply_together_whatever_their_order_in_the_file() {
        let text = "image: app:1.0\ntag: 1.0\n";
        let fixes = [safe(&[(20, 23, "2.0")]), safe(&[(11, 14, "2.0")])];
        let applied = run(text, &fixes, Allowed::Safe);
        assert_eq!(applied.files[&FILE], "image: app:2.0\ntag: 2.0\n");
        assert_eq!((applied.applied, applied.skipped), (vec![0, 1], vec![]));
    }

    #[test]
    fn a_fix_overlapping_an_earlier_accepted_one_is_skipped_whole() {
        let text = "abcdefgh";
        let fixes = [
            safe(&[(2, 5, "X")]),
            // Its first edit is fine, its second overlaps fix 0: neither is applied.
            safe(&[(0, 1, "Y"), (4, 6, "Z")]),
            safe(&[(6, 8, "W")]),
        ];
        let applied = run(text, &fixes, Allowed::Safe);
        assert_eq!(applied.files[&FILE], "abXfW");
        assert_eq!(applied.applied, [0, 2]);
        assert_eq!(
            applied.skipped,
            [Skipped {
                fix: 1,
                reason: Skip::Overlaps { accepted: 0 }
            }]
        );
        // The first fix given wins: the order of the fixes decides, not their place in the file.
        let reversed = [fixes[2].clone(), fixes[1].clone(), fixes[0].clone()];
        let applied = run(text, &reversed, Allowed::Safe);
        assert_eq!(applied.applied, [0, 1]);
        assert_eq!(applied.files[&FILE], "YbcdZW");
        assert_eq!(
            applied.skipped,
            [Skipped {
                fix: 2,
                reason: Skip::Overlaps { accepted: 1 }
            }]
        );
    }

    #[test]
    fn insertions_at_one_place_conflict_but_an_insertion_before_a_replacement_does_not() {
        let text = "key: v\n";
        let fixes = [
            safe(&[(5, 5, "# a\n")]),
            safe(&[(5, 5, "# b\n")]),
            safe(&[(5, 6, "w")]),
            safe(&[(0, 0, "x"), (0, 0, "y")]),
        ];
        let applied = run(text, &fixes, Allowed::Safe);
        assert_eq!(applied.files[&FILE], "key: # a\nw\n");
        assert_eq!(
            applied.skipped,
            [
                Skipped {
                    fix: 1,
                    reason: Skip::Overlaps { accepted: 0 }
                },
                Skipped {
                    fix: 3,
                    reason: Skip::OverlapsItself
                },
            ]
        );
    }

    #[test]
    fn applicability_decides_which_fixes_apply_and_display_only_never_does() {
        let text = "abc";
        let fixes = [
            fix(Applicability::Unsafe, &[(0, 1, "A")]),
            fix(Applicability::DisplayOnly, &[(1, 2, "B")]),
            fix(Applicability::Safe, &[(2, 3, "C")]),
        ];
        let applied = run(text, &fixes, Allowed::Safe);
        assert_eq!(applied.files[&FILE], "abC");
        let reasons: Vec<_> = applied.skipped.iter().map(|s| &s.reason).collect();
        assert_eq!(
            reasons,
            [
                &Skip::NotAllowed(Applicability::Unsafe),
                &Skip::NotAllowed(Applicability::DisplayOnly)
            ]
        );
        let applied = run(text, &fixes, Allowed::SafeAndUnsafe);
        assert_eq!(applied.files[&FILE], "AbC");
        assert_eq!(applied.skipped.len(), 1);
    }

    #[test]
    fn edits_must_fit_the_text_on_character_boundaries() {
        let text = "a: é\n";
        // `é` is bytes 3..5: an edit ending at 4 would split it.
        let fixes = [
            safe(&[(3, 4, "e")]),
            safe(&[(3, 9, "e")]),
            safe(&[(3, 5, "e")]),
        ];
        let applied = run(text, &fixes, Allowed::Safe);
        assert_eq!(applied.files[&FILE], "a: e\n");
        let reasons: Vec<_> = applied.skipped.iter().map(|s| &s.reason).collect();
        assert_eq!(
            reasons,
            [
                &Skip::OutOfText { file: FILE },
                &Skip::OutOfText { file: FILE }
            ]
        );
    }

    #[test]
    fn an_edit_at_the_end_of_the_text_appends() {
        let text = "a: 1";
        let applied = run(
            text,
            &[safe(&[(4, 4, "\nb: 2\n")]), safe(&[(3, 4, "9")])],
            Allowed::Safe,
        );
        assert_eq!(applied.files[&FILE], "a: 9\nb: 2\n");
        assert_eq!(applied.applied, [0, 1]);
    }

    #[test]
    fn edits_in_files_without_text_skip_their_fix_and_untouched_files_are_not_returned() {
        let other = Fix {
            edits: vec![Edit {
                span: Span::new(FileId(7), 0, 1),
                content: "x".into(),
            }],
            ..safe(&[])
        };
        let applied = run("abc", &[other], Allowed::Safe);
        assert!(applied.files.is_empty());
        assert_eq!(
            applied.skipped,
            [Skipped {
                fix: 0,
                reason: Skip::UnknownFile { file: FileId(7) }
            }]
        );
    }
}
