//! `toYaml` and `toJson` as Helm prints values: sigs.k8s.io/yaml (JSON first, then go-yaml v2:
//! keys sorted, 2-space indent, lists not indented under their key, strings quoted only when they
//! would read back as something else) and Go's `encoding/json`.

use super::format;
use super::value::{Value, ValueKind};

/// Why emitting stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EmitError {
    /// The text grew past the byte limit.
    TooLong,
}

struct Writer {
    out: String,
    limit: usize,
}

impl Writer {
    fn push(&mut self, text: &str) -> Result<(), EmitError> {
        if self.out.len() + text.len() > self.limit {
            return Err(EmitError::TooLong);
        }
        self.out.push_str(text);
        Ok(())
    }
}

/// A value as YAML, at most `limit` bytes, without the final newline (Helm trims it).
pub(super) fn to_yaml(value: &Value, limit: usize) -> Result<String, EmitError> {
    let mut writer = Writer {
        out: String::new(),
        limit,
    };
    match value.kind() {
        ValueKind::Map(map) if !map.is_empty() => yaml_map(&mut writer, value, 0)?,
        ValueKind::List(items) if !items.is_empty() => yaml_list(&mut writer, value, 0)?,
        _ => {
            scalar_block(&mut writer, value, 0)?;
            writer.push("\n")?;
        }
    }
    let mut out = writer.out;
    if out.ends_with('\n') {
        out.pop();
    }
    Ok(out)
}

/// Map entries at `indent`, each line ending in a newline.
fn yaml_map(w: &mut Writer, value: &Value, indent: usize) -> Result<(), EmitError> {
    let pad = " ".repeat(indent);
    let entries: Vec<(String, Value)> = match value.kind() {
        ValueKind::Map(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        ValueKind::Files(files) => files
            .iter()
            .map(|(path, entry)| {
                (
                    path.to_string(),
                    Value::string(String::from_utf8_lossy(&entry.bytes).into_owned()),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    for (i, (key, item)) in entries.iter().enumerate() {
        if i > 0 {
            w.push(&pad)?;
        }
        w.push(&yaml_string_inline(key))?;
        w.push(":")?;
        entry_value(w, item, indent, false)?;
    }
    Ok(())
}

/// List items at `indent`.
fn yaml_list(w: &mut Writer, value: &Value, indent: usize) -> Result<(), EmitError> {
    let pad = " ".repeat(indent);
    let items: Vec<Value> = match value.kind() {
        ValueKind::List(items) => items.to_vec(),
        ValueKind::ApiVersions(versions) => {
            versions.iter().map(|v| Value::string(v.as_str())).collect()
        }
        _ => Vec::new(),
    };
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            w.push(&pad)?;
        }
        w.push("-")?;
        entry_value(w, item, indent, true)?;
    }
    Ok(())
}

fn is_nonempty_collection(value: &Value) -> bool {
    match value.kind() {
        ValueKind::Map(map) => !map.is_empty(),
        ValueKind::Files(files) => !files.is_empty(),
        ValueKind::List(items) => !items.is_empty(),
        ValueKind::ApiVersions(versions) => !versions.is_empty(),
        _ => false,
    }
}

/// The value after `key:` or `-`, at the parent's `indent`.
fn entry_value(
    w: &mut Writer,
    item: &Value,
    indent: usize,
    in_list: bool,
) -> Result<(), EmitError> {
    let is_map = matches!(item.kind(), ValueKind::Map(_) | ValueKind::Files(_));
    if is_nonempty_collection(item) {
        if in_list {
            // `- a: 1` / `- - 1`: the first entry on the dash's line.
            w.push(" ")?;
            if is_map {
                yaml_map(w, item, indent + 2)
            } else {
                yaml_list(w, item, indent + 2)
            }
        } else if is_map {
            w.push("\n")?;
            w.push(&" ".repeat(indent + 2))?;
            yaml_map(w, item, indent + 2)
        } else {
            // Lists under a key are not indented.
            w.push("\n")?;
            w.push(&" ".repeat(indent))?;
            yaml_list(w, item, indent)
        }
    } else {
        w.push(" ")?;
        scalar_block(w, item, indent)?;
        w.push("\n")
    }
}

/// A scalar (or empty collection) at a position where a block scalar may follow.
fn scalar_block(w: &mut Writer, value: &Value, indent: usize) -> Result<(), EmitError> {
    match value.kind() {
        ValueKind::String(s) if s.contains('\n') && literal_allowed(s) => literal(w, s, indent),
        ValueKind::String(s) => w.push(&yaml_string_inline(s)),
        _ => w.push(&yaml_scalar(value)),
    }
}

/// A non-string scalar or an empty collection.
fn yaml_scalar(value: &Value) -> String {
    match value.kind() {
        ValueKind::Nil => "null".to_string(),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::Int(n) => n.to_string(),
        ValueKind::Float(f) => yaml_float(*f),
        ValueKind::String(s) => yaml_string_inline(s),
        ValueKind::List(_) | ValueKind::ApiVersions(_) => "[]".to_string(),
        ValueKind::Map(_) | ValueKind::Files(_) => "{}".to_string(),
    }
}

/// A float after the trip through JSON: whole numbers print as integers.
fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f.abs() < 9.2e18 {
            return (f as i64).to_string();
        }
        return format!("{f:.0}");
    }
    format::float_g(f)
}

/// `|`, `|-` or `|+` block with its lines indented under `indent`.
fn literal(w: &mut Writer, text: &str, indent: usize) -> Result<(), EmitError> {
    let trailing = text.len() - text.trim_end_matches('\n').len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let hint = if text.starts_with(' ') || text.starts_with('\n') {
        "2"
    } else {
        ""
    };
    w.push("|")?;
    w.push(hint)?;
    w.push(chomp)?;
    let pad = " ".repeat(indent + 2);
    let body = if trailing > 0 {
        &text[..text.len() - 1]
    } else {
        text
    };
    for line in body.split('\n') {
        w.push("\n")?;
        if !line.is_empty() {
            w.push(&pad)?;
            w.push(line)?;
        }
    }
    Ok(())
}

/// Characters YAML prints only escaped (go-yaml's emitter sends such strings double-quoted).
fn is_special(c: char) -> bool {
    let code = c as u32;
    !(c == '\n'
        || (0x20..=0x7e).contains(&code)
        || code == 0x85
        || (0xa0..=0xd7ff).contains(&code)
        || ((0xe000..=0xfffd).contains(&code) && code != 0xfeff)
        || code >= 0x10000)
}

/// A multi-line string may be a literal block unless it has special characters or spaces
/// before line breaks.
fn literal_allowed(s: &str) -> bool {
    !s.chars().any(is_special) && !s.contains(" \n") && !s.ends_with(' ')
}

/// A string in flow position (a key, or a value on its line): plain, single- or double-quoted.
fn yaml_string_inline(s: &str) -> String {
    if s.contains('\n') || s.chars().any(is_special) {
        return double_quoted(s);
    }
    if resolves_to_other_than_string(s) {
        return double_quoted(s);
    }
    if plain_allowed(s) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "''"))
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            c if is_special(c) => {
                let code = c as u32;
                if code <= 0xff {
                    out.push_str(&format!("\\x{code:02X}"));
                } else if code <= 0xffff {
                    out.push_str(&format!("\\u{code:04X}"));
                } else {
                    out.push_str(&format!("\\U{code:08X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Would go-yaml v2 read this plain scalar as a bool, null, number, timestamp or merge key?
fn resolves_to_other_than_string(s: &str) -> bool {
    if matches!(
        s,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "y"
            | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | "<<"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | ".nan"
            | ".NaN"
            | ".NAN"
    ) {
        return true;
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return false;
    }
    let digits = s.trim_start_matches(['-', '+']).replace('_', "");
    let lower = digits.to_ascii_lowercase();
    let is_int = |t: &str, radix: u32| !t.is_empty() && t.chars().all(|c| c.is_digit(radix));
    if let Some(hex) = lower.strip_prefix("0x") {
        return is_int(hex, 16);
    }
    if let Some(bin) = lower.strip_prefix("0b") {
        return is_int(bin, 2);
    }
    if is_int(&lower, 10) {
        return true;
    }
    // Floats: digits with one dot and/or an exponent.
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let mantissa_ok = !mantissa.is_empty()
        && mantissa.chars().filter(|&c| c == '.').count() <= 1
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
        && mantissa.chars().any(|c| c.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|e| is_int(e.trim_start_matches(['-', '+']), 10));
    if mantissa_ok && exponent_ok {
        return true;
    }
    // Base 60 (`1:20`) and timestamps (`2001-12-14`) read as non-strings too.
    let base60 = s.contains(':')
        && s.split(':').all(|p| {
            !p.is_empty()
                && p.trim_start_matches(['-', '+'])
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.')
        });
    let timestamp = s.len() >= 10
        && s.as_bytes()[4] == b'-'
        && s.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && s.as_bytes()[5..].iter().take(2).all(u8::is_ascii_digit);
    base60 || timestamp
}

/// libyaml's rule for plain scalars in block context.
fn plain_allowed(s: &str) -> bool {
    if s.starts_with(' ') || s.ends_with(' ') || s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    let bytes = s.as_bytes();
    let followed_by_space = |i: usize| bytes.get(i + 1).is_none_or(|&b| b == b' ');
    match bytes[0] {
        b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => return false,
        b'?' | b':' | b'-' if followed_by_space(0) => return false,
        _ => {}
    }
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b':' if followed_by_space(i) => return false,
            b'#' if i > 0 && bytes[i - 1] == b' ' => return false,
            _ => {}
        }
    }
    true
}

/// A value as Go's `encoding/json` writes it (`pretty`: two-space indent); `<`, `>` and `&`
/// escaped as `\u003c` etc. like json.Marshal.
pub(super) fn to_json(value: &Value, pretty: bool, limit: usize) -> Result<String, EmitError> {
    let mut w = Writer {
        out: String::new(),
        limit,
    };
    json(&mut w, value, pretty, 0)?;
    Ok(w.out)
}

fn json(w: &mut Writer, value: &Value, pretty: bool, indent: usize) -> Result<(), EmitError> {
    let newline = |w: &mut Writer, level: usize| -> Result<(), EmitError> {
        if pretty {
            w.push("\n")?;
            w.push(&"  ".repeat(level))?;
        }
        Ok(())
    };
    match value.kind() {
        ValueKind::Nil => w.push("null"),
        ValueKind::Bool(b) => w.push(if *b { "true" } else { "false" }),
        ValueKind::Int(n) => w.push(&n.to_string()),
        ValueKind::Float(f) => w.push(&json_float(*f)),
        ValueKind::String(s) => w.push(&json_string(s)),
        ValueKind::List(_) | ValueKind::ApiVersions(_) => {
            let items: Vec<Value> = match value.kind() {
                ValueKind::List(items) => items.to_vec(),
                ValueKind::ApiVersions(v) => v.iter().map(|s| Value::string(s.as_str())).collect(),
                _ => Vec::new(),
            };
            if items.is_empty() {
                return w.push("[]");
            }
            w.push("[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    w.push(",")?;
                }
                newline(w, indent + 1)?;
                json(w, item, pretty, indent + 1)?;
            }
            newline(w, indent)?;
            w.push("]")
        }
        ValueKind::Map(_) | ValueKind::Files(_) => {
            let entries: Vec<(String, Value)> = match value.kind() {
                ValueKind::Map(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                ValueKind::Files(files) => files
                    .iter()
                    .map(|(p, e)| {
                        (
                            p.to_string(),
                            Value::string(String::from_utf8_lossy(&e.bytes).into_owned()),
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            };
            if entries.is_empty() {
                return w.push("{}");
            }
            w.push("{")?;
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    w.push(",")?;
                }
                newline(w, indent + 1)?;
                w.push(&json_string(key))?;
                w.push(if pretty { ": " } else { ":" })?;
                json(w, item, pretty, indent + 1)?;
            }
            newline(w, indent)?;
            w.push("}")
        }
    }
}

/// encoding/json's float: shortest digits, exponent form below 1e-6 or from 1e21.
fn json_float(f: f64) -> String {
    if !f.is_finite() {
        return "null".to_string();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format!("{f:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    format!("{f}")
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[test]
    fn yaml_shapes_as_helm_prints_them() {
        let value = map(&[
            (
                "b",
                Value::list(vec![
                    Value::string("x"),
                    map(&[("k", Value::float(1.0)), ("j", Value::bool(true))]),
                ]),
            ),
            (
                "a",
                map(&[
                    ("c", Value::string("8080")),
                    ("d", Value::nil()),
                    ("e", Value::list(vec![])),
                ]),
            ),
            ("s", Value::string("line1\nline2\n")),
        ]);
        assert_eq!(
            to_yaml(&value, 1 << 20).unwrap(),
            "a:\n  c: \"8080\"\n  d: null\n  e: []\nb:\n- x\n- j: true\n  k: 1\ns: |\n  line1\n  line2"
        );
    }

    #[test]
    fn strings_are_quoted_only_when_needed() {
        for (text, printed) in [
            ("plain text", "plain text"),
            ("true", "\"true\""),
            ("1.5", "\"1.5\""),
            ("", "\"\""),
            ("a: b", "'a: b'"),
            ("*star", "'*star'"),
            ("it's", "it's"),
            ("- x", "'- x'"),
            ("x #y", "'x #y'"),
            ("http://h:80/p", "http://h:80/p"),
            ("tab\there", "\"tab\\there\""),
        ] {
            assert_eq!(
                to_yaml(&Value::string(text), 1000).unwrap(),
                printed,
                "{text:?}"
            );
        }
    }

    #[test]
    fn numbers_come_back_from_json() {
        assert_eq!(to_yaml(&Value::float(1e6), 100).unwrap(), "1000000");
        assert_eq!(to_yaml(&Value::float(1.5), 100).unwrap(), "1.5");
        assert_eq!(to_json(&Value::float(3.0), false, 100).unwrap(), "3");
    }

    #[test]
    fn json_compact_and_pretty() {
        let value = map(&[
            ("b", Value::list(vec![Value::int(1)])),
            ("a", Value::string("<x>")),
        ]);
        assert_eq!(
            to_json(&value, false, 100).unwrap(),
            r#"{"a":"\u003cx\u003e","b":[1]}"#
        );
        assert_eq!(
            to_json(&value, true, 100).unwrap(),
            "{\n  \"a\": \"\\u003cx\\u003e\",\n  \"b\": [\n    1\n  ]\n}"
        );
    }

    #[test]
    fn emitting_stops_at_the_limit() {
        let big = Value::list((0..1000).map(Value::int).collect());
        assert_eq!(to_yaml(&big, 100), Err(EmitError::TooLong));
    }
}
