//! Dependency wrappers (`bundle exec`, a virtualenv, `npx` …) and run-time installers.

use super::argv::{nested_script, parse_script};
use super::{
    CommandLine, MAX_NESTING, Operator, SHELLS, SimpleCommand, basename, listed, skip_options,
};

/// A dependency-isolation wrapper detected at the start of a simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapper {
    /// Canonical name, e.g. `"bundle exec"`, `"npx"`, `"virtualenv /opt/netbox/venv"`.
    pub name: String,
    /// How many leading words it spans (wrapper options included).
    pub words: usize,
}

/// Ad-hoc package installation at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    /// The installer: `"pip"`, `"gem"`, `"npm"`, `"apt-get"`, `"curl | sh"` …
    pub manager: String,
    /// Package arguments (options skipped, `-r file` kept as `"-r file"`); URLs for `curl | sh`.
    pub packages: Vec<String>,
}

/// Options of wrappers and installers that take a value (pip, gem, bundle, npm, apt, apk, yum …).
const VALUE_OPTIONS: &str = "-c --constraint -i --index-url --extra-index-url -t --target --prefix \
    -f --find-links --trusted-host --root --platform --python-version --cache-dir --src --python -p \
    --package --pip-args --install-dir -n --bindir --source --path --without --with --gemfile --jobs \
    -j --retry --binstubs --group --git --branch --ref --tag --rev --registry -C --cwd --dir --filter \
    --workspace -o --target-release -X --repository --virtual --setopt --enablerepo --disablerepo \
    --exclude -x --installroot --releasever --repo --from --type --features -F --index --bin -d \
    --working-dir --channel --name --env-file --project --directory --extra --with-requirements";

/// The dependency-isolation wrapper at the start of `cmd`, if any.
pub fn wrapper_of(cmd: &SimpleCommand) -> Option<Wrapper> {
    wrapper_in(&cmd.words)
}

fn wrapper_in(words: &[String]) -> Option<Wrapper> {
    const YARN_COMMANDS: &str = "add install remove upgrade up init global cache config info why \
        version set link unlink pack publish login logout list audit outdated dlx plugin";
    let first = words.first()?;
    let (base, sub) = (basename(first), words.get(1).map_or("", String::as_str));
    let venv = virtualenv_dir(first);
    let (name, span) = match (base, sub) {
        _ if venv.is_some() => (format!("virtualenv {}", venv.unwrap_or_default()), 1),
        _ if first.contains("node_modules/.bin/") => ("node_modules/.bin".into(), 1),
        ("bundle" | "bundler", "exec") => ("bundle exec".into(), 2),
        ("poetry" | "pipenv" | "uv" | "pdm" | "hatch" | "conda", "run")
        | ("composer" | "pnpm" | "npm", "exec")
        | ("pnpm" | "npm", "run")
        | ("pnpm", "dlx") => (format!("{base} {sub}"), 2),
        ("pnpm" | "npm", "run-script") => (format!("{base} run"), 2),
        ("npm", "x") => ("npm exec".into(), 2),
        // `npm start` is `npm run start`: the script name is the wrapped command.
        ("npm", "start" | "test" | "stop" | "restart") => ("npm run".into(), 1),
        ("npx", _) => ("npx".into(), 1),
        ("yarn", "run" | "exec") => ("yarn".into(), 2),
        ("yarn", _) if sub.starts_with(char::is_alphanumeric) && !listed(YARN_COMMANDS, sub) => {
            ("yarn".into(), 1)
        }
        _ => return None,
    };
    // Options right after the wrapper are its own; after a script name they are the script's.
    let own_options = span == 2 || base == "npx";
    let span = if own_options {
        skip_options(words, span, VALUE_OPTIONS)
    } else {
        span
    };
    Some(Wrapper {
        name,
        words: span.min(words.len()),
    })
}

/// `/opt/netbox/venv/bin/python` -> `/opt/netbox/venv`.
fn virtualenv_dir(word: &str) -> Option<&str> {
    ["venv/bin/", ".venv/bin/", "virtualenv/bin/", "env/bin/"]
        .iter()
        .find_map(|marker| {
            let at = if word.starts_with(marker) {
                0
            } else {
                word.find(&format!("/{marker}"))? + 1
            };
            let end = at + marker.len();
            word.get(..end - "/bin/".len()).filter(|_| word.len() > end)
        })
}

/// Look at a whole command line (needs the pipe context for `curl … | sh`).
pub fn installs_in(line: &CommandLine) -> Vec<(usize, Install)> {
    installs_of(&line.commands, 0)
}

fn installs_of(commands: &[SimpleCommand], depth: usize) -> Vec<(usize, Install)> {
    let mut found = Vec::new();
    for (i, cmd) in commands.iter().enumerate() {
        let words = &cmd.words;
        let first = words.first().map_or("", |w| basename(w));
        let piped = commands.get(i + 1).is_some_and(|next| {
            let interpreter = next.words.first().is_some_and(|w| is_interpreter(w));
            interpreter && next.joined_by == Some(Operator::Pipe)
        });
        let script = nested_script(words);
        if let Some(install) = install_of(words).or_else(|| {
            let wrapper = wrapper_in(words).filter(|w| !w.name.starts_with(['v', 'n']))?;
            install_of(words.get(wrapper.words..)?) // `poetry run pip install x`
        }) {
            found.push((i, install));
        } else if (first == "curl" || first == "wget") && piped {
            let args: Vec<&String> = words
                .iter()
                .skip(1)
                .filter(|a| !a.starts_with('-'))
                .collect();
            let urls = args.iter().filter(|a| a.contains("://")).count();
            let packages = args.into_iter().filter(|a| urls == 0 || a.contains("://"));
            let packages = packages.take(urls.max(1)).cloned().collect();
            found.push((
                i,
                Install {
                    manager: format!("{first} | sh"),
                    packages,
                },
            ));
        } else if let Some(script) = script.filter(|_| depth < MAX_NESTING) {
            let nested = installs_of(&parse_script(script, cmd.arg_index), depth + 1);
            found.extend(nested.into_iter().map(|(_, install)| (i, install)));
        }
    }
    found
}

fn is_interpreter(word: &str) -> bool {
    let base = basename(word);
    listed(SHELLS, base) || listed("perl ruby node", base) || is_versioned(base, "python")
}

/// `pip`, `pip3`, `pip3.11` for prefix `pip`.
fn is_versioned(base: &str, prefix: &str) -> bool {
    let version = |v: &str| v.chars().all(|c| c.is_ascii_digit() || c == '.');
    base.strip_prefix(prefix).is_some_and(version)
}

fn install_of(words: &[String]) -> Option<Install> {
    let base = basename(words.first()?);
    let at = skip_options(words, 1, VALUE_OPTIONS);
    let after = |at: usize| skip_options(words, at + 1, VALUE_OPTIONS);
    let sub = words.get(at).map_or("", String::as_str);
    let (manager, at, subcommands) = match base {
        _ if is_versioned(base, "pip") => ("pip", at, "install"),
        _ if is_versioned(base, "python") => {
            let m = words.iter().position(|w| w == "-m")?;
            let pip = words.get(m + 1).is_some_and(|w| is_versioned(w, "pip"));
            (pip.then_some("pip")?, after(m + 1), "install")
        }
        "uv" if sub == "pip" => ("uv pip", after(at), "install"),
        "yarn" if sub == "global" => ("yarn", after(at), "add"),
        "uv" | "yarn" | "apk" => (base, at, "add"),
        "bundle" | "bundler" => ("bundle", at, "add install"),
        "npm" => (base, at, "install i add ci"),
        "pnpm" => (base, at, "add install i"),
        "zypper" => (base, at, "install in"),
        "go" => (base, at, "install get"),
        "composer" => (base, at, "require install"),
        "pipx" | "gem" | "cargo" | "apt-get" | "apt" | "yum" | "dnf" | "microdnf" | "conda"
        | "mamba" | "micromamba" => (base, at, "install"),
        _ => return None,
    };
    if !listed(subcommands, words.get(at)?) {
        return None;
    }
    let packages = list_packages(manager, words.get(at + 1..).unwrap_or_default());
    Some(Install {
        manager: manager.into(),
        packages,
    })
}

/// Package arguments; options and their values skipped, requirement files kept as `-r file`.
fn list_packages(manager: &str, rest: &[String]) -> Vec<String> {
    // `-v` / `--version` name a version for these, and are flags for pip.
    let versioned = listed("gem bundle cargo", manager);
    let (mut packages, mut i) = (Vec::new(), 0);
    while let Some(word) = rest.get(i) {
        i += 1;
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
            _ => (word.as_str(), None),
        };
        let value = rest
            .get(i)
            .filter(|v| inline.is_none() && !v.starts_with('-'));
        let label = match flag {
            "-r" | "--requirement" => Some("-r"),
            "-e" | "--editable" => Some("-e"),
            _ => None,
        };
        let joined_file = flag
            .strip_prefix("-r")
            .filter(|f| !f.is_empty() && !f.starts_with('-'));
        if !word.starts_with('-') || word == "-" {
            packages.push(word.clone());
        } else if let Some(label) = label {
            i += usize::from(value.is_some());
            packages.extend(
                inline
                    .or(value.map(String::as_str))
                    .map(|v| format!("{label} {v}")),
            );
        } else if let Some(file) = joined_file {
            packages.push(format!("-r {file}"));
        } else if value.is_some()
            && (listed(VALUE_OPTIONS, flag) || (versioned && listed("-v -g --version", flag)))
        {
            i += 1;
        }
    }
    packages
}
