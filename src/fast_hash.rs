//! Hash maps over the run's own keys (paths, file ids, names), with a fast hasher.
//!
//! std's default, SipHash with a random seed, guards a map against keys chosen to collide. A
//! run's keys are the user's own files and names, so that guard buys nothing here, and on a
//! large project SipHash (with `Path`'s hash, which walks the components) was most of the time
//! spent in lookups. The seed is fixed, so a run behaves the same each time.

use std::borrow::Cow;
use std::path::Path;

/// The hasher's state: foldhash, with a fixed seed.
pub type FastState = foldhash::fast::FixedState;

/// A hash map with [`FastState`].
pub type FastMap<K, V> = std::collections::HashMap<K, V, FastState>;

/// A normalised path's bytes as a map key, without a trailing separator: for paths with no
/// `.` component and no repeated separator (what [`crate::discover::absolute`] and
/// [`crate::discover::normal_absolute_of`] return), two paths are equal as `Path`s exactly when
/// their keys are equal, and hashing the bytes skips the component walk of `Path`'s hash. On
/// Windows, where `/` and `\` both separate and a path may hold both, `/` is read as `\`.
pub fn path_key(path: &Path) -> Cow<'_, [u8]> {
    let bytes = path.as_os_str().as_encoded_bytes();
    let trimmed = match bytes {
        [rest @ .., last] if !rest.is_empty() && std::path::is_separator(char::from(*last)) => rest,
        _ => bytes,
    };
    if cfg!(windows) && trimmed.contains(&b'/') {
        let unified = trimmed
            .iter()
            .map(|&b| if b == b'/' { b'\\' } else { b })
            .collect();
        return Cow::Owned(unified);
    }
    Cow::Borrowed(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_paths_have_equal_keys_exactly_when_they_are_equal_paths() {
        let paths = [
            "/p/a", "/p/a/", "/p/ab", "/p/a/b", "/p/a/b/", "/", "/p", "/p/", "/p/../a", "/p/..",
        ];
        for a in paths {
            for b in paths {
                assert_eq!(
                    path_key(Path::new(a)) == path_key(Path::new(b)),
                    Path::new(a) == Path::new(b),
                    "{a} against {b}"
                );
            }
        }
    }

    #[test]
    fn a_map_finds_what_it_holds_by_key() {
        let mut map: FastMap<Vec<u8>, u32> = FastMap::default();
        map.insert(path_key(Path::new("/p/a/")).into_owned(), 1);
        assert_eq!(map.get(path_key(Path::new("/p/a")).as_ref()), Some(&1));
        assert_eq!(map.get(path_key(Path::new("/p/ab")).as_ref()), None);
    }
}
