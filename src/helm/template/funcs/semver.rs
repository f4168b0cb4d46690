//! `semver` and `semverCompare` as Masterminds/semver v3 reads versions and constraints:
//! optional `v`, partial versions filled with zeros, `x`/`*` wildcards, `~` and `^`, ranges
//! joined by `,` (and) and `||` (or); a constraint without a prerelease never matches a
//! prerelease version (hence charts' `>=1.19-0`).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::Call;
use super::convert;
use crate::helm::template::TemplateError;
use crate::helm::template::value::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Version {
    numbers: [u64; 3],
    prerelease: String,
    metadata: String,
}

impl Version {
    fn compare(&self, other: &Version) -> Ordering {
        self.numbers
            .cmp(&other.numbers)
            .then_with(|| compare_prerelease(&self.prerelease, &other.prerelease))
    }
}

/// Prerelease precedence: none is higher than any; dot parts compared numerically or by text.
fn compare_prerelease(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ordering = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    _ => x.cmp(y),
                };
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
        }
    }
}

/// A version, and which of its three numbers were wildcards or missing (for constraints).
fn parse(text: &str) -> Option<(Version, usize)> {
    let text = text.trim();
    let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
    let (rest, metadata) = match text.split_once('+') {
        Some((rest, metadata)) => (rest, metadata.to_string()),
        None => (text, String::new()),
    };
    let (core, prerelease) = match rest.split_once('-') {
        Some((core, pre)) => (core, pre.to_string()),
        None => (rest, String::new()),
    };
    let mut numbers = [0u64; 3];
    let mut given = 0;
    for (i, part) in core.split('.').enumerate() {
        if i >= 3 {
            return None;
        }
        if matches!(part, "x" | "X" | "*") {
            break;
        }
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        numbers[i] = part.parse().ok()?;
        given = i + 1;
    }
    if given == 0 && !matches!(core, "x" | "X" | "*") {
        return None;
    }
    Some((
        Version {
            numbers,
            prerelease,
            metadata,
        },
        given,
    ))
}

/// Does `version` satisfy one comparison like `>= 1.19-0`, `~1.2`, `^2`, `1.x`?
fn satisfies(op: &str, bound: &str, version: &Version) -> Option<bool> {
    let (bound, given) = parse(bound)?;
    // A prerelease version matches only constraints that carry a prerelease themselves.
    if !version.prerelease.is_empty() && bound.prerelease.is_empty() {
        return Some(false);
    }
    let ordering = version.compare(&bound);
    let upper = |level: usize| -> Version {
        let mut numbers = bound.numbers;
        numbers[level] = numbers[level].saturating_add(1);
        for n in numbers.iter_mut().skip(level + 1) {
            *n = 0;
        }
        Version {
            numbers,
            prerelease: String::new(),
            metadata: String::new(),
        }
    };
    let below = |limit: &Version| version.numbers < limit.numbers;
    Some(match op {
        "" | "=" if given < 3 => {
            ordering != Ordering::Less && (given == 0 || below(&upper(given - 1)))
        }
        "" | "=" => ordering == Ordering::Equal,
        "!=" => ordering != Ordering::Equal,
        ">" if given < 3 && given > 0 => !below(&upper(given - 1)),
        ">" => ordering == Ordering::Greater,
        ">=" | "=>" => ordering != Ordering::Less,
        "<" => ordering == Ordering::Less,
        "<=" | "=<" if given < 3 && given > 0 => below(&upper(given - 1)),
        "<=" | "=<" => ordering != Ordering::Greater,
        "~" | "~>" => ordering != Ordering::Less && below(&upper(if given <= 1 { 0 } else { 1 })),
        "^" => {
            let level = if bound.numbers[0] > 0 || given <= 1 {
                0
            } else if bound.numbers[1] > 0 || given == 2 {
                1
            } else {
                2
            };
            ordering != Ordering::Less && below(&upper(level))
        }
        _ => return None,
    })
}

/// Does `version` satisfy the whole constraint?
fn matches(constraint: &str, version: &Version) -> Option<bool> {
    let mut any = false;
    for alternative in constraint.split("||") {
        let mut all = true;
        // `1.2 - 1.4` is `>= 1.2, <= 1.4`.
        let normalized = alternative.replace(" - ", " HYPHEN ");
        let mut tokens: Vec<String> = Vec::new();
        for part in normalized.split([',', ' ']).filter(|p| !p.is_empty()) {
            // An operator written apart from its version (`>= 1.2`) joins it.
            match tokens.last_mut() {
                Some(last) if last.chars().all(|c| "<>=!~^".contains(c)) => last.push_str(part),
                _ => tokens.push(part.to_string()),
            }
        }
        let mut i = 0;
        while i < tokens.len() {
            if tokens.get(i + 1).map(String::as_str) == Some("HYPHEN") && i + 2 < tokens.len() {
                all &= satisfies(">=", &tokens[i], version)?
                    && satisfies("<=", &tokens[i + 2], version)?;
                i += 3;
                continue;
            }
            let token = &tokens[i];
            let split = token
                .find(|c: char| !"<>=!~^".contains(c))
                .unwrap_or(token.len());
            all &= satisfies(&token[..split], &token[split..], version)?;
            i += 1;
        }
        any |= all;
    }
    Some(any)
}

pub(super) fn compare(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let constraint = convert::string(&args[0]);
    let version_text = convert::string(&args[1]);
    let (version, _) =
        parse(&version_text).ok_or_else(|| call.error("Invalid Semantic Version"))?;
    let result = matches(&constraint, &version)
        .ok_or_else(|| call.error(format!("improper constraint: {constraint}")))?;
    Ok(Value::bool(result))
}

/// `semver "1.2.3"`: a map with Masterminds' fields (`Major`, `Minor`, `Patch`, `Prerelease`,
/// `Metadata`, `Original`).
pub(super) fn parse_value(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let text = convert::string(&args[0]);
    let (version, _) = parse(&text).ok_or_else(|| call.error("Invalid Semantic Version"))?;
    let mut map = BTreeMap::new();
    for (name, n) in ["Major", "Minor", "Patch"].iter().zip(version.numbers) {
        map.insert(name.to_string(), Value::int(n as i64));
    }
    map.insert("Prerelease".to_string(), Value::string(version.prerelease));
    map.insert("Metadata".to_string(), Value::string(version.metadata));
    map.insert("Original".to_string(), Value::string(text));
    Ok(Value::map(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(constraint: &str, version: &str) -> bool {
        matches(constraint, &parse(version).unwrap().0).unwrap()
    }

    #[test]
    fn constraints_as_charts_write_them() {
        assert!(check(">=1.19-0", "v1.31.0"));
        assert!(check(">=1.19-0", "v1.20.0-gke.100"));
        assert!(!check(">=1.19", "v1.20.0-gke.100"));
        assert!(!check("<1.20.0-0", "v1.31.0"));
        assert!(check(">= 1.18.x", "1.18.3"));
        assert!(check("< 2.10.0", "2.9.1"));
        assert!(check("~1.2", "1.2.9"));
        assert!(!check("~1.2", "1.3.0"));
        assert!(check("^1.2", "1.9.0"));
        assert!(!check("^1.2", "2.0.0"));
        assert!(check("1.x", "1.4.0"));
        assert!(check(">=1.0, <2.0 || >=3.0", "3.1.0"));
        assert!(check("1.2 - 1.4", "1.3.0"));
    }
}
