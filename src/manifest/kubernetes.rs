//! Kubernetes objects: where each kind keeps its pod template, and the facts of its containers.

use super::ExtractContext;
use super::openshift::{self, Parameters};
use crate::config::{CustomKind, custom_kind};
use crate::model::image::ImageRef;
use crate::model::role::{
    Declaration, Hook,
    signals::{DeclarationSource, ROLE_ANNOTATION},
};
use crate::model::workload::{
    ConfigKind, ConfigSource, ConfigVia, ConfigVolume, Container, EnvValue, EnvVar, Format, Ignore,
    JobSpec, VolumeMount, VolumeSource, Workload,
};
use crate::origin::Spanned;
use crate::span::{FileId, Span};
use crate::yaml::{NodeId, Tree};

/// Deepest `kind: List` nesting followed.
const MAX_LIST_DEPTH: usize = 8;

/// Extract the workloads of a Kubernetes object (or of each item of a `List`, or each object
/// of an OpenShift `Template` with its parameters' defaults substituted).
pub fn extract(
    tree: &Tree,
    root: NodeId,
    context: &ExtractContext<'_>,
    document: usize,
) -> Vec<Workload> {
    let mut out = Vec::new();
    // The parameters of each template met, by index; objects carry the index of theirs.
    let mut templates: Vec<Parameters> = Vec::new();
    let mut pending: Vec<(NodeId, usize, Option<usize>)> = vec![(root, 0, None)];
    while let Some((object, depth, template)) = pending.pop() {
        let kind = str_at(tree, object, &["kind"]).unwrap_or_default();
        let api_version = str_at(tree, object, &["apiVersion"]).unwrap_or_default();
        let list =
            kind == "List" || (kind.ends_with("List") && tree.get(object, "items").is_some());
        let nested = if list {
            tree.get(object, "items").map(|items| (items, template))
        } else if openshift::is_template(api_version, kind) && template.is_none() {
            templates.push(Parameters::read(tree, object, context.file));
            tree.get(object, "objects")
                .map(|objects| (objects, Some(templates.len() - 1)))
        } else {
            None
        };
        if list || nested.is_some() {
            if depth < MAX_LIST_DEPTH
                && let Some((items, template)) = nested
            {
                // Reversed so that popping keeps source order.
                pending.extend(
                    tree.items(items)
                        .iter()
                        .rev()
                        .map(|&item| (item, depth + 1, template)),
                );
            }
            continue;
        }
        if let Some(mut workload) = extract_object(tree, object, context, document) {
            if let Some(parameters) = template.map(|t| &templates[t]) {
                parameters.apply(&mut workload);
            }
            out.push(workload);
        }
    }
    out
}

/// The pod spec of a workload kind, or None when the kind has none (or is not a workload).
fn pod_spec(
    tree: &Tree,
    object: NodeId,
    api_version: &str,
    kind: &str,
    kinds: &[CustomKind],
) -> Option<NodeId> {
    if let Some(custom) = custom_kind(kinds, api_version, kind) {
        let path: Vec<&str> = custom
            .pod_spec
            .split('.')
            .filter(|k| !k.is_empty())
            .collect();
        return tree
            .path(object, &path)
            .filter(|&spec| tree.is_mapping(spec));
    }
    let path = pod_spec_path(api_version, kind)?;
    tree.path(object, path)
        .filter(|&spec| tree.is_mapping(spec))
}

/// Where a built-in workload kind keeps its pod spec (keys from the object), or None when the
/// kind has none.
pub fn pod_spec_path(api_version: &str, kind: &str) -> Option<&'static [&'static str]> {
    let group = api_version.split('/').next().unwrap_or_default();
    let path: &[&str] = match (group, kind) {
        (_, "Pod") => &["spec"],
        (_, "CronJob") => &["spec", "jobTemplate", "spec", "template", "spec"],
        (
            _,
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job",
        ) => &["spec", "template", "spec"],
        ("argoproj.io", "Rollout") => &["spec", "template", "spec"],
        ("apps.openshift.io" | "v1", "DeploymentConfig") => &["spec", "template", "spec"],
        ("serving.knative.dev", "Service" | "Configuration") => &["spec", "template", "spec"],
        _ => return None,
    };
    Some(path)
}

/// The Job spec of a `Job` or a `CronJob`'s job template, None for other kinds.
fn job_spec(tree: &Tree, object: NodeId, kind: &str) -> Option<NodeId> {
    let path: &[&str] = match kind {
        "Job" => &["spec"],
        "CronJob" => &["spec", "jobTemplate", "spec"],
        _ => return None,
    };
    tree.path(object, path)
        .filter(|&spec| tree.is_mapping(spec))
}

fn extract_object(
    tree: &Tree,
    object: NodeId,
    context: &ExtractContext<'_>,
    document: usize,
) -> Option<Workload> {
    let file = context.file;
    let api_version = str_at(tree, object, &["apiVersion"]).unwrap_or_default();
    let kind = str_at(tree, object, &["kind"])?;
    let span = |id: NodeId| node_span(tree, file, id);
    // A `workloadRef` Rollout has no template of its own: the Deployment it points at is
    // linted itself, so it is skipped quietly like every object without a pod template.
    let pod = pod_spec(tree, object, api_version, kind, context.kinds)?;
    let metadata = tree.get(object, "metadata");
    let text = |keys: &[&str]| -> Option<Spanned<String>> {
        let id = tree.path(metadata?, keys)?;
        Some(Spanned::new(tree.str(id)?.to_string(), span(id)))
    };
    let (name, generated_name) = match text(&["name"]) {
        Some(name) => (Some(name), false),
        None => (text(&["generateName"]), true),
    };
    let string_map = |key: &str| -> Vec<(String, Spanned<String>)> {
        let Some(map) = metadata.and_then(|m| tree.get(m, key)) else {
            return Vec::new();
        };
        tree.entries(map)
            .into_iter()
            .filter_map(|(k, v)| {
                Some((
                    tree.str(k)?.to_string(),
                    Spanned::new(tree.str(v)?.to_string(), span(v)),
                ))
            })
            .collect()
    };
    let spanned_str = |parent: NodeId, key: &str| -> Option<Spanned<String>> {
        let id = tree.get(parent, key)?;
        Some(Spanned::new(tree.str(id)?.to_string(), span(id)))
    };
    let volumes = pod_volumes(tree, pod);
    let mut containers = Vec::new();
    for (key, init) in [("initContainers", true), ("containers", false)] {
        let Some(list) = tree.get(pod, key) else {
            continue;
        };
        for &item in tree.items(list) {
            if tree.is_mapping(item) {
                containers.push(extract_container(tree, item, file, init));
            }
        }
    }
    // A `Container` is large and a first push reserves room for four: a cluster dump of 48,000
    // one-container workloads held 116 MB of containers, three quarters of it empty.
    containers.shrink_to_fit();
    let image_pull_secrets = tree
        .get(pod, "imagePullSecrets")
        .map(|list| {
            tree.items(list)
                .iter()
                .filter_map(|&item| spanned_str(item, "name"))
                .collect()
        })
        .unwrap_or_default();
    let mut workload = Workload {
        format: Format::Kubernetes,
        file,
        document,
        api_version: Some(api_version.to_string()),
        kind: kind.to_string(),
        span: span(object),
        name,
        generated_name,
        namespace: text(&["namespace"]),
        labels: string_map("labels"),
        annotations: string_map("annotations"),
        declared_role: None,
        hooks: Vec::new(),
        service_account: spanned_str(pod, "serviceAccountName")
            .or_else(|| spanned_str(pod, "serviceAccount")),
        image_pull_secrets,
        restart_policy: spanned_str(pod, "restartPolicy"),
        job: job_spec(tree, object, kind).map(|spec| JobSpec {
            backoff_limit: spanned_str(spec, "backoffLimit"),
            ttl_seconds_after_finished: spanned_str(spec, "ttlSecondsAfterFinished"),
            span: span(spec),
        }),
        containers,
        volumes,
        app: None,
        ignores: Vec::new(),
        provenance: template_source(context.text, tree, object).map_or(
            crate::origin::Origin::DIRECT,
            |source| {
                crate::origin::Origin::DIRECT
                    .with_step(crate::origin::Step::HelmTemplate { source })
            },
        ),
        scope: 0,
        overlay: None,
        compose: None,
        command: None,
    };
    workload.mount_config();
    derive_from_metadata(&mut workload);
    Some(workload)
}

/// The facts read from labels and annotations (the app, suppressions, a declared role, hooks):
/// read again when a kustomize patch changes them.
pub fn derive_from_metadata(workload: &mut Workload) {
    workload.app = workload
        .annotation("adminlint.io/app")
        .or_else(|| workload.label("adminlint.io/app"))
        .map(|a| a.value.clone());
    workload.ignores = workload
        .annotations
        .iter()
        .filter_map(|(key, value)| {
            Some(Ignore {
                rule: key.strip_prefix("ignore.adminlint.io/")?.to_string(),
                reason: Some(value.value.trim().to_string()).filter(|r| !r.is_empty()),
                span: value.span,
            })
        })
        .collect();
    workload.declared_role = workload
        .annotation(ROLE_ANNOTATION)
        .map(|value| Declaration {
            source: DeclarationSource::Annotation,
            value: value.clone(),
        });
    workload.hooks = Hook::from_annotations(&workload.annotations);
}

/// Helm's `# Source: chart/templates/x.yaml` comment between the document start and the object.
fn template_source(text: &str, tree: &Tree, object: NodeId) -> Option<String> {
    let object_start = tree.span(object).0.min(text.len());
    let before = text.get(..object_start)?;
    // Only the comment lines directly above this object, back to the previous `---`.
    let section = before.rsplit("\n---").next().unwrap_or(before);
    section
        .lines()
        .filter_map(|line| line.trim().strip_prefix("# Source:"))
        .map(|source| source.trim().to_string())
        .next_back()
}

/// The pod's ConfigMap / Secret / projected volumes.
fn pod_volumes(tree: &Tree, pod: NodeId) -> Vec<ConfigVolume> {
    let Some(list) = tree.get(pod, "volumes") else {
        return Vec::new();
    };
    let mut volumes = Vec::new();
    for &volume in tree.items(list) {
        let Some(name) = tree.get(volume, "name").and_then(|n| tree.str(n)) else {
            continue;
        };
        let mut sources = Vec::new();
        let mut read = |source: NodeId| {
            let kinds = [
                (ConfigKind::ConfigMap, "configMap", "name"),
                (ConfigKind::Secret, "secret", "secretName"),
            ];
            for (kind, key, name_key) in kinds {
                let Some(reference) = tree.get(source, key) else {
                    continue;
                };
                // Projected Secrets use `name`, volume Secrets `secretName`.
                let name = tree
                    .get(reference, name_key)
                    .or_else(|| tree.get(reference, "name"))
                    .and_then(|id| tree.str(id));
                if let Some(name) = name {
                    sources.push(VolumeSource {
                        kind,
                        name: name.to_string(),
                        optional: optional(tree, reference),
                    });
                }
            }
        };
        read(volume);
        if let Some(projected) = tree.path(volume, &["projected", "sources"]) {
            for &source in tree.items(projected) {
                read(source);
            }
        }
        if !sources.is_empty() {
            volumes.push(ConfigVolume {
                name: name.to_string(),
                sources,
            });
        }
    }
    volumes
}

fn optional(tree: &Tree, node: NodeId) -> bool {
    tree.get(node, "optional").and_then(|o| tree.str(o)) == Some("true")
}

fn extract_container(tree: &Tree, node: NodeId, file: FileId, init: bool) -> Container {
    let span = |id: NodeId| node_span(tree, file, id);
    let spanned = |key: &str| -> Option<Spanned<String>> {
        let id = tree.get(node, key)?;
        Some(Spanned::new(tree.str(id)?.to_string(), span(id)))
    };
    let words = |key: &str| -> Option<Vec<Spanned<String>>> {
        let list = tree.get(node, key)?;
        if tree.is_null(list) {
            return None;
        }
        if let Some(single) = tree.str(list) {
            // Not valid Kubernetes, but seen in the wild: treat a string as one word.
            return Some(vec![Spanned::new(single.to_string(), span(list))]);
        }
        Some(
            tree.items(list)
                .iter()
                .filter_map(|&w| Some(Spanned::new(tree.str(w)?.to_string(), span(w))))
                .collect(),
        )
    };
    let image = tree.get(node, "image").and_then(|id| {
        let text = tree.str(id)?;
        Some(Spanned::new(ImageRef::parse(text), span(id)))
    });
    let mut config = Vec::new();
    if let Some(env_from) = tree.get(node, "envFrom") {
        for &entry in tree.items(env_from) {
            for (key, kind) in [
                ("configMapRef", ConfigKind::ConfigMap),
                ("secretRef", ConfigKind::Secret),
            ] {
                let Some(reference) = tree.get(entry, key) else {
                    continue;
                };
                let Some(name_id) = tree.get(reference, "name") else {
                    continue;
                };
                config.push(ConfigSource {
                    kind,
                    name: tree.str(name_id).unwrap_or_default().to_string(),
                    via: ConfigVia::EnvFrom,
                    span: span(name_id),
                    optional: optional(tree, reference),
                });
            }
        }
    }
    let mounts = tree
        .get(node, "volumeMounts")
        .map(|list| {
            tree.items(list)
                .iter()
                .filter_map(|&mount| {
                    let volume = tree.get(mount, "name").and_then(|n| tree.str(n))?;
                    let path = tree
                        .get(mount, "mountPath")
                        .and_then(|p| tree.str(p))
                        .unwrap_or_default();
                    Some(VolumeMount {
                        volume: volume.to_string(),
                        path: path.to_string(),
                        span: span(mount),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let env = tree
        .get(node, "env")
        .map(|list| {
            tree.items(list)
                .iter()
                .filter_map(|&entry| env_var(tree, entry, file))
                .collect()
        })
        .unwrap_or_default();
    Container {
        name: spanned("name"),
        init,
        span: span(node),
        image,
        command: words("command"),
        args: words("args"),
        working_dir: spanned("workingDir"),
        config,
        env,
        mounts,
        build: None,
        resolved_image: None,
    }
}

fn env_var(tree: &Tree, entry: NodeId, file: FileId) -> Option<EnvVar> {
    let name = tree.str(tree.get(entry, "name")?)?.to_string();
    let value = match tree.get(entry, "valueFrom") {
        Some(from) => {
            let read = |reference: &str| -> Option<(String, String)> {
                let r = tree.get(from, reference)?;
                let name = tree
                    .get(r, "name")
                    .and_then(|n| tree.str(n))
                    .unwrap_or_default();
                let key = tree
                    .get(r, "key")
                    .and_then(|k| tree.str(k))
                    .unwrap_or_default();
                Some((name.to_string(), key.to_string()))
            };
            if let Some((name, key)) = read("configMapKeyRef") {
                EnvValue::ConfigMapKey { name, key }
            } else if let Some((name, key)) = read("secretKeyRef") {
                EnvValue::SecretKey { name, key }
            } else if let Some(path) = str_at(tree, from, &["fieldRef", "fieldPath"]) {
                EnvValue::FieldRef(path.to_string())
            } else if let Some(resource) = str_at(tree, from, &["resourceFieldRef", "resource"]) {
                EnvValue::ResourceFieldRef(resource.to_string())
            } else {
                EnvValue::Other
            }
        }
        None => EnvValue::Literal(
            tree.get(entry, "value")
                .filter(|&v| !tree.is_null(v))
                .and_then(|v| tree.str(v))
                .map(str::to_string),
        ),
    };
    Some(EnvVar {
        name,
        value,
        span: node_span(tree, file, entry),
    })
}

fn str_at<'t>(tree: &'t Tree, node: NodeId, keys: &[&str]) -> Option<&'t str> {
    tree.str(tree.path(node, keys)?)
}

fn node_span(tree: &Tree, file: FileId, id: NodeId) -> Span {
    let (start, end) = tree.span(id);
    Span::new(file, start, end)
}
