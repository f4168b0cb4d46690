//! Helm's own functions: `required`, `toYaml` / `fromYaml` / `toJson` / `fromJson`, and the
//! methods of `.Files` (`include`, `tpl`, `fail` and `lookup` are dispatched in `mod.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Call;
use super::convert;
use crate::digest;
use crate::helm::template::emit::{self, EmitError};
use crate::helm::template::exec::{Exec, exec_error};
use crate::helm::template::value::{Files, Value, ValueKind};
use crate::helm::template::{Budget, TemplateError, TemplateErrorKind};
use crate::span::Span;

/// `required "message" value`: the value, or an error with the message when it is nil or "".
pub(super) fn required(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 2)?;
    let missing = match args[1].kind() {
        ValueKind::Nil => true,
        ValueKind::String(s) => s.is_empty(),
        _ => false,
    };
    if missing {
        return Err(TemplateError::new(
            call.span,
            TemplateErrorKind::Required,
            convert::string(&args[0]),
        ));
    }
    Ok(args[1].clone())
}

fn too_long(exec: &Exec<'_>, call: &Call<'_>) -> TemplateError {
    let _ = exec;
    TemplateError::new(
        call.span,
        TemplateErrorKind::Limit(Budget::Output),
        format!(
            "{} would write more than the output limit (limit max_output)",
            call.name
        ),
    )
}

/// `toYaml`: a scalar keeps its origin; a collection becomes text from many values.
pub(super) fn to_yaml(
    exec: &mut Exec<'_>,
    call: &Call<'_>,
    args: &[Value],
) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let text =
        emit::to_yaml(&args[0], exec.room()).map_err(|EmitError::TooLong| too_long(exec, call))?;
    exec.charge(text.len(), call.span)?;
    let scalar = !matches!(
        args[0].kind(),
        ValueKind::List(_) | ValueKind::Map(_) | ValueKind::Files(_)
    );
    let value = Value::string(text);
    Ok(if scalar {
        value.with_origin(args[0].origin())
    } else {
        value
    })
}

pub(super) fn to_json(
    exec: &mut Exec<'_>,
    call: &Call<'_>,
    args: &[Value],
    pretty: bool,
) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let text = emit::to_json(&args[0], pretty, exec.room())
        .map_err(|EmitError::TooLong| too_long(exec, call))?;
    exec.charge(text.len(), call.span)?;
    Ok(Value::string(text))
}

/// `fromYaml` (a map) / `fromYamlArray` (a list): a parse error becomes the value
/// `{Error: message}` / `[message]`, as in Helm.
pub(super) fn from_yaml(
    call: &Call<'_>,
    args: &[Value],
    array: bool,
) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let text = convert::string(&args[0]);
    let parsed = crate::yaml::parse(&text, &crate::yaml::Limits::default());
    let failure = |message: String| {
        if array {
            Value::list(vec![Value::string(message)])
        } else {
            Value::map_from([("Error", Value::string(message))])
        }
    };
    if let Some(error) = parsed.errors.first() {
        return Ok(failure(format!(
            "error converting YAML to JSON: {}",
            error.message
        )));
    }
    let value = match parsed.documents.first().and_then(|d| d.root) {
        Some(root) => Value::from_yaml_unplaced(&parsed.tree, root),
        None => Value::nil(),
    };
    Ok(match (value.kind(), array) {
        (ValueKind::Map(_), false) | (ValueKind::List(_), true) => value,
        (ValueKind::Nil, false) => Value::map(BTreeMap::new()),
        (ValueKind::Nil, true) => Value::list(Vec::new()),
        (_, false) => failure("error unmarshaling JSON: cannot unmarshal into a map".to_string()),
        (_, true) => failure("error unmarshaling JSON: cannot unmarshal into a list".to_string()),
    })
}

pub(super) fn from_json(
    call: &Call<'_>,
    args: &[Value],
    array: bool,
) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let text = convert::string(&args[0]);
    let failure = |message: String| {
        if array {
            Value::list(vec![Value::string(message)])
        } else {
            Value::map_from([("Error", Value::string(message))])
        }
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(json) => {
            let value = from_json_value(&json);
            Ok(match (value.kind(), array) {
                (ValueKind::Map(_), false) | (ValueKind::List(_), true) => value,
                _ if call.name == "mustFromJson" || call.name == "fromJson" && !array => value,
                _ => failure("json: cannot unmarshal into the wanted type".to_string()),
            })
        }
        Err(error) if call.name == "mustFromJson" => Err(call.error(error)),
        Err(error) => Ok(failure(error.to_string())),
    }
}

/// JSON into template values: numbers are float64, as Go decodes them.
fn from_json_value(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::nil(),
        serde_json::Value::Bool(b) => Value::bool(*b),
        serde_json::Value::Number(n) => Value::float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::string(s.as_str()),
        serde_json::Value::Array(items) => Value::list(items.iter().map(from_json_value).collect()),
        serde_json::Value::Object(map) => Value::map(
            map.iter()
                .map(|(k, v)| (k.clone(), from_json_value(v)))
                .collect(),
        ),
    }
}

/// The methods of `.Files`.
pub(crate) fn files_method(
    files: &Arc<Files>,
    name: &str,
    args: &[Value],
    span: Span,
) -> Result<Value, TemplateError> {
    let want = |count: usize| -> Result<(), TemplateError> {
        if args.len() != count {
            return Err(exec_error(
                span,
                format!(
                    "wrong number of args for {name}: want {count} got {}",
                    args.len()
                ),
            ));
        }
        Ok(())
    };
    let text_of = |path: &str| -> Option<Value> {
        files.get(path).map(|entry| {
            let text = String::from_utf8_lossy(&entry.bytes).into_owned();
            let origin = entry.file.map(|file| Span::new(file, 0, entry.bytes.len()));
            Value::string(text).with_origin(origin)
        })
    };
    match name {
        "Get" | "GetBytes" => {
            want(1)?;
            Ok(text_of(&convert::string(&args[0])).unwrap_or_else(|| Value::string("")))
        }
        "Lines" => {
            want(1)?;
            let Some(text) = text_of(&convert::string(&args[0])) else {
                return Ok(Value::list(Vec::new()));
            };
            let text = convert::string(&text);
            let text = text.strip_suffix('\n').unwrap_or(&text);
            Ok(Value::list(text.split('\n').map(Value::string).collect()))
        }
        "Glob" => {
            want(1)?;
            let pattern = convert::string(&args[0]);
            let matcher = globset::GlobBuilder::new(&pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| exec_error(span, format!("error calling Glob: {e}")))?
                .compile_matcher();
            let mut matched = Files::new();
            for (path, entry) in files.iter() {
                if matcher.is_match(path) {
                    matched.insert(path, entry.bytes.clone(), entry.file);
                }
            }
            Ok(Value::files(matched))
        }
        "AsConfig" | "AsSecrets" => {
            want(0)?;
            let mut map = BTreeMap::new();
            for (path, entry) in files.iter() {
                let base = path.rsplit('/').next().unwrap_or(path).to_string();
                let value = if name == "AsSecrets" {
                    digest::base64(&entry.bytes)
                } else {
                    String::from_utf8_lossy(&entry.bytes).into_owned()
                };
                map.insert(base, Value::string(value));
            }
            let text = emit::to_yaml(&Value::map(map), usize::MAX).unwrap_or_default();
            Ok(Value::string(text))
        }
        _ => Err(exec_error(
            span,
            format!("can't evaluate field {name} in type engine.files"),
        )),
    }
}
