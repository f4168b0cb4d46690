//! config-missing: an admin lacks a ConfigMap / Secret source that every long-running peer has.

use super::Rule;
use super::helpers::{object_ref, who};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::project::{ContainerRef, Project};
use crate::model::workload::{ConfigKind, ConfigVia, Container, EnvValue};
use crate::span::Span;

pub const RULE: Rule = Rule {
    id: "config-missing",
    severity: Severity::Warning,
    summary: "an admin process lacks a ConfigMap, Secret or env file that every app workload reads",
    doc: include_str!("../../rules/config-missing.md"),
    check,
};

/// The config objects a container reads into its environment: `envFrom`, env `valueFrom`
/// references and env files. Mounted volumes are left out on purpose: a mounted Secret is often
/// a TLS certificate or key that only the serving process needs.
fn sources(container: &Container) -> Vec<(ConfigKind, &str, Span, &'static str)> {
    let mut out: Vec<(ConfigKind, &str, Span, &'static str)> = Vec::new();
    for source in &container.config {
        let how = match source.via {
            ConfigVia::EnvFrom => "envFrom",
            ConfigVia::EnvFile => "env_file",
            ConfigVia::Volume(_) => continue,
        };
        out.push((source.kind, source.name.as_str(), source.span, how));
    }
    for var in &container.env {
        match &var.value {
            EnvValue::ConfigMapKey { name, .. } => {
                out.push((ConfigKind::ConfigMap, name.as_str(), var.span, "env"));
            }
            EnvValue::SecretKey { name, .. } => {
                out.push((ConfigKind::Secret, name.as_str(), var.span, "env"));
            }
            _ => {}
        }
    }
    out
}

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
    // What every peer of a set reads, computed once per set: (kind, name, first peer's span, how).
    let mut common: std::collections::HashMap<usize, Vec<(ConfigKind, &str, Span, &'static str)>> =
        std::collections::HashMap::new();
    for (admin, _) in project.admin_containers() {
        let set = project.peer_set(admin);
        let peers = &set.members;
        let Some(&first) = peers.first() else {
            continue;
        };
        let shared = common.entry(set.id).or_insert_with(|| {
            let mut shared: Vec<(ConfigKind, &str, Span, &'static str)> = Vec::new();
            for (kind, name, span, how) in sources(project.container(first).1) {
                if name.is_empty() || shared.iter().any(|s| s.0 == kind && s.1 == name) {
                    continue;
                }
                let everyone_has = peers.iter().all(|&p: &ContainerRef| {
                    sources(project.container(p).1)
                        .iter()
                        .any(|s| s.0 == kind && s.1 == name)
                });
                if everyone_has && !project.is_external(kind, name) {
                    shared.push((kind, name, span, how));
                }
            }
            shared
        });
        let (workload, container) = project.container(admin);
        let mine = sources(container);
        let mut reported: Vec<(ConfigKind, &str)> = Vec::new();
        for &(kind, name, peer_span, how) in shared.iter() {
            let admin_has = mine.iter().any(|s| s.0 == kind && s.1 == name);
            if admin_has || reported.contains(&(kind, name)) {
                continue;
            }
            reported.push((kind, name));
            let span = container
                .name
                .as_ref()
                .map(|n| n.span)
                .or(container.image.as_ref().map(|i| i.span))
                .unwrap_or(container.span);
            let app = match peers.len() {
                1 => format!("{} reads", who(project, first)),
                2 => format!("{} and 1 other app workload read", who(project, first)),
                n => format!(
                    "{} and {} other app workloads read",
                    who(project, first),
                    n - 1
                ),
            };
            out.push(
                Diagnostic::new(
                    RULE.id,
                    RULE.severity,
                    format!(
                        "{} does not read {} `{name}`, but {app} it through {how}",
                        who(project, admin),
                        kind.as_str()
                    ),
                    span,
                )
                .with_label(format!("no {} `{name}` here", kind.as_str()))
                .with_related(
                    format!("{} reads {} `{name}`", who(project, first), kind.as_str()),
                    peer_span,
                )
                .with_object(Some(object_ref(workload, Some(container))))
                .with_help(format!(
                    "give the admin process the app's config: add {} `{name}` the way the app reads it",
                    kind.as_str()
                )),
            );
        }
    }
}
