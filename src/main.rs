//! The `adminlint` binary: parse arguments, run the library, map the result to an exit code.

mod cli;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use adminlint::diagnostic::Severity;
use adminlint::render::{self, Format, RenderOptions};
use adminlint::rules::{self, RULES};
use adminlint::{CheckOptions, ConfigChoice, check};
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
        Command::Schema => io::stdout()
            .lock()
            .write_all(adminlint::config::json_schema().as_bytes())
            .map(|()| 0),
        Command::Lsp => adminlint::lsp::run(),
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
        project_context: !args.no_project,
        config: match (&args.config, args.no_config) {
            (Some(path), _) => ConfigChoice::File(path.clone()),
            (None, true) => ConfigChoice::Defaults,
            (None, false) => ConfigChoice::Discover,
        },
        no_ignores: args.no_ignores,
        explain: args.explain_context,
        cache: !args.no_cache,
        stdin_path: args.stdin_filename.clone(),
        ..CheckOptions::default()
    };
    for path in args.paths {
        if path.as_os_str() == "-" {
            let name = args
                .stdin_filename
                .as_deref()
                .map_or_else(|| "<stdin>".to_string(), adminlint::discover::display_path);
            options.stdin = Some((name, adminlint::read_stdin()?));
        } else {
            options.paths.push(path);
        }
    }
    // `--stdin-filename F - DIR`: the buffer stands in for F among DIR's files (an editor
    // checking an unsaved buffer in its project), instead of being checked beside F's old text.
    if let Some(name) = args.stdin_filename.as_deref()
        && !options.paths.is_empty()
        && let Some((_, bytes)) = options
            .stdin
            .take_if(|(_, bytes)| std::str::from_utf8(bytes).is_ok())
    {
        options.paths = options
            .paths
            .iter()
            .map(std::path::absolute)
            .collect::<io::Result<_>>()?;
        let text = String::from_utf8(bytes).expect("checked above");
        options.buffers.insert(std::path::absolute(name)?, text);
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
    if let Some(explanation) = &report.explanation {
        write!(stderr, "{explanation}")?;
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
    let fail_level = report
        .fail_level
        .map_or(Severity::Warning, |level| level.severity());
    let failing = report.diagnostics.iter().any(|d| d.severity >= fail_level);
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
