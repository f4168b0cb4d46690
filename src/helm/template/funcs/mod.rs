//! The functions templates call: Go's builtins, Helm's own (`include`, `tpl`, `toYaml`, …) and
//! the sprig functions charts use, by name; an unknown name is an `Unsupported` error.

mod builtin;
mod convert;
mod crypto;
mod encoding;
mod helm;
mod lists;
mod maps;
mod numbers;
mod semver;
mod strings;
mod url;

use super::exec::{Exec, exec_error};
use super::value::{Value, ValueKind};
use super::{TemplateError, TemplateErrorKind};
use crate::span::Span;

pub(super) use crypto::{is_now, now_method};
pub(super) use helm::files_method;

/// A function call: its name and the span of the command calling it.
pub(super) struct Call<'n> {
    pub(super) name: &'n str,
    pub(super) span: Span,
}

impl Call<'_> {
    /// `error calling name: message`, at the call.
    pub(super) fn error(&self, message: impl std::fmt::Display) -> TemplateError {
        exec_error(self.span, format!("error calling {}: {message}", self.name))
    }

    /// Exactly `count` arguments.
    pub(super) fn arity(&self, args: &[Value], count: usize) -> Result<(), TemplateError> {
        if args.len() != count {
            return Err(exec_error(
                self.span,
                format!(
                    "wrong number of args for {}: want {count} got {}",
                    self.name,
                    args.len()
                ),
            ));
        }
        Ok(())
    }

    /// At least `count` arguments.
    pub(super) fn at_least(&self, args: &[Value], count: usize) -> Result<(), TemplateError> {
        if args.len() < count {
            return Err(exec_error(
                self.span,
                format!(
                    "wrong number of args for {}: want at least {count} got {}",
                    self.name,
                    args.len()
                ),
            ));
        }
        Ok(())
    }
}

/// Functions whose first argument, a map, they change in place (Go maps are references): the
/// evaluator writes the result back to the variable the map was read from.
pub(super) fn mutates_first_argument(name: &str) -> bool {
    matches!(
        name,
        "set" | "unset" | "merge" | "mustMerge" | "mergeOverwrite" | "mustMergeOverwrite"
    )
}

/// Functions that read a whole tree of values (serialising, merging, copying, printing,
/// comparing, collecting entries): their arguments are given with every map changed in place
/// as it is now.
pub(super) fn reads_whole_values(name: &str) -> bool {
    matches!(
        name,
        "toYaml"
            | "mustToYaml"
            | "toJson"
            | "mustToJson"
            | "toRawJson"
            | "mustToRawJson"
            | "toPrettyJson"
            | "mustToPrettyJson"
            | "toToml"
            | "merge"
            | "mustMerge"
            | "mergeOverwrite"
            | "mustMergeOverwrite"
            | "deepCopy"
            | "mustDeepCopy"
            | "print"
            | "println"
            | "printf"
            | "toString"
            | "eq"
            | "ne"
            | "deepEqual"
            | "values"
            | "pluck"
    )
}

/// `deepCopy`: the value with every map and list new, so that a map changed in place later
/// (`set`) is not changed in the copy.
fn fresh_copy(value: &Value) -> Value {
    // Read through `as_map`: the copy depends on every entry (see `watch`).
    if let Some(map) = value.as_map() {
        let entries = map
            .iter()
            .map(|(k, v)| (k.clone(), fresh_copy(v)))
            .collect();
        return Value::map(entries).with_origin(value.origin());
    }
    match value.as_list() {
        Some(items) => {
            Value::list(items.iter().map(fresh_copy).collect()).with_origin(value.origin())
        }
        None => value.clone(),
    }
}

/// Call the function `name`.
pub(super) fn call(
    exec: &mut Exec<'_>,
    name: &str,
    args: Vec<Value>,
    dot: &Value,
    span: Span,
) -> Result<Value, TemplateError> {
    let call = Call { name, span };
    let a = args.as_slice();
    let _ = dot;
    match name {
        // Go's builtins (`and` / `or` are evaluated lazily by the evaluator).
        "not" => builtin::not(&call, a),
        "eq" => builtin::eq(&call, a),
        "ne" => builtin::ne(&call, a),
        "lt" | "le" | "gt" | "ge" => builtin::compare(&call, a),
        "len" => builtin::len(&call, a),
        "index" => builtin::index(exec, &call, a),
        "slice" => builtin::slice(&call, a),
        "print" => Ok(Value::string(super::format::sprint(a))),
        "println" => Ok(Value::string(super::format::sprintln(a))),
        "printf" => builtin::printf(&call, a),
        "html" => builtin::html(&call, a),
        "js" => builtin::js(&call, a),
        "urlquery" => builtin::urlquery(&call, a),

        // Helm's.
        "include" => {
            call.arity(a, 2)?;
            let template = convert::string(&a[0]);
            exec.include(&template, &a[1], span)
        }
        "tpl" => {
            call.arity(a, 2)?;
            exec.tpl(&a[0], &a[1], span)
        }
        "required" => helm::required(&call, a),
        "fail" => {
            call.arity(a, 1)?;
            Err(TemplateError::new(
                span,
                TemplateErrorKind::Fail,
                convert::string(&a[0]),
            ))
        }
        "toYaml" | "mustToYaml" => helm::to_yaml(exec, &call, a),
        "toYamlPretty" => helm::to_yaml(exec, &call, a),
        "fromYaml" => helm::from_yaml(&call, a, false),
        "fromYamlArray" => helm::from_yaml(&call, a, true),
        "toJson" | "mustToJson" | "toRawJson" | "mustToRawJson" => {
            helm::to_json(exec, &call, a, false)
        }
        "toPrettyJson" | "mustToPrettyJson" => helm::to_json(exec, &call, a, true),
        "fromJson" | "mustFromJson" => helm::from_json(&call, a, false),
        "fromJsonArray" => helm::from_json(&call, a, true),
        "lookup" => {
            call.arity(a, 4)?;
            // `helm template` has no cluster: lookup finds nothing.
            Ok(Value::map(Default::default()))
        }

        // sprig: defaults and flow.
        "default" => builtin::default(&call, a),
        "empty" => {
            call.arity(a, 1)?;
            Ok(Value::bool(!a[0].truthy()))
        }
        "coalesce" => Ok(a.iter().find(|v| v.truthy()).cloned().unwrap_or_default()),
        "all" => Ok(Value::bool(a.iter().all(Value::truthy))),
        "any" => Ok(Value::bool(a.iter().any(Value::truthy))),
        "ternary" => {
            call.arity(a, 3)?;
            Ok(if a[2].truthy() {
                a[0].clone()
            } else {
                a[1].clone()
            })
        }
        "deepEqual" => {
            call.arity(a, 2)?;
            Ok(Value::bool(builtin::deep_equal(&a[0], &a[1])))
        }

        // sprig: strings.
        "quote" => Ok(strings::quote(exec, a, '"')),
        "squote" => Ok(strings::quote(exec, a, '\'')),
        "cat" => Ok(strings::cat(a)),
        "trim" | "trimAll" | "trimPrefix" | "trimSuffix" => strings::trim(exec, &call, a),
        "trunc" => strings::trunc(exec, &call, a),
        "replace" => strings::replace(exec, &call, a),
        "lower" | "upper" | "title" | "untitle" | "swapcase" | "camelcase" | "kebabcase"
        | "snakecase" | "nospace" => strings::case(exec, &call, a),
        "contains" | "hasPrefix" | "hasSuffix" => strings::test(&call, a),
        "repeat" => strings::repeat(exec, &call, a),
        "substr" => strings::substr(&call, a),
        "indent" | "nindent" => strings::indent(exec, &call, a),
        "plural" => strings::plural(&call, a),
        "wrap" | "wrapWith" => strings::wrap(&call, a),
        "abbrev" => strings::abbrev(&call, a),
        "initials" => strings::initials(&call, a),
        "shuffle" => {
            call.arity(a, 1)?;
            Ok(Value::string(convert::string(&a[0])))
        }
        "split" | "splitList" | "splitn" => strings::split(&call, a),
        "join" => strings::join(&call, a),
        "sortAlpha" => lists::sort_alpha(&call, a),
        "regexMatch"
        | "mustRegexMatch"
        | "regexFind"
        | "mustRegexFind"
        | "regexFindAll"
        | "mustRegexFindAll"
        | "regexReplaceAll"
        | "mustRegexReplaceAll"
        | "regexReplaceAllLiteral"
        | "mustRegexReplaceAllLiteral"
        | "regexSplit"
        | "mustRegexSplit"
        | "regexQuoteMeta" => strings::regex(&call, a),
        "toString" => {
            call.arity(a, 1)?;
            Ok(convert::to_string_value(&a[0]))
        }
        "toStrings" => {
            call.arity(a, 1)?;
            Ok(Value::list(
                convert::items(&a[0])
                    .iter()
                    .map(|v| Value::string(convert::string(v)))
                    .collect(),
            ))
        }
        "randAlphaNum" | "randAlpha" | "randNumeric" | "randAscii" => strings::random(&call, a),
        "env" | "expandenv" => {
            call.arity(a, 1)?;
            // No process environment reaches a lint run: env is empty.
            Ok(Value::string(if name == "expandenv" {
                convert::string(&a[0])
            } else {
                String::new()
            }))
        }
        "base" | "dir" | "ext" | "clean" | "isAbs" | "osBase" | "osDir" | "osExt" | "osClean"
        | "osIsAbs" => strings::path(&call, a),
        "uuidv4" => Ok(Value::string("00000000-0000-4000-8000-000000000000")),
        "urlParse" => url::url_parse(&call, a),
        "urlJoin" => url::url_join(&call, a),

        // sprig: encodings and hashes.
        "b64enc" => encoding::b64enc(&call, a),
        "b64dec" => encoding::b64dec(&call, a),
        "b32enc" | "b32dec" => Err(unsupported(&call)),
        "sha256sum" | "sha1sum" | "adler32sum" => encoding::hash(&call, a),

        // sprig: numbers.
        "int" | "int64" | "float64" | "atoi" | "toDecimal" => numbers::convert(&call, a),
        "add" | "add1" | "sub" | "mul" | "div" | "mod" | "max" | "min" | "addf" | "add1f"
        | "subf" | "mulf" | "divf" | "maxf" | "minf" | "floor" | "ceil" | "round" => {
            numbers::arithmetic(&call, a)
        }
        "until" | "untilStep" | "seq" => numbers::sequence(exec, &call, a),
        "biggest" => numbers::arithmetic(&Call { name: "max", span }, a),

        // sprig: lists.
        "list" | "tuple" => Ok(Value::list(a.to_vec())),
        "append" | "push" | "mustAppend" | "mustPush" | "prepend" | "mustPrepend" => {
            lists::append(&call, a)
        }
        "first" | "mustFirst" | "last" | "mustLast" | "rest" | "mustRest" | "initial"
        | "mustInitial" => lists::ends(&call, a),
        "uniq" | "mustUniq" | "compact" | "mustCompact" | "reverse" | "mustReverse" => {
            lists::filter(&call, a)
        }
        "without" | "mustWithout" => lists::without(&call, a),
        "has" | "mustHas" => lists::has(&call, a),
        "concat" => lists::concat(&call, a),
        "chunk" | "mustChunk" => lists::chunk(&call, a),

        // sprig: dictionaries.
        "dict" => Ok(maps::dict(a)),
        "get" => maps::get(&call, a),
        "set" => maps::set(&call, a),
        "unset" => maps::unset(&call, a),
        "hasKey" => maps::has_key(&call, a),
        "keys" => maps::keys(&call, a),
        "values" => maps::values(&call, a),
        "pick" | "omit" => maps::pick(&call, a),
        "pluck" => maps::pluck(&call, a),
        "dig" => maps::dig(exec, &call, a),
        "merge" | "mustMerge" | "mergeOverwrite" | "mustMergeOverwrite" => maps::merge(&call, a),
        "deepCopy" | "mustDeepCopy" => {
            call.arity(a, 1)?;
            Ok(fresh_copy(&a[0]))
        }

        // sprig: types.
        "kindOf" | "kindIs" | "typeOf" | "typeIs" | "typeIsLike" => convert::types(&call, a),

        // sprig: versions, dates, certificates.
        "semverCompare" => semver::compare(&call, a),
        "semver" => semver::parse_value(&call, a),
        "now" => Ok(Value::string(crypto::FIXED_NOW)),
        "date" | "dateInZone" | "date_in_zone" | "htmlDate" | "htmlDateInZone" => {
            Ok(crypto::date(&call, a))
        }
        "unixEpoch" => Ok(Value::string("1767225600")),
        "genCA"
        | "genSelfSignedCert"
        | "genSignedCert"
        | "genPrivateKey"
        | "genCAWithKey"
        | "genSelfSignedCertWithKey"
        | "genSignedCertWithKey" => crypto::generate(&call, a),
        "derivePassword" | "htpasswd" | "bcrypt" | "encryptAES" | "decryptAES" => {
            crypto::secret(&call, a)
        }
        _ => Err(unsupported(&call)),
    }
}

/// The error for a function adminlint does not implement.
fn unsupported(call: &Call<'_>) -> TemplateError {
    TemplateError::new(
        call.span,
        TemplateErrorKind::Unsupported(call.name.to_string()),
        format!(
            "function {:?} is not supported by adminlint's template engine",
            call.name
        ),
    )
}

/// The kind names sprig's `kindOf` uses.
pub(super) fn kind_name(value: &Value) -> &'static str {
    match value.kind() {
        ValueKind::Nil => "invalid",
        ValueKind::Bool(_) => "bool",
        ValueKind::Int(_) => "int",
        ValueKind::Float(_) => "float64",
        ValueKind::String(_) => "string",
        ValueKind::List(_) | ValueKind::ApiVersions(_) => "slice",
        ValueKind::Map(_) | ValueKind::Files(_) => "map",
    }
}
