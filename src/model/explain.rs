//! `--explain-context`: the project as adminlint sees it, so users can tell why something was
//! or was not compared.

use std::fmt::Write;

use crate::config::LoadedConfig;
use crate::model::project::{ContainerRef, Project, Proximity};

impl Project {
    /// A text description: root, configuration, scopes, apps, each workload's role with its
    /// reason, and each admin container's release peers. `reported[file]` marks named files.
    pub fn explain(
        &self,
        loaded: &LoadedConfig,
        reported: &[bool],
        command_files: &[crate::span::FileId],
    ) -> String {
        let mut out = String::new();
        let root = std::path::absolute(&loaded.root).unwrap_or_else(|_| loaded.root.clone());
        let _ = writeln!(out, "project root: {}", root.display());
        match &loaded.path {
            Some(path) => {
                let _ = writeln!(out, "configuration: {}", path.display());
            }
            None => {
                let _ = writeln!(out, "configuration: defaults (no .adminlint.yaml)");
            }
        }
        // A Compose project's `.env` gives values only: it is neither reported nor context.
        let checked: Vec<bool> = reported
            .iter()
            .enumerate()
            .filter(|&(id, _)| !self.env_files.iter().any(|f| f.0 as usize == id))
            .map(|(_, &r)| r)
            .collect();
        let context = checked.iter().filter(|r| !**r).count();
        let _ = writeln!(
            out,
            "files: {} reported, {} read for context only",
            checked.len() - context,
            context
        );
        for (chart, renderings) in &self.charts {
            let _ = writeln!(
                out,
                "Helm chart {chart}: rendered with {}",
                renderings.join("; ")
            );
        }
        explain_command_files(&mut out, self, loaded, command_files);
        let mut scopes: Vec<(usize, Option<&str>, Option<&str>)> = self
            .workloads
            .iter()
            // Compose services combined from several files stay in scope 0 (named per service).
            .map(|w| {
                (
                    w.scope,
                    w.overlay.as_deref().filter(|_| w.scope != 0),
                    w.template(),
                )
            })
            .collect();
        scopes.sort();
        scopes.dedup_by(|a, b| a.0 == b.0);
        for (scope, overlay, template) in scopes {
            let chart = template.map(|t| t.split("/templates/").next().unwrap_or(t));
            let title = match (scope, overlay, chart) {
                (0, _, _) => "files as given".to_string(),
                (_, Some(overlay), Some(chart)) => format!("Helm chart `{chart}`, {overlay}"),
                (_, None, Some(chart)) => format!("Helm chart `{chart}` with its values.yaml"),
                (_, Some(overlay), None) => format!("kustomize overlay `{overlay}`"),
                (_, None, None) => format!("kustomization #{scope}"),
            };
            let _ = writeln!(out, "\nscope: {title}");
            for (index, workload) in self
                .workloads
                .iter()
                .enumerate()
                .filter(|(_, w)| w.scope == scope)
            {
                let role = self.role(index);
                let namespace = workload
                    .namespace
                    .as_ref()
                    .map_or(String::new(), |n| format!(" namespace `{}`", n.value));
                let app = workload
                    .app
                    .as_ref()
                    .map_or(String::new(), |a| format!(" app `{a}`"));
                let files = match (&workload.compose, &workload.overlay) {
                    (Some(_), Some(files)) => format!(" files `{files}`"),
                    _ => String::new(),
                };
                let _ = writeln!(
                    out,
                    "  {} [{}]{namespace}{app}{files}: {} ({})",
                    workload.title(),
                    self.files[workload.file.0 as usize].display,
                    role.kind.as_str(),
                    role.reason
                );
                for (c, container) in workload.containers.iter().enumerate() {
                    let at = crate::model::project::ContainerRef {
                        workload: index,
                        container: c,
                    };
                    let image = container
                        .image
                        .as_ref()
                        .map_or("(no image)".to_string(), |i| i.value.to_string());
                    let what = if container.init {
                        "init container"
                    } else {
                        "container"
                    };
                    let Some(reason) = self.admin_reason(at) else {
                        // Only main containers of long-running workloads decide the release.
                        let plumbing = if container.init && !role.is_ignored() {
                            ": plumbing, not a release vote"
                        } else {
                            ""
                        };
                        let _ = writeln!(
                            out,
                            "    {what} `{}` {image}{plumbing}",
                            container.display_name()
                        );
                        continue;
                    };
                    let _ = writeln!(
                        out,
                        "    {what} `{}` {image}: admin process ({reason})",
                        container.display_name()
                    );
                    let (peers, proximity) = self.release_peers(at);
                    if peers.is_empty() {
                        let _ = writeln!(
                            out,
                            "      no release peers: no long-running workload runs this image repository nearby"
                        );
                    }
                    let config_peers = self.config_peers(&self.peer_set(at));
                    for peer in &peers {
                        let (pw, pc) = self.container(*peer);
                        let config = match self.not_app_process(*peer) {
                            Some(why) if !config_peers.contains(peer) => {
                                format!(" (not compared for config: {why})")
                            }
                            _ => String::new(),
                        };
                        let _ = writeln!(
                            out,
                            "      peer ({:?}): {} container `{}` {}{config}",
                            proximity.expect("peers come with a proximity"),
                            pw.title(),
                            pc.display_name(),
                            pc.image
                                .as_ref()
                                .map_or(String::new(), |i| i.value.to_string())
                        );
                    }
                    self.explain_non_peers(&mut out, at, &peers);
                    if !peers.is_empty() {
                        self.explain_release(&mut out, at);
                    }
                }
            }
        }
        out
    }
}

/// How many rejected candidates `--explain-context` lists per admin process.
const NON_PEERS_SHOWN: usize = 5;

impl Project {
    /// The main containers of long-running workloads near the admin (its Compose project, else
    /// its directory) on its image repository that are not its peers, and why: another app
    /// (namespace, declared app, environment), or farther than the peers chosen. Farther
    /// candidates (other directories, other Compose projects) are left out: they are many.
    fn explain_non_peers(&self, out: &mut String, admin: ContainerRef, peers: &[ContainerRef]) {
        let (workload, container) = self.container(admin);
        let repositories = container.repositories();
        let near = if workload.compose_project().is_some() {
            Proximity::SameProject
        } else {
            Proximity::SameDirectory
        };
        let rejected: Vec<(ContainerRef, String)> = self
            .containers()
            .filter(|&(at, candidate_workload, candidate)| {
                at != admin
                    && !peers.contains(&at)
                    && self.votes_for_release(at)
                    && candidate_workload.scope == workload.scope
                    && candidate_workload.compose.is_some() == workload.compose_project().is_some()
                    && self.within(admin.workload, at.workload, near)
                    && candidate
                        .repositories()
                        .iter()
                        .any(|r| repositories.contains(r))
            })
            .map(|(at, _, candidate)| {
                let why = match (self.apart(admin.workload, at.workload), &container.build) {
                    (Some(apart), _) => format!("another app ({apart})"),
                    (None, Some(_)) if candidate.build.is_some() => {
                        "builds another source (context, dockerfile or target)".to_string()
                    }
                    (None, Some(_)) => "it pulls an image, this service builds one".to_string(),
                    (None, None) if candidate.build.is_some() => {
                        "it builds its image: its name is local, not a release".to_string()
                    }
                    (None, None) => "farther than the peers chosen".to_string(),
                };
                (at, why)
            })
            .collect();
        for (at, why) in rejected.iter().take(NON_PEERS_SHOWN) {
            let (w, c) = self.container(*at);
            let _ = writeln!(
                out,
                "      not a peer: {} [{}] container `{}`: {why}",
                w.title(),
                self.files[w.file.0 as usize].display,
                c.display_name()
            );
        }
        if rejected.len() > NON_PEERS_SHOWN {
            let _ = writeln!(
                out,
                "      not peers: {} more on this image repository",
                rejected.len() - NON_PEERS_SHOWN
            );
        }
    }

    /// The app's release an admin is compared with, and the main containers that voted for it
    /// (then any other release they run, which release-drift reports).
    fn explain_release(&self, out: &mut String, admin: crate::model::project::ContainerRef) {
        let tally = self.app_release(&self.peer_set(admin));
        let Some(chosen) = tally.chosen() else {
            let _ = writeln!(
                out,
                "      app release: unknown (no peer names a literal image: placeholders, builds and invalid references are not compared by release)"
            );
            return;
        };
        let voters = tally.releases.iter().map(|r| r.voters.len()).sum::<usize>();
        let run_by = |release: &crate::model::release::Release| {
            release
                .voters
                .iter()
                .map(|&at| {
                    let (w, c) = self.container(at);
                    format!("{} container `{}`", w.title(), c.display_name())
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        // As written, with what it resolves to when Compose resolves it: the vote is on that.
        let image = |release: &crate::model::release::Release| {
            self.container(release.first()).1.image_text()
        };
        let _ = writeln!(
            out,
            "      app release: {} ({} of {voters} main containers: {})",
            image(chosen),
            chosen.voters.len(),
            run_by(chosen)
        );
        for other in &tally.releases[1..] {
            let _ = writeln!(
                out,
                "      also run (release-drift): {} ({} of {voters}: {})",
                image(other),
                other.voters.len(),
                run_by(other)
            );
        }
    }
}

/// Names shown in the list of files read for their commands before the rest is counted.
const COMMAND_FILES_SHOWN: usize = 10;

/// Which files were read for the commands they run, and the setting that decides it (nothing
/// when there are none).
fn explain_command_files(
    out: &mut String,
    project: &Project,
    loaded: &LoadedConfig,
    files: &[crate::span::FileId],
) {
    let setting = match &loaded.config.script_files {
        Some(globs) if globs.is_empty() => {
            let _ = writeln!(out, "commands: not read (`script-files: []`)");
            return;
        }
        Some(_) => "`script-files:` in the configuration",
        None => "the built-in script names (`script-files:` unset)",
    };
    if files.is_empty() {
        return;
    }
    let names: Vec<&str> = files
        .iter()
        .filter_map(|id| project.files.get(id.0 as usize))
        .map(|file| file.display.as_str())
        .collect();
    let shown = names
        .iter()
        .take(COMMAND_FILES_SHOWN)
        .copied()
        .collect::<Vec<_>>();
    let more = names.len().saturating_sub(COMMAND_FILES_SHOWN);
    let plural = if names.len() == 1 { "" } else { "s" };
    let _ = write!(
        out,
        "commands: {} file{plural} read by {setting}",
        names.len()
    );
    let _ = write!(out, ": {}", shown.join(", "));
    if more > 0 {
        let _ = write!(out, " and {more} more");
    }
    let _ = writeln!(out);
}
