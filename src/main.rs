//! The `adminlint` binary: parse arguments, run the library, map the result to an exit code.

mod cli;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use adminlint::diagnostic::Severity;
use adminlint::render::{self, Format, RenderOptions};
use adminlint::rules::{self, RULES};
use adminlint::{CheckOptions, check};
use clap::Parser;
use cli::{CheckArgs, Cli, ColorArg, Command, FormatArg};

/// Exit codes: findings at or above the fail level.
const EXIT_FINDINGS: u8 = 1;
/// Exit codes: usage, configuration or I/O error.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => run_check(args),
        Command::Rules => list_rules(),
        Command::Rule { id } => show_rule(&id),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("adminlint: error: {error}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run_check(args: CheckArgs) -> io::Result<u8> {
    let mut options = CheckOptions {
        max_file_size: args.max_file_size,
        limits: adminlint::yaml::Limits {
            max_depth: args.max_depth,
            alias_budget: args.alias_budget,
        },
        ..CheckOptions::default()
    };
    for path in args.paths {
        if path.as_os_str() == "-" {
            let name = args
                .stdin_filename
                .as_deref()
                .map_or_else(|| "<stdin>".to_string(), adminlint::discover::display_path);
            let bytes = adminlint::read_stdin_capped(args.max_file_size)?;
            options.stdin = Some((name, bytes));
        } else {
            options.paths.push(path);
        }
    }
    let report = check(&options);
    let format = match args.format {
        FormatArg::Full => Format::Full,
        FormatArg::Concise => Format::Concise,
        FormatArg::Json => Format::Json,
    };
    let stdout = io::stdout();
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    let render_options = RenderOptions {
        color,
        width,
        quiet: args.quiet,
    };
    let mut stderr = io::stderr().lock();
    if args.verbose {
        for note in &report.notes {
            writeln!(stderr, "note: {note}")?;
        }
    }
    for error in &report.errors {
        writeln!(stderr, "adminlint: error: {error}")?;
    }
    let mut out = io::BufWriter::new(stdout.lock());
    render::render(format, &report, &render_options, &mut out)?;
    out.flush()?;
    if !report.errors.is_empty() {
        return Ok(EXIT_ERROR);
    }
    let failing = report
        .diagnostics
        .iter()
        .any(|d| d.severity >= Severity::Warning);
    Ok(if failing { EXIT_FINDINGS } else { 0 })
}

fn list_rules() -> io::Result<u8> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let width = RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for rule in RULES {
        writeln!(
            out,
            "{:width$}  {:7}  {}",
            rule.id,
            rule.severity.as_str(),
            rule.summary
        )?;
    }
    out.flush()?;
    Ok(0)
}

fn show_rule(id: &str) -> io::Result<u8> {
    let Some(rule) = rules::find(id) else {
        eprintln!("adminlint: error: no rule `{id}`; `adminlint rules` lists them");
        return Ok(EXIT_ERROR);
    };
    let mut out = io::stdout().lock();
    out.write_all(rule.doc.as_bytes())?;
    out.flush()?;
    Ok(0)
}
