//! Applying kustomize patches (strategic merge and JSON 6902) to the facts of a workload copy.
//!
//! Patches are applied to the facts adminlint reads, not to a YAML tree: the kind's pod spec,
//! its containers and init containers merged by `name`, `env` by `name`, `envFrom` replaced,
//! scalars replaced, labels and annotations merged, with `$patch: delete | replace` and `null`
//! as kustomize reads them. A value a patch sets sits in the patch, with a
//! [`Step::KustomizePatch`] naming the patch and the base value it replaced. What cannot be
//! applied to these facts is said in a note, never dropped silently.

use crate::manifest::kubernetes;
use crate::model::image::ImageRef;
use crate::model::workload::{
    ConfigKind, ConfigSource, ConfigVia, Container, EnvValue, EnvVar, Workload,
};
use crate::origin::{Origin, Spanned, Step};
use crate::span::Span;

use super::patch::Value;

/// What a patch is, for the steps it records and the notes it causes.
pub struct PatchCx<'a> {
    /// The kustomization file that lists the patch, as shown to users.
    pub kustomization: &'a str,
    /// The kustomization's directory.
    pub overlay: &'a str,
    /// The patch as shown to users.
    pub patch: &'a str,
    /// Applied in more than one rendering.
    pub shared: bool,
}

impl PatchCx<'_> {
    fn origin(&self, field: &str, base: Option<Span>) -> Origin {
        Origin::DIRECT.with_step(Step::KustomizePatch {
            overlay: self.overlay.to_string(),
            patch: self.patch.to_string(),
            field: field.to_string(),
            base,
            shared: self.shared,
        })
    }

    fn spanned(&self, field: &str, text: &str, at: Span, base: Option<Span>) -> Spanned<String> {
        Spanned::with_origin(text.to_string(), at, self.origin(field, base))
    }
}

/// Apply a strategic-merge patch document. False when the patch deletes the object.
pub fn strategic_merge(
    workload: &mut Workload,
    patch: &Value,
    cx: &PatchCx<'_>,
    notes: &mut Vec<String>,
) -> bool {
    if patch.get("$patch").and_then(Value::str) == Some("delete") {
        return false;
    }
    if let Some(metadata) = patch.get("metadata") {
        for (key, labels) in [("labels", true), ("annotations", false)] {
            let Some(map) = metadata.get(key) else {
                continue;
            };
            let list = if labels {
                &mut workload.labels
            } else {
                &mut workload.annotations
            };
            merge_string_map(list, map, key, cx);
        }
        kubernetes::derive_from_metadata(workload);
    }
    let api_version = workload.api_version.clone().unwrap_or_default();
    let Some(pod_path) = kubernetes::pod_spec_path(&api_version, &workload.kind) else {
        if patch.get("spec").is_some() {
            notes.push(format!(
                "{}: patch `{}`: the pod spec of {} is not rendered by adminlint (a custom kind)",
                cx.kustomization,
                cx.patch,
                workload.title()
            ));
        }
        return true;
    };
    let Some(pod) = patch.path(pod_path) else {
        return true;
    };
    for (key, _, value) in pod.entries() {
        match key.as_str() {
            "containers" | "initContainers" => {
                merge_containers(workload, key == "initContainers", value, cx, notes);
            }
            "restartPolicy" => {
                workload.restart_policy = scalar(value, key, workload.restart_policy.as_ref(), cx);
            }
            "serviceAccountName" | "serviceAccount" => {
                workload.service_account =
                    scalar(value, key, workload.service_account.as_ref(), cx);
            }
            "volumes" | "$patch" => notes.push(not_rendered(cx, workload, &format!("`{key}:`"))),
            _ => {}
        }
    }
    true
}

fn not_rendered(cx: &PatchCx<'_>, workload: &Workload, what: &str) -> String {
    format!(
        "{}: patch `{}`: {what} of {} is not rendered by adminlint (the rest of the patch is)",
        cx.kustomization,
        cx.patch,
        workload.title()
    )
}

/// A scalar field set (or removed, `null`) by a patch.
fn scalar(
    value: &Value,
    field: &str,
    old: Option<&Spanned<String>>,
    cx: &PatchCx<'_>,
) -> Option<Spanned<String>> {
    let text = value.str()?;
    Some(cx.spanned(field, text, value.span(), old.map(|o| o.span)))
}

/// Labels or annotations merged: each key set, `null` removes it.
fn merge_string_map(
    list: &mut Vec<(String, Spanned<String>)>,
    map: &Value,
    field: &str,
    cx: &PatchCx<'_>,
) {
    if matches!(map, Value::Null(_)) {
        list.clear();
        return;
    }
    for (key, _, value) in map.entries() {
        let old = list.iter().position(|(k, _)| k == key);
        match (value.str(), old) {
            (Some(text), Some(index)) => {
                let base = list[index].1.span;
                list[index].1 = cx.spanned(field, text, value.span(), Some(base));
            }
            (Some(text), None) => {
                list.push((key.clone(), cx.spanned(field, text, value.span(), None)));
            }
            (None, Some(index)) => {
                list.remove(index);
            }
            (None, None) => {}
        }
    }
}

/// The range of `workload.containers` holding init containers (`init`) or containers.
fn group(workload: &Workload, init: bool) -> std::ops::Range<usize> {
    let inits = workload.containers.iter().filter(|c| c.init).count();
    if init {
        0..inits
    } else {
        inits..workload.containers.len()
    }
}

/// `containers:` / `initContainers:` of a strategic-merge patch: merged by `name`; new ones go
/// first (kustomize puts a patch's new list items before the base's); `$patch: delete` removes
/// one, a `$patch: replace` item replaces the list, `null` removes the list.
fn merge_containers(
    workload: &mut Workload,
    init: bool,
    list: &Value,
    cx: &PatchCx<'_>,
    notes: &mut Vec<String>,
) {
    let range = group(workload, init);
    if matches!(list, Value::Null(_)) {
        workload.containers.drain(range);
        return;
    }
    let directive = |item: &Value| item.get("$patch").and_then(Value::str).map(str::to_string);
    let replace = list
        .items()
        .iter()
        .any(|item| directive(item).as_deref() == Some("replace"));
    if replace {
        workload.containers.drain(range.clone());
    }
    let mut added = Vec::new();
    for item in list.items() {
        let directive = directive(item);
        if directive.as_deref() == Some("replace") {
            continue;
        }
        let Some(name) = item.get("name").and_then(Value::str) else {
            continue;
        };
        let range = group(workload, init);
        let existing = range.clone().find(|&i| {
            workload.containers[i]
                .name
                .as_ref()
                .map(|n| n.value.as_str())
                == Some(name)
        });
        match (directive.as_deref(), existing) {
            (Some("delete"), Some(index)) => {
                workload.containers.remove(index);
            }
            (Some("delete"), None) => {}
            (_, Some(index)) => {
                let mut container = workload.containers[index].clone();
                merge_container(&mut container, item, cx, workload, notes);
                workload.containers[index] = container;
            }
            (_, None) => added.push(new_container(item, init, cx, workload, notes)),
        }
    }
    let at = group(workload, init).start;
    workload.containers.splice(at..at, added);
}

/// A container a patch adds.
fn new_container(
    item: &Value,
    init: bool,
    cx: &PatchCx<'_>,
    workload: &Workload,
    notes: &mut Vec<String>,
) -> Container {
    let name = item
        .entry("name")
        .and_then(|(_, v)| Some(cx.spanned("name", v.str()?, v.span(), None)));
    let mut container = Container {
        name,
        init,
        span: item.span(),
        image: None,
        command: None,
        args: None,
        working_dir: None,
        config: Vec::new(),
        env: Vec::new(),
        build: None,
        resolved_image: None,
    };
    merge_container(&mut container, item, cx, workload, notes);
    container
}

/// The fields of one container patch merged into the container.
fn merge_container(
    container: &mut Container,
    patch: &Value,
    cx: &PatchCx<'_>,
    workload: &Workload,
    notes: &mut Vec<String>,
) {
    for (key, _, value) in patch.entries() {
        match key.as_str() {
            "env" => merge_env(container, value),
            "name" | "$patch" => {}
            _ => {
                if let Err(what) = set_field(container, key, Some(value), cx) {
                    notes.push(not_rendered(cx, workload, &what));
                }
            }
        }
    }
}

/// Replace (Some) or remove (None) one field of a container. Err names what is not rendered.
pub(super) fn set_field(
    container: &mut Container,
    key: &str,
    value: Option<&Value>,
    cx: &PatchCx<'_>,
) -> Result<(), String> {
    let value = value.filter(|v| !matches!(v, Value::Null(_)));
    match key {
        "image" => {
            let base = container.image.as_ref().map(|i| i.span);
            container.image = value.and_then(|v| {
                Some(Spanned::with_origin(
                    ImageRef::parse(v.str()?),
                    v.span(),
                    cx.origin(key, base),
                ))
            });
        }
        "command" | "args" => {
            let slot = if key == "command" {
                &mut container.command
            } else {
                &mut container.args
            };
            let base = slot.as_ref().and_then(|w| w.first()).map(|w| w.span);
            *slot = value.map(|v| words(v, key, base, cx));
        }
        "workingDir" => {
            let base = container.working_dir.as_ref().map(|w| w.span);
            container.working_dir = value.and_then(|v| scalar(v, key, None, cx)).map(|mut w| {
                w.origin = cx.origin(key, base);
                w
            });
        }
        "envFrom" => {
            container.config.retain(|c| c.via != ConfigVia::EnvFrom);
            // kustomize keeps the mounted sources after `envFrom` entries.
            let sources: Vec<ConfigSource> = value.map(env_from).unwrap_or_default();
            container.config.splice(0..0, sources);
        }
        "env" => container.env = value.map(|v| env_list(v.items())).unwrap_or_default(),
        "volumeMounts" => return Err("`volumeMounts:`".to_string()),
        _ => {}
    }
    Ok(())
}

/// `command:` / `args:` words (a string is taken as one word, as extraction does).
fn words(value: &Value, key: &str, base: Option<Span>, cx: &PatchCx<'_>) -> Vec<Spanned<String>> {
    if let Some(single) = value.str() {
        return vec![cx.spanned(key, single, value.span(), base)];
    }
    value
        .items()
        .iter()
        .filter_map(|w| Some(cx.spanned(key, w.str()?, w.span(), base)))
        .collect()
}

/// `envFrom:` entries as config sources.
fn env_from(list: &Value) -> Vec<ConfigSource> {
    let mut out = Vec::new();
    for entry in list.items() {
        for (key, kind) in [
            ("configMapRef", ConfigKind::ConfigMap),
            ("secretRef", ConfigKind::Secret),
        ] {
            let Some(reference) = entry.get(key) else {
                continue;
            };
            let Some(name) = reference.get("name") else {
                continue;
            };
            out.push(ConfigSource {
                kind,
                name: name.str().unwrap_or_default().to_string(),
                via: ConfigVia::EnvFrom,
                span: name.span(),
                optional: reference.get("optional").and_then(Value::str) == Some("true"),
            });
        }
    }
    out
}

/// One `env:` entry.
fn env_var(entry: &Value) -> Option<EnvVar> {
    let name = entry.get("name")?.str()?.to_string();
    Some(EnvVar {
        name,
        value: env_value(entry),
        span: entry.span(),
    })
}

/// Where an `env:` entry's value comes from (as extraction reads it: `valueFrom` first).
fn env_value(entry: &Value) -> EnvValue {
    let Some(from) = entry
        .get("valueFrom")
        .filter(|v| !matches!(v, Value::Null(_)))
    else {
        return EnvValue::Literal(entry.get("value").and_then(Value::str).map(str::to_string));
    };
    let reference = |key: &str| -> Option<(String, String)> {
        let r = from.get(key)?;
        let text = |k: &str| {
            r.get(k)
                .and_then(Value::str)
                .unwrap_or_default()
                .to_string()
        };
        Some((text("name"), text("key")))
    };
    if let Some((name, key)) = reference("configMapKeyRef") {
        EnvValue::ConfigMapKey { name, key }
    } else if let Some((name, key)) = reference("secretKeyRef") {
        EnvValue::SecretKey { name, key }
    } else if let Some(path) = from.path(&["fieldRef", "fieldPath"]).and_then(Value::str) {
        EnvValue::FieldRef(path.to_string())
    } else if let Some(resource) = from
        .path(&["resourceFieldRef", "resource"])
        .and_then(Value::str)
    {
        EnvValue::ResourceFieldRef(resource.to_string())
    } else {
        EnvValue::Other
    }
}

fn env_list(items: &[Value]) -> Vec<EnvVar> {
    items.iter().filter_map(env_var).collect()
}

/// `env:` merged by `name`: an entry with `value` or `valueFrom` replaces the variable's
/// value, `$patch: delete` removes it, new variables go first; `null` removes them all.
fn merge_env(container: &mut Container, list: &Value) {
    if matches!(list, Value::Null(_)) {
        container.env.clear();
        return;
    }
    let mut added = Vec::new();
    for item in list.items() {
        let Some(name) = item.get("name").and_then(Value::str) else {
            continue;
        };
        let existing = container.env.iter().position(|e| e.name == name);
        let directive = item.get("$patch").and_then(Value::str);
        match (directive, existing) {
            (Some("delete"), Some(index)) => {
                container.env.remove(index);
            }
            (Some("delete"), None) => {}
            (_, Some(index)) => {
                let old = &mut container.env[index];
                let sets_from = item
                    .get("valueFrom")
                    .is_some_and(|v| !matches!(v, Value::Null(_)));
                let clears_from = matches!(item.get("valueFrom"), Some(Value::Null(_)));
                // A merged entry keeps the base's `valueFrom` unless the patch replaces or
                // removes it: extraction reads `valueFrom` over `value`.
                let keeps_from = !old_is_literal(&old.value) && !clears_from && !sets_from;
                if sets_from || (!keeps_from && item.get("value").is_some()) || clears_from {
                    old.value = env_value(item);
                    old.span = item.span();
                }
            }
            (_, None) => added.extend(env_var(item)),
        }
    }
    container.env.splice(0..0, added);
}

fn old_is_literal(value: &EnvValue) -> bool {
    matches!(value, EnvValue::Literal(_))
}

/// One JSON 6902 operation on the workload's facts. Err is the note to give when it cannot be
/// applied (a path into a missing node, an operation adminlint does not render).
pub fn json6902_op(workload: &mut Workload, op: &Value, cx: &PatchCx<'_>) -> Result<(), String> {
    let kind = op.get("op").and_then(Value::str).unwrap_or_default();
    let path = op.get("path").and_then(Value::str).unwrap_or_default();
    let title = workload.title();
    let missing = || format!("`{kind}` of `{path}`: the path is not in {title}");
    let segments: Vec<String> = path
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let value = op.get("value");
    if !matches!(kind, "add" | "replace" | "remove") {
        return Err(format!("operation `{kind}` of `{path}` is not rendered"));
    }
    if matches!(kind, "add" | "replace") && value.is_none() {
        return Err(format!("`{kind}` of `{path}` has no `value`"));
    }
    let value = if kind == "remove" { None } else { value };
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    if let ["metadata", rest @ ..] = segments.as_slice() {
        return json_metadata(workload, kind, rest, value, cx).ok_or_else(missing);
    }
    let api_version = workload.api_version.clone().unwrap_or_default();
    let Some(pod_path) = kubernetes::pod_spec_path(&api_version, &workload.kind) else {
        return Ok(());
    };
    let Some(rest) = segments.strip_prefix(pod_path) else {
        // Outside the pod spec and metadata: nothing adminlint reads (replicas, selectors …).
        return Ok(());
    };
    json_pod(workload, kind, rest, value, cx).unwrap_or_else(|| Err(missing()))
}

/// A JSON 6902 operation under `metadata`; None when the path is missing.
fn json_metadata(
    workload: &mut Workload,
    kind: &str,
    rest: &[&str],
    value: Option<&Value>,
    cx: &PatchCx<'_>,
) -> Option<()> {
    match rest {
        [field @ ("labels" | "annotations")] => {
            let list = if *field == "labels" {
                &mut workload.labels
            } else {
                &mut workload.annotations
            };
            if kind != "add" && list.is_empty() {
                return None;
            }
            list.clear();
            if let Some(map) = value {
                merge_string_map(list, map, field, cx);
            }
        }
        [field @ ("labels" | "annotations"), key] => {
            let list = if *field == "labels" {
                &mut workload.labels
            } else {
                &mut workload.annotations
            };
            let index = list.iter().position(|(k, _)| k == key);
            if kind != "add" && index.is_none() {
                return None;
            }
            match (value.and_then(Value::str), index) {
                (Some(text), Some(i)) => {
                    let base = list[i].1.span;
                    list[i].1 = cx.spanned(field, text, value?.span(), Some(base));
                }
                (Some(text), None) => {
                    list.push((
                        key.to_string(),
                        cx.spanned(field, text, value?.span(), None),
                    ));
                }
                (None, Some(i)) => {
                    list.remove(i);
                }
                (None, None) => {}
            }
        }
        [field @ ("name" | "namespace")] => {
            let slot = if *field == "name" {
                &mut workload.name
            } else {
                &mut workload.namespace
            };
            if kind != "add" && slot.is_none() {
                return None;
            }
            let base = slot.as_ref().map(|s| s.span);
            *slot = value.and_then(|v| Some(cx.spanned(field, v.str()?, v.span(), base)));
        }
        _ => return Some(()),
    }
    kubernetes::derive_from_metadata(workload);
    Some(())
}

/// An index into a list of `len` items: a number below `len`, or (`add`) `len` or `-`.
fn index(segment: &str, len: usize, kind: &str) -> Option<usize> {
    if kind == "add" && segment == "-" {
        return Some(len);
    }
    let i: usize = segment.parse().ok()?;
    let limit = if kind == "add" {
        len
    } else {
        len.saturating_sub(1)
    };
    (i <= limit && (kind == "add" || len > 0)).then_some(i)
}

/// A JSON 6902 operation under the pod spec; None when the path is missing.
fn json_pod(
    workload: &mut Workload,
    kind: &str,
    rest: &[&str],
    value: Option<&Value>,
    cx: &PatchCx<'_>,
) -> Option<Result<(), String>> {
    let group_of = |key: &str| match key {
        "containers" => Some(false),
        "initContainers" => Some(true),
        _ => None,
    };
    match rest {
        [field @ ("restartPolicy" | "serviceAccountName" | "serviceAccount")] => {
            let slot = if *field == "restartPolicy" {
                &mut workload.restart_policy
            } else {
                &mut workload.service_account
            };
            if kind != "add" && slot.is_none() {
                return None;
            }
            let base = slot.as_ref().map(|s| s.span);
            *slot = value.and_then(|v| Some(cx.spanned(field, v.str()?, v.span(), base)));
        }
        [list] if group_of(list).is_some() => {
            let init = group_of(list)?;
            let range = group(workload, init);
            if kind != "add" && range.is_empty() {
                return None;
            }
            workload.containers.drain(range.clone());
            let mut notes = Vec::new();
            let added: Vec<Container> = value
                .map(|v| {
                    v.items()
                        .iter()
                        .map(|item| new_container(item, init, cx, workload, &mut notes))
                        .collect()
                })
                .unwrap_or_default();
            workload.containers.splice(range.start..range.start, added);
            if let Some(note) = notes.into_iter().next() {
                return Some(Err(note));
            }
        }
        [list, at, tail @ ..] if group_of(list).is_some() => {
            let init = group_of(list)?;
            let range = group(workload, init);
            let kind_here = if tail.is_empty() { kind } else { "replace" };
            let i = index(at, range.len(), kind_here)?;
            let position = range.start + i;
            if tail.is_empty() {
                if kind != "add" {
                    workload.containers.remove(position);
                }
                if let Some(item) = value {
                    let mut notes = Vec::new();
                    let container = new_container(item, init, cx, workload, &mut notes);
                    workload.containers.insert(position, container);
                    if let Some(note) = notes.into_iter().next() {
                        return Some(Err(note));
                    }
                }
                return Some(Ok(()));
            }
            let mut container = workload.containers[position].clone();
            let result = json_container(&mut container, kind, tail, value, cx);
            workload.containers[position] = container;
            return result;
        }
        _ => {}
    }
    Some(Ok(()))
}

/// A JSON 6902 operation inside one container; None when the path is missing.
fn json_container(
    container: &mut Container,
    kind: &str,
    rest: &[&str],
    value: Option<&Value>,
    cx: &PatchCx<'_>,
) -> Option<Result<(), String>> {
    let present = |c: &Container, key: &str| match key {
        "image" => c.image.is_some(),
        "command" => c.command.is_some(),
        "args" => c.args.is_some(),
        "workingDir" => c.working_dir.is_some(),
        "envFrom" => c.config.iter().any(|s| s.via == ConfigVia::EnvFrom),
        "env" => !c.env.is_empty(),
        "name" => c.name.is_some(),
        // Fields adminlint does not read: the operation changes nothing it sees.
        _ => true,
    };
    match rest {
        ["name"] => {
            let base = container.name.as_ref().map(|n| n.span);
            container.name = value.and_then(|v| Some(cx.spanned("name", v.str()?, v.span(), base)));
        }
        [key] => {
            if kind != "add" && !present(container, key) {
                return None;
            }
            return Some(set_field(container, key, value, cx));
        }
        [key @ ("command" | "args"), at] => {
            let slot = if *key == "command" {
                &mut container.command
            } else {
                &mut container.args
            };
            let words = slot.as_mut()?;
            let i = index(at, words.len(), kind)?;
            if kind != "add" {
                words.remove(i);
            }
            if let Some(v) = value {
                let base = words.get(i).map(|w| w.span);
                words.insert(
                    i,
                    cx.spanned(key, v.str().unwrap_or_default(), v.span(), base),
                );
            }
        }
        ["env", at] => {
            let i = index(at, container.env.len(), kind)?;
            if kind != "add" {
                container.env.remove(i);
            }
            if let Some(var) = value.and_then(env_var) {
                container.env.insert(i, var);
            }
        }
        ["env", at, ..] => {
            index(at, container.env.len(), "replace")?;
            return Some(Err(format!("`{kind}` inside an `env:` entry")));
        }
        [
            key @ ("image" | "workingDir" | "envFrom" | "volumeMounts"),
            ..,
        ] => {
            present(container, key).then_some(())?;
            return Some(Err(format!("`{kind}` inside `{key}:`")));
        }
        // Inside fields adminlint does not read (ports, resources …): nothing it sees changes.
        _ => {}
    }
    Some(Ok(()))
}
