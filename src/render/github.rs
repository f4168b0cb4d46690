//! `--format github`: GitHub Actions workflow commands (`::error file=…::message`), then a summary.
//!
//! GitHub turns each command into an annotation on the file, but shows at most 10 errors and
//! 10 warnings per step, so the plain summary line (unless `--quiet`) tells the full count.
//! Columns are 1-based characters and only given when a finding starts and ends on one line.

use std::io::{self, Write};

use super::RenderOptions;
use crate::diagnostic::{Diagnostic, Severity};
use crate::report::Report;

/// Write one workflow command per diagnostic and per unreadable path, then the summary line.
pub fn render(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut text = String::new();
    for diagnostic in &report.diagnostics {
        text.push_str(&command(report, diagnostic));
        text.push('\n');
    }
    for error in &report.errors {
        text.push_str(&format!(
            "::error title={}::{}\n",
            escape_property("adminlint"),
            escape_data(&error.to_string())
        ));
    }
    if !options.quiet {
        text.push_str(&super::concise::summary_line(report));
        text.push('\n');
    }
    out.write_all(text.as_bytes())
}

fn command(report: &Report, diagnostic: &Diagnostic) -> String {
    let file = report.file(diagnostic.span.file);
    let start = file.position(diagnostic.span.start as usize);
    let end = file.position(diagnostic.span.end as usize);
    let mut properties = vec![
        ("file", file.display.clone()),
        ("line", start.line.to_string()),
        ("endLine", end.line.to_string()),
    ];
    if start.line == end.line {
        properties.push(("col", start.column.to_string()));
        properties.push(("endColumn", end.column.to_string()));
    }
    properties.push(("title", format!("adminlint ({})", diagnostic.rule)));
    let properties: Vec<String> = properties
        .into_iter()
        .map(|(key, value)| format!("{key}={}", escape_property(&value)))
        .collect();
    // The annotation body: the message, the help, and where the app side is.
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    for related in &diagnostic.related {
        let other = report.file(related.span.file);
        let at = other.position(related.span.start as usize);
        message.push_str(&format!(
            "\napp side: {}:{}:{}: {}",
            other.display, at.line, at.column, related.message
        ));
    }
    format!(
        "::{} {}::{}",
        command_name(diagnostic.severity),
        properties.join(","),
        escape_data(&message)
    )
}

fn command_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Escape a command's message: `%` first, then CR and LF.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value: as data, plus `:` and `,` (which delimit properties).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::json::fixture::sample_report;

    fn render_to_string(report: &Report, quiet: bool) -> String {
        let mut out = Vec::new();
        let options = RenderOptions {
            quiet,
            ..RenderOptions::default()
        };
        render(report, &options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render_to_string(&sample_report(), false));
    }

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(escape_data("100%\r\na:b,c"), "100%25%0D%0Aa:b,c");
        assert_eq!(escape_property("100%\na:b,c"), "100%25%0Aa%3Ab%2Cc");
        // `%` is escaped first, so an existing `%0A` is not mistaken for a newline.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn one_command_per_finding_with_character_columns_then_the_summary() {
        let text = render_to_string(&sample_report(), false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        // Data escapes only `%`, CR and LF: the `:` of the image stays.
        assert!(
            lines[0].starts_with(
                "::error file=k8s/migrate.yaml,line=12,endLine=12,col=70,endColumn=82,\
                 title=adminlint (image-mismatch)::Job `db-migrate` runs myapp:v1.2.0"
            ),
            "{}",
            lines[0]
        );
        assert!(lines[0].contains("%0Aapp side: k8s/web.yaml:11:18: Deployment `web`"));
        assert!(lines[1].starts_with("::warning file=k8s/migrate.yaml,line=13,"));
        assert_eq!(
            lines[2],
            "Found 2 findings (1 error, 1 warning) in 2 files."
        );
        let quiet = render_to_string(&sample_report(), true);
        assert_eq!(quiet.lines().count(), 2);
    }

    #[test]
    fn multi_line_findings_have_no_columns() {
        let mut report = sample_report();
        let end = report.files[0].text.len();
        report.diagnostics[1].span.end = end as u32;
        let text = render_to_string(&report, true);
        let second = text.lines().nth(1).unwrap();
        assert!(
            second.starts_with("::warning file=k8s/migrate.yaml,line=13,endLine=14,title="),
            "{second}"
        );
    }
}
