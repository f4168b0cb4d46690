//! Renderers: one module per output format, all reading the same [`Report`].
//!
//! Adding a format is a new module plus one arm in [`render`].

mod concise;
mod human;
mod json;

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
    }
}
