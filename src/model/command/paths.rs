//! Versioned paths: directories that name a release (`/srv/app/releases/20240101`).

use super::listed;

/// A directory or path that names a release version, e.g. `/var/www/app-v1.2.0` -> `v1.2.0`,
/// `/srv/app/releases/20240101` -> `20240101`, `/opt/app/1.2.3/` -> `1.2.3`, `app_v2` -> `v2`.
/// System and dependency locations (`/usr/lib/python3.11`, `node_modules`, `~/.rbenv`) are not.
pub fn versioned_path(path: &str) -> Option<String> {
    const SYSTEM: &str = "/usr/lib /usr/lib64 /usr/libexec /usr/local/lib /usr/include /usr/share \
        /usr/local/include /usr/bin /usr/sbin /usr/local/bin /usr/local/sbin /etc /lib /lib64 /bin \
        /sbin /proc /sys /dev /var/lib /nix/store /opt/conda";
    const DEPENDENCIES: &str =
        "node_modules site-packages dist-packages vendor gems venv lib lib64";
    let inside = |p: &str| {
        path.strip_prefix(p)
            .is_some_and(|r| r.is_empty() || r.starts_with('/'))
    };
    if SYSTEM.split_ascii_whitespace().any(inside) {
        return None;
    }
    let parts: Vec<&str> = path
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    for (i, part) in parts.iter().enumerate() {
        if listed(DEPENDENCIES, part) || (part.starts_with('.') && *part != "..") {
            return None;
        }
        if *part == "releases" {
            return parts.get(i + 1).map(|next| next.to_string());
        }
        let starts = part.match_indices(['-', '_', '@']).map(|(at, _)| at + 1);
        let mut starts = std::iter::once(0).chain(starts);
        if let Some(version) = starts.find_map(|at| version_at(part.get(at..)?)) {
            return Some(version);
        }
    }
    None
}

/// `v?\d+(\.\d+)*` at the start of `text`, needing a `v` or a dot, followed by nothing, a
/// pre-release / build suffix (kept) or a file extension (dropped).
fn version_at(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let has_v = bytes.first() == Some(&b'v');
    let (mut end, mut dots, mut digits) = (usize::from(has_v), 0, 0);
    while let Some(&b) = bytes.get(end) {
        let dot = b == b'.' && digits > 0 && bytes.get(end + 1).is_some_and(u8::is_ascii_digit);
        if !b.is_ascii_digit() && !dot {
            break;
        }
        (digits, dots, end) = (digits + usize::from(!dot), dots + usize::from(dot), end + 1);
    }
    if digits == 0 || !(has_v || dots > 0) {
        return None;
    }
    let (core, rest) = text.split_at(end);
    match rest.as_bytes() {
        [] => Some(core.to_string()),
        [b'-' | b'+' | b'_', ..] => Some(text.to_string()),
        [b'.', c, ..] if c.is_ascii_alphabetic() => Some(core.to_string()),
        _ => None,
    }
}
