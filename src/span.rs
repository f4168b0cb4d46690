//! Byte spans into source files, the location every fact and finding carries.

/// Index of a [`crate::source::SourceFile`] in the run's file table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

thread_local! {
    /// The file whose facts are being decoded: stored spans carry no file id.
    static DECODING: std::cell::Cell<FileId> = const { std::cell::Cell::new(FileId(0)) };
    /// Where spans being decoded are moved to (see [`decoding_mapped`]).
    static MAPPING: std::cell::RefCell<Option<SpanMapping>> = const { std::cell::RefCell::new(None) };
}

/// A function every decoded span goes through.
type SpanMapping = Box<dyn Fn(Span) -> Span>;

/// Run `decode` with every span decoded (as spans of `file`) passed through `map`: facts
/// extracted from a rendered text are encoded and decoded once to move each of their spans,
/// wherever it is in the facts, back to the source the text was rendered from.
pub fn decoding_mapped<T>(
    file: FileId,
    map: impl Fn(Span) -> Span + 'static,
    decode: impl FnOnce() -> T,
) -> T {
    MAPPING.with(|mapping| *mapping.borrow_mut() = Some(Box::new(map)));
    let out = decoding_file(file, decode);
    MAPPING.with(|mapping| *mapping.borrow_mut() = None);
    out
}

/// Run `decode` with spans (and anything else that takes [`current_file`] as its serde default)
/// read back as spans of `file`: the fact cache stores one file's facts without file ids.
pub fn decoding_file<T>(file: FileId, decode: impl FnOnce() -> T) -> T {
    DECODING.with(|current| current.set(file));
    decode()
}

/// The file id of spans being decoded (the serde default of [`Span::file`]).
pub fn current_file() -> FileId {
    DECODING.with(std::cell::Cell::get)
}

/// A byte range `start..end` in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Span {
    /// The file the range is in. Not stored in the fact cache: cached facts are for one file,
    /// whose id is set while reading them back (see [`decoding_file`]).
    #[serde(skip, default = "current_file")]
    pub file: FileId,
    /// First byte (0-based, inclusive).
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

/// A span as the fact cache stores it: the range only.
#[derive(serde::Deserialize)]
#[serde(rename = "Span")]
struct StoredSpan {
    start: u32,
    end: u32,
}

impl<'de> serde::Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = StoredSpan::deserialize(deserializer)?;
        let span = Span {
            file: current_file(),
            start: stored.start,
            end: stored.end,
        };
        Ok(MAPPING.with(|mapping| mapping.borrow().as_ref().map_or(span, |map| map(span))))
    }
}

impl Span {
    /// A span of `start..end` in `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            file,
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// The span as a `Range<usize>` of bytes.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// True for an empty range (a point).
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// The span of bytes `bytes` of a scalar's value, found in its source text.
///
/// The source may differ from the value by quotes, escapes, indentation and folded line breaks;
/// characters of the value are matched in order, and the result is checked: when the source
/// part does not spell the same characters (ignoring quotes, backslashes and whitespace), None
/// is returned and callers use the whole scalar's span.
pub fn sub_span(
    text: &str,
    scalar: Span,
    value: &str,
    bytes: std::ops::Range<usize>,
) -> Option<Span> {
    let source = text.get(scalar.range())?;
    // The source is matched character by character: the byte range as a character range.
    let chars = value.get(..bytes.start)?.chars().count()..value.get(..bytes.end)?.chars().count();
    if chars.start >= chars.end {
        return None;
    }
    if let Some(places) = double_quoted_places(source, value) {
        let base = scalar.start as usize;
        let (start, _) = places.get(chars.start)?;
        let (_, end) = places.get(chars.end - 1)?;
        return Some(Span::new(scalar.file, base + start, base + end));
    }
    let mut source_chars = source.char_indices();
    let (mut start, mut end) = (None, None);
    for (index, wanted) in value.chars().enumerate().take(chars.end) {
        let (at, found) =
            source_chars.find(|&(_, c)| c == wanted || (wanted == ' ' && c == '\n'))?;
        if index == chars.start {
            start = Some(at);
        }
        end = Some(at + found.len_utf8());
    }
    let (start, end) = (start?, end?);
    let significant = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '\\'))
            .collect()
    };
    let wanted: String = value
        .chars()
        .skip(chars.start)
        .take(chars.end - chars.start)
        .collect();
    if significant(&source[start..end]) != significant(&wanted) {
        return None;
    }
    let base = scalar.start as usize;
    Some(Span::new(scalar.file, base + start, base + end))
}

/// Where each character of a double-quoted scalar's value is written in its source (JSON, or
/// YAML without line folding): the source range of the character or of the escape that spells
/// it (`\"`, `\n`, `\u00e9`, a surrogate pair). None when the source is not such a string or
/// does not decode to `value`.
fn double_quoted_places(source: &str, value: &str) -> Option<Vec<(usize, usize)>> {
    let body = source.strip_prefix('"')?;
    let mut places = Vec::with_capacity(value.len());
    let mut wanted = value.chars();
    let mut chars = body.char_indices().peekable();
    while let Some((at, found)) = chars.next() {
        let start = at + 1;
        let decoded = match found {
            '"' => break,
            // A line break in the string folds: the plain matching handles that.
            '\n' | '\r' => return None,
            '\\' => {
                let (_, escape) = chars.next()?;
                let digits = match escape {
                    'x' => 2,
                    'u' => 4,
                    'U' => 8,
                    '\n' => return None,
                    _ => 0,
                };
                let mut hex = String::new();
                for _ in 0..digits {
                    hex.push(chars.next()?.1);
                }
                let mut code = if digits == 0 {
                    None
                } else {
                    Some(u32::from_str_radix(&hex, 16).ok()?)
                };
                // A UTF-16 surrogate pair (`\ud83d\ude00`) spells one character.
                if let Some(high @ 0xD800..=0xDBFF) = code {
                    let rest = body.get(chars.peek()?.0..)?;
                    let low = rest
                        .strip_prefix("\\u")
                        .and_then(|r| r.get(..4))
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .filter(|low| (0xDC00..=0xDFFF).contains(low))?;
                    for _ in 0..6 {
                        chars.next();
                    }
                    code = Some(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00));
                }
                match code {
                    Some(code) => Some(char::from_u32(code)?),
                    // Single-letter escapes decode to one character each: which one is the
                    // value's to say.
                    None => None,
                }
            }
            plain => Some(plain),
        };
        let next = wanted.next()?;
        if decoded.is_some_and(|d| d != next) {
            return None;
        }
        let end = chars.peek().map_or(body.len(), |&(i, _)| i) + 1;
        places.push((start, end));
    }
    (wanted.next().is_none() && places.len() == value.chars().count()).then_some(places)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str, needle: &str) -> Span {
        let start = text.find(needle).unwrap();
        Span::new(FileId(0), start, start + needle.len())
    }

    #[test]
    fn sub_spans_follow_quotes_blocks_and_folds() {
        let text = "args: [\"cd /srv && pip install x\"]\n";
        let scalar = find(text, "\"cd /srv && pip install x\"");
        let span = sub_span(text, scalar, "cd /srv && pip install x", 11..24).unwrap();
        assert_eq!(&text[span.range()], "pip install x");
        let block = "args:\n  - |\n    set -e\n    pip install x\n";
        let scalar = find(block, "|\n    set -e\n    pip install x\n");
        let span = sub_span(block, scalar, "set -e\npip install x\n", 7..20).unwrap();
        assert_eq!(&block[span.range()], "pip install x");
        let escaped = "a: \"echo \\\"hi\\\" && gem install y\"\n";
        let scalar = find(escaped, "\"echo \\\"hi\\\" && gem install y\"");
        let span = sub_span(escaped, scalar, "echo \"hi\" && gem install y", 13..26).unwrap();
        assert_eq!(&escaped[span.range()], "gem install y");
        // Escapes spell one character each: `\t`, `\u00e9`, a surrogate pair.
        let tricky = "a: \"x\\ty\"\n";
        let scalar = find(tricky, "\"x\\ty\"");
        let span = sub_span(tricky, scalar, "x\ty", 2..3).unwrap();
        assert_eq!(&tricky[span.range()], "y");
        let json = r#"{"postdeploy": "echo \"caf\u00e9 \ud83d\ude00\"\nrails db:seed"}"#;
        let scalar = find(json, r#""echo \"caf"#);
        let scalar = Span::new(FileId(0), scalar.start as usize, json.len() - 1);
        let value = "echo \"café 😀\"\nrails db:seed";
        let at = value.find("rails").unwrap();
        let span = sub_span(json, scalar, value, at..value.len()).unwrap();
        assert_eq!(&json[span.range()], "rails db:seed");
        let at = value.find('é').unwrap();
        let span = sub_span(json, scalar, value, at..at + 'é'.len_utf8()).unwrap();
        assert_eq!(&json[span.range()], r"\u00e9");
        // A value the source does not spell: no guess.
        let scalar = find(tricky, "\"x\\ty\"");
        assert_eq!(sub_span(tricky, scalar, "x\tz", 2..3), None);
    }
}
