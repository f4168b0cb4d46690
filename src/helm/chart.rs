//! A Helm chart read from its directory: Chart.yaml (the `.Chart` object, dependencies),
//! values.yaml, the templates, the other files (`.Files`) and the subcharts under `charts/`.
//!
//! Files are read through a [`ChartSource`] (the assemble stage gives one over the read stage
//! and the run's file table), so templates and values files are files of the run and spans
//! point into them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::template::{Files, Value};
use crate::source::Text;
use crate::span::{FileId, Span};
use crate::yaml::{self, NodeId, Tree};

/// Deepest nesting of subcharts followed (`charts/a/charts/b/...`).
const MAX_SUBCHART_DEPTH: usize = 8;

/// Largest file read into `.Files` (bigger ones are left out, with a note): charts keep
/// config snippets and dashboards there, not data.
const MAX_CHART_FILE: u64 = 4 * 1024 * 1024;

/// Where a chart's files come from.
pub trait ChartSource {
    /// Every regular file under `dir` (recursively, symlinks not followed), sorted.
    fn list(&mut self, dir: &Path) -> Vec<PathBuf>;
    /// The text of a file that spans may point into (a template, a values file, Chart.yaml),
    /// with its id in the run's file table.
    fn text(&mut self, path: &Path) -> Result<(FileId, Text), String>;
    /// The bytes of any other file of the chart (`.Files`), at most `max` bytes.
    fn bytes(&mut self, path: &Path, max: u64) -> Result<Vec<u8>, String>;
    /// The directory and version of another chart of the run named `name` (the chart
    /// repository a missing dependency is published from, kept beside it), if there is one.
    fn chart_named(&mut self, name: &str) -> Option<(PathBuf, Option<String>)> {
        let _ = name;
        None
    }
}

/// A chart's files read straight from the disk (through the read stage), numbered in the order
/// they are asked for: a chart rendered outside a run, by benchmarks and tests.
#[derive(Debug, Default)]
pub struct DiskSource {
    read: u32,
}

impl ChartSource for DiskSource {
    fn list(&mut self, dir: &Path) -> Vec<PathBuf> {
        crate::read::list_files(dir)
    }

    fn text(&mut self, path: &Path) -> Result<(FileId, Text), String> {
        let text = crate::read::read_text(path, u64::MAX).map_err(|e| e.to_string())?;
        self.read += 1;
        Ok((FileId(self.read - 1), std::sync::Arc::new(text)))
    }

    fn bytes(&mut self, path: &Path, max: u64) -> Result<Vec<u8>, String> {
        crate::read::read_capped(path, max)
            .map(|(bytes, _)| bytes)
            .map_err(|e| e.to_string())
    }
}

/// One `dependencies:` entry of Chart.yaml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The subchart's `name`.
    pub name: String,
    /// `alias`: the name it is rendered and scoped under.
    pub alias: Option<String>,
    /// `condition`: comma-separated value paths, the first one set to a boolean decides.
    pub condition: Option<String>,
    /// `tags`: enabled when any of these `tags.<tag>` values is true.
    pub tags: Vec<String>,
    /// `repository`: a chart repository's URL, `oci://…`, or `file://<dir>` (a chart on disk).
    pub repository: Option<String>,
    /// `version`: the version constraint (`2.x.x`, `^1.4.0`).
    pub version: Option<String>,
    /// The entry in Chart.yaml.
    pub span: Span,
}

impl Dependency {
    /// The name the subchart is rendered and scoped under.
    pub fn scoped_name(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }
}

/// One template file of a chart.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    /// Its path below the chart directory, `/`-separated (`templates/job.yaml`).
    pub path: String,
    /// Its id in the run's file table.
    pub file: FileId,
    /// Its text.
    pub text: Text,
}

impl TemplateFile {
    /// A partial (`_helpers.tpl`, any `_*` file): defines templates, renders nothing.
    pub fn is_partial(&self) -> bool {
        self.path
            .rsplit('/')
            .next()
            .is_some_and(|name| name.starts_with('_'))
    }

    /// Rendered into manifests: not a partial and not `NOTES.txt` (which `helm template` does
    /// not print).
    pub fn is_rendered(&self) -> bool {
        !self.is_partial() && self.path != "templates/NOTES.txt"
    }
}

/// A chart as read from its directory.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Its directory.
    pub dir: PathBuf,
    /// Its name: Chart.yaml's `name`, or the alias it is a dependency under.
    pub name: String,
    /// Chart.yaml, when it is in the run's file table.
    pub chart_file: Option<FileId>,
    /// `.Chart`: Chart.yaml's fields under Go's names (`Name`, `Version`, `AppVersion`, …),
    /// strings with their nodes as origins.
    pub metadata: Value,
    /// `dependencies:`.
    pub dependencies: Vec<Dependency>,
    /// values.yaml (an empty map without one).
    pub values: Value,
    /// values.yaml in the file table.
    pub values_file: Option<FileId>,
    /// `templates/**`, in path order.
    pub templates: Vec<TemplateFile>,
    /// `.Files`: every other file of the chart (not templates, not subcharts).
    pub files: Files,
    /// Subchart directories under `charts/`, in path order.
    pub subcharts: Vec<Chart>,
    /// Packaged subcharts of declared dependencies (`charts/postgresql-12.1.6.tgz`), not read:
    /// (dependency name, file name), so that a missing dependency's note can say where it is.
    pub packaged: Vec<(String, String)>,
    /// What could not be read or is not supported (`.tgz` subcharts), for the run's notes.
    pub notes: Vec<String>,
}

/// Chart.yaml's keys and the names templates read them by under `.Chart`.
const METADATA_FIELDS: [(&str, &str); 15] = [
    ("apiVersion", "APIVersion"),
    ("name", "Name"),
    ("version", "Version"),
    ("kubeVersion", "KubeVersion"),
    ("description", "Description"),
    ("type", "Type"),
    ("keywords", "Keywords"),
    ("home", "Home"),
    ("sources", "Sources"),
    ("dependencies", "Dependencies"),
    ("maintainers", "Maintainers"),
    ("icon", "Icon"),
    ("appVersion", "AppVersion"),
    ("deprecated", "Deprecated"),
    ("annotations", "Annotations"),
];

/// Go's string fields of `chart.Metadata`: empty, not nil, when Chart.yaml leaves them out.
const STRING_FIELDS: [&str; 9] = [
    "APIVersion",
    "Name",
    "Version",
    "KubeVersion",
    "Description",
    "Type",
    "Home",
    "Icon",
    "AppVersion",
];

/// Why a directory is not a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

/// Read the chart in `dir` (which holds a Chart.yaml), its subcharts with it.
pub fn load(dir: &Path, source: &mut dyn ChartSource) -> Result<Chart, LoadError> {
    load_at(dir, source, 0)
}

fn load_at(dir: &Path, source: &mut dyn ChartSource, depth: usize) -> Result<Chart, LoadError> {
    let chart_path = dir.join("Chart.yaml");
    let (chart_file, chart_text) = source
        .text(&chart_path)
        .map_err(|e| LoadError(format!("{}: {e}", chart_path.display())))?;
    let parsed = yaml::parse(&chart_text, &yaml::Limits::default());
    let root = parsed
        .documents
        .first()
        .and_then(|d| d.root)
        .filter(|&r| parsed.tree.is_mapping(r))
        .ok_or_else(|| {
            LoadError(format!(
                "{}: Chart.yaml is not a mapping with a `name:`",
                chart_path.display()
            ))
        })?;
    let tree = &parsed.tree;
    let metadata = metadata(tree, root, chart_file);
    let name = metadata
        .get("Name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let dependencies = dependencies(tree, root, chart_file);
    let mut chart = Chart {
        dir: dir.to_path_buf(),
        name,
        chart_file: Some(chart_file),
        metadata,
        dependencies,
        values: Value::map(BTreeMap::new()),
        values_file: None,
        templates: Vec::new(),
        files: Files::new(),
        subcharts: Vec::new(),
        packaged: Vec::new(),
        notes: Vec::new(),
    };
    let mut subchart_dirs: Vec<PathBuf> = Vec::new();
    for path in source.list(dir) {
        let Ok(relative) = path.strip_prefix(dir) else {
            continue;
        };
        let relative = relative.to_string_lossy().replace('\\', "/");
        if relative == "Chart.yaml" {
            continue;
        }
        if relative == "values.yaml" {
            match source.text(&path) {
                Ok((file, text)) => {
                    chart.values = read_values(&text, file).unwrap_or_else(|message| {
                        chart.notes.push(format!("{}: {message}", path.display()));
                        Value::map(BTreeMap::new())
                    });
                    chart.values_file = Some(file);
                }
                Err(error) => chart.notes.push(format!("{}: {error}", path.display())),
            }
            continue;
        }
        if let Some(below) = relative.strip_prefix("charts/") {
            match below.split_once('/') {
                Some((subdir, "Chart.yaml")) => subchart_dirs.push(dir.join("charts").join(subdir)),
                // `helm dependency build` writes `<name>-<version>.tgz`: the dependency's
                // note names it when the dependency is enabled (and says nothing otherwise).
                None if below.ends_with(".tgz") => match (chart.dependencies.iter())
                    .find(|d| below.starts_with(&format!("{}-", d.name)))
                {
                    Some(dependency) => chart
                        .packaged
                        .push((dependency.name.clone(), below.to_string())),
                    None => chart.notes.push(format!(
                        "{}: packaged subcharts (.tgz) are not read; unpack it into charts/ to \
                         have its templates rendered",
                        path.display()
                    )),
                },
                _ => {}
            }
            continue;
        }
        if relative.starts_with("templates/") {
            match source.text(&path) {
                Ok((file, text)) => chart.templates.push(TemplateFile {
                    path: relative,
                    file,
                    text,
                }),
                Err(error) => chart.notes.push(format!("{}: {error}", path.display())),
            }
            continue;
        }
        match source.bytes(&path, MAX_CHART_FILE) {
            Ok(bytes) => chart.files.insert(relative, bytes, None),
            Err(error) => chart
                .notes
                .push(format!("{}: not in `.Files` ({error})", path.display())),
        }
    }
    for subdir in subchart_dirs {
        if depth + 1 >= MAX_SUBCHART_DEPTH {
            chart.notes.push(format!(
                "{}: subcharts nested deeper than {MAX_SUBCHART_DEPTH} levels are not read",
                subdir.display()
            ));
            continue;
        }
        match load_at(&subdir, source, depth + 1) {
            Ok(sub) => chart.subcharts.push(sub),
            Err(error) => chart.notes.push(error.0),
        }
    }
    for (name, subdir, note) in outside_dependencies(&chart, dir, source) {
        if depth + 1 >= MAX_SUBCHART_DEPTH {
            continue;
        }
        match load_at(&subdir, source, depth + 1) {
            Ok(sub) if sub.name == name => {
                chart.notes.push(note);
                chart.subcharts.push(sub);
            }
            Ok(sub) => chart.notes.push(format!(
                "{}: dependency `{name}` names {}, a chart named `{}`",
                dir.join("Chart.yaml").display(),
                subdir.display(),
                sub.name
            )),
            Err(error) => chart.notes.push(error.0),
        }
    }
    Ok(chart)
}

/// Dependencies that are not in `charts/` (neither unpacked nor packaged) but are on disk: a
/// `repository: file://../common` is what `helm dependency build` would copy in, so it is read
/// from there; a dependency from a chart repository whose chart is kept in this repository too
/// (bitnami's charts beside their `common` library) is read from that chart when its major
/// version is the one asked for. (name, directory, the note saying so) for each.
fn outside_dependencies(
    chart: &Chart,
    dir: &Path,
    source: &mut dyn ChartSource,
) -> Vec<(String, PathBuf, String)> {
    let mut out = Vec::new();
    let chart_yaml = dir.join("Chart.yaml");
    for dependency in &chart.dependencies {
        let vendored = chart.subcharts.iter().any(|s| s.name == dependency.name)
            || out.iter().any(|(name, _, _)| *name == dependency.name);
        let packaged = chart
            .packaged
            .iter()
            .any(|(name, _)| *name == dependency.name);
        if vendored || packaged {
            continue;
        }
        let repository = dependency.repository.as_deref().unwrap_or_default();
        if let Some(path) = repository.strip_prefix("file://") {
            let subdir = crate::discover::lexical(&dir.join(path));
            // A chart naming itself would be read again at every level.
            if subdir == crate::discover::lexical(dir) {
                continue;
            }
            let note = format!(
                "{}: dependency `{}` is read from {} (`repository: {repository}`), as `helm \
                 dependency build` would copy it into charts/",
                chart_yaml.display(),
                dependency.name,
                subdir.display()
            );
            out.push((dependency.name.clone(), subdir, note));
            continue;
        }
        let Some((subdir, version)) = source.chart_named(&dependency.name) else {
            continue;
        };
        if subdir == dir || !same_major(dependency.version.as_deref(), version.as_deref()) {
            continue;
        }
        let note = format!(
            "{}: dependency `{}` is not in charts/; it is read from the chart of that name in {} \
             (version {}, asked for {} from {}); run `helm dependency build` to render the \
             published one",
            chart_yaml.display(),
            dependency.name,
            subdir.display(),
            version.as_deref().unwrap_or("unset"),
            dependency.version.as_deref().unwrap_or("any version"),
            if repository.is_empty() {
                "no repository"
            } else {
                repository
            },
        );
        out.push((dependency.name.clone(), subdir, note));
    }
    out
}

/// Whether a chart's `version` can satisfy a dependency's constraint, judged by the major
/// version (`2.x.x`, `^2.13.0`, `~2.0`, `2.31.4` ask for 2); a lower bound (`>=1.0`), a range
/// with `||`, or a missing side accepts any.
fn same_major(constraint: Option<&str>, version: Option<&str>) -> bool {
    let major = |text: &str| -> Option<u64> {
        let digits: String = text
            .trim()
            .trim_start_matches(['^', '~', '=', 'v', ' '])
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    };
    match (constraint, version) {
        (Some(constraint), Some(version))
            if !constraint.trim_start().starts_with(['>', '<', '*'])
                && !constraint.contains("||") =>
        {
            match (major(constraint), major(version)) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
        }
        _ => true,
    }
}

/// A values file's top-level mapping as template values (empty for an empty file).
pub fn read_values(text: &str, file: FileId) -> Result<Value, String> {
    let parsed = yaml::parse(text, &yaml::Limits::default());
    if let Some(error) = parsed.errors.first() {
        let (line, column) = crate::source::line_column(text, error.offset);
        return Err(format!("{line}:{column}: {}", error.message));
    }
    if parsed.tree.budget_exhausted() {
        return Err("its aliases expand past the alias budget".to_string());
    }
    match parsed.documents.first().and_then(|d| d.root) {
        Some(root) if parsed.tree.is_mapping(root) => {
            Ok(Value::from_yaml(&parsed.tree, root, file))
        }
        Some(root) if parsed.tree.is_null(root) => Ok(Value::map(BTreeMap::new())),
        None => Ok(Value::map(BTreeMap::new())),
        Some(_) => Err("a values file must be a mapping".to_string()),
    }
}

/// The `.Chart` object: each known field under its Go name; scalars as strings (Go's types
/// are strings: `version: 1.0` is "1.0"), with their nodes as origins.
fn metadata(tree: &Tree, root: NodeId, file: FileId) -> Value {
    let mut fields: BTreeMap<String, Value> = STRING_FIELDS
        .iter()
        .map(|name| (name.to_string(), Value::string("")))
        .collect();
    for (key, go_name) in METADATA_FIELDS {
        let Some(node) = tree.get(root, key) else {
            continue;
        };
        let value = match tree.str(node) {
            Some(text) if STRING_FIELDS.contains(&go_name) => {
                let (start, end) = tree.span(node);
                Value::string_at(text, Span::new(file, start, end))
            }
            _ => Value::from_yaml(tree, node, file),
        };
        fields.insert(go_name.to_string(), value);
    }
    fields.insert("IsRoot".to_string(), Value::bool(true));
    Value::map(fields)
}

/// The `dependencies:` entries.
fn dependencies(tree: &Tree, root: NodeId, file: FileId) -> Vec<Dependency> {
    let Some(list) = tree.get(root, "dependencies") else {
        return Vec::new();
    };
    let text = |entry: NodeId, key: &str| {
        tree.get(entry, key)
            .and_then(|n| tree.str(n))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    tree.items(list)
        .iter()
        .filter(|&&entry| tree.is_mapping(entry))
        .filter_map(|&entry| {
            let (start, end) = tree.span(entry);
            Some(Dependency {
                name: text(entry, "name")?,
                alias: text(entry, "alias"),
                condition: text(entry, "condition"),
                tags: tree
                    .get(entry, "tags")
                    .map(|tags| {
                        tree.items(tags)
                            .iter()
                            .filter_map(|&t| tree.str(t).map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                repository: text(entry, "repository"),
                version: text(entry, "version"),
                span: Span::new(file, start, end),
            })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::Arc;

    /// A chart in memory: path -> text; files get ids in the order they are first read.
    #[derive(Default)]
    pub(crate) struct MemorySource {
        pub files: BTreeMap<PathBuf, String>,
        pub ids: Vec<PathBuf>,
    }

    impl MemorySource {
        pub(crate) fn new(files: &[(&str, &str)]) -> Self {
            MemorySource {
                files: files
                    .iter()
                    .map(|(p, t)| (PathBuf::from(p), t.to_string()))
                    .collect(),
                ids: Vec::new(),
            }
        }

        pub(crate) fn id_of(&self, path: &str) -> FileId {
            let index = self.ids.iter().position(|p| p == Path::new(path)).unwrap();
            FileId(index as u32)
        }
    }

    impl ChartSource for MemorySource {
        fn list(&mut self, dir: &Path) -> Vec<PathBuf> {
            self.files
                .keys()
                .filter(|p| p.starts_with(dir))
                .cloned()
                .collect()
        }

        fn text(&mut self, path: &Path) -> Result<(FileId, Text), String> {
            let text = self.files.get(path).ok_or("not found")?.clone();
            let index = match self.ids.iter().position(|p| p == path) {
                Some(index) => index,
                None => {
                    self.ids.push(path.to_path_buf());
                    self.ids.len() - 1
                }
            };
            Ok((FileId(index as u32), Arc::new(text)))
        }

        fn bytes(&mut self, path: &Path, _max: u64) -> Result<Vec<u8>, String> {
            Ok(self
                .files
                .get(path)
                .ok_or("not found")?
                .clone()
                .into_bytes())
        }
    }

    #[test]
    fn a_file_dependency_is_read_from_its_path_and_a_chart_naming_itself_is_not() {
        let mut source = MemorySource::new(&[
            (
                "c/Chart.yaml",
                "name: c\ndependencies:\n  - name: lib\n    repository: file://../lib\n  - name: c\n    repository: file://.\n",
            ),
            ("lib/Chart.yaml", "name: lib\ntype: library\n"),
            ("lib/templates/_h.tpl", "{{ define \"lib.x\" }}x{{ end }}"),
        ]);
        let chart = load(Path::new("c"), &mut source).unwrap();
        let names: Vec<&str> = chart.subcharts.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["lib"]);
        assert_eq!(chart.subcharts[0].dir, Path::new("lib"));
        assert_eq!(chart.notes.len(), 1, "{:?}", chart.notes);
        assert!(
            chart.notes[0].contains("dependency `lib` is read from lib"),
            "{:?}",
            chart.notes
        );
    }

    #[test]
    fn a_sibling_chart_stands_in_only_for_the_major_version_asked_for() {
        for (constraint, version, same) in [
            (Some("2.x.x"), Some("2.31.4"), true),
            (Some("^2.13.0"), Some("2.31.4"), true),
            (Some("~1.4"), Some("2.0.0"), false),
            (Some("1.4.0"), Some("1.4.2"), true),
            (Some("2.x.x"), Some("3.0.0"), false),
            (Some(">=1.0.0 <2.0.0"), Some("5.0.0"), true),
            (Some("1.x || 2.x"), Some("3.0.0"), true),
            (Some("*"), Some("3.0.0"), true),
            (None, Some("3.0.0"), true),
            (Some("2.x.x"), None, true),
        ] {
            assert_eq!(
                same_major(constraint, version),
                same,
                "{constraint:?} {version:?}"
            );
        }
    }

    #[test]
    fn a_chart_is_read_with_its_metadata_values_templates_files_and_subcharts() {
        let mut source = MemorySource::new(&[
            (
                "c/Chart.yaml",
                "apiVersion: v2\nname: shop\nversion: 1.0\nappVersion: \"2.1\"\ndependencies:\n  - name: db\n    alias: primary\n    condition: primary.enabled,db.enabled\n    tags: [storage]\n  - name: cache\n",
            ),
            ("c/values.yaml", "image: {tag: '2.1'}\n"),
            ("c/templates/_helpers.tpl", "{{ define \"x\" }}{{ end }}"),
            ("c/templates/job.yaml", "kind: Job\n"),
            ("c/templates/NOTES.txt", "hi"),
            ("c/files/config.ini", "a=1"),
            ("c/charts/db/Chart.yaml", "name: db\nversion: 0.1.0\n"),
            ("c/charts/db/templates/sts.yaml", "kind: StatefulSet\n"),
            ("c/charts/redis-1.0.0.tgz", "binary"),
        ]);
        let chart = load(Path::new("c"), &mut source).unwrap();
        assert_eq!(chart.name, "shop");
        assert_eq!(
            chart.metadata.get("Version").and_then(Value::as_str),
            Some("1.0")
        );
        let app_version = chart.metadata.get("AppVersion").unwrap();
        assert_eq!(app_version.as_str(), Some("2.1"));
        let chart_id = source.id_of("c/Chart.yaml");
        // The span of `"2.1"` after `appVersion: ` on line 4.
        assert_eq!(app_version.origin(), Some(Span::new(chart_id, 51, 56)));
        assert_eq!(
            chart.metadata.get("Description").and_then(Value::as_str),
            Some("")
        );
        assert_eq!(chart.dependencies.len(), 2);
        assert_eq!(chart.dependencies[0].scoped_name(), "primary");
        assert_eq!(
            chart.dependencies[0].condition.as_deref(),
            Some("primary.enabled,db.enabled")
        );
        assert_eq!(chart.dependencies[0].tags, ["storage"]);
        assert_eq!(chart.dependencies[1].scoped_name(), "cache");
        let templates: Vec<(&str, bool)> = chart
            .templates
            .iter()
            .map(|t| (t.path.as_str(), t.is_rendered()))
            .collect();
        assert_eq!(
            templates,
            [
                ("templates/NOTES.txt", false),
                ("templates/_helpers.tpl", false),
                ("templates/job.yaml", true)
            ]
        );
        let files: Vec<&str> = chart.files.iter().map(|(p, _)| p).collect();
        assert_eq!(files, ["files/config.ini"]);
        assert_eq!(chart.subcharts.len(), 1);
        assert_eq!(chart.subcharts[0].name, "db");
        assert_eq!(chart.subcharts[0].templates[0].path, "templates/sts.yaml");
        assert_eq!(chart.notes.len(), 1);
        assert!(
            chart.notes[0].contains("redis-1.0.0.tgz"),
            "{:?}",
            chart.notes
        );
        assert_eq!(chart.values_file, Some(source.id_of("c/values.yaml")));
    }
}
