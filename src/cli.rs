//! Command-line definitions (clap); no work happens here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Checks that one-off admin processes (migration Jobs, hooks, CronJobs, init containers) run
/// the same release, config and dependency wrapper as the app's long-running workloads.
#[derive(Debug, Parser)]
#[command(name = "adminlint", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check manifests (files, directories, or `-` for stdin).
    Check(CheckArgs),
    /// List the rules: id, default severity, summary.
    Rules,
    /// Print a rule's documentation.
    Rule {
        /// Rule id, e.g. `image-mismatch`.
        id: String,
    },
}

/// Output formats on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Reports with source snippets, for people.
    Full,
    /// One line per finding: `path:line:col: severity[rule] message`.
    Concise,
    /// Versioned JSON for scripts.
    Json,
}

/// When to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Arguments of `adminlint check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check; `-` reads one manifest from stdin. Default: `.`.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Full)]
    pub format: FormatArg,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Print findings only: no summary line.
    #[arg(short, long)]
    pub quiet: bool,
    /// Also print notes: skipped Helm templates, ignored objects.
    #[arg(short, long)]
    pub verbose: bool,
    /// The path to report stdin (`-`) under, e.g. the editor buffer's file name.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Largest file to read, in bytes; a larger file is an error (exit 2) and is not checked.
    #[arg(long, value_name = "BYTES", default_value_t = adminlint::DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// Deepest YAML nesting accepted (flow and block collections each); a deeper document is an
    /// error (exit 2) and is not checked.
    #[arg(long, value_name = "N", default_value_t = adminlint::yaml::DEFAULT_MAX_DEPTH)]
    pub max_depth: usize,
    /// Nodes that may be read through YAML aliases and merge keys per file (defeats alias
    /// bombs); a file that needs more is an error (exit 2) and is not checked.
    #[arg(long, value_name = "N", default_value_t = adminlint::yaml::DEFAULT_ALIAS_BUDGET)]
    pub alias_budget: usize,
}
