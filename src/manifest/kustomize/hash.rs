//! The content-hash suffix kustomize gives a generated ConfigMap or Secret: SHA-256 over a JSON
//! encoding of the object's kind, type and data (as Go's `encoding/json` writes it), its first
//! ten hex digits with a few letters swapped so the suffix never reads as a number or a word.

use std::collections::BTreeMap;

use crate::digest::{base64, sha256};
use crate::model::workload::ConfigKind;

/// The suffix (without the `-`) for a generated object: its `data` (values as written, before
/// a Secret's base64) and, for a Secret, its `type`.
///
/// Compared with `kubectl kustomize` (tests/kustomize_diff.rs): the name is hashed as empty
/// (so a name prefix or suffix does not change the hash), and `immutable` and labels are not
/// hashed at all.
pub fn name_suffix(kind: ConfigKind, data: &BTreeMap<String, String>, secret_type: &str) -> String {
    let mut json = String::from("{\"data\":{");
    for (index, (key, value)) in data.iter().enumerate() {
        if index > 0 {
            json.push(',');
        }
        push_json_string(&mut json, key);
        json.push(':');
        match kind {
            ConfigKind::Secret => push_json_string(&mut json, &base64(value.as_bytes())),
            _ => push_json_string(&mut json, value),
        }
    }
    json.push_str("},\"kind\":");
    push_json_string(&mut json, kind.as_str());
    json.push_str(",\"name\":\"\"");
    if kind == ConfigKind::Secret {
        json.push_str(",\"type\":");
        push_json_string(&mut json, secret_type);
    }
    json.push('}');
    let digest = sha256(json.as_bytes());
    digest
        .iter()
        .flat_map(|byte| [byte >> 4, byte & 0xf])
        .take(10)
        .map(|nibble| match nibble {
            0 => 'g',
            1 => 'h',
            3 => 'k',
            0xa => 'm',
            0xe => 't',
            other => char::from_digit(u32::from(other), 16).unwrap_or('?'),
        })
        .collect()
}

/// A JSON string as Go's `encoding/json` writes it: HTML-sensitive characters and the line and
/// paragraph separators escaped too, since kustomize does not turn that default off.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Suffixes `kubectl kustomize` (kustomize v5) gave for these generators.
    #[test]
    fn suffixes_are_the_ones_kubectl_kustomize_gives() {
        assert_eq!(
            name_suffix(
                ConfigKind::ConfigMap,
                &data(&[("A", "1"), ("B", "two <&>")]),
                ""
            ),
            "gdt7k672hk"
        );
        assert_eq!(
            name_suffix(
                ConfigKind::ConfigMap,
                &data(&[("A", "single"), ("B", "\"dq"), ("C", "x\"y\""), ("D", "")]),
                ""
            ),
            "k799mgff6b"
        );
        assert_eq!(
            name_suffix(
                ConfigKind::ConfigMap,
                &data(&[
                    ("conf.txt", "line1\nline2 \"x\"\n"),
                    ("other", "line1\nline2 \"x\"\n")
                ]),
                ""
            ),
            "g77tm46hd2"
        );
        assert_eq!(
            name_suffix(
                ConfigKind::Secret,
                &data(&[("PASSWORD", "hunter2")]),
                "Opaque"
            ),
            "9279h2tbm8"
        );
        assert_eq!(
            name_suffix(
                ConfigKind::Secret,
                &data(&[("tls.crt", "abc"), ("tls.key", "def")]),
                "kubernetes.io/tls"
            ),
            "td2b65gdb7"
        );
    }
}
