//! config-divergent: an env var the app takes from a config source is set differently in the admin.

use std::collections::HashMap;

use super::Rule;
use super::helpers::{object_ref, who};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::project::{ContainerRef, Project};
use crate::model::workload::EnvVar;

pub const RULE: Rule = Rule {
    id: "config-divergent",
    severity: Severity::Warning,
    summary: "an admin process sets an env var the app takes from a ConfigMap or Secret some other way",
    doc: include_str!("../../rules/config-divergent.md"),
    check,
};

/// What every peer that sets `name` takes it from, with the first such peer: only a config
/// reference all of them agree on is the app's config.
fn app_config<'p>(
    project: &'p Project,
    peers: &[ContainerRef],
    name: &str,
) -> Option<(ContainerRef, &'p EnvVar)> {
    let peer_values: Vec<_> = peers
        .iter()
        .filter_map(|&p| {
            let peer = project.container(p).1;
            peer.env.iter().find(|e| e.name == name).map(|e| (p, e))
        })
        .collect();
    let &(first, app_var) = peer_values.first()?;
    let agreed =
        app_var.value.is_config_ref() && peer_values.iter().all(|(_, e)| e.value == app_var.value);
    agreed.then_some((first, app_var))
}

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
    // By peer set and variable name (a set's answer is the same for every admin).
    let mut by_set: HashMap<(usize, &str), Option<(ContainerRef, &EnvVar)>> = HashMap::new();
    for (admin, _) in project.admin_containers() {
        let set = project.release_peer_set(admin);
        if set.peers.is_empty() {
            continue;
        }
        let (workload, container) = project.container(admin);
        for var in &container.env {
            let found = *by_set
                .entry((set.id, var.name.as_str()))
                .or_insert_with(|| app_config(project, &set.peers, &var.name));
            let Some((first, app_var)) = found else {
                continue;
            };
            if var.value == app_var.value {
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
