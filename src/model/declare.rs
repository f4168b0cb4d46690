//! What the configuration declares about workloads: roles, apps, external objects, patterns.

use crate::config::{AppDeclaration, LoadedConfig, Selector, glob_match};
use crate::model::project::Project;
use crate::model::role::signals::{ConfigList, ConfigSelection};
use crate::model::workload::Workload;

impl Project {
    /// Apply `.adminlint.yaml`: app declarations, external objects and extra wrapper /
    /// installer patterns. (Role selectors are read by [`Project::classify_roles`].)
    pub fn apply_config(&mut self, loaded: &LoadedConfig) {
        let config = &loaded.config;
        self.external = config.external.clone();
        let words = |patterns: &[String]| -> Vec<Vec<String>> {
            patterns
                .iter()
                .map(|p| p.split_whitespace().map(str::to_string).collect())
                .collect()
        };
        self.extra_wrappers = words(&config.wrappers);
        self.extra_installers = words(&config.installers);
        for index in 0..self.workloads.len() {
            let workload = &self.workloads[index];
            let path = self.files[workload.file.0 as usize].path.clone();
            let app = match &workload.app {
                Some(_) => None,
                None => config
                    .apps
                    .iter()
                    .find(|app| app_matches(app, workload, path.as_deref(), loaded))
                    .map(|app| app.name.clone()),
            };
            if app.is_some() {
                self.workloads[index].app = app;
            }
        }
    }

    /// The first selector of `admin:`, then of `long-running:`, that selects a workload.
    pub fn config_selection(
        &self,
        workload: &Workload,
        loaded: &LoadedConfig,
    ) -> Option<ConfigSelection> {
        let path = self.files[workload.file.0 as usize].path.as_deref();
        let matches = |selector: &Selector| selects(selector, workload, path, loaded);
        let config = &loaded.config;
        [
            (ConfigList::Admin, &config.admin),
            (ConfigList::LongRunning, &config.long_running),
        ]
        .into_iter()
        .find_map(|(list, selectors)| {
            let selector = selectors.iter().position(matches)?;
            Some(ConfigSelection { list, selector })
        })
    }
}

/// Image repositories of a workload, normalised and as written (without tag).
fn repositories(workload: &Workload) -> Vec<String> {
    workload
        .containers
        .iter()
        .filter_map(|c| c.image.as_ref())
        .flat_map(|image| {
            let written = match &image.value.registry {
                Some(registry) => format!("{registry}/{}", image.value.path),
                None => image.value.path.clone(),
            };
            [image.value.repository(), written]
        })
        .collect()
}

fn any_glob(patterns: &[String], values: &[String]) -> bool {
    patterns
        .iter()
        .any(|p| values.iter().any(|v| glob_match(p, v)))
}

fn labels_match(wanted: &std::collections::BTreeMap<String, String>, workload: &Workload) -> bool {
    wanted
        .iter()
        .all(|(key, value)| workload.label(key).is_some_and(|v| v.value == *value))
}

fn name(workload: &Workload) -> String {
    workload
        .name
        .as_ref()
        .map(|n| n.value.clone())
        .unwrap_or_default()
}

/// Every field the selector gives must match.
fn selects(
    selector: &Selector,
    workload: &Workload,
    path: Option<&std::path::Path>,
    loaded: &LoadedConfig,
) -> bool {
    let is_service = workload.format == crate::model::workload::Format::Compose;
    selector.kind.as_ref().is_none_or(|k| *k == workload.kind)
        && selector
            .name
            .as_ref()
            .is_none_or(|n| glob_match(n, &name(workload)))
        && selector
            .namespace
            .as_ref()
            .is_none_or(|n| glob_match(n, workload.namespace_name()))
        && (selector.paths.is_empty()
            || path.is_some_and(|p| loaded.path_matches(&selector.paths, p)))
        && labels_match(&selector.labels, workload)
        && (selector.images.is_empty() || any_glob(&selector.images, &repositories(workload)))
        && (selector.services.is_empty()
            || (is_service && any_glob(&selector.services, &[name(workload)])))
}

/// Every criterion the app declaration gives must match (and it must give one).
fn app_matches(
    app: &AppDeclaration,
    workload: &Workload,
    path: Option<&std::path::Path>,
    loaded: &LoadedConfig,
) -> bool {
    let is_service = workload.format == crate::model::workload::Format::Compose;
    let gives_any = !(app.images.is_empty()
        && app.labels.is_empty()
        && app.paths.is_empty()
        && app.services.is_empty());
    gives_any
        && (app.images.is_empty() || any_glob(&app.images, &repositories(workload)))
        && labels_match(&app.labels, workload)
        && (app.paths.is_empty() || path.is_some_and(|p| loaded.path_matches(&app.paths, p)))
        && (app.services.is_empty() || (is_service && any_glob(&app.services, &[name(workload)])))
}
