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
    /// Notes for verbose output (symlinks not followed).
    pub notes: Vec<String>,
    /// Files the walk skipped that may hold manifests (in a hidden directory, or with a
    /// template's name: [`may_hold_manifests`]), when [`Walk::keep_skipped`] asks for them.
    pub skipped: Vec<Candidate>,
}

/// How directories are walked besides the defaults (`*.yaml` / `*.yml`, no hidden entries).
pub struct Walk<'a> {
    /// Files read although the walk would skip them (the configuration's `extra-files`).
    pub extra: &'a dyn Fn(&Path) -> bool,
    /// Look into hidden directories: for `extra` files, or to keep what is skipped there.
    pub hidden: bool,
    /// Keep the files skipped that may hold manifests in [`Discovered::skipped`].
    pub keep_skipped: bool,
    /// Only the directory itself, not its subdirectories (the neighbours of a named file that
    /// has no project root).
    pub shallow: bool,
}

impl Walk<'_> {
    /// The defaults: YAML files outside hidden directories, nothing kept.
    pub const DEFAULT: Walk<'static> = Walk {
        extra: &|_| false,
        hidden: false,
        keep_skipped: false,
        shallow: false,
    };
}

/// Directories never walked into, even when hidden directories are: version control and
/// adminlint's own cache.
pub(crate) const NEVER_WALKED: [&str; 4] = [".git", ".hg", ".svn", ".adminlint_cache"];

/// Extensions of templates that render to YAML (`job.yaml.j2`, `deploy.tpl`).
const TEMPLATE_EXTENSIONS: [&str; 9] = [
    "tmpl", "tpl", "j2", "jinja", "jinja2", "template", "gotmpl", "envsubst", "erb",
];

/// True when a file a walk skips may still hold Kubernetes or Compose documents worth saying
/// so: a YAML or JSON name (in a hidden directory), or a template's (`*.tpl`, `*.yaml.j2`).
pub fn may_hold_manifests(path: &Path) -> bool {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    is_yaml_name(path)
        || extension.eq_ignore_ascii_case("json")
        || TEMPLATE_EXTENSIONS
            .iter()
            .any(|t| extension.eq_ignore_ascii_case(t))
}

/// True when `path`, below the walked `root`, is hidden or inside a hidden directory.
fn is_hidden_below(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).is_ok_and(|relative| {
        relative.components().any(|c| {
            c.as_os_str()
                .to_str()
                .is_some_and(|n| n.starts_with('.') && n != "." && n != "..")
        })
    })
}

/// True for `*.yaml` / `*.yml`.
pub fn is_yaml_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// True when `path` sits in a Helm chart's `templates/` directory (a `Chart.yaml` beside it).
pub fn is_helm_template(path: &Path) -> bool {
    // Asked of every file: a path without the name anywhere needs no walk up its directories.
    let bytes = path.as_os_str().as_encoded_bytes();
    if memchr::memmem::find(bytes, b"templates").is_none() {
        return false;
    }
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

/// Expand the given paths into the files to check, walking directories the default way.
pub fn discover(paths: &[PathBuf]) -> Discovered {
    discover_with(paths, &Walk::DEFAULT)
}

/// Expand the given paths into the files to check.
///
/// Paths named explicitly are followed through symlinks; inside directories symlinks are not
/// followed (so a symlink loop cannot trap the walk) and are mentioned in verbose notes.
/// Non-regular files (FIFOs, sockets, devices) are errors, never opened: reading a FIFO would
/// block the run.
pub fn discover_with(paths: &[PathBuf], walk: &Walk<'_>) -> Discovered {
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
            .hidden(!walk.hidden)
            .max_depth(walk.shallow.then_some(1))
            .filter_entry(|entry| {
                !(entry.depth() > 0
                    && entry.file_type().is_some_and(|t| t.is_dir())
                    && NEVER_WALKED.iter().any(|n| entry.file_name() == *n))
            })
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
            if file_type.is_dir() {
                continue;
            }
            let skipped = !is_yaml_name(entry.path()) || is_hidden_below(path, entry.path());
            if skipped && !(walk.extra)(entry.path()) {
                if walk.keep_skipped && file_type.is_file() && may_hold_manifests(entry.path()) {
                    found.skipped.push(Candidate {
                        path: entry.into_path(),
                        explicit: false,
                    });
                }
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
            // Read with its chart, which the chart's Chart.yaml brings in (`manifest::helm`).
            if is_helm_template(entry.path()) {
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
        Some(cwd) if !path.is_absolute() => match plain_relative(path) {
            // Asked of every file of a run: a plain path joined to a normal working directory
            // is already what the component walk below would build.
            Some(plain) if cwd_is_normal(cwd) => Ok(cwd.join(plain)),
            _ => std::path::absolute(cwd.join(path)),
        },
        _ => std::path::absolute(path),
    }
}

/// `path` without its leading `./`s when what remains has nothing [`std::path::absolute`]
/// would rewrite: no empty or `.` part (a `..` is kept by it as written), no trailing `/`.
fn plain_relative(path: &Path) -> Option<&Path> {
    if !cfg!(unix) {
        return None;
    }
    let rest = path.to_str()?.trim_start_matches("./");
    let plain = !rest.is_empty() && rest.split('/').all(|part| !part.is_empty() && part != ".");
    plain.then(|| Path::new(rest))
}

/// Whether the working directory is already as [`std::path::absolute`] writes a path (what
/// `getcwd` returns always is), asked once.
fn cwd_is_normal(cwd: &Path) -> bool {
    static NORMAL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *NORMAL.get_or_init(|| {
        std::path::absolute(cwd).is_ok_and(|normal| {
            normal.as_os_str().as_encoded_bytes() == cwd.as_os_str().as_encoded_bytes()
        })
    })
}

/// A file's path made absolute ([`absolute`], or the path as it is when that fails), computed
/// once per file: several stages key files by it.
pub fn absolute_of(file: &crate::source::SourceFile) -> Option<&Path> {
    file.absolute_or(|path| absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// `.` and `..` resolved without touching the disk (a `..` with nothing left to take off is
/// kept).
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A file's absolute path ([`absolute_of`]) with `..` resolved ([`lexical`]): the key several
/// stages look files up by. Only a path with a `..`, or one that could not be made absolute, is
/// walked again.
pub fn normal_absolute_of(file: &crate::source::SourceFile) -> Option<PathBuf> {
    let path = absolute_of(file)?;
    Some(if has_parent_dir(path) || !path.is_absolute() {
        lexical(path)
    } else {
        path.to_path_buf()
    })
}

/// Whether `path` has a `..` component: an absolute path without one is already normal
/// (absolute paths have no `.` left), so its components need no second walk.
pub fn has_parent_dir(path: &Path) -> bool {
    path.as_os_str()
        .as_encoded_bytes()
        .split(|&b| b == b'/' || (cfg!(windows) && b == b'\\'))
        .any(|part| part == b"..")
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

    /// The shortcut for plain relative paths gives the bytes the component walk gives.
    #[test]
    fn absolute_agrees_with_the_standard_library_on_every_path_shape() {
        let cwd = working_dir().expect("a working directory");
        for path in [
            "a.yaml",
            "./a.yaml",
            "././a/b.yaml",
            "a/b/c.yaml",
            "a//b.yaml",
            "a/./b.yaml",
            "a/../b.yaml",
            "../a.yaml",
            "a/b/",
            ".",
            "./",
            "a/.",
            ".hidden/x.yml",
            "..",
        ] {
            let ours = absolute(Path::new(path)).unwrap();
            let standard = std::path::absolute(cwd.join(path)).unwrap();
            assert_eq!(
                ours.as_os_str().as_encoded_bytes(),
                standard.as_os_str().as_encoded_bytes(),
                "{path}"
            );
        }
    }

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
        // The chart's template is read with its chart, not on its own.
        assert!(found.notes.is_empty());
        let missing = discover(&[root.join("nope.yaml")]);
        assert_eq!(missing.errors.len(), 1);
    }

    #[test]
    fn hidden_and_template_files_are_kept_as_skipped_or_read_when_extra() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "app.yaml",
            ".hidden.yaml",
            ".deploy/job.yml",
            ".git/config.yaml",
            ".adminlint_cache/x.yaml",
            "t/job.yaml.j2",
            "t/notes.txt",
            "t/seed.tpl",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "a: 1\n").unwrap();
        }
        let names = |candidates: &[Candidate]| -> Vec<String> {
            candidates
                .iter()
                .map(|c| {
                    c.path
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/")
                })
                .collect()
        };
        let keep = Walk {
            extra: &|path: &Path| path.ends_with("seed.tpl"),
            hidden: true,
            keep_skipped: true,
            shallow: false,
        };
        let found = discover_with(&[root.to_path_buf()], &keep);
        assert_eq!(names(&found.files), ["app.yaml", "t/seed.tpl"]);
        // Version control and the cache are never walked into.
        assert_eq!(
            names(&found.skipped),
            [".deploy/job.yml", ".hidden.yaml", "t/job.yaml.j2"]
        );
        let default = discover(&[root.to_path_buf()]);
        assert_eq!(names(&default.files), ["app.yaml"]);
        assert!(default.skipped.is_empty());
        // A hidden directory named itself is walked like any other.
        let named = discover(&[root.join(".deploy")]);
        assert_eq!(named.files.len(), 1);
    }
}
