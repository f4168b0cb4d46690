//! The facts of one merged Compose service, with its role signals.

use std::path::{Component, Path, PathBuf};

use super::interpolate::{Environment, Interpolated, Template, interpolate, sole_variable};
use super::value::{Kind, Value};
use crate::discover::lexical;
use crate::model::command;
use crate::model::compose::{Build, CommandString, ComposeFacts, Dependency, YamlBoolean};
use crate::model::image::ImageRef;
use crate::model::role::Declaration;
use crate::model::role::signals::DeclarationSource;
use crate::model::workload::Ignore;
use crate::model::workload::{
    ConfigKind, ConfigSource, ConfigVia, Container, EnvValue, EnvVar, Format, Workload,
};
use crate::origin::{EnvDefinition, Origin, Spanned, Step};
use crate::span::{FileId, Span};
use crate::yaml::ScalarStyle;

/// What extraction needs to know about the project a service is in.
pub struct Context<'a> {
    /// The project's `.env` values.
    pub env: &'a Environment,
    /// How many times each variable is referred to by the services of every project that
    /// reads the same `.env` (its own lines' references are counted by `env`).
    pub uses: &'a std::collections::BTreeMap<String, usize>,
    /// The project key ([`ComposeFacts::project`]).
    pub project: &'a str,
    /// The project directory (absolute, lexically normalised), None when unknown (stdin).
    pub project_dir: Option<&'a Path>,
    /// The directory (absolute, lexically normalised) of a file, None when unknown.
    pub dir_of: &'a dyn Fn(FileId) -> Option<PathBuf>,
}

/// One merged service of a project.
pub struct Service<'a> {
    /// Its name.
    pub name: &'a str,
    /// Where its name is written first (the earliest file that defines it).
    pub key_span: Span,
    /// The YAML document of that definition.
    pub document: usize,
    /// The merged value.
    pub value: &'a Value,
}

/// Plain scalars YAML 1.1 tools (PyYAML, docker-compose v1) read as booleans; Compose v2 reads
/// them as strings. `true` / `false` are booleans to both, so they are not ambiguous.
const YAML11_BOOLEANS: [&str; 12] = [
    "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
];

impl Context<'_> {
    fn text(&self, value: &Value) -> Option<String> {
        value.str().map(|text| interpolate(text, self.env).text)
    }

    fn spanned(&self, value: Option<&Value>) -> Option<Spanned<String>> {
        let value = value?;
        let written = value.str()?;
        let resolved = interpolate(written, self.env);
        let origin = self.interpolated(value, written, &resolved);
        Some(Spanned::with_origin(resolved.text, value.span, origin))
    }

    /// The origin of `value` (whose text is `written`), with a step for each variable its
    /// interpolation consulted.
    fn interpolated(&self, value: &Value, written: &str, resolved: &Interpolated) -> Origin {
        let mut origin = value.origin.clone();
        let mut seen: Vec<&str> = Vec::new();
        for used in &resolved.used {
            if seen.contains(&used.name.as_str()) {
                continue;
            }
            seen.push(&used.name);
            origin.push(Step::Interpolation {
                variable: used.name.clone(),
                definition: self.definition(&used.name, written, resolved),
            });
        }
        origin
    }

    /// The `.env` definition a value's interpolation took `name` from; None when the value
    /// did not take it from there (unset, or a default applied).
    fn definition(
        &self,
        name: &str,
        written: &str,
        resolved: &Interpolated,
    ) -> Option<EnvDefinition> {
        let places: Vec<&std::ops::Range<usize>> = resolved
            .used
            .iter()
            .filter(|u| u.name == name)
            .filter_map(|u| u.at.as_ref())
            .collect();
        let (_, display) = self.env.file()?;
        let definition = self.env.definition(name)?;
        let value = self.env.get(name)?;
        if places.is_empty() {
            return None;
        }
        let here = Template::parse(written)
            .variables()
            .iter()
            .filter(|v| *v == name)
            .count();
        let around = match places.as_slice() {
            [at] if resolved.complete && here == 1 => Some((
                resolved.text[..at.start].to_string(),
                resolved.text[at.end..].to_string(),
            )),
            _ => None,
        };
        let uses = self.uses.get(name).copied().unwrap_or(0) + self.env.references(name);
        Some(EnvDefinition {
            file: display.to_string(),
            value: value.to_string(),
            line: definition.line,
            value_span: definition.value,
            around,
            sole_use: here == 1 && uses == 1,
        })
    }

    /// A path written in the file `value` is in, relative to the project directory.
    fn path(&self, value: &Value) -> Option<Spanned<String>> {
        let text = self.text(value)?;
        Some(Spanned::with_origin(
            self.relative_path(&text, value.span.file),
            value.span,
            value.origin.clone(),
        ))
    }

    fn relative_path(&self, text: &str, file: FileId) -> String {
        if text.contains("://") || text.starts_with("git@") {
            return text.to_string();
        }
        let (Some(project_dir), Some(file_dir)) = (self.project_dir, (self.dir_of)(file)) else {
            return clean(Path::new(text));
        };
        let absolute = lexical(&file_dir.join(text));
        relative(project_dir, &absolute)
    }
}

/// Extract the workload of one service.
pub fn extract(service: &Service<'_>, context: &Context<'_>) -> Workload {
    let value = service.value;
    let name = Spanned::new(service.name.to_string(), service.key_span);
    let mut facts = ComposeFacts {
        project: context.project.to_string(),
        ..ComposeFacts::default()
    };
    let (command, command_string) = words(value.get("entrypoint"), "entrypoint", context);
    let (args, args_string) = words(value.get("command"), "command", context);
    facts.command_strings.extend(command_string);
    facts.command_strings.extend(args_string);
    let (image, resolved_image) = match value.get("image").and_then(|i| Some((i, i.str()?))) {
        Some((node, written)) => {
            let interpolated = interpolate(written, context.env);
            let origin = context.interpolated(node, written, &interpolated);
            let resolved = (interpolated.has_variables
                && interpolated.complete
                && interpolated.text != written)
                .then(|| ImageRef::parse(&interpolated.text));
            (
                Some(Spanned::with_origin(
                    ImageRef::parse(written),
                    node.span,
                    origin,
                )),
                resolved,
            )
        }
        None => (None, None),
    };
    let mut config = Vec::new();
    for item in value.get("env_file").map_or(&[][..], Value::items) {
        let (path, required) = match &item.kind {
            Kind::Map(_) => (item.get("path"), item.get("required")),
            _ => (Some(item), None),
        };
        let Some(path) = path.and_then(|p| context.path(p)) else {
            continue;
        };
        let optional = required
            .and_then(|r| context.text(r))
            .is_some_and(|r| r == "false");
        config.push(ConfigSource {
            kind: ConfigKind::EnvFile,
            name: path.value,
            via: ConfigVia::EnvFile,
            span: path.span,
            optional,
        });
    }
    for (key, kind, dir) in [
        ("secrets", ConfigKind::Secret, "/run/secrets/"),
        ("configs", ConfigKind::Config, "/"),
    ] {
        for item in value.get(key).map_or(&[][..], Value::items) {
            let (source, target) = match &item.kind {
                Kind::Map(_) => (item.get("source"), item.get("target")),
                _ => (Some(item), None),
            };
            let Some(source) = source.and_then(|s| context.text(s)) else {
                continue;
            };
            let target = target
                .and_then(|t| context.text(t))
                .unwrap_or_else(|| format!("{dir}{source}"));
            config.push(ConfigSource {
                kind,
                name: source,
                via: ConfigVia::Volume(target),
                span: item.span,
                optional: false,
            });
        }
    }
    let env = value
        .get("environment")
        .map_or(&[][..], Value::entries)
        .iter()
        .map(|entry| {
            let value = match &entry.value.kind {
                Kind::Scalar(text, _) => match sole_variable(text) {
                    Some(variable) => EnvValue::Variable(variable),
                    None => EnvValue::Literal(Some(interpolate(text, context.env).text)),
                },
                _ => EnvValue::Literal(None),
            };
            EnvVar {
                name: entry.key.clone(),
                value,
                span: join(entry.key_span, entry.value.span),
            }
        })
        .collect();
    let build = value.get("build").map(|build| build_of(build, context));
    let labels = value
        .get("labels")
        .map_or(&[][..], Value::entries)
        .iter()
        .map(|e| {
            let text = context.text(&e.value).unwrap_or_default();
            (e.key.clone(), Spanned::new(text, e.value.span))
        })
        .collect();
    facts.pull_policy = context.spanned(value.get("pull_policy"));
    facts.restart = context.spanned(value.get("restart")).or_else(|| {
        let condition = value
            .get("deploy")?
            .get("restart_policy")?
            .get("condition")?;
        let text = context.text(condition)?;
        let restart = match text.as_str() {
            "none" => "no",
            "any" => "always",
            other => other,
        };
        Some(Spanned::new(restart.to_string(), condition.span))
    });
    facts.profiles = value
        .get("profiles")
        .map_or(&[][..], Value::items)
        .iter()
        .filter_map(|p| context.spanned(Some(p)))
        .collect();
    facts.depends_on = value
        .get("depends_on")
        .map_or(&[][..], Value::entries)
        .iter()
        .map(|e| Dependency {
            service: Spanned::new(e.key.clone(), e.key_span),
            condition: e
                .value
                .get("condition")
                .and_then(|c| context.text(c))
                .unwrap_or_else(|| "service_started".into()),
        })
        .collect();
    facts.yaml_booleans = yaml_booleans(value);
    let declared_role = context
        .spanned(value.get("x-adminlint").and_then(|x| x.get("role")))
        .map(|value| Declaration {
            source: DeclarationSource::XAdminlint,
            value,
        });
    // `x-adminlint: {ignore: {<rule>: <reason>}}`: suppressions on the service.
    let ignores = value
        .get("x-adminlint")
        .and_then(|x| x.get("ignore"))
        .map_or(&[][..], Value::entries)
        .iter()
        .map(|entry| Ignore {
            rule: entry.key.clone(),
            reason: context
                .text(&entry.value)
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty()),
            span: entry.key_span,
        })
        .collect();
    let container = Container {
        name: Some(name.clone()),
        init: false,
        span: value.span,
        image,
        command,
        args,
        working_dir: context.spanned(value.get("working_dir")),
        config,
        env,
        mounts: Vec::new(),
        build,
        resolved_image,
    };
    Workload {
        format: Format::Compose,
        file: service.key_span.file,
        document: service.document,
        api_version: None,
        kind: "service".into(),
        span: join(service.key_span, value.span),
        name: Some(name),
        generated_name: false,
        namespace: None,
        labels,
        annotations: Vec::new(),
        declared_role,
        hooks: Vec::new(),
        service_account: None,
        image_pull_secrets: Vec::new(),
        restart_policy: None,
        job: None,
        containers: vec![container],
        volumes: Vec::new(),
        app: None,
        ignores,
        provenance: crate::origin::Origin::DIRECT,
        scope: 0,
        overlay: None,
        compose: Some(facts),
        command: None,
    }
}

/// `command` / `entrypoint`: a list, or a string split into words without a shell.
fn words(
    value: Option<&Value>,
    key: &'static str,
    context: &Context<'_>,
) -> (Option<Vec<Spanned<String>>>, Option<CommandString>) {
    let Some(value) = value else {
        return (None, None);
    };
    match &value.kind {
        Kind::Null => (None, None),
        Kind::Scalar(text, style) => {
            let split = command::split_words(&interpolate(text, context.env).text);
            let words = split
                .into_iter()
                .map(|w| Spanned::new(w, value.span))
                .collect();
            let string = CommandString {
                key,
                text: text.clone(),
                span: value.span,
                block: matches!(style, ScalarStyle::Literal | ScalarStyle::Folded),
            };
            (Some(words), Some(string))
        }
        Kind::Seq(items) => (
            Some(
                items
                    .iter()
                    .filter_map(|item| context.spanned(Some(item)))
                    .collect(),
            ),
            None,
        ),
        Kind::Map(_) => (None, None),
    }
}

fn build_of(build: &Value, context: &Context<'_>) -> Build {
    let context_path = build
        .get("context")
        .and_then(|c| context.path(c))
        .unwrap_or_else(|| Spanned::new(context.relative_path(".", build.span.file), build.span));
    let dockerfile = build
        .get("dockerfile")
        .and_then(|d| context.spanned(Some(d)))
        .map(|d| Spanned::new(clean(Path::new(&d.value)), d.span))
        .unwrap_or_else(|| Spanned::new("Dockerfile".into(), build.span));
    Build {
        context: context_path,
        dockerfile,
        target: context.spanned(build.get("target")),
        args: build
            .get("args")
            .map_or(&[][..], Value::entries)
            .iter()
            .map(|e| (e.key.clone(), context.spanned(Some(&e.value))))
            .collect(),
    }
}

/// Unquoted `yes` / `no` / `on` / `off` in `restart` and in the values of `environment`,
/// `labels` and `build.args`, at the place they are written.
fn yaml_booleans(service: &Value) -> Vec<YamlBoolean> {
    let mut out = Vec::new();
    let mut check = |key: String, value: &Value| {
        if let Kind::Scalar(text, ScalarStyle::Plain) = &value.kind
            && YAML11_BOOLEANS.contains(&text.as_str())
        {
            out.push(YamlBoolean {
                key,
                value: text.clone(),
                span: value.written(),
            });
        }
    };
    if let Some(restart) = service.get("restart") {
        check("restart".into(), restart);
    }
    let build_args = service.get("build").and_then(|b| b.get("args"));
    for (prefix, map) in [
        ("environment", service.get("environment")),
        ("labels", service.get("labels")),
        ("build.args", build_args),
    ] {
        for entry in map.map_or(&[][..], Value::entries) {
            check(format!("{prefix}.{}", entry.key), &entry.value);
        }
    }
    out
}

/// A span from `a` to `b` when both are in one file and in order, else `a`.
fn join(a: Span, b: Span) -> Span {
    if a.file == b.file && a.start <= b.start {
        Span {
            file: a.file,
            start: a.start,
            end: b.end.max(a.end),
        }
    } else {
        a
    }
}

/// A relative path as text: lexically normalised, `/`-separated, `.` for nothing.
fn clean(path: &Path) -> String {
    let text = lexical(path).to_string_lossy().replace('\\', "/");
    if text.is_empty() { ".".into() } else { text }
}

/// `to` relative to the directory `from` (both absolute and normalised), `/`-separated.
pub(super) fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(to_parts.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to_parts[common..] {
        out.push(part.as_os_str());
    }
    clean(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_relative_to_the_project() {
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b/env/x.env")),
            "env/x.env"
        );
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/common/x.env")),
            "../common/x.env"
        );
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b")), ".");
        assert_eq!(
            clean(Path::new("./docker/./Dockerfile")),
            "docker/Dockerfile"
        );
    }
}
