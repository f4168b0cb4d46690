//! Go's `text/template` builtins (comparisons, `len`, `index`, `slice`, `printf`, escapers) and
//! sprig's `default`.

use super::Call;
use super::convert;
use crate::helm::template::TemplateError;
use crate::helm::template::exec::Exec;
use crate::helm::template::format;
use crate::helm::template::value::{Value, ValueKind};

pub(super) fn not(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    Ok(Value::bool(!args[0].truthy()))
}

/// Go's `eq` on basic values, widened: ints and floats compare by value, and values of different
/// kinds are unequal (Go reports "incompatible types for comparison" for some of those).
fn equal(a: &Value, b: &Value) -> bool {
    match (a.kind(), b.kind()) {
        (ValueKind::Nil, ValueKind::Nil) => true,
        (ValueKind::Bool(x), ValueKind::Bool(y)) => x == y,
        (ValueKind::Int(x), ValueKind::Int(y)) => x == y,
        (ValueKind::Float(x), ValueKind::Float(y)) => x == y,
        (ValueKind::Int(x), ValueKind::Float(y)) | (ValueKind::Float(y), ValueKind::Int(x)) => {
            (*x as f64) == *y
        }
        (ValueKind::String(x), ValueKind::String(y)) => x == y,
        _ => deep_equal(a, b),
    }
}

/// `reflect.DeepEqual`, for `deepEqual` and comparisons of collections.
pub(super) fn deep_equal(a: &Value, b: &Value) -> bool {
    // Each node compared is a step: comparing alias bombs stops with the budget.
    if !crate::helm::template::work::spend(1) {
        return false;
    }
    match (a.kind(), b.kind()) {
        // Shared values (an alias read twice) are equal without a walk.
        (ValueKind::List(x), ValueKind::List(y)) if std::sync::Arc::ptr_eq(x, y) => true,
        (ValueKind::Map(x), ValueKind::Map(y)) if std::sync::Arc::ptr_eq(x, y) => true,
        (ValueKind::List(x), ValueKind::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| deep_equal(a, b))
        }
        (ValueKind::Map(x), ValueKind::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, va), (kb, vb))| ka == kb && deep_equal(va, vb))
        }
        (ValueKind::Int(x), ValueKind::Int(y)) => x == y,
        (ValueKind::Float(x), ValueKind::Float(y)) => x == y,
        (ValueKind::String(x), ValueKind::String(y)) => x == y,
        (ValueKind::Bool(x), ValueKind::Bool(y)) => x == y,
        (ValueKind::Nil, ValueKind::Nil) => true,
        _ => false,
    }
}

pub(super) fn eq(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.at_least(args, 2)?;
    Ok(Value::bool(
        args[1..].iter().any(|other| equal(&args[0], other)),
    ))
}

pub(super) fn ne(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    Ok(Value::bool(!equal(&args[0], &args[1])))
}

/// `lt`, `le`, `gt`, `ge` on numbers (ints and floats mixed) and strings.
pub(super) fn compare(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let ordering = match (args[0].kind(), args[1].kind()) {
        (ValueKind::Int(x), ValueKind::Int(y)) => x.cmp(y),
        (ValueKind::String(x), ValueKind::String(y)) => x.cmp(y),
        (ValueKind::Int(_) | ValueKind::Float(_), ValueKind::Int(_) | ValueKind::Float(_)) => {
            let (x, y) = (convert::float(&args[0]), convert::float(&args[1]));
            x.partial_cmp(&y)
                .ok_or_else(|| call.error("incompatible types for comparison"))?
        }
        (ValueKind::Nil, _) | (_, ValueKind::Nil) => {
            return Err(call.error("invalid type for comparison"));
        }
        _ => return Err(call.error("incompatible types for comparison")),
    };
    use std::cmp::Ordering::{Equal, Greater, Less};
    let result = match call.name {
        "lt" => ordering == Less,
        "le" => ordering != Greater,
        "gt" => ordering == Greater,
        _ => ordering != Less || ordering == Equal,
    };
    Ok(Value::bool(result))
}

pub(super) fn len(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let n = match args[0].kind() {
        ValueKind::String(s) => s.len(),
        ValueKind::List(items) => items.len(),
        ValueKind::Map(map) => map.len(),
        ValueKind::Files(files) => files.len(),
        ValueKind::ApiVersions(versions) => versions.len(),
        ValueKind::Nil => return Err(call.error("len of nil pointer")),
        _ => return Err(call.error(format!("len of type {}", format::type_name(&args[0])))),
    };
    Ok(Value::int(n as i64))
}

/// `index`: each step reads its map as it is now (maps change in place).
pub(super) fn index(
    exec: &Exec<'_>,
    call: &Call<'_>,
    args: &[Value],
) -> Result<Value, TemplateError> {
    call.at_least(args, 1)?;
    let mut value = args[0].clone();
    for key in &args[1..] {
        if let Some(entry) = value.entry(&convert::string(key)) {
            value = exec.current(entry.cloned().unwrap_or_default());
            continue;
        }
        value = match value.kind() {
            ValueKind::List(items) => {
                let i = list_index(call, key)?;
                items
                    .get(i)
                    .cloned()
                    .ok_or_else(|| call.error(format!("index out of range: {i}")))?
            }
            ValueKind::String(s) => {
                let i = list_index(call, key)?;
                Value::int(i64::from(
                    *s.as_bytes()
                        .get(i)
                        .ok_or_else(|| call.error(format!("index out of range: {i}")))?,
                ))
            }
            ValueKind::Nil => return Err(call.error("index of untyped nil")),
            _ => {
                return Err(call.error(format!(
                    "can't index item of type {}",
                    format::type_name(&value)
                )));
            }
        };
    }
    Ok(value)
}

fn list_index(call: &Call<'_>, key: &Value) -> Result<usize, TemplateError> {
    match key.kind() {
        ValueKind::Int(n) => {
            usize::try_from(*n).map_err(|_| call.error(format!("index out of range: {n}")))
        }
        _ => Err(call.error(format!(
            "cannot index slice/array with type {}",
            format::type_name(key)
        ))),
    }
}

pub(super) fn slice(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.at_least(args, 1)?;
    let bounds: Vec<usize> = args[1..]
        .iter()
        .map(|a| list_index(call, a))
        .collect::<Result<_, _>>()?;
    let cut = |len: usize| -> Result<(usize, usize), TemplateError> {
        let start = bounds.first().copied().unwrap_or(0);
        let end = bounds.get(1).copied().unwrap_or(len);
        if start > end || end > len {
            return Err(call.error(format!("slice index out of range: {start}:{end} of {len}")));
        }
        Ok((start, end))
    };
    match args[0].kind() {
        ValueKind::String(s) => {
            let (start, end) = cut(s.len())?;
            s.get(start..end)
                .map(Value::string)
                .ok_or_else(|| call.error("slice splits a character"))
        }
        ValueKind::List(items) => {
            let (start, end) = cut(items.len())?;
            Ok(Value::list(items[start..end].to_vec()))
        }
        ValueKind::Nil => Err(call.error("slice of untyped nil")),
        _ => Err(call.error(format!(
            "can't slice item of type {}",
            format::type_name(&args[0])
        ))),
    }
}

pub(super) fn printf(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.at_least(args, 1)?;
    Ok(Value::string(format::sprintf(
        &convert::string(&args[0]),
        &args[1..],
    )))
}

pub(super) fn html(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    let text = format::sprint(args);
    let _ = call;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '"' => out.push_str("&#34;"),
            '\0' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    Ok(Value::string(out))
}

pub(super) fn js(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    let text = format::sprint(args);
    let _ = call;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    Ok(Value::string(out))
}

pub(super) fn urlquery(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    let text = format::sprint(args);
    let _ = call;
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::string(out))
}

/// sprig's `default`: the given value unless it is empty (then the default), kept as it is.
pub(super) fn default(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.at_least(args, 1)?;
    if args.len() > 2 {
        return Err(call.error(format!(
            "wrong number of args for default: want 1 or 2 got {}",
            args.len()
        )));
    }
    Ok(match args.get(1) {
        Some(given) if given.truthy() => given.clone(),
        _ => args[0].clone(),
    })
}
