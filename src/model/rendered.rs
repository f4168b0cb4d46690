//! A workload as adminlint renders it, reduced to the facts its rules read: what `adminlint
//! debug render` prints and what the differential test compares with `kubectl kustomize`.

use crate::model::workload::{ConfigKind, ConfigVia, Container, EnvValue, Workload};

/// One rendered object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct RenderedObject {
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace` ("" for none).
    pub namespace: String,
    /// `metadata.name` (or `generateName`).
    pub name: String,
    /// Init containers, then containers, in order.
    pub containers: Vec<RenderedContainer>,
}

/// One container of a rendered object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct RenderedContainer {
    /// `name`.
    pub name: String,
    /// True for an init container.
    pub init: bool,
    /// `image` ("" for none).
    pub image: String,
    /// `command`, when set.
    pub command: Option<Vec<String>>,
    /// `args`, when set.
    pub args: Option<Vec<String>>,
    /// `envFrom` sources, as `ConfigMap/name` or `Secret/name`.
    pub env_from: Vec<String>,
    /// `env` entries read from a ConfigMap or Secret, as `VAR=Secret/name:key`.
    pub env_refs: Vec<String>,
    /// ConfigMaps and Secrets mounted as volumes, as `ConfigMap/name`.
    pub volumes: Vec<String>,
}

fn source(kind: ConfigKind, name: &str) -> String {
    format!("{}/{name}", kind.as_str())
}

impl RenderedObject {
    /// The facts of a workload.
    pub fn of(workload: &Workload) -> RenderedObject {
        RenderedObject {
            kind: workload.kind.clone(),
            namespace: workload.namespace_name().to_string(),
            name: workload
                .name
                .as_ref()
                .map(|n| n.value.clone())
                .unwrap_or_default(),
            containers: workload
                .containers
                .iter()
                .map(RenderedContainer::of)
                .collect(),
        }
    }
}

impl RenderedContainer {
    fn of(container: &Container) -> RenderedContainer {
        let words = |w: &Option<Vec<crate::origin::Spanned<String>>>| {
            w.as_ref()
                .map(|w| w.iter().map(|w| w.value.clone()).collect())
        };
        let configs = |volume: bool| {
            container
                .config
                .iter()
                .filter(|c| matches!(c.via, ConfigVia::Volume(_)) == volume)
                .map(|c| source(c.kind, &c.name))
                .collect()
        };
        RenderedContainer {
            name: container.display_name().to_string(),
            init: container.init,
            image: container
                .image
                .as_ref()
                .map(|i| i.value.to_string())
                .unwrap_or_default(),
            command: words(&container.command),
            args: words(&container.args),
            env_from: configs(false),
            env_refs: container
                .env
                .iter()
                .filter_map(|e| match &e.value {
                    EnvValue::ConfigMapKey { name, key } => Some(format!(
                        "{}={}:{key}",
                        e.name,
                        source(ConfigKind::ConfigMap, name)
                    )),
                    EnvValue::SecretKey { name, key } => Some(format!(
                        "{}={}:{key}",
                        e.name,
                        source(ConfigKind::Secret, name)
                    )),
                    _ => None,
                })
                .collect(),
            volumes: configs(true),
        }
    }
}
