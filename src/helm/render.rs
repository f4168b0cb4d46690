//! Rendering a chart as `helm template` does: values coalesced down the chart tree, the
//! dependencies `condition` / `tags` enable, the builtin objects (`.Release`, `.Chart`,
//! `.Capabilities`, `.Template`, `.Files`, `.Values`), then every template executed.
//!
//! Follows Helm 3's `pkg/chartutil/dependencies.go` (which subcharts render), `coalesce.go`
//! (values) and `pkg/engine/engine.go` (template names, the dot of each template).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::chart::{Chart, TemplateFile};
use super::template::watch::{self, Read, Watched};
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
/// dependency off instead makes charts `require` an external service's settings. Each round
/// executes again only the templates that read a value map the new stand-ins change.
pub fn render(chart: &Chart, user: &Value, limits: Limits) -> Rendering {
    render_rounds(chart, user, limits, Reuse::Fresh).0
}

/// [`render`] with every template executed in every round: what `render` must give, for tests
/// and benchmarks.
pub fn render_without_reuse(chart: &Chart, user: &Value, limits: Limits) -> Rendering {
    render_rounds(chart, user, limits, Reuse::None).0
}

/// Which results of a round the next one keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reuse {
    /// Those of templates that read nothing the new stand-ins change.
    Fresh,
    /// None.
    None,
}

/// The rounds of [`render`], and how many templates they executed.
fn render_rounds(chart: &Chart, user: &Value, limits: Limits, reuse: Reuse) -> (Rendering, usize) {
    let mut stand_ins: BTreeSet<(PathBuf, String)> = BTreeSet::new();
    let mut parsed = ParsedFiles::new();
    let mut carry = Carry::default();
    for _ in 0..MAX_STAND_IN_ROUNDS {
        let rendering = render_with(chart, user, limits, &stand_ins, &mut parsed, &mut carry);
        let mut added = Vec::new();
        for failed in rendering
            .templates
            .iter()
            .filter_map(|t| t.result.as_ref().err())
        {
            let action = action_text(chart, failed.at).unwrap_or_default();
            for missing in &rendering.missing {
                for path in values_read(&action, &missing.name) {
                    let stand_in = (missing.chart.clone(), path);
                    if stand_ins.insert(stand_in.clone()) {
                        added.push(stand_in);
                    }
                }
            }
        }
        if added.is_empty() {
            return (rendering, carry.executed);
        }
        carry.keep(rendering, &added);
        if reuse == Reuse::None {
            carry.done.clear();
        }
    }
    let rendering = render_with(chart, user, limits, &stand_ins, &mut parsed, &mut carry);
    (rendering, carry.executed)
}

/// The watched maps (by id) an execution read, and how.
type Reads = Vec<(u32, Read)>;

/// What one round of [`render`] leaves for the next: each template's result with the watched
/// value maps its execution read, and which reads the next round's stand-ins make stale.
///
/// The maps watched are those stand-ins can change: the values of each chart with a missing
/// dependency, and every map under the dependency's key. A stand-in sets one key of the
/// deepest map on its path that exists, which changes that key's entry, that map's entries as a
/// whole, and how deeply it and every map above it nest; everything else in the values is as it
/// was. A template that read none of those renders as it did, so its result is kept.
#[derive(Default)]
struct Carry {
    /// Each watched map's id, by chart directory and value path (`""` for the chart's values).
    ids: HashMap<(PathBuf, String), u32>,
    /// Per template (Helm's name): its result and the reads of the execution that gave it.
    done: HashMap<String, (Result<Output, TemplateError>, Reads)>,
    /// The reads the new stand-ins change: a kept result with one of them executes again.
    stale: HashSet<(u32, Read)>,
    /// The last round's charts (Helm paths) and missing dependencies: when they differ, so may
    /// the templates a name calls, and every template executes again.
    tree: Vec<String>,
    /// The last round's values of each chart with a missing dependency.
    values: Vec<(PathBuf, Value)>,
    /// The reads of each template executed in the current round, by name.
    reads: HashMap<String, Reads>,
    /// Templates executed in all rounds so far.
    executed: usize,
}

impl Carry {
    fn id(&mut self, dir: &Path, path: &str) -> u32 {
        let next = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        *self
            .ids
            .entry((dir.to_path_buf(), path.to_string()))
            .or_insert(next)
    }

    /// Keep a round's results, and mark stale the reads that `added` (the stand-ins the next
    /// round renders with first) change.
    fn keep(&mut self, rendering: Rendering, added: &[(PathBuf, String)]) {
        // Every template of the round has its reads here: executed ones added them, kept ones
        // moved theirs here in `take_fresh`.
        let mut reads = std::mem::take(&mut self.reads);
        self.done.clear();
        for rendered in rendering.templates {
            let read = reads.remove(&rendered.name).unwrap_or_default();
            self.done.insert(rendered.name, (rendered.result, read));
        }
        let mut stale = HashSet::new();
        let values = std::mem::take(&mut self.values);
        for (dir, path) in added {
            for (_, values) in values.iter().filter(|(d, _)| d == dir) {
                let (changed, key) = deepest_map(values, path);
                let id = self.id(dir, &changed.join("."));
                stale.insert((id, Read::Entries));
                stale.insert((id, Read::Key(key.into())));
                for end in 0..=changed.len() {
                    stale.insert((self.id(dir, &changed[..end].join(".")), Read::Depth));
                }
            }
        }
        self.stale = stale;
        self.values = values;
    }

    /// The kept result of `name`, when no read of its execution is stale.
    fn take_fresh(&mut self, name: &str) -> Option<Result<Output, TemplateError>> {
        let (_, reads) = self.done.get(name)?;
        if reads.iter().any(|read| self.stale.contains(read)) {
            return None;
        }
        let (result, reads) = self.done.remove(name)?;
        self.reads.insert(name.to_string(), reads);
        Some(result)
    }
}

/// The deepest map on the dotted `path` in `values` that exists (`values` itself is the empty
/// path), and the key of it that a value set at `path` sets.
fn deepest_map<'p>(values: &Value, path: &'p str) -> (Vec<&'p str>, &'p str) {
    let keys: Vec<&str> = path.split('.').filter(|k| !k.is_empty()).collect();
    let mut at = values;
    let mut deepest = Vec::new();
    for key in keys.iter().take(keys.len().saturating_sub(1)) {
        match at.get(key).filter(|v| values::is_map(v)) {
            Some(inner) => {
                deepest.push(*key);
                at = inner;
            }
            None => break,
        }
    }
    let key = keys.get(deepest.len()).copied().unwrap_or_default();
    (deepest, key)
}

/// Watch `value` and every map under it (by map keys) as `path` of chart `dir`.
fn watch_maps(carry: &mut Carry, watched: &mut Watched, dir: &Path, path: String, value: &Value) {
    let mut pending = vec![(path, value)];
    while let Some((path, value)) = pending.pop() {
        let Some(entries) = value.as_map() else {
            continue;
        };
        watched.insert(value, carry.id(dir, &path));
        for (key, inner) in entries {
            let inner_path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            pending.push((inner_path, inner));
        }
    }
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
    carry: &mut Carry,
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
    let tree: Vec<String> = scoped
        .iter()
        .map(|chart| chart.path.clone())
        .chain(
            (rendering.missing.iter())
                .map(|missing| format!("{}\0{}", missing.chart.display(), missing.name)),
        )
        .collect();
    if tree != carry.tree {
        carry.done.clear();
        carry.tree = tree;
    }
    let mut watched = Watched::default();
    carry.values.clear();
    for chart in &scoped {
        let dir = &chart.chart.dir;
        let names: Vec<&str> = (rendering.missing.iter())
            .filter(|missing| missing.chart == *dir)
            .map(|missing| missing.name.as_str())
            .collect();
        if names.is_empty() {
            continue;
        }
        watched.insert(&chart.values, carry.id(dir, ""));
        for name in names {
            if let Some(value) = chart.values.get(name) {
                watch_maps(carry, &mut watched, dir, name.to_string(), value);
            }
        }
        carry.values.push((dir.clone(), chart.values.clone()));
    }
    let watched = (!watched.is_empty()).then(|| Arc::new(watched));
    // Templates are parsed in the first round and kept for the next: in parallel, since a
    // large chart's templates take about as long to parse as to execute. A chart used under
    // two aliases lists the same files twice; each is parsed once.
    let mut seen = HashSet::new();
    let unparsed: Vec<&TemplateFile> = (scoped.iter())
        .flat_map(|chart| &chart.chart.templates)
        .filter(|template| !parsed.contains_key(&template.file) && seen.insert(template.file))
        .collect();
    parsed.extend(
        unparsed
            .into_par_iter()
            .with_max_len(1)
            .map(|template| {
                (
                    template.file,
                    ParsedFile::parse(template.file, &template.text),
                )
            })
            .collect::<Vec<_>>(),
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
    // Each chart's objects (`.Chart`, `.Values`, `.Files`, …) with its subcharts' under
    // `.Subcharts` by their scoped names (Helm 3.7: `include "db.fullname" .Subcharts.db`):
    // built from the deepest charts up.
    let mut bases: HashMap<&str, Value> = HashMap::new();
    let mut deepest_first: Vec<&Scoped> = scoped.iter().collect();
    deepest_first.sort_by_key(|c| std::cmp::Reverse(c.path.matches("/charts/").count()));
    for chart in deepest_first {
        let mut metadata = chart.chart.metadata.as_map().cloned().unwrap_or_default();
        metadata.insert("Name".into(), chart_name(chart.chart, &chart.name));
        metadata.insert("IsRoot".into(), Value::bool(!chart.path.contains('/')));
        let prefix = format!("{}/charts/", chart.path);
        let subcharts: BTreeMap<String, Value> = (scoped.iter())
            .filter(|c| (c.path.strip_prefix(&prefix)).is_some_and(|rest| !rest.contains('/')))
            .filter_map(|c| Some((c.name.clone(), bases.get(c.path.as_str())?.clone())))
            .collect();
        let base = Value::map_from([
            ("Values", chart.values.clone()),
            ("Chart", Value::map(metadata)),
            ("Release", release.clone()),
            ("Capabilities", capabilities.clone()),
            ("Files", Value::files(chart.chart.files.clone())),
            ("Subcharts", Value::map(subcharts)),
        ]);
        bases.insert(chart.path.as_str(), base);
    }
    for chart in &scoped {
        let base = bases
            .get(chart.path.as_str())
            .and_then(Value::as_map)
            .cloned()
            .unwrap_or_default();
        for template in chart.chart.templates.iter().filter(|t| t.is_rendered()) {
            let name = template_name(&chart.path, template);
            if rendering
                .parse_errors
                .iter()
                .any(|(f, _, _)| *f == template.file)
            {
                continue;
            }
            let mut dot = base.clone();
            dot.insert(
                "Template".into(),
                Value::map_from([
                    ("Name", Value::string(name.as_str())),
                    (
                        "BasePath",
                        Value::string(format!("{}/templates", chart.path).as_str()),
                    ),
                ]),
            );
            tasks.push((name, template.file, Value::map(dot)));
        }
    }
    let mut kept = Vec::new();
    tasks.retain(|(name, file, _)| match carry.take_fresh(name) {
        Some(result) => {
            kept.push(Rendered {
                name: name.clone(),
                file: *file,
                result,
            });
            false
        }
        None => true,
    });
    let executed: Vec<(Rendered, Reads)> = tasks
        .into_par_iter()
        .with_max_len(1)
        .map(|(name, file, dot)| {
            let (result, reads) = match &watched {
                Some(watched) => watch::observe(watched, || set.render(&name, &dot)),
                None => (set.render(&name, &dot), Vec::new()),
            };
            (Rendered { name, file, result }, reads)
        })
        .collect();
    carry.executed += executed.len();
    for (rendered, reads) in executed {
        carry.reads.insert(rendered.name.clone(), reads);
        kept.push(rendered);
    }
    rendering.templates = kept;
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
                let packaged = (chart.packaged.iter()).find(|(name, _)| *name == dependency.name);
                let (why, fix) = match packaged {
                    Some((_, file)) => (
                        format!("is packaged as charts/{file}, which adminlint does not read"),
                        "unpack it into charts/ to have them rendered",
                    ),
                    None => (
                        "is enabled but not in charts/".to_string(),
                        "run `helm dependency build`",
                    ),
                };
                rendering.notes.push(format!(
                    "{}: dependency `{}` {why} ({fix}); its templates are not rendered, the \
                     chart's own are{rendered_as}",
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
    fn subcharts_objects_are_under_subcharts_by_their_scoped_names() {
        let mut source = MemorySource::new(&[
            (
                "p/Chart.yaml",
                "name: p\nversion: 1.0.0\ndependencies:\n  - name: child\n    alias: sa\n",
            ),
            ("p/values.yaml", "sa: {suffix: worker}\n"),
            (
                "p/templates/cm.yaml",
                "kind: ConfigMap\nmetadata:\n  name: {{ include \"child.fullname\" .Subcharts.sa }}\ndata:\n  chart: {{ .Subcharts.sa.Chart.Name }}\n  root: {{ .Subcharts.sa.Chart.IsRoot }}\n",
            ),
            ("p/charts/child/Chart.yaml", "name: child\nversion: 0.1.0\n"),
            ("p/charts/child/values.yaml", "suffix: default\n"),
            (
                "p/charts/child/templates/_helpers.tpl",
                "{{- define \"child.fullname\" -}}{{ .Release.Name }}-{{ .Values.suffix }}{{- end -}}\n",
            ),
        ]);
        let chart = chart::load(Path::new("p"), &mut source).unwrap();
        let rendering = render(&chart, &Value::map(BTreeMap::new()), Limits::default());
        let cm = (rendering.templates.iter())
            .find(|t| t.name == "p/templates/cm.yaml")
            .unwrap();
        let text = &cm.result.as_ref().unwrap().text;
        assert!(text.contains("name: release-name-worker"), "{text}");
        assert!(text.contains("chart: sa"), "{text}");
        assert!(text.contains("root: false"), "{text}");
    }

    #[test]
    fn a_packaged_dependency_is_named_in_its_note_and_an_unknown_package_has_its_own() {
        let mut source = MemorySource::new(&[
            (
                "p/Chart.yaml",
                "name: p\nversion: 1.0.0\ndependencies:\n  - name: postgresql\n  - name: redis\n    condition: redis.enabled\n",
            ),
            ("p/values.yaml", "redis: {enabled: false}\n"),
            ("p/templates/cm.yaml", "kind: ConfigMap\n"),
            ("p/charts/postgresql-12.1.6.tgz", "not read"),
            ("p/charts/redis-17.0.0.tgz", "not read"),
            ("p/charts/extra-1.0.0.tgz", "not read"),
        ]);
        let chart = chart::load(Path::new("p"), &mut source).unwrap();
        assert_eq!(
            chart.packaged,
            [
                (
                    "postgresql".to_string(),
                    "postgresql-12.1.6.tgz".to_string()
                ),
                ("redis".to_string(), "redis-17.0.0.tgz".to_string())
            ]
        );
        // A package no dependency names is rendered by Helm as it is: its own note.
        assert_eq!(chart.notes.len(), 1, "{:?}", chart.notes);
        assert!(chart.notes[0].contains("extra-1.0.0.tgz: packaged subcharts (.tgz) are not read"));
        let rendering = render(&chart, &Value::map(BTreeMap::new()), Limits::default());
        // redis is off: its package is not mentioned; postgresql is on and packaged.
        assert_eq!(rendering.notes.len(), 1, "{:?}", rendering.notes);
        assert!(
            rendering.notes[0].contains(
                "dependency `postgresql` is packaged as charts/postgresql-12.1.6.tgz, which \
                 adminlint does not read (unpack it into charts/ to have them rendered)"
            ),
            "{}",
            rendering.notes[0]
        );
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

    /// Each template's name and what it rendered (or its error), to compare renderings.
    fn outcomes(rendering: &Rendering) -> Vec<(String, Result<String, String>)> {
        (rendering.templates.iter())
            .map(|t| {
                let result = match &t.result {
                    Ok(output) => Ok(format!("{:?}", output)),
                    Err(error) => Err(format!("{error:?}")),
                };
                (t.name.clone(), result)
            })
            .collect()
    }

    #[test]
    fn stand_in_rounds_execute_again_only_templates_that_read_what_the_stand_ins_change() {
        let mut source = MemorySource::new(&[
            (
                "c/Chart.yaml",
                "name: c\ndependencies:\n  - name: kafka\n  - name: zk\n",
            ),
            (
                "c/values.yaml",
                "kafka:\n  enabled: true\n  other: {x: 1}\nname: app\n",
            ),
            // Fails on its first action in round one and on its second in round two.
            (
                "c/templates/a.yaml",
                "a: {{ .Values.kafka.svc.port }}\nb: {{ .Values.kafka.auth.user }}\n",
            ),
            // Read only keys no stand-in sets: executed once.
            ("c/templates/b.yaml", "x: {{ .Values.kafka.other.x }}\n"),
            ("c/templates/c.yaml", "n: {{ .Values.name }}\n"),
            (
                "c/templates/d.yaml",
                "{{ index .Values.kafka \"enabled\" }}\n",
            ),
            // Read every entry of the map the stand-ins add to: executed in every round.
            ("c/templates/e.yaml", "n: {{ len .Values.kafka }}\n"),
            // Reads the key the first stand-in sets: executed in rounds one and two.
            (
                "c/templates/f.yaml",
                "{{ if .Values.kafka.svc }}svc: yes{{ end }}\n",
            ),
            // A stand-in under a dependency with no values of its own: the chart's values gain
            // a key, which a template reading only another key does not see.
            ("c/templates/g.yaml", "z: {{ .Values.zk.host.name }}\n"),
        ]);
        let chart = chart::load(Path::new("c"), &mut source).unwrap();
        let user = Value::map(BTreeMap::new());
        let (kept, executed) = render_rounds(&chart, &user, Limits::default(), Reuse::Fresh);
        let (full, all) = render_rounds(&chart, &user, Limits::default(), Reuse::None);
        assert_eq!(outcomes(&kept), outcomes(&full));
        // Round one executes all 7; round two a, e, f and g (g read the chart values' key `zk`,
        // which the zk stand-in sets; c read only `name`); round three a and e.
        let texts: Vec<(String, String)> = (kept.templates.iter())
            .map(|t| {
                let text = t.result.as_ref().map(|o| o.text.clone());
                (t.name.clone(), text.unwrap_or_else(|e| e.message.clone()))
            })
            .collect();
        assert_eq!(
            texts,
            [
                (
                    "c/templates/a.yaml".into(),
                    "a: kafka.svc.port\nb: kafka.auth.user\n".into()
                ),
                ("c/templates/b.yaml".into(), "x: 1\n".into()),
                ("c/templates/c.yaml".into(), "n: app\n".into()),
                ("c/templates/d.yaml".into(), "true\n".into()),
                ("c/templates/e.yaml".into(), "n: 4\n".into()),
                ("c/templates/f.yaml".into(), "svc: yes\n".into()),
                ("c/templates/g.yaml".into(), "z: zk.host.name\n".into()),
            ]
        );
        assert_eq!(all, 7 * 3);
        assert_eq!(executed, 7 + 4 + 2, "executed {executed} of {all}");
    }
}
