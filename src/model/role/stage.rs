//! The classify-roles stage: every workload's signals classified once the project is assembled.

use super::signals::Signals;
use super::{Classified, Reason, classify, classify_container};
use crate::config::LoadedConfig;
use crate::model::command::ParsedCommand;
use crate::model::project::{ContainerRef, Project};

impl Project {
    /// Classify every workload and container (after Compose loading, kustomize rendering and
    /// [`Project::apply_config`]; the fact cache holds signals, never roles). Returns notes for
    /// the workloads declared `ignore`, once per object as written (not per kustomize copy).
    pub fn classify_roles(&mut self, loaded: &LoadedConfig) -> Vec<String> {
        self.command_lines = self
            .workloads
            .iter()
            .map(|w| w.containers.iter().map(|_| Default::default()).collect())
            .collect();
        // Each workload on its own task (its command lines parsed on first use, each once),
        // roles and notes joined in workload order.
        use rayon::prelude::*;
        let this = &*self;
        let classified: Vec<(Classified, Option<String>)> = this
            .workloads
            .par_iter()
            .enumerate()
            .map(|(index, workload)| {
                let line = |container: usize| {
                    &this
                        .command_line(ContainerRef {
                            workload: index,
                            container,
                        })
                        .line
                };
                let no_command = Default::default();
                // Only a Compose service's role reads its command (its single container's).
                let command = match (&workload.compose, workload.containers.is_empty()) {
                    (Some(_), false) => line(0),
                    _ => &no_command,
                };
                let selection = this.config_selection(workload, loaded);
                let role = classify(&Signals::of(workload, selection, command), &loaded.config);
                let admin = workload
                    .containers
                    .iter()
                    .enumerate()
                    .map(|(c, container)| {
                        // Only init containers are decided by their command: skip parsing the
                        // rest.
                        let command = if container.init { line(c) } else { &no_command };
                        classify_container(&role, container.init, command).or_else(|| {
                            // An init container running a migration image's own entrypoint
                            // (`sourcegraph/migrator`, `args: [up]`).
                            if !container.init || role.is_ignored() {
                                return None;
                            }
                            let word = container.image_migration_word(command)?;
                            Some(Reason::InitContainerCommand { word })
                        })
                    })
                    .collect();
                // A declaration says so; a Helm test hook is ignored without a word.
                let declared = matches!(role.reason, Reason::Declared { .. });
                let note = (role.is_ignored() && declared && workload.scope == 0).then(|| {
                    let how = match workload.compose {
                        Some(_) => "x-adminlint: role: ignore",
                        None => "adminlint.io/role: ignore",
                    };
                    format!("ignoring {} ({how})", workload.title())
                });
                (Classified { role, admin }, note)
            })
            .collect();
        let mut roles = Vec::with_capacity(classified.len());
        let mut notes = Vec::new();
        for (classified, note) in classified {
            roles.push(classified);
            notes.extend(note);
        }
        self.roles = roles;
        self.classify_init_of_admin();
        notes
    }

    /// Init containers of admin workloads that run the app's image (they have release peers)
    /// are part of the one-off process: compared with the app's release like its main
    /// containers. The rest (a `busybox` waiting for the database) stay plumbing. Peers are
    /// only ever long-running main containers, which this does not change, so looking them
    /// up here is final.
    fn classify_init_of_admin(&mut self) {
        let found: Vec<ContainerRef> = self
            .containers()
            .filter(|&(at, workload, container)| {
                container.init
                    && workload.compose.is_none()
                    && self.role(at.workload).is_admin()
                    && self.admin_reason(at).is_none()
            })
            .map(|(at, _, _)| at)
            .filter(|&at| !self.release_peers(at).0.is_empty())
            .collect();
        for at in found {
            self.roles[at.workload].admin[at.container] = Some(Reason::InitOfAdmin);
        }
    }

    /// A container's command line (command ++ args), parsed on first use, with each simple
    /// command's span resolved into the file.
    ///
    /// # Panics
    /// Before [`Project::classify_roles`].
    pub fn command_line(&self, at: ContainerRef) -> &ParsedCommand {
        self.command_lines[at.workload][at.container].get_or_init(|| {
            let (_, container) = self.container(at);
            let line = crate::model::project::command_line(container);
            let spans = line
                .commands
                .iter()
                .map(|cmd| self.simple_command_span(container, cmd))
                .collect();
            ParsedCommand { line, spans }
        })
    }
}
