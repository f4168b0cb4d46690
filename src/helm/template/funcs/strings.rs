//! sprig's string functions; those whose result is a part or a reshaping of one string argument
//! keep its origin, and for a string rendered by `include` / `tpl`, its pieces.

use std::collections::BTreeMap;

use super::Call;
use super::convert;
use crate::helm::template::TemplateError;
use crate::helm::template::exec::Exec;
use crate::helm::template::format;
use crate::helm::template::pieces::Rebuild;
use crate::helm::template::value::Value;

/// A string made from `source` by a function: same origin.
fn derived(text: impl Into<std::sync::Arc<str>>, source: &Value) -> Value {
    Value::string(text).with_origin(source.origin())
}

/// `quote` / `squote`: each non-nil argument quoted (Go's `%q`, or plain single quotes), joined
/// by spaces.
pub(super) fn quote(exec: &Exec<'_>, args: &[Value], mark: char) -> Value {
    let present: Vec<&Value> = args.iter().filter(|a| !a.is_nil()).collect();
    if let [single] = present.as_slice() {
        let text = convert::string(single);
        if single.pieces().is_some() && single.as_str().is_some() {
            let mut rebuild = Rebuild::new(single, exec.action);
            rebuild.insert(&mark.to_string());
            let mut run_start = 0;
            for (i, c) in text.char_indices() {
                if mark == '"' && !format::quotes_verbatim(c) {
                    rebuild.copy(run_start..i);
                    let escaped = format::quote(&c.to_string());
                    rebuild.insert(&escaped[1..escaped.len() - 1]);
                    run_start = i + c.len_utf8();
                }
            }
            rebuild.copy(run_start..text.len());
            rebuild.insert(&mark.to_string());
            return rebuild.finish();
        }
        let quoted = if mark == '"' {
            format::quote(&text)
        } else {
            format!("'{text}'")
        };
        return derived(quoted, single);
    }
    let quoted: Vec<String> = present
        .iter()
        .map(|a| {
            let text = convert::string(a);
            if mark == '"' {
                format::quote(&text)
            } else {
                format!("'{text}'")
            }
        })
        .collect();
    Value::string(quoted.join(" "))
}

/// `cat`: non-nil arguments printed and joined by spaces.
pub(super) fn cat(args: &[Value]) -> Value {
    let parts: Vec<String> = args.iter().filter(|a| !a.is_nil()).map(format::v).collect();
    Value::string(parts.join(" "))
}

/// A substring `range` of `source` (kept pieces or origin).
fn part(exec: &Exec<'_>, source: &Value, range: std::ops::Range<usize>) -> Value {
    let text = convert::string(source);
    if range == (0..text.len()) && source.as_str().is_some() {
        return source.clone();
    }
    if source.pieces().is_some() {
        let mut rebuild = Rebuild::new(source, exec.action);
        rebuild.copy(range);
        return rebuild.finish();
    }
    derived(&text[range], source)
}

pub(super) fn trim(
    exec: &Exec<'_>,
    call: &Call<'_>,
    args: &[Value],
) -> Result<Value, TemplateError> {
    if call.name == "trim" {
        call.arity(args, 1)?;
        let text = convert::string(&args[0]);
        let start = text.len() - text.trim_start().len();
        let end = text.trim_end().len().max(start);
        return Ok(part(exec, &args[0], start..end));
    }
    call.arity(args, 2)?;
    let (cut, source) = (convert::string(&args[0]), &args[1]);
    let text = convert::string(source);
    let range = match call.name {
        "trimPrefix" => match text.strip_prefix(cut.as_str()) {
            Some(rest) => text.len() - rest.len()..text.len(),
            None => 0..text.len(),
        },
        "trimSuffix" => match text.strip_suffix(cut.as_str()) {
            Some(rest) => 0..rest.len(),
            None => 0..text.len(),
        },
        _ => {
            let set: Vec<char> = cut.chars().collect();
            let trimmed_start = text.trim_start_matches(set.as_slice());
            let start = text.len() - trimmed_start.len();
            let end = start + trimmed_start.trim_end_matches(set.as_slice()).len();
            start..end
        }
    };
    Ok(part(exec, source, range))
}

/// The largest char boundary at or below `at`.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

pub(super) fn trunc(
    exec: &Exec<'_>,
    call: &Call<'_>,
    args: &[Value],
) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let count = convert::int(&args[0]);
    let text = convert::string(&args[1]);
    let len = text.len() as i64;
    let range = if count < 0 && len.saturating_add(count) > 0 {
        let start = floor_boundary(&text, (len + count) as usize);
        start..text.len()
    } else if count >= 0 && len > count {
        0..floor_boundary(&text, count as usize)
    } else {
        0..text.len()
    };
    Ok(part(exec, &args[1], range))
}

pub(super) fn replace(
    exec: &Exec<'_>,
    call: &Call<'_>,
    args: &[Value],
) -> Result<Value, TemplateError> {
    call.arity(args, 3)?;
    let (old, new, source) = (
        convert::string(&args[0]),
        convert::string(&args[1]),
        &args[2],
    );
    let text = convert::string(source);
    let replaced_len = if old.is_empty() {
        text.len() + (text.chars().count() + 1) * new.len()
    } else {
        text.len() + text.matches(old.as_str()).count() * new.len()
    };
    if replaced_len > exec.room() {
        return Err(call.error("the result would exceed the output limit"));
    }
    if source.pieces().is_some() && !old.is_empty() {
        let mut rebuild = Rebuild::new(source, exec.action);
        let mut at = 0;
        for (i, _) in text.match_indices(old.as_str()) {
            rebuild.copy(at..i);
            rebuild.insert(&new);
            at = i + old.len();
        }
        rebuild.copy(at..text.len());
        return Ok(rebuild.finish());
    }
    Ok(derived(text.replace(old.as_str(), &new), source))
}

/// Words of an identifier-like string: split at `_`, `-`, spaces and lower-to-upper changes.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if c == '_' || c == '-' || c == ' ' || c == '.' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
        } else {
            if c.is_uppercase()
                && previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                && !current.is_empty()
            {
                words.push(std::mem::take(&mut current));
            }
            current.push(c);
        }
        previous = Some(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(super) fn case(
    exec: &Exec<'_>,
    call: &Call<'_>,
    args: &[Value],
) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let _ = exec;
    let text = convert::string(&args[0]);
    let result = match call.name {
        "lower" => text.to_lowercase(),
        "upper" => text.to_uppercase(),
        "title" => {
            // strings.Title: the first letter of each word (after a non-letter, non-digit).
            let mut out = String::with_capacity(text.len());
            let mut at_start = true;
            for c in text.chars() {
                if at_start && c.is_alphabetic() {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                at_start = !(c.is_alphanumeric() || c == '_' || c == '\'');
            }
            out
        }
        "untitle" => {
            let mut out = String::with_capacity(text.len());
            let mut at_start = true;
            for c in text.chars() {
                if at_start {
                    out.extend(c.to_lowercase());
                } else {
                    out.push(c);
                }
                at_start = c.is_whitespace();
            }
            out
        }
        "swapcase" => text
            .chars()
            .flat_map(|c| {
                if c.is_uppercase() {
                    c.to_lowercase().collect::<Vec<_>>()
                } else {
                    c.to_uppercase().collect::<Vec<_>>()
                }
            })
            .collect(),
        "camelcase" => words(&text)
            .iter()
            .map(|w| capitalize(&w.to_lowercase()))
            .collect(),
        "kebabcase" => words(&text)
            .iter()
            .map(|w| w.to_lowercase())
            .collect::<Vec<_>>()
            .join("-"),
        "snakecase" => words(&text)
            .iter()
            .map(|w| w.to_lowercase())
            .collect::<Vec<_>>()
            .join("_"),
        _ => text.chars().filter(|c| !c.is_whitespace()).collect(),
    };
    Ok(derived(result, &args[0]))
}

pub(super) fn test(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let (needle, text) = (convert::string(&args[0]), convert::string(&args[1]));
    Ok(Value::bool(match call.name {
        "contains" => text.contains(needle.as_str()),
        "hasPrefix" => text.starts_with(needle.as_str()),
        _ => text.ends_with(needle.as_str()),
    }))
}

pub(super) fn repeat(
    exec: &Exec<'_>,
    call: &Call<'_>,
    args: &[Value],
) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let count =
        usize::try_from(convert::int(&args[0])).map_err(|_| call.error("negative repeat count"))?;
    let text = convert::string(&args[1]);
    if text.len().saturating_mul(count) > exec.room() {
        return Err(call.error("the result would exceed the output limit"));
    }
    Ok(Value::string(text.repeat(count)))
}

pub(super) fn substr(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 3)?;
    let (start, end) = (convert::int(&args[0]), convert::int(&args[1]));
    let text = convert::string(&args[2]);
    let len = text.len() as i64;
    let (from, to) = if start < 0 {
        (0, end.clamp(0, len))
    } else if end < 0 || end > len {
        (start.min(len), len)
    } else {
        (start.min(end), end)
    };
    let from = floor_boundary(&text, from as usize);
    let to = floor_boundary(&text, to as usize);
    Ok(derived(&text[from..to], &args[2]))
}

pub(super) fn indent(
    exec: &Exec<'_>,
    call: &Call<'_>,
    args: &[Value],
) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let spaces = usize::try_from(convert::int(&args[0])).unwrap_or(0);
    let source = &args[1];
    let text = convert::string(source);
    let pad = " ".repeat(spaces.min(exec.room()));
    let lines = text.matches('\n').count() + 1;
    if lines.saturating_mul(pad.len()).saturating_add(text.len()) > exec.room() {
        return Err(call.error("the result would exceed the output limit"));
    }
    let newline = call.name == "nindent";
    if source.pieces().is_some() && source.as_str().is_some() {
        let mut rebuild = Rebuild::new(source, exec.action);
        rebuild.insert(&if newline {
            format!("\n{pad}")
        } else {
            pad.clone()
        });
        let mut at = 0;
        for (i, _) in text.match_indices('\n') {
            rebuild.copy(at..i + 1);
            rebuild.insert(&pad);
            at = i + 1;
        }
        rebuild.copy(at..text.len());
        return Ok(rebuild.finish());
    }
    let mut out = String::with_capacity(text.len() + lines * pad.len() + 1);
    if newline {
        out.push('\n');
    }
    out.push_str(&pad);
    out.push_str(&text.replace('\n', &format!("\n{pad}")));
    Ok(derived(out, source))
}

pub(super) fn plural(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 3)?;
    Ok(if convert::int(&args[2]) == 1 {
        args[0].clone()
    } else {
        args[1].clone()
    })
}

/// `wrap width text` / `wrapWith width sep text`: words joined into lines of at most `width`.
pub(super) fn wrap(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    let (width, separator, text) = if call.name == "wrap" {
        call.arity(args, 2)?;
        (
            convert::int(&args[0]),
            "\n".to_string(),
            convert::string(&args[1]),
        )
    } else {
        call.arity(args, 3)?;
        (
            convert::int(&args[0]),
            convert::string(&args[1]),
            convert::string(&args[2]),
        )
    };
    let width = usize::try_from(width).unwrap_or(1).max(1);
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    Ok(Value::string(lines.join(&separator)))
}

pub(super) fn abbrev(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let width = usize::try_from(convert::int(&args[0])).unwrap_or(0);
    let text = convert::string(&args[1]);
    if width < 4 || text.chars().count() <= width {
        return Ok(Value::string(text));
    }
    let kept: String = text.chars().take(width - 3).collect();
    Ok(Value::string(format!("{kept}...")))
}

pub(super) fn initials(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let text = convert::string(&args[0]);
    Ok(Value::string(
        text.split_whitespace()
            .filter_map(|w| w.chars().next())
            .collect::<String>(),
    ))
}

pub(super) fn split(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    let (separator, limit, text) = if call.name == "splitn" {
        call.arity(args, 3)?;
        (
            convert::string(&args[0]),
            Some(convert::int(&args[1])),
            convert::string(&args[2]),
        )
    } else {
        call.arity(args, 2)?;
        (convert::string(&args[0]), None, convert::string(&args[1]))
    };
    let parts: Vec<&str> = match limit {
        Some(n) if n <= 0 => Vec::new(),
        Some(n) => text.splitn(n as usize, separator.as_str()).collect(),
        None if separator.is_empty() => text
            .char_indices()
            .map(|(i, c)| &text[i..i + c.len_utf8()])
            .collect(),
        None => text.split(separator.as_str()).collect(),
    };
    if call.name == "splitList" {
        return Ok(Value::list(parts.into_iter().map(Value::string).collect()));
    }
    let map: BTreeMap<String, Value> = parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| (format!("_{i}"), Value::string(part)))
        .collect();
    Ok(Value::map(map))
}

pub(super) fn join(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let separator = convert::string(&args[0]);
    let parts: Vec<String> = convert::items(&args[1])
        .iter()
        .filter(|v| !v.is_nil())
        .map(convert::string)
        .collect();
    Ok(Value::string(parts.join(&separator)))
}

fn compile(call: &Call<'_>, pattern: &str) -> Result<regex_lite::Regex, TemplateError> {
    regex_lite::Regex::new(pattern).map_err(|e| call.error(format!("error parsing regexp: {e}")))
}

pub(super) fn regex(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    let name = call.name.trim_start_matches("must");
    let name = match name {
        "RegexMatch" => "regexMatch",
        "RegexFind" => "regexFind",
        "RegexFindAll" => "regexFindAll",
        "RegexReplaceAll" => "regexReplaceAll",
        "RegexReplaceAllLiteral" => "regexReplaceAllLiteral",
        "RegexSplit" => "regexSplit",
        other => other,
    };
    match name {
        "regexQuoteMeta" => {
            call.arity(args, 1)?;
            Ok(Value::string(regex_lite::escape(&convert::string(
                &args[0],
            ))))
        }
        "regexMatch" | "regexFind" => {
            call.arity(args, 2)?;
            let re = compile(call, &convert::string(&args[0]))?;
            let text = convert::string(&args[1]);
            Ok(if name == "regexMatch" {
                Value::bool(re.is_match(&text))
            } else {
                Value::string(re.find(&text).map_or("", |m| m.as_str()))
            })
        }
        "regexFindAll" | "regexSplit" => {
            call.arity(args, 3)?;
            let re = compile(call, &convert::string(&args[0]))?;
            let text = convert::string(&args[1]);
            let limit = convert::int(&args[2]);
            let limit = if limit < 0 {
                usize::MAX
            } else {
                limit as usize
            };
            let parts: Vec<Value> = if name == "regexFindAll" {
                re.find_iter(&text)
                    .take(limit)
                    .map(|m| Value::string(m.as_str()))
                    .collect()
            } else if limit == 0 {
                Vec::new()
            } else {
                re.splitn(&text, limit).map(Value::string).collect()
            };
            Ok(Value::list(parts))
        }
        _ => {
            call.arity(args, 3)?;
            let re = compile(call, &convert::string(&args[0]))?;
            let text = convert::string(&args[1]);
            let replacement = convert::string(&args[2]);
            let result = if name == "regexReplaceAllLiteral" {
                re.replace_all(&text, regex_lite::NoExpand(&replacement))
                    .into_owned()
            } else {
                re.replace_all(&text, replacement.as_str()).into_owned()
            };
            Ok(Value::string(result))
        }
    }
}

/// `randAlphaNum` and friends: deterministic (a fixed pseudo-random sequence seeded by the
/// length), so that two runs over the same chart agree.
pub(super) fn random(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let count = usize::try_from(convert::int(&args[0]))
        .unwrap_or(0)
        .min(4096);
    let alphabet: &[u8] = match call.name {
        "randAlpha" => b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "randNumeric" => b"0123456789",
        "randAscii" => b"!#%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~",
        _ => b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    };
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15 ^ count as u64;
    let text: String = (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            alphabet[(state % alphabet.len() as u64) as usize] as char
        })
        .collect();
    Ok(Value::string(text))
}

/// Go's `path` functions (`base`, `dir`, `ext`, `clean`, `isAbs`), slash-separated.
pub(super) fn path(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let text = convert::string(&args[0]);
    let name = call.name.trim_start_matches("os").to_ascii_lowercase();
    Ok(match name.as_str() {
        "isabs" => Value::bool(text.starts_with('/')),
        "clean" => Value::string(clean_path(&text)),
        "base" => {
            let trimmed = text.trim_end_matches('/');
            if text.is_empty() {
                Value::string(".")
            } else if trimmed.is_empty() {
                Value::string("/")
            } else {
                Value::string(trimmed.rsplit('/').next().unwrap_or(trimmed))
            }
        }
        "dir" => {
            let cut = text.rfind('/').map_or("", |i| &text[..i + 1]);
            Value::string(clean_path(cut))
        }
        _ => {
            let base = text.rsplit('/').next().unwrap_or(&text);
            Value::string(base.rfind('.').map_or("", |i| &base[i..]))
        }
    })
}

/// Go's `path.Clean`: the shortest equivalent path.
fn clean_path(text: &str) -> String {
    if text.is_empty() {
        return ".".to_string();
    }
    let rooted = text.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}
