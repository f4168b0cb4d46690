//! Commands that run in a workload the project declares (`kubectl exec deploy/web`,
//! `docker compose run web`, an image read with `kubectl get deploy web`): that workload's
//! image and config become the command's, so the command runs the app's release by construction.

use crate::model::project::Project;
use crate::model::workload::Format;

/// Gives each command that names the workload it runs in that workload's image and config.
/// A target the project does not declare is a note: the command keeps no image (no peers).
pub fn resolve_targets(project: &mut Project, notes: &mut Vec<String>) {
    for index in 0..project.workloads.len() {
        let workload = &project.workloads[index];
        let Some(target) = workload.command.as_ref().and_then(|c| c.runs_in.clone()) else {
            continue;
        };
        if workload
            .containers
            .first()
            .is_none_or(|c| c.image.is_some())
        {
            continue;
        }
        let namespace = workload.namespace.as_ref().map(|n| n.value.clone());
        let candidates = project.workloads.iter().enumerate().filter(|(_, w)| {
            w.format != Format::Command
                && w.name
                    .as_ref()
                    .is_some_and(|n| n.value == target.name.value)
                && if target.kind == "service" {
                    w.format == Format::Compose
                } else {
                    w.format == Format::Kubernetes && target.matches_kind(&w.kind)
                }
                && namespace.as_deref().is_none_or(|n| n == w.namespace_name())
        });
        // The files as given first; a kustomize rendering only when nothing else declares it.
        let Some(found) = candidates.min_by_key(|(_, w)| w.scope).map(|(i, _)| i) else {
            notes.push(format!(
                "{}: runs in {} `{}`, which no file checked declares (its release is not known)",
                project.workloads[index].title(),
                if target.kind.is_empty() {
                    "workload"
                } else {
                    &target.kind
                },
                target.name.value
            ));
            continue;
        };
        let Some(app) = project.workloads[found]
            .containers
            .iter()
            .find(|c| !c.init)
            .cloned()
        else {
            continue;
        };
        let app_namespace = project.workloads[found].namespace.clone();
        let workload = &mut project.workloads[index];
        if workload.namespace.is_none() {
            workload.namespace = app_namespace;
        }
        let container = &mut workload.containers[0];
        container.image = app.image;
        container.resolved_image = app.resolved_image;
        container.build = app.build;
        // The process runs with the pod's (or service's) own configuration, then what the
        // command adds.
        let mut config = app.config;
        config.append(&mut container.config);
        container.config = config;
        let mut env = app.env;
        env.append(&mut container.env);
        container.env = env;
    }
}
