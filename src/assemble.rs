//! The assemble stage: every file's facts made into one [`Project`]: Compose projects loaded
//! (their base, override, `extends` and `include` files), kustomizations rendered into scopes,
//! the configuration's declarations applied, and roles classified.

use crate::CheckOptions;
use crate::config::LoadedConfig;
use crate::extract::FileFacts;
use crate::fast_hash::FastMap;
use crate::manifest;
use crate::model::project::Project;
use crate::report::Report;
use crate::suppress::Suppression;

/// The project, and what the findings stage needs beside it.
pub(crate) struct Assembled {
    /// Every workload of the run, roles classified.
    pub project: Project,
    /// The suppression comments of the files read (cached with their facts).
    pub suppressions: Vec<Suppression>,
    /// Whether findings in each file (by id) are reported; files the Compose loader read for
    /// a reported project are.
    pub reported: Vec<bool>,
    /// Whether each file was checked: unreadable inputs keep an empty place in the file table,
    /// and a Compose project's `.env` is read for values only; neither is a file checked.
    pub checked: Vec<bool>,
    /// The kustomization links, when the options ask for links (the rest is added from the
    /// project by the caller).
    pub links: Option<crate::links::Collected>,
}

/// Assemble the facts (in file id order) into one project. `reported` is by input. Notes, run
/// errors and the document count go to `report`.
pub(crate) fn assemble(
    facts: Vec<FileFacts>,
    mut reported: Vec<bool>,
    options: &CheckOptions,
    config: &LoadedConfig,
    report: &mut Report,
) -> Assembled {
    let mut project = Project::default();
    let mut suppressions = Vec::new();
    let mut kustomizations = Vec::new();
    let mut declared_configs = Vec::new();
    let mut compose_files = FastMap::default();
    // Sized once: the workloads are large, and growing to the run's thousands copied them at
    // every doubling.
    project
        .workloads
        .reserve(facts.iter().map(|f| f.workloads.len()).sum());
    project.files.reserve(facts.len());
    for facts in facts {
        report.summary.documents += facts.documents;
        report.notes.extend(facts.notes);
        report.errors.extend(facts.errors);
        let file = facts.file;
        project
            .syntax_errors
            .extend(facts.syntax_errors.into_iter().map(|e| (file.id, e)));
        project.workloads.extend(facts.workloads);
        kustomizations.extend(facts.kustomizations);
        declared_configs.extend(facts.configs);
        suppressions.extend(facts.suppressions);
        if let Some(names_migrations) = facts.shell_script {
            project.shell_scripts.push((file.id, names_migrations));
        }
        (project.deleted_jobs).extend(facts.deleted_jobs.into_iter().map(|name| (file.id, name)));
        if let Some(converted) = facts.compose {
            compose_files.insert(file.id, converted);
        }
        project.files.push(file);
    }
    crate::timings::lap("assemble: merge");
    let mut links = options.record_links.then(crate::links::Collected::default);
    if let Some(links) = &mut links {
        for (id, converted) in &compose_files {
            if let (Some(file), Some(converted)) = (project.files.get(id.0 as usize), converted) {
                links.compose(file, &converted.referenced_files());
            }
        }
    }
    let command_sets = compose_sets_of_commands(&project, &config.root);
    report.summary.documents += manifest::compose::check(
        options,
        &mut project,
        compose_files,
        &command_sets,
        &mut report.notes,
    );
    // Files the Compose loader read on its own (an `extends: file:` outside the paths
    // given) belong to a reported project: report on them too.
    reported.resize(project.files.len(), true);
    crate::timings::lap("assemble: compose");
    let read_cap = options
        .references_from_disk
        .then_some(options.max_file_size);
    if let Some(links) = &mut links {
        links.kustomizations(&project.files, &kustomizations);
    }
    let patch_files = manifest::kustomize::render(
        &mut project,
        &kustomizations,
        &declared_configs,
        read_cap,
        &options.limits,
        &mut report.notes,
    );
    // A patch file rendering read on its own is reported when the kustomization listing it is.
    for (_, listed_by) in patch_files {
        let listed = reported.get(listed_by.0 as usize).copied().unwrap_or(false);
        reported.push(listed);
    }
    crate::timings::lap("assemble: kustomize");
    let helm_options = manifest::helm::HelmOptions {
        buffers: &options.buffers,
        reference_buffers: &options.reference_buffers,
        read_cap,
        limits: &options.limits,
        template_limits: crate::helm::template::Limits::default(),
    };
    let roots = manifest::helm::chart_roots(&project.files);
    let (chart_files, charts) = manifest::helm::check(
        &mut project,
        &roots,
        config,
        &helm_options,
        &mut report.notes,
    );
    report.summary.documents += charts.documents;
    // A chart's files read on their own are reported when any file of the chart is: one pass
    // over the reported files, each marking the charts above it.
    // Keyed by the roots' bytes: a file's ancestors are its path cut at each separator, with
    // no component parsing (this runs over every reported file of the run).
    let bytes = |path: &std::path::Path| path.as_os_str().as_encoded_bytes().to_vec();
    let mut chart_reported: FastMap<Vec<u8>, bool> = chart_files
        .iter()
        .map(|(_, root)| (bytes(root), false))
        .collect();
    if !chart_reported.is_empty() {
        for file in project.files.iter().take(reported.len()) {
            if !reported[file.id.0 as usize] {
                continue;
            }
            let Some(path) = crate::discover::absolute_of(file) else {
                continue;
            };
            let path = path.as_os_str().as_encoded_bytes();
            let separators = path
                .iter()
                .enumerate()
                .filter(|&(_, &b)| std::path::is_separator(char::from(b)))
                .map(|(at, _)| at);
            for end in separators {
                // The root directory is `/` itself, not the empty prefix before it.
                let dir = if end == 0 { &path[..1] } else { &path[..end] };
                if let Some(of_chart) = chart_reported.get_mut(dir) {
                    *of_chart = true;
                }
            }
        }
    }
    for (id, root) in chart_files {
        let of_chart = chart_reported.get(&bytes(&root)).copied().unwrap_or(false);
        let index = id.0 as usize;
        if reported.len() <= index {
            reported.resize(index + 1, true);
        }
        reported[index] = of_chart;
    }
    crate::timings::lap("assemble: helm");
    manifest::script::resolve_targets(&mut project, &config.root, &mut report.notes);
    let checked = project
        .files
        .iter()
        .map(|f| f.readable && !project.env_files.contains(&f.id))
        .collect();
    project.apply_config(config);
    let role_notes = project.classify_roles(config);
    report.notes.extend(role_notes);
    crate::timings::lap("assemble: roles");
    if reported.iter().any(|&r| !r) {
        project.reported_files = Some(reported.clone());
    }
    Assembled {
        project,
        suppressions,
        reported,
        checked,
        links,
    }
}

/// The Compose file sets the project's commands combine (`docker compose -f a -f b run …` in a
/// script, a workflow or a Makefile), each read relative to the directory of the file the
/// command is in and to the project root (a script under `scripts/` is usually run from the
/// root): the loader keeps a set only where every file of it is there.
fn compose_sets_of_commands(
    project: &Project,
    root: &std::path::Path,
) -> Vec<manifest::compose::FileSet> {
    let mut sets = Vec::new();
    for workload in &project.workloads {
        let Some(facts) = &workload.command else {
            continue;
        };
        if facts.compose_files.is_empty() {
            continue;
        }
        let here = project
            .files
            .get(workload.file.0 as usize)
            .and_then(|file| file.path.as_deref())
            .and_then(std::path::Path::parent)
            .map(std::path::Path::to_path_buf);
        for base in here.into_iter().chain(std::iter::once(root.to_path_buf())) {
            let set = manifest::compose::FileSet {
                files: facts.compose_files.iter().map(|f| base.join(f)).collect(),
            };
            if !sets.contains(&set) {
                sets.push(set);
            }
        }
    }
    sets
}
