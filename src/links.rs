//! What ties files together in a run, for the incremental engine: each file's link keys (its
//! directory, the paths its kustomizations name, the image repositories, Compose projects,
//! charts and command targets of the workloads written in it, the scripts its Compose services
//! run). Two files that share a key may change each other's findings; files in different
//! connected groups never do (`engine.rs`).
//!
//! Keys are conservative: a key too many only makes a group larger (more is recomputed), a key
//! missing makes an edit miss a finding, which the engine's property test looks for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::manifest::kustomize::Kustomization;
use crate::manifest::kustomize::patch::PatchSource;
use crate::model::project::{Project, app_labels, is_utility_image};
use crate::model::workload::Workload;
use crate::origin::Origin;
use crate::report::FileLinks;
use crate::source::SourceFile;
use crate::span::{FileId, Span};

/// Keys collected per file id during one run.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    keys: BTreeMap<FileId, Vec<String>>,
    names: BTreeMap<FileId, Vec<String>>,
}

impl Collected {
    fn key(&mut self, file: FileId, key: String) {
        let keys = self.keys.entry(file).or_default();
        if !keys.contains(&key) {
            keys.push(key);
        }
    }

    /// The kustomization edges: a kustomization file is tied to every file and directory it
    /// names (resources, components, patch files, generator files, replacement files) and to
    /// the repositories its `images:` entries name and set. Remote entries are left out: they
    /// are never read.
    pub(crate) fn kustomizations(
        &mut self,
        files: &[SourceFile],
        kustomizations: &[Kustomization],
    ) {
        for kustomization in kustomizations {
            let file = kustomization.file;
            let Some(dir) = files
                .get(file.0 as usize)
                .and_then(|f| f.path.as_deref())
                .and_then(absolute_dir)
            else {
                continue;
            };
            let mut named: Vec<&str> = Vec::new();
            named.extend(kustomization.resources.iter().map(|e| e.value.as_str()));
            named.extend(kustomization.components.iter().map(|e| e.value.as_str()));
            named.extend(
                kustomization
                    .replacement_files
                    .iter()
                    .map(|e| e.value.as_str()),
            );
            for patch in &kustomization.patches {
                if let PatchSource::File(path) = &patch.source {
                    named.push(path.value.as_str());
                }
            }
            for generator in &kustomization.generators {
                named.extend(generator.files.iter().map(|f| generator_path(f)));
                named.extend(generator.envs.iter().map(String::as_str));
            }
            for entry in named {
                if entry.contains("://")
                    || entry.starts_with("git@")
                    || entry.starts_with("github.com/")
                {
                    continue;
                }
                let target = normalize(&dir.join(entry));
                // A directory stands for its kustomization; every file in it is tied (a key too
                // many at worst).
                self.key(file, format!("dir:{}", target.display()));
                self.key(file, format!("path:{}", target.display()));
            }
            for image in &kustomization.images {
                self.key(file, format!("repo:{}", image.name));
                if let Some(new_name) = &image.new_name {
                    self.key(file, format!("repo:{}", new_name.value));
                }
            }
        }
    }

    /// The Compose edges: a Compose file is tied to the files it names (`extends`, `include`,
    /// `env_file`), read or not.
    pub(crate) fn compose(&mut self, file: &SourceFile, references: &[String]) {
        let Some(dir) = file.path.as_deref().and_then(absolute_dir) else {
            return;
        };
        for reference in references {
            let target = normalize(&dir.join(reference));
            self.key(file.id, format!("path:{}", target.display()));
        }
    }

    /// The keys of every file of an assembled project: its own path and directory, the charts
    /// it is part of, and for each workload (rendered ones included) the repositories its
    /// containers run, its Compose project, its name (for commands that target it), the
    /// targets of a command, and every file its values came from.
    pub(crate) fn project(&mut self, project: &Project, chart_roots: &[PathBuf]) {
        for file in &project.files {
            let Some(absolute) = crate::discover::absolute_of(file) else {
                continue;
            };
            self.key(file.id, format!("path:{}", absolute.display()));
            if let Some(dir) = absolute.parent() {
                self.key(file.id, format!("dir:{}", dir.display()));
            }
            for root in chart_roots.iter().filter(|root| absolute.starts_with(root)) {
                self.key(file.id, format!("chart:{}", root.display()));
            }
            // A chart read as another chart's dependency (`file://../common`) renders with it.
            for (root, _) in
                (project.chart_dependency_dirs.iter()).filter(|(_, dir)| absolute.starts_with(dir))
            {
                self.key(file.id, format!("chart:{}", root.display()));
            }
        }
        let path_keys: Vec<Option<String>> = project
            .files
            .iter()
            .map(|file| {
                Some(format!(
                    "path:{}",
                    crate::discover::absolute_of(file)?.display()
                ))
            })
            .collect();
        // A script that deletes a Job by name (`kubectl delete job/db-migrate`) decides whether
        // the Job's fixed name is a finding (immutable-job): both carry the Job's name.
        for (file, name) in &project.deleted_jobs {
            self.key(*file, format!("job:{name}"));
        }
        for workload in project.workloads.iter().filter(|w| w.kind == "Job") {
            if let Some(name) = &workload.name {
                self.key(workload.file, format!("job:{}", name.value));
            }
        }
        // A Compose service whose program is a script of the run (`./bin/entrypoint.sh`) reads
        // whether that script names migrations (admin-not-awaited): the script files are tied
        // to the services that may run them by every trailing part of their paths.
        for &(file, _) in &project.shell_scripts {
            let display = &project.files[file.0 as usize].display;
            let mut suffix = display.as_str();
            loop {
                self.key(file, format!("script:{suffix}"));
                match suffix.split_once('/') {
                    Some((_, rest)) if !rest.is_empty() => suffix = rest,
                    _ => break,
                }
            }
        }
        for workload in &project.workloads {
            if let Some(program) = crate::model::compose::program_script(workload) {
                self.key(workload.file, format!("script:{program}"));
            }
        }
        for workload in &project.workloads {
            let mut files = vec![workload.file];
            workload_files(workload, &mut files);
            files.sort();
            files.dedup();
            let mut keys = workload_keys(workload);
            // A Procfile's processes are the peers of the commands that name it.
            if let Some(procfile) = workload.command.as_ref().and_then(|c| c.procfile)
                && let Some(Some(key)) = path_keys.get(procfile.0 as usize)
            {
                keys.push(key.clone());
            }
            // Every file a value came from is tied to the workload's own file.
            let own = path_keys.get(workload.file.0 as usize).cloned().flatten();
            for &file in &files {
                for key in keys.iter().chain(&own) {
                    self.key(file, key.clone());
                }
            }
            if let Some(name) = &workload.name {
                let names = self.names.entry(workload.file).or_default();
                if !names.contains(&name.value) {
                    names.push(name.value.clone());
                }
            }
        }
    }

    /// The links by file, in file id order; the first files were the run's inputs, `walked`
    /// says which of them a walk (or a buffer) gave.
    pub(crate) fn finish(mut self, files: &[SourceFile], walked: &[bool]) -> Vec<FileLinks> {
        files
            .iter()
            .filter_map(|file| {
                Some(FileLinks {
                    path: crate::discover::absolute_of(file)?.to_path_buf(),
                    keys: self.keys.remove(&file.id).unwrap_or_default(),
                    names: self.names.remove(&file.id).unwrap_or_default(),
                    input: walked.get(file.id.0 as usize).copied().unwrap_or(false),
                })
            })
            .collect()
    }
}

/// The keys a workload gives every file it is made from.
fn workload_keys(workload: &Workload) -> Vec<String> {
    let mut keys = Vec::new();
    for container in &workload.containers {
        let image = container
            .resolved_image
            .as_ref()
            .or(container.image.as_ref().map(|i| &i.value));
        if let Some(image) = image {
            let repository = image.repository();
            if is_utility_image(image) {
                // Utility images are peers only in one file or one labelled app.
                for (index, value) in app_labels(workload).into_iter().enumerate() {
                    if let Some(value) = value {
                        keys.push(format!("utility:{repository}:{index}={value}"));
                    }
                }
            } else {
                keys.push(format!("repo:{repository}"));
            }
        }
        if let Some(image) = &container.image {
            let written = image.value.repository();
            if !is_utility_image(&image.value) {
                keys.push(format!("repo:{written}"));
            }
        }
        if let Some(build) = &container.build {
            keys.push(format!("build:{build:?}"));
        }
    }
    // A command run in a Compose service is in that service's project.
    if let Some(compose_project) = workload.compose_project() {
        keys.push(format!("compose:{compose_project}"));
    }
    if let Some(command) = &workload.command {
        if let Some(target) = &command.runs_in {
            keys.push(format!("target:{}", target.name.value));
        }
        // `kubectl debug --image=…` is compared with the image of the workload it joins.
        if let Some(image) = &command.joins_image {
            keys.push(format!("repo:{}", image.repository()));
        }
    }
    keys
}

/// Every file a workload's values were written in: its spans and the steps of their origins.
fn workload_files(workload: &Workload, out: &mut Vec<FileId>) {
    let mut span = |span: Span| out.push(span.file);
    span(workload.span);
    origin_files(&workload.provenance, &mut span);
    for container in &workload.containers {
        span(container.span);
        if let Some(image) = &container.image {
            span(image.span);
            origin_files(&image.origin, &mut span);
        }
        for part in container.command.iter().chain(&container.args).flatten() {
            span(part.span);
            origin_files(&part.origin, &mut span);
        }
    }
}

fn origin_files(origin: &Origin, span: &mut impl FnMut(Span)) {
    for step in origin.via() {
        if let Some((_, at)) = step.related() {
            span(at);
        }
    }
}

/// A generator `files:` entry: `key=path` or `path`.
fn generator_path(entry: &str) -> &str {
    entry.split_once('=').map_or(entry, |(_, path)| path)
}

fn absolute_dir(path: &Path) -> Option<PathBuf> {
    let absolute = crate::discover::absolute(path).ok()?;
    absolute.parent().map(Path::to_path_buf)
}

/// `a/b/../c` → `a/c`, without touching the disk (the path may not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
