//! `.adminlint.yaml`: what users tell adminlint that it cannot infer, read strictly with spans.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::diagnostic::Severity;

/// A configuration file larger than this is refused: a real one is a few kilobytes, and the
/// limit keeps a mistaken `--config /dev/zero` or a huge file from stalling the run.
const CONFIG_MAX_BYTES: u64 = 1 << 20;

/// The file name looked for upward from the checked paths.
pub const CONFIG_FILE: &str = ".adminlint.yaml";

/// A rule's level in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    /// The rule does not run.
    Off,
    /// Report at info level.
    Info,
    /// Report at warning level.
    Warning,
    /// Report at error level.
    Error,
}

impl RuleLevel {
    /// The severity, None for `off`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            RuleLevel::Off => None,
            RuleLevel::Info => Some(Severity::Info),
            RuleLevel::Warning => Some(Severity::Warning),
            RuleLevel::Error => Some(Severity::Error),
        }
    }
}

/// The lowest severity that fails a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FailLevel {
    /// Any finding fails.
    Info,
    /// Warnings and errors fail (the default).
    Warning,
    /// Only errors fail.
    Error,
}

impl FailLevel {
    /// As a severity threshold.
    pub fn severity(self) -> Severity {
        match self {
            FailLevel::Info => Severity::Info,
            FailLevel::Warning => Severity::Warning,
            FailLevel::Error => Severity::Error,
        }
    }
}

/// A role a selector or custom kind gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RoleName {
    /// A one-off admin process.
    Admin,
    /// A long-running workload of the app.
    LongRunning,
}

/// Which workloads a declaration is about. Every given field must match; globs use `*`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Selector {
    /// Kubernetes kind (`Job`, `Deployment`, …) or `service` for Compose.
    pub kind: Option<String>,
    /// Object or service name (glob).
    pub name: Option<String>,
    /// Namespace (glob).
    pub namespace: Option<String>,
    /// File paths relative to the configuration file (globs).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Labels that must all be present with these values.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Image repositories (normalised, e.g. `docker.io/library/nginx`, or as written; globs).
    #[serde(default)]
    pub images: Vec<String>,
    /// Compose service names (globs).
    #[serde(default)]
    pub services: Vec<String>,
}

/// An app declared by name: its workloads are compared with each other only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AppDeclaration {
    /// The app's name, shown in messages and `--explain-context`.
    pub name: String,
    /// Image repositories of the app (globs).
    #[serde(default)]
    pub images: Vec<String>,
    /// Labels its workloads carry.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Files its workloads are in, relative to the configuration file (globs).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Compose services of the app (globs).
    #[serde(default)]
    pub services: Vec<String>,
}

/// Kinds of object that can live outside the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum ExternalKind {
    /// A ConfigMap.
    ConfigMap,
    /// A Secret.
    Secret,
}

/// An object created outside the repository (by an operator, a vault injector, by hand).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ExternalObject {
    /// `ConfigMap` or `Secret`.
    pub kind: ExternalKind,
    /// Its name (glob).
    pub name: String,
}

/// A custom workload kind (a CRD with a pod template).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CustomKind {
    /// `apiVersion` (group/version, e.g. `batch.example.com/v1`; `*` matches any version).
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// Dotted path from the object to its pod spec, e.g. `spec.template.spec`.
    pub pod_spec: String,
    /// The role of objects of this kind.
    pub role: RoleName,
}

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Rule levels by id: `off`, `info`, `warning` or `error`.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleLevel>,
    /// The lowest severity that makes the run fail (exit 1). Default `warning`.
    pub fail_level: Option<FailLevel>,
    /// Files never read (globs relative to the configuration file).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// When given, only these files are read from directories (globs).
    #[serde(default)]
    pub include: Vec<String>,
    /// Files read from directories although a walk skips them (globs): in hidden directories,
    /// or named other than `*.yaml` / `*.yml` (`**/*.yaml.tpl`, `.deploy/**`).
    #[serde(default)]
    pub extra_files: Vec<String>,
    /// Files read for the commands they run (globs): shell scripts, CI workflows, Makefiles,
    /// Justfiles, Taskfiles, Procfiles, `app.json`. Unset: `*.sh`, `*.bash`, `Makefile`, `*.mk`,
    /// `justfile`, `*.just`, `Taskfile.yml`, `Procfile`, `app.json`, `heroku.yml`,
    /// `.github/workflows/*.yml`, `action.yml`, `.gitlab-ci.yml`, `.circleci/config.yml`, and
    /// files without an extension in `bin/`, `script/`, `scripts/`, `docker/` or `deploy/` that
    /// start with a `sh` / `bash` `#!` line; `[]` reads none.
    pub script_files: Option<Vec<String>>,
    /// Apps declared by name.
    #[serde(default)]
    pub apps: Vec<AppDeclaration>,
    /// Workloads that are admin processes, whatever their kind.
    #[serde(default)]
    pub admin: Vec<Selector>,
    /// Workloads that are long-running, whatever their kind.
    #[serde(default)]
    pub long_running: Vec<Selector>,
    /// ConfigMaps and Secrets that exist outside the repository: config rules ignore them.
    #[serde(default)]
    pub external: Vec<ExternalObject>,
    /// Custom workload kinds.
    #[serde(default)]
    pub kinds: Vec<CustomKind>,
    /// Extra dependency wrappers, as leading words (`chamber exec`, `doppler run --`).
    #[serde(default)]
    pub wrappers: Vec<String>,
    /// Extra installers, as leading words (`mytool install`).
    #[serde(default)]
    pub installers: Vec<String>,
    /// Helm charts: the values each chart is rendered with.
    #[serde(default)]
    pub helm: HelmConfig,
}

/// How Helm charts are rendered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HelmConfig {
    /// Values per chart directory (relative to the configuration file): one set, or a list of
    /// sets, each rendering the chart once (instead of once with its values.yaml alone).
    #[serde(default)]
    pub charts: BTreeMap<String, ValueSets>,
}

/// One chart's value sets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ValueSets {
    /// One rendering.
    One(ValueSet),
    /// One rendering per set.
    Several(Vec<ValueSet>),
}

impl ValueSets {
    /// The sets, in order.
    pub fn sets(&self) -> &[ValueSet] {
        match self {
            ValueSets::One(set) => std::slice::from_ref(set),
            ValueSets::Several(sets) => sets,
        }
    }
}

/// The values of one rendering of a chart, as `helm template -f … --set …` takes them: the
/// chart's values.yaml, then each file in order, then each `set` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ValueSet {
    /// Values files, relative to the chart directory (`values-prod.yaml`).
    #[serde(default)]
    pub values: Vec<String>,
    /// Values by dotted path (`image.tag: 1.2.0`), as `--set` gives them (`\.` is a dot inside
    /// a key: `podAnnotations.helm\.sh/hook`).
    #[serde(default)]
    pub set: BTreeMap<String, serde_json::Value>,
}

impl Config {
    /// The custom kind (`kinds:`) an object of this `apiVersion` and `kind` is, if any.
    pub fn custom_kind(&self, api_version: &str, kind: &str) -> Option<&CustomKind> {
        custom_kind(&self.kinds, api_version, kind)
    }
}

/// The custom kind of `kinds` an object of this `apiVersion` and `kind` is, if any.
pub fn custom_kind<'k>(
    kinds: &'k [CustomKind],
    api_version: &str,
    kind: &str,
) -> Option<&'k CustomKind> {
    kinds.iter().find(|custom| {
        custom.kind == kind
            && (custom.api_version == api_version
                || custom
                    .api_version
                    .strip_suffix("/*")
                    .is_some_and(|group| api_version.split('/').next() == Some(group)))
    })
}

/// A configuration error, located in the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct ConfigError {
    /// The configuration file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// A loaded configuration with its location and compiled globs.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The values.
    pub config: Config,
    /// The file it came from (None for the defaults).
    pub path: Option<PathBuf>,
    /// The directory globs are relative to (the project root).
    pub root: PathBuf,
    /// The project root when one was found (a configuration file or a `.git` directory):
    /// where the fact cache lives. None when checking outside any project.
    pub project_root: Option<PathBuf>,
    exclude: GlobSet,
    include: Option<GlobSet>,
    extra_files: Option<GlobSet>,
    script_files: Option<GlobSet>,
}

impl Default for LoadedConfig {
    fn default() -> Self {
        LoadedConfig {
            config: Config::default(),
            path: None,
            root: PathBuf::from("."),
            project_root: None,
            exclude: GlobSet::empty(),
            include: None,
            extra_files: None,
            script_files: None,
        }
    }
}

/// Compile globs; a bad one is reported with its text.
fn glob_set(globs: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        builder.add(Glob::new(glob).map_err(|e| format!("invalid glob `{glob}`: {e}"))?);
        // `dir/` or `dir` also means everything under it.
        let trimmed = glob.trim_end_matches('/');
        if !trimmed.contains('*')
            && let Ok(under) = Glob::new(&format!("{trimmed}/**"))
        {
            builder.add(under);
        }
    }
    builder.build().map_err(|e| e.to_string())
}

/// True when `text` matches the glob `pattern` (`*` wildcards; invalid globs match literally).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    Glob::new(pattern)
        .map(|g| g.compile_matcher().is_match(text))
        .unwrap_or(pattern == text)
}

impl LoadedConfig {
    /// The defaults, with globs relative to `root`.
    pub fn defaults_at(root: PathBuf) -> LoadedConfig {
        LoadedConfig {
            project_root: Some(root.clone()),
            root,
            ..LoadedConfig::default()
        }
    }

    /// Parse a configuration file's text. `path` is used in errors and to find the root.
    pub fn parse(path: &Path, text: &str, rule_ids: &[&str]) -> Result<LoadedConfig, ConfigError> {
        let located = |offset: usize, message: String| {
            let (line, column) = crate::source::line_column(text, offset);
            ConfigError {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let config: Config = if text.trim().is_empty() {
            Config::default()
        } else {
            serde_saphyr::from_str(text).map_err(|error| {
                let (line, column) = error
                    .location()
                    .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
                // The error's own text repeats the location; keep its first line.
                let message = error.to_string();
                let message = message.lines().next().unwrap_or_default().to_string();
                ConfigError {
                    path: path.to_path_buf(),
                    line: line.max(1),
                    column: column.max(1),
                    message,
                }
            })?
        };
        // Semantic checks serde cannot do, located with the spanned YAML tree.
        let parsed = crate::yaml::parse(text, &crate::yaml::Limits::default());
        let root_node = parsed.documents.first().and_then(|d| d.root);
        let offset_of = |keys: &[&str]| -> usize {
            root_node
                .and_then(|r| {
                    let tree = &parsed.tree;
                    let (last, parents) = keys.split_last()?;
                    let parent = tree.path(r, parents)?;
                    tree.entries(parent)
                        .into_iter()
                        .find(|(k, _)| tree.str(*k) == Some(last))
                        .map(|(k, _)| tree.span(k).0)
                })
                .unwrap_or(0)
        };
        for id in config.rules.keys() {
            if !rule_ids.contains(&id.as_str()) {
                return Err(located(
                    offset_of(&["rules", id]),
                    format!("unknown rule `{id}` (`adminlint rules` lists them)"),
                ));
            }
        }
        let exclude = glob_set(&config.exclude).map_err(|m| located(offset_of(&["exclude"]), m))?;
        let include = if config.include.is_empty() {
            None
        } else {
            Some(glob_set(&config.include).map_err(|m| located(offset_of(&["include"]), m))?)
        };
        let extra_files = if config.extra_files.is_empty() {
            None
        } else {
            Some(
                glob_set(&config.extra_files)
                    .map_err(|m| located(offset_of(&["extra-files"]), m))?,
            )
        };
        let script_files = match &config.script_files {
            Some(globs) => {
                Some(glob_set(globs).map_err(|m| located(offset_of(&["script-files"]), m))?)
            }
            None => None,
        };
        let root = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(LoadedConfig {
            config,
            path: Some(path.to_path_buf()),
            project_root: Some(root.clone()),
            root,
            exclude,
            include,
            extra_files,
            script_files,
        })
    }

    /// Read and parse a configuration file.
    pub fn load(path: &Path, rule_ids: &[&str]) -> Result<LoadedConfig, ConfigError> {
        let text = crate::read::read_text(path, CONFIG_MAX_BYTES).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: format!("cannot read the configuration: {}", e.as_reference()),
        })?;
        LoadedConfig::parse(path, &text, rule_ids)
    }

    /// A path relative to the project root, `/`-separated (None when outside it).
    pub fn relative(&self, path: &Path) -> Option<String> {
        let absolute = |p: &Path| crate::discover::absolute(p).ok();
        let (path_abs, root_abs) = (absolute(path)?, absolute(&self.root)?);
        let relative = path_abs.strip_prefix(&root_abs).ok()?;
        Some(relative.to_string_lossy().replace('\\', "/"))
    }

    /// True when the file must not be read (`exclude`, or outside `include` for walked files).
    pub fn excludes(&self, path: &Path, named: bool) -> bool {
        // Most projects exclude nothing: no path to make relative for every file walked.
        if self.exclude.is_empty() && self.include.is_none() {
            return false;
        }
        let Some(relative) = self.relative(path) else {
            return false;
        };
        if self.exclude.is_match(&relative) {
            return true;
        }
        !named
            && self
                .include
                .as_ref()
                .is_some_and(|set| !set.is_match(&relative))
    }

    /// True when a walk reads `path` although it would skip it (`extra-files`).
    pub fn is_extra_file(&self, path: &Path) -> bool {
        let Some(extra) = &self.extra_files else {
            return false;
        };
        self.relative(path).is_some_and(|r| extra.is_match(&r))
    }

    /// Whether a walk reads `path` for its commands by the `script-files` globs; None when the
    /// setting is unset (the built-in script names decide).
    pub fn reads_commands(&self, path: &Path) -> Option<bool> {
        let set = self.script_files.as_ref()?;
        Some(self.relative(path).is_some_and(|r| set.is_match(&r)))
    }

    /// False when `script-files: []` turns commands off.
    pub fn commands_enabled(&self) -> bool {
        self.config
            .script_files
            .as_ref()
            .is_none_or(|globs| !globs.is_empty())
    }

    /// True when the configuration adds files a walk would skip (`extra-files`).
    pub fn has_extra_files(&self) -> bool {
        self.extra_files.is_some()
    }

    /// True when `path` (relative to the root) matches any of `globs`.
    pub fn path_matches(&self, globs: &[String], path: &Path) -> bool {
        let Some(relative) = self.relative(path) else {
            return false;
        };
        glob_set(globs).is_ok_and(|set| set.is_match(&relative))
    }
}

/// The nearest directory at or above `start` holding `.adminlint.yaml` or `.git`, and the
/// configuration file if there is one there.
pub fn find_root(start: &Path) -> Option<(PathBuf, Option<PathBuf>)> {
    let start = std::path::absolute(start).ok()?;
    let first = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    let mut dir = first;
    while let Some(current) = dir {
        let config = current.join(CONFIG_FILE);
        if config.is_file() {
            return Some((current.to_path_buf(), Some(config)));
        }
        if current.join(".git").exists() {
            return Some((current.to_path_buf(), None));
        }
        dir = current.parent();
    }
    None
}

/// The JSON Schema of the configuration file (shipped as `adminlint.schema.json`).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Config);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: [&str; 2] = ["image-mismatch", "config-missing"];

    #[test]
    fn every_key_parses() {
        let text = r#"
rules:
  image-mismatch: warning
  config-missing: off
fail-level: error
exclude: ["vendor/", "**/*.tmpl.yaml"]
include: ["deploy/**"]
extra-files: ["**/*.yaml.tpl", ".deploy/"]
apps:
  - name: shop
    images: ["registry.example.com/shop/*"]
    labels: {app.kubernetes.io/part-of: shop}
    paths: ["deploy/shop/**"]
    services: [web]
admin:
  - kind: Deployment
    name: "*-migrator"
long-running:
  - kind: Job
    name: keepalive
    namespace: ops
    labels: {tier: batch}
    images: ["docker.io/library/busybox"]
    paths: ["jobs/*.yaml"]
    services: [cron]
external:
  - {kind: Secret, name: vault-*}
  - {kind: ConfigMap, name: cluster-info}
kinds:
  - {apiVersion: batch.example.com/v1, kind: MigrationRun, podSpec: spec.template.spec, role: admin}
wrappers: ["chamber exec"]
installers: ["mytool install"]
"#;
        let loaded = LoadedConfig::parse(Path::new("/repo/.adminlint.yaml"), text, &IDS).unwrap();
        let config = &loaded.config;
        assert_eq!(config.rules["config-missing"], RuleLevel::Off);
        assert_eq!(config.fail_level, Some(FailLevel::Error));
        assert_eq!(config.apps[0].labels["app.kubernetes.io/part-of"], "shop");
        assert_eq!(config.admin[0].name.as_deref(), Some("*-migrator"));
        assert_eq!(config.long_running[0].namespace.as_deref(), Some("ops"));
        assert_eq!(config.external[1].kind, ExternalKind::ConfigMap);
        assert_eq!(config.kinds[0].role, RoleName::Admin);
        assert_eq!(config.kinds[0].pod_spec, "spec.template.spec");
        assert_eq!(config.wrappers, ["chamber exec"]);
        assert_eq!(loaded.root, Path::new("/repo"));
        assert!(loaded.is_extra_file(Path::new("/repo/deploy/job.yaml.tpl")));
        assert!(loaded.is_extra_file(Path::new("/repo/.deploy/k8s/job.yml")));
        assert!(!loaded.is_extra_file(Path::new("/repo/deploy/job.yaml.j2")));
        assert!(loaded.excludes(Path::new("/repo/vendor/x.yaml"), true));
        assert!(loaded.excludes(Path::new("/repo/other/x.yaml"), false));
        assert!(!loaded.excludes(Path::new("/repo/other/x.yaml"), true));
        assert!(!loaded.excludes(Path::new("/repo/deploy/a.yaml"), false));
    }

    #[test]
    fn unknown_keys_and_rules_are_located() {
        let error =
            LoadedConfig::parse(Path::new("c.yaml"), "rules: {}\nrulez: 1\n", &IDS).unwrap_err();
        assert_eq!((error.line, error.column), (2, 1), "{error}");
        assert!(error.message.contains("rulez"), "{error}");
        let error = LoadedConfig::parse(
            Path::new("c.yaml"),
            "rules:\n  image-mismatch: error\n  nope: off\n",
            &IDS,
        )
        .unwrap_err();
        assert_eq!((error.line, error.column), (3, 3));
        assert_eq!(
            error.message,
            "unknown rule `nope` (`adminlint rules` lists them)"
        );
        let error =
            LoadedConfig::parse(Path::new("c.yaml"), "fail-level: loud\n", &IDS).unwrap_err();
        assert_eq!(error.line, 1);
        assert!(error.message.contains("loud"), "{error}");
        assert!(LoadedConfig::parse(Path::new("c.yaml"), "", &IDS).is_ok());
    }

    #[test]
    fn shipped_schema_is_current() {
        let shipped = std::fs::read_to_string("adminlint.schema.json").unwrap_or_default();
        assert!(
            shipped == json_schema(),
            "adminlint.schema.json is stale: run `cargo run -- schema > adminlint.schema.json`"
        );
    }
}
