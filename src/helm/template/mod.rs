//! Go `text/template` as Helm runs it: parsing with byte spans, evaluation with Helm's and
//! sprig's functions, and output whose every byte maps back to the template (and values) that
//! wrote it.

mod emit;
mod exec;
mod format;
mod funcs;
mod lex;
mod parse;
mod pieces;
mod shared;
mod value;
pub mod watch;
mod work;

use std::collections::HashMap;
use std::sync::Arc;

use crate::span::{FileId, Span};

pub use value::{FileEntry, Files, MAX_VALUE_DEPTH, Value, ValueKind};

/// Bounds that keep hostile templates cheap; each exceeded one is a [`TemplateErrorKind::Limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest output of one render (and of any string built on the way), in bytes.
    pub max_output: usize,
    /// Deepest nesting of `include` / `template` / `tpl` calls.
    pub max_depth: usize,
    /// Evaluation steps (actions, range iterations, function calls) in one render.
    pub max_steps: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_output: 16 * 1024 * 1024,
            max_depth: 64,
            max_steps: 5_000_000,
        }
    }
}

/// One template file parsed, to add to any number of [`TemplateSet`]s: a chart rendered again
/// (with stand-in values, or another values set) does not parse its files again.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    root: Arc<parse::List>,
    defines: Vec<(Arc<str>, Arc<parse::List>)>,
}

impl ParsedFile {
    /// Parse the text of file `file`.
    pub fn parse(file: FileId, text: &str) -> Result<ParsedFile, TemplateError> {
        let parsed = parse::parse(text, parse::Spans::At { file, base: 0 })
            .map_err(|e| TemplateError::new(e.span, TemplateErrorKind::Parse, e.message))?;
        Ok(ParsedFile {
            root: Arc::new(parsed.root),
            defines: parsed.defines,
        })
    }
}

/// Every parsed template of one chart tree (subcharts too), by Helm's name for each file.
///
/// A `define` of a name already defined replaces it: add files in the order Helm parses them
/// (subcharts' before their parent's) so that the parent's definitions win.
#[derive(Debug, Default)]
pub struct TemplateSet {
    limits: Limits,
    /// Each file's top-level nodes, by name.
    files: HashMap<String, Arc<parse::List>>,
    /// Each `define`d (and `block`) template's body, by name.
    defines: HashMap<Arc<str>, Arc<parse::List>>,
    /// A field of nil is nil rather than Helm's "nil pointer evaluating" error.
    tolerate_nil_fields: bool,
}

impl TemplateSet {
    /// An empty set.
    pub fn new(limits: Limits) -> Self {
        TemplateSet {
            limits,
            ..TemplateSet::default()
        }
    }

    /// The body of the template `name` (a `define`, or a file by its name).
    fn defined(&self, name: &str) -> Option<Arc<parse::List>> {
        self.defines
            .get(name)
            .or_else(|| self.files.get(name))
            .cloned()
    }

    /// Make a field of a nil value nil instead of Helm's "nil pointer evaluating interface
    /// {}.x" error: for a chart whose subcharts are missing (their `values.yaml` would have
    /// provided the values the parent's templates read), so that the rest still renders.
    pub fn tolerate_nil_fields(&mut self, tolerate: bool) {
        self.tolerate_nil_fields = tolerate;
    }

    /// True when a file of this name was added.
    pub fn contains(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    /// The limits renders are held to.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Parse one file (Helm's name for it, e.g. "mychart/templates/job.yaml" or
    /// "mychart/charts/sub/templates/_helpers.tpl"); its `define`s become visible to all.
    pub fn add(&mut self, name: &str, file: FileId, text: &str) -> Result<(), TemplateError> {
        let parsed = ParsedFile::parse(file, text)?;
        self.add_parsed(name, &parsed);
        Ok(())
    }

    /// Add a file parsed before (the same file in another rendering of its chart).
    pub fn add_parsed(&mut self, name: &str, parsed: &ParsedFile) {
        for (define, body) in &parsed.defines {
            self.defines.insert(define.clone(), body.clone());
        }
        self.files.insert(name.to_string(), parsed.root.clone());
    }

    /// Execute one template with `dot` as `.` (and `$`).
    pub fn render(&self, name: &str, dot: &Value) -> Result<Output, TemplateError> {
        let root = self.files.get(name).cloned().ok_or_else(|| {
            TemplateError::new(
                Span::default(),
                TemplateErrorKind::Exec,
                format!("no template named {name:?}"),
            )
        })?;
        let out = exec::Exec::new(self).run(&root, dot)?;
        Ok(pieces::without_no_value(out))
    }
}

/// What one render wrote, with where each byte came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    /// The rendered text (Helm's `<no value>` already removed).
    pub text: String,
    /// Sorted, contiguous, covering `text`.
    pub pieces: Vec<Piece>,
}

/// A run of output bytes written by one producer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Bytes of [`Output::text`].
    pub out: std::ops::Range<u32>,
    /// In the template being rendered: the literal text, or the action that wrote these bytes.
    pub top: Span,
    /// The innermost producer: literal text or an action, maybe in `_helpers.tpl`, or a values
    /// string rendered by `tpl`.
    pub at: Span,
    /// `at` is literal template text copied 1:1 (byte `i` of `out` is byte `at.start + i`).
    pub verbatim: bool,
    /// Where the printed value was written (a values.yaml node, a Chart.yaml field).
    pub value: Option<Span>,
}

/// What went wrong in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateErrorKind {
    /// The template text does not parse.
    Parse,
    /// Evaluation failed (a missing template, a bad argument, a nil pointer).
    Exec,
    /// `required` got an empty value.
    Required,
    /// `fail` was called.
    Fail,
    /// A function adminlint does not implement (its name).
    Unsupported(String),
    /// A budget of [`Limits`] ran out.
    Limit(Budget),
}

/// Which budget of [`Limits`] ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// [`Limits::max_output`].
    Output,
    /// [`Limits::max_depth`].
    Depth,
    /// [`Limits::max_steps`].
    Steps,
}

/// A parse or render error at a span of a template (or of a values string given to `tpl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The action (or text) at fault.
    pub at: Span,
    /// What kind of error.
    pub kind: TemplateErrorKind,
    /// What went wrong, for users.
    pub message: String,
}

impl TemplateError {
    /// An error of `kind` at `at`.
    pub fn new(at: Span, kind: TemplateErrorKind, message: impl Into<String>) -> Self {
        TemplateError {
            at,
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TemplateError {}

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod tests;
