//! `--format full`: miette graphical reports with source snippets, for people.

use std::fmt;
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceSpan, SpanContents,
};

use rayon::prelude::*;

use super::RenderOptions;
use crate::diagnostic::{Diagnostic, Severity};
use crate::report::Report;
use crate::source::SourceFile;
use crate::span::Span;

/// Longest label taken from the message when a diagnostic has no label of its own.
const SHORT_LABEL_CHARS: usize = 60;
/// Longest line (in bytes) shown in a snippet. miette panics when a highlight starts more than
/// 65,535 columns into a line, and a multi-megabyte line is no use on a terminal anyway: such
/// findings are shown with their position instead of a snippet.
const MAX_SNIPPET_LINE_BYTES: usize = 4096;

/// Write one graphical report per diagnostic, then (unless quiet) the summary line.
pub fn render(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // Related locations in other files are shown under the finding as notes, not as miette's
    // separate `Advice:` reports with a pointing hand.
    theme.characters.advice = "note:".into();
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_show_related_as_nested(true)
        .with_links(false)
        .with_width(options.width)
        .with_context_lines(1);
    // Each report is laid out on its own (miette measures every line of every snippet), in
    // parallel, then written in order.
    let texts: Vec<Result<String, &'static str>> = report
        .diagnostics
        .par_iter()
        .map(|diagnostic| {
            let finding = Finding::new(report, diagnostic);
            let mut text = String::new();
            match handler.render_report(&mut text, &finding) {
                Ok(()) => {
                    text.push('\n');
                    Ok(text)
                }
                Err(_) => Err(diagnostic.rule),
            }
        })
        .collect();
    for text in texts {
        let text = text.map_err(|rule| io::Error::other(format!("cannot render {rule}")))?;
        out.write_all(text.as_bytes())?;
    }
    if !options.quiet {
        writeln!(out, "{}", super::concise::summary_line(report))?;
    }
    Ok(())
}

/// A [`Diagnostic`] as miette sees it: the primary file's text, labels for the primary span
/// and for related spans in the same file, and sub-reports for related spans in other files.
#[derive(Debug)]
struct Finding<'a> {
    diagnostic: &'a Diagnostic,
    /// None when the snippet is not shown (see [`MAX_SNIPPET_LINE_BYTES`]).
    source: Option<FileSource<'a>>,
    /// `path:line:col` for a finding shown without its snippet.
    position: Option<String>,
    labels: Vec<LabeledSpan>,
    elsewhere: Vec<RelatedElsewhere<'a>>,
}

impl<'a> Finding<'a> {
    fn new(report: &'a Report, diagnostic: &'a Diagnostic) -> Self {
        let file = report.file(diagnostic.span.file);
        let label = diagnostic
            .label
            .clone()
            .unwrap_or_else(|| short_form(&diagnostic.message));
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(label),
            source_span(file, diagnostic.span),
        )];
        let mut elsewhere = Vec::new();
        let mut showable = fits_a_snippet(file, diagnostic.span);
        for related in &diagnostic.related {
            if related.span.file == diagnostic.span.file {
                showable &= fits_a_snippet(file, related.span);
                labels.push(LabeledSpan::new_with_span(
                    Some(related.message.clone()),
                    source_span(file, related.span),
                ));
            } else {
                let other = report.file(related.span.file);
                let shown = fits_a_snippet(other, related.span);
                elsewhere.push(RelatedElsewhere {
                    message: &related.message,
                    source: shown.then_some(FileSource(other)),
                    position: (!shown).then(|| position_of(other, related.span)),
                    label: LabeledSpan::new_primary_with_span(
                        None,
                        source_span(other, related.span),
                    ),
                });
            }
        }
        Finding {
            diagnostic,
            source: showable.then_some(FileSource(file)),
            position: (!showable).then(|| position_of(file, diagnostic.span)),
            labels: if showable { labels } else { Vec::new() },
            elsewhere,
        }
    }
}

impl fmt::Display for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)?;
        write_position(f, self.position.as_deref())
    }
}

/// For a finding without a snippet: where it is.
fn write_position(f: &mut fmt::Formatter<'_>, position: Option<&str>) -> fmt::Result {
    match position {
        Some(position) => write!(f, "\n  at {position} (the line is too long to show)"),
        None => Ok(()),
    }
}

/// True when every line a snippet of `span` would show (one line of context on each side) is
/// short enough to show.
fn fits_a_snippet(file: &SourceFile, span: Span) -> bool {
    let first = file
        .position(span.start as usize)
        .line
        .saturating_sub(1)
        .max(1);
    let last = (file.position(span.end as usize).line + 1).min(file.line_count());
    (first..=last).all(|line| file.line_text(line).len() <= MAX_SNIPPET_LINE_BYTES)
}

fn position_of(file: &SourceFile, span: Span) -> String {
    let at = file.position(span.start as usize);
    format!("{}:{}:{}", file.display, at.line, at.column)
}

impl std::error::Error for Finding<'_> {}

impl miette::Diagnostic for Finding<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Info => miette::Severity::Advice,
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.elsewhere.is_empty() {
            return None;
        }
        Some(Box::new(
            self.elsewhere
                .iter()
                .map(|related| related as &dyn miette::Diagnostic),
        ))
    }
}

/// A related location in another file than the finding's: a note nested under the finding, with
/// its own source.
#[derive(Debug)]
struct RelatedElsewhere<'a> {
    message: &'a str,
    /// None when the snippet is not shown (see [`MAX_SNIPPET_LINE_BYTES`]).
    source: Option<FileSource<'a>>,
    position: Option<String>,
    label: LabeledSpan,
}

impl fmt::Display for RelatedElsewhere<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)?;
        write_position(f, self.position.as_deref())
    }
}

impl std::error::Error for RelatedElsewhere<'_> {}

impl miette::Diagnostic for RelatedElsewhere<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(std::iter::once(self.label.clone())))
    }
}

/// A file as miette reads it: its text under its display path. miette's own sources count the
/// column in `[path:line:column]` in bytes; this one counts characters, like every other format.
#[derive(Debug)]
struct FileSource<'a>(&'a SourceFile);

impl miette::SourceCode for FileSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let file = self.0;
        // miette finds lines by scanning the text from its start: hand it only the lines around
        // the span (found with the line index), or every finding in a large file costs a scan
        // of the whole file.
        let first = file.position(span.offset()).line;
        let last = file.position(span.offset() + span.len()).line;
        let from = first.saturating_sub(context_lines_before).max(1);
        let to = last.saturating_add(context_lines_after);
        let window_start = file.line_start(from);
        let window_end = if to < file.line_count() {
            file.line_start(to + 1)
        } else {
            file.text.len()
        };
        let window = &file.text[window_start..window_end];
        let local = SourceSpan::new((span.offset() - window_start).into(), span.len());
        let contents = window.read_span(&local, context_lines_before, context_lines_after)?;
        // miette reports a column only for a span read without leading context lines.
        let column = match contents.column() {
            0 => 0,
            _ => file.position(span.offset()).column - 1,
        };
        let data_span = contents.span();
        Ok(Box::new(MietteSpanContents::new_named(
            file.display.clone(),
            contents.data(),
            SourceSpan::new((data_span.offset() + window_start).into(), data_span.len()),
            contents.line() + from - 1,
            column,
            // As if read from the start of the file: miette merges snippets by this count.
            contents.line_count() + from - 1,
        )))
    }
}

/// The span as miette wants it, clamped to the file and to character boundaries so that a
/// bad span cannot make rendering fail.
fn source_span(file: &SourceFile, span: Span) -> SourceSpan {
    let start = file.position(span.start as usize).offset;
    let end = file.position(span.end as usize).offset.max(start);
    SourceSpan::from(start..end)
}

/// The message cut at a word boundary to fit a label.
fn short_form(message: &str) -> String {
    if message.chars().count() <= SHORT_LABEL_CHARS {
        return message.to_owned();
    }
    let cut = message
        .char_indices()
        .nth(SHORT_LABEL_CHARS)
        .map_or(message.len(), |(i, _)| i);
    let head = &message[..cut];
    let head = head.rfind(' ').map_or(head, |space| &head[..space]);
    format!("{}…", head.trim_end())
}

#[cfg(test)]
mod tests {
    use super::super::json::fixture::{self, sample_report};
    use super::*;
    use crate::span::FileId;

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
    fn shows_both_files_and_the_summary_without_escapes() {
        let text = render_to_string(&sample_report(), plain());
        assert!(text.contains("[k8s/migrate.yaml:12:70]"), "{text}");
        assert!(text.contains("[k8s/web.yaml:11:18]"), "{text}");
        assert!(text.contains("admin image"));
        assert!(text.contains("Deployment `web` runs myapp:v1.2.3"));
        assert!(!text.contains('\x1b'));
        assert!(text.ends_with("\nFound 2 findings (1 error, 1 warning) in 2 files.\n"));
    }

    #[test]
    fn quiet_drops_the_summary_and_color_adds_escapes() {
        let quiet = RenderOptions {
            quiet: true,
            ..plain()
        };
        assert!(!render_to_string(&sample_report(), quiet).contains("Found"));
        let color = RenderOptions {
            color: true,
            ..plain()
        };
        assert!(render_to_string(&sample_report(), color).contains('\x1b'));
    }

    #[test]
    fn related_in_the_same_file_is_a_second_label() {
        let mut report = sample_report();
        let same_file = fixture::span_of(0, fixture::MIGRATE, "restartPolicy: Never");
        let install = &mut report.diagnostics[1];
        install.related.push(crate::diagnostic::Related {
            message: "runs once".into(),
            span: same_file,
            origin: crate::origin::Origin::DIRECT,
        });
        install.label = None;
        report.diagnostics.remove(0);
        let text = render_to_string(&report, plain());
        insta::assert_snapshot!("same_file_related", text);
        assert!(text.contains("runs once"), "{text}");
        assert!(!text.contains("k8s/web.yaml"), "{text}");
        // No label given: the message stands in, cut to fit.
        assert!(text.contains("Job `db-migrate` installs packages at run time with `pip…"));
    }

    #[test]
    fn a_span_past_the_end_of_the_file_still_renders() {
        let mut report = sample_report();
        let len = fixture::WEB.len();
        report.diagnostics[0].related[0].span = Span::new(FileId(1), len - 4, len + 50);
        report.diagnostics[1].severity = Severity::Info;
        let text = render_to_string(&report, plain());
        assert!(text.contains("[k8s/web.yaml:11:27]"), "{text}");
        assert!(text.contains("note: Job `db-migrate` installs"), "{text}");
    }

    #[test]
    fn a_finding_on_a_very_long_line_shows_its_position_instead_of_a_snippet() {
        // miette panicked ("Formatting argument out of range") on a highlight 65,536 columns
        // into a line.
        let text = format!("a: {}\nimage: myapp\n", "x".repeat(70_000));
        let mut report = sample_report();
        let file = SourceFile::new(FileId(0), None, "long.yaml".into(), text.clone().into());
        report.files[0] = file;
        let start = text.find("x").unwrap() + 69_990;
        report.diagnostics[0].span = Span::new(FileId(0), start, start + 5);
        report.diagnostics.truncate(1);
        let rendered = render_to_string(&report, plain());
        assert!(
            rendered.contains("at long.yaml:1:69994 (the line is too long to show)"),
            "{rendered}"
        );
        assert!(rendered.len() < 4000, "{}", rendered.len());
        // Its related location in another file still gets its snippet.
        assert!(rendered.contains("[k8s/web.yaml:11:18]"), "{rendered}");
    }

    #[test]
    fn short_form_cuts_at_a_word() {
        assert_eq!(short_form("short"), "short");
        let long = "word ".repeat(20);
        let short = short_form(&long);
        assert!(short.ends_with("word…"));
        assert!(short.chars().count() <= SHORT_LABEL_CHARS + 1);
    }
}
