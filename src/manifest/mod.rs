//! Recognising what each YAML document is and extracting workloads from it.

pub mod compose;
pub mod helm;
pub mod kubernetes;
pub mod kustomize;
pub mod openshift;
pub mod script;
pub mod skim;
pub mod sniff;

use crate::config::CustomKind;
use crate::model::workload::Workload;
use crate::span::FileId;
use crate::yaml::{Document, NodeId, Tree};

/// What extraction needs to know besides the tree.
#[derive(Debug, Clone, Copy)]
pub struct ExtractContext<'a> {
    /// The file being read.
    pub file: FileId,
    /// Its text (for comments such as Helm's `# Source:`).
    pub text: &'a str,
    /// Custom workload kinds from the configuration.
    pub kinds: &'a [CustomKind],
}

/// The facts of one document.
#[derive(Debug, Default)]
pub struct Extracted {
    /// Workloads (Kubernetes objects with a pod template).
    pub workloads: Vec<Workload>,
    /// The kustomization, when the document is one.
    pub kustomization: Option<kustomize::Kustomization>,
    /// The ConfigMap or Secret, when the document is one (kustomize renames references to it).
    pub config: Option<kustomize::DeclaredConfig>,
}

/// What a document turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A Kubernetes object (or a List of them).
    Kubernetes,
    /// A Docker Compose file (handled by [`compose`] once every file is read).
    Compose,
    /// A kustomization.
    Kustomization,
    /// Anything else: ignored.
    Other,
}

/// Decide what a document is from its top-level keys.
pub fn recognize(tree: &Tree, document: &Document) -> DocumentKind {
    let Some(root) = document.root else {
        return DocumentKind::Other;
    };
    if !tree.is_mapping(root) {
        return DocumentKind::Other;
    }
    let kind = tree.get(root, "kind").and_then(|k| tree.str(k));
    let api_version = tree.get(root, "apiVersion").and_then(|k| tree.str(k));
    match (api_version, kind) {
        (Some(api), Some("Kustomization" | "Component"))
            if api.starts_with("kustomize.config.k8s.io") =>
        {
            DocumentKind::Kustomization
        }
        (Some(_), Some(_)) => DocumentKind::Kubernetes,
        // `bases:` is the older spelling of `resources:` (kustomize still reads it, with a
        // warning); `components:` alone makes an overlay too.
        (None, _)
            if (tree
                .get(root, "resources")
                .is_some_and(|r| is_path_list(tree, r))
                || ["bases", "components"].iter().any(|key| {
                    tree.get(root, key)
                        .is_some_and(|l| tree.is_sequence(l) && is_path_list(tree, l))
                }))
                && tree.get(root, "services").is_none() =>
        {
            DocumentKind::Kustomization
        }
        (None, None)
            if tree
                .get(root, "services")
                .is_some_and(|s| is_service_map(tree, s)) =>
        {
            DocumentKind::Compose
        }
        _ => DocumentKind::Other,
    }
}

/// A kustomization's `resources:`: a list of paths (or empty). Other tools' `resources:` lists
/// of mappings (a Google Deployment Manager config, a Terraform-like manifest) are not.
fn is_path_list(tree: &Tree, resources: NodeId) -> bool {
    tree.is_null(resources)
        || tree.is_sequence(resources)
            && tree
                .items(resources)
                .iter()
                .all(|&item| tree.str(item).is_some())
}

/// A Compose `services:` mapping: every service is a mapping (or empty, in a fragment).
/// Other tools' `services:` lists (Kong declarative config, Render blueprints) are not.
fn is_service_map(tree: &Tree, services: NodeId) -> bool {
    // Compose names services `[a-zA-Z0-9._-]+`: a Symfony `services.yaml` (`App\Controller\:`)
    // has mappings under `services:` too.
    let compose_name = |key: NodeId| {
        tree.str(key).is_some_and(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
    };
    tree.is_mapping(services)
        && tree.entries(services).iter().all(|&(key, service)| {
            compose_name(key) && (tree.is_mapping(service) || tree.is_null(service))
        })
}

/// Extract the facts of one document.
pub fn extract(tree: &Tree, document: &Document, context: &ExtractContext<'_>) -> Extracted {
    match (recognize(tree, document), document.root) {
        (DocumentKind::Kubernetes, Some(root)) => Extracted {
            workloads: kubernetes::extract(tree, root, context, document.index),
            kustomization: None,
            config: kustomize::DeclaredConfig::extract(tree, root, context.file),
        },
        (DocumentKind::Kustomization, Some(root)) => Extracted {
            workloads: Vec::new(),
            kustomization: Some(kustomize::extract(tree, root, context.file, context.text)),
            config: None,
        },
        _ => Extracted::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(text: &str) -> DocumentKind {
        let parsed = crate::yaml::parse(text, &crate::yaml::Limits::default());
        recognize(&parsed.tree, &parsed.documents[0])
    }

    #[test]
    fn a_kustomization_without_apiversion_lists_paths() {
        assert_eq!(
            kind_of("resources:\n  - ../base\n  - job.yaml\n"),
            DocumentKind::Kustomization
        );
        assert_eq!(kind_of("resources:\n"), DocumentKind::Kustomization);
        assert_eq!(
            kind_of(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n"
            ),
            DocumentKind::Kustomization
        );
        // Compose service names; a Symfony `services.yaml` is not Compose.
        assert_eq!(
            kind_of("services:\n  web: {image: app}\n  db-1.x_y: {}\n"),
            DocumentKind::Compose
        );
        assert_eq!(
            kind_of(
                "parameters: {locale: en}\nservices:\n  _defaults: {autowire: true}\n  App\\Controller\\: {resource: '../src/Controller/'}\n"
            ),
            DocumentKind::Other
        );
        // The older `bases:`, and an overlay made of components only.
        assert_eq!(
            kind_of("patchesStrategicMerge:\n  - mapping.yaml\nbases:\n  - ../../base\n"),
            DocumentKind::Kustomization
        );
        assert_eq!(
            kind_of("components:\n  - ../../components/migrate\n"),
            DocumentKind::Kustomization
        );
        assert_eq!(kind_of("bases:\n"), DocumentKind::Other);
        assert_eq!(kind_of("components:\n  schemas: {}\n"), DocumentKind::Other);
        // A Google Deployment Manager configuration also has `resources:`, a list of mappings.
        assert_eq!(
            kind_of("imports:\n- path: c.jinja\nresources:\n- name: c\n  type: c.jinja\n"),
            DocumentKind::Other
        );
    }
}
