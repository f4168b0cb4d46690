//! Helm charts in the project: each chart found among the files is rendered in-process (once
//! per values set the configuration names, else with its values.yaml), every template's
//! output parsed and extracted like any manifest, and every span of the facts moved back to
//! the template and values lines that wrote it. Render errors are located findings; the rest
//! of the chart and the project are still checked.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ExtractContext;
use crate::config::{LoadedConfig, ValueSet};
use crate::discover;
use crate::helm::chart::{self, Chart, ChartSource};
use crate::helm::render::{self, Rendering};
use crate::helm::source_map::SourceMap;
use crate::helm::template::{Limits, Output, Value};
use crate::helm::values;
use crate::model::project::{Project, TemplateError};
use crate::model::workload::Workload;
use crate::origin::{Origin, ParameterDefinition, Spanned, Step};
use crate::read;
use crate::source::{SourceFile, Text};
use crate::span::{FileId, Span};
use crate::yaml;

/// What rendering charts needs from the run besides the project.
pub struct HelmOptions<'a> {
    /// Editor buffers by path: they win over the disk.
    pub buffers: &'a BTreeMap<PathBuf, String>,
    /// Buffers of files read only by reference (see `CheckOptions::reference_buffers`).
    pub reference_buffers: &'a BTreeMap<PathBuf, String>,
    /// The size cap for files read from disk; None reads no file (hermetic runs).
    pub read_cap: Option<u64>,
    /// YAML limits for the rendered output and values files.
    pub limits: &'a yaml::Limits,
    /// Template budgets.
    pub template_limits: Limits,
}

/// What rendering charts adds to the run's summary.
#[derive(Debug, Default)]
pub struct ChartsChecked {
    /// YAML documents rendered.
    pub documents: usize,
}

/// The chart directories of the files in the table: the directory of each `Chart.yaml` and
/// of each template's chart, without subcharts of a chart also found (`<chart>/charts/x`),
/// which render as part of their parent.
pub fn chart_roots(files: &[SourceFile]) -> Vec<PathBuf> {
    let mut roots: BTreeSet<PathBuf> = BTreeSet::new();
    for file in files.iter().filter(|f| f.readable) {
        let Some(path) = &file.path else {
            continue;
        };
        if path.file_name().is_some_and(|n| n == "Chart.yaml") {
            if let Some(dir) = discover::absolute_of(file).and_then(Path::parent) {
                roots.insert(dir.to_path_buf());
            }
        } else if let Some(dir) = template_chart(path) {
            roots.insert(discover::absolute(&dir).unwrap_or(dir));
        }
    }
    outermost_charts(roots)
}

/// Chart directories without the subcharts of another one among them (`<chart>/charts/x`),
/// which render as part of their parent.
pub fn outermost_charts(dirs: BTreeSet<PathBuf>) -> Vec<PathBuf> {
    dirs.iter()
        .filter(|dir| {
            !dirs.iter().any(|other| {
                other != *dir
                    && dir
                        .strip_prefix(other)
                        .is_ok_and(|below| below.starts_with("charts"))
            })
        })
        .cloned()
        .collect()
}

/// The chart a template belongs to: the directory above its `templates/` with a Chart.yaml.
pub fn template_chart(path: &Path) -> Option<PathBuf> {
    // Most files are not under a `templates` directory: a byte search rules them out before
    // the walk over their ancestors (this runs for every file of a run, twice).
    if path
        .to_str()
        .is_some_and(|text| !text.contains("templates"))
    {
        return None;
    }
    path.ancestors().skip(1).find_map(|dir| {
        (dir.file_name().is_some_and(|name| name == "templates")
            && dir
                .parent()
                .is_some_and(|chart| chart.join("Chart.yaml").is_file()))
        .then(|| dir.parent().map(Path::to_path_buf))
        .flatten()
    })
}

/// The directories of the subcharts of `chart` (at any depth) that are not under `root`: the
/// dependencies read from elsewhere on disk.
fn outside_subcharts(chart: &Chart, root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending: Vec<&Chart> = chart.subcharts.iter().collect();
    while let Some(sub) = pending.pop() {
        if !sub.dir.starts_with(root) && !out.contains(&sub.dir) {
            out.push(sub.dir.clone());
        }
        pending.extend(&sub.subcharts);
    }
    out
}

/// The run's file table as a chart's files: a file already read (an input, an editor buffer)
/// is used as it is; others are read through the read stage and added to the table.
struct ProjectFiles<'p> {
    files: &'p mut Vec<SourceFile>,
    /// Every file of the table by absolute path, built once for all the charts of a run; ordered
    /// so that the files under a directory are one range.
    by_path: BTreeMap<PathBuf, FileId>,
    options: &'p HelmOptions<'p>,
    /// Files added to the table for the chart being loaded.
    added: Vec<FileId>,
    /// The run's charts (directories holding Chart.yaml).
    roots: &'p [PathBuf],
    /// Their names and versions, read when a missing dependency first asks.
    named: Option<Vec<(String, PathBuf, Option<String>)>>,
}

impl<'p> ProjectFiles<'p> {
    fn new(
        files: &'p mut Vec<SourceFile>,
        options: &'p HelmOptions<'p>,
        roots: &'p [PathBuf],
    ) -> Self {
        let by_path = files
            .iter()
            .filter_map(|f| Some((discover::absolute_of(f)?.to_path_buf(), f.id)))
            .collect();
        ProjectFiles {
            files,
            by_path,
            options,
            added: Vec::new(),
            roots,
            named: None,
        }
    }

    fn buffer(&self, path: &Path) -> Option<&String> {
        self.options.buffers.get(path).or_else(|| {
            self.options
                .buffers
                .iter()
                .chain(self.options.reference_buffers.iter())
                .find(|(p, _)| discover::absolute(p).ok().as_deref() == Some(path))
                .map(|(_, text)| text)
        })
    }

    fn read(&self, path: &Path, max: u64) -> Result<Vec<u8>, String> {
        if let Some(text) = self.buffer(path) {
            return Ok(text.clone().into_bytes());
        }
        let cap = self
            .options
            .read_cap
            .ok_or_else(|| "not read (files are not read from disk in this run)".to_string())?;
        read::read_capped(path, cap.min(max))
            .map(|(bytes, _)| bytes)
            .map_err(|e| e.as_reference())
    }
}

impl ChartSource for ProjectFiles<'_> {
    fn chart_named(&mut self, name: &str) -> Option<(PathBuf, Option<String>)> {
        if self.named.is_none() {
            let mut named = Vec::new();
            for root in self.roots {
                let Ok((_, text)) = self.text(&root.join("Chart.yaml")) else {
                    continue;
                };
                let parsed = yaml::parse(&text, &yaml::Limits::default());
                let Some(top) = parsed.documents.first().and_then(|d| d.root) else {
                    continue;
                };
                let field = |key: &str| {
                    (parsed.tree.get(top, key))
                        .and_then(|n| parsed.tree.str(n))
                        .map(str::to_string)
                };
                if let Some(chart_name) = field("name") {
                    named.push((chart_name, root.clone(), field("version")));
                }
            }
            self.named = Some(named);
        }
        let named = self.named.as_ref()?;
        // Only an unambiguous name: two charts of that name leave the dependency missing.
        let mut matching = named.iter().filter(|(n, _, _)| n == name);
        let (_, dir, version) = matching.next()?;
        matching
            .next()
            .is_none()
            .then(|| (dir.clone(), version.clone()))
    }

    fn list(&mut self, dir: &Path) -> Vec<PathBuf> {
        let mut listed: BTreeSet<PathBuf> = if self.options.read_cap.is_some() {
            read::list_files(dir).into_iter().collect()
        } else {
            BTreeSet::new()
        };
        // Buffers and files of the run under the chart count even when not on disk.
        listed.extend(
            self.by_path
                .range::<Path, _>((Bound::Included(dir), Bound::Unbounded))
                .map(|(path, _)| path)
                .take_while(|path| path.starts_with(dir))
                .cloned(),
        );
        listed.into_iter().collect()
    }

    fn text(&mut self, path: &Path) -> Result<(FileId, Text), String> {
        let path = discover::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let known = self.by_path.get(&path).copied();
        if let Some(id) = known {
            let file = &self.files[id.0 as usize];
            if !file.readable {
                return Err("it could not be read".to_string());
            }
            // An input's text, unless the extract stage dropped it (no facts in it).
            if !file.text.is_empty() {
                return Ok((id, file.text.clone()));
            }
        }
        let cap = self.options.read_cap.unwrap_or(u64::MAX);
        let bytes = self.read(&path, cap)?;
        let text: Text = Arc::new(read::decode(bytes).map_err(|e| e.as_reference())?);
        let id = match known {
            Some(id) => {
                let old = &self.files[id.0 as usize];
                self.files[id.0 as usize] =
                    SourceFile::new(id, old.path.clone(), old.display.clone(), text.clone());
                id
            }
            None => {
                let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
                let display = discover::display_path(&path);
                self.files.push(SourceFile::new(
                    id,
                    Some(path.clone()),
                    display,
                    text.clone(),
                ));
                self.by_path.insert(path, id);
                self.added.push(id);
                id
            }
        };
        Ok((id, text))
    }

    fn bytes(&mut self, path: &Path, max: u64) -> Result<Vec<u8>, String> {
        self.read(path, max)
    }
}

/// Render every chart of `roots` into the project. Returns the files added to the file table
/// (templates and values files not among the inputs), each with the chart directory they
/// belong to, and what was rendered.
pub fn check(
    project: &mut Project,
    roots: &[PathBuf],
    config: &LoadedConfig,
    options: &HelmOptions<'_>,
    notes: &mut Vec<String>,
) -> (Vec<(FileId, PathBuf)>, ChartsChecked) {
    let mut added = Vec::new();
    let mut checked = ChartsChecked::default();
    let mut next_scope = project.workloads.iter().map(|w| w.scope).max().unwrap_or(0) + 1;
    let mut rendered: Vec<Workload> = Vec::new();
    if roots.is_empty() {
        return (added, checked);
    }
    // Charts are loaded one after the other (loading adds their files to the file table), then
    // every rendering is rendered and placed on a task of its own, and the results are joined
    // in chart order: notes come out as if each chart had been done in turn.
    let mut charts: Vec<LoadedChart> = Vec::new();
    {
        let mut source = ProjectFiles::new(&mut project.files, options, roots);
        for root in roots {
            let loaded = chart::load(root, &mut source);
            let chart = match loaded {
                Ok(chart) => chart,
                Err(error) => {
                    added.extend(source.added.drain(..).map(|id| (id, root.clone())));
                    charts.push(LoadedChart {
                        chart: None,
                        notes: vec![format!("{error}; the chart was not rendered")],
                        renderings: Vec::new(),
                        kept: Vec::new(),
                        kept_by: ("", ""),
                        used_kept: false,
                    });
                    continue;
                }
            };
            let notes_here = chart_notes(&chart);
            let configured = configured_sets(root, config);
            let sets = configured
                .clone()
                .unwrap_or_else(|| vec![ValueSet::default()]);
            let several = sets.len() > 1;
            let mut pending = |set: &ValueSet, label: Option<String>| {
                let mut set_notes = Vec::new();
                let user = user_values(&chart, set, &mut source, &mut set_notes);
                next_scope += 1;
                PendingRendering {
                    label,
                    user,
                    scope: next_scope - 1,
                    notes: set_notes,
                }
            };
            // A rendering is named in messages unless it is the chart's values.yaml alone.
            let named = |set: &ValueSet| several || !set.values.is_empty() || !set.set.is_empty();
            let renderings: Vec<PendingRendering> = (sets.iter())
                .map(|set| pending(set, named(set).then(|| set_label(set))))
                .collect();
            // The values the chart keeps, for when it does not render without them.
            let (kept_sets, kept_by) = match configured {
                Some(_) => (Vec::new(), ("", "")),
                None => kept_value_sets(&chart),
            };
            let kept: Vec<PendingRendering> = (kept_sets.iter())
                .map(|set| pending(set, Some(set_label(set))))
                .collect();
            added.extend(source.added.drain(..).map(|id| (id, root.clone())));
            project.template_files.extend(all_templates(&chart));
            for dir in outside_subcharts(&chart, root) {
                project.chart_dependency_dirs.push((root.clone(), dir));
            }
            project.charts.push((
                discover::display_path(root),
                sets.iter().map(set_label).collect(),
            ));
            charts.push(LoadedChart {
                chart: Some(chart),
                notes: notes_here,
                renderings,
                kept,
                kept_by,
                used_kept: false,
            });
        }
    }
    crate::timings::lap("assemble: helm: load");
    let files = &project.files;
    let render_all = |chart: &Chart, renderings: &[PendingRendering]| -> Vec<Placed> {
        use rayon::prelude::*;
        renderings
            .par_iter()
            .map(|pending| {
                let rendering = render::render(chart, &pending.user, options.template_limits);
                let mut out = Placed {
                    wants_values: values_wanted(&rendering),
                    ..Placed::default()
                };
                out.documents = place(
                    files,
                    rendering,
                    pending.label.as_deref(),
                    pending.scope,
                    &config.config.kinds,
                    options.limits,
                    &mut out.workloads,
                    &mut out.errors,
                    &mut out.notes,
                );
                out
            })
            .collect()
    };
    let placed: Vec<Vec<Placed>> = {
        use rayon::prelude::*;
        charts
            .par_iter_mut()
            .map(|loaded| {
                let Some(chart) = &loaded.chart else {
                    return Vec::new();
                };
                let placed = render_all(chart, &loaded.renderings);
                let [default] = placed.as_slice() else {
                    return placed;
                };
                if default.wants_values.is_empty() || loaded.kept.is_empty() {
                    return placed;
                }
                // Without the values its deployment gives (`required`, `fail`), the chart
                // renders with the values files it keeps (chart-testing's `ci/*-values.yaml`, as
                // `ct lint` does); those that `required` or `fail` stop too are left out.
                let (kept_placed, renderings): (Vec<Placed>, Vec<PendingRendering>) =
                    render_all(chart, &loaded.kept)
                        .into_iter()
                        .zip(std::mem::take(&mut loaded.kept))
                        .filter(|(placed, _)| placed.wants_values.is_empty())
                        .unzip();
                if kept_placed.is_empty() {
                    return placed;
                }
                let used: Vec<&str> = (renderings.iter())
                    .filter_map(|t| t.label.as_deref())
                    .collect();
                let (before, after) = loaded.kept_by;
                loaded.notes.push(format!(
                    "{}: Helm chart `{}` does not render with its values.yaml alone ({}); \
                     rendered with {before}{}{after} instead; name the values it is deployed \
                     with under `helm: charts:` in .adminlint.yaml",
                    discover::display_path(&chart.dir.join("Chart.yaml")),
                    chart.name,
                    default.wants_values.join("; "),
                    used.join(", ")
                ));
                loaded.renderings = renderings;
                loaded.used_kept = true;
                kept_placed
            })
            .collect()
    };
    for (loaded, placed) in charts.into_iter().zip(placed) {
        if loaded.used_kept
            && let Some(chart) = &loaded.chart
            && let Some(entry) =
                (project.charts.iter_mut()).rfind(|(c, _)| *c == discover::display_path(&chart.dir))
        {
            entry.1 = (loaded.renderings.iter())
                .filter_map(|r| r.label.clone())
                .collect();
        }
        notes.extend(loaded.notes);
        for (pending, placed) in loaded.renderings.into_iter().zip(placed) {
            notes.extend(pending.notes);
            notes.extend(placed.notes);
            checked.documents += placed.documents;
            rendered.extend(placed.workloads);
            project.template_errors.extend(placed.errors);
        }
    }
    mark_sole_uses(&mut rendered);
    project.workloads.extend(rendered);
    (added, checked)
}

/// A chart loaded (None: it could not be), with its notes and the renderings its value sets
/// ask for.
struct LoadedChart {
    chart: Option<Chart>,
    notes: Vec<String>,
    renderings: Vec<PendingRendering>,
    /// One rendering per values file the chart keeps (chart-testing's `ci/*-values.yaml`, else
    /// those beside values.yaml), made only when the chart has no configured sets and does not
    /// render with its values.yaml alone.
    kept: Vec<PendingRendering>,
    /// Whose those values files are, for the note: the words before and after their names.
    kept_by: (&'static str, &'static str),
    /// True when `renderings` are the kept ones.
    used_kept: bool,
}

/// One rendering to make: its value set's label (unless it is values.yaml alone), the user's
/// values, its scope, and the notes reading the values left.
struct PendingRendering {
    label: Option<String>,
    user: Value,
    scope: usize,
    notes: Vec<String>,
}

/// What placing one rendering made.
#[derive(Default)]
struct Placed {
    /// The messages of `required` and `fail` that stopped templates: values the deployment
    /// must give.
    wants_values: Vec<String>,
    documents: usize,
    workloads: Vec<Workload>,
    errors: Vec<TemplateError>,
    notes: Vec<String>,
}

/// The template files of a chart and its subcharts.
fn all_templates(chart: &Chart) -> Vec<FileId> {
    let mut out: Vec<FileId> = chart.templates.iter().map(|t| t.file).collect();
    for sub in &chart.subcharts {
        out.extend(all_templates(sub));
    }
    out
}

/// The notes of a chart and its subcharts.
fn chart_notes(chart: &Chart) -> Vec<String> {
    let mut out = chart.notes.clone();
    for sub in &chart.subcharts {
        out.extend(chart_notes(sub));
    }
    out
}

/// The value sets the configuration names for the chart in `root`, if it names any.
fn configured_sets(root: &Path, config: &LoadedConfig) -> Option<Vec<ValueSet>> {
    let base = discover::absolute(&config.root).unwrap_or_else(|_| config.root.clone());
    let configured = config.config.helm.charts.iter().find(|(dir, _)| {
        let dir = base.join(dir.trim_end_matches('/'));
        std::path::absolute(&dir).ok().as_deref() == Some(root)
    });
    match configured {
        Some((_, sets)) if !sets.sets().is_empty() => Some(sets.sets().to_vec()),
        _ => None,
    }
}

/// The value sets a chart keeps for rendering it, one per file in name order, and whose they
/// are: chart-testing's `ci/*-values.yaml` (`ct lint` and `ct install` render the chart once
/// with each, instead of with values.yaml alone), else the values files beside values.yaml
/// (`dev-values.yaml`, `values-prod.yaml`, `values.lint.yaml`: what its own CI or deployment
/// passes with `-f`).
fn kept_value_sets(chart: &Chart) -> (Vec<ValueSet>, (&'static str, &'static str)) {
    let paths: Vec<&str> = chart.files.iter().map(|(path, _)| path).collect();
    let sets = |filter: &dyn Fn(&str) -> bool| -> Vec<ValueSet> {
        (paths.iter().copied())
            .filter(|path| filter(path))
            .map(|path| ValueSet {
                values: vec![path.to_string()],
                ..ValueSet::default()
            })
            .collect()
    };
    let chart_testing = sets(&|path| {
        path.strip_prefix("ci/")
            .is_some_and(|name| !name.contains('/') && name.ends_with("-values.yaml"))
    });
    if !chart_testing.is_empty() {
        return (chart_testing, ("chart-testing's ", ""));
    }
    let beside = sets(&|path| {
        let Some(stem) = (path.strip_suffix(".yaml"))
            .or_else(|| path.strip_suffix(".yml"))
            .filter(|stem| !stem.contains('/'))
        else {
            return false;
        };
        stem != "values"
            && (stem.ends_with("-values")
                || stem.ends_with("_values")
                || stem.starts_with("values-")
                || stem.starts_with("values_")
                || stem.starts_with("values."))
    });
    (beside, ("", ", kept beside values.yaml,"))
}

/// The messages of the `required` and `fail` calls that stopped templates of a rendering.
fn values_wanted(rendering: &Rendering) -> Vec<String> {
    use crate::helm::template::TemplateErrorKind;
    let mut wanted: Vec<String> = (rendering.templates.iter())
        .filter_map(|t| t.result.as_ref().err())
        .filter(|e| {
            matches!(
                e.kind,
                TemplateErrorKind::Required | TemplateErrorKind::Fail
            )
        })
        .map(|e| e.message.clone())
        .collect();
    wanted.sort();
    wanted.dedup();
    wanted
}

/// How a rendering is named in messages and scope titles.
fn set_label(set: &ValueSet) -> String {
    let mut parts: Vec<String> = set.values.clone();
    parts.extend(set.set.keys().map(|k| format!("{k}=…")));
    if parts.is_empty() {
        "values.yaml".to_string()
    } else {
        parts.join(", ")
    }
}

/// The user's values of one set: its files merged in order, then its `set` entries.
fn user_values(
    chart: &Chart,
    set: &ValueSet,
    source: &mut ProjectFiles<'_>,
    notes: &mut Vec<String>,
) -> Value {
    let mut user = Value::map(BTreeMap::new());
    for name in &set.values {
        let path = chart.dir.join(name);
        let read = source
            .text(&path)
            .and_then(|(file, text)| chart::read_values(&text, file));
        match read {
            Ok(values) => user = values::merge_user(&user, &values),
            Err(error) => notes.push(format!(
                "{}: values file not used: {error}",
                discover::display_path(&path)
            )),
        }
    }
    for (path, value) in &set.set {
        user = values::set_path(&user, path, json_value(value));
    }
    user
}

/// A `set:` entry's value as a template value.
fn json_value(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::nil(),
        serde_json::Value::Bool(b) => Value::bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::int(i),
            None => Value::float(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => Value::string(s.as_str()),
        serde_json::Value::Array(items) => Value::list(items.iter().map(json_value).collect()),
        serde_json::Value::Object(map) => Value::map(
            map.iter()
                .map(|(k, v)| (k.clone(), json_value(v)))
                .collect(),
        ),
    }
}

/// Parse and extract each rendered template, map the facts back, and record render errors.
/// Returns the number of documents rendered.
#[allow(clippy::too_many_arguments)]
fn place(
    files: &[SourceFile],
    rendering: Rendering,
    label: Option<&str>,
    scope: usize,
    kinds: &[crate::config::CustomKind],
    limits: &yaml::Limits,
    out: &mut Vec<Workload>,
    errors: &mut Vec<TemplateError>,
    notes: &mut Vec<String>,
) -> usize {
    notes.extend(rendering.notes);
    let missing: Vec<String> = rendering
        .missing
        .iter()
        .map(|m| format!("`{}`", m.name))
        .collect();
    let error = |span: Span, message: String, template: String| TemplateError {
        span,
        message,
        template,
        values_set: label.map(str::to_string),
    };
    for (_, name, parse_error) in rendering.parse_errors {
        errors.push(error(parse_error.at, parse_error.message, name));
    }
    // Each template's output is parsed and its facts placed on a task of its own (a large
    // chart writes megabytes); the results are joined in template order.
    use rayon::prelude::*;
    let placed: Vec<PlacedTemplate> = rendering
        .templates
        .into_par_iter()
        .with_max_len(1)
        .map(|template| {
            let mut placed = PlacedTemplate::default();
            let output = match template.result {
                Ok(output) => output,
                // A helper of a dependency that is not vendored (a library chart such as
                // bitnami's `common`): the chart is fine, its dependencies were not built.
                Err(failure)
                    if !missing.is_empty() && failure.message.starts_with("no template ") =>
                {
                    placed.note = Some(format!(
                        "{}: not rendered: {}; dependencies not in charts/ ({}) may define it",
                        template.name,
                        failure.message,
                        missing.join(", ")
                    ));
                    return placed;
                }
                // A value a missing dependency's defaults would give, passed to a helper
                // (`dict "imageRoot" .Values.postgresql.image`): what stand-ins cannot reach.
                Err(failure)
                    if !missing.is_empty() && failure.message.starts_with("nil pointer ") =>
                {
                    placed.note = Some(format!(
                        "{}: not rendered: {}; dependencies not in charts/ ({}) may provide the \
                         value",
                        template.name,
                        failure.message,
                        missing.join(", ")
                    ));
                    return placed;
                }
                Err(failure) => {
                    placed
                        .errors
                        .push(error(failure.at, failure.message, template.name));
                    return placed;
                }
            };
            if output.text.trim().is_empty() {
                return placed;
            }
            let map = SourceMap::new(&output);
            let parsed = yaml::parse(&output.text, limits);
            placed.documents = parsed.documents.len();
            for syntax in &parsed.errors {
                let at = map.map(Span::new(template.file, syntax.offset, syntax.offset));
                placed.errors.push(error(
                    at,
                    format!("the rendered output is not valid YAML: {}", syntax.message),
                    template.name.clone(),
                ));
            }
            if parsed.tree.budget_exhausted() {
                return placed;
            }
            let context = ExtractContext {
                file: template.file,
                text: &output.text,
                kinds,
            };
            for document in &parsed.documents {
                for workload in super::extract(&parsed.tree, document, &context).workloads {
                    let mut workload = mapped(
                        workload,
                        template.file,
                        &map,
                        &output,
                        files,
                        &template.name,
                    );
                    workload.provenance.push(Step::HelmTemplate {
                        source: template.name.clone(),
                    });
                    workload.scope = scope;
                    workload.overlay = label.map(|l| format!("Helm values {l}"));
                    placed.workloads.push(workload);
                }
            }
            placed
        })
        .collect();
    let mut documents = 0;
    for template in placed {
        documents += template.documents;
        notes.extend(template.note);
        errors.extend(template.errors);
        out.extend(template.workloads);
    }
    documents
}

/// What placing one rendered template made.
#[derive(Default)]
struct PlacedTemplate {
    documents: usize,
    workloads: Vec<Workload>,
    errors: Vec<TemplateError>,
    note: Option<String>,
}

/// A workload extracted from rendered text, with every span moved back to the templates
/// (an encode / decode round trip through the fact cache's format reaches every span, origins
/// included), and the values each container fact printed as origin steps.
fn mapped(
    workload: Workload,
    file: FileId,
    map: &SourceMap,
    output: &Output,
    files: &[SourceFile],
    template: &str,
) -> Workload {
    let steps = fact_steps(&workload, map, output, files, template);
    let encoded = postcard::to_allocvec(&workload).unwrap_or_default();
    let spans = map.clone();
    let decoded: Option<Workload> = crate::span::decoding_mapped(
        file,
        move |span| spans.map(span),
        || postcard::from_bytes(&encoded).ok(),
    );
    let mut workload = decoded.unwrap_or(workload);
    workload.file = file;
    for (index, steps) in steps.into_iter().enumerate() {
        let Some(container) = workload.containers.get_mut(index) else {
            continue;
        };
        let ContainerSteps {
            image,
            command,
            args,
            working_dir,
        } = steps;
        if let Some(spanned) = &mut container.image {
            push_all(&mut spanned.origin, image);
        }
        for (word, steps) in container.command.iter_mut().flatten().zip(command) {
            push_all(&mut word.origin, steps);
        }
        for (word, steps) in container.args.iter_mut().flatten().zip(args) {
            push_all(&mut word.origin, steps);
        }
        if let Some(spanned) = &mut container.working_dir {
            push_all(&mut spanned.origin, working_dir);
        }
    }
    workload
}

fn push_all(origin: &mut Origin, steps: Vec<Step>) {
    for step in steps {
        origin.push(step);
    }
}

/// The steps of each fact of one container that rules fix or compare.
#[derive(Default)]
struct ContainerSteps {
    image: Vec<Step>,
    command: Vec<Vec<Step>>,
    args: Vec<Vec<Step>>,
    working_dir: Vec<Step>,
}

/// The origin steps of each container's facts, from their spans in the rendered text.
fn fact_steps(
    workload: &Workload,
    map: &SourceMap,
    output: &Output,
    files: &[SourceFile],
    template: &str,
) -> Vec<ContainerSteps> {
    let steps = |field: &str, span: Span| fact_origin(field, span, map, output, files, template);
    workload
        .containers
        .iter()
        .map(|container| ContainerSteps {
            image: container
                .image
                .as_ref()
                .map(|i| steps("image", i.span))
                .unwrap_or_default(),
            command: words(&container.command, |s| steps("command", s)),
            args: words(&container.args, |s| steps("argument", s)),
            working_dir: container
                .working_dir
                .as_ref()
                .map(|w| steps("working directory", w.span))
                .unwrap_or_default(),
        })
        .collect()
}

fn words(
    words: &Option<Vec<Spanned<String>>>,
    mut steps: impl FnMut(Span) -> Vec<Step>,
) -> Vec<Vec<Step>> {
    words
        .iter()
        .flatten()
        .map(|word| steps(word.span))
        .collect()
}

/// How a fact at `span` of the rendered text was written: a `HelmValue` step for each values
/// node printed into it, and a `HelmTemplate` step when it is not literal text of the template
/// (an edit of its mapped span would overwrite template actions).
fn fact_origin(
    field: &str,
    span: Span,
    map: &SourceMap,
    output: &Output,
    files: &[SourceFile],
    template: &str,
) -> Vec<Step> {
    let (start, end) = unquoted(&output.text, span);
    let pieces = map.pieces(start, end);
    let mut steps = Vec::new();
    let literal = matches!(pieces, [piece] if piece.verbatim && piece.at == piece.top);
    let mut values: Vec<Span> = pieces.iter().filter_map(|p| p.value).collect();
    values.dedup();
    for value in values {
        let Some(SourceFile { text, display, .. }) = files.get(value.file.0 as usize) else {
            continue;
        };
        let Some(written) = text.get(value.range()) else {
            continue;
        };
        let line = key_line(text, value);
        let shown = text
            .get(line.range())
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        let carrying: Vec<_> = pieces.iter().filter(|p| p.value == Some(value)).collect();
        let around = match carrying.as_slice() {
            [piece] => {
                let before = output.text.get(start as usize..piece.out.start as usize);
                let after = output.text.get(piece.out.end as usize..end as usize);
                before
                    .zip(after)
                    .map(|(b, a)| (b.to_string(), a.to_string()))
            }
            _ => None,
        };
        let block = written.starts_with(['|', '>']);
        steps.push(Step::HelmValue {
            field: field.to_string(),
            file: display.clone(),
            shown,
            definition: ParameterDefinition {
                value: written.trim_matches(['"', '\'']).to_string(),
                line,
                value_span: (!block).then_some(value),
                around,
                // Decided once every rendering is placed (`mark_sole_uses`).
                sole_use: true,
            },
        });
    }
    if !literal {
        steps.push(Step::HelmTemplate {
            source: template.to_string(),
        });
    }
    steps
}

/// The bytes of a scalar's value inside its node (quotes left out).
fn unquoted(text: &str, span: Span) -> (u32, u32) {
    let written = text.get(span.range()).unwrap_or_default();
    if written.len() >= 2 && (written.starts_with('"') || written.starts_with('\'')) {
        (span.start + 1, span.end - 1)
    } else {
        (span.start, span.end)
    }
}

/// The `key: value` pair a value node is the value of: from the first non-blank byte of the
/// node's line to the node's end.
fn key_line(text: &str, value: Span) -> Span {
    let line_start = text[..value.start as usize]
        .rfind('\n')
        .map_or(0, |n| n + 1);
    let indent = text[line_start..value.start as usize]
        .bytes()
        .take_while(|b| *b == b' ' || *b == b'-')
        .count();
    Span::new(value.file, line_start + indent, value.end as usize)
}

/// A values node printed into more than one fact (two templates, or the Job's and the app's
/// images) is not this fact's alone: editing it there changes the others.
fn mark_sole_uses(workloads: &mut [Workload]) {
    let mut uses: HashMap<Span, BTreeSet<Span>> = HashMap::new();
    let mut visit = |workloads: &mut [Workload], record: bool| {
        for workload in workloads.iter_mut() {
            for container in &mut workload.containers {
                let facts = container
                    .image
                    .iter_mut()
                    .map(|i| (i.span, &mut i.origin))
                    .chain(
                        container
                            .command
                            .iter_mut()
                            .flatten()
                            .chain(container.args.iter_mut().flatten())
                            .chain(container.working_dir.iter_mut())
                            .map(|w| (w.span, &mut w.origin)),
                    );
                for (at, origin) in facts {
                    let mut steps: Vec<Step> = origin.via().to_vec();
                    for step in &mut steps {
                        if let Step::HelmValue { definition, .. } = step
                            && let Some(value) = definition.value_span
                        {
                            if record {
                                uses.entry(value).or_default().insert(at);
                            } else {
                                definition.sole_use = uses.get(&value).is_none_or(|u| u.len() < 2);
                            }
                        }
                    }
                    if !record {
                        let mut rebuilt = Origin::DIRECT;
                        rebuilt.set_written(origin.written(at), at);
                        for step in steps {
                            rebuilt.push(step);
                        }
                        *origin = rebuilt;
                    }
                }
            }
        }
    };
    visit(workloads, true);
    visit(workloads, false);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::render::Rendered;
    use crate::helm::template::{Piece, TemplateErrorKind};

    const TEMPLATE: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: m\nspec:\n  template:\n    spec:\n      containers:\n        - name: migrate\n          image: \"{{ .Values.repo }}:{{ .Values.tag }}\"\n          args: [\"migrate\"]\n";
    const VALUES: &str = "repo: app\ntag: \"1.0\"\n";

    #[test]
    fn a_template_belongs_to_the_chart_above_its_templates_directory() {
        let dir = tempfile::tempdir().unwrap();
        let chart = dir.path().join("shop");
        std::fs::create_dir_all(chart.join("templates/jobs")).unwrap();
        std::fs::write(chart.join("Chart.yaml"), "name: shop\n").unwrap();
        std::fs::create_dir_all(dir.path().join("loose/templates")).unwrap();
        assert_eq!(
            template_chart(&chart.join("templates/job.yaml")),
            Some(chart.clone())
        );
        assert_eq!(
            template_chart(&chart.join("templates/jobs/migrate.yaml")),
            Some(chart.clone())
        );
        // Not under `templates/`, or under one with no Chart.yaml above it.
        assert_eq!(template_chart(&chart.join("values.yaml")), None);
        assert_eq!(
            template_chart(&dir.path().join("loose/templates/job.yaml")),
            None
        );
    }

    fn span(file: u32, text: &str, needle: &str) -> Span {
        let start = text.find(needle).unwrap();
        Span::new(FileId(file), start, start + needle.len())
    }

    /// The rendering of TEMPLATE by hand: literal text, two actions printing values, literal text.
    fn rendering() -> Rendering {
        let repo_action = span(1, TEMPLATE, "{{ .Values.repo }}");
        let tag_action = span(1, TEMPLATE, "{{ .Values.tag }}");
        let text = TEMPLATE
            .replace("{{ .Values.repo }}", "app")
            .replace("{{ .Values.tag }}", "1.0");
        let image_at = text.find("app:1.0").unwrap() as u32;
        let literal = |out: std::ops::Range<u32>, top: u32| {
            let top = Span::new(
                FileId(1),
                top as usize,
                (top + out.end - out.start) as usize,
            );
            Piece {
                out,
                top,
                at: top,
                verbatim: true,
                value: None,
            }
        };
        let printed = |out: std::ops::Range<u32>, action: Span, value: Span| Piece {
            out,
            top: action,
            at: action,
            verbatim: false,
            value: Some(value),
        };
        let pieces = vec![
            literal(0..image_at, 0),
            printed(image_at..image_at + 3, repo_action, span(2, VALUES, "app")),
            literal(image_at + 3..image_at + 4, repo_action.end),
            printed(
                image_at + 4..image_at + 7,
                tag_action,
                span(2, VALUES, "\"1.0\""),
            ),
            literal(image_at + 7..text.len() as u32, tag_action.end),
        ];
        Rendering {
            templates: vec![
                Rendered {
                    name: "shop/templates/job.yaml".into(),
                    file: FileId(1),
                    result: Ok(Output { text, pieces }),
                },
                Rendered {
                    name: "shop/templates/broken.yaml".into(),
                    file: FileId(3),
                    result: Err(crate::helm::template::TemplateError::new(
                        Span::new(FileId(3), 4, 9),
                        TemplateErrorKind::Required,
                        "x is required",
                    )),
                },
            ],
            parse_errors: Vec::new(),
            notes: Vec::new(),
            missing: Vec::new(),
        }
    }

    #[test]
    fn rendered_facts_point_into_the_template_with_the_values_as_steps() {
        let files: Vec<SourceFile> = [
            ("", "Chart.yaml"),
            (TEMPLATE, "shop/templates/job.yaml"),
            (VALUES, "shop/values.yaml"),
        ]
        .iter()
        .enumerate()
        .map(|(id, (t, d))| {
            SourceFile::new(
                FileId(id as u32),
                Some(PathBuf::from(d)),
                d.to_string(),
                Arc::new(t.to_string()),
            )
        })
        .collect();
        let mut workloads = Vec::new();
        let mut errors = Vec::new();
        let mut notes = Vec::new();
        let documents = place(
            &files,
            rendering(),
            None,
            3,
            &[],
            &yaml::Limits::default(),
            &mut workloads,
            &mut errors,
            &mut notes,
        );
        assert_eq!(documents, 1);
        assert_eq!(workloads.len(), 1);
        let job = &workloads[0];
        assert_eq!((job.file, job.scope), (FileId(1), 3));
        let name = job.name.as_ref().unwrap();
        assert_eq!(
            name.span,
            Span::new(
                FileId(1),
                TEMPLATE.find("m\n").unwrap(),
                TEMPLATE.find("m\n").unwrap() + 1
            )
        );
        let container = &job.containers[0];
        // Literal text maps byte for byte.
        assert_eq!(
            container.name.as_ref().unwrap().span,
            Span::new(
                FileId(1),
                TEMPLATE.find("migrate\n").unwrap(),
                TEMPLATE.find("migrate\n").unwrap() + 7
            )
        );
        let args = container.args.as_ref().unwrap();
        assert_eq!(args[0].span, span(1, TEMPLATE, "\"migrate\""));
        // The image: from its opening quote to its closing one in the template.
        let image = container.image.as_ref().unwrap();
        assert_eq!(
            image.span,
            span(1, TEMPLATE, "\"{{ .Values.repo }}:{{ .Values.tag }}\"")
        );
        let related: Vec<(String, Span)> = image
            .origin
            .via()
            .iter()
            .filter_map(Step::related)
            .collect();
        assert_eq!(
            related,
            [
                (
                    "`repo: app` in `shop/values.yaml` sets this image".to_string(),
                    span(2, VALUES, "repo: app")
                ),
                (
                    "`tag: \"1.0\"` in `shop/values.yaml` sets this image".to_string(),
                    span(2, VALUES, "tag: \"1.0\"")
                ),
            ]
        );
        let Step::HelmValue { definition, .. } = &image.origin.via()[1] else {
            panic!("{:?}", image.origin);
        };
        assert_eq!(definition.around, Some(("app:".into(), String::new())));
        assert_eq!(definition.value_span, Some(span(2, VALUES, "\"1.0\"")));
        assert!(
            image
                .origin
                .via()
                .iter()
                .any(|s| matches!(s, Step::HelmTemplate { .. }))
        );
        // Literal facts carry no template step: an edit there is exact.
        assert!(args[0].origin.is_direct());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].template, "shop/templates/broken.yaml");
        assert_eq!(errors[0].span, Span::new(FileId(3), 4, 9));
    }
}
