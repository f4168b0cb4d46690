//! Renderers: one module per output format, all reading the same [`Report`].
//!
//! Adding a format is a new module plus one arm in [`render`].

mod checkstyle;
mod concise;
mod fingerprint;
mod github;
mod gitlab;
mod human;
mod json;
mod junit;
mod sarif;
pub mod statistics;
mod xml;

use std::io::{self, Write};

use crate::report::Report;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// miette graphical reports with source snippets, for people.
    Full,
    /// One line per finding: `path:line:col: severity[rule] message`.
    Concise,
    /// The versioned JSON contract (see DESIGN.md).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations) and a summary line.
    Github,
    /// GitLab Code Quality report (JSON array).
    Gitlab,
    /// JUnit XML, one test case per finding.
    Junit,
    /// Checkstyle XML.
    Checkstyle,
}

impl Format {
    /// The name used on the command line, e.g. `sarif`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Full => "full",
            Format::Concise => "concise",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Gitlab => "gitlab",
            Format::Junit => "junit",
            Format::Checkstyle => "checkstyle",
        }
    }
}

/// Presentation options shared by the formats.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Use ANSI colours (human formats only).
    pub color: bool,
    /// Terminal width for wrapping (human formats only).
    pub width: usize,
    /// Only findings, no summary line.
    pub quiet: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: 100,
            quiet: false,
        }
    }
}

/// Write `report` in `format` to `out`.
pub fn render(
    format: Format,
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Full => human::render(report, options, out),
        Format::Concise => concise::render(report, options, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Github => github::render(report, options, out),
        Format::Gitlab => gitlab::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Checkstyle => checkstyle::render(report, out),
    }
}
