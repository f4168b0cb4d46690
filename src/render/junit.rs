//! `--format junit`: JUnit XML for CI test report views (GitLab's `artifacts:reports:junit`).
//!
//! One `<testcase>` per finding, with a `<failure>`; one passing `<testcase>` per checked file
//! without findings, so a clean run still shows what was checked; one `<testcase>` with an
//! `<error>` per path that could not be read. GitLab shows `classname` as the suite, so it is
//! the file path; `name` is `rule line:col` (with ` #2`, ` #3` … for repeats, as GitLab keeps
//! only the first of equal names). GitLab shows the element *text*, not the `message`
//! attribute, so the text carries the whole finding. No timings: output is deterministic.

use std::io::{self, Write};

use super::xml::{escape, escape_text};
use crate::diagnostic::Diagnostic;
use crate::report::Report;

/// Write the report as one JUnit test suite.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut cases = Vec::new();
    let mut failures = 0;
    for file in &report.files {
        let mut names: Vec<String> = Vec::new();
        let mut any = false;
        for diagnostic in report.diagnostics.iter().filter(|d| d.span.file == file.id) {
            any = true;
            failures += 1;
            let start = file.position(diagnostic.span.start as usize);
            let base = format!("{} {}:{}", diagnostic.rule, start.line, start.column);
            let repeats = names.iter().filter(|n| **n == base).count();
            names.push(base.clone());
            let name = if repeats == 0 {
                base
            } else {
                format!("{base} #{}", repeats + 1)
            };
            cases.push(format!(
                "    <testcase classname=\"{path}\" name=\"{name}\" file=\"{path}\" line=\"{line}\">\n      \
                 <failure type=\"{rule}\" message=\"{message}\">{body}</failure>\n    </testcase>\n",
                path = escape(&file.display),
                name = escape(&name),
                line = start.line,
                rule = escape(diagnostic.rule),
                message = escape(&diagnostic.message),
                body = escape_text(&failure_text(report, diagnostic)),
            ));
        }
        if !any {
            cases.push(format!(
                "    <testcase classname=\"{path}\" name=\"no findings\" file=\"{path}\"/>\n",
                path = escape(&file.display),
            ));
        }
    }
    for error in &report.errors {
        cases.push(format!(
            "    <testcase classname=\"{path}\" name=\"read\" file=\"{path}\">\n      \
             <error type=\"io\" message=\"{message}\">{text}</error>\n    </testcase>\n",
            path = escape(&error.path),
            message = escape(&error.message),
            text = escape_text(&error.to_string()),
        ));
    }
    let counts = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"{}\"",
        cases.len(),
        report.errors.len()
    );
    let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    text.push_str(&format!("<testsuites name=\"adminlint\" {counts}>\n"));
    text.push_str(&format!(
        "  <testsuite name=\"adminlint\" {counts} skipped=\"0\">\n"
    ));
    for case in cases {
        text.push_str(&case);
    }
    text.push_str("  </testsuite>\n</testsuites>\n");
    out.write_all(text.as_bytes())
}

/// What a person reads in the report: the concise line, the help and the app side.
fn failure_text(report: &Report, diagnostic: &Diagnostic) -> String {
    let file = report.file(diagnostic.span.file);
    let start = file.position(diagnostic.span.start as usize);
    let mut text = format!(
        "{}:{}:{}: {}[{}] {}",
        file.display,
        start.line,
        start.column,
        diagnostic.severity,
        diagnostic.rule,
        diagnostic.message
    );
    if let Some(help) = &diagnostic.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    for related in &diagnostic.related {
        let other = report.file(related.span.file);
        let at = other.position(related.span.start as usize);
        text.push_str(&format!(
            "\napp side: {}:{}:{}: {}",
            other.display, at.line, at.column, related.message
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::json::fixture::sample_report;

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
    fn repeated_names_are_numbered_and_clean_files_pass() {
        let mut report = sample_report();
        let mut twin = report.diagnostics[1].clone();
        twin.message.push_str(" again");
        report.diagnostics.push(twin);
        let text = render_to_string(&report);
        assert!(text.contains("name=\"adhoc-install 13:35\""), "{text}");
        assert!(text.contains("name=\"adhoc-install 13:35 #2\""), "{text}");
        assert!(text.contains("classname=\"k8s/web.yaml\" name=\"no findings\""));
        assert!(
            text.contains(
                "<testsuites name=\"adminlint\" tests=\"4\" failures=\"3\" errors=\"0\">"
            )
        );
    }
}
