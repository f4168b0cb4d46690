//! The shell lexer: words with their byte ranges, control operators, quotes, substitutions,
//! redirections and here-documents; or, for Compose's string form, words split without a shell.

use super::{Operator, is_name};

/// Compose string-form command: split into words WITHOUT a shell (shlex-style: quotes honoured,
/// no operators — `a && b` gives words `["a","&&","b"]`).
pub fn split_words(text: &str) -> Vec<String> {
    plain_words(text).into_iter().map(|w| w.text).collect()
}

/// [`split_words`] with each word's byte range and whether any of it was quoted or escaped
/// (a quoted `"&&"` is an argument on purpose).
pub fn plain_words(text: &str) -> Vec<Word> {
    let mut lexer = Lexer::new(text, true);
    let mut words = Vec::new();
    loop {
        while lexer.peek(0).is_some_and(char::is_whitespace) {
            lexer.pos += 1;
        }
        if lexer.peek(0).is_none() {
            return words;
        }
        let start = lexer.pos;
        let mut word = lexer.read_word();
        word.bytes = lexer.byte_range(start, lexer.pos);
        words.push(word);
    }
}

/// A word as lexed, with what the command-position rules need to know about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Word {
    /// The word, quotes and escapes removed; substitutions kept as written.
    pub text: String,
    /// Some part was quoted or escaped, so it cannot be a keyword or an operator.
    pub quoted: bool,
    /// `NAME=…` with an unquoted name: a variable assignment.
    pub assign: bool,
    /// Byte range of the word in the text lexed.
    pub bytes: std::ops::Range<usize>,
}

/// A word, or the end of a simple command (`Err(None)` for `(` and `)`, which name no operator).
pub(super) type Token = Result<Word, Option<Operator>>;

/// The lexer, over characters; byte offsets are kept alongside so that words carry byte ranges.
pub(super) struct Lexer {
    chars: Vec<char>,
    /// Byte offset of each character, and the text's length last.
    offsets: Vec<usize>,
    pos: usize,
    /// Only quotes and backslashes are special (compose string form, no shell).
    plain: bool,
    /// Here-document delimiters waiting for the next newline, with their `<<-` flag.
    heredocs: Vec<(String, bool)>,
    /// Byte ranges of the comments lexed (`#` to the end of its line), for scripts whose
    /// comments may hold suppressions.
    pub(super) comments: Vec<std::ops::Range<usize>>,
}

impl Lexer {
    pub(super) fn new(text: &str, plain: bool) -> Self {
        let chars = text.chars().collect();
        let offsets = text
            .char_indices()
            .map(|(at, _)| at)
            .chain(std::iter::once(text.len()))
            .collect();
        Lexer {
            chars,
            offsets,
            pos: 0,
            plain,
            heredocs: Vec::new(),
            comments: Vec::new(),
        }
    }

    /// The bytes of characters `start..end` (clamped to the text: an unterminated quote reads
    /// one past its end).
    fn byte_range(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        let at = |i: usize| {
            self.offsets
                .get(i)
                .or(self.offsets.last())
                .copied()
                .unwrap_or(0)
        };
        at(start)..at(end)
    }

    /// The characters up to `stop` (or the end), consumed together with `stop`.
    fn take_through(&mut self, stop: char) -> String {
        let text: String = self
            .chars
            .iter()
            .skip(self.pos)
            .take_while(|&&c| c != stop)
            .collect();
        self.pos += text.chars().count() + 1;
        text
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    pub(super) fn next_token(&mut self) -> Option<Token> {
        use Operator::*;
        loop {
            let (c, next) = (self.peek(0)?, self.peek(1));
            let (len, op) = match (c, next) {
                (' ' | '\t' | '\r', _) => (1, None),
                ('\\', Some('\n')) => (2, None),
                ('#', _) => {
                    let length = self
                        .chars
                        .iter()
                        .skip(self.pos)
                        .take_while(|&&c| c != '\n' && c != '\r')
                        .count();
                    let range = self.byte_range(self.pos, self.pos + length);
                    self.comments.push(range);
                    (length, None)
                }
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
                    word.bytes = self.byte_range(start, self.pos);
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

    fn read_word(&mut self) -> Word {
        let (mut word, mut double) = (Word::default(), false);
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
                    let text = self.take_through('\'');
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
                let line = self.take_through('\n');
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
