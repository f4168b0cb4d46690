//! Applying kustomize patches (strategic merge and JSON 6902) to the facts of a workload copy.
//!
//! Patches are applied to the facts adminlint reads, not to a YAML tree: the kind's pod spec,
//! its containers and init containers merged by `name`, `env` by `name`, `envFrom` replaced,
//! scalars replaced, labels and annotations merged, with `$patch: delete | replace` and `null`
//! as kustomize reads them. A value a patch sets sits in the patch, with a
//! [`Step::KustomizePatch`] naming the patch and the base value it replaced. What cannot be
//! applied to these facts is said in a note, never dropped silently. JSON 6902 operations are
//! in [`super::json6902`].

use crate::manifest::kubernetes;
use crate::model::image::ImageRef;
use crate::model::workload::{
    ConfigKind, ConfigSource, ConfigVia, ConfigVolume, Container, EnvValue, EnvVar, VolumeMount,
    VolumeSource, Workload,
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
    pub(super) fn origin(&self, field: &str, base: Option<Span>) -> Origin {
        Origin::DIRECT.with_step(Step::KustomizePatch {
            overlay: self.overlay.to_string(),
            patch: self.patch.to_string(),
            field: field.to_string(),
            base,
            shared: self.shared,
        })
    }

    pub(super) fn spanned(
        &self,
        field: &str,
        text: &str,
        at: Span,
        base: Option<Span>,
    ) -> Spanned<String> {
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
    let kept = merge_object(workload, patch, cx, notes);
    // Mounted config is read again from the patched mounts and volumes.
    workload.mount_config();
    kept
}

fn merge_object(
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
            "volumes" => merge_volumes(workload, value),
            "$patch" => notes.push(not_rendered(cx, workload, "`$patch:` of the pod spec")),
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
pub(super) fn merge_string_map(
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
pub(super) fn group(workload: &Workload, init: bool) -> std::ops::Range<usize> {
    let inits = workload.containers.iter().filter(|c| c.init).count();
    if init {
        0..inits
    } else {
        inits..workload.containers.len()
    }
}

/// `containers:` / `initContainers:` of a strategic-merge patch: merged by `name`, the ones the
/// patch names first in its order (as kustomize lists them); `$patch: delete` removes one, a
/// `$patch: replace` item replaces the list, `null` removes the list.
fn merge_containers(
    workload: &mut Workload,
    init: bool,
    list: &Value,
    cx: &PatchCx<'_>,
    notes: &mut Vec<String>,
) {
    let range = group(workload, init);
    let mut base: Vec<Container> = workload.containers.drain(range.clone()).collect();
    if matches!(list, Value::Null(_)) {
        return;
    }
    let directive = |item: &Value| item.get("$patch").and_then(Value::str).map(str::to_string);
    if list
        .items()
        .iter()
        .any(|item| directive(item).as_deref() == Some("replace"))
    {
        base.clear();
    }
    let mut merged = Vec::new();
    for item in list.items() {
        let directive = directive(item);
        if directive.as_deref() == Some("replace") {
            continue;
        }
        let Some(name) = item.get("name").and_then(Value::str) else {
            continue;
        };
        let existing = base
            .iter()
            .position(|c| c.name.as_ref().map(|n| n.value.as_str()) == Some(name));
        match (directive.as_deref(), existing) {
            (Some("delete"), Some(index)) => {
                base.remove(index);
            }
            (Some("delete"), None) => {}
            (_, Some(index)) => {
                let mut container = base.remove(index);
                merge_container(&mut container, item, cx, workload, notes);
                merged.push(container);
            }
            (_, None) => merged.push(new_container(item, init, cx, workload, notes)),
        }
    }
    // kustomize lists the items the patch names first, in the patch's order, then the rest.
    merged.extend(base);
    workload.containers.splice(range.start..range.start, merged);
}

/// A container a patch adds.
pub(super) fn new_container(
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
        mounts: Vec::new(),
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
            "volumeMounts" => merge_mounts(container, value),
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
        "volumeMounts" => {
            container.mounts = value
                .map(|v| v.items().iter().filter_map(mount).collect())
                .unwrap_or_default();
        }
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
pub(super) fn env_var(entry: &Value) -> Option<EnvVar> {
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

/// True when a list patch holds a `$patch: replace` item: the patch's other items are the
/// whole list.
fn replaces_list(list: &Value) -> bool {
    list.items()
        .iter()
        .any(|item| item.get("$patch").and_then(Value::str) == Some("replace"))
}

/// `env:` merged by `name`: an entry with `value` or `valueFrom` replaces the variable's
/// value, `$patch: delete` removes it, the entries the patch names go first; `null` removes them
/// all, a `$patch: replace` item makes the patch's entries the whole list.
fn merge_env(container: &mut Container, list: &Value) {
    if matches!(list, Value::Null(_)) || replaces_list(list) {
        container.env.clear();
    }
    if matches!(list, Value::Null(_)) {
        return;
    }
    let mut merged = Vec::new();
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
                let mut old = container.env.remove(index);
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
                merged.push(old);
            }
            (_, None) => merged.extend(env_var(item)),
        }
    }
    // kustomize lists the entries the patch names first, in the patch's order, then the rest.
    merged.append(&mut container.env);
    container.env = merged;
}

/// One `volumeMounts:` entry.
pub(super) fn mount(entry: &Value) -> Option<VolumeMount> {
    Some(VolumeMount {
        volume: entry.get("name")?.str()?.to_string(),
        path: entry
            .get("mountPath")
            .and_then(Value::str)
            .unwrap_or_default()
            .to_string(),
        span: entry.span(),
    })
}

/// `volumeMounts:` merged by `mountPath` (their merge key): the mounts the patch names go first,
/// `$patch: delete` removes one, `null` removes them all, a `$patch: replace` item makes the
/// patch's mounts the whole list.
fn merge_mounts(container: &mut Container, list: &Value) {
    if matches!(list, Value::Null(_)) || replaces_list(list) {
        container.mounts.clear();
    }
    if matches!(list, Value::Null(_)) {
        return;
    }
    let mut merged = Vec::new();
    for item in list.items() {
        let Some(path) = item.get("mountPath").and_then(Value::str) else {
            continue;
        };
        let existing = container.mounts.iter().position(|m| m.path == path);
        match (item.get("$patch").and_then(Value::str), existing) {
            (Some("delete"), Some(index)) => {
                container.mounts.remove(index);
            }
            (Some("delete"), None) => {}
            (_, Some(index)) => {
                let mut old = container.mounts.remove(index);
                if let Some(name) = item.get("name").and_then(Value::str) {
                    old.volume = name.to_string();
                }
                old.span = item.span();
                merged.push(old);
            }
            (_, None) => merged.extend(mount(item)),
        }
    }
    merged.append(&mut container.mounts);
    container.mounts = merged;
}

/// The ConfigMaps and Secrets a `volumes:` entry holds (none for other kinds of volume).
pub(super) fn volume(entry: &Value) -> Option<ConfigVolume> {
    let name = entry.get("name")?.str()?.to_string();
    let mut sources = Vec::new();
    let mut read = |source: &Value| {
        for (kind, key, name_key) in [
            (ConfigKind::ConfigMap, "configMap", "name"),
            (ConfigKind::Secret, "secret", "secretName"),
        ] {
            let Some(reference) = source.get(key) else {
                continue;
            };
            // Projected Secrets use `name`, volume Secrets `secretName`.
            let Some(name) = reference
                .get(name_key)
                .or_else(|| reference.get("name"))
                .and_then(Value::str)
            else {
                continue;
            };
            sources.push(VolumeSource {
                kind,
                name: name.to_string(),
                optional: reference.get("optional").and_then(Value::str) == Some("true"),
            });
        }
    };
    read(entry);
    for source in entry
        .path(&["projected", "sources"])
        .map_or(&[][..], Value::items)
    {
        read(source);
    }
    Some(ConfigVolume { name, sources })
}

/// `volumes:` merged by `name`: an entry naming a ConfigMap or Secret replaces what the volume
/// holds, `$patch: delete` removes one, a `$patch: replace` item replaces the list, `null`
/// removes them all. Only volumes holding config are kept.
fn merge_volumes(workload: &mut Workload, list: &Value) {
    let directive = |item: &Value| item.get("$patch").and_then(Value::str).map(str::to_string);
    if matches!(list, Value::Null(_))
        || list
            .items()
            .iter()
            .any(|item| directive(item).as_deref() == Some("replace"))
    {
        workload.volumes.clear();
    }
    for item in list.items() {
        let Some(patched) = volume(item) else {
            continue;
        };
        let existing = workload.volumes.iter().position(|v| v.name == patched.name);
        match (directive(item).as_deref(), existing) {
            (Some("replace"), _) => {}
            (Some("delete"), Some(index)) => {
                workload.volumes.remove(index);
            }
            (Some("delete"), None) => {}
            (_, Some(index)) if !patched.sources.is_empty() => {
                workload.volumes[index] = patched;
            }
            (_, Some(_)) => {}
            (_, None) if !patched.sources.is_empty() => workload.volumes.insert(0, patched),
            (_, None) => {}
        }
    }
}

fn old_is_literal(value: &EnvValue) -> bool {
    matches!(value, EnvValue::Literal(_))
}
