//! Where reports go and what a run exits with: `--format` / `-o` pairs, atomic file writes,
//! and the exit code from `--fail-level` and `--exit-zero`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::diagnostic::Severity;
use crate::render::Format;
use crate::report::Report;

/// Exit code: no finding at or above the fail level (or `--exit-zero`).
pub const EXIT_OK: u8 = 0;
/// Exit code: findings at or above the fail level.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage, configuration or I/O error.
pub const EXIT_ERROR: u8 = 2;

/// One report to write: a format and where it goes (None: stdout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The format.
    pub format: Format,
    /// The file to write, or None for stdout.
    pub path: Option<PathBuf>,
}

/// Pair each `-o PATH` with the `--format` before it on the command line.
///
/// `formats` and `files` carry their positions among the arguments. Each `--format` starts an
/// output; an `-o` after it (before the next `--format`) sends that output to a file, and `-o
/// -` to stdout. Without any `--format`, `default` goes to stdout. It is an error (a usage
/// error, exit 2) to give `-o` before any `--format`, two `-o` for one `--format`, two outputs
/// for stdout, or one file twice.
pub fn plan(
    formats: &[(usize, Format)],
    files: &[(usize, PathBuf)],
    default: Format,
) -> Result<Vec<Output>, String> {
    let mut formats = formats.to_vec();
    formats.sort_by_key(|&(index, _)| index);
    let mut files = files.to_vec();
    files.sort_by_key(|(index, _)| *index);
    if formats.is_empty() {
        if let Some((_, path)) = files.first() {
            return Err(format!(
                "`-o {}` needs a `--format` before it: write `--format FORMAT -o {}`",
                path.display(),
                path.display()
            ));
        }
        return Ok(vec![Output {
            format: default,
            path: None,
        }]);
    }
    let mut outputs: Vec<Output> = Vec::new();
    let mut has_file = vec![false; formats.len()];
    for (index, path) in files {
        let Some(owner) = formats.iter().rposition(|&(at, _)| at < index) else {
            return Err(format!(
                "`-o {}` comes before any `--format`: write `--format FORMAT -o {}`",
                path.display(),
                path.display()
            ));
        };
        if has_file[owner] {
            return Err(format!(
                "`--format {}` has two `-o` files; give each file its own `--format`",
                formats[owner].1.name()
            ));
        }
        has_file[owner] = true;
        outputs.push(Output {
            format: formats[owner].1,
            path: (path.as_os_str() != "-").then_some(path),
        });
    }
    // Formats without a file go to stdout, in command-line order with the others.
    let mut ordered = Vec::new();
    let mut with_file = outputs.into_iter();
    for (owner, &(_, format)) in formats.iter().enumerate() {
        if has_file[owner] {
            ordered.extend(with_file.next());
        } else {
            ordered.push(Output { format, path: None });
        }
    }
    let to_stdout: Vec<&Output> = ordered.iter().filter(|o| o.path.is_none()).collect();
    if to_stdout.len() > 1 {
        let names: Vec<&str> = to_stdout.iter().map(|o| o.format.name()).collect();
        return Err(format!(
            "{} would all write to stdout; send all but one to a file with `-o PATH` after its `--format`",
            names.join(", ")
        ));
    }
    for (index, output) in ordered.iter().enumerate() {
        if let Some(path) = &output.path
            && ordered[..index]
                .iter()
                .any(|o| o.path.as_ref() == Some(path))
        {
            return Err(format!(
                "`-o {}` is given twice; each output needs its own file",
                path.display()
            ));
        }
    }
    Ok(ordered)
}

/// The exit code of a run: 2 when a path could not be checked; otherwise 1 when a finding is
/// at or above `fail_level` (unless `exit_zero`), else 0.
pub fn exit_code(report: &Report, fail_level: Severity, exit_zero: bool) -> u8 {
    if !report.errors.is_empty() {
        EXIT_ERROR
    } else if !exit_zero && report.diagnostics.iter().any(|d| d.severity >= fail_level) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Replace `path` with `bytes` atomically: write a temporary file beside it, flush it to disk,
/// then rename it over `path`, so readers see the old file or the new one, never a part.
/// Missing parent directories are created.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a file name", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let mut attempt = 0;
    loop {
        let temp = dir.join(format!(
            ".{}.{}-{attempt}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let mut file = match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
                continue;
            }
            Err(error) => return Err(error),
        };
        // A file written over keeps its permissions (an executable script stays executable).
        if let Ok(existing) = fs::metadata(path) {
            let _ = file.set_permissions(existing.permissions());
        }
        let written = file
            .write_all(bytes)
            .and_then(|()| file.sync_all())
            .and_then(|()| {
                drop(file);
                fs::rename(&temp, path)
            });
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        return written;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;
    use crate::report::RunError;
    use crate::span::Span;

    fn out(format: Format, path: Option<&str>) -> Output {
        Output {
            format,
            path: path.map(PathBuf::from),
        }
    }

    #[test]
    fn each_file_belongs_to_the_format_before_it() {
        // --format sarif -o a.sarif --format full --format junit -o b.xml
        let plan_of = |files: &[(usize, PathBuf)]| {
            plan(
                &[(1, Format::Sarif), (4, Format::Full), (5, Format::Junit)],
                files,
                Format::Full,
            )
        };
        assert_eq!(
            plan_of(&[(2, "a.sarif".into()), (6, "b.xml".into())]).unwrap(),
            vec![
                out(Format::Sarif, Some("a.sarif")),
                out(Format::Full, None),
                out(Format::Junit, Some("b.xml")),
            ]
        );
        // `-o -` is stdout, like no `-o`; only one output may use it.
        let both = plan_of(&[(2, "a.sarif".into()), (6, "-".into())]).unwrap_err();
        assert!(
            both.starts_with("full, junit would all write to stdout"),
            "{both}"
        );
        assert_eq!(
            plan(&[(1, Format::Json)], &[(2, "-".into())], Format::Full).unwrap(),
            vec![out(Format::Json, None)]
        );
    }

    #[test]
    fn defaults_and_usage_errors() {
        assert_eq!(
            plan(&[], &[], Format::Github).unwrap(),
            vec![out(Format::Github, None)]
        );
        let no_format = plan(&[], &[(1, "x.json".into())], Format::Full).unwrap_err();
        assert!(no_format.contains("needs a `--format`"), "{no_format}");
        let before = plan(&[(3, Format::Json)], &[(1, "x.json".into())], Format::Full);
        assert!(before.unwrap_err().contains("before any `--format`"));
        let two_files = plan(
            &[(1, Format::Json)],
            &[(2, "a".into()), (3, "b".into())],
            Format::Full,
        );
        assert!(two_files.unwrap_err().contains("two `-o` files"));
        let two_stdout = plan(&[(1, Format::Json), (2, Format::Full)], &[], Format::Full);
        assert!(
            two_stdout
                .unwrap_err()
                .starts_with("json, full would all write to stdout")
        );
        let same_file = plan(
            &[(1, Format::Json), (3, Format::Sarif)],
            &[(2, "r".into()), (4, "r".into())],
            Format::Full,
        );
        assert!(same_file.unwrap_err().contains("given twice"));
    }

    #[test]
    fn exit_codes_follow_the_fail_level() {
        let mut report = Report::default();
        assert_eq!(exit_code(&report, Severity::Warning, false), EXIT_OK);
        report.diagnostics.push(Diagnostic::new(
            "image-unpinned",
            Severity::Warning,
            "m".into(),
            Span::default(),
        ));
        assert_eq!(exit_code(&report, Severity::Warning, false), EXIT_FINDINGS);
        assert_eq!(exit_code(&report, Severity::Info, false), EXIT_FINDINGS);
        assert_eq!(exit_code(&report, Severity::Error, false), EXIT_OK);
        assert_eq!(exit_code(&report, Severity::Warning, true), EXIT_OK);
        report.errors.push(RunError::new("x".into(), "gone".into()));
        assert_eq!(exit_code(&report, Severity::Warning, true), EXIT_ERROR);
    }

    #[test]
    fn atomic_writes_replace_the_file_and_leave_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reports/out.sarif");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.sarif"]);
        // A directory in the way is an error, and the temporary file is removed.
        let blocked = dir.path().join("blocked");
        fs::create_dir_all(blocked.join("inner")).unwrap();
        assert!(write_atomically(&blocked, b"x").is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
