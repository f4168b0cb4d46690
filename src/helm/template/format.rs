//! Go's `fmt` as templates see it: `%v` printing of values, float formatting, `%q` quoting, and
//! `printf` with its verbs, flags, width and precision.

use super::value::{Value, ValueKind};

/// The text an action prints for a value: Go's `%v`, except that nil prints nothing (Helm
/// replaces `<no value>` with the empty string).
pub(super) fn print_value(value: &Value) -> String {
    match value.kind() {
        ValueKind::Nil => String::new(),
        _ => v(value),
    }
}

/// Go's `%v` (`fmt.Sprint` of one value).
pub(super) fn v(value: &Value) -> String {
    let mut out = String::new();
    write_v(&mut out, value);
    out
}

fn write_v(out: &mut String, value: &Value) {
    // Printing an alias bomb would not end: each value printed is a step, and the text stops
    // growing past the output budget (the evaluator then reports the limit).
    if !super::work::spend(1) || out.len() > super::work::room() {
        return;
    }
    match value.kind() {
        ValueKind::Nil => out.push_str("<nil>"),
        ValueKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ValueKind::Int(n) => out.push_str(&n.to_string()),
        ValueKind::Float(f) => out.push_str(&float_g(*f)),
        ValueKind::String(s) => out.push_str(s),
        ValueKind::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, item);
            }
            out.push(']');
        }
        ValueKind::Map(map) => {
            out.push_str("map[");
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                write_v(out, item);
            }
            out.push(']');
        }
        ValueKind::Files(files) => {
            out.push_str("map[");
            for (i, (path, _)) in files.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(path);
                out.push_str(":[...]");
            }
            out.push(']');
        }
        ValueKind::ApiVersions(versions) => {
            out.push('[');
            out.push_str(&versions.join(" "));
            out.push(']');
        }
    }
}

/// `fmt.Sprint(args...)`: spaces between operands when neither side is a string.
pub(super) fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        let is_string = |value: &Value| matches!(value.kind(), ValueKind::String(_));
        if i > 0 && !is_string(arg) && !is_string(&args[i - 1]) {
            out.push(' ');
        }
        write_v(&mut out, arg);
    }
    out
}

/// `fmt.Sprintln(args...)`: always spaces, and a newline.
pub(super) fn sprintln(args: &[Value]) -> String {
    let mut text = args.iter().map(v).collect::<Vec<_>>().join(" ");
    text.push('\n');
    text
}

/// A float64 as `%v` prints it: the shortest representation, in exponent form when the exponent
/// is below -4 or at least 6 (`strconv.FormatFloat(f, 'g', -1, 64)`): Helm prints a value of
/// 1000000 read from values.yaml as `1e+06`.
pub(super) fn float_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as Go's shortest formatting does.
    let exp_form = format!("{f:e}");
    let (mantissa, exponent) = exp_form.split_once('e').unwrap_or((&exp_form, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    // Plain notation: Rust's `Display` for f64 prints the shortest round-trip digits.
    format!("{f}")
}

/// Go's `strconv.Quote`: double quotes, with escapes for `"`, `\` and unprintable characters.
pub(super) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        push_quoted_char(&mut out, c, '"');
    }
    out.push('"');
    out
}

fn push_quoted_char(out: &mut String, c: char, delimiter: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        _ if c == delimiter => {
            out.push('\\');
            out.push(c);
        }
        _ if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
        _ if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
        _ => out.push(c),
    }
}

/// True when `quote` leaves this character as it is.
pub(super) fn quotes_verbatim(c: char) -> bool {
    let mut out = String::new();
    push_quoted_char(&mut out, c, '"');
    out.len() == c.len_utf8()
}

/// Go's `fmt.Sprintf`.
pub(super) fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next_arg = 0;
    let mut chars = format.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        // Flags.
        while let Some(&(_, flag)) = chars.peek() {
            match flag {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                _ => break,
            }
            chars.next();
        }
        spec.width = read_count(&mut chars, args, &mut next_arg);
        if chars.peek().is_some_and(|&(_, c)| c == '.') {
            chars.next();
            spec.precision = Some(read_count(&mut chars, args, &mut next_arg).unwrap_or(0));
        }
        let Some((_, verb)) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next_arg) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next_arg += 1;
        out.push_str(&format_one(verb, &spec, arg));
    }
    if next_arg < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[next_arg..]
            .iter()
            .map(|arg| format!("{}={}", type_name(arg), v(arg)))
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

/// A width or precision: digits, or `*` taking an int argument.
fn read_count(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    args: &[Value],
    next_arg: &mut usize,
) -> Option<usize> {
    if chars.peek().is_some_and(|&(_, c)| c == '*') {
        chars.next();
        let count = match args.get(*next_arg).map(Value::kind) {
            Some(ValueKind::Int(n)) => usize::try_from(*n).ok(),
            _ => None,
        };
        *next_arg += 1;
        return count.map(|n| n.min(1 << 20));
    }
    let mut count: Option<usize> = None;
    while let Some(&(_, c)) = chars.peek() {
        let Some(digit) = c.to_digit(10) else { break };
        count = Some((count.unwrap_or(0) * 10 + digit as usize).min(1 << 20));
        chars.next();
    }
    count
}

#[derive(Default)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

/// Go's name of a value's dynamic type, as `%!verb(type=value)` and `typeOf` print it.
pub(super) fn type_name(value: &Value) -> &'static str {
    match value.kind() {
        ValueKind::Nil => "<nil>",
        ValueKind::Bool(_) => "bool",
        ValueKind::Int(_) => "int",
        ValueKind::Float(_) => "float64",
        ValueKind::String(_) => "string",
        ValueKind::List(_) => "[]interface {}",
        ValueKind::Map(_) => "map[string]interface {}",
        ValueKind::Files(_) => "engine.files",
        ValueKind::ApiVersions(_) => "chartutil.VersionSet",
    }
}

fn format_one(verb: char, spec: &Spec, arg: &Value) -> String {
    let bad = || format!("%!{verb}({}={})", type_name(arg), v(arg));
    let body = match (verb, arg.kind()) {
        ('v', _) => {
            if spec.sharp {
                go_syntax(arg)
            } else if let ValueKind::Float(f) = arg.kind() {
                signed(float_g(*f), *f >= 0.0, spec)
            } else if let ValueKind::Int(n) = arg.kind() {
                signed(n.to_string(), *n >= 0, spec)
            } else {
                v(arg)
            }
        }
        ('s', ValueKind::String(s)) => truncate(s, spec.precision),
        ('s', ValueKind::Nil) => "%!s(<nil>)".to_string(),
        ('s', ValueKind::Int(_) | ValueKind::Float(_) | ValueKind::Bool(_)) => bad(),
        ('s', _) => truncate(&v(arg), spec.precision),
        ('q', ValueKind::String(s)) => {
            if spec.sharp && !s.contains('`') {
                format!("`{s}`")
            } else {
                quote(s)
            }
        }
        ('q', ValueKind::Int(n)) => {
            let c = u32::try_from(*n)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}');
            let mut out = String::from("'");
            push_quoted_char(&mut out, c, '\'');
            out.push('\'');
            out
        }
        ('d', ValueKind::Int(n)) => {
            let digits = n.unsigned_abs().to_string();
            let digits = match spec.precision {
                Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
                _ => digits,
            };
            signed_digits(digits, *n < 0, spec)
        }
        ('t', ValueKind::Bool(b)) => b.to_string(),
        ('c', ValueKind::Int(n)) => u32::try_from(*n)
            .ok()
            .and_then(char::from_u32)
            .unwrap_or('\u{fffd}')
            .to_string(),
        ('x' | 'X', ValueKind::Int(n)) => {
            let text = if verb == 'x' {
                format!("{:x}", n.unsigned_abs())
            } else {
                format!("{:X}", n.unsigned_abs())
            };
            let text = if spec.sharp {
                format!("0{verb}{text}")
            } else {
                text
            };
            signed_digits(text, *n < 0, spec)
        }
        ('x' | 'X', ValueKind::String(s)) => {
            let text: String = s.bytes().map(|b| format!("{b:02x}")).collect();
            if verb == 'X' {
                text.to_uppercase()
            } else {
                text
            }
        }
        ('o', ValueKind::Int(n)) => signed_digits(format!("{:o}", n.unsigned_abs()), *n < 0, spec),
        ('b', ValueKind::Int(n)) => signed_digits(format!("{:b}", n.unsigned_abs()), *n < 0, spec),
        ('f' | 'F', ValueKind::Float(f)) => signed(
            format!("{:.*}", spec.precision.unwrap_or(6), f),
            *f >= 0.0,
            spec,
        ),
        ('e' | 'E', ValueKind::Float(f)) => {
            let text = exponent(*f, spec.precision.unwrap_or(6));
            signed(
                if verb == 'E' {
                    text.to_uppercase()
                } else {
                    text
                },
                *f >= 0.0,
                spec,
            )
        }
        ('g' | 'G', ValueKind::Float(f)) => signed(float_g(*f), *f >= 0.0, spec),
        ('T', _) => type_name(arg).to_string(),
        _ => bad(),
    };
    pad(body, spec)
}

/// `%e` with a precision: `1.500000e+00`.
fn exponent(f: f64, precision: usize) -> String {
    let text = format!("{f:.precision$e}");
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

fn signed(text: String, non_negative: bool, spec: &Spec) -> String {
    if non_negative && spec.plus {
        format!("+{text}")
    } else if non_negative && spec.space {
        format!(" {text}")
    } else {
        text
    }
}

fn signed_digits(digits: String, negative: bool, spec: &Spec) -> String {
    let sign = if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    if let Some(width) = spec
        .width
        .filter(|_| spec.zero && !spec.minus && spec.precision.is_none())
    {
        let len = sign.len() + digits.len();
        if len < width {
            return format!("{sign}{}{digits}", "0".repeat(width - len));
        }
    }
    format!("{sign}{digits}")
}

fn truncate(text: &str, precision: Option<usize>) -> String {
    match precision {
        Some(p) => text.chars().take(p).collect(),
        None => text.to_string(),
    }
}

fn pad(text: String, spec: &Spec) -> String {
    let Some(width) = spec.width else { return text };
    let len = text.chars().count();
    if len >= width {
        return text;
    }
    let fill = width - len;
    if spec.minus {
        format!("{text}{}", " ".repeat(fill))
    } else {
        format!("{}{text}", " ".repeat(fill))
    }
}

/// `%#v`: Go syntax, roughly (strings quoted, maps and slices typed).
fn go_syntax(value: &Value) -> String {
    match value.kind() {
        ValueKind::Nil => "<nil>".to_string(),
        ValueKind::String(s) => quote(s),
        ValueKind::List(items) => {
            let inner: Vec<String> = items.iter().map(go_syntax).collect();
            format!("[]interface {{}}{{{}}}", inner.join(", "))
        }
        ValueKind::Map(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}:{}", quote(k), go_syntax(v)))
                .collect();
            format!("map[string]interface {{}}{{{}}}", inner.join(", "))
        }
        _ => v(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_go_prints_them() {
        assert_eq!(float_g(3.0), "3");
        assert_eq!(float_g(1.5), "1.5");
        assert_eq!(float_g(100000.0), "100000");
        assert_eq!(float_g(1e6), "1e+06");
        assert_eq!(float_g(1234567.0), "1.234567e+06");
        assert_eq!(float_g(0.0001), "0.0001");
        assert_eq!(float_g(0.00001), "1e-05");
    }

    #[test]
    fn printf_verbs() {
        let s = Value::string("a\"b");
        assert_eq!(
            sprintf(
                "%s-%d-%v-%q",
                &[s.clone(), Value::int(4), Value::float(2.5), s]
            ),
            "a\"b-4-2.5-\"a\\\"b\""
        );
        assert_eq!(
            sprintf(
                "%05d|%-4s|%4s|%.2f",
                &[
                    Value::int(42),
                    Value::string("x"),
                    Value::string("y"),
                    Value::float(1.23456)
                ]
            ),
            "00042|x   |   y|1.23"
        );
        assert_eq!(sprintf("%d", &[Value::string("x")]), "%!d(string=x)");
        assert_eq!(sprintf("%s %s", &[Value::string("x")]), "x %!s(MISSING)");
        assert_eq!(
            sprintf("%s", &[Value::string("x"), Value::int(1)]),
            "x%!(EXTRA int=1)"
        );
        assert_eq!(
            sprintf(
                "%v %v",
                &[
                    Value::nil(),
                    Value::list(vec![Value::int(1), Value::string("a")])
                ]
            ),
            "<nil> [1 a]"
        );
        assert_eq!(sprintf("100%%", &[]), "100%");
    }

    #[test]
    fn sprint_spaces_only_between_non_strings() {
        assert_eq!(
            sprint(&[
                Value::int(1),
                Value::int(2),
                Value::string("a"),
                Value::int(3)
            ]),
            "1 2a3"
        );
    }
}
