//! The Compose merge rules, for override files and `extends`: mappings merge (later wins),
//! sequences append, `command` / `entrypoint` / `healthcheck.test` replace, `ports`, `volumes`,
//! `secrets`, `configs` and `env_file` merge by key, and `!reset` / `!override` are honoured.
//!
//! Services are first normalised so that both sides have one shape: list forms of
//! `environment`, `labels`, `build.args` and `depends_on` become mappings, short `build`,
//! `env_file` and `extends` forms become their long forms.

use super::value::{Entry, Kind, Tag, Value};
use crate::origin::Step;
use crate::source::SourceFile;
use crate::span::Span;

/// Paths (from the service) whose sequences replace instead of appending.
const REPLACED: [&[&str]; 3] = [&["command"], &["entrypoint"], &["healthcheck", "test"]];

/// Bring one service to the shape [`merge`] expects.
pub fn normalise_service(service: &mut Value) {
    let Kind::Map(entries) = &mut service.kind else {
        return;
    };
    for entry in entries.iter_mut() {
        match entry.key.as_str() {
            "environment" | "labels" | "annotations" => list_to_map(&mut entry.value),
            "depends_on" => depends_on_to_map(&mut entry.value),
            "env_file" => scalar_to_list(&mut entry.value),
            "build" => {
                scalar_to_map(&mut entry.value, "context");
                if let Kind::Map(build) = &mut entry.value.kind {
                    for item in build
                        .iter_mut()
                        .filter(|e| e.key == "args" || e.key == "labels")
                    {
                        list_to_map(&mut item.value);
                    }
                }
            }
            "extends" => scalar_to_map(&mut entry.value, "service"),
            _ => {}
        }
    }
}

/// `[KEY=value, KEY]` → `{KEY: value, KEY: null}`; each entry keeps the item's spans.
fn list_to_map(value: &mut Value) {
    let Kind::Seq(items) = &value.kind else {
        return;
    };
    let entries = items
        .iter()
        .filter_map(|item| {
            let text = item.str()?;
            let (key, entry_value) = match text.split_once('=') {
                Some((key, v)) => (key, Value::part_of(v, item)),
                None => (text, Value::synthetic(Kind::Null, item)),
            };
            Some(Entry {
                key: key.trim().to_string(),
                key_span: item.span,
                value: entry_value,
            })
        })
        .collect();
    value.kind = Kind::Map(entries);
}

/// `depends_on: [db]` → `{db: {condition: service_started}}`.
fn depends_on_to_map(value: &mut Value) {
    let Kind::Seq(items) = &value.kind else {
        return;
    };
    let entries = items
        .iter()
        .filter_map(|item| {
            let condition = Entry {
                key: "condition".into(),
                key_span: item.span,
                value: Value::text("service_started", item),
            };
            Some(Entry {
                key: item.str()?.to_string(),
                key_span: item.span,
                value: Value::synthetic(Kind::Map(vec![condition]), item),
            })
        })
        .collect();
    value.kind = Kind::Map(entries);
}

fn scalar_to_list(value: &mut Value) {
    if matches!(value.kind, Kind::Scalar(..)) {
        let item = Value {
            tag: Tag::None,
            ..value.clone()
        };
        value.kind = Kind::Seq(vec![item]);
    }
}

fn scalar_to_map(value: &mut Value, key: &str) {
    if matches!(value.kind, Kind::Scalar(..)) {
        let entry = Entry {
            key: key.to_string(),
            key_span: value.span,
            value: Value {
                tag: Tag::None,
                ..value.clone()
            },
        };
        value.kind = Kind::Map(vec![entry]);
    }
}

/// Merge `over` (a later file, or the extending service) onto `base` (an earlier file, or the
/// extended service); both normalised. None when `over` resets the whole value.
pub fn merge(base: Value, over: Value) -> Option<Value> {
    merge_at(base, over, &mut Vec::new(), None)
}

/// [`merge`] of a later file of a project onto an earlier one: each value the later file sets
/// over one of the earlier file records a [`Step::Override`] pointing at the one it replaces
/// (`files` is the run's file table, to name the earlier file).
pub fn merge_files(base: Value, over: Value, files: &[SourceFile]) -> Option<Value> {
    merge_at(base, over, &mut Vec::new(), Some(files))
}

/// `over` as it replaces `base` at `path`: with an override step when merging files.
fn replacing(
    mut over: Value,
    base: (Span, bool),
    path: &[String],
    files: Option<&[SourceFile]>,
) -> Option<Value> {
    let (base_span, base_is_null) = base;
    if let Some(files) = files
        && !path.is_empty()
        && !base_is_null
    {
        over.push_step_deep(&Step::Override {
            key: path.join("."),
            file: files
                .get(base_span.file.0 as usize)
                .map(|f| f.display.clone())
                .unwrap_or_default(),
            base: base_span,
        });
    }
    strip(over)
}

fn merge_at(
    base: Value,
    over: Value,
    path: &mut Vec<String>,
    files: Option<&[SourceFile]>,
) -> Option<Value> {
    // What `over` replaces, if it replaces it: where it is, and whether it says anything.
    let replaced_base = (base.span, base.kind == Kind::Null);
    match over.tag {
        Tag::Reset => return None,
        Tag::Override => return replacing(over, replaced_base, path, files),
        Tag::None => {}
    }
    let replaced = REPLACED
        .iter()
        .any(|p| p.len() == path.len() && p.iter().zip(path.iter()).all(|(a, b)| a == b));
    match (base.kind, over.kind) {
        (Kind::Map(mut entries), Kind::Map(later)) => {
            for entry in later {
                path.push(entry.key.clone());
                match entries.iter().position(|e| e.key == entry.key) {
                    Some(at) => {
                        let earlier = entries.remove(at);
                        let keep_key = matches!(
                            (&earlier.value.kind, &entry.value.kind),
                            (Kind::Map(_), Kind::Map(_))
                        ) && entry.value.tag == Tag::None;
                        let key_span = if keep_key {
                            earlier.key_span
                        } else {
                            entry.key_span
                        };
                        if let Some(value) = merge_at(earlier.value, entry.value, path, files) {
                            entries.insert(
                                at,
                                Entry {
                                    key: entry.key,
                                    key_span,
                                    value,
                                },
                            );
                        }
                    }
                    None => {
                        if let Some(value) = strip(entry.value) {
                            entries.push(Entry { value, ..entry });
                        }
                    }
                }
                path.pop();
            }
            Some(Value {
                kind: Kind::Map(entries),
                span: base.span,
                origin: base.origin,
                tag: Tag::None,
            })
        }
        (Kind::Seq(mut items), Kind::Seq(later)) if !replaced => {
            for item in later.into_iter().filter_map(strip) {
                let existing = item_key(path, &item).and_then(|key| {
                    items
                        .iter()
                        .position(|i| item_key(path, i) == Some(key.clone()))
                });
                match existing {
                    Some(at) => {
                        let earlier = (items[at].span, false);
                        if let Some(item) = replacing(item, earlier, path, files) {
                            items[at] = item;
                        }
                    }
                    None => items.push(item),
                }
            }
            Some(Value {
                kind: Kind::Seq(items),
                span: base.span,
                origin: base.origin,
                tag: Tag::None,
            })
        }
        (_, kind) => replacing(Value { kind, ..over }, replaced_base, path, files),
    }
}

/// What identifies an item of a sequence merged by key.
fn item_key(path: &[String], item: &Value) -> Option<String> {
    let field = match path {
        [field] => field.as_str(),
        _ => return None,
    };
    let scalar = item.str();
    let from_map = |keys: &[&str]| -> Option<String> {
        let parts: Vec<&str> = keys
            .iter()
            .map(|k| item.get(k).and_then(Value::str).unwrap_or(""))
            .collect();
        (!parts.iter().all(|p| p.is_empty())).then(|| parts.join(":"))
    };
    match field {
        "ports" => scalar
            .map(str::to_string)
            .or_else(|| from_map(&["host_ip", "published", "target", "protocol"])),
        "volumes" | "devices" => match scalar {
            Some(text) => {
                let mut parts = text.split(':');
                let first = parts.next().unwrap_or_default();
                Some(parts.next().unwrap_or(first).to_string())
            }
            None => from_map(&["target"]),
        },
        "secrets" | "configs" => scalar.map(str::to_string).or_else(|| from_map(&["source"])),
        "env_file" => scalar.map(str::to_string).or_else(|| from_map(&["path"])),
        "profiles" | "dns" | "dns_search" | "dns_opt" | "cap_add" | "cap_drop" | "expose"
        | "tmpfs" | "links" | "external_links" | "group_add" | "security_opt" => {
            scalar.map(str::to_string)
        }
        _ => None,
    }
}

/// Remove `!reset` values and `!override` tags left where there was nothing to merge with.
pub fn strip(mut value: Value) -> Option<Value> {
    match value.tag {
        Tag::Reset => return None,
        Tag::Override => value.tag = Tag::None,
        Tag::None => {}
    }
    value.kind = match value.kind {
        Kind::Map(entries) => Kind::Map(
            entries
                .into_iter()
                .filter_map(|e| {
                    let value = strip(e.value)?;
                    Some(Entry { value, ..e })
                })
                .collect(),
        ),
        Kind::Seq(items) => Kind::Seq(items.into_iter().filter_map(strip).collect()),
        other => other,
    };
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::compose::value::Converter;
    use crate::span::FileId;

    fn service(text: &str, file: u32) -> Value {
        let parsed = crate::yaml::parse(text, &crate::yaml::Limits::default());
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let root = parsed.documents[0].root.unwrap();
        let mut converter = Converter::new(&parsed.tree, text, FileId(file), 10_000);
        let mut value = converter.convert(root);
        normalise_service(&mut value);
        value
    }

    fn texts(value: &Value) -> Vec<String> {
        value
            .items()
            .iter()
            .map(|i| i.str().unwrap_or("?").to_string())
            .collect()
    }

    #[test]
    fn compose_merge_rules() {
        let base = service(
            "image: app:1\ncommand: [a, b]\nenvironment: [A=1, B=2]\nports: ['80:80']\nvolumes: ['x:/data', 'y:/logs']\nsecrets: [db]\nlabels: {l: one}\nhealthcheck: {test: [CMD, x], interval: 5s}\nenv_file: a.env\nprofiles: [p]\n",
            0,
        );
        let over = service(
            "image: app:2\ncommand: [c]\nenvironment: {B: 3, C: 4}\nports: ['81:81']\nvolumes: ['z:/data']\nsecrets: [db, other]\nhealthcheck: {test: [CMD, y]}\nenv_file: [b.env, a.env]\nprofiles: [p, q]\n",
            1,
        );
        let merged = merge(base, over).unwrap();
        assert_eq!(merged.get("image").unwrap().str(), Some("app:2"));
        assert_eq!(merged.get("image").unwrap().span.file, FileId(1));
        assert_eq!(texts(merged.get("command").unwrap()), ["c"]);
        let env = merged.get("environment").unwrap();
        let env: Vec<_> = env
            .entries()
            .iter()
            .map(|e| (e.key.as_str(), e.value.str().unwrap(), e.value.span.file.0))
            .collect();
        assert_eq!(env, [("A", "1", 0), ("B", "3", 1), ("C", "4", 1)]);
        assert_eq!(texts(merged.get("ports").unwrap()), ["80:80", "81:81"]);
        assert_eq!(
            texts(merged.get("volumes").unwrap()),
            ["z:/data", "y:/logs"]
        );
        assert_eq!(texts(merged.get("secrets").unwrap()), ["db", "other"]);
        assert_eq!(texts(merged.get("env_file").unwrap()), ["a.env", "b.env"]);
        assert_eq!(texts(merged.get("profiles").unwrap()), ["p", "q"]);
        let health = merged.get("healthcheck").unwrap();
        assert_eq!(texts(health.get("test").unwrap()), ["CMD", "y"]);
        assert_eq!(health.get("interval").unwrap().str(), Some("5s"));
        assert!(merged.get("labels").is_some());
    }

    #[test]
    fn reset_and_override_tags() {
        let base = service(
            "image: app:1\nenv_file: [a.env]\nports: ['80:80']\nenvironment: {A: 1, B: 2}\n",
            0,
        );
        let over = service(
            "env_file: !reset []\nports: !override ['81:81']\nenvironment: {B: !reset null}\nbuild: !reset\n",
            1,
        );
        let merged = merge(base, over).unwrap();
        assert!(merged.get("env_file").is_none());
        assert!(merged.get("build").is_none());
        assert_eq!(texts(merged.get("ports").unwrap()), ["81:81"]);
        let keys: Vec<_> = merged
            .get("environment")
            .unwrap()
            .entries()
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["A"]);
        // A lone file: `!reset` values vanish, `!override` values stay.
        let alone = strip(service("ports: !reset []\nimage: !override app\n", 0)).unwrap();
        assert!(alone.get("ports").is_none());
        assert_eq!(alone.get("image").unwrap().str(), Some("app"));
    }

    #[test]
    fn short_forms_are_normalised() {
        let value = service(
            "build: ./app\nextends: web\ndepends_on: [db]\nbuild2: x\n",
            0,
        );
        assert_eq!(
            value.get("build").unwrap().get("context").unwrap().str(),
            Some("./app")
        );
        assert_eq!(
            value.get("extends").unwrap().get("service").unwrap().str(),
            Some("web")
        );
        let db = value.get("depends_on").unwrap().get("db").unwrap();
        assert_eq!(db.get("condition").unwrap().str(), Some("service_started"));
    }

    #[test]
    fn values_a_later_file_sets_record_the_earlier_value_they_override() {
        let base = service(
            "image: app:1\ncommand: [a]\nports: ['80:80']\nenvironment: {A: 1}\n",
            0,
        );
        let over = service(
            "image: app:2\ncommand: [b]\nports: ['80:80']\nenvironment: {A: 2, B: 3}\n",
            1,
        );
        let files: Vec<SourceFile> = (0..2)
            .map(|id| {
                SourceFile::new(
                    crate::span::FileId(id),
                    None,
                    format!("f{id}.yaml"),
                    String::new().into(),
                )
            })
            .collect();
        let base_image = base.get("image").unwrap().span;
        let merged = merge_files(base.clone(), over.clone(), &files).unwrap();
        let image = merged.get("image").unwrap();
        assert_eq!(
            image.origin.via(),
            [Step::Override {
                key: "image".into(),
                file: "f0.yaml".into(),
                base: base_image,
            }]
        );
        let command = &merged.get("command").unwrap().items()[0];
        assert!(matches!(&command.origin.via()[0], Step::Override { key, .. } if key == "command"));
        let env = merged.get("environment").unwrap();
        assert!(matches!(
            &env.get("A").unwrap().origin.via()[0],
            Step::Override { key, .. } if key == "environment.A"
        ));
        // New in the later file: nothing overridden.
        assert!(env.get("B").unwrap().origin.is_direct());
        // Same port, merged by key: the later item replaces the earlier one.
        assert_eq!(
            merged.get("ports").unwrap().items()[0].origin.via().len(),
            1
        );
        // `extends` merges the same way but is its own step.
        let extended = merge(base, over).unwrap();
        assert!(extended.get("image").unwrap().origin.is_direct());
    }
}
