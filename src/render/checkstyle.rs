//! `--format checkstyle`: Checkstyle XML, read by reviewdog, Jenkins warnings-ng and others.
//!
//! Every checked file gets a `<file>` element (empty when clean), in path order; each finding
//! is an `<error>` with 1-based line and character column and `source="adminlint.<rule>"`.
//! Paths that could not be read get an `<error>` without a line.

use std::io::{self, Write};

use super::xml::escape;
use crate::report::Report;

/// Write the report as one Checkstyle document.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    text.push_str("<checkstyle version=\"4.3\">\n");
    for file in &report.files {
        let mut errors = String::new();
        for diagnostic in report.diagnostics.iter().filter(|d| d.span.file == file.id) {
            let start = file.position(diagnostic.span.start as usize);
            errors.push_str(&format!(
                "    <error line=\"{}\" column=\"{}\" severity=\"{}\" message=\"{}\" source=\"adminlint.{}\"/>\n",
                start.line,
                start.column,
                diagnostic.severity,
                escape(&diagnostic.message),
                escape(diagnostic.rule),
            ));
        }
        let path = escape(&file.display);
        if errors.is_empty() {
            text.push_str(&format!("  <file name=\"{path}\"/>\n"));
        } else {
            text.push_str(&format!("  <file name=\"{path}\">\n{errors}  </file>\n"));
        }
    }
    for error in &report.errors {
        text.push_str(&format!(
            "  <file name=\"{}\">\n    <error severity=\"error\" message=\"{}\" source=\"adminlint\"/>\n  </file>\n",
            escape(&error.path),
            escape(&error.message),
        ));
    }
    text.push_str("</checkstyle>\n");
    out.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::json::fixture::sample_report;
    use crate::report::RunError;

    fn render_to_string(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render_to_string(&sample_report()));
    }

    #[test]
    fn clean_files_and_unreadable_paths_are_listed() {
        let mut report = sample_report();
        report.errors.push(RunError::new(
            "k8s/missing.yaml".into(),
            "No such file or directory (os error 2)".into(),
        ));
        let text = render_to_string(&report);
        assert!(text.contains("  <file name=\"k8s/web.yaml\"/>\n"));
        assert!(text.contains(
            "  <file name=\"k8s/missing.yaml\">\n    <error severity=\"error\" \
             message=\"No such file or directory (os error 2)\" source=\"adminlint\"/>"
        ));
        assert!(text.contains("line=\"12\" column=\"70\" severity=\"error\""));
    }
}
