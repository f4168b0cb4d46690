//! Go maps are references: `set`, `unset` and the `merge` family change a map in place, and
//! every path to it sees the change (`set .Values.config "database" dict` in a helper, then
//! `.Values.config.database` in the template that included it). Values here are shared
//! copy-on-write trees, so a changed map is a new one: this table maps each map a template
//! changed to what it is now, and reads look maps up in it.

use std::collections::HashMap;

use super::value::Value;

/// The maps one template execution changed (a template's execution, with what it includes,
/// is one [`super::exec::Exec`]; templates render apart, each from the chart's values).
#[derive(Default)]
pub(super) struct SharedMaps {
    /// By the identity of a map as it was read: (that map, kept alive so that its address is
    /// not reused, and the map it is now).
    now: HashMap<usize, (Value, Value)>,
}

/// The identity of a map value: the address of its shared entries.
fn identity(value: &Value) -> Option<usize> {
    value
        .map_arc()
        .map(|map| std::sync::Arc::as_ptr(map) as usize)
}

impl SharedMaps {
    /// True when no map has changed (reads need no lookup).
    pub(super) fn is_empty(&self) -> bool {
        self.now.is_empty()
    }

    /// Record that the map `before` is now `after` (what `set` returned for it).
    pub(super) fn changed(&mut self, before: &Value, after: &Value) {
        let Some(id) = identity(before) else {
            return;
        };
        // Paths that led to `before` through an earlier change now lead to `after`.
        for (_, now) in self.now.values_mut() {
            if identity(now) == Some(id) {
                *now = after.clone();
            }
        }
        self.now.insert(id, (before.clone(), after.clone()));
    }

    /// The value as it is now: a changed map's current version, anything else as it is.
    pub(super) fn current(&self, value: Value) -> Value {
        if self.now.is_empty() {
            return value;
        }
        match identity(&value).and_then(|id| self.now.get(&id)) {
            // A changed map keeps where the value read was written.
            Some((_, now)) => now.clone().with_origin(value.origin().or(now.origin())),
            None => value,
        }
    }

    /// The value with every map inside it as it is now: for functions that read a whole tree
    /// (`toYaml`, `merge`, `deepCopy`, printing).
    pub(super) fn deep(&self, value: Value) -> Value {
        if self.now.is_empty() {
            return value;
        }
        let value = self.current(value);
        if let Some(map) = value.map_arc() {
            let mut rebuilt = None;
            for (key, item) in map.iter() {
                let now = self.deep(item.clone());
                if !same(&now, item) {
                    rebuilt
                        .get_or_insert_with(|| (**map).clone())
                        .insert(key.clone(), now);
                }
            }
            return match rebuilt {
                Some(entries) => Value::map(entries).with_origin(value.origin()),
                None => value,
            };
        }
        if let Some(items) = value.as_list() {
            let now: Vec<Value> = items.iter().map(|item| self.deep(item.clone())).collect();
            if now.iter().zip(items).any(|(a, b)| !same(a, b)) {
                return Value::list(now).with_origin(value.origin());
            }
        }
        value
    }
}

/// True when `a` is `b` itself (maps and lists by identity; a scalar is never rebuilt).
fn same(a: &Value, b: &Value) -> bool {
    match (a.map_arc(), b.map_arc()) {
        (Some(x), Some(y)) => std::sync::Arc::ptr_eq(x, y),
        (None, None) => match (a.as_list(), b.as_list()) {
            (Some(x), Some(y)) => std::ptr::eq(x, y),
            (None, None) => true,
            _ => false,
        },
        _ => false,
    }
}
