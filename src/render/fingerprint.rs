//! Stable identities of findings across runs, for SARIF `partialFingerprints` and GitLab.
//!
//! Code-scanning services match the findings of a new run with those of the last one by
//! fingerprint. Line numbers move whenever a line is added above, and messages are reworded
//! between releases, so a fingerprint here hashes what the finding *is* — rule, file, object
//! (kind, namespace, name, container) and the violation's identity (its data: the Secret
//! missing, the two images; see [`crate::rules::Violation::identity`]) — plus how many equal
//! findings came before it, never where it is or how it is worded.

use crate::diagnostic::Diagnostic;
use crate::report::Report;

/// Bumped when the hashed fields change, so old and new fingerprints never collide.
const SCHEME: &str = "adminlint-fingerprint-v2";

/// One fingerprint per diagnostic of `report`, in the same order: 32 lowercase hex digits.
pub fn fingerprints(report: &Report) -> Vec<String> {
    let identities: Vec<Vec<&str>> = report
        .diagnostics
        .iter()
        .map(|d| identity(report, d))
        .collect();
    identities
        .iter()
        .enumerate()
        .map(|(index, fields)| {
            // Equal findings (same object, same identity, e.g. one Secret read twice) are told
            // apart by their rank among equals, which does not move when lines do.
            let occurrence = identities[..index].iter().filter(|f| *f == fields).count();
            let mut hasher = Fnv128::new();
            hasher.field(SCHEME);
            for field in fields {
                hasher.field(field);
            }
            hasher.field(&occurrence.to_string());
            format!("{:032x}", hasher.finish())
        })
        .collect()
}

/// The fields that make a finding what it is.
fn identity<'a>(report: &'a Report, diagnostic: &'a Diagnostic) -> Vec<&'a str> {
    let path = report.file(diagnostic.span.file).display.as_str();
    let mut fields = vec![diagnostic.rule, path];
    match &diagnostic.object {
        Some(object) => fields.extend([
            object.kind.as_str(),
            object.namespace.as_deref().unwrap_or(""),
            object.name.as_deref().unwrap_or(""),
            object.container.as_deref().unwrap_or(""),
        ]),
        None => fields.extend(["", "", "", ""]),
    }
    fields.push(&diagnostic.identity);
    fields
}

/// FNV-1a with 128-bit state: tiny, specified, and the same on every platform and Rust
/// release (std's `DefaultHasher` promises neither).
struct Fnv128(u128);

impl Fnv128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

    fn new() -> Self {
        Fnv128(Self::OFFSET)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u128::from(byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    /// Hash a field followed by its length, so `("ab", "c")` and `("a", "bc")` differ.
    fn field(&mut self, text: &str) {
        self.bytes(text.as_bytes());
        self.bytes(&(text.len() as u64).to_le_bytes());
    }

    fn finish(&self) -> u128 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::json::fixture::sample_report;

    #[test]
    fn fnv_matches_the_published_test_vectors() {
        // FNV-1a 128 of "" is the offset basis; of "a" it is d228cb696f1a8caf78912b704e4a8964.
        let mut empty = Fnv128::new();
        empty.bytes(b"");
        assert_eq!(empty.finish(), Fnv128::OFFSET);
        let mut a = Fnv128::new();
        a.bytes(b"a");
        assert_eq!(
            format!("{:032x}", a.finish()),
            "d228cb696f1a8caf78912b704e4a8964"
        );
    }

    #[test]
    fn fingerprints_ignore_positions_but_not_identity() {
        let report = sample_report();
        let before = fingerprints(&report);
        assert_eq!(before.len(), 2);
        assert_ne!(before[0], before[1]);
        assert!(
            before
                .iter()
                .all(|f| f.len() == 32 && f.bytes().all(|b| b.is_ascii_hexdigit()))
        );

        // Lines added above a finding move it, and change nothing.
        let mut moved = sample_report();
        moved.diagnostics[0].span.start += 40;
        moved.diagnostics[0].span.end += 40;
        assert_eq!(fingerprints(&moved), before);

        // Another identity (the app moved to another release) is another finding.
        let mut other = sample_report();
        other.diagnostics[0].identity.push('!');
        assert_ne!(fingerprints(&other)[0], before[0]);

        // A reworded message, help, label or fix title is the same finding.
        let mut reworded = sample_report();
        for diagnostic in &mut reworded.diagnostics {
            diagnostic.message = format!("reworded: {}", diagnostic.message);
            diagnostic.help = Some("other help".into());
            diagnostic.label = None;
            if let Some(fix) = &mut diagnostic.fix {
                fix.message = "Another title".into();
            }
        }
        assert_eq!(fingerprints(&reworded), before);

        // So is the same finding on another object.
        let mut renamed = sample_report();
        renamed.diagnostics[0].object.as_mut().unwrap().name = Some("db-seed".into());
        assert_ne!(fingerprints(&renamed)[0], before[0]);
    }

    #[test]
    fn equal_findings_get_distinct_fingerprints() {
        let mut report = sample_report();
        let twin = report.diagnostics[1].clone();
        report.diagnostics.push(twin);
        let prints = fingerprints(&report);
        assert_ne!(prints[1], prints[2]);
    }
}
