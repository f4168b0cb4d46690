//! The `adminlint` binary: parse arguments, run the library, map the result to an exit code.

mod cli;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use adminlint::diagnostic::Severity;
use adminlint::output::{self, EXIT_ERROR};
use adminlint::render::{self, Format, RenderOptions};
use adminlint::rules::{self, RULES};
use adminlint::{CheckOptions, ConfigChoice, check};
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use cli::{
    CheckArgs, Cli, ColorArg, Command, DebugCommand, FailLevelArg, FormatArg, RenderFormatArg,
};

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    let result = match cli.command {
        Command::Check(args) => match matches.subcommand_matches("check") {
            Some(check_matches) => run_check(args, check_matches),
            None => unreachable!("clap matched the check subcommand"),
        },
        Command::Rules => list_rules(),
        Command::Rule { id } => show_rule(&id),
        Command::Schema => io::stdout()
            .lock()
            .write_all(adminlint::config::json_schema().as_bytes())
            .map(|()| 0),
        Command::Lsp => adminlint::lsp::run(),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "adminlint", &mut io::stdout());
            Ok(0)
        }
        Command::Debug(DebugCommand::Render { dir, format }) => debug_render(&dir, format),
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

fn format_of(arg: FormatArg) -> Format {
    match arg {
        FormatArg::Full => Format::Full,
        FormatArg::Concise => Format::Concise,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Github => Format::Github,
        FormatArg::Gitlab => Format::Gitlab,
        FormatArg::Junit => Format::Junit,
        FormatArg::Checkstyle => Format::Checkstyle,
    }
}

/// The outputs asked for: each `-o` belongs to the `--format` before it (see `output::plan`).
fn planned_outputs(args: &CheckArgs, matches: &ArgMatches) -> Result<Vec<output::Output>, String> {
    let formats: Vec<(usize, Format)> = matches
        .indices_of("format")
        .into_iter()
        .flatten()
        .zip(args.format.iter().map(|&f| format_of(f)))
        .collect();
    let files: Vec<(usize, std::path::PathBuf)> = matches
        .indices_of("output_file")
        .into_iter()
        .flatten()
        .zip(args.output_file.iter().cloned())
        .collect();
    // In a GitHub Actions step, annotations are what people see.
    let default = if std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
        Format::Github
    } else {
        Format::Full
    };
    output::plan(&formats, &files, default)
}

fn run_check(args: CheckArgs, matches: &ArgMatches) -> io::Result<u8> {
    let outputs = match planned_outputs(&args, matches) {
        Ok(outputs) => outputs,
        Err(message) => {
            eprintln!("adminlint: error: {message}");
            return Ok(EXIT_ERROR);
        }
    };
    let selection = match adminlint::selection::Selection::parse(
        &args.select,
        &args.extend_select,
        &args.ignore,
    ) {
        Ok(selection) => selection,
        Err(error) => {
            eprintln!("adminlint: error: {error}");
            return Ok(EXIT_ERROR);
        }
    };
    let mut options = CheckOptions {
        selection,
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
    for path in &args.paths {
        if path.as_os_str() == "-" {
            let name = args
                .stdin_filename
                .as_deref()
                .map_or_else(|| "<stdin>".to_string(), adminlint::discover::display_path);
            let bytes = adminlint::read::read_stdin_capped(args.max_file_size)?;
            options.stdin = Some((name, bytes));
        } else {
            options.paths.push(path.clone());
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
    if args.unsafe_fixes && !(args.fix || args.diff) {
        eprintln!("adminlint: error: `--unsafe-fixes` needs `--fix` or `--diff`");
        return Ok(EXIT_ERROR);
    }
    if args.fix || args.diff {
        return fix(&args, &outputs, &options);
    }
    if args.watch {
        if options.stdin.is_some() {
            eprintln!("adminlint: error: `--watch` cannot watch stdin (`-`)");
            return Ok(EXIT_ERROR);
        }
        return watch(&args, &outputs, &options);
    }
    // Named files with the project as context: the warm run reads only their group.
    let report = adminlint::engine::check_named_files(&options);
    let code = report_run(&args, &outputs, &report);
    adminlint::timings::lap("render");
    // The process ends here: freeing every file's text and the findings one by one (several
    // ms on a large project) would only delay the exit that returns the memory anyway.
    std::mem::forget(report);
    code
}

/// `check --fix` / `--diff`: apply fixes until nothing changes, then write them and report what
/// remains, or print the diff.
fn fix(args: &CheckArgs, outputs: &[output::Output], options: &CheckOptions) -> io::Result<u8> {
    let allowed = if args.unsafe_fixes {
        adminlint::fix::Allowed::SafeAndUnsafe
    } else {
        adminlint::fix::Allowed::Safe
    };
    let fixed = adminlint::autofix::run(options, allowed);
    let mut stdout = io::stdout().lock();
    if fixed.unsettled {
        eprintln!(
            "adminlint: warning: fixes still changed files after {} rounds; stopped there",
            adminlint::autofix::MAX_ROUNDS
        );
    }
    if args.diff {
        for change in &fixed.changes {
            stdout.write_all(adminlint::autofix::unified_diff(change).as_bytes())?;
        }
        stdout.flush()?;
        let files = fixed.changes.len();
        eprintln!(
            "adminlint: {} would change {files} {}",
            count(fixed.applied, "fix", "fixes"),
            if files == 1 { "file" } else { "files" }
        );
        return Ok(if fixed.changes.is_empty() { 0 } else { 1 });
    }
    // `-` with --fix: the fixed text goes to stdout (an editor's or a formatter's pipe), the
    // findings that remain to stderr as one line.
    // stdin is checked as itself, or (with `--stdin-filename` and paths) as a buffer standing
    // in for that file; other files are not written in this mode.
    if args.paths.iter().any(|path| path.as_os_str() == "-") {
        let stand_in = args
            .stdin_filename
            .as_deref()
            .and_then(|name| std::path::absolute(name).ok());
        let is_stdin = |path: &Option<std::path::PathBuf>| match path {
            None => true,
            Some(path) => stand_in.as_ref() == Some(path),
        };
        let original = match (&options.stdin, &stand_in) {
            (Some((_, bytes)), _) => bytes.clone(),
            (None, Some(path)) => options
                .buffers
                .get(path)
                .map(|text| text.clone().into_bytes())
                .unwrap_or_default(),
            (None, None) => Vec::new(),
        };
        let text = fixed
            .changes
            .iter()
            .find(|change| is_stdin(&change.path))
            .map_or(original, |change| change.after.clone().into_bytes());
        stdout.write_all(&text)?;
        stdout.flush()?;
        eprintln!("adminlint: {}", fix_summary(&fixed));
        return Ok(exit_code(args, &fixed.report));
    }
    drop(stdout);
    let not_written = adminlint::autofix::write(&fixed.changes, args.max_file_size);
    for file in &not_written {
        eprintln!(
            "adminlint: error: {} was not written: {}",
            file.display, file.reason
        );
    }
    let code = report_run(args, outputs, &fixed.report)?;
    if !args.quiet {
        eprintln!("adminlint: {}", fix_summary(&fixed));
    }
    Ok(if not_written.is_empty() {
        code
    } else {
        EXIT_ERROR
    })
}

/// `fixed 3 findings in 2 files; 4 remain`.
fn fix_summary(fixed: &adminlint::autofix::Fixed) -> String {
    let (errors, warnings, _) = fixed.report.severity_counts();
    let files = fixed.changes.len();
    format!(
        "fixed {} in {files} {}; {} remain",
        count(fixed.applied, "finding", "findings"),
        if files == 1 { "file" } else { "files" },
        errors + warnings
    )
}

/// `1 fix`, `2 fixes`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `check --watch`: check, report, then wait for a change to what the run read, and again,
/// until interrupted.
fn watch(args: &CheckArgs, outputs: &[output::Output], options: &CheckOptions) -> io::Result<u8> {
    let poll = std::time::Duration::from_millis(500);
    loop {
        let report = check(options);
        let stamp = adminlint::watch::stamp(options, &report);
        report_run(args, outputs, &report)?;
        eprintln!("adminlint: watching for changes (Ctrl-C to stop)");
        while adminlint::watch::stamp(options, &report) == stamp {
            std::thread::sleep(poll);
        }
        eprintln!("adminlint: a file changed; checking again");
    }
}

/// Write one run's report (stderr notes, report files, stdout) and return its exit code.
fn report_run(
    args: &CheckArgs,
    outputs: &[output::Output],
    report: &adminlint::report::Report,
) -> io::Result<u8> {
    let stdout = io::stdout();
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    // Colour only where it is read: `auto` colours a terminal stdout, never a file.
    let render_options = |to_terminal: bool| RenderOptions {
        color: match args.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
        },
        width,
        quiet: args.quiet,
    };
    let mut stderr = io::stderr().lock();
    if args.verbose {
        for note in &report.notes {
            writeln!(stderr, "note: {note}")?;
        }
    } else if !args.quiet && !report.notes.is_empty() {
        // Something was skipped or not rendered: say that much, so the gap is never silent.
        let count = report.notes.len();
        let noun = if count == 1 { "note" } else { "notes" };
        writeln!(
            stderr,
            "adminlint: {count} {noun} on what was skipped or not rendered (`-v` shows them)"
        )?;
    }
    for gap in &report.gaps {
        writeln!(stderr, "adminlint: note: {gap}")?;
    }
    if let Some(explanation) = &report.explanation {
        write!(stderr, "{explanation}")?;
    }
    for error in &report.errors {
        writeln!(stderr, "adminlint: error: {error}")?;
    }
    // Files first, so a closed stdout (`| head`) does not cost the CI its report files.
    let mut failed_write = false;
    for output in outputs {
        let Some(path) = &output.path else { continue };
        let mut bytes = Vec::new();
        render::render(output.format, report, &render_options(false), &mut bytes)?;
        if let Err(error) = output::write_atomically(path, &bytes) {
            writeln!(
                stderr,
                "adminlint: error: cannot write {}: {error}",
                path.display()
            )?;
            failed_write = true;
        }
    }
    if let Some(output) = outputs.iter().find(|o| o.path.is_none()) {
        let mut out = io::BufWriter::new(stdout.lock());
        let written = if args.statistics {
            render::statistics::render(report, args.quiet, &mut out)
        } else {
            render::render(
                output.format,
                report,
                &render_options(stdout.is_terminal()),
                &mut out,
            )
        }
        .and_then(|()| out.flush());
        match written {
            // The reader stopped reading (`| head`): the exit code still says what was found,
            // or `set -o pipefail` would pass a run with findings.
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {}
            written => written?,
        }
    }
    if failed_write {
        return Ok(EXIT_ERROR);
    }
    Ok(exit_code(args, report))
}

/// The run's exit code from its findings: the command line's `--fail-level` wins over
/// `fail-level` in .adminlint.yaml, which wins over `warning`.
fn exit_code(args: &CheckArgs, report: &adminlint::report::Report) -> u8 {
    let fail_level = match args.fail_level {
        Some(FailLevelArg::Error) => Severity::Error,
        Some(FailLevelArg::Warning) => Severity::Warning,
        Some(FailLevelArg::Info) => Severity::Info,
        None => report
            .fail_level
            .map_or(Severity::Warning, |level| level.severity()),
    };
    output::exit_code(report, fail_level, args.exit_zero)
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

/// `adminlint debug render DIR`: the rendering on stdout, notes and errors on stderr.
fn debug_render(dir: &std::path::Path, format: RenderFormatArg) -> io::Result<u8> {
    if let Err(error) = std::fs::read_dir(dir) {
        eprintln!("adminlint: error: {}: {error}", dir.display());
        return Ok(EXIT_ERROR);
    }
    let rendering = adminlint::render_kustomization(dir);
    for note in &rendering.notes {
        eprintln!("note: {note}");
    }
    for error in &rendering.errors {
        eprintln!("adminlint: error: {error}");
    }
    let text = match format {
        RenderFormatArg::Text => rendering.to_text(),
        RenderFormatArg::Json => rendering.to_json(),
    };
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(if rendering.errors.is_empty() {
        0
    } else {
        EXIT_ERROR
    })
}
