//! `--format concise`: one line per finding, `path:line:col: severity[rule] message`.

use std::io::{self, Write};

use super::RenderOptions;
use crate::diagnostic::Severity;
use crate::report::Report;

/// Write one line per diagnostic, then (unless quiet) the summary line.
pub fn render(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut text = String::new();
    for diagnostic in &report.diagnostics {
        let file = report.file(diagnostic.span.file);
        let start = file.position(diagnostic.span.start as usize);
        text.push_str(&format!(
            "{}:{}:{}: {}[{}] {}\n",
            file.display,
            start.line,
            start.column,
            severity_word(diagnostic.severity, options.color),
            diagnostic.rule,
            diagnostic.message,
        ));
    }
    if !options.quiet {
        text.push_str(&summary_line(report));
        text.push('\n');
    }
    out.write_all(text.as_bytes())
}

/// The severity name, wrapped in an ANSI colour when `color` is set.
fn severity_word(severity: Severity, color: bool) -> String {
    if !color {
        return severity.as_str().to_owned();
    }
    let code = match severity {
        Severity::Error => "31",
        Severity::Warning => "33",
        Severity::Info => "36",
    };
    format!("\x1b[{code}m{severity}\x1b[0m")
}

/// `Found 2 findings (1 error, 1 warning) in 3 files.` or `No findings in 3 files.`, with
/// ` (1 suppressed)` before the period when suppressions silenced findings, and `; 2 info not
/// counted` when info findings were shown: info is what a rule judged deliberate or shared with
/// the app (an admin credential, a moving tag the app runs too), so it is off in the count
/// (no line break). Shared with the `full` format.
pub(super) fn summary_line(report: &Report) -> String {
    let (errors, warnings, infos) = report.severity_counts();
    let files = count(report.summary.files, "file", "files");
    let total = errors + warnings;
    let suppressed = match report.summary.suppressed {
        0 => String::new(),
        n => format!(" ({n} suppressed)"),
    };
    // "info" is a mass noun: "2 info", like the severity name.
    let info = match infos {
        0 => String::new(),
        n => format!("; {n} info not counted"),
    };
    if total == 0 {
        return format!("No findings in {files}{suppressed}{info}.");
    }
    let parts: Vec<String> = [
        (errors, "error", "errors"),
        (warnings, "warning", "warnings"),
    ]
    .into_iter()
    .filter(|&(n, _, _)| n > 0)
    .map(|(n, one, many)| count(n, one, many))
    .collect();
    format!(
        "Found {} ({}) in {files}{suppressed}{info}.",
        count(total, "finding", "findings"),
        parts.join(", ")
    )
}

/// `1 file`, `2 files`, `0 files`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::super::json::fixture::sample_report;
    use super::*;
    use crate::diagnostic::Severity;

    fn render_to_string(report: &Report, options: RenderOptions) -> String {
        let mut out = Vec::new();
        render(report, &options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn plain() -> RenderOptions {
        RenderOptions {
            color: false,
            width: 100,
            quiet: false,
        }
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render_to_string(&sample_report(), plain()));
    }

    #[test]
    fn line_uses_one_based_character_columns() {
        let text = render_to_string(&sample_report(), plain());
        let first = text.lines().next().unwrap();
        // `é` before the image on line 12 is one column though two bytes (see json.rs).
        assert_eq!(
            first,
            "k8s/migrate.yaml:12:70: error[image-mismatch] Job `db-migrate` runs myapp:v1.2.0 \
             but the app runs myapp:v1.2.3"
        );
        assert_eq!(
            text.lines().last().unwrap(),
            "Found 2 findings (1 error, 1 warning) in 2 files."
        );
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn quiet_drops_the_summary() {
        let options = RenderOptions {
            quiet: true,
            ..plain()
        };
        let text = render_to_string(&sample_report(), options);
        assert_eq!(text.lines().count(), 2);
        assert!(!text.contains("Found"));
    }

    #[test]
    fn color_wraps_only_the_severity_word() {
        let options = RenderOptions {
            color: true,
            ..plain()
        };
        let text = render_to_string(&sample_report(), options);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("k8s/migrate.yaml:12:70: \x1b[31merror\x1b[0m[image-mismatch] ")
        );
        assert!(lines[1].contains(": \x1b[33mwarning\x1b[0m[adhoc-install] "));
        assert!(!lines[2].contains('\x1b'));
    }

    #[test]
    fn summary_counts_and_plurals() {
        let mut report = sample_report();
        report.summary.files = 1;
        report.diagnostics.truncate(1);
        assert_eq!(
            summary_line(&report),
            "Found 1 finding (1 error) in 1 file."
        );

        report.diagnostics.push(report.diagnostics[0].clone());
        report.diagnostics[1].severity = Severity::Info;
        report.summary.files = 3;
        assert_eq!(
            summary_line(&report),
            "Found 1 finding (1 error) in 3 files; 1 info not counted."
        );

        report.diagnostics[0].severity = Severity::Info;
        assert_eq!(
            summary_line(&report),
            "No findings in 3 files; 2 info not counted."
        );

        report.diagnostics.clear();
        assert_eq!(summary_line(&report), "No findings in 3 files.");
        report.summary.files = 1;
        assert_eq!(summary_line(&report), "No findings in 1 file.");
    }
}
