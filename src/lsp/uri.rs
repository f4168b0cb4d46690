//! `file://` URIs to paths and back: percent-decoding and -encoding (`lsp_types::Uri` has neither).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The local path a `file://` URI names; `None` for other schemes, remote hosts, bad escapes.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    path_of(uri.as_str())
}

/// A `file://` URI for an absolute path; `None` for relative paths.
pub fn from_path(path: &Path) -> Option<Uri> {
    if !path.is_absolute() {
        return None;
    }
    let mut text = String::from("file://");
    for &byte in path_bytes(path)?.iter() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            text.push(char::from(byte));
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&text).ok()
}

fn path_of(uri: &str) -> Option<PathBuf> {
    let scheme_end = uri.find(':')?;
    if !uri[..scheme_end].eq_ignore_ascii_case("file") {
        return None;
    }
    let rest = uri[scheme_end + 1..].strip_prefix("//")?;
    // A query or fragment is not part of the path.
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let slash = rest.find('/')?;
    let (authority, path) = rest.split_at(slash);
    // `file://server/share` (UNC) names another machine's file: not ours to read.
    if !(authority.is_empty() || authority.eq_ignore_ascii_case("localhost")) {
        return None;
    }
    bytes_to_path(percent_decode(path)?)
}

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let out = crate::digest::percent_decode(text).ok()?;
    // No path contains a NUL byte; an escaped one is an attack or a mistake.
    (!out.contains(&0)).then_some(out)
}

#[cfg(unix)]
fn bytes_to_path(bytes: Vec<u8>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: Vec<u8>) -> Option<PathBuf> {
    let text = String::from_utf8(bytes).ok()?;
    // `/C:/dir/file` names `C:/dir/file`.
    let drive = text.as_bytes();
    let text = if drive.len() >= 3 && drive[0] == b'/' && drive[2] == b':' {
        &text[1..]
    } else {
        &text[..]
    };
    Some(PathBuf::from(text.replace('/', "\\")))
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Option<std::borrow::Cow<'_, [u8]>> {
    use std::os::unix::ffi::OsStrExt;
    Some(path.as_os_str().as_bytes().into())
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Option<std::borrow::Cow<'_, [u8]>> {
    let text = path.to_str()?.replace('\\', "/");
    let text = if text.starts_with('/') {
        text
    } else {
        format!("/{text}")
    };
    Some(text.into_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> Uri {
        Uri::from_str(text).unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn decodes_file_uris() {
        assert_eq!(
            to_path(&uri("file:///srv/k8s/job.yaml")),
            Some(PathBuf::from("/srv/k8s/job.yaml"))
        );
        assert_eq!(
            to_path(&uri("file:///srv/caf%C3%A9%20%E2%98%83/a%2Bb.yaml")),
            Some(PathBuf::from("/srv/café ☃/a+b.yaml"))
        );
        assert_eq!(
            to_path(&uri("FILE://localhost/srv/x.yaml")),
            Some(PathBuf::from("/srv/x.yaml"))
        );
        assert_eq!(
            to_path(&uri("file:///srv/x.yaml#L3")),
            Some(PathBuf::from("/srv/x.yaml"))
        );
    }

    #[test]
    fn rejects_what_is_not_a_local_file() {
        assert_eq!(to_path(&uri("untitled:Untitled-1")), None);
        assert_eq!(to_path(&uri("https://example.com/x.yaml")), None);
        assert_eq!(to_path(&uri("file://server/share/x.yaml")), None);
        assert_eq!(to_path(&uri("file:///srv/%00x")), None);
        assert_eq!(path_of("file:///srv/%zzx"), None);
        assert_eq!(path_of("file:///srv/%4"), None);
        assert_eq!(from_path(Path::new("relative/x.yaml")), None);
    }

    #[cfg(unix)]
    #[test]
    fn encodes_paths_and_round_trips() {
        let path = Path::new("/srv/café ☃/a+b#1?.yaml");
        let encoded = from_path(path).unwrap();
        assert_eq!(
            encoded.as_str(),
            "file:///srv/caf%C3%A9%20%E2%98%83/a%2Bb%231%3F.yaml"
        );
        assert_eq!(to_path(&encoded).as_deref(), Some(path));
        // Bytes that are not UTF-8 survive too.
        use std::os::unix::ffi::OsStrExt;
        let odd = Path::new(std::ffi::OsStr::from_bytes(b"/srv/\xff.yaml"));
        assert_eq!(to_path(&from_path(odd).unwrap()).as_deref(), Some(odd));
    }
}
