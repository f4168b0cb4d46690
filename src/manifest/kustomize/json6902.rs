//! JSON 6902 patch operations (`add`, `replace`, `remove`) on the facts of a workload copy, their
//! paths read as JSON pointers into the object.

use crate::manifest::kubernetes;
use crate::model::workload::{ConfigVia, Container, Workload};

use super::apply::{
    PatchCx, env_var, group, merge_string_map, mount, new_container, set_field, volume,
};
use super::patch::Value;

/// One JSON 6902 operation on the workload's facts. Err is the note to give when it cannot be
/// applied (a path into a missing node, an operation adminlint does not render).
pub(super) fn json6902_op(
    workload: &mut Workload,
    op: &Value,
    cx: &PatchCx<'_>,
) -> Result<(), String> {
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
    let result = json_pod(workload, kind, rest, value, cx).unwrap_or_else(|| Err(missing()));
    // Mounted config is read again from the patched mounts and volumes.
    workload.mount_config();
    result
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
        ["volumes"] => {
            if kind != "add" && workload.volumes.is_empty() {
                return None;
            }
            workload.volumes = value
                .map(|v| v.items().iter().filter_map(volume).collect())
                .unwrap_or_default();
            workload.volumes.retain(|v| !v.sources.is_empty());
        }
        ["volumes", "-"] if kind == "add" => {
            workload
                .volumes
                .extend(value.and_then(volume).filter(|v| !v.sources.is_empty()));
        }
        // Only volumes holding config are kept: an index into the pod's list has no place.
        ["volumes", ..] => return Some(Err(format!("`{kind}` of a `volumes:` entry by index"))),
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
        "volumeMounts" => !c.mounts.is_empty(),
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
        ["volumeMounts", at] => {
            let i = index(at, container.mounts.len(), kind)?;
            if kind != "add" {
                container.mounts.remove(i);
            }
            if let Some(mount) = value.and_then(mount) {
                container.mounts.insert(i, mount);
            }
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
