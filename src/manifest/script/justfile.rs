//! Justfile recipes as one script: recipe lines kept in place, everything else blanked (as for
//! a Makefile), so offsets into the segment are offsets into the file; `name := "value"`
//! assignments read as variables that `{{name}}` in a recipe reads.

use super::text::{Segment, Vars, is_name};
use crate::span::FileId;

/// The recipes of a Justfile as a segment with the file's offsets, and its variables.
pub(super) fn recipes(file: FileId, text: &str) -> (Segment, Vars) {
    let mut kept = vec![b' '; text.len()];
    let mut vars = Vars::templates();
    let mut in_recipe = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if body.len() < line.len() {
            kept[start + body.len()] = b'\n';
        }
        let trimmed = body.trim_start();
        let indented = body.len() > trimmed.len();
        if trimmed.is_empty() {
            continue;
        }
        if indented {
            if in_recipe {
                // The indentation and just's `@` (quiet) and `-` (ignore errors) prefixes.
                let prefix = body.len() - body.trim_start_matches([' ', '\t', '@', '-']).len();
                kept[start + prefix..start + body.len()]
                    .copy_from_slice(&body.as_bytes()[prefix..]);
            }
            continue;
        }
        if trimmed.starts_with('#') {
            continue;
        }
        if let Some((name, value)) = assignment(trimmed) {
            vars.set(name, value);
            in_recipe = false;
            continue;
        }
        in_recipe = is_recipe_header(trimmed);
    }
    // Only ASCII bytes were blanked or whole lines copied: the text stays UTF-8.
    let kept = String::from_utf8(kept).unwrap_or_default();
    let mut segment = Segment::shifted(file, kept, 0);
    segment.protect_templates();
    (segment, vars)
}

/// `name := "value"` or `export name := 'value'`; a value that is an expression (a function
/// call, a backtick) is kept as written.
fn assignment(line: &str) -> Option<(&str, &str)> {
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (name, value) = line.split_once(":=")?;
    let name = name.trim();
    let value = value.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|&q| value.strip_prefix(q)?.strip_suffix(q))
        .unwrap_or(value);
    is_name(name).then_some((name, unquoted))
}

/// `name param *rest: dependency` (maybe `@name`): a `:` that is not `:=`.
fn is_recipe_header(line: &str) -> bool {
    let line = line.strip_prefix('@').unwrap_or(line);
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(line.len());
    name_end > 0
        && line[name_end..]
            .find(':')
            .is_some_and(|at| !line[name_end + at..].starts_with(":="))
}
