//! `--format gitlab`: a GitLab Code Quality report (a JSON array of Code Climate issues).
//!
//! GitLab collapses entries with equal fingerprints, so each carries the identity hash of
//! `fingerprint.rs` (rule, path, object, message), never a line number.

use std::io::{self, Write};

use serde::Serialize;

use super::fingerprint::fingerprints;
use crate::diagnostic::Severity;
use crate::report::Report;

#[derive(Serialize)]
struct Issue<'a> {
    description: &'a str,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation<'a>,
}

#[derive(Serialize)]
struct IssueLocation<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// Write the issues as a pretty-printed JSON array (no BOM) followed by a newline.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Issue> = report
        .diagnostics
        .iter()
        .zip(fingerprints(report))
        .map(|(diagnostic, fingerprint)| {
            let file = report.file(diagnostic.span.file);
            Issue {
                description: &diagnostic.message,
                check_name: diagnostic.rule,
                fingerprint,
                severity: severity(diagnostic.severity),
                location: IssueLocation {
                    path: &file.display,
                    lines: Lines {
                        begin: file.position(diagnostic.span.start as usize).line,
                        end: file.position(diagnostic.span.end as usize).line,
                    },
                },
            }
        })
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&issues)?;
    bytes.push(b'\n');
    out.write_all(&bytes)
}

/// Code Quality severities are info, minor, major, critical, blocker.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::json::fixture::sample_report;
    use serde_json::Value;

    fn render_to_value(report: &Report) -> Value {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        assert!(!out.starts_with(b"\xef\xbb\xbf"), "no BOM");
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        render(&sample_report(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn issues_have_the_fields_gitlab_requires() {
        let value = render_to_value(&sample_report());
        let issues = value.as_array().unwrap();
        assert_eq!(issues.len(), 2);
        for issue in issues {
            for key in ["description", "check_name", "fingerprint", "severity"] {
                assert!(issue[key].is_string(), "{key} in {issue}");
            }
            assert!(issue["location"]["path"].is_string());
            assert!(issue["location"]["lines"]["begin"].is_u64());
        }
        assert_eq!(issues[0]["severity"], "critical");
        assert_eq!(issues[0]["location"]["lines"]["begin"], 12);
        assert_eq!(issues[1]["severity"], "major");
        assert_ne!(issues[0]["fingerprint"], issues[1]["fingerprint"]);
        assert_eq!(render_to_value(&Report::default()), serde_json::json!([]));
    }
}
