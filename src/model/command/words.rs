//! Plumbing commands: one table of the builtins and tools that work around an app's program.

/// How a check reads a plumbing command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Admin intent: the command's words decide nothing (`echo migrate`, `cd /app/migrations`).
    Intent,
    /// Compose admin words: its first argument is not a subcommand (`echo setup`).
    NoSubcommand,
    /// Dependency wrappers: it is never the program a wrapper (`bundle exec`, a venv) wraps.
    NotWrapped,
}

/// Each plumbing command with the readings that treat it so: `I` [`Reading::Intent`], `S`
/// [`Reading::NoSubcommand`], `W` [`Reading::NotWrapped`]. The columns differ on purpose:
/// `wait-for-it host -- cmd` runs a command (so its words matter to intent), `git init` is no
/// admin task but `git` may well be wrapped, and `sh` is a program no wrapper wraps.
const PLUMBING: &[(&str, &str)] = &[
    (".", "W"),
    (":", "I"),
    ("[", "ISW"),
    ("[[", "IW"),
    ("awk", "I"),
    ("bash", "W"),
    ("cat", "ISW"),
    ("cd", "ISW"),
    ("chmod", "ISW"),
    ("chown", "ISW"),
    ("cp", "IW"),
    ("curl", "I"),
    ("cut", "I"),
    ("date", "W"),
    ("echo", "ISW"),
    ("exit", "W"),
    ("export", "ISW"),
    ("false", "IW"),
    ("git", "I"),
    ("grep", "I"),
    ("head", "I"),
    ("id", "W"),
    ("ln", "IW"),
    ("local", "I"),
    ("ls", "ISW"),
    ("mkdir", "ISW"),
    ("mv", "IW"),
    ("popd", "I"),
    ("printf", "ISW"),
    ("pushd", "I"),
    ("read", "I"),
    ("rm", "IW"),
    ("sed", "I"),
    ("set", "IW"),
    ("sh", "W"),
    ("sleep", "ISW"),
    ("source", "W"),
    ("tail", "I"),
    ("tee", "W"),
    ("test", "ISW"),
    ("touch", "IW"),
    ("trap", "IW"),
    ("true", "ISW"),
    ("unset", "I"),
    ("until", "W"),
    ("wait", "W"),
    ("wait-for-it", "S"),
    ("while", "W"),
    ("whoami", "W"),
];

/// True when `command` (a base name) is plumbing for `reading`.
pub fn is_plumbing(command: &str, reading: Reading) -> bool {
    let flag = match reading {
        Reading::Intent => 'I',
        Reading::NoSubcommand => 'S',
        Reading::NotWrapped => 'W',
    };
    PLUMBING
        .binary_search_by(|(name, _)| (*name).cmp(command))
        .is_ok_and(|at| PLUMBING[at].1.contains(flag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_each_word_has_a_reading() {
        assert!(PLUMBING.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert!(
            PLUMBING
                .iter()
                .all(|(_, flags)| !flags.is_empty() && flags.chars().all(|c| "ISW".contains(c)))
        );
        assert!(is_plumbing("echo", Reading::Intent));
        assert!(!is_plumbing("wait-for-it", Reading::Intent));
        assert!(is_plumbing("wait-for-it", Reading::NoSubcommand));
        assert!(!is_plumbing("git", Reading::NotWrapped));
        assert!(!is_plumbing("gunicorn", Reading::Intent));
    }
}
