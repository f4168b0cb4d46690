//! Command-line definitions (clap); no work happens here.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

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
    /// Print the JSON Schema of `.adminlint.yaml` (for editor completion).
    Schema,
    /// Run the language server on stdin / stdout (for editors).
    Lsp,
    /// Print a shell completion script, e.g. `adminlint completions bash >
    /// ~/.local/share/bash-completion/completions/adminlint`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Show what adminlint sees, for reporting a problem or checking a layout.
    #[command(subcommand)]
    Debug(DebugCommand),
}

/// `adminlint debug` subcommands.
#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Print what adminlint renders for a kustomization: each workload of the rendering with
    /// its containers' image, command, args and the ConfigMaps and Secrets they read (the facts
    /// the rules compare, as `kubectl kustomize DIR` would give them). Notes about what was
    /// not rendered go to stderr. Exit 0, or 2 when DIR cannot be read.
    #[command(
        after_help = "Example: adminlint debug render overlays/prod --format json\n\nThe same \
                      facts are compared with `kubectl kustomize` by adminlint's own tests."
    )]
    Render {
        /// A directory holding a kustomization (or any manifests: their objects as written).
        dir: std::path::PathBuf,
        /// `text` for people, `json` for scripts.
        #[arg(long, value_enum, default_value_t = RenderFormatArg::Text)]
        format: RenderFormatArg,
    },
}

/// Output formats of `adminlint debug render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderFormatArg {
    /// One block per object.
    Text,
    /// `{"objects": [...]}`.
    Json,
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
    /// SARIF 2.1.0 for GitHub code scanning (upload-sarif) and other SARIF viewers.
    Sarif,
    /// GitHub Actions annotations (workflow commands) and a summary line.
    Github,
    /// GitLab Code Quality report (`artifacts:reports:codequality`).
    Gitlab,
    /// JUnit XML, one test case per finding (`artifacts:reports:junit`).
    Junit,
    /// Checkstyle XML (reviewdog, Jenkins).
    Checkstyle,
}

/// The lowest severity that fails a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailLevelArg {
    /// Only errors fail.
    Error,
    /// Warnings and errors fail.
    Warning,
    /// Every finding fails.
    Info,
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
    /// Output format; repeat it to write several reports in one run. Each `--format` goes to
    /// stdout, or to the file of the `-o` that follows it; at most one may use stdout. Default:
    /// `github` when GITHUB_ACTIONS=true, else `full`.
    #[arg(long, value_enum, action = ArgAction::Append, value_name = "FORMAT")]
    pub format: Vec<FormatArg>,
    /// Write the report of the `--format` just before to PATH (atomically: a temporary file
    /// beside it, then a rename), e.g. `--format full --format sarif -o adminlint.sarif`.
    #[arg(short = 'o', long, action = ArgAction::Append, value_name = "PATH")]
    pub output_file: Vec<PathBuf>,
    /// Run only these rules: rule ids, groups (`release`, `config`, `command`, `ordering`,
    /// `manifest`, `suppression`) or `all`, comma-separated or repeated. A rule named here runs even where
    /// .adminlint.yaml turns it off.
    #[arg(long, value_name = "RULES", action = ArgAction::Append)]
    pub select: Vec<String>,
    /// Run these rules too (ids or groups), on top of `--select` or the configuration.
    #[arg(long, value_name = "RULES", action = ArgAction::Append)]
    pub extend_select: Vec<String>,
    /// Do not run these rules (ids or groups); wins over `--select`.
    #[arg(long, value_name = "RULES", action = ArgAction::Append)]
    pub ignore: Vec<String>,
    /// Print how many findings each rule has instead of the findings (report files named with
    /// `-o` are still written).
    #[arg(long)]
    pub statistics: bool,
    /// Apply the safe fixes in place (files written atomically, only those that change), check
    /// again until nothing changes, and report what remains. With `-` and `--stdin-filename`,
    /// print the fixed text on stdout instead.
    #[arg(long, conflicts_with = "watch")]
    pub fix: bool,
    /// With `--fix` or `--diff`: apply the unsafe fixes too (a rewrite a person should read).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print a unified diff of what `--fix` would change and write nothing; exit 1 when there is
    /// something to fix.
    #[arg(long, conflicts_with = "watch")]
    pub diff: bool,
    /// Check again whenever a file the run read (or would read now) changes; stop with Ctrl-C.
    /// Polls twice a second.
    #[arg(long, conflicts_with = "stdin_filename")]
    pub watch: bool,
    /// Exit 0 even when there are findings (errors reading paths still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Lowest severity that makes the run exit 1 [default: `fail-level` in .adminlint.yaml,
    /// else warning].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_level: Option<FailLevelArg>,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Print findings only: no summary line.
    #[arg(short, long)]
    pub quiet: bool,
    /// Also print notes: Helm subcharts not rendered, ignored objects, what kustomize would not
    /// render or deploy (without it, only their count is printed).
    #[arg(short, long)]
    pub verbose: bool,
    /// The path to report stdin (`-`) under, e.g. the editor buffer's file name; the buffer
    /// stands in for that file in the project.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Only the named files: do not load the project around them to find release peers (nor
    /// read or write its fact cache).
    #[arg(long)]
    pub no_project: bool,
    /// The configuration file to use (default: `.adminlint.yaml` found upward).
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any `.adminlint.yaml`: built-in defaults only.
    #[arg(long)]
    pub no_config: bool,
    /// Disregard inline suppressions (comments, annotations, `x-adminlint` ignores).
    #[arg(long)]
    pub no_ignores: bool,
    /// Do not read or write the fact cache (`.adminlint_cache/` under the project root).
    #[arg(long)]
    pub no_cache: bool,
    /// Print the project as adminlint sees it (root, scopes, apps, roles, release peers) on
    /// stderr.
    #[arg(long)]
    pub explain_context: bool,
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
