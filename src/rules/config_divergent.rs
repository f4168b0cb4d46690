//! config-divergent: an env var the app takes from a config source is set differently in the admin.

use super::Rule;
use super::helpers::{object_ref, who};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::project::Project;

pub const RULE: Rule = Rule {
    id: "config-divergent",
    severity: Severity::Warning,
    summary: "an admin process sets an env var the app takes from a ConfigMap or Secret some other way",
    doc: include_str!("../../rules/config-divergent.md"),
    check,
};

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
    for (admin, _) in project.admin_containers() {
        let set = project.peer_set(admin);
        let peers = &set.members;
        if peers.is_empty() {
            continue;
        }
        let (workload, container) = project.container(admin);
        for var in &container.env {
            // What every peer that sets this variable takes it from; only a config reference
            // all of them agree on is the app's config.
            let peer_values: Vec<_> = peers
                .iter()
                .filter_map(|&p| {
                    let peer = project.container(p).1;
                    peer.env.iter().find(|e| e.name == var.name).map(|e| (p, e))
                })
                .collect();
            let Some(&(first, app_var)) = peer_values.first() else {
                continue;
            };
            let external = match &app_var.value {
                crate::model::workload::EnvValue::ConfigMapKey { name, .. } => {
                    project.is_external(crate::model::workload::ConfigKind::ConfigMap, name)
                }
                crate::model::workload::EnvValue::SecretKey { name, .. } => {
                    project.is_external(crate::model::workload::ConfigKind::Secret, name)
                }
                _ => false,
            };
            if external
                || !app_var.value.is_config_ref()
                || peer_values.iter().any(|(_, e)| e.value != app_var.value)
                || var.value == app_var.value
            {
                continue;
            }
            out.push(
                Diagnostic::new(
                    RULE.id,
                    RULE.severity,
                    format!(
                        "{} sets `{}` from {}, but {} takes it from {}",
                        who(project, admin),
                        var.name,
                        var.value.describe(),
                        who(project, first),
                        app_var.value.describe()
                    ),
                    var.span,
                )
                .with_label(format!("`{}` differs from the app", var.name))
                .with_related(
                    format!("{} takes `{}` from {}", who(project, first), var.name, app_var.value.describe()),
                    app_var.span,
                )
                .with_object(Some(object_ref(workload, Some(container))))
                .with_help(format!(
                    "read `{}` from the same source as the app, so the admin process sees the app's config",
                    var.name
                )),
            );
        }
    }
}
