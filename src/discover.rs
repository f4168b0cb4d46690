//! Which files to check: explicit files as given, directories walked honouring ignore files.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

/// One file to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Path on disk.
    pub path: PathBuf,
    /// Named on the command line (checked whatever its extension).
    pub explicit: bool,
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Files to read, sorted by path, without duplicates.
    pub files: Vec<Candidate>,
    /// Paths that could not be walked: (path, message).
    pub errors: Vec<(PathBuf, String)>,
    /// Notes for verbose output (skipped Helm templates).
    pub notes: Vec<String>,
}

/// True for `*.yaml` / `*.yml`.
pub fn is_yaml_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// True when `path` sits in a Helm chart's `templates/` directory (a `Chart.yaml` beside it).
pub fn is_helm_template(path: &Path) -> bool {
    path.ancestors().skip(1).any(|dir| {
        dir.file_name().is_some_and(|name| name == "templates")
            && dir
                .parent()
                .is_some_and(|chart| chart.join("Chart.yaml").is_file())
    })
}

/// Why a path that is neither a regular file nor a directory is not read.
pub fn not_regular(file_type: &std::fs::FileType) -> String {
    format!(
        "{}, not a regular file; it was not read (use `-` to check standard input)",
        special_kind(file_type)
    )
}

#[cfg(unix)]
fn special_kind(file_type: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// Expand the given paths into the files to check.
///
/// Paths named explicitly are followed through symlinks; inside directories symlinks are not
/// followed (so a symlink loop cannot trap the walk) and are mentioned in verbose notes.
/// Non-regular files (FIFOs, sockets, devices) are errors, never opened: reading a FIFO would
/// block the run.
pub fn discover(paths: &[PathBuf]) -> Discovered {
    let mut found = Discovered::default();
    for path in paths {
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                found.errors.push((path.clone(), error.to_string()));
                continue;
            }
        };
        if !metadata.is_dir() && !metadata.is_file() {
            found
                .errors
                .push((path.clone(), not_regular(&metadata.file_type())));
            continue;
        }
        if !metadata.is_dir() {
            found.files.push(Candidate {
                path: path.clone(),
                explicit: true,
            });
            continue;
        }
        let walker = WalkBuilder::new(path)
            .require_git(false)
            .follow_links(false)
            .sort_by_file_path(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                // An entry removed while the walk lists its directory is not there to check:
                // the walk sees the tree as it is (where the file system gives no entry types,
                // the walk itself looks at each entry and would otherwise fail here).
                Err(error)
                    if error
                        .io_error()
                        .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound) =>
                {
                    continue;
                }
                Err(error) => {
                    found.errors.push((path.clone(), error.to_string()));
                    continue;
                }
            };
            let Some(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() || !is_yaml_name(entry.path()) {
                continue;
            }
            if file_type.is_symlink() {
                found.notes.push(format!(
                    "skipped {}: a symlink (not followed inside directories; name it to check it)",
                    entry.path().display()
                ));
                continue;
            }
            if !file_type.is_file() {
                found
                    .errors
                    .push((entry.path().to_path_buf(), not_regular(&file_type)));
                continue;
            }
            if is_helm_template(entry.path()) {
                found.notes.push(format!(
                    "skipped {}: a Helm chart template (render the chart to check it)",
                    entry.path().display()
                ));
                continue;
            }
            found.files.push(Candidate {
                path: entry.into_path(),
                explicit: false,
            });
        }
    }
    found.files.sort_by(|a, b| a.path.cmp(&b.path));
    found.files.dedup_by(|a, b| {
        let same = a.path == b.path;
        if same {
            b.explicit |= a.explicit;
        }
        same
    });
    found
}

/// The working directory, asked of the system once: adminlint never changes it (nor does its
/// language server), and asking per file made `getcwd` most of a warm run's system calls.
/// None when it cannot be read (removed, or not permitted).
pub fn working_dir() -> Option<&'static Path> {
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    CWD.get_or_init(|| std::env::current_dir().ok()).as_deref()
}

/// `path` made absolute against the working directory, as [`std::path::absolute`] does.
pub fn absolute(path: &Path) -> std::io::Result<PathBuf> {
    match working_dir() {
        Some(cwd) if !path.is_absolute() => std::path::absolute(cwd.join(path)),
        _ => std::path::absolute(path),
    }
}

/// The path as shown to users: relative to the working directory when inside it, `/`-separated.
pub fn display_path(path: &Path) -> String {
    let relative = working_dir()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let text = relative.to_string_lossy().replace('\\', "/");
    let text = text.strip_prefix("./").unwrap_or(&text).to_string();
    if text.is_empty() {
        ".".to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_yaml_files_in_order_honouring_ignore_files_and_helm_charts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "b.yaml",
            "a.yml",
            "c.txt",
            "ignored/x.yaml",
            "chart/templates/job.yaml",
            "chart/values.yaml",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "a: 1\n").unwrap();
        }
        std::fs::write(root.join("chart/Chart.yaml"), "name: x\n").unwrap();
        std::fs::write(root.join(".ignore"), "ignored/\n").unwrap();
        let found = discover(&[root.to_path_buf(), root.join("c.txt")]);
        let names: Vec<_> = found
            .files
            .iter()
            .map(|c| {
                c.path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(
            names,
            [
                "a.yml",
                "b.yaml",
                "c.txt",
                "chart/Chart.yaml",
                "chart/values.yaml"
            ]
        );
        assert_eq!(found.notes.len(), 1);
        assert!(found.notes[0].contains("job.yaml"));
        let missing = discover(&[root.join("nope.yaml")]);
        assert_eq!(missing.errors.len(), 1);
    }
}
