//! sprig's list functions (`append`, `first`, `uniq`, `has`, `concat`, `sortAlpha`, …); lists
//! are values, so each returns a new list.

use super::Call;
use super::builtin::deep_equal;
use super::convert;
use crate::helm::template::TemplateError;
use crate::helm::template::format;
use crate::helm::template::value::Value;

fn list_of(call: &Call<'_>, value: &Value) -> Result<Vec<Value>, TemplateError> {
    convert::list(value).ok_or_else(|| {
        call.error(format!(
            "cannot use type {} as a list",
            format::type_name(value)
        ))
    })
}

pub(super) fn sort_alpha(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let mut items: Vec<String> = convert::items(&args[0])
        .iter()
        .map(convert::string)
        .collect();
    items.sort();
    Ok(Value::list(items.into_iter().map(Value::string).collect()))
}

pub(super) fn append(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let mut items = list_of(call, &args[0])?;
    if call.name.contains("repend") {
        items.insert(0, args[1].clone());
    } else {
        items.push(args[1].clone());
    }
    Ok(Value::list(items))
}

pub(super) fn ends(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let items = list_of(call, &args[0])?;
    let name = call.name.trim_start_matches("must").to_ascii_lowercase();
    Ok(match name.as_str() {
        "first" => items.first().cloned().unwrap_or_default(),
        "last" => items.last().cloned().unwrap_or_default(),
        "rest" if items.is_empty() => Value::nil(),
        "rest" => Value::list(items[1..].to_vec()),
        _ if items.is_empty() => Value::nil(),
        _ => Value::list(items[..items.len() - 1].to_vec()),
    })
}

pub(super) fn filter(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let items = list_of(call, &args[0])?;
    let name = call.name.trim_start_matches("must").to_ascii_lowercase();
    let kept: Vec<Value> = match name.as_str() {
        "uniq" => {
            let mut kept: Vec<Value> = Vec::new();
            for item in items {
                if !kept.iter().any(|k| deep_equal(k, &item)) {
                    kept.push(item);
                }
            }
            kept
        }
        "compact" => items.into_iter().filter(Value::truthy).collect(),
        _ => items.into_iter().rev().collect(),
    };
    Ok(Value::list(kept))
}

pub(super) fn without(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.at_least(args, 1)?;
    let items = list_of(call, &args[0])?;
    let omitted = &args[1..];
    Ok(Value::list(
        items
            .into_iter()
            .filter(|item| !omitted.iter().any(|o| deep_equal(o, item)))
            .collect(),
    ))
}

pub(super) fn has(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    if args[1].is_nil() {
        return Ok(Value::bool(false));
    }
    let items = list_of(call, &args[1])?;
    Ok(Value::bool(
        items.iter().any(|item| deep_equal(item, &args[0])),
    ))
}

pub(super) fn concat(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    let mut items = Vec::new();
    for list in args {
        items.extend(list_of(call, list)?);
    }
    Ok(Value::list(items))
}

pub(super) fn chunk(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let size = usize::try_from(convert::int(&args[0])).unwrap_or(0).max(1);
    let items = list_of(call, &args[1])?;
    Ok(Value::list(
        items
            .chunks(size)
            .map(|c| Value::list(c.to_vec()))
            .collect(),
    ))
}
