//! Smoke test over the corpus charts (only with `ADMINLINT_CORPUS` set): every template of every
//! chart renders with a hand-built dot, and its output parses as YAML. The real chart loading
//! (values merging, conditions, `.tgz`) lives outside the template engine; this is a rough copy
//! of it, enough to find what the engine cannot do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::*;

fn read_values(path: &Path, file: FileId) -> Value {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Value::map(BTreeMap::new());
    };
    let parsed = crate::yaml::parse(&text, &crate::yaml::Limits::default());
    match parsed.documents.first().and_then(|d| d.root) {
        Some(root) => Value::from_yaml(&parsed.tree, root, file),
        None => Value::map(BTreeMap::new()),
    }
}

/// `over` wins, recursively into maps (Helm's coalescing of a parent's values over a subchart's).
fn coalesce(base: &Value, over: &Value) -> Value {
    match (base.as_map(), over.as_map()) {
        (Some(base), Some(over)) => {
            let mut merged = base.clone();
            for (key, value) in over {
                let next = match merged.get(key) {
                    Some(existing) => coalesce(existing, value),
                    None => value.clone(),
                };
                merged.insert(key.clone(), next);
            }
            Value::map(merged)
        }
        _ if over.is_nil() => base.clone(),
        _ => over.clone(),
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

struct Chart {
    dir: PathBuf,
    /// Helm's name prefix: `parent/charts/sub`.
    name: String,
    values: Value,
    chart: Value,
}

/// The chart at `dir` and its subchart directories, deepest first; `values` from the parent.
fn charts(
    dir: &Path,
    name: String,
    parent_values: Option<&Value>,
    global: &Value,
    out: &mut Vec<Chart>,
) {
    let own = read_values(&dir.join("values.yaml"), FileId(2));
    let mut values = match parent_values {
        Some(section) => coalesce(&own, section),
        None => own,
    };
    let global = coalesce(global, values.get("global").unwrap_or(&Value::nil()));
    if let Some(map) = values.as_map_mut() {
        map.insert("global".to_string(), global.clone());
    }
    let chart_yaml = read_values(&dir.join("Chart.yaml"), FileId(3));
    let field = |key: &str| chart_yaml.get(key).cloned().unwrap_or_default();
    let chart = Value::map_from([
        ("Name", field("name")),
        ("Version", field("version")),
        ("AppVersion", field("appVersion")),
        ("Description", field("description")),
        ("Type", field("type")),
        ("APIVersion", field("apiVersion")),
        ("KubeVersion", field("kubeVersion")),
    ]);
    if let Ok(entries) = std::fs::read_dir(dir.join("charts")) {
        let mut subs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        subs.sort();
        for sub in subs.into_iter().filter(|p| p.join("Chart.yaml").is_file()) {
            let sub_name = sub.file_name().unwrap().to_string_lossy().to_string();
            let section = values.get(&sub_name).cloned().unwrap_or_default();
            charts(
                &sub,
                format!("{name}/charts/{sub_name}"),
                Some(&section),
                &global,
                out,
            );
        }
    }
    out.push(Chart {
        dir: dir.to_path_buf(),
        name,
        values,
        chart,
    });
}

fn dot(chart: &Chart, template: &str) -> Value {
    let mut files = Files::new();
    let mut all = Vec::new();
    files_under(&chart.dir, &mut all);
    for path in all {
        let relative = path
            .strip_prefix(&chart.dir)
            .unwrap()
            .to_string_lossy()
            .to_string();
        if relative.starts_with("templates/") || relative.starts_with("charts/") {
            continue;
        }
        files.insert(relative, std::fs::read(&path).unwrap_or_default(), None);
    }
    let kube = |v: &str| Value::string(v.to_string());
    Value::map_from([
        ("Values", chart.values.clone()),
        ("Chart", chart.chart.clone()),
        (
            "Release",
            Value::map_from([
                ("Name", Value::string("release-name")),
                ("Namespace", Value::string("default")),
                ("IsInstall", Value::bool(true)),
                ("IsUpgrade", Value::bool(false)),
                ("Revision", Value::int(1)),
                ("Service", Value::string("Helm")),
            ]),
        ),
        (
            "Capabilities",
            Value::map_from([
                (
                    "KubeVersion",
                    Value::map_from([
                        ("Version", kube("v1.31.0")),
                        ("GitVersion", kube("v1.31.0")),
                        ("Major", kube("1")),
                        ("Minor", kube("31")),
                    ]),
                ),
                (
                    "APIVersions",
                    Value::api_versions(
                        [
                            "v1",
                            "apps/v1",
                            "batch/v1",
                            "networking.k8s.io/v1",
                            "policy/v1",
                            "autoscaling/v2",
                        ]
                        .map(String::from)
                        .to_vec(),
                    ),
                ),
                (
                    "HelmVersion",
                    Value::map_from([("Version", kube("v3.16.0"))]),
                ),
            ]),
        ),
        (
            "Template",
            Value::map_from([
                ("Name", Value::string(template)),
                (
                    "BasePath",
                    Value::string(format!("{}/templates", chart.name)),
                ),
            ]),
        ),
        ("Files", Value::files(files)),
    ])
}

#[test]
fn corpus_charts_render() {
    let Some(corpus) = std::env::var_os("ADMINLINT_CORPUS") else {
        return;
    };
    let root = PathBuf::from(corpus).join("helm");
    let mut chart_files = Vec::new();
    files_under(&root, &mut chart_files);
    // Top charts: a Chart.yaml not inside another chart's charts/ directory.
    let tops: Vec<PathBuf> = chart_files
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "Chart.yaml"))
        .filter(|p| !p.to_string_lossy().contains("/charts/"))
        .map(|p| p.parent().unwrap().to_path_buf())
        .collect();
    assert!(!tops.is_empty());
    let mut failures = Vec::new();
    let mut rendered = 0;
    let mut bytes = 0;
    for top in &tops {
        let mut tree = Vec::new();
        let name = top.file_name().unwrap().to_string_lossy().to_string();
        charts(top, name, None, &Value::map(BTreeMap::new()), &mut tree);
        let mut set = TemplateSet::new(Limits::default());
        // The corpus keeps no packaged subcharts: where Chart.yaml names a dependency that is
        // not under charts/, the values its values.yaml would give are missing.
        let chart_yaml = read_values(&top.join("Chart.yaml"), FileId(3));
        let missing_dependency = chart_yaml
            .get("dependencies")
            .and_then(Value::as_list)
            .is_some_and(|deps| {
                deps.iter().any(|dep| {
                    let name = dep.get("name").and_then(Value::as_str).unwrap_or_default();
                    !top.join("charts").join(name).is_dir()
                })
            });
        set.tolerate_nil_fields(missing_dependency);
        let mut sources: Vec<(String, String)> = Vec::new();
        for chart in &tree {
            let mut templates = Vec::new();
            files_under(&chart.dir.join("templates"), &mut templates);
            for path in templates {
                let relative = path
                    .strip_prefix(&chart.dir)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                let name = format!("{}/{relative}", chart.name);
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let file = FileId(100 + sources.len() as u32);
                if let Err(e) = set.add(&name, file, &text) {
                    failures.push(format!(
                        "{name}: parse: {e} at {}..{}",
                        e.at.start, e.at.end
                    ));
                }
                sources.push((name, text));
            }
        }
        for chart in &tree {
            for (name, text) in &sources {
                let Some(relative) = name.strip_prefix(&format!("{}/templates/", chart.name))
                else {
                    continue;
                };
                let base = relative.rsplit('/').next().unwrap_or(relative);
                if base.starts_with('_')
                    || base == "NOTES.txt"
                    || relative.contains('/') && relative.starts_with("tests/")
                {
                    continue;
                }
                if !set.contains(name) {
                    continue;
                }
                match set.render(name, &dot(chart, name)) {
                    Ok(out) => {
                        // To read what was rendered: ADMINLINT_HELM_DUMP=<directory>.
                        if let Some(dump) = std::env::var_os("ADMINLINT_HELM_DUMP") {
                            let path = PathBuf::from(dump).join(name.replace('/', "__"));
                            std::fs::write(path, &out.text).unwrap();
                        }
                        rendered += 1;
                        bytes += out.text.len();
                        let parsed = crate::yaml::parse(&out.text, &crate::yaml::Limits::default());
                        if let Some(error) = parsed.errors.first() {
                            failures.push(format!("{name}: output YAML: {}", error.message));
                        }
                    }
                    Err(e) => {
                        let at = e.at;
                        let (file_name, source) = sources
                            .get((at.file.0 as usize).wrapping_sub(100))
                            .map_or(("?", ""), |(n, t)| (n.as_str(), t.as_str()));
                        let line = source
                            .get(..at.start as usize)
                            .map_or(0, |s| s.lines().count());
                        let snippet = source
                            .get(at.range())
                            .unwrap_or("")
                            .chars()
                            .take(80)
                            .collect::<String>();
                        failures.push(format!(
                            "{name}: {e} [{file_name}:{line} {snippet:?}] {:?}",
                            e.kind
                        ));
                    }
                }
                let _ = text;
            }
        }
    }
    eprintln!("corpus: {rendered} templates rendered, {bytes} bytes");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
