//! Container commands: shell tokens, dependency wrappers, installs, admin intent, versioned paths.

/// One simple command: words after shell parsing, e.g. `["bundle","exec","rails","db:migrate"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// The words, quotes removed; `$VAR`, `${…}`, `$(…)` and backticks kept as literal text.
    pub words: Vec<String>,
    /// Index into the argv (command ++ args list given to [`parse_argv`]) of the element this
    /// command's first word came from (so callers can map back to a YAML span). For a shell
    /// script it is the index of the script element.
    pub arg_index: usize,
    /// The operator that joined this command to the previous one (None for the first).
    pub joined_by: Option<Operator>,
    /// For a command from a shell script: the range of characters (not bytes) of the script
    /// it spans, first kept word to last word, so findings can point at it.
    pub chars: Option<std::ops::Range<usize>>,
}

/// A shell control operator between two simple commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;`, `;;`, a newline, or a subshell / group boundary.
    Seq,
    /// `|` or `|&`
    Pipe,
    /// `&`
    Background,
}

/// A whole command line split into simple commands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    /// The simple commands in source order.
    pub commands: Vec<SimpleCommand>,
    /// True when the argv was a shell with `-c` and its script was parsed.
    pub via_shell: bool,
}

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

/// Why a command line looks like an admin task, or why it looks long-running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Runs an admin verb (`migrate`, `db:migrate`, `createsuperuser` …) and nothing long-running.
    Admin,
    /// Starts a server, worker or other long-running process; this vetoes admin verbs.
    LongRunning,
    /// Neither could be told.
    Unknown,
}

const SHELLS: &str = "sh bash ash dash zsh ksh";
/// Nested `sh -c` scripts are followed this deep at most.
const MAX_NESTING: usize = 4;
/// Options of wrappers and installers that take a value (pip, gem, bundle, npm, apt, apk, yum …).
const VALUE_OPTIONS: &str = "-c --constraint -i --index-url --extra-index-url -t --target --prefix \
    -f --find-links --trusted-host --root --platform --python-version --cache-dir --src --python -p \
    --package --pip-args --install-dir -n --bindir --source --path --without --with --gemfile --jobs \
    -j --retry --binstubs --group --git --branch --ref --tag --rev --registry -C --cwd --dir --filter \
    --workspace -o --target-release -X --repository --virtual --setopt --enablerepo --disablerepo \
    --exclude -x --installroot --releasever --repo --from --type --features -F --index --bin -d \
    --working-dir --channel --name --env-file --project --directory --extra --with-requirements";

/// Whether `word` is one of the space-separated words of `list`.
fn listed(list: &str, word: &str) -> bool {
    list.split_ascii_whitespace().any(|w| w == word)
}

fn basename(word: &str) -> &str {
    let trimmed = word.trim_end_matches('/');
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// A shell variable name.
fn is_name(text: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.starts_with(|c: char| !c.is_ascii_digit()) && text.chars().all(ok)
}

/// Index of the first non-option word from `i`; `takes_value` options skip their value, `--` ends.
fn skip_options(words: &[String], mut i: usize, takes_value: &str) -> usize {
    while let Some(word) = words.get(i).filter(|w| w.starts_with('-') && w.len() > 1) {
        i += 1;
        if word == "--" {
            break;
        }
        if listed(takes_value, word) && words.get(i).is_some_and(|v| !v.starts_with('-')) {
            i += 1;
        }
    }
    i
}

/// argv = container `command` followed by `args` (exec form, as in Kubernetes).
///
/// A shell with a `c` option (`sh -c`, `bash -ec`, `/usr/bin/env bash -lc` …) has its script parsed
/// by [`parse_script`]; otherwise the whole argv is one [`SimpleCommand`]. Process runners in
/// front (`env VAR=x`, `exec`, `nohup`, `time`, `sudo`, `gosu user`, `su-exec user`, `dumb-init`,
/// `tini --`) are stripped in both cases.
pub fn parse_argv(argv: &[&str]) -> CommandLine {
    let words: Vec<String> = argv.iter().map(|w| w.to_string()).collect();
    let skip = Some(strip_runners(&words))
        .filter(|&n| n < words.len())
        .unwrap_or(0);
    let rest = words.get(skip..).unwrap_or_default();
    let mut line = CommandLine::default();
    if let Some(at) = shell_script_at(rest).map(|at| skip + at) {
        line.via_shell = true;
        line.commands = words
            .get(at)
            .map(|s| parse_script(s, at))
            .unwrap_or_default();
    } else if !rest.is_empty() {
        let words = rest.to_vec();
        line.commands.push(SimpleCommand {
            words,
            arg_index: skip,
            joined_by: None,
            chars: None,
        });
    }
    line
}

/// If `words` run a shell with a `c` option, the index where its script is (maybe past the end).
fn shell_script_at(words: &[String]) -> Option<usize> {
    if !listed(SHELLS, basename(words.first()?)) {
        return None;
    }
    let (mut i, mut has_c) = (1, false);
    while let Some(word) = words
        .get(i)
        .filter(|w| w.len() > 1 && w.starts_with(['-', '+']))
    {
        i += 1 + usize::from(listed("-o +o -O +O --rcfile --init-file", word));
        if word == "--" {
            break;
        }
        has_c |= word.starts_with('-') && !word.starts_with("--") && word.contains('c');
    }
    has_c.then_some(i)
}

/// The script of a `sh -c` anywhere in `words` (`nsenter -t 1 -- bash -c '…'`, `sh -c '…'`).
fn nested_script(words: &[String]) -> Option<&String> {
    let mut scripts = (0..words.len()).filter_map(|p| Some(p + shell_script_at(words.get(p..)?)?));
    words.get(scripts.next()?)
}

/// Tokenise a shell script string (used for compose `command: "…"` with shell semantics and by
/// [`parse_argv`]). Every command gets `arg_index`.
pub fn parse_script(script: &str, arg_index: usize) -> Vec<SimpleCommand> {
    let mut lexer = Lexer::new(script, false);
    let (mut commands, mut current, mut pending) = (Vec::new(), Vec::new(), None);
    loop {
        let token = lexer.next_token();
        if let Some(Ok(word)) = token {
            current.push(word);
            continue;
        }
        let (words, chars) = command_words(std::mem::take(&mut current));
        if !words.is_empty() {
            let joined_by = (!commands.is_empty()).then(|| pending.unwrap_or(Operator::Seq));
            commands.push(SimpleCommand {
                words,
                arg_index,
                joined_by,
                chars,
            });
            pending = None;
        }
        match token {
            Some(Err(op)) => pending = op.or(pending),
            _ => return commands,
        }
    }
}

/// Compose string-form command: split into words WITHOUT a shell (shlex-style: quotes honoured,
/// no operators — `a && b` gives words `["a","&&","b"]`).
pub fn split_words(text: &str) -> Vec<String> {
    let mut lexer = Lexer::new(text, true);
    let mut words = Vec::new();
    loop {
        while lexer.peek(0).is_some_and(char::is_whitespace) {
            lexer.pos += 1;
        }
        if lexer.peek(0).is_none() {
            return words;
        }
        words.push(lexer.read_word().text);
    }
}

/// A word as lexed, with what the command-position rules need to know about it.
#[derive(Default)]
struct RawWord {
    text: String,
    /// Some part was quoted or escaped, so it cannot be a keyword.
    quoted: bool,
    /// `NAME=…` with an unquoted name: a variable assignment.
    assign: bool,
    /// Character range of the word in the script.
    chars: std::ops::Range<usize>,
}

/// A word, or the end of a simple command (`Err(None)` for `(` and `)`, which name no operator).
type Token = Result<RawWord, Option<Operator>>;

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    /// Only quotes and backslashes are special (compose string form, no shell).
    plain: bool,
    /// Here-document delimiters waiting for the next newline, with their `<<-` flag.
    heredocs: Vec<(String, bool)>,
}

impl Lexer {
    fn new(text: &str, plain: bool) -> Self {
        let chars = text.chars().collect();
        Lexer {
            chars,
            pos: 0,
            plain,
            heredocs: Vec::new(),
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn next_token(&mut self) -> Option<Token> {
        use Operator::*;
        loop {
            let (c, next) = (self.peek(0)?, self.peek(1));
            let (len, op) = match (c, next) {
                (' ' | '\t' | '\r', _) => (1, None),
                ('\\', Some('\n')) => (2, None),
                ('#', _) => (
                    self.chars
                        .iter()
                        .skip(self.pos)
                        .take_while(|&&c| c != '\n')
                        .count(),
                    None,
                ),
                ('&', Some('&')) => (2, Some(And)),
                ('|', Some('|')) => (2, Some(Or)),
                ('|', Some('&')) => (2, Some(Pipe)),
                (';', Some(';' | '&')) => (2, Some(Seq)),
                ('&', Some('>')) | ('<' | '>', _) if c == '&' || next != Some('(') => {
                    self.redirect();
                    continue;
                }
                ('|', _) => (1, Some(Pipe)),
                (';' | '\n', _) => (1, Some(Seq)),
                ('&', _) => (1, Some(Background)),
                ('(' | ')', _) => {
                    self.pos += 1;
                    return Some(Err(None));
                }
                _ => {
                    let start = self.pos;
                    let mut word = self.read_word();
                    self.pos = self.pos.max(start + 1);
                    word.chars = start..self.pos;
                    let fd = !word.quoted && word.text.chars().all(|c| c.is_ascii_digit());
                    if fd && (word.text.is_empty() || matches!(self.peek(0), Some('<' | '>'))) {
                        continue; // an empty word (a trailing `\`) or the descriptor of `2>&1`
                    }
                    return Some(Ok(word));
                }
            };
            self.pos += len;
            if c == '\n' {
                self.skip_heredoc_bodies();
            }
            if let Some(op) = op {
                return Some(Err(Some(op)));
            }
        }
    }

    fn at_word_end(&self) -> bool {
        match self.peek(0) {
            None => true,
            Some(c) if self.plain => c.is_whitespace(),
            Some('<' | '>') => self.peek(1) != Some('('),
            Some(c) => " \t\r\n;&|()".contains(c),
        }
    }

    fn read_word(&mut self) -> RawWord {
        let (mut word, mut double) = (RawWord::default(), false);
        while let (Some(c), next) = (self.peek(0), self.peek(1)) {
            // `NAME=(a b)` assigns an array.
            let array = c == '(' && word.assign && word.text.ends_with('=');
            if !double && !array && self.at_word_end() {
                break;
            }
            let substitution = c == '`' || (c == '$' && matches!(next, Some('(' | '{')));
            let process = !double && matches!(c, '<' | '>') && next == Some('(');
            if !self.plain && (substitution || process || array) {
                self.copy_balanced(&mut word.text);
                continue;
            }
            self.pos += 1;
            match c {
                '"' => (word.quoted, double) = (true, !double),
                '\'' if !double => {
                    word.quoted = true;
                    let text: String = self
                        .chars
                        .iter()
                        .skip(self.pos)
                        .take_while(|&&c| c != '\'')
                        .collect();
                    self.pos += text.chars().count() + 1;
                    word.text.push_str(&text);
                }
                '\\' if !double || matches!(next, Some('"' | '\\' | '$' | '`' | '\n')) => {
                    self.pos += usize::from(next.is_some());
                    word.quoted |= next.is_some_and(|n| n != '\n');
                    word.text.extend(next.filter(|&n| n != '\n'));
                }
                _ => {
                    let name = word.text.strip_suffix('+').unwrap_or(&word.text);
                    word.assign |= c == '=' && !word.quoted && is_name(name);
                    word.text.push(c);
                }
            }
        }
        word
    }

    /// Copies `$(…)`, `${…}`, `<(…)` or a backticked command verbatim, nesting and quotes kept.
    fn copy_balanced(&mut self, out: &mut String) {
        let (open, close) = match (self.peek(0), self.peek(1)) {
            (Some('`'), _) => ('`', '`'),
            (_, Some('{')) => ('{', '}'),
            _ => ('(', ')'),
        };
        let (mut depth, mut quote) = (0, None);
        while let Some(c) = self.peek(0) {
            out.push(c);
            self.pos += 1;
            match c {
                '\\' if quote != Some('\'') => {
                    out.extend(self.peek(0));
                    self.pos += 1;
                }
                '\'' | '"' if quote.is_none() => quote = Some(c),
                _ if quote.is_some() => quote = quote.filter(|&q| q != c),
                _ if c == close && depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ if c == open => depth += 1,
                _ => {}
            }
        }
    }

    /// Skips a redirection operator and its target; remembers here-document delimiters.
    fn redirect(&mut self) {
        let start = self.pos;
        while self.pos - start < 3 && self.peek(0).is_some_and(|c| "<>&|".contains(c)) {
            self.pos += 1;
        }
        let heredoc = self.chars.get(start..self.pos) == Some(&['<', '<'][..]);
        let strip_tabs = heredoc && self.peek(0) == Some('-');
        self.pos += usize::from(strip_tabs);
        while matches!(self.peek(0), Some(' ' | '\t')) {
            self.pos += 1;
        }
        if !self.at_word_end() {
            let target = self.read_word().text;
            self.heredocs
                .extend(Some((target, strip_tabs)).filter(|_| heredoc));
        }
    }

    fn skip_heredoc_bodies(&mut self) {
        for (delimiter, strip_tabs) in std::mem::take(&mut self.heredocs) {
            while self.pos < self.chars.len() {
                let line: String = self
                    .chars
                    .iter()
                    .skip(self.pos)
                    .take_while(|&&c| c != '\n')
                    .collect();
                self.pos += line.chars().count() + 1;
                let line = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    &line
                };
                if line.trim_end_matches('\r') == delimiter {
                    break;
                }
            }
        }
    }
}

/// Words of one simple command: assignments and compound-command keywords dropped, runners
/// stripped; with the character range from the first kept word to the last word.
fn command_words(raw: Vec<RawWord>) -> (Vec<String>, Option<std::ops::Range<usize>>) {
    const KEYWORDS: &str = "if then else elif fi do done while until ! { } esac";
    let keyword = |w: &RawWord, list: &str| !w.quoted && !w.assign && listed(list, &w.text);
    let start = raw
        .iter()
        .take_while(|w| w.assign || keyword(w, KEYWORDS))
        .count();
    // Loop and case headers name variables and patterns, not commands.
    if raw
        .get(start)
        .is_some_and(|w| keyword(w, "for case select function"))
    {
        return (Vec::new(), None);
    }
    let ranges: Vec<std::ops::Range<usize>> =
        raw.iter().skip(start).map(|w| w.chars.clone()).collect();
    let words: Vec<String> = raw.into_iter().skip(start).map(|w| w.text).collect();
    let skip = strip_runners(&words);
    let chars = match (ranges.get(skip), ranges.last()) {
        (Some(first), Some(last)) => Some(first.start..last.end),
        _ => None,
    };
    (words.into_iter().skip(skip).collect(), chars)
}

/// How many leading words are process runners (`exec`, `env VAR=x`, `nohup`, `sudo -u app` …).
fn strip_runners(words: &[String]) -> usize {
    let mut i = 0;
    while let Some(word) = words.get(i) {
        let name = basename(word);
        if name == "command" && words.get(i + 1).is_some_and(|w| w == "-v" || w == "-V") {
            return words.len(); // a lookup, not a run
        }
        let mut next = match name {
            "gosu" | "su-exec" => i + 2,
            "exec" => skip_options(words, i + 1, "-a"),
            "env" => skip_options(words, i + 1, "-u --unset -C --chdir"),
            "sudo" => skip_options(words, i + 1, "-u -g -h -p -r -t -C -D -U"),
            "tini" | "dumb-init" => skip_options(words, i + 1, "-e -p -r --rewrite"),
            "nohup" | "time" | "command" => skip_options(words, i + 1, ""),
            _ => return i,
        };
        let assignment = |w: &String| w.split_once('=').is_some_and(|(n, _)| is_name(n));
        while name == "env" && words.get(next).is_some_and(assignment) {
            next += 1;
        }
        if next >= words.len() {
            return if name == "exec" || name == "command" {
                next
            } else {
                i
            };
        }
        i = next;
    }
    i
}

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

/// Returns intent plus the word that decided it (e.g. `(Admin, "db:migrate")`, `(LongRunning,
/// "gunicorn")`). Any long-running command makes the line long-running, even after a migration.
pub fn intent(line: &CommandLine) -> (Intent, Option<String>) {
    intent_of(&line.commands, 0)
}

fn intent_of(commands: &[SimpleCommand], depth: usize) -> (Intent, Option<String>) {
    let mut admin = None;
    for words in commands.iter().map(|c| &c.words) {
        let script = nested_script(words);
        if let Some(script) = script.filter(|_| depth < MAX_NESTING) {
            match intent_of(&parse_script(script, 0), depth + 1) {
                (Intent::LongRunning, word) => return (Intent::LongRunning, word),
                (_, word) => admin = admin.or(word),
            }
        } else if let Some(word) = long_running_word(words) {
            return (Intent::LongRunning, Some(word));
        } else {
            admin = admin.or_else(|| admin_word(words));
        }
    }
    let intent = if admin.is_some() {
        Intent::Admin
    } else {
        Intent::Unknown
    };
    (intent, admin)
}

/// Commands that take paths or text but run nothing of the app: their words decide nothing.
const INERT: &str = "cd pushd popd echo printf test [ [[ export set unset mkdir ls cat chmod chown \
    cp mv rm touch ln true false : trap read local sed grep awk cut head git curl wget sleep tail";
const LONG_RUNNING: &str = "serve server runserver start worker rqworker puma unicorn sidekiq \
    gunicorn uvicorn hypercorn daphne nginx httpd apache2 supervisord scheduler consumer webserver \
    triggerer rqscheduler";
/// Parts of script names (`start-puma`, `run-server.sh`) that say long-running.
const LONG_RUNNING_PARTS: &str = "start startup serve server worker puma unicorn sidekiq gunicorn";
const ADMIN: &str = "migrate migrations bootstrap seed createsuperuser collectstatic setup-db \
    initdb upgradedb";
/// Parts of script names (`./bin/setup-db`, `migrate.sh`, `zammad-init`) that say admin.
const ADMIN_PARTS: &str =
    "migrate migration setup-db setup_db init-db init_db db-init db_init seed";

/// A script name rather than a subcommand: the command itself, a path, or a script file.
fn is_script(word: &str, index: usize) -> bool {
    let extension = word.rsplit_once('.').map_or("", |(_, e)| e);
    index == 0 || word.contains('/') || listed("sh bash py rb js ts pl php", extension)
}

fn name_parts(base: &str) -> impl Iterator<Item = &str> {
    base.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
}

fn long_running_word(words: &[String]) -> Option<String> {
    let command = basename(words.first()?);
    let has = |flags: &str| words.iter().any(|w| listed(flags, w));
    match command {
        "sleep" if has("infinity inf") => return Some("sleep infinity".into()),
        "tail" if has("-f -F --follow") => return Some("tail -f".into()),
        _ if listed(INERT, command) => return None,
        _ => {}
    }
    let node = listed("node nodejs", command);
    let options = words
        .iter()
        .enumerate()
        .filter(|(_, w)| !w.starts_with('-'));
    for (i, word) in options {
        let (base, before) = (basename(word), &words[..i]);
        let stem = base.split('.').next().unwrap_or(base);
        if listed(LONG_RUNNING, base) {
            return Some(base.to_string());
        }
        let decided = base.starts_with("php-fpm")
            || (base == "s" && before.last().is_some_and(|w| basename(w) == "rails"))
            || (base == "beat" && before.iter().any(|w| basename(w) == "celery"))
            || (node
                && i > 0
                && ["server", "index", "app", "main"]
                    .iter()
                    .any(|p| stem.starts_with(p)))
            || (is_script(word, i) && name_parts(base).any(|t| listed(LONG_RUNNING_PARTS, t)));
        if decided {
            return Some(word.clone());
        }
    }
    None
}

fn admin_word(words: &[String]) -> Option<String> {
    let command = basename(words.first()?);
    if command == "init" || listed(INERT, command) {
        return (command == "init").then(|| "init".into());
    }
    let app_cli = listed("alembic superset sentry airflow", command);
    let mut options = words
        .iter()
        .enumerate()
        .filter(|(_, w)| !w.starts_with('-'));
    let found = options.find(|&(i, word)| {
        let (base, script) = (basename(word), is_script(word, i));
        let init =
            script && base != "dumb-init" && name_parts(base).any(|t| listed("init initialize", t));
        let db_task = word
            .strip_prefix("db:")
            .is_some_and(|r| r.starts_with(char::is_alphabetic));
        let after_db = app_cli || words[..i].iter().any(|w| w == "db");
        listed(ADMIN, word)
            || word.starts_with("migrate:")
            || db_task
            || (i > 0 && after_db && listed("upgrade init", word))
            || (command == "liquibase" && word == "update")
            || (script && ADMIN_PARTS.split(' ').any(|p| base.contains(p)))
            || (init && name_parts(base).count() > 1)
    });
    found.map(|(_, word)| word.clone())
}

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

/// Directories the line changes into: the path after `cd` / `pushd` (index into `line.commands`).
pub fn cd_targets(line: &CommandLine) -> Vec<(usize, String)> {
    let mut targets = Vec::new();
    for (i, words) in line.commands.iter().map(|c| &c.words).enumerate() {
        if words.first().is_some_and(|w| w == "cd" || w == "pushd") {
            let path = words
                .iter()
                .skip(1)
                .find(|w| !w.starts_with('-') || w.len() == 1);
            targets.extend(path.filter(|p| *p != "-").map(|p| (i, p.clone())));
        }
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses an argv written in compose string form (so it can hold quoted scripts).
    fn argv(text: &str) -> CommandLine {
        let words = split_words(text);
        parse_argv(&words.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// Commands as `words,joined,by,commas`, separated by their operators.
    fn render(commands: &[SimpleCommand]) -> String {
        let op = |c: &SimpleCommand| match c.joined_by {
            None => "",
            Some(Operator::And) => " && ",
            Some(Operator::Or) => " || ",
            Some(Operator::Seq) => " ; ",
            Some(Operator::Pipe) => " | ",
            Some(Operator::Background) => " & ",
        };
        commands
            .iter()
            .map(|c| format!("{}{}", op(c), c.words.join(",")))
            .collect()
    }

    /// Runs `check` on every `input => expected` line of `table`.
    fn table(table: &str, check: impl Fn(&str) -> String) {
        for line in table.lines().filter(|l| !l.trim().is_empty()) {
            let (input, expected) = line.split_once(" =>").expect("`input => expected`");
            assert_eq!(check(input.trim()).trim(), expected.trim(), "{input}");
        }
    }

    #[test]
    fn shell_form_with_cd_and_bundle_exec() {
        let line = parse_argv(&["/bin/sh", "-c", "cd /app && bundle exec rails db:migrate"]);
        let command = |words: &[&str], joined_by, chars| SimpleCommand {
            words: words.iter().map(|w| w.to_string()).collect(),
            arg_index: 2,
            joined_by,
            chars: Some(chars),
        };
        let migrate = command(
            &["bundle", "exec", "rails", "db:migrate"],
            Some(Operator::And),
            11..39,
        );
        let commands = vec![command(&["cd", "/app"], None, 0..7), migrate];
        assert_eq!(
            line,
            CommandLine {
                commands,
                via_shell: true
            }
        );
        let wrapper = Wrapper {
            name: "bundle exec".into(),
            words: 2,
        };
        assert_eq!(wrapper_of(&line.commands[1]), Some(wrapper));
        assert_eq!(intent(&line), (Intent::Admin, Some("db:migrate".into())));
        assert_eq!(cd_targets(&line), [(0, "/app".to_string())]);
        assert_eq!(parse_argv(&[]), CommandLine::default());
    }

    #[test]
    fn argv_forms() {
        table(
            r#"
            sh -c 'kong migrations bootstrap && kong migrations up' => 2 kong,migrations,bootstrap && kong,migrations,up
            bash -e -c 'exec env -i FOO=1 migrate' => 3 migrate
            /usr/bin/env bash -lc 'exec migrate' => 3 migrate
            sh -o pipefail -euxc 'nohup migrate &' => 4 migrate
            tini -- /bin/ash -c 'time -p migrate' => 4 migrate
            /bin/sh -ec 'exec gunicorn' => 2 gunicorn
            sudo -u app bundle exec rake => 3 bundle,exec,rake
            env RAILS_ENV=production rake db:seed => 2 rake,db:seed
            gosu app python manage.py migrate => 2 python,manage.py,migrate
            /venv/bin/python /app/manage.py rqworker => 0 /venv/bin/python,/app/manage.py,rqworker
            sh /scripts/migrate.sh => 0 sh,/scripts/migrate.sh
            sh -c 'echo "a && b" && run' => 2 echo,a && b && run
            sh -c "pip install x && python -c 'import x; x.fix()'" => 2 pip,install,x && python,-c,import x; x.fix()
            nohup => 0 nohup
            'sh -c' => 0 sh -c
            sh -c => 0
            => 0"#,
            |input| {
                let line = argv(input);
                let index = line.commands.first().map_or(0, |c| c.arg_index);
                format!("{index} {}", render(&line.commands))
            },
        );
        assert!(argv("sh -c 'exec x'").via_shell && !argv("sh x").via_shell);
    }

    #[test]
    fn shell_syntax() {
        table(
            r#"
            a || b; c | d & e |& f => a || b ; c | d & e | f
            echo 'it''s' "x\"y" a\ b => echo,its,x"y,a b
            echo "$(cat "f g")" ${A:-"x y"} `date "+%s"` $((1+2)) <(ls) => echo,$(cat "f g"),${A:-"x y"},`date "+%s"`,$((1+2)),<(ls)
            echo a#b # c && d¶next \¶  arg => echo,a#b ; next,arg
            set -e¶FOO=1 B="x y" python x.py > /tmp/log 2>&1 </dev/null => set,-e ; python,x.py
            if [ -f x ]; then¶ echo ok >&2¶else exec puma; fi && z => [,-f,x,] ; echo,ok ; puma && z
            for f in a b; do rm $f; done => rm,$f
            A=("start" x) B+=(y) run; echo "(" => run ; echo,(
            case $x in a) migrate;; esac => migrate
            cat <<-EOF >out¶⇥not && a command¶⇥EOF¶{ a; } && (b) => cat ; a && b
            "FOO"=1 cmd 'if'; command -v x; exec >/dev/null; x=$(a b) => FOO=1,cmd,if
            echo 'abc => echo,abc
            echo "abc && d => echo,abc && d
            echo $(foo 'bar => echo,$(foo 'bar
            a \ => a
            > =>
            ;;&&||)(¶ =>"#,
            |script| {
                render(&parse_script(
                    &script.replace('¶', "\n").replace('⇥', "\t"),
                    0,
                ))
            },
        );
    }

    #[test]
    fn compose_split_words() {
        table(
            r#"
            kong migrations up && kong migrations finish => kong|migrations|up|&&|kong|migrations|finish
            sh -c "echo \"hi\" && x" 'a b' c\ d "" => sh|-c|echo "hi" && x|a b|c d|
            unterminated 'quote => unterminated|quote
            $(a b) => $(a|b)
            =>"#,
            |text| split_words(text).join("|"),
        );
    }

    #[test]
    fn intents() {
        table(
            r#"
            python manage.py migrate => Admin migrate
            ./bin/setup-db-and-start-puma => LongRunning ./bin/setup-db-and-start-puma
            ./bin/setup-db => Admin ./bin/setup-db
            spicedb migrate head => Admin migrate
            gunicorn app:app => LongRunning gunicorn
            /opt/netbox/venv/bin/python /opt/netbox/netbox/manage.py rqworker => LongRunning rqworker
            sh -c 'kong migrations bootstrap && kong migrations finish' => Admin migrations
            sh -c 'python manage.py migrate && exec gunicorn -b :80 app.wsgi' => LongRunning gunicorn
            celery -A proj worker => LongRunning worker
            celery -A proj beat => LongRunning beat
            bundle exec rails s -b 0.0.0.0 => LongRunning s
            node dist/server.js => LongRunning dist/server.js
            sh -c 'echo pulled && sleep infinity' => LongRunning sleep infinity
            tail -f /dev/null => LongRunning tail -f
            /usr/sbin/nginx -g 'daemon off;' => LongRunning nginx
            npm start => LongRunning start
            alembic upgrade head => Admin upgrade
            flask db upgrade => Admin upgrade
            superset init => Admin init
            liquibase update => Admin update
            npx knex migrate:latest => Admin migrate:latest
            npx prisma migrate deploy => Admin migrate
            bundle exec rake db:setup => Admin db:setup
            python manage.py createsuperuser --noinput => Admin createsuperuser
            init --insecure => Admin init
            zammad-init => Admin zammad-init
            /app/docker/docker-init.sh => Admin /app/docker/docker-init.sh
            bash -c '. /scripts/migrate.sh 127.0.0.1' => Admin /scripts/migrate.sh
            bash -c '. /scripts/initialize-database.sh' => Admin /scripts/initialize-database.sh
            sh -c 'sleep 10 && /entrypoint.sh db migrate && /entrypoint.sh run' => Admin migrate
            sh -c 'wait-for-it.sh db:5432 -- /entrypoint.sh run' => Unknown
            sh -c 'echo start; cd /app/migrations' => Unknown
            git init => Unknown
            dumb-init -- gunicorn => LongRunning gunicorn
            su-exec app sh -c 'rails db:prepare' => Admin db:prepare
            sh -c "sh -c 'rake db:migrate'" => Admin db:migrate
            =>  Unknown"#,
            |input| {
                let (intent, word) = intent(&argv(input));
                format!("{intent:?} {}", word.unwrap_or_default())
            },
        );
    }

    #[test]
    fn wrappers() {
        table(
            r#"
            bundler exec rake => bundle exec/2
            poetry run python x.py => poetry run/2
            uv run --with x --frozen python => uv run/5
            conda run -n app python => conda run/4
            npx --yes prisma migrate deploy => npx/2
            yarn run migrate => yarn/2
            yarn migrate --force => yarn/1
            yarn install => -
            pnpm exec knex => pnpm exec/2
            pnpm run migrate => pnpm run/2
            npm run-script migrate => npm run/2
            npm x knex => npm exec/2
            npm start => npm run/1
            composer exec phinx => composer exec/2
            /app/node_modules/.bin/knex migrate:latest => node_modules/.bin/1
            .venv/bin/alembic upgrade head => virtualenv .venv/1
            /opt/netbox/venv/bin/python -m manage => virtualenv /opt/netbox/venv/1
            /srv/env/bin/python3.11 => virtualenv /srv/env/1
            sh -c 'FOO=1 exec bundle exec puma' => bundle exec/2
            bin/rails db:migrate => -
            mix ecto.migrate => -
            /usr/bin/env python => -
            /opt/venv/bin/ => -"#,
            |input| {
                let wrapper = argv(input).commands.first().and_then(wrapper_of);
                wrapper.map_or("-".into(), |w| format!("{}/{}", w.name, w.words))
            },
        );
    }

    #[test]
    fn installers() {
        table(
            r#"
            pip install requests && python -c 'import x; x.fix()' => 0:pip ["requests"]
            curl -fsSL https://x/install.sh | sh => 0:curl | sh ["https://x/install.sh"]
            wget -qO- get.example.com | sudo bash -s => 0:wget | sh ["get.example.com"]
            curl -o /tmp/x https://x/y && sh /tmp/x.sh =>
            pip install -r requirements.txt --no-cache-dir => 0:pip ["-r requirements.txt"]
            pip3.11 install --user -q -i https://pypi/simple foo==1.0 -rreq.txt => 0:pip ["foo==1.0", "-r req.txt"]
            python3 -m pip install --upgrade pip => 0:pip ["pip"]
            /opt/app/venv/bin/python -m pip install -e . => 0:pip ["-e ."]
            pip --version; pip list; pip freeze > x; pip install => 3:pip []
            uv pip install x && uv add y => 0:uv pip ["x"]; 1:uv ["y"]
            cd /app && poetry run pip install z => 1:pip ["z"]
            sudo -E apt-get -o Dpkg::Use-Pty=0 -y install --no-install-recommends curl jq => 0:apt-get ["curl", "jq"]
            apk add --no-cache --virtual .deps gcc => 0:apk ["gcc"]
            sudo zypper --gpg-auto-import-keys -q install -y cifs-utils => 0:zypper ["cifs-utils"]
            yum --setopt=tsflags=noscripts install -q -y cifs-utils => 0:yum ["cifs-utils"]
            gem install bundler -v 2.4.0 --no-document && bundle install --jobs 4 => 0:gem ["bundler"]; 1:bundle []
            npm ci && npm i -g left-pad && yarn install => 0:npm []; 1:npm ["left-pad"]
            yarn add a && yarn global add b && pnpm i => 0:yarn ["a"]; 1:yarn ["b"]; 2:pnpm []
            go install example.com/x@latest && cargo install sqlx-cli --version 0.7 => 0:go ["example.com/x@latest"]; 1:cargo ["sqlx-cli"]
            composer require monolog/monolog && conda install -c conda-forge -y numpy => 0:composer ["monolog/monolog"]; 1:conda ["numpy"]
            pipx install black; dnf install -y git; microdnf install tar => 0:pipx ["black"]; 1:dnf ["git"]; 2:microdnf ["tar"]
            su-exec app sh -c 'gem install rake' => 0:gem ["rake"]
            nsenter --mount=/proc/1/ns/mnt -- bash -c 'apt-get install -y cifs-utils' => 0:apt-get ["cifs-utils"]
            kong migrations up =>"#,
            |script| {
                let line = CommandLine {
                    commands: parse_script(script, 0),
                    via_shell: true,
                };
                let found = installs_in(&line).into_iter();
                let found = found.map(|(i, f)| format!("{i}:{} {:?}", f.manager, f.packages));
                found.collect::<Vec<_>>().join("; ")
            },
        );
    }

    #[test]
    fn versioned_paths() {
        table(
            "
            /var/www/app-v1.2.0 => v1.2.0
            /srv/app/releases/20240101 => 20240101
            /opt/app/1.2.3/ => 1.2.3
            app_v2 => v2
            /opt/app-2.0-rc1/bin => 2.0-rc1
            /opt/dist/app-1.4.jar => 1.4
            /usr/lib/python3.11/x => -
            /usr/lib/python3.11/site-packages => -
            /opt/python3 => -
            /etc/nginx => -
            /app => -
            /usr/local/bin => -
            /app/node_modules/x-1.2.3 => -
            /home/user => -
            /root/.nvm/versions/node/v18.0.0 => -
            /opt/x86_64-linux => -
            /srv/app/releases => -
            /srv/v1beta1 => -
            => -",
            |path| versioned_path(path).unwrap_or("-".into()),
        );
    }

    #[test]
    fn cd_and_pushd_targets() {
        let line = argv("sh -c 'cd -P /var/www/app-v1.2.0 && pushd ../x; cd; cd -; make'");
        let expected = [(0, "/var/www/app-v1.2.0".into()), (1, "../x".into())];
        assert_eq!(cd_targets(&line), expected);
    }

    #[test]
    fn never_panics() {
        let fragments =
            "' \" \\ $( ${ ` << <<- >& 2> & | ; ( ) { } # ¶ x= é if <( -c sh curl v1.2 / - =";
        let fragments: Vec<String> = fragments.split(' ').map(|f| f.replace('¶', "\n")).collect();
        let mut seed = 7u64;
        for _ in 0..5000 {
            let mut text = String::new();
            for _ in 0..seed % 14 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(&fragments[(seed >> 33) as usize % fragments.len()]);
                text.push_str(if seed.is_multiple_of(3) { " " } else { "" });
            }
            for line in [parse_argv(&["sh", "-c", &text]), argv(&text)] {
                let _ = (installs_in(&line), intent(&line), cd_targets(&line));
                let spans = line.commands.iter().map(|c| (wrapper_of(c), c.words.len()));
                assert!(
                    spans
                        .into_iter()
                        .all(|(w, len)| w.is_none_or(|w| w.words <= len))
                );
            }
            split_words(&text)
                .iter()
                .for_each(|w| drop(versioned_path(w)));
        }
    }
}
