//! Small pieces the rules share: object references and how both sides are named in messages.

use crate::diagnostic::ObjectRef;
use crate::model::project::{ContainerRef, Project};
use crate::model::workload::{Container, Workload};

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
