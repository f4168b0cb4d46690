//! Conversions between values as sprig makes them (lenient: what Go would reject as the wrong
//! type is converted), and the type functions `kindOf`, `typeOf`, `kindIs`, `typeIs`.

use super::{Call, kind_name};
use crate::helm::template::TemplateError;
use crate::helm::template::format;
use crate::helm::template::value::{Value, ValueKind};

/// A value as a string parameter: strings as they are, nil as empty, others as `%v` prints them.
pub(crate) fn string(value: &Value) -> String {
    match value.kind() {
        ValueKind::Nil => String::new(),
        ValueKind::String(s) => s.to_string(),
        _ => format::v(value),
    }
}

/// sprig's `toString`: a string stays itself (with its origin and pieces), nil is `<nil>`.
pub(crate) fn to_string_value(value: &Value) -> Value {
    match value.kind() {
        ValueKind::String(_) => value.clone(),
        _ => Value::string(format::v(value)).with_origin(value.origin()),
    }
}

/// The items of a list (nil: none; a single other value: itself).
pub(crate) fn items(value: &Value) -> Vec<Value> {
    match value.kind() {
        ValueKind::Nil => Vec::new(),
        ValueKind::List(items) => items.to_vec(),
        ValueKind::ApiVersions(versions) => {
            versions.iter().map(|v| Value::string(v.as_str())).collect()
        }
        _ => vec![value.clone()],
    }
}

/// The items of a list, or None for anything but a list (or nil).
pub(crate) fn list(value: &Value) -> Option<Vec<Value>> {
    match value.kind() {
        ValueKind::Nil => Some(Vec::new()),
        ValueKind::List(items) => Some(items.to_vec()),
        ValueKind::ApiVersions(versions) => {
            Some(versions.iter().map(|v| Value::string(v.as_str())).collect())
        }
        _ => None,
    }
}

/// `cast.ToInt64`: numbers truncated, booleans 0/1, strings parsed (0 when they do not parse).
pub(crate) fn int(value: &Value) -> i64 {
    match value.kind() {
        ValueKind::Int(n) => *n,
        ValueKind::Float(f) if f.is_finite() => *f as i64,
        ValueKind::Bool(b) => i64::from(*b),
        ValueKind::String(s) => parse_int(s.trim()).unwrap_or(0),
        _ => 0,
    }
}

/// An integer literal as `strconv.ParseInt(s, 0, 0)` reads it (base prefixes, `_`).
pub(crate) fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = digits.to_ascii_lowercase().replace('_', "");
    let value = if let Some(rest) = lower.strip_prefix("0x") {
        i64::from_str_radix(rest, 16).ok()?
    } else if let Some(rest) = lower.strip_prefix("0b") {
        i64::from_str_radix(rest, 2).ok()?
    } else if let Some(rest) = lower.strip_prefix("0o") {
        i64::from_str_radix(rest, 8).ok()?
    } else if lower.len() > 1 && lower.starts_with('0') {
        i64::from_str_radix(&lower[1..], 8).ok()?
    } else {
        lower.parse().ok()?
    };
    Some(if negative { -value } else { value })
}

/// `cast.ToFloat64`.
pub(crate) fn float(value: &Value) -> f64 {
    match value.kind() {
        ValueKind::Int(n) => *n as f64,
        ValueKind::Float(f) => *f,
        ValueKind::Bool(b) => f64::from(u8::from(*b)),
        ValueKind::String(s) => s.trim().parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// `kindOf`, `kindIs`, `typeOf`, `typeIs`, `typeIsLike`.
pub(super) fn types(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    match call.name {
        "kindOf" => {
            call.arity(args, 1)?;
            Ok(Value::string(kind_name(&args[0])))
        }
        "typeOf" => {
            call.arity(args, 1)?;
            Ok(Value::string(format::type_name(&args[0])))
        }
        "kindIs" => {
            call.arity(args, 2)?;
            Ok(Value::bool(string(&args[0]) == kind_name(&args[1])))
        }
        "typeIs" => {
            call.arity(args, 2)?;
            Ok(Value::bool(string(&args[0]) == format::type_name(&args[1])))
        }
        _ => {
            call.arity(args, 2)?;
            let wanted = string(&args[0]);
            let actual = format::type_name(&args[1]);
            Ok(Value::bool(
                wanted == actual || wanted.strip_prefix('*') == Some(actual),
            ))
        }
    }
}
