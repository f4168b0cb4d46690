//! The read stage: the one place file contents are read (inputs, editor buffers, stdin, the
//! configuration, and the files a Compose project refers to), held to the size cap, with typed errors.
//!
//! Only regular files are opened: a FIFO would block the run, `/dev/zero` would never end.

use std::io::Read;
use std::path::Path;

/// Why a file's text could not be had.
#[derive(Debug)]
pub enum ReadError {
    /// The file is over `--max-file-size`.
    TooLarge {
        /// Its size in bytes (as far as it was read).
        size: u64,
        /// The cap.
        max: u64,
    },
    /// Stdin or an editor buffer is over `--max-file-size` (stdin's real size is unknown: it
    /// is read one byte past the cap).
    InputTooLarge {
        /// The cap.
        max: u64,
    },
    /// Not a regular file: what it is instead ("a directory", "a FIFO", …).
    NotRegular(String),
    /// It does not exist (for an input: it was removed after discovery saw it).
    NotFound(std::io::Error),
    /// Not UTF-8: the offset of the first invalid byte.
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// Any other I/O error.
    Io(std::io::Error),
}

impl From<std::io::Error> for ReadError {
    fn from(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::NotFound {
            ReadError::NotFound(error)
        } else {
            ReadError::Io(error)
        }
    }
}

/// As said of an input the run was asked to check (or found while walking).
impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge { size, max } => write!(
                f,
                "file is {size} bytes, larger than the limit of {max} bytes (--max-file-size); it \
                 was not checked (raise the limit with --max-file-size BYTES)"
            ),
            ReadError::InputTooLarge { max } => write!(
                f,
                "input is larger than the limit of {max} bytes (--max-file-size); it was not \
                 checked (raise the limit with --max-file-size BYTES)"
            ),
            ReadError::NotRegular(what) => f.write_str(what),
            // Every input was seen by discovery (or named and checked there), so one that is
            // not found now was removed while the run was under way.
            ReadError::NotFound(error) => write!(
                f,
                "it was removed while adminlint was running ({error}); it was not checked"
            ),
            ReadError::NotUtf8 { offset } => write!(
                f,
                "not UTF-8 text (invalid byte at offset {offset}); is it a binary file?"
            ),
            ReadError::Io(error) => write!(f, "{error}"),
        }
    }
}

impl ReadError {
    /// As said of a file another file refers to (`extends: file:`, `include:`), completing
    /// "cannot be read: …".
    pub fn as_reference(&self) -> String {
        match self {
            ReadError::TooLarge { max, .. } | ReadError::InputTooLarge { max } => {
                format!("it is larger than the limit of {max} bytes")
            }
            ReadError::NotRegular(_) => "it is not a file".into(),
            ReadError::NotFound(_) => "it does not exist".into(),
            ReadError::NotUtf8 { .. } => "it is not UTF-8 text".into(),
            ReadError::Io(error) => error.to_string(),
        }
    }
}

/// Bytes given in memory (stdin, an editor buffer), held to the same cap as files.
pub fn within_size(bytes: Vec<u8>, max: u64) -> Result<Vec<u8>, ReadError> {
    if bytes.len() as u64 > max {
        return Err(ReadError::InputTooLarge { max });
    }
    Ok(bytes)
}

/// Read a regular file unless it is larger than the cap; anything else is refused without
/// opening it.
pub fn read_capped(path: &Path, max: u64) -> Result<(Vec<u8>, std::fs::Metadata), ReadError> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(crate::discover::not_regular(
            &metadata.file_type(),
        )));
    }
    if metadata.len() > max {
        return Err(ReadError::TooLarge {
            size: metadata.len(),
            max,
        });
    }
    let file = std::fs::File::open(path)?;
    // The file may grow after the size check: never read more than the cap (plus one byte, to
    // tell that it is over).
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            max,
        });
    }
    Ok((bytes, metadata))
}

/// The first `limit` bytes of a regular file (fewer when it is shorter): enough to tell what a
/// file holds without reading it whole. Anything but a regular file is refused unopened.
pub fn read_prefix(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(crate::discover::not_regular(
            &metadata.file_type(),
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Bytes as UTF-8 text.
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadError> {
    String::from_utf8(bytes).map_err(|error| ReadError::NotUtf8 {
        offset: error.utf8_error().valid_up_to(),
    })
}

/// The text of a regular file within the cap.
pub fn read_text(path: &Path, max: u64) -> Result<String, ReadError> {
    read_capped(path, max).and_then(|(bytes, _)| decode(bytes))
}

/// A file's size and modification time, None when it cannot be read (removed, unreadable): what
/// `check --watch` compares between polls.
pub fn file_stamp(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.len(), metadata.modified().ok()?))
}

/// Read standard input, but at most `max + 1` bytes: enough for [`crate::check`] to report input over
/// `max` (`--max-file-size`) without holding all of it.
pub fn read_stdin_capped(max: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Most files listed under one directory ([`list_files`]): a chart holds tens to hundreds.
pub const MAX_LISTED: usize = 10_000;

/// Every regular file under `dir`, recursively, sorted by path: symlinks are not followed (a
/// loop cannot trap the listing), version control directories and adminlint's cache are
/// skipped, and at most [`MAX_LISTED`] files are listed. A Helm chart's files are listed this
/// way.
pub fn list_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            // Never version control or adminlint's own cache: a chart at the project root
            // would list the cache's temporary files in `.Files` while they are written.
            let never = crate::discover::NEVER_WALKED
                .iter()
                .any(|name| entry.file_name() == *name);
            if file_type.is_dir() && !never {
                pending.push(entry.path());
            } else if file_type.is_file() && files.len() < MAX_LISTED {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_a_directory_skips_version_control_and_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        for sub in [".git", ".adminlint_cache", "templates"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
            std::fs::write(dir.path().join(sub).join("x.yaml"), "a: 1\n").unwrap();
        }
        std::fs::write(dir.path().join("Chart.yaml"), "name: c\n").unwrap();
        let listed = list_files(dir.path());
        assert_eq!(
            listed,
            [
                dir.path().join("Chart.yaml"),
                dir.path().join("templates").join("x.yaml")
            ]
        );
    }

    #[test]
    fn errors_say_what_happened_for_inputs_and_for_references() {
        let dir = tempfile::tempdir().unwrap();
        let missing = read_text(&dir.path().join("gone.yaml"), 10).unwrap_err();
        assert!(matches!(missing, ReadError::NotFound(_)));
        assert!(
            missing
                .to_string()
                .starts_with("it was removed while adminlint was running (")
        );
        assert_eq!(missing.as_reference(), "it does not exist");

        let directory = read_text(dir.path(), 10).unwrap_err();
        assert_eq!(directory.as_reference(), "it is not a file");

        let big = dir.path().join("big.yaml");
        std::fs::write(&big, "0123456789a").unwrap();
        let too_large = read_text(&big, 10).unwrap_err();
        assert_eq!(
            too_large.to_string(),
            "file is 11 bytes, larger than the limit of 10 bytes (--max-file-size); it was not \
             checked (raise the limit with --max-file-size BYTES)"
        );
        assert_eq!(
            too_large.as_reference(),
            "it is larger than the limit of 10 bytes"
        );

        let binary = dir.path().join("binary.yaml");
        std::fs::write(&binary, b"ab\xffcd").unwrap();
        let not_utf8 = read_text(&binary, 10).unwrap_err();
        assert_eq!(
            not_utf8.to_string(),
            "not UTF-8 text (invalid byte at offset 2); is it a binary file?"
        );
        assert_eq!(not_utf8.as_reference(), "it is not UTF-8 text");

        assert!(matches!(
            within_size(vec![0; 11], 10),
            Err(ReadError::InputTooLarge { max: 10 })
        ));
    }
}
