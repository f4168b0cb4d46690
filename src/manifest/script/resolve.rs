//! Commands that run in a workload the project declares (`kubectl exec deploy/web`,
//! `docker compose run web`, an image read with `kubectl get deploy web`): that workload's
//! image and config become the command's, so the command runs the app's release by construction.
//! A `kubectl debug --image=…` container keeps its image but joins the target's release (its
//! peers are the target's). A command run in a Compose service also joins that service's Compose project, whose
//! long-running services become its release peers.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::manifest::compose::DEFAULT_FILES;
use crate::model::project::Project;
use crate::model::script::Tool;
use crate::model::workload::{Format, Workload};

/// Gives each command that names the workload it runs in that workload's image and config.
/// A target the project does not declare is a note: the command keeps no image (no peers).
/// `root` is the project root, where a script under `scripts/` or a CI workflow usually runs
/// `docker compose` from.
pub fn resolve_targets(project: &mut Project, root: &Path, notes: &mut Vec<String>) {
    join_procfiles(project, root);
    let compose_files = compose_project_files(project);
    for index in 0..project.workloads.len() {
        let workload = &project.workloads[index];
        let Some(target) = workload.command.as_ref().and_then(|c| c.runs_in.clone()) else {
            continue;
        };
        let Some(own_image) = workload.containers.first().map(|c| c.image.is_some()) else {
            continue;
        };
        // A debug container of its own image beside the target's pod joins the target's
        // release without taking its image (see `CommandFacts::joins_image`).
        let joins =
            own_image && workload.command.as_ref().map(|c| c.tool) == Some(Tool::KubectlDebug);
        if own_image && !joins {
            continue;
        }
        let namespace = workload.namespace.as_ref().map(|n| n.value.clone());
        let bases = command_directories(project, workload, root);
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
        // The Compose project `docker compose` would read there first; a Kubernetes workload
        // nearest the command's file (the deepest directory both are in); then the files as
        // given before a kustomize rendering (only when nothing else declares it).
        let here = project.dir(workload.file);
        let Some(found) = candidates
            .min_by_key(|(_, w)| {
                let rank = match &w.compose {
                    Some(compose) => {
                        compose_rank(workload, &compose_files[&compose.project], &bases)
                    }
                    None => usize::MAX - shared_directories(here, project.dir(w.file)),
                };
                (rank, w.scope)
            })
            .map(|(i, _)| i)
        else {
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
        let compose_project = project.workloads[found]
            .compose
            .as_ref()
            .map(|c| c.project.clone());
        let workload = &mut project.workloads[index];
        if workload.namespace.is_none() {
            workload.namespace = app_namespace;
        }
        if let Some(facts) = workload.command.as_mut() {
            facts.compose_project = compose_project;
            if joins {
                facts.joins_image = app.image.as_ref().map(|image| image.value.clone());
            }
        }
        let keeps_config = workload
            .command
            .as_ref()
            .is_some_and(|c| c.keeps_target_config);
        if joins && !keeps_config {
            continue;
        }
        let container = &mut workload.containers[0];
        if !joins {
            container.image = app.image;
            container.resolved_image = app.resolved_image;
            container.build = app.build;
        }
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

/// Gives Procfile lines their own Procfile, `heroku run` commands the nearest Procfile at or
/// above their file (up to the project root), and `app.json` scripts the Procfile beside them:
/// its processes are their release peers (`CommandFacts::procfile`).
fn join_procfiles(project: &mut Project, root: &Path) {
    let procfiles: BTreeMap<PathBuf, crate::span::FileId> = project
        .files
        .iter()
        .filter(|f| f.display.rsplit('/').next() == Some("Procfile"))
        .filter_map(|f| Some((normalized(f.path.as_deref()?.parent()?), f.id)))
        .collect();
    // A `heroku.yml` names the processes of its directory's app when no Procfile does.
    let mut procfiles = procfiles;
    for file in (project.files.iter()).filter(|f| {
        matches!(
            f.display.rsplit('/').next(),
            Some("heroku.yml" | "heroku.yaml")
        )
    }) {
        if let Some(dir) = file.path.as_deref().and_then(Path::parent) {
            procfiles.entry(normalized(dir)).or_insert(file.id);
        }
    }
    if procfiles.is_empty() {
        return;
    }
    for index in 0..project.workloads.len() {
        let workload = &project.workloads[index];
        let Some(tool) = workload.command.as_ref().map(|c| c.tool) else {
            continue;
        };
        let procfile = match tool {
            Tool::Procfile => Some(workload.file),
            Tool::HerokuRun => nearest_procfile(project, workload, root, &procfiles),
            // `app.json` describes the app of its own directory.
            Tool::AppJson => project
                .files
                .get(workload.file.0 as usize)
                .and_then(|file| file.path.as_deref())
                .and_then(Path::parent)
                .and_then(|dir| procfiles.get(&normalized(dir)).copied()),
            _ => None,
        };
        if let Some(facts) = project.workloads[index].command.as_mut() {
            facts.procfile = procfile;
        }
    }
}

/// The Procfile of the directory `workload`'s file is in, else of the nearest directory above
/// it up to the project root (`bin/console.sh`, `.github/workflows/deploy.yml`), else the root's.
fn nearest_procfile(
    project: &Project,
    workload: &Workload,
    root: &Path,
    procfiles: &BTreeMap<PathBuf, crate::span::FileId>,
) -> Option<crate::span::FileId> {
    let root = normalized(root);
    let here = project
        .files
        .get(workload.file.0 as usize)
        .and_then(|file| file.path.as_deref())
        .and_then(Path::parent)
        .map(normalized);
    let below_root = here
        .iter()
        .flat_map(|dir| dir.ancestors())
        .take_while(|dir| dir.starts_with(&root));
    below_root
        .chain(std::iter::once(root.as_path()))
        .find_map(|dir| procfiles.get(dir).copied())
}

/// Each Compose project's files (absolute), by its key: the display paths of its files joined
/// with ` + `, or its first file's alone for a default file with its override.
fn compose_project_files(project: &Project) -> BTreeMap<String, Vec<PathBuf>> {
    let by_display: BTreeMap<&str, PathBuf> = project
        .files
        .iter()
        .filter_map(|f| Some((f.display.as_str(), normalized_file(f)?)))
        .collect();
    let mut out = BTreeMap::new();
    for workload in &project.workloads {
        let Some(compose) = &workload.compose else {
            continue;
        };
        out.entry(compose.project.clone()).or_insert_with(|| {
            compose
                .project
                .split(" + ")
                .filter_map(|display| by_display.get(display).cloned())
                .collect()
        });
    }
    out
}

/// Where a command may run `docker compose` from: the directory of its file, then the project
/// root (as `assemble::compose_sets_of_commands` reads `-f` files).
fn command_directories(project: &Project, workload: &Workload, root: &Path) -> Vec<PathBuf> {
    let here = project
        .files
        .get(workload.file.0 as usize)
        .and_then(|file| file.path.as_deref())
        .and_then(Path::parent)
        .map(normalized);
    let mut out: Vec<PathBuf> = here.into_iter().collect();
    let root = normalized(root);
    if !out.contains(&root) {
        out.push(root);
    }
    out
}

/// How likely `docker compose` run by `command` reads the Compose project made of `files`,
/// lower first: the files its `-f` options name, else the default project of its directory
/// (a default file, alone or with its override, before a set of several), each from the
/// command's directory before the project root; any other project that declares the service
/// comes last.
fn compose_rank(command: &Workload, files: &[PathBuf], bases: &[PathBuf]) -> usize {
    const ELSEWHERE: usize = usize::MAX;
    let Some(first) = files.first() else {
        return ELSEWHERE;
    };
    let named = command
        .command
        .as_ref()
        .map_or(&[][..], |c| c.compose_files.as_slice());
    for (tier, base) in bases.iter().enumerate() {
        if named.is_empty() {
            if first.parent() == Some(base.as_path()) {
                let default = first
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| DEFAULT_FILES.contains(&n));
                // A default file (with its override) before a set `COMPOSE_FILE` or a fragment
                // forms, before a file Compose reads only when told to.
                let how = match (default, files.len()) {
                    (true, 1) => 0,
                    (_, 2..) => 1,
                    _ => 2,
                };
                return tier * 3 + how;
            }
            continue;
        }
        let wanted: Vec<PathBuf> = named.iter().map(|f| normalized(&base.join(f))).collect();
        if wanted == files {
            return tier * 3;
        }
        // `-f docker-compose.yml -f docker-compose.override.yml`: the default pair, known by
        // its first file.
        if wanted.first() == Some(first) {
            return tier * 3 + 1;
        }
    }
    ELSEWHERE
}

/// How many leading directories two display directories share (`deploy/k8s`, `deploy/ops`: 1).
fn shared_directories(a: &str, b: &str) -> usize {
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y && !x.is_empty())
        .count()
}

/// A file's path as [`normalized`] gives it, from the absolute path the file keeps.
fn normalized_file(file: &crate::source::SourceFile) -> Option<PathBuf> {
    let absolute = crate::discover::absolute_of(file)?;
    Some(if crate::discover::has_parent_dir(absolute) {
        normalized(absolute)
    } else {
        absolute.to_path_buf()
    })
}

/// `path` made absolute, with `.` and `..` taken out as written (no file system lookup).
fn normalized(path: &Path) -> PathBuf {
    let absolute = crate::discover::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
