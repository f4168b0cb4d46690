//! The findings stage: the rules' findings made into what is reported.
//!
//! Severities come from the configuration, suppressions are applied and judged (the meta
//! rules), findings outside the reported files are dropped (unless a release finding's cause,
//! the app's side, is in one), and what is left is sorted and reported once per source node
//! however many kustomize overlays rendered it.

use std::collections::HashMap;

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::model::project::Project;
use crate::model::workload::Format;
use crate::rules;
use crate::span::FileId;
use crate::suppress::{self, ObjectIgnore, ObjectSyntax, Suppression};

/// What the run reports.
pub struct Findings {
    /// Sorted by path, offset, rule and message.
    pub diagnostics: Vec<Diagnostic>,
    /// How many findings in reported files a suppression silenced.
    pub suppressed: usize,
}

/// Turn the rules' findings into the reported ones. `suppressions` are those of the comments in
/// the files read (cached with their facts); the project adds those of files the Compose loader
/// read itself and the objects' ignore annotations. `no_ignores` disables every suppression.
pub fn finish(
    project: &Project,
    found: Vec<Diagnostic>,
    mut suppressions: Vec<Suppression>,
    config: &Config,
    no_ignores: bool,
    is_reported: impl Fn(FileId) -> bool,
) -> Findings {
    let mut diagnostics = rules::configure(found, config);
    for (file, comments) in &project.loaded_comments {
        let text = &project.files[file.0 as usize].text;
        suppressions.extend(suppress::from_comments(*file, text, comments));
    }
    suppressions.extend(suppress::on_objects(object_ignores(project)));
    let rule_ids: Vec<&str> = rules::RULES.iter().map(|rule| rule.id).collect();
    // A suppression of a rule that did not run cannot be judged unused.
    let off: Vec<&str> = rule_ids
        .iter()
        .copied()
        .filter(|id| config.rules.get(*id) == Some(&crate::config::RuleLevel::Off))
        .collect();
    let outcome = suppress::apply(
        &mut diagnostics,
        suppressions,
        &project.files,
        (&rule_ids, &off),
        no_ignores,
    );
    diagnostics.extend(rules::configure(
        rules::suppression_findings(&outcome, project),
        config,
    ));
    // A finding in a file not named is kept when its cause is in a named one: an admin's
    // release compared with the app's image there (a pre-commit that bumps the app's tag and
    // not the Job's gets the drift it creates, at the Job).
    // A Compose project's `.env` is read for every project that uses it, named or not: a value
    // there is no named file's cause.
    let is_cause = |file: FileId| is_reported(file) && !project.env_files.contains(&file);
    diagnostics.retain(|d| {
        is_reported(d.span.file)
            || (rules::is_about_release(d.rule) && d.related.iter().any(|r| is_cause(r.span.file)))
    });
    for diagnostic in &mut diagnostics {
        if let Some(object) = &diagnostic.object
            && let Some(overlay) = &object.overlay
        {
            // Compose services (kind `service`) are in a set of Compose files, not an overlay;
            // a Helm chart rendered with several values sets names the set.
            let suffix = match object.kind.as_str() {
                "service" => format!(" (Compose files `{overlay}`)"),
                _ => format!(" ({})", crate::model::workload::rendering_title(overlay)),
            };
            diagnostic.message.push_str(&suffix);
        }
    }
    // By path (files the Compose loader read are appended to the file table, so ids are not
    // in path order), then offset, rule and message.
    let path_of = |d: &Diagnostic| project.files[d.span.file.0 as usize].display.clone();
    diagnostics.sort_by_cached_key(|d| (path_of(d), d.span.start, d.rule, d.message.clone()));
    diagnostics.dedup();
    // Overlays render copies of the same base node: report a node's findings for one overlay.
    let mut first_overlay = HashMap::new();
    diagnostics.retain(|d| {
        let overlay = d.object.as_ref().and_then(|o| o.overlay.clone());
        first_overlay
            .entry((d.rule, d.span))
            .or_insert_with(|| overlay.clone())
            == &overlay
    });
    let suppressed = outcome
        .suppressed
        .iter()
        .filter(|file| is_reported(**file))
        .count();
    Findings {
        diagnostics,
        suppressed,
    }
}

/// Every workload's ignore annotations (Kubernetes) or `x-adminlint` ignores (Compose).
fn object_ignores(project: &Project) -> impl Iterator<Item = ObjectIgnore<'_>> {
    project.workloads.iter().flat_map(|workload| {
        let syntax = match workload.format {
            Format::Kubernetes => ObjectSyntax::Annotation,
            Format::Compose => ObjectSyntax::XAdminlint,
            Format::Command => ObjectSyntax::Annotation,
        };
        workload.ignores.iter().map(move |ignore| ObjectIgnore {
            rule: &ignore.rule,
            reason: ignore.reason.as_deref(),
            span: ignore.span,
            object: workload.span,
            syntax,
        })
    })
}
