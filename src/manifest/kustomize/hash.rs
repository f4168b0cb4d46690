//! The content-hash suffix kustomize gives a generated ConfigMap or Secret: SHA-256 over a JSON
//! encoding of the object's kind, type and data (as Go's `encoding/json` writes it), its first
//! ten hex digits with a few letters swapped so the suffix never reads as a number or a word.

use std::collections::BTreeMap;

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

/// Standard base64 with padding (a Secret's data is hashed encoded).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let word = chunk
            .iter()
            .enumerate()
            .fold(0u32, |word, (i, &b)| word | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(word >> (18 - 6 * i) & 0x3f) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// SHA-256 (FIPS 180-4). Written here rather than adding a crate (and its digest stack) for
/// one hash of a few kilobytes per generated object; the tests pin it to the standard's
/// vectors.
fn sha256(message: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut state: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    padded.extend_from_slice(&((message.len() as u64).wrapping_mul(8)).to_be_bytes());
    for block in padded.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = state;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let choose = (e & f) ^ (!e & g);
            let t1 = h
                .wrapping_add(s1)
                .wrapping_add(choose)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let majority = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(majority);
            h = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (word, add) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
            *word = word.wrapping_add(add);
        }
    }
    let mut out = [0u8; 32];
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_matches_the_standard_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // Two blocks: the padding does not fit after 56 bytes.
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn base64_pads_to_whole_quads() {
        assert_eq!(base64(b"hunter2"), "aHVudGVyMg==");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

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
