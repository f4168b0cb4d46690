//! Rendering a chart as `helm template` does: values coalesced down the chart tree, the
//! dependencies `condition` / `tags` enable, the builtin objects (`.Release`, `.Chart`,
//! `.Capabilities`, `.Template`, `.Files`, `.Values`), then every template executed.
//!
//! Follows Helm 3's `pkg/chartutil/dependencies.go` (which subcharts render), `coalesce.go`
//! (values) and `pkg/engine/engine.go` (template names, the dot of each template).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rayon::prelude::*;

use super::chart::{Chart, TemplateFile};
use super::template::{Limits, Output, ParsedFile, TemplateError, TemplateSet, Value};
use super::values;
use crate::span::FileId;

/// The Kubernetes version `.Capabilities` reports (Helm's default without a cluster).
pub const KUBE_VERSION: (u32, u32) = (1, 31);

/// The Helm version `.Capabilities.HelmVersion` reports.
pub const HELM_VERSION: &str = "v3.16.0";

/// `.Capabilities.APIVersions`: the built-in API groups of [`KUBE_VERSION`], each also with the
/// kinds charts ask for (`batch/v1/Job`), as Helm's default version set lists them.
const API_VERSIONS: [&str; 32] = [
    "v1",
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apiregistration.k8s.io/v1",
    "apps/v1",
    "apps/v1/DaemonSet",
    "apps/v1/Deployment",
    "apps/v1/StatefulSet",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2/HorizontalPodAutoscaler",
    "batch/v1",
    "batch/v1/CronJob",
    "batch/v1/Job",
    "certificates.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1/Ingress",
    "networking.k8s.io/v1/IngressClass",
    "networking.k8s.io/v1/NetworkPolicy",
    "node.k8s.io/v1",
    "policy/v1",
    "policy/v1/PodDisruptionBudget",
    "rbac.authorization.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
    "v1/Service",
];

/// One template's render.
#[derive(Debug)]
pub struct Rendered {
    /// Helm's name for it (`shop/templates/job.yaml`, `shop/charts/db/templates/sts.yaml`).
    pub name: String,
    /// The template file.
    pub file: FileId,
    /// What it wrote, or why it could not be rendered.
    pub result: Result<Output, TemplateError>,
}

/// What rendering a chart with one set of values gave.
#[derive(Debug, Default)]
pub struct Rendering {
    /// Each rendered template, in Helm's name order.
    pub templates: Vec<Rendered>,
    /// Templates that do not parse (partials included), by file and Helm's name: reported at
    /// their error.
    pub parse_errors: Vec<(FileId, String, TemplateError)>,
    /// Subcharts left out and why (a missing enabled dependency), for the run's notes.
    pub notes: Vec<String>,
    /// Dependencies enabled but not in `charts/`.
    pub missing: Vec<MissingDependency>,
}

/// A dependency Chart.yaml lists and its values enable, with no chart in `charts/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingDependency {
    /// The directory of the chart that lists it.
    pub chart: PathBuf,
    /// Its scoped name (alias or name).
    pub name: String,
}

/// Where a chart of the tree is rendered: its name, Helm's path of it, its values.
struct Scope {
    name: String,
    path: String,
    values: Value,
}

/// One chart of the tree with the values it renders with.
struct Scoped<'c> {
    chart: &'c Chart,
    /// Its name: the alias when it is a dependency under one.
    name: String,
    /// Helm's path of the chart (`shop`, `shop/charts/db`).
    path: String,
    values: Value,
}

/// Render every template of `chart` and its enabled subcharts, with `user` values (values
/// files and `--set` entries, merged) over the chart's defaults.
///
/// A dependency that is enabled but not vendored has no values for the parent's templates to
/// read (a database's service port): when an action that fails reads one (`.Values.kafka.
/// service.ports.client`), the chart is rendered again with that value standing in as its own
/// path (`kafka.service.ports.client`), so that the chart's own templates render. Turning the
/// dependency off instead makes charts `require` an external service's settings.
pub fn render(chart: &Chart, user: &Value, limits: Limits) -> Rendering {
    let mut stand_ins: BTreeSet<(PathBuf, String)> = BTreeSet::new();
    let mut parsed = ParsedFiles::new();
    for _ in 0..MAX_STAND_IN_ROUNDS {
        let rendering = render_with(chart, user, limits, &stand_ins, &mut parsed);
        let before = stand_ins.len();
        for failed in rendering
            .templates
            .iter()
            .filter_map(|t| t.result.as_ref().err())
        {
            let action = action_text(chart, failed.at).unwrap_or_default();
            for missing in &rendering.missing {
                for path in values_read(&action, &missing.name) {
                    stand_ins.insert((missing.chart.clone(), path));
                }
            }
        }
        if stand_ins.len() == before {
            return rendering;
        }
    }
    render_with(chart, user, limits, &stand_ins, &mut parsed)
}

/// Template files parsed in an earlier rendering of the chart, by file: each rendering (one per
/// round of stand-in values) would otherwise parse every template again, most of its time on a
/// large chart.
type ParsedFiles = std::collections::HashMap<FileId, Result<ParsedFile, TemplateError>>;

/// Renderings tried with more stand-in values before the last one is kept.
const MAX_STAND_IN_ROUNDS: usize = 16;

/// The value paths under `name` an action reads (`.Values.kafka.service.ports.client` gives
/// `kafka.service.ports.client`).
fn values_read(action: &str, name: &str) -> Vec<String> {
    let prefix = format!(".Values.{name}.");
    let mut out = Vec::new();
    let mut rest = action;
    while let Some(at) = rest.find(&prefix) {
        let chain: String = rest[at + ".Values.".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
            .collect();
        let chain = chain.trim_end_matches('.').to_string();
        if chain.len() > name.len() && !out.contains(&chain) {
            out.push(chain);
        }
        rest = &rest[at + prefix.len()..];
    }
    out
}

/// The text of a template span (an action at fault) in the chart tree.
fn action_text(chart: &Chart, at: crate::span::Span) -> Option<String> {
    let template = chart.templates.iter().find(|t| t.file == at.file);
    match template {
        Some(template) => template.text.get(at.range()).map(str::to_string),
        None => chart.subcharts.iter().find_map(|sub| action_text(sub, at)),
    }
}

/// One rendering, with `stand_ins` (chart directory, value path) set where they are missing.
fn render_with(
    chart: &Chart,
    user: &Value,
    limits: Limits,
    stand_ins: &BTreeSet<(PathBuf, String)>,
    parsed: &mut ParsedFiles,
) -> Rendering {
    let mut rendering = Rendering::default();
    let values = coalesce_tree(chart, user);
    let mut scoped = Vec::new();
    enabled_charts(
        chart,
        Scope {
            name: chart.name.clone(),
            path: chart.name.clone(),
            values,
        },
        stand_ins,
        &mut scoped,
        &mut rendering,
    );
    let mut set = TemplateSet::new(limits);
    for chart in &scoped {
        for template in &chart.chart.templates {
            let name = template_name(&chart.path, template);
            let file = parsed
                .entry(template.file)
                .or_insert_with(|| ParsedFile::parse(template.file, &template.text));
            match file {
                Ok(file) => set.add_parsed(&name, file),
                Err(error) => rendering
                    .parse_errors
                    .push((template.file, name, error.clone())),
            }
        }
    }
    let release = release();
    let capabilities = capabilities();
    // Each template is rendered on its own (its own step budget, a fresh `dot`), so they are
    // rendered in parallel: a large chart's templates are most of a run's serial time.
    let mut tasks: Vec<(String, FileId, Value)> = Vec::new();
    for chart in &scoped {
        let files = Value::files(chart.chart.files.clone());
        let mut metadata = chart.chart.metadata.as_map().cloned().unwrap_or_default();
        metadata.insert("Name".into(), chart_name(chart.chart, &chart.name));
        metadata.insert("IsRoot".into(), Value::bool(!chart.path.contains('/')));
        let metadata = Value::map(metadata);
        for template in chart.chart.templates.iter().filter(|t| t.is_rendered()) {
            let name = template_name(&chart.path, template);
            if rendering
                .parse_errors
                .iter()
                .any(|(f, _, _)| *f == template.file)
            {
                continue;
            }
            let dot = Value::map_from([
                ("Values", chart.values.clone()),
                ("Chart", metadata.clone()),
                ("Release", release.clone()),
                ("Capabilities", capabilities.clone()),
                ("Files", files.clone()),
                ("Subcharts", Value::map(BTreeMap::new())),
                (
                    "Template",
                    Value::map_from([
                        ("Name", Value::string(name.as_str())),
                        (
                            "BasePath",
                            Value::string(format!("{}/templates", chart.path).as_str()),
                        ),
                    ]),
                ),
            ]);
            tasks.push((name, template.file, dot));
        }
    }
    rendering.templates = tasks
        .into_par_iter()
        .with_max_len(1)
        .map(|(name, file, dot)| {
            let result = set.render(&name, &dot);
            Rendered { name, file, result }
        })
        .collect();
    rendering.templates.sort_by(|a, b| a.name.cmp(&b.name));
    rendering
}

/// The chart's name as `.Chart.Name` gives it: the alias when it is a dependency under one.
fn chart_name(chart: &Chart, scoped: &str) -> Value {
    match chart.metadata.get("Name") {
        Some(name) if name.as_str() == Some(scoped) => name.clone(),
        _ => Value::string(scoped),
    }
}

/// Helm's name of a template: the chart's path, then the file's path in the chart.
fn template_name(chart_path: &str, template: &TemplateFile) -> String {
    format!("{chart_path}/{}", template.path)
}

/// `.Release` as `helm template` sets it.
fn release() -> Value {
    Value::map_from([
        ("Name", Value::string("release-name")),
        ("Namespace", Value::string("default")),
        ("IsInstall", Value::bool(true)),
        ("IsUpgrade", Value::bool(false)),
        ("Revision", Value::int(1)),
        ("Service", Value::string("Helm")),
    ])
}

/// `.Capabilities` without a cluster.
fn capabilities() -> Value {
    let (major, minor) = KUBE_VERSION;
    let version = format!("v{major}.{minor}.0");
    Value::map_from([
        (
            "KubeVersion",
            Value::map_from([
                ("Version", Value::string(version.as_str())),
                ("GitVersion", Value::string(version.as_str())),
                ("Major", Value::string(major.to_string().as_str())),
                ("Minor", Value::string(minor.to_string().as_str())),
            ]),
        ),
        (
            "APIVersions",
            Value::api_versions(API_VERSIONS.iter().map(|v| v.to_string()).collect()),
        ),
        (
            "HelmVersion",
            Value::map_from([
                ("Version", Value::string(HELM_VERSION)),
                ("GitCommit", Value::string("")),
                ("GitTreeState", Value::string("clean")),
                ("GoVersion", Value::string("go1.22")),
            ]),
        ),
    ])
}

/// The subchart of `chart` a dependency names (by its Chart.yaml name), with the dependency's
/// scoped name; subchart directories no dependency lists are rendered under their own name.
fn dependency_charts(chart: &Chart) -> Vec<(Option<&super::chart::Dependency>, Option<&Chart>)> {
    let mut out: Vec<(Option<&super::chart::Dependency>, Option<&Chart>)> = chart
        .dependencies
        .iter()
        .map(|dependency| {
            let sub = chart.subcharts.iter().find(|s| s.name == dependency.name);
            (Some(dependency), sub)
        })
        .collect();
    for sub in &chart.subcharts {
        if !chart.dependencies.iter().any(|d| d.name == sub.name) {
            out.push((None, Some(sub)));
        }
    }
    out
}

/// The whole tree's values: the user's over the chart's defaults, and each subchart's
/// defaults under its (scoped) name with the parent's `global` copied down (Helm's
/// `CoalesceValues` and `coalesceDeps`).
fn coalesce_tree(chart: &Chart, user: &Value) -> Value {
    let mut values = values::coalesce(user, &chart.values);
    for (dependency, sub) in dependency_charts(chart) {
        let Some(sub) = sub else {
            continue;
        };
        let name = dependency.map_or(sub.name.as_str(), |d| d.scoped_name());
        let given = values.get(name).cloned().unwrap_or_default();
        if !given.is_nil() && !values::is_map(&given) {
            continue;
        }
        let with_globals = values::with_parent_globals(
            &if given.is_nil() {
                Value::map(BTreeMap::new())
            } else {
                given
            },
            &values,
        );
        let coalesced = coalesce_tree(sub, &with_globals);
        let mut entries = values.as_map().cloned().unwrap_or_default();
        entries.insert(name.to_string(), coalesced);
        values = Value::map(entries).with_origin(values.origin());
    }
    values
}

/// Whether a dependency is enabled by the chart's coalesced values (Helm's
/// `processDependencyEnabled`): a `condition` path set to a boolean decides (the first such
/// path of a comma-separated list); otherwise its `tags` (any tag true enables, all tags false
/// disable); otherwise it is enabled.
fn enabled(dependency: &super::chart::Dependency, values: &Value) -> bool {
    if let Some(condition) = &dependency.condition {
        for path in condition.split(',').map(str::trim) {
            if let Some(value) = values::lookup(values, path)
                && let super::template::ValueKind::Bool(on) = value.kind()
            {
                return *on;
            }
        }
    }
    let tags: Vec<bool> = dependency
        .tags
        .iter()
        .filter_map(|tag| match values.path(&["tags", tag]).map(Value::kind) {
            Some(super::template::ValueKind::Bool(on)) => Some(*on),
            _ => None,
        })
        .collect();
    tags.is_empty() || tags.contains(&true)
}

/// The charts of the tree that render, each with its values (`.Values` is the parent's
/// values under the subchart's scoped name).
fn enabled_charts<'c>(
    chart: &'c Chart,
    scope: Scope,
    stand_ins: &BTreeSet<(PathBuf, String)>,
    out: &mut Vec<Scoped<'c>>,
    rendering: &mut Rendering,
) {
    let Scope {
        name,
        path,
        mut values,
    } = scope;
    let mut children = Vec::new();
    for (dependency, sub) in dependency_charts(chart) {
        let on = dependency.is_none_or(|d| enabled(d, &values));
        match (sub, dependency) {
            (Some(sub), _) if on => {
                let name = dependency.map_or(sub.name.as_str(), |d| d.scoped_name());
                let scoped_values = values
                    .get(name)
                    .cloned()
                    .filter(values::is_map)
                    .unwrap_or_else(|| Value::map(BTreeMap::new()));
                children.push((sub, name.to_string(), scoped_values));
            }
            (None, Some(dependency)) if on => {
                let name = dependency.scoped_name();
                let mut standing_in = Vec::new();
                for (_, path) in stand_ins.iter().filter(|(dir, path)| {
                    *dir == chart.dir && path.starts_with(&format!("{name}."))
                }) {
                    if values::lookup(&values, path).is_none_or(Value::is_nil) {
                        values = values::set_path(&values, path, Value::string(path.as_str()));
                        standing_in.push(format!("`{path}`"));
                    }
                }
                let rendered_as = if standing_in.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; values the chart reads from it stand in as their own path: {}",
                        standing_in.join(", ")
                    )
                };
                rendering.notes.push(format!(
                    "{}: dependency `{}` is enabled but not in charts/ (run `helm dependency \
                     build`); its templates are not rendered, the chart's own are{rendered_as}",
                    chart.dir.join("Chart.yaml").display(),
                    dependency.name
                ));
                rendering.missing.push(MissingDependency {
                    chart: chart.dir.clone(),
                    name: name.to_string(),
                });
            }
            _ => {}
        }
    }
    out.push(Scoped {
        chart,
        name,
        path: path.clone(),
        values,
    });
    for (sub, sub_name, sub_values) in children {
        let sub_path = format!("{path}/charts/{sub_name}");
        let scope = Scope {
            name: sub_name,
            path: sub_path,
            values: sub_values,
        };
        enabled_charts(sub, scope, stand_ins, out, rendering);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::chart::{self, tests::MemorySource};
    use std::path::Path;

    fn umbrella() -> Chart {
        let mut source = MemorySource::new(&[
            (
                "u/Chart.yaml",
                "name: umbrella\nversion: 1.0.0\ndependencies:\n  - name: api\n    alias: graphql\n  - name: db\n    condition: db.enabled\n  - name: cache\n    tags: [fast]\n  - name: absent\n  - name: spare\n    condition: spare.enabled\n",
            ),
            (
                "u/values.yaml",
                "global: {registry: r.example}\ngraphql: {image: {tag: '2.0'}}\ndb: {enabled: false}\ntags: {fast: false}\nspare: {enabled: false}\n",
            ),
            ("u/templates/cm.yaml", "kind: ConfigMap\n"),
            ("u/charts/api/Chart.yaml", "name: api\nappVersion: 1.9.0\n"),
            (
                "u/charts/api/values.yaml",
                "image: {repository: api, tag: ''}\nglobal: {registry: own}\n",
            ),
            ("u/charts/api/templates/deploy.yaml", "kind: Deployment\n"),
            ("u/charts/db/Chart.yaml", "name: db\n"),
            ("u/charts/cache/Chart.yaml", "name: cache\n"),
            ("u/charts/loose/Chart.yaml", "name: loose\n"),
        ]);
        chart::load(Path::new("u"), &mut source).unwrap()
    }

    #[test]
    fn subcharts_render_by_condition_and_tags_with_values_scoped_under_their_alias() {
        let chart = umbrella();
        let values = coalesce_tree(&chart, &Value::map(BTreeMap::new()));
        let mut scoped = Vec::new();
        let mut rendering = Rendering::default();
        let scope = Scope {
            name: "umbrella".into(),
            path: "umbrella".into(),
            values,
        };
        enabled_charts(&chart, scope, &BTreeSet::new(), &mut scoped, &mut rendering);
        assert_eq!(
            values_read(
                "if and (.Values.absent.on) ($.Values.absent.svc.port)",
                "absent"
            ),
            ["absent.on", "absent.svc.port"]
        );
        let notes = rendering.notes;
        let paths: Vec<&str> = scoped.iter().map(|s| s.path.as_str()).collect();
        // db is off by its condition, cache by its only tag; loose is listed by no dependency
        // and renders under its own name.
        assert_eq!(
            paths,
            [
                "umbrella",
                "umbrella/charts/graphql",
                "umbrella/charts/loose"
            ]
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("dependency `absent` is enabled but not in charts/"));
        assert!(notes[0].ends_with("the chart's own are"));
        let graphql = &scoped[1].values;
        let tag = graphql.path(&["image", "tag"]).unwrap();
        assert_eq!(tag.as_str(), Some("2.0"));
        assert_eq!(
            graphql.path(&["image", "repository"]).unwrap().as_str(),
            Some("api")
        );
        // The parent's global wins over the subchart's own.
        assert_eq!(
            graphql.path(&["global", "registry"]).unwrap().as_str(),
            Some("r.example")
        );
        assert_eq!(
            chart_name(scoped[1].chart, &scoped[1].name).as_str(),
            Some("graphql")
        );
    }
}
