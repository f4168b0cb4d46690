//! Makefile recipes as one script: recipe lines kept in place, everything else blanked, so
//! offsets into the segment are offsets into the file; variable assignments read on the way.

use super::text::{Segment, Vars, is_name};
use crate::span::FileId;

/// The recipes of a Makefile as a segment with the file's offsets, and its variables.
pub(super) fn recipes(file: FileId, text: &str) -> (Segment, Vars) {
    let mut kept = vec![b' '; text.len()];
    let mut vars = Vars::make();
    let (mut in_rule, mut continued) = (false, false);
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if body.len() < line.len() {
            kept[start + body.len()] = b'\n';
        }
        let recipe = (in_rule && line.starts_with('\t')) || continued;
        continued = body.ends_with('\\') && (recipe || continued);
        if recipe {
            // The tab and the `@` (silent), `-` (ignore errors), `+` prefixes are Make's.
            let prefix = body.len() - body.trim_start_matches(['\t', ' ', '@', '-', '+']).len();
            let prefix = if continued || line.starts_with('\t') {
                prefix
            } else {
                0
            };
            kept[start + prefix..start + body.len()].copy_from_slice(&body.as_bytes()[prefix..]);
            continue;
        }
        let trimmed = body.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some((name, value)) = assignment(trimmed) {
            vars.set(name, value);
            in_rule = false;
        } else {
            in_rule = trimmed.contains(':') && !line.starts_with('\t');
        }
    }
    // Only ASCII bytes were blanked or copied whole lines: the text stays UTF-8.
    let kept = String::from_utf8(kept).unwrap_or_default();
    (Segment::shifted(file, kept, 0), vars)
}

/// `NAME = value`, `NAME := value`, `NAME ?= value`, `export NAME = value`, `override …`.
fn assignment(line: &str) -> Option<(&str, &str)> {
    let line = line
        .strip_prefix("export ")
        .or_else(|| line.strip_prefix("override "))
        .unwrap_or(line);
    let at = line.find('=')?;
    let name = line[..at].trim_end_matches([':', '?', '+', '!']).trim();
    is_name(name).then(|| (name, line[at + 1..].trim()))
}
