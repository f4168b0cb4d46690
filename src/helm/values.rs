//! Helm's values: user values files merged, `--set` paths, chart defaults coalesced under them,
//! and the parent's values scoped down to each subchart (its name or alias, plus `global`).
//!
//! The rules follow Helm 3's `pkg/chartutil` (coalesce.go, values.go): a value the user gives
//! wins over the chart's default, maps merge key by key, a user's `null` removes the default, and
//! a parent's `global` entries are copied into each subchart's `global` (the parent's win).

use std::collections::BTreeMap;

use super::template::{Value, ValueKind};

/// The key under which values shared by a chart and all its subcharts live.
pub const GLOBAL: &str = "global";

/// The map entries of `value`, or an empty map for anything else.
fn entries(value: &Value) -> BTreeMap<String, Value> {
    value.as_map().cloned().unwrap_or_default()
}

/// True for a map value.
pub fn is_map(value: &Value) -> bool {
    matches!(value.kind(), ValueKind::Map(_))
}

/// Two user values files merged as Helm merges `-f a.yaml -f b.yaml`: `over`'s values win, maps
/// are merged key by key (Helm's `mergeMaps`).
pub fn merge_user(base: &Value, over: &Value) -> Value {
    if !is_map(base) || !is_map(over) {
        return over.clone();
    }
    let mut merged = entries(base);
    for (key, value) in entries(over) {
        let next = match merged.get(&key) {
            Some(existing) if is_map(existing) && is_map(&value) => merge_user(existing, &value),
            _ => value,
        };
        merged.insert(key, next);
    }
    Value::map(merged).with_origin(over.origin())
}

/// The user's values over a chart's defaults (Helm's `coalesceValues` / `coalesceTablesFullKey`):
/// a key the user set keeps the user's value, maps merge key by key, a user's `null` removes
/// the default's key, and keys only in the defaults are added.
pub fn coalesce(user: &Value, defaults: &Value) -> Value {
    if !is_map(user) {
        return if user.is_nil() && is_map(defaults) {
            defaults.clone()
        } else {
            user.clone()
        };
    }
    let mut out = entries(user);
    for (key, default) in entries(defaults) {
        match out.get(&key) {
            None => {
                out.insert(key, default);
            }
            Some(given) if given.is_nil() => {
                out.remove(&key);
            }
            Some(given) if is_map(given) && is_map(&default) => {
                let merged = coalesce(given, &default);
                out.insert(key, merged);
            }
            // A scalar over a map (or the reverse): the user's value stays, as in Helm (which
            // warns).
            Some(_) => {}
        }
    }
    Value::map(out).with_origin(user.origin())
}

/// The parent's `global` copied into a subchart's values (Helm's `coalesceGlobals`): the
/// parent's entries win, maps merged with the subchart's own entries filling the gaps.
pub fn with_parent_globals(child: &Value, parent: &Value) -> Value {
    let Some(parent_globals) = parent.get(GLOBAL).filter(|g| is_map(g)) else {
        return child.clone();
    };
    let mut child_entries = entries(child);
    let child_globals = child_entries.get(GLOBAL).cloned().unwrap_or_default();
    let mut globals = entries(&child_globals);
    for (key, value) in entries(parent_globals) {
        let next = match globals.get(&key) {
            Some(existing) if is_map(existing) && is_map(&value) => coalesce(&value, existing),
            _ => value,
        };
        globals.insert(key, next);
    }
    child_entries.insert(
        GLOBAL.to_string(),
        Value::map(globals).with_origin(child_globals.origin().or(parent_globals.origin())),
    );
    Value::map(child_entries).with_origin(child.origin())
}

/// The value at a dotted path (`postgresql.enabled`).
pub fn lookup<'v>(values: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .filter(|key| !key.is_empty())
        .try_fold(values, |at, key| at.get(key))
}

/// `values` with `value` set at the dotted `path` (a `--set a.b=v` entry), creating the maps
/// on the way and replacing a scalar in the way. As in `--set`, `\.` is a dot inside a key
/// (`podAnnotations.helm\.sh/hook`).
pub fn set_path(values: &Value, path: &str, value: Value) -> Value {
    set_keys(values, &set_keys_of(path), value)
}

/// The keys of a `--set` path: split at dots, a backslash keeping the next character.
fn set_keys_of(path: &str) -> Vec<String> {
    let mut keys = vec![String::new()];
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => keys.last_mut().expect("one key").extend(chars.next()),
            '.' => keys.push(String::new()),
            _ => keys.last_mut().expect("one key").push(c),
        }
    }
    keys.retain(|key| !key.is_empty());
    keys
}

fn set_keys(values: &Value, keys: &[String], value: Value) -> Value {
    let Some((first, rest)) = keys.split_first() else {
        return value;
    };
    let mut map = entries(values);
    let inner = map.get(first.as_str()).cloned().unwrap_or_default();
    let next = set_keys(&inner, rest, value);
    map.insert(first.clone(), next);
    Value::map(map).with_origin(values.origin())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::{FileId, Span};

    fn values(text: &str, file: u32) -> Value {
        let parsed = crate::yaml::parse(text, &crate::yaml::Limits::default());
        let root = parsed.documents[0].root.unwrap();
        Value::from_yaml(&parsed.tree, root, FileId(file))
    }

    fn text(value: Option<&Value>) -> Option<String> {
        let value = value?;
        match value.kind() {
            ValueKind::String(s) => Some(s.to_string()),
            ValueKind::Float(n) => Some(n.to_string()),
            ValueKind::Int(n) => Some(n.to_string()),
            ValueKind::Bool(b) => Some(b.to_string()),
            ValueKind::Nil => Some("nil".into()),
            _ => Some("?".into()),
        }
    }

    #[test]
    fn user_values_win_maps_merge_and_null_removes_a_default() {
        let defaults = values(
            "image: {repository: app, tag: '1.0'}\nmigrate: {enabled: true}\nextra: 1\n",
            1,
        );
        let user = values("image: {tag: '2.0'}\nextra: null\nnew: x\n", 2);
        let merged = coalesce(&user, &defaults);
        assert_eq!(
            text(lookup(&merged, "image.repository")).as_deref(),
            Some("app")
        );
        assert_eq!(text(lookup(&merged, "image.tag")).as_deref(), Some("2.0"));
        // The value keeps where it was written: the user's file for the tag.
        assert_eq!(
            lookup(&merged, "image.tag").unwrap().origin().unwrap().file,
            FileId(2)
        );
        assert_eq!(
            lookup(&merged, "image.repository")
                .unwrap()
                .origin()
                .unwrap()
                .file,
            FileId(1)
        );
        assert!(lookup(&merged, "extra").is_none());
        assert_eq!(
            text(lookup(&merged, "migrate.enabled")).as_deref(),
            Some("true")
        );
        assert_eq!(text(lookup(&merged, "new")).as_deref(), Some("x"));
    }

    #[test]
    fn later_values_files_win_and_set_paths_create_maps() {
        let first = values("a: {b: 1, c: 2}\n", 1);
        let second = values("a: {b: 3}\n", 2);
        let merged = merge_user(&first, &second);
        assert_eq!(text(lookup(&merged, "a.b")).as_deref(), Some("3"));
        assert_eq!(text(lookup(&merged, "a.c")).as_deref(), Some("2"));
        let annotated = set_path(
            &merged,
            "job.annotations.helm\\.sh/hook",
            Value::string("pre-install"),
        );
        assert_eq!(
            text(
                lookup(&annotated, "job")
                    .and_then(|j| j.get("annotations"))
                    .and_then(|a| a.get("helm.sh/hook"))
            ),
            Some("pre-install".into())
        );
        let set = set_path(&merged, "x.y.z", Value::string("v"));
        assert_eq!(text(lookup(&set, "x.y.z")).as_deref(), Some("v"));
        let replaced = set_path(&set, "a.b.deeper", Value::int(4));
        assert_eq!(text(lookup(&replaced, "a.b.deeper")).as_deref(), Some("4"));
        assert_eq!(text(lookup(&replaced, "a.c")).as_deref(), Some("2"));
    }

    #[test]
    fn parent_globals_are_copied_down_and_win() {
        let parent = values("global: {registry: r.example, db: {host: h}}\nsub: {}\n", 1);
        let child = values(
            "global: {registry: mine, db: {port: 5432}, own: 1}\nimage: x\n",
            2,
        );
        let scoped = with_parent_globals(&child, &parent);
        assert_eq!(
            text(lookup(&scoped, "global.registry")).as_deref(),
            Some("r.example")
        );
        assert_eq!(
            text(lookup(&scoped, "global.db.host")).as_deref(),
            Some("h")
        );
        assert_eq!(
            text(lookup(&scoped, "global.db.port")).as_deref(),
            Some("5432")
        );
        assert_eq!(text(lookup(&scoped, "global.own")).as_deref(), Some("1"));
        assert_eq!(text(lookup(&scoped, "image")).as_deref(), Some("x"));
        assert_eq!(
            lookup(&scoped, "global.registry").unwrap().origin(),
            Some(Span::new(FileId(1), 19, 28))
        );
    }
}
