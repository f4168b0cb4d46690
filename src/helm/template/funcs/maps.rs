//! sprig's dictionary functions (`dict`, `get`, `set`, `hasKey`, `merge`, `pick`, …). Maps are
//! shared values: `set` and `merge` return the changed map, and the evaluator writes it back to
//! the variable the map came from (Go maps change in place).

use std::collections::BTreeMap;

use super::Call;
use super::convert;
use crate::helm::template::TemplateError;
use crate::helm::template::exec::Exec;
use crate::helm::template::format;
use crate::helm::template::value::{Value, ValueKind};

fn map_of(call: &Call<'_>, value: &Value) -> Result<BTreeMap<String, Value>, TemplateError> {
    match value.kind() {
        ValueKind::Map(map) => Ok((**map).clone()),
        ValueKind::Nil => Ok(BTreeMap::new()),
        _ => Err(call.error(format!(
            "cannot use type {} as a dict",
            format::type_name(value)
        ))),
    }
}

/// A changed copy of `original`'s map, keeping its origin.
fn changed(original: &Value, map: BTreeMap<String, Value>) -> Value {
    Value::map(map).with_origin(original.origin())
}

pub(super) fn dict(args: &[Value]) -> Value {
    let mut map = BTreeMap::new();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_else(|| Value::string(""));
        map.insert(convert::string(&pair[0]), value);
    }
    Value::map(map)
}

pub(super) fn get(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let map = map_of(call, &args[0])?;
    Ok(map
        .get(&convert::string(&args[1]))
        .cloned()
        .unwrap_or_else(|| Value::string("")))
}

pub(super) fn set(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 3)?;
    let mut map = map_of(call, &args[0])?;
    map.insert(convert::string(&args[1]), args[2].clone());
    Ok(changed(&args[0], map))
}

pub(super) fn unset(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let mut map = map_of(call, &args[0])?;
    map.remove(&convert::string(&args[1]));
    Ok(changed(&args[0], map))
}

pub(super) fn has_key(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let map = map_of(call, &args[0])?;
    Ok(Value::bool(map.contains_key(&convert::string(&args[1]))))
}

/// `keys`: sorted (sprig's order is Go's random map order; charts sort it anyway).
pub(super) fn keys(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    let mut keys = Vec::new();
    for map in args {
        keys.extend(map_of(call, map)?.into_keys());
    }
    keys.sort();
    Ok(Value::list(keys.into_iter().map(Value::string).collect()))
}

pub(super) fn values(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    Ok(Value::list(map_of(call, &args[0])?.into_values().collect()))
}

pub(super) fn pick(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.at_least(args, 1)?;
    let map = map_of(call, &args[0])?;
    let named: Vec<String> = args[1..].iter().map(convert::string).collect();
    let keep = call.name == "pick";
    let map = map
        .into_iter()
        .filter(|(k, _)| named.contains(k) == keep)
        .collect();
    Ok(changed(&args[0], map))
}

pub(super) fn pluck(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.at_least(args, 1)?;
    let key = convert::string(&args[0]);
    let mut found = Vec::new();
    for map in &args[1..] {
        if let Some(value) = map_of(call, map)?.get(&key) {
            found.push(value.clone());
        }
    }
    Ok(Value::list(found))
}

/// `dig "a" "b" default dict`; each step reads its map as it is now (maps change in place).
pub(super) fn dig(
    exec: &Exec<'_>,
    call: &Call<'_>,
    args: &[Value],
) -> Result<Value, TemplateError> {
    call.at_least(args, 3)?;
    let (keys, rest) = args.split_at(args.len() - 2);
    let mut at = args[args.len() - 1].clone();
    for key in keys {
        match at.get(&convert::string(key)) {
            Some(next) => at = exec.current(next.clone()),
            None => return Ok(rest[0].clone()),
        }
    }
    Ok(at)
}

/// `merge dst src…` (keys of `dst` that are empty or missing are filled) and `mergeOverwrite`
/// (sources win), recursing into maps on both sides as mergo does.
pub(super) fn merge(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.at_least(args, 1)?;
    let overwrite = call.name.contains("Overwrite");
    let mut target = map_of(call, &args[0])?;
    for source in &args[1..] {
        let source = map_of(call, source)?;
        merge_into(&mut target, &source, overwrite, 0);
    }
    Ok(changed(&args[0], target))
}

/// Deepest nesting merged (values nest only as deep as their YAML, which is bounded).
const MAX_MERGE_DEPTH: usize = 256;

fn merge_into(
    target: &mut BTreeMap<String, Value>,
    source: &BTreeMap<String, Value>,
    overwrite: bool,
    depth: usize,
) {
    if depth > MAX_MERGE_DEPTH {
        return;
    }
    for (key, value) in source {
        if value.is_nil() {
            continue;
        }
        let source_is_collection = matches!(value.kind(), ValueKind::Map(_) | ValueKind::List(_));
        match target.get_mut(key) {
            Some(existing)
                if matches!(existing.kind(), ValueKind::Map(_))
                    && matches!(value.kind(), ValueKind::Map(_)) =>
            {
                if let (Some(inner), Some(from)) = (existing.as_map_mut(), value.as_map()) {
                    merge_into(inner, from, overwrite, depth + 1);
                }
            }
            Some(existing) if existing.truthy() && source_is_collection => {
                if overwrite && matches!(value.kind(), ValueKind::List(_)) && value.truthy() {
                    *existing = value.clone();
                }
            }
            Some(existing) => {
                if overwrite || !existing.truthy() {
                    *existing = value.clone();
                }
            }
            None => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}
