//! Container commands: shell tokenising, dependency wrappers, run-time installs, admin intent and versioned paths.

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
    /// True when the argv was `sh -c <script>` (or another shell) and the script was parsed.
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
    /// Package arguments (options skipped; `-r file` kept as `"-r file"`); URLs for `curl | sh`.
    pub packages: Vec<String>,
}

/// Why a command line looks like an admin task, or why it looks long-running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Runs an admin verb (`migrate`, `db:migrate`, `createsuperuser` …) and nothing long-running.
    Admin,
    /// Starts a server, worker or other long-running process (this vetoes admin verbs).
    LongRunning,
    /// Neither could be told.
    Unknown,
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];
/// Nested `sh -c` scripts are followed this deep at most.
const MAX_NESTING: usize = 4;

/// argv = container `command` followed by `args` (exec form, as in Kubernetes).
///
/// A shell with a `c` option (`sh -c`, `bash -ec`, `/usr/bin/env bash -lc` …) has its script parsed
/// by [`parse_script`]; otherwise the whole argv is one [`SimpleCommand`]. Process runners in
/// front (`env VAR=x`, `exec`, `nohup`, `time`, `gosu user`, `su-exec user`, `dumb-init`, `tini --`)
/// are stripped in both cases.
pub fn parse_argv(argv: &[&str]) -> CommandLine {
    let words: Vec<String> = argv.iter().map(|w| (*w).to_string()).collect();
    if words.is_empty() {
        return CommandLine::default();
    }
    let mut skip = strip_runners(&words);
    if skip >= words.len() {
        skip = 0;
    }
    if let Some(rel) = shell_script_at(&words[skip..]) {
        let index = skip + rel;
        let commands = words.get(index).map(|s| parse_script(s, index)).unwrap_or_default();
        return CommandLine { commands, via_shell: true };
    }
    let command = SimpleCommand { words: words[skip..].to_vec(), arg_index: skip, joined_by: None };
    CommandLine { commands: vec![command], via_shell: false }
}

/// If `words` run a shell with a `c` option, the index where its script is (maybe past the end).
fn shell_script_at<S: AsRef<str>>(words: &[S]) -> Option<usize> {
    if !SHELLS.contains(&basename(words.first()?.as_ref())) {
        return None;
    }
    let (mut i, mut has_c) = (1, false);
    while let Some(w) = words.get(i).map(AsRef::as_ref) {
        match w {
            "--" => return has_c.then_some(i + 1),
            "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file" => i += 2,
            _ if w.starts_with("--") => i += 1,
            _ if w.len() > 1 && (w.starts_with('-') || w.starts_with('+')) => {
                has_c |= w.starts_with('-') && w.contains('c');
                i += 1;
            }
            _ => break,
        }
    }
    has_c.then_some(i)
}

/// Tokenise a shell script string (used for compose `command: "…"` with shell semantics and by
/// [`parse_argv`]). Every command gets `arg_index`.
pub fn parse_script(script: &str, arg_index: usize) -> Vec<SimpleCommand> {
    let mut lexer = Lexer { chars: script.chars().collect(), pos: 0, heredocs: Vec::new() };
    let (mut commands, mut current, mut pending) = (Vec::new(), Vec::new(), None);
    loop {
        let token = lexer.next_token();
        if let Some(Token::Word(word)) = token {
            current.push(word);
            continue;
        }
        let words = command_words(std::mem::take(&mut current));
        if !words.is_empty() {
            let joined_by = if commands.is_empty() { None } else { Some(pending.unwrap_or(Operator::Seq)) };
            commands.push(SimpleCommand { words, arg_index, joined_by });
            pending = None;
        }
        match token {
            None => return commands,
            Some(Token::Op(op)) => pending = Some(op),
            Some(_) => {}
        }
    }
}

/// Compose string-form command: split into words WITHOUT a shell (shlex-style: quotes honoured,
/// no operators — `a && b` gives words `["a","&&","b"]`).
pub fn split_words(text: &str) -> Vec<String> {
    let (mut words, mut current, mut in_word) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            _ if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                current.extend(chars.by_ref().take_while(|&n| n != '\''));
            }
            '"' => {
                in_word = true;
                while let Some(n) = chars.next() {
                    match (n, chars.peek().copied()) {
                        ('"', _) => break,
                        ('\\', Some(e @ ('"' | '\\' | '$' | '`'))) => {
                            current.push(e);
                            chars.next();
                        }
                        ('\\', Some('\n')) => {
                            chars.next();
                        }
                        _ => current.push(n),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(n) => {
                    in_word = true;
                    current.push(n);
                }
            },
            _ => {
                in_word = true;
                current.push(c);
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// A word as lexed, with what the command-position rules need to know about it.
#[derive(Debug, Default)]
struct RawWord {
    text: String,
    /// Some part was quoted or escaped, so it cannot be a keyword.
    quoted: bool,
    /// `NAME=…` with an unquoted name: a variable assignment.
    assign: bool,
}

enum Token {
    Word(RawWord),
    Op(Operator),
    /// `(` or `)`: ends a command without naming an operator.
    Break,
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    /// Here-document delimiters waiting for the next newline, with their `<<-` flag.
    heredocs: Vec<(String, bool)>,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn next_token(&mut self) -> Option<Token> {
        loop {
            let c = self.peek(0)?;
            let op = match (c, self.peek(1)) {
                (' ' | '\t' | '\r', _) => {
                    self.pos += 1;
                    continue;
                }
                ('\\', Some('\n')) => {
                    self.pos += 2;
                    continue;
                }
                ('#', _) => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                    continue;
                }
                ('\n', _) => {
                    self.pos += 1;
                    self.skip_heredoc_bodies();
                    return Some(Token::Op(Operator::Seq));
                }
                ('&', Some('&')) => (2, Operator::And),
                ('|', Some('|')) => (2, Operator::Or),
                ('|', Some('&')) => (2, Operator::Pipe),
                ('|', _) => (1, Operator::Pipe),
                ('&', Some('>')) | ('<' | '>', Some(_) | None) if self.peek(1) != Some('(') || c == '&' => {
                    self.redirect();
                    continue;
                }
                ('&', _) => (1, Operator::Background),
                (';', _) => {
                    while matches!(self.peek(0), Some(';' | '&')) {
                        self.pos += 1;
                    }
                    return Some(Token::Op(Operator::Seq));
                }
                ('(' | ')', _) => {
                    self.pos += 1;
                    return Some(Token::Break);
                }
                _ if c.is_ascii_digit() => {
                    let digits = self.chars[self.pos..].iter().take_while(|c| c.is_ascii_digit()).count();
                    if matches!(self.peek(digits), Some('<' | '>')) {
                        self.pos += digits;
                        self.redirect();
                        continue;
                    }
                    return Some(Token::Word(self.read_word()));
                }
                _ => {
                    let start = self.pos;
                    let word = self.read_word();
                    if self.pos == start {
                        self.pos += 1; // defensive: always make progress
                    }
                    return Some(Token::Word(word));
                }
            };
            self.pos += op.0;
            return Some(Token::Op(op.1));
        }
    }

    fn at_word_end(&self) -> bool {
        match self.peek(0) {
            None | Some(' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '(' | ')') => true,
            Some('<' | '>') => self.peek(1) != Some('('),
            Some(_) => false,
        }
    }

    fn read_word(&mut self) -> RawWord {
        let mut word = RawWord::default();
        while !self.at_word_end() {
            let Some(c) = self.peek(0) else { break };
            match (c, self.peek(1)) {
                ('\'', _) => {
                    word.quoted = true;
                    self.pos += 1;
                    while let Some(c) = self.peek(0) {
                        self.pos += 1;
                        if c == '\'' {
                            break;
                        }
                        word.text.push(c);
                    }
                }
                ('"', _) => {
                    word.quoted = true;
                    self.read_double_quoted(&mut word.text);
                }
                ('\\', next) => {
                    self.pos += 2;
                    if let Some(n) = next.filter(|&n| n != '\n') {
                        word.quoted = true;
                        word.text.push(n);
                    }
                }
                ('$', Some('\'')) => {
                    word.quoted = true;
                    self.pos += 2;
                    while let Some(c) = self.peek(0) {
                        self.pos += 1;
                        match c {
                            '\'' => break,
                            '\\' => {
                                let escaped = self.peek(0).map(|e| match e {
                                    'n' => '\n',
                                    't' => '\t',
                                    other => other,
                                });
                                word.text.extend(escaped);
                                self.pos += 1;
                            }
                            _ => word.text.push(c),
                        }
                    }
                }
                ('$' | '<' | '>', Some('(')) => self.copy_balanced(&mut word.text, '(', ')'),
                ('$', Some('{')) => self.copy_balanced(&mut word.text, '{', '}'),
                ('`', _) => self.copy_backticks(&mut word.text),
                ('=', _) => {
                    word.assign |= !word.quoted && is_name(&word.text);
                    word.text.push('=');
                    self.pos += 1;
                }
                _ => {
                    word.text.push(c);
                    self.pos += 1;
                }
            }
        }
        word
    }

    fn read_double_quoted(&mut self, out: &mut String) {
        self.pos += 1;
        while let Some(c) = self.peek(0) {
            match (c, self.peek(1)) {
                ('"', _) => {
                    self.pos += 1;
                    return;
                }
                ('\\', Some(e @ ('"' | '\\' | '$' | '`'))) => {
                    out.push(e);
                    self.pos += 2;
                }
                ('\\', Some('\n')) => self.pos += 2,
                ('$', Some('(')) => self.copy_balanced(out, '(', ')'),
                ('$', Some('{')) => self.copy_balanced(out, '{', '}'),
                ('`', _) => self.copy_backticks(out),
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// Copies `$(…)`, `${…}` or `<(…)` verbatim, nesting and quotes respected.
    fn copy_balanced(&mut self, out: &mut String, open: char, close: char) {
        let (mut depth, mut quote) = (0usize, None);
        while let Some(c) = self.peek(0) {
            out.push(c);
            self.pos += 1;
            match (quote, c) {
                (_, '\\') if quote != Some('\'') => {
                    out.extend(self.peek(0));
                    self.pos += 1;
                }
                (None, '\'' | '"') => quote = Some(c),
                (Some(q), _) if q == c => quote = None,
                (None, _) if c == open => depth += 1,
                (None, _) if c == close => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    fn copy_backticks(&mut self, out: &mut String) {
        out.push('`');
        self.pos += 1;
        while let Some(c) = self.peek(0) {
            out.push(c);
            self.pos += 1;
            if c == '\\' {
                out.extend(self.peek(0));
                self.pos += 1;
            } else if c == '`' {
                return;
            }
        }
    }

    /// Skips a redirection operator and its target; remembers here-document delimiters.
    fn redirect(&mut self) {
        let mut op = String::new();
        while let Some(c) = self.peek(0).filter(|c| matches!(c, '<' | '>' | '&' | '|' | '-')) {
            if op.len() >= 3 || (c == '-' && !op.starts_with("<<")) || (c == '&' && !op.is_empty() && self.peek(1) == Some('&')) {
                break;
            }
            op.push(c);
            self.pos += 1;
        }
        while matches!(self.peek(0), Some(' ' | '\t')) {
            self.pos += 1;
        }
        if self.at_word_end() {
            return;
        }
        let target = self.read_word();
        if op == "<<" || op == "<<-" {
            self.heredocs.push((target.text, op == "<<-"));
        }
    }

    fn skip_heredoc_bodies(&mut self) {
        for (delimiter, strip_tabs) in std::mem::take(&mut self.heredocs) {
            while self.pos < self.chars.len() {
                let end = self.chars[self.pos..].iter().position(|&c| c == '\n').map_or(self.chars.len(), |n| self.pos + n);
                let line: String = self.chars[self.pos..end].iter().collect();
                self.pos = end + 1;
                let line = if strip_tabs { line.trim_start_matches('\t') } else { &line };
                if line.trim_end_matches('\r') == delimiter {
                    break;
                }
            }
        }
        self.pos = self.pos.min(self.chars.len());
    }
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Words of one simple command: assignments and compound-command keywords dropped, runners stripped.
fn command_words(raw: Vec<RawWord>) -> Vec<String> {
    let mut start = 0;
    while let Some(word) = raw.get(start) {
        let keyword = !word.quoted && !word.assign;
        match word.text.as_str() {
            _ if word.assign => {}
            "if" | "then" | "else" | "elif" | "fi" | "do" | "done" | "while" | "until" | "!" | "{" | "}" | "esac" if keyword => {}
            "for" | "case" | "select" | "function" if keyword => return Vec::new(),
            _ => break,
        }
        start += 1;
    }
    let mut words: Vec<String> = raw.into_iter().skip(start).map(|w| w.text).collect();
    let skip = strip_runners(&words);
    words.drain(..skip);
    words
}

/// How many leading words are process runners (`exec`, `env VAR=x`, `nohup`, `gosu user` …).
fn strip_runners(words: &[String]) -> usize {
    let mut i = 0;
    let skip_options = |mut j: usize, with_value: &[&str]| {
        while let Some(w) = words.get(j).filter(|w| w.starts_with('-')) {
            j += if with_value.contains(&w.as_str()) { 2 } else { 1 };
            if w == "--" {
                break;
            }
        }
        j
    };
    while let Some(word) = words.get(i) {
        let next = match basename(word) {
            "exec" => skip_options(i + 1, &["-a"]),
            "nohup" => i + 1,
            "time" => skip_options(i + 1, &[]),
            "dumb-init" | "tini" => skip_options(i + 1, &["-r", "--rewrite", "-e", "-p"]),
            "gosu" | "su-exec" => i + 2,
            "command" if matches!(words.get(i + 1).map(String::as_str), Some("-v" | "-V")) => return words.len(),
            "command" => skip_options(i + 1, &[]),
            "env" => {
                let mut j = skip_options(i + 1, &["-u", "--unset", "-C", "--chdir"]);
                while words.get(j).is_some_and(|w| w.split_once('=').is_some_and(|(name, _)| is_name(name))) {
                    j += 1;
                }
                j
            }
            _ => return i,
        };
        if next >= words.len() {
            return if matches!(basename(word), "exec" | "command") { words.len() } else { i };
        }
        i = next;
    }
    i
}

fn basename(word: &str) -> &str {
    let trimmed = word.trim_end_matches('/');
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// The dependency-isolation wrapper at the start of `cmd`, if any.
pub fn wrapper_of(cmd: &SimpleCommand) -> Option<Wrapper> {
    wrapper_of_words(&cmd.words)
}

fn wrapper_of_words(words: &[String]) -> Option<Wrapper> {
    let first = words.first()?;
    if let Some(dir) = virtualenv_dir(first) {
        return Some(Wrapper { name: format!("virtualenv {dir}"), words: 1 });
    }
    if first.contains("node_modules/.bin/") {
        return Some(Wrapper { name: "node_modules/.bin".into(), words: 1 });
    }
    const YARN_BUILTINS: &[&str] = &[
        "add", "install", "remove", "upgrade", "up", "init", "global", "cache", "config", "info", "why", "version",
        "set", "link", "unlink", "pack", "publish", "login", "logout", "list", "audit", "outdated", "dlx", "plugin",
    ];
    let (name, span) = match (basename(first), words.get(1).map(String::as_str)) {
        ("bundle" | "bundler", Some("exec")) => ("bundle exec", 2),
        ("poetry", Some("run")) => ("poetry run", 2),
        ("pipenv", Some("run")) => ("pipenv run", 2),
        ("uv", Some("run")) => ("uv run", 2),
        ("pdm", Some("run")) => ("pdm run", 2),
        ("hatch", Some("run")) => ("hatch run", 2),
        ("conda", Some("run")) => ("conda run", 2),
        ("composer", Some("exec")) => ("composer exec", 2),
        ("npx", _) => ("npx", 1),
        ("pnpm", Some("exec")) => ("pnpm exec", 2),
        ("pnpm", Some("run" | "run-script")) => ("pnpm run", 2),
        ("pnpm", Some("dlx")) => ("pnpm dlx", 2),
        ("npm", Some("run" | "run-script")) => ("npm run", 2),
        ("npm", Some("exec" | "x")) => ("npm exec", 2),
        // `npm start` is `npm run start`: the script name is the wrapped command.
        ("npm", Some("start" | "test" | "stop" | "restart")) => ("npm run", 1),
        ("yarn", Some("run" | "exec")) => ("yarn", 2),
        ("yarn", Some(s)) if !s.starts_with('-') && !YARN_BUILTINS.contains(&s) => ("yarn", 1),
        _ => return None,
    };
    const VALUE_OPTIONS: &[&str] = &[
        "-p", "--package", "-n", "--name", "--prefix", "--with", "--env-file", "--project", "--directory", "--python",
        "--extra", "--group", "--cwd", "-C", "--dir", "--filter", "--index", "--with-requirements",
    ];
    let mut end = span;
    while let Some(w) = words.get(end).filter(|w| w.starts_with('-')) {
        end += if VALUE_OPTIONS.contains(&w.as_str()) { 2 } else { 1 };
        if w == "--" {
            break;
        }
    }
    Some(Wrapper { name: name.into(), words: end.min(words.len()) })
}

/// `/opt/netbox/venv/bin/python` -> `/opt/netbox/venv`.
fn virtualenv_dir(word: &str) -> Option<&str> {
    ["venv/bin/", ".venv/bin/", "virtualenv/bin/", "env/bin/"].iter().find_map(|marker| {
        let at = if word.starts_with(marker) { 0 } else { word.find(&format!("/{marker}"))? + 1 };
        let end = at + marker.len();
        (word.len() > end).then(|| word.get(..end - "/bin/".len())).flatten()
    })
}

/// Ad-hoc installs in a whole command line (needs the pipe context for `curl … | sh`).
pub fn installs_in(line: &CommandLine) -> Vec<(usize, Install)> {
    installs_of(&line.commands, 0)
}

fn installs_of(commands: &[SimpleCommand], depth: usize) -> Vec<(usize, Install)> {
    let mut found = Vec::new();
    for (i, cmd) in commands.iter().enumerate() {
        let words = strip_sudo(&cmd.words);
        let Some(first) = words.first() else { continue };
        let wrapped = wrapper_of_words(words).filter(|w| !w.name.starts_with("virtualenv") && !w.name.starts_with("node_modules"));
        if let Some(install) = install_of(words).or_else(|| wrapped.and_then(|w| install_of(words.get(w.words..)?))) {
            found.push((i, install));
        } else if matches!(basename(first), "curl" | "wget") && is_piped_to_interpreter(commands.get(i + 1)) {
            let urls = words.iter().filter(|w| w.contains("://")).cloned().collect::<Vec<_>>();
            let packages = if urls.is_empty() { words.iter().skip(1).filter(|w| !w.starts_with('-')).take(1).cloned().collect() } else { urls };
            found.push((i, Install { manager: format!("{} | sh", basename(first)), packages }));
        } else if is_interpreter(first) && let Some(fetch) = fetched_script(words) {
            found.push((i, fetch));
        } else if depth < MAX_NESTING && let Some(script) = shell_script_at(words).and_then(|s| words.get(s)) {
            found.extend(installs_of(&parse_script(script, cmd.arg_index), depth + 1).into_iter().map(|(_, inst)| (i, inst)));
        }
    }
    found
}

fn strip_sudo(words: &[String]) -> &[String] {
    let mut i = 0;
    if words.first().is_some_and(|w| basename(w) == "sudo") {
        i = 1;
        while let Some(w) = words.get(i).filter(|w| w.starts_with('-')) {
            i += if matches!(w.as_str(), "-u" | "-g" | "-C" | "-D" | "-h" | "-p" | "-U") { 2 } else { 1 };
        }
    }
    words.get(i..).unwrap_or_default()
}

fn is_interpreter(word: &str) -> bool {
    let base = basename(word);
    SHELLS.contains(&base) || matches!(base, "perl" | "ruby" | "node") || base.strip_prefix("python").is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

fn is_piped_to_interpreter(next: Option<&SimpleCommand>) -> bool {
    next.is_some_and(|n| n.joined_by == Some(Operator::Pipe) && strip_sudo(&n.words).first().is_some_and(|w| is_interpreter(w)))
}

/// `bash <(curl -s URL)` or `sh -c "$(curl -fsSL URL)"`.
fn fetched_script(words: &[String]) -> Option<Install> {
    let fetcher = ["curl", "wget"].into_iter().find(|tool| {
        words.iter().any(|w| ["$(", "<(", "`"].iter().any(|open| w.contains(&format!("{open}{tool} "))))
    })?;
    let packages = words
        .iter()
        .flat_map(|w| w.split_whitespace())
        .filter(|t| t.contains("://"))
        .map(|t| t.trim_matches(|c| matches!(c, '"' | '\'' | ')' | '`')).to_string())
        .collect();
    Some(Install { manager: format!("{fetcher} | sh"), packages })
}

fn is_pip(base: &str) -> bool {
    base.strip_prefix("pip").is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// First non-option word from `from`, skipping global options (some take a value).
fn subcommand(words: &[String], from: usize) -> Option<(usize, &str)> {
    const GLOBAL_VALUE_OPTIONS: &[&str] = &["-o", "-c", "-C", "--prefix", "--cwd", "--dir", "--filter", "--root", "--installroot", "--setopt"];
    let mut i = from;
    while let Some(w) = words.get(i) {
        if !w.starts_with('-') {
            return Some((i, w));
        }
        i += if GLOBAL_VALUE_OPTIONS.contains(&w.as_str()) { 2 } else { 1 };
    }
    None
}

fn install_of(words: &[String]) -> Option<Install> {
    let base = basename(words.first()?);
    let (sub_at, sub) = subcommand(words, 1).unwrap_or((words.len(), ""));
    let after_sub = |expected: &[&str]| expected.contains(&sub).then_some(sub_at + 1);
    let (manager, start) = match base {
        _ if is_pip(base) => ("pip", after_sub(&["install"])?),
        _ if base.starts_with("python") && is_interpreter(base) => {
            let m = words.iter().position(|w| w == "-m")?;
            if !is_pip(words.get(m + 1)?) {
                return None;
            }
            let (at, sub) = subcommand(words, m + 2)?;
            ("pip", (sub == "install").then_some(at + 1)?)
        }
        "uv" if sub == "pip" => {
            let (at, sub) = subcommand(words, sub_at + 1)?;
            ("uv pip", (sub == "install").then_some(at + 1)?)
        }
        "uv" => ("uv", after_sub(&["add"])?),
        "pipx" | "gem" | "cargo" | "apt-get" | "apt" | "yum" | "dnf" | "microdnf" | "conda" | "mamba" | "micromamba" => {
            (base, after_sub(&["install"])?)
        }
        "bundle" | "bundler" => ("bundle", after_sub(&["add", "install"])?),
        "npm" => ("npm", after_sub(&["install", "i", "add", "ci"])?),
        "yarn" if sub == "global" => ("yarn", subcommand(words, sub_at + 1).filter(|(_, s)| *s == "add")?.0 + 1),
        "yarn" => ("yarn", after_sub(&["add"])?),
        "pnpm" => ("pnpm", after_sub(&["add", "install", "i"])?),
        "apk" => ("apk", after_sub(&["add"])?),
        "zypper" => ("zypper", after_sub(&["install", "in"])?),
        "go" => ("go", after_sub(&["install", "get"])?),
        "composer" => ("composer", after_sub(&["require", "install"])?),
        _ => return None,
    };
    let packages = list_packages(words.get(start..).unwrap_or_default(), manager);
    Some(Install { manager: manager.into(), packages })
}

/// Package arguments, options (and the values of options that take one) skipped.
fn list_packages(rest: &[String], manager: &str) -> Vec<String> {
    let value_options: &[&str] = match manager {
        "pip" | "uv pip" | "uv" | "pipx" => &[
            "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-t", "--target", "--prefix", "-f", "--find-links",
            "--trusted-host", "--root", "--platform", "--python-version", "--cache-dir", "--src", "--python", "-p", "--pip-args",
        ],
        "gem" => &["-v", "--version", "-i", "--install-dir", "-n", "--bindir", "-s", "--source", "--platform"],
        "bundle" => &["--path", "--without", "--with", "--gemfile", "--jobs", "-j", "--retry", "--binstubs", "-v", "--version", "-g", "--group", "--source", "--git", "--branch", "--ref"],
        "npm" | "yarn" | "pnpm" => &["--prefix", "--registry", "-C", "--cwd", "--dir", "--filter", "--tag", "--workspace"],
        "apt-get" | "apt" => &["-o", "-t", "--target-release", "-c"],
        "apk" => &["-X", "--repository", "-t", "--virtual", "-p", "--root", "--cache-dir"],
        "yum" | "dnf" | "microdnf" => &["--setopt", "--enablerepo", "--disablerepo", "--exclude", "-x", "--installroot", "--releasever", "--repo"],
        "zypper" => &["-r", "--repo", "--from", "-t", "--type"],
        "go" | "cargo" => &["--version", "--git", "--branch", "--tag", "--rev", "--path", "--root", "--features", "-F", "--registry", "--index", "--bin", "--target", "-j", "--jobs", "-tags", "-ldflags", "-C"],
        "composer" => &["-d", "--working-dir"],
        _ => &["-c", "--channel", "-n", "--name", "-p", "--prefix"],
    };
    let records_files = matches!(manager, "pip" | "uv pip" | "uv" | "conda" | "mamba" | "micromamba");
    let mut packages = Vec::new();
    let mut i = 0;
    while let Some(word) = rest.get(i) {
        i += 1;
        if !word.starts_with('-') {
            packages.push(word.clone());
            continue;
        }
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (word.as_str(), None),
        };
        let recorded = match flag {
            "-r" | "--requirement" => Some("-r"),
            "-e" | "--editable" => Some("-e"),
            "--file" => Some("--file"),
            _ => None,
        };
        if records_files && let Some(label) = recorded {
            let value = inline.or_else(|| rest.get(i).cloned());
            i += usize::from(word.find('=').is_none());
            packages.extend(value.map(|v| format!("{label} {v}")));
        } else if records_files && manager != "uv" && flag.len() > 2 && !flag.starts_with("--") && let Some(file) = flag.strip_prefix("-r") {
            packages.push(format!("-r {file}"));
        } else if inline.is_none() && value_options.contains(&flag) {
            i += 1;
        }
    }
    packages
}

/// Returns intent plus the word that decided it (e.g. `(Admin, "db:migrate")`, `(LongRunning, "gunicorn")`).
/// Any long-running command makes the whole line long-running, even after a migration.
pub fn intent(line: &CommandLine) -> (Intent, Option<String>) {
    intent_of(&line.commands, 0)
}

fn intent_of(commands: &[SimpleCommand], depth: usize) -> (Intent, Option<String>) {
    let mut admin = None;
    for cmd in commands {
        let (long_running, admin_word) = classify(&cmd.words, depth);
        if long_running.is_some() {
            return (Intent::LongRunning, long_running);
        }
        admin = admin.or(admin_word);
    }
    match admin {
        Some(word) => (Intent::Admin, Some(word)),
        None => (Intent::Unknown, None),
    }
}

/// Commands that take paths or text but run nothing of the app: their words decide nothing.
const INERT: &[&str] = &[
    "cd", "pushd", "popd", "echo", "printf", "test", "[", "[[", "export", "set", "unset", "mkdir", "ls", "cat", "chmod",
    "chown", "cp", "mv", "rm", "touch", "ln", "true", "false", ":", "trap", "read", "local", "sed", "grep", "awk", "cut",
    "head", "git", "curl", "wget",
];
const LONG_RUNNING_WORDS: &[&str] = &[
    "serve", "server", "runserver", "start", "worker", "rqworker", "puma", "unicorn", "sidekiq", "gunicorn", "uvicorn",
    "hypercorn", "daphne", "nginx", "httpd", "apache2", "supervisord", "scheduler", "consumer", "webserver", "triggerer",
    "rqscheduler",
];
const LONG_RUNNING_SCRIPT_TOKENS: &[&str] = &["start", "startup", "serve", "server", "worker", "puma", "unicorn", "sidekiq", "gunicorn", "uvicorn"];
const ADMIN_WORDS: &[&str] = &[
    "migrate", "migrations", "bootstrap", "seed", "createsuperuser", "collectstatic", "setup-db", "initdb", "upgradedb",
];
const ADMIN_SCRIPT_PARTS: &[&str] = &["migrate", "migration", "setup-db", "setup_db", "init-db", "init_db", "db-init", "db_init", "seed"];

/// (long-running word, admin word) of one simple command.
fn classify(words: &[String], depth: usize) -> (Option<String>, Option<String>) {
    let Some(first) = words.first() else { return (None, None) };
    if depth < MAX_NESTING && let Some(script) = shell_script_at(words).and_then(|s| words.get(s)) {
        return match intent_of(&parse_script(script, 0), depth + 1) {
            (Intent::LongRunning, word) => (word, None),
            (_, word) => (None, word),
        };
    }
    let command = basename(first);
    let has = |flags: &[&str]| words.iter().any(|w| flags.contains(&w.as_str()));
    match command {
        "sleep" if has(&["infinity", "inf"]) => return (Some("sleep infinity".into()), None),
        "tail" if has(&["-f", "-F", "--follow"]) => return (Some("tail -f".into()), None),
        _ if INERT.contains(&command) || command == "sleep" || command == "tail" => return (None, None),
        _ => {}
    }
    (long_running_word(words, command), admin_word(words, command))
}

/// A script name, not a subcommand: the command itself, a path, or a file with a script extension.
fn is_script_like(word: &str, index: usize) -> bool {
    const EXTENSIONS: &[&str] = &[".sh", ".bash", ".py", ".rb", ".js", ".mjs", ".cjs", ".ts", ".pl", ".php"];
    index == 0 || word.contains('/') || EXTENSIONS.iter().any(|e| word.ends_with(e))
}

fn name_tokens(base: &str) -> Vec<String> {
    base.to_ascii_lowercase().split(|c: char| !c.is_ascii_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

fn long_running_word(words: &[String], command: &str) -> Option<String> {
    for (i, word) in words.iter().enumerate().filter(|(_, w)| !w.starts_with('-')) {
        let base = basename(word);
        let after = |name: &str| words[..i].iter().any(|w| basename(w) == name);
        let stem = base.split('.').next().unwrap_or(base);
        let decided = LONG_RUNNING_WORDS.contains(&base)
            || base.starts_with("php-fpm")
            || (base == "s" && i > 0 && basename(&words[i - 1]) == "rails")
            || (base == "beat" && after("celery"))
            || (matches!(command, "node" | "nodejs") && i > 0 && ["server", "index", "app", "main"].iter().any(|p| stem.starts_with(p)))
            || (is_script_like(word, i) && name_tokens(base).iter().any(|t| LONG_RUNNING_SCRIPT_TOKENS.contains(&t.as_str())));
        if decided {
            return Some(if word.contains('/') && LONG_RUNNING_WORDS.contains(&base) { base.to_string() } else { word.clone() });
        }
    }
    None
}

fn admin_word(words: &[String], command: &str) -> Option<String> {
    if command == "init" {
        return Some("init".into());
    }
    for (i, word) in words.iter().enumerate().filter(|(_, w)| !w.starts_with('-')) {
        let after_db = words[..i].iter().any(|w| w == "db") || matches!(command, "alembic" | "superset" | "sentry" | "airflow");
        let base = basename(word).to_ascii_lowercase();
        let tokens = name_tokens(&base);
        let decided = ADMIN_WORDS.contains(&word.as_str())
            || word.starts_with("migrate:")
            || word.strip_prefix("db:").is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_alphabetic()))
            || (i > 0 && matches!(word.as_str(), "upgrade" | "init") && after_db)
            || (command == "liquibase" && word == "update")
            || (is_script_like(word, i) && ADMIN_SCRIPT_PARTS.iter().any(|p| base.contains(p)))
            || (is_script_like(word, i) && base != "dumb-init" && tokens.len() > 1 && tokens.iter().any(|t| t == "init" || t == "initialize"));
        if decided {
            return Some(word.clone());
        }
    }
    None
}

/// A directory or path that names a release version, e.g. `/var/www/app-v1.2.0` -> `v1.2.0`,
/// `/srv/app/releases/20240101` -> `20240101`, `/opt/app/1.2.3/` -> `1.2.3`, `app_v2` -> `v2`.
/// System and dependency locations (`/usr/lib/python3.11`, `node_modules`, `~/.rbenv`) are not.
pub fn versioned_path(path: &str) -> Option<String> {
    const SYSTEM: &[&str] = &[
        "/usr/lib", "/usr/lib64", "/usr/libexec", "/usr/local/lib", "/usr/include", "/usr/local/include", "/usr/share",
        "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/etc", "/lib", "/lib64", "/bin", "/sbin", "/proc",
        "/sys", "/dev", "/var/lib", "/nix/store", "/opt/conda",
    ];
    const STOP: &[&str] = &["node_modules", "site-packages", "dist-packages", "vendor", "gems", "venv", "lib", "lib64", "include"];
    if SYSTEM.iter().any(|p| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))) {
        return None;
    }
    let components: Vec<&str> = path.split('/').filter(|c| !c.is_empty() && *c != ".").collect();
    for (i, component) in components.iter().enumerate() {
        if STOP.contains(component) || (component.starts_with('.') && *component != "..") {
            return None;
        }
        if *component == "releases" {
            return components.get(i + 1).map(|next| next.to_string());
        }
        let starts = std::iter::once(0).chain(component.match_indices(['-', '_', '@']).map(|(at, _)| at + 1));
        if let Some(version) = starts.filter_map(|at| version_at(component.get(at..)?)).next() {
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
    let mut end = usize::from(has_v);
    let (mut dots, mut digits) = (0, 0);
    while let Some(&b) = bytes.get(end) {
        if b.is_ascii_digit() {
            digits += 1;
        } else if b == b'.' && digits > 0 && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
            dots += 1;
        } else {
            break;
        }
        end += 1;
    }
    if digits == 0 || !(has_v || dots > 0) {
        return None;
    }
    let (core, rest) = text.split_at(end);
    match rest.as_bytes().first() {
        None => Some(core.to_string()),
        Some(b'-' | b'+' | b'_') => Some(text.to_string()),
        Some(b'.') if rest.as_bytes().get(1).is_some_and(u8::is_ascii_alphabetic) => Some(core.to_string()),
        Some(_) => None,
    }
}

/// Directories the line changes into: the path after `cd` / `pushd` (index into `line.commands`, path).
pub fn cd_targets(line: &CommandLine) -> Vec<(usize, String)> {
    let mut targets = Vec::new();
    for (i, cmd) in line.commands.iter().enumerate() {
        if cmd.words.first().is_some_and(|w| w == "cd" || w == "pushd") {
            let path = cmd.words.iter().skip(1).find(|w| !w.starts_with('-') || w.len() == 1);
            targets.extend(path.filter(|p| *p != "-").map(|p| (i, p.clone())));
        }
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &CommandLine) -> Vec<Vec<&str>> {
        line.commands.iter().map(|c| c.words.iter().map(String::as_str).collect()).collect()
    }
    fn script(text: &str) -> Vec<Vec<String>> {
        parse_script(text, 0).into_iter().map(|c| c.words).collect()
    }
    fn intent_of_argv(argv: &[&str]) -> (Intent, Option<String>) {
        intent(&parse_argv(argv))
    }
    fn install(manager: &str, packages: &[&str]) -> Install {
        Install { manager: manager.into(), packages: packages.iter().map(|p| p.to_string()).collect() }
    }
    fn installs(argv: &[&str]) -> Vec<(usize, Install)> {
        installs_in(&parse_argv(argv))
    }
    fn wrapper(argv: &[&str]) -> Option<(String, usize)> {
        parse_argv(argv).commands.first().and_then(wrapper_of).map(|w| (w.name, w.words))
    }

    #[test]
    fn shell_form_with_cd_and_bundle_exec() {
        let line = parse_argv(&["/bin/sh", "-c", "cd /app && bundle exec rails db:migrate"]);
        assert!(line.via_shell);
        assert_eq!(words(&line), [vec!["cd", "/app"], vec!["bundle", "exec", "rails", "db:migrate"]]);
        assert_eq!(line.commands[0].joined_by, None);
        assert_eq!(line.commands[1].joined_by, Some(Operator::And));
        assert_eq!(line.commands[1].arg_index, 2);
        assert_eq!(wrapper_of(&line.commands[1]), Some(Wrapper { name: "bundle exec".into(), words: 2 }));
        assert_eq!(intent(&line), (Intent::Admin, Some("db:migrate".into())));
        assert_eq!(cd_targets(&line), [(0, "/app".to_string())]);
    }

    #[test]
    fn kong_migrations_chain() {
        let line = parse_argv(&["bash", "-c", "kong migrations bootstrap && kong migrations up && kong migrations finish"]);
        assert_eq!(words(&line), [["kong", "migrations", "bootstrap"], ["kong", "migrations", "up"], ["kong", "migrations", "finish"]]);
        assert_eq!(intent(&line), (Intent::Admin, Some("migrations".into())));
        assert_eq!(installs_in(&line), []);
    }

    #[test]
    fn pip_install_then_python() {
        let line = parse_argv(&["sh", "-c", "pip install requests && python -c 'import x; x.fix()'"]);
        assert_eq!(words(&line), [vec!["pip", "install", "requests"], vec!["python", "-c", "import x; x.fix()"]]);
        assert_eq!(installs_in(&line), [(0, install("pip", &["requests"]))]);
    }

    #[test]
    fn curl_piped_to_shell() {
        let line = parse_argv(&["sh", "-c", "curl -fsSL https://x/install.sh | sh"]);
        assert_eq!(line.commands[1].joined_by, Some(Operator::Pipe));
        assert_eq!(installs_in(&line), [(0, install("curl | sh", &["https://x/install.sh"]))]);
        assert_eq!(installs(&["sh", "-c", "wget -qO- get.example.com | sudo bash -s"]), [(0, install("wget | sh", &["get.example.com"]))]);
        assert_eq!(installs(&["bash", "-c", "bash <(curl -s https://x/i.sh)"]), [(0, install("curl | sh", &["https://x/i.sh"]))]);
        assert_eq!(installs(&["sh", "-c", "sh -c \"$(curl -fsSL https://x/y)\""]), [(0, install("curl | sh", &["https://x/y"]))]);
        assert_eq!(installs(&["sh", "-c", "curl -o /tmp/x https://x/y && sh /tmp/x.sh"]), []);
    }

    #[test]
    fn netbox_worker_in_virtualenv() {
        let line = parse_argv(&["/opt/netbox/venv/bin/python", "/opt/netbox/netbox/manage.py", "rqworker"]);
        assert!(!line.via_shell);
        assert_eq!(line.commands.len(), 1);
        assert_eq!(wrapper_of(&line.commands[0]), Some(Wrapper { name: "virtualenv /opt/netbox/venv".into(), words: 1 }));
        assert_eq!(intent(&line), (Intent::LongRunning, Some("rqworker".into())));
    }

    #[test]
    fn admin_and_long_running_verbs() {
        let cases: &[(&[&str], Intent, Option<&str>)] = &[
            (&["python", "manage.py", "migrate"], Intent::Admin, Some("migrate")),
            (&["./bin/setup-db-and-start-puma"], Intent::LongRunning, Some("./bin/setup-db-and-start-puma")),
            (&["./bin/setup-db"], Intent::Admin, Some("./bin/setup-db")),
            (&["spicedb", "migrate", "head"], Intent::Admin, Some("migrate")),
            (&["gunicorn", "app:app"], Intent::LongRunning, Some("gunicorn")),
            (&["/bin/sh", "-ec", "exec gunicorn"], Intent::LongRunning, Some("gunicorn")),
            (&["sh", "-c", "python manage.py migrate && exec gunicorn -b :80 app.wsgi"], Intent::LongRunning, Some("gunicorn")),
            (&["celery", "-A", "proj", "worker"], Intent::LongRunning, Some("worker")),
            (&["celery", "-A", "proj", "beat"], Intent::LongRunning, Some("beat")),
            (&["bundle", "exec", "rails", "s", "-b", "0.0.0.0"], Intent::LongRunning, Some("s")),
            (&["node", "dist/server.js"], Intent::LongRunning, Some("dist/server.js")),
            (&["sh", "-c", "echo pulled && sleep infinity"], Intent::LongRunning, Some("sleep infinity")),
            (&["tail", "-f", "/dev/null"], Intent::LongRunning, Some("tail -f")),
            (&["/usr/sbin/nginx", "-g", "daemon off;"], Intent::LongRunning, Some("nginx")),
            (&["alembic", "upgrade", "head"], Intent::Admin, Some("upgrade")),
            (&["flask", "db", "upgrade"], Intent::Admin, Some("upgrade")),
            (&["superset", "init"], Intent::Admin, Some("init")),
            (&["liquibase", "update"], Intent::Admin, Some("update")),
            (&["npx", "knex", "migrate:latest"], Intent::Admin, Some("migrate:latest")),
            (&["npx", "prisma", "migrate", "deploy"], Intent::Admin, Some("migrate")),
            (&["bundle", "exec", "rake", "db:setup"], Intent::Admin, Some("db:setup")),
            (&["python", "manage.py", "createsuperuser", "--noinput"], Intent::Admin, Some("createsuperuser")),
            (&["init", "--insecure"], Intent::Admin, Some("init")),
            (&["zammad-init"], Intent::Admin, Some("zammad-init")),
            (&["bash", "-c", ". /scripts/migrate.sh 127.0.0.1"], Intent::Admin, Some("/scripts/migrate.sh")),
            (&["sh", "-c", "wait-for-it.sh db:5432 -- /entrypoint.sh run"], Intent::Unknown, None),
            (&["sh", "-c", "echo start; cd /app/migrations"], Intent::Unknown, None),
            (&["git", "init"], Intent::Unknown, None),
            (&["dumb-init", "--", "gunicorn"], Intent::LongRunning, Some("gunicorn")),
            (&["su-exec", "app", "sh", "-c", "rails db:prepare"], Intent::Admin, Some("db:prepare")),
            (&[], Intent::Unknown, None),
        ];
        for (argv, expected, word) in cases {
            assert_eq!(intent_of_argv(argv), (*expected, word.map(String::from)), "{argv:?}");
        }
    }

    #[test]
    fn shell_options_and_runners() {
        for argv in [
            &["bash", "-e", "-c", "exec env -i FOO=1 migrate"][..],
            &["/usr/bin/env", "bash", "-lc", "exec env -i FOO=1 migrate"],
            &["sh", "-o", "pipefail", "-euxc", "exec env -i FOO=1 migrate"],
            &["tini", "--", "/bin/ash", "-c", "exec env -i FOO=1 migrate"],
        ] {
            let line = parse_argv(argv);
            assert!(line.via_shell, "{argv:?}");
            assert_eq!(words(&line), [["migrate"]], "{argv:?}");
            assert_eq!(line.commands[0].arg_index, argv.len() - 1);
        }
        let line = parse_argv(&["sh", "/scripts/migrate.sh"]);
        assert!(!line.via_shell);
        assert_eq!(words(&line), [["sh", "/scripts/migrate.sh"]]);
        let line = parse_argv(&["env", "RAILS_ENV=production", "bundle", "exec", "rake"]);
        assert_eq!((words(&line), line.commands[0].arg_index), (vec![vec!["bundle", "exec", "rake"]], 2));
        assert_eq!(parse_argv(&["sh", "-c"]), CommandLine { commands: vec![], via_shell: true });
        assert_eq!(parse_argv(&[]), CommandLine::default());
        assert_eq!(words(&parse_argv(&["nohup"])), [["nohup"]]);
    }

    #[test]
    fn quoting_and_operators() {
        let line = parse_argv(&["sh", "-c", "echo \"a && b\" && run"]);
        assert_eq!(words(&line), [vec!["echo", "a && b"], vec!["run"]]);
        assert_eq!(script("a || b; c | d & e |& f"), [["a"], ["b"], ["c"], ["d"], ["e"], ["f"]]);
        let ops: Vec<_> = parse_script("a || b; c | d & e |& f", 0).iter().map(|c| c.joined_by).collect();
        use Operator::*;
        assert_eq!(ops, [None, Some(Or), Some(Seq), Some(Pipe), Some(Background), Some(Pipe)]);
        assert_eq!(script(r#"echo 'it''s' "x\"y" a\ b $'t\tab'"#), [["echo", "its", "x\"y", "a b", "t\tab"]]);
        assert_eq!(script(r#"echo "$(cat "f g")" ${A:-"x y"} `date "+%s"` $((1+2))"#), [[
            "echo", "$(cat \"f g\")", "${A:-\"x y\"}", "`date \"+%s\"`", "$((1+2))"
        ]]);
        assert_eq!(script("echo a#b # comment && ignored\nnext \\\n  arg"), [vec!["echo", "a#b"], vec!["next", "arg"]]);
    }

    #[test]
    fn redirections_assignments_keywords() {
        let text = "set -e\nFOO=1 BAR=\"x y\" python migrate.py > /tmp/log 2>&1 </dev/null\n\
                    if [ -f x ]; then\n  echo ok >&2\nelse exec puma; fi\n\
                    for f in a b; do rm $f; done\ncat <<-EOF >out\n\tnot && a command\n\tEOF\n{ a; } && (b)";
        assert_eq!(script(text), [
            vec!["set", "-e"],
            vec!["python", "migrate.py"],
            vec!["[", "-f", "x", "]"],
            vec!["echo", "ok"],
            vec!["puma"],
            vec!["rm", "$f"],
            vec!["cat"],
            vec!["a"],
            vec!["b"],
        ]);
        assert_eq!(parse_script(text, 0).last().and_then(|c| c.joined_by), Some(Operator::And));
        assert_eq!(script("\"FOO\"=1 cmd 'if'; command -v x; exec >/dev/null; x=$(a b)"), [["FOO=1", "cmd", "if"]]);
    }

    #[test]
    fn unterminated_and_odd_input() {
        assert_eq!(script("echo 'abc"), [["echo", "abc"]]);
        assert_eq!(script("echo \"abc && d"), [["echo", "abc && d"]]);
        assert_eq!(script("echo $(foo 'bar"), [["echo", "$(foo 'bar"]]);
        assert_eq!(script("a \\"), [["a"]]);
        assert_eq!(script(">"), Vec::<Vec<String>>::new());
        assert_eq!(script(";;&&||)(\n"), Vec::<Vec<String>>::new());
        let fragments = ["'", "\"", "\\", "$(", "${", "`", "<<", "<<-", ">&", "2>", "&", "|", ";", "(", ")", "{", "}", "#", "\n", " ", "x=", "é", "if", "<(", "$'", "\r"];
        let mut seed = 7u64;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..(seed % 12) {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                text.push_str(fragments[(seed >> 33) as usize % fragments.len()]);
            }
            let line = parse_argv(&["sh", "-c", &text]);
            let _ = (installs_in(&line), intent(&line), cd_targets(&line), split_words(&text), versioned_path(&text));
            line.commands.iter().for_each(|c| drop(wrapper_of(c)));
        }
    }

    #[test]
    fn compose_split_words() {
        assert_eq!(split_words("kong migrations up && kong migrations finish"), ["kong", "migrations", "up", "&&", "kong", "migrations", "finish"]);
        assert_eq!(split_words(r#"sh -c "echo \"hi\" && x" 'a b' c\ d "" "#), ["sh", "-c", "echo \"hi\" && x", "a b", "c d", ""]);
        assert_eq!(split_words("  "), Vec::<String>::new());
        assert_eq!(split_words("unterminated 'quote"), ["unterminated", "quote"]);
    }

    #[test]
    fn wrappers() {
        let cases: &[(&[&str], Option<(&str, usize)>)] = &[
            (&["bundler", "exec", "rake"], Some(("bundle exec", 2))),
            (&["poetry", "run", "python", "x.py"], Some(("poetry run", 2))),
            (&["uv", "run", "--with", "x", "--frozen", "python"], Some(("uv run", 5))),
            (&["conda", "run", "-n", "app", "python"], Some(("conda run", 4))),
            (&["npx", "--yes", "prisma", "migrate", "deploy"], Some(("npx", 2))),
            (&["yarn", "run", "migrate"], Some(("yarn", 2))),
            (&["yarn", "migrate"], Some(("yarn", 1))),
            (&["yarn", "install"], None),
            (&["pnpm", "exec", "knex"], Some(("pnpm exec", 2))),
            (&["pnpm", "run", "migrate"], Some(("pnpm run", 2))),
            (&["npm", "run", "migrate"], Some(("npm run", 2))),
            (&["npm", "exec", "knex"], Some(("npm exec", 2))),
            (&["npm", "start"], Some(("npm run", 1))),
            (&["composer", "exec", "phinx"], Some(("composer exec", 2))),
            (&["/app/node_modules/.bin/knex", "migrate:latest"], Some(("node_modules/.bin", 1))),
            (&[".venv/bin/alembic", "upgrade", "head"], Some(("virtualenv .venv", 1))),
            (&["/srv/env/bin/python3.11"], Some(("virtualenv /srv/env", 1))),
            (&["bin/rails", "db:migrate"], None),
            (&["mix", "ecto.migrate"], None),
            (&["/usr/bin/env", "python"], None),
            (&["/opt/venv/bin/"], None),
        ];
        for (argv, expected) in cases {
            assert_eq!(wrapper(argv), expected.map(|(n, w)| (n.to_string(), w)), "{argv:?}");
        }
        let line = parse_argv(&["sh", "-c", "FOO=1 exec bundle exec puma"]);
        assert_eq!(wrapper_of(&line.commands[0]).map(|w| w.name), Some("bundle exec".into()));
    }

    #[test]
    fn installers() {
        let cases: &[(&str, &[(&str, &[&str])])] = &[
            ("pip install -r requirements.txt --no-cache-dir", &[("pip", &["-r requirements.txt"])]),
            ("pip3.11 install --user -q -i https://pypi/simple foo==1.0 -rreq.txt", &[("pip", &["foo==1.0", "-r req.txt"])]),
            ("python3 -m pip install --upgrade pip", &[("pip", &["pip"])]),
            ("/opt/app/venv/bin/python -m pip install -e .", &[("pip", &["-e ."])]),
            ("pip --version; pip list; pip freeze > x", &[]),
            ("uv pip install x && uv add y", &[("uv pip", &["x"]), ("uv", &["y"])]),
            ("poetry run pip install z", &[("pip", &["z"])]),
            ("sudo -E apt-get -o Dpkg::Use-Pty=0 -y install --no-install-recommends curl jq", &[("apt-get", &["curl", "jq"])]),
            ("apk add --no-cache --virtual .deps gcc", &[("apk", &["gcc"])]),
            ("sudo zypper --gpg-auto-import-keys -q install -y cifs-utils", &[("zypper", &["cifs-utils"])]),
            ("yum --setopt=tsflags=noscripts install -q -y cifs-utils", &[("yum", &["cifs-utils"])]),
            ("gem install bundler -v 2.4.0 --no-document && bundle install --jobs 4", &[("gem", &["bundler"]), ("bundle", &[])]),
            ("npm ci && npm i -g left-pad && yarn add a && yarn global add b && yarn install", &[("npm", &[]), ("npm", &["left-pad"]), ("yarn", &["a"]), ("yarn", &["b"])]),
            ("pnpm i && go install example.com/x@latest && cargo install sqlx-cli --version 0.7", &[("pnpm", &[]), ("go", &["example.com/x@latest"]), ("cargo", &["sqlx-cli"])]),
            ("composer require monolog/monolog && conda install -c conda-forge -y numpy", &[("composer", &["monolog/monolog"]), ("conda", &["numpy"])]),
            ("pipx install black; dnf install -y git; microdnf install tar; mamba install x", &[("pipx", &["black"]), ("dnf", &["git"]), ("microdnf", &["tar"]), ("mamba", &["x"])]),
            ("su-exec app sh -c 'gem install rake'", &[("gem", &["rake"])]),
        ];
        for (text, expected) in cases {
            let found: Vec<_> = installs(&["sh", "-c", text]).into_iter().map(|(_, i)| i).collect();
            let expected: Vec<_> = expected.iter().map(|(m, p)| install(m, p)).collect();
            assert_eq!(found, expected, "{text}");
        }
        assert_eq!(installs(&["sh", "-c", "cd /x && bundle install"])[0].0, 1);
    }

    #[test]
    fn versioned_paths() {
        let cases: &[(&str, Option<&str>)] = &[
            ("/var/www/app-v1.2.0", Some("v1.2.0")),
            ("/srv/app/releases/20240101", Some("20240101")),
            ("/opt/app/1.2.3/", Some("1.2.3")),
            ("app_v2", Some("v2")),
            ("/opt/app-2.0-rc1/bin", Some("2.0-rc1")),
            ("/opt/dist/app-1.4.jar", Some("1.4")),
            ("/usr/lib/python3.11/x", None),
            ("/usr/lib/python3.11/site-packages", None),
            ("/opt/python3", None),
            ("/etc/nginx", None),
            ("/app", None),
            ("/usr/local/bin", None),
            ("/app/node_modules/x-1.2.3", None),
            ("/home/user", None),
            ("/root/.nvm/versions/node/v18.0.0", None),
            ("/opt/x86_64-linux", None),
            ("/srv/app/releases", None),
            ("/srv/v1beta1", None),
            ("", None),
        ];
        for (path, expected) in cases {
            assert_eq!(versioned_path(path), expected.map(String::from), "{path}");
        }
    }

    #[test]
    fn cd_and_pushd_targets() {
        let line = parse_argv(&["sh", "-c", "cd -P /var/www/app-v1.2.0 && pushd ../x; cd; cd -; make"]);
        assert_eq!(cd_targets(&line), [(0, "/var/www/app-v1.2.0".to_string()), (1, "../x".to_string())]);
    }
}
