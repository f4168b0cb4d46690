//! Simple commands: an argv or a `sh -c` script split into commands, runners stripped.

use super::lexer::{Lexer, Word};
use super::{
    CommandLine, Operator, SHELLS, SimpleCommand, basename, is_name, listed, skip_options,
};

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
            bytes: None,
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
pub(super) fn nested_script(words: &[String]) -> Option<&String> {
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
        let (words, bytes) = command_words(std::mem::take(&mut current));
        if !words.is_empty() {
            let joined_by = (!commands.is_empty()).then(|| pending.unwrap_or(Operator::Seq));
            commands.push(SimpleCommand {
                words,
                arg_index,
                joined_by,
                bytes,
            });
            pending = None;
        }
        match token {
            Some(Err(op)) => pending = op.or(pending),
            _ => return commands,
        }
    }
}

/// Words of one simple command: assignments and compound-command keywords dropped, runners
/// stripped; with the byte range from the first kept word to the last word.
fn command_words(raw: Vec<Word>) -> (Vec<String>, Option<std::ops::Range<usize>>) {
    const KEYWORDS: &str = "if then else elif fi do done while until ! { } esac";
    let keyword = |w: &Word, list: &str| !w.quoted && !w.assign && listed(list, &w.text);
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
        raw.iter().skip(start).map(|w| w.bytes.clone()).collect();
    let words: Vec<String> = raw.into_iter().skip(start).map(|w| w.text).collect();
    let skip = strip_runners(&words);
    let bytes = match (ranges.get(skip), ranges.last()) {
        (Some(first), Some(last)) => Some(first.start..last.end),
        _ => None,
    };
    (words.into_iter().skip(skip).collect(), bytes)
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

/// One simple command of a script as lexed: every word with its byte range, leading variable
/// assignments kept (a script scanner reads `IMAGE=app:1.2` and `DATABASE_URL=… cmd` itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptCommand {
    /// The words in order, assignments included, quotes removed, substitutions as written.
    pub words: Vec<Word>,
    /// The operator that joined it to the previous command (None for the first).
    pub joined_by: Option<Operator>,
}

/// A script lexed for a scanner: its simple commands and its comments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    /// The simple commands in order.
    pub commands: Vec<ScriptCommand>,
    /// Each comment's byte range, `#` to the end of its line.
    pub comments: Vec<std::ops::Range<usize>>,
}

/// A whole script split into simple commands with every word's byte range: the form script
/// scanners read (`parse_script` drops assignments and keywords for rules that only need the
/// command). Line continuations, quotes, here-documents and comments as in [`parse_script`].
pub fn script_commands(script: &str) -> Script {
    const KEYWORDS: &str = "if then else elif fi do done while until ! { } esac";
    let mut lexer = Lexer::new(script, false);
    let (mut commands, mut current, mut pending): (Vec<ScriptCommand>, Vec<Word>, _) =
        (Vec::new(), Vec::new(), None);
    loop {
        let token = lexer.next_token();
        if let Some(Ok(word)) = token {
            // Compound-command keywords open a command without being part of it.
            if current.is_empty() && !word.quoted && listed(KEYWORDS, &word.text) {
                continue;
            }
            current.push(word);
            continue;
        }
        if !current.is_empty() {
            let joined_by = (!commands.is_empty()).then(|| pending.unwrap_or(Operator::Seq));
            commands.push(ScriptCommand {
                words: std::mem::take(&mut current),
                joined_by,
            });
            pending = None;
        }
        match token {
            Some(Err(op)) => pending = op.or(pending),
            _ => {
                return Script {
                    commands,
                    comments: lexer.comments,
                };
            }
        }
    }
}
