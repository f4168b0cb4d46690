//! Container commands: one shell lexer, simple commands with their places, dependency
//! wrappers and installers, admin intent, versioned paths.

mod argv;
mod intent;
pub mod lexer;
mod paths;
mod tools;
mod words;

pub use argv::{Script, ScriptCommand, cd_targets, parse_argv, parse_script, script_commands};
pub use intent::{
    Intent, bare_task_runner, image_migration_word, intent, mentions_migrations, migration_word,
    service_admin_word,
};
pub use lexer::{Word, split_words};
pub use paths::versioned_path;
pub use tools::{Install, Wrapper, installs_in, wrapper_of};
pub use words::{Reading, is_plumbing};

use crate::span::Span;

/// One simple command: words after shell parsing, e.g. `["bundle","exec","rails","db:migrate"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// The words, quotes removed; `$VAR`, `${…}`, `$(…)` and backticks kept as literal text.
    pub words: Vec<String>,
    /// Index into the argv (command ++ args list given to [`parse_argv`]) of the element this
    /// command's first word came from (so callers can map back to a YAML span). For a shell
    /// script it is the index of the script element.
    pub arg_index: usize,
    /// The operator that joined this command to the previous one (None for the first).
    pub joined_by: Option<Operator>,
    /// For a command from a shell script: the byte range of the script it spans, first kept
    /// word to last word, so findings can point at it.
    pub bytes: Option<std::ops::Range<usize>>,
}

/// A shell control operator between two simple commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;`, `;;`, a newline, or a subshell / group boundary.
    Seq,
    /// `|` or `|&`
    Pipe,
    /// `&`
    Background,
}

/// A whole command line split into simple commands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    /// The simple commands in source order.
    pub commands: Vec<SimpleCommand>,
    /// True when the argv was a shell with `-c` and its script was parsed.
    pub via_shell: bool,
}

/// A container's command line, parsed once, with where each simple command was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedCommand {
    /// The simple commands.
    pub line: CommandLine,
    /// Per simple command (same order), its place in the file: the exact part of a `sh -c`
    /// script when it can be found, else the whole argv element.
    pub spans: Vec<Span>,
}

const SHELLS: &str = "sh bash ash dash zsh ksh";
/// Nested `sh -c` scripts are followed this deep at most.
const MAX_NESTING: usize = 4;

/// Whether `word` is one of the space-separated words of `list`.
fn listed(list: &str, word: &str) -> bool {
    list.split_ascii_whitespace().any(|w| w == word)
}

fn basename(word: &str) -> &str {
    let trimmed = word.trim_end_matches('/');
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// A shell variable name.
fn is_name(text: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.starts_with(|c: char| !c.is_ascii_digit()) && text.chars().all(ok)
}

/// Index of the first non-option word from `i`; `takes_value` options skip their value, `--` ends.
fn skip_options(words: &[String], mut i: usize, takes_value: &str) -> usize {
    while let Some(word) = words.get(i).filter(|w| w.starts_with('-') && w.len() > 1) {
        i += 1;
        if word == "--" {
            break;
        }
        if listed(takes_value, word) && words.get(i).is_some_and(|v| !v.starts_with('-')) {
            i += 1;
        }
    }
    i
}

#[cfg(test)]
mod tests;
