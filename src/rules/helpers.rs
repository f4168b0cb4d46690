//! Small pieces the rules share: object references and how both sides are named in messages.

use crate::diagnostic::ObjectRef;
use crate::model::project::{ContainerRef, Project};
use crate::model::workload::{Container, Workload};
use crate::span::Span;

/// The object a finding on this container is about.
pub fn object_ref(workload: &Workload, container: Option<&Container>) -> ObjectRef {
    ObjectRef {
        kind: workload.kind.clone(),
        name: workload.name.as_ref().map(|n| {
            if workload.generated_name {
                format!("{}*", n.value)
            } else {
                n.value.clone()
            }
        }),
        namespace: workload.namespace.as_ref().map(|n| n.value.clone()),
        container: container
            .and_then(|c| c.name.as_ref())
            .map(|n| n.value.clone()),
        overlay: workload.overlay.clone(),
    }
}

/// "Job `db-migrate`" or, when the workload has several containers,
/// "Job `db-migrate` (container `migrate`)".
pub fn who(project: &Project, at: ContainerRef) -> String {
    let (workload, container) = project.container(at);
    let title = workload.title();
    if workload.containers.len() > 1 {
        let what = if container.init {
            "init container"
        } else {
            "container"
        };
        format!("{title} ({what} `{}`)", container.display_name())
    } else {
        title
    }
}

/// The migration-like admin container of a workload (the first whose command is a schema task,
/// [`crate::model::command::migration_word`], or that runs a migration image's own entrypoint,
/// [`crate::model::command::image_migration_word`]) and the word that says so: the one reading
/// of "migration-like" the ordering rules share.
pub fn migration_of(project: &Project, workload: usize) -> Option<(ContainerRef, String)> {
    (0..project.workloads[workload].containers.len())
        .map(|container| ContainerRef {
            workload,
            container,
        })
        .filter(|&at| project.admin_reason(at).is_some_and(|r| !r.release_only()))
        .find_map(|at| {
            let line = &project.command_line(at).line;
            let word = crate::model::command::migration_word(line)
                .or_else(|| project.container(at).1.image_migration_word(line))?;
            Some((at, word))
        })
}

/// The app's side of an admin container, for a related location: its nearest release peer,
/// named, at the peer workload's name (or the workload when it has none).
pub fn app_side(project: &Project, admin: ContainerRef) -> Option<(String, Span)> {
    let peer = *project.peer_set(admin).members.first()?;
    let workload = &project.workloads[peer.workload];
    let span = workload.name.as_ref().map_or(workload.span, |n| n.span);
    Some((who(project, peer), span))
}

/// Where a finding about a whole workload points: its name, or the object without one.
pub fn workload_site(workload: &Workload) -> Span {
    workload.name.as_ref().map_or(workload.span, |n| n.span)
}
