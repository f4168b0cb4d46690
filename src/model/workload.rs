//! Workloads and containers: the facts extracted from one Kubernetes object or Compose service.

use crate::model::compose::{Build, ComposeFacts};
use crate::model::image::{ImageKind, ImageRef};
use crate::model::role::{Declaration, Hook};
use crate::origin::{Origin, Spanned, Step};
use crate::span::{FileId, Span};

/// The input format a workload was declared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Format {
    /// A Kubernetes object with a pod template.
    Kubernetes,
    /// A Docker Compose service.
    Compose,
    /// A command in a shell script, CI workflow, Makefile or Procfile.
    Command,
}

/// One Kubernetes object with a pod template (or one Compose service).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Workload {
    /// Kubernetes or Compose.
    pub format: Format,
    /// The file it is in.
    #[serde(skip, default = "crate::span::current_file")]
    pub file: FileId,
    /// Index of its YAML document in the file.
    pub document: usize,
    /// `apiVersion` as written.
    pub api_version: Option<String>,
    /// `kind` as written (`Job`, `Deployment`, …).
    pub kind: String,
    /// The whole object, for findings about the object itself.
    pub span: Span,
    /// `metadata.name`, or `generateName` (see [`Workload::generated_name`]).
    pub name: Option<Spanned<String>>,
    /// True when the name came from `metadata.generateName`.
    pub generated_name: bool,
    /// `metadata.namespace`.
    pub namespace: Option<Spanned<String>>,
    /// `metadata.labels`, in source order.
    pub labels: Vec<(String, Spanned<String>)>,
    /// `metadata.annotations`, in source order.
    pub annotations: Vec<(String, Spanned<String>)>,
    /// A role declared in the manifest (a signal: roles are classified after assembly, see
    /// [`crate::model::role`]).
    pub declared_role: Option<Declaration>,
    /// Helm and Argo CD hooks declared by its annotations, Helm's first.
    pub hooks: Vec<Hook>,
    /// `serviceAccountName` of the pod.
    pub service_account: Option<Spanned<String>>,
    /// `imagePullSecrets` names.
    pub image_pull_secrets: Vec<Spanned<String>>,
    /// `restartPolicy` of the pod.
    pub restart_policy: Option<Spanned<String>>,
    /// A Job's (or a CronJob's job template's) run settings; None for other kinds.
    pub job: Option<JobSpec>,
    /// Init containers first, then containers, in source order.
    pub containers: Vec<Container>,
    /// The pod's volumes that hold ConfigMaps or Secrets (kept so that a kustomize patch of a
    /// volume or a mount can be followed to the containers' config).
    pub volumes: Vec<ConfigVolume>,
    /// The app it belongs to, when declared (`adminlint.io/app`, `apps:` in the configuration).
    pub app: Option<String>,
    /// Suppressions declared on the object (`ignore.adminlint.io/<rule>` annotations).
    pub ignores: Vec<Ignore>,
    /// How the object itself was made: the Helm template it was rendered from (its
    /// `# Source: chart/templates/x.yaml` comment), if any.
    pub provenance: Origin,
    /// Which rendered set it is part of: 0 for the files as given; each kustomization overlay
    /// rendered gets its own scope (its workloads are copies with the overlay's changes).
    pub scope: usize,
    /// The overlay directory when this is a kustomize-rendered copy; for a Compose service,
    /// the files its project combines when they are not a default file with its override file
    /// (`docker-compose.yml + docker-compose.inits.yml`); for a Helm chart rendered with several
    /// values sets, `Helm values <set>` (see [`rendering_title`]).
    pub overlay: Option<String>,
    /// Compose services only: project, restart, dependencies and raw forms.
    /// Not in the fact cache: Compose services are loaded from their files each run.
    #[serde(skip)]
    pub compose: Option<ComposeFacts>,
    /// Commands only: the tool, the workload it runs in, what points it at production.
    pub command: Option<Box<crate::model::script::CommandFacts>>,
}

/// The rendering a copy is in, for messages: a kustomize overlay by its directory, a Helm
/// values set as named.
pub fn rendering_title(overlay: &str) -> String {
    if overlay.starts_with("Helm values ") {
        overlay.to_string()
    } else {
        format!("kustomize overlay `{overlay}`")
    }
}

/// How a Job runs to completion: raw values as written (the rules decide what they mean).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JobSpec {
    /// `backoffLimit` (Kubernetes retries a failed pod 6 times when it is unset).
    pub backoff_limit: Option<Spanned<String>>,
    /// `ttlSecondsAfterFinished`: the finished Job is deleted, so the next apply creates it anew.
    pub ttl_seconds_after_finished: Option<Spanned<String>>,
    /// The Job spec's node (where a missing setting would be written).
    pub span: Span,
}

/// A suppression written on an object: which rules (or `all`), the reason, and where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ignore {
    /// Rule id or `all`.
    pub rule: String,
    /// The reason given (None or empty: missing).
    pub reason: Option<String>,
    /// The annotation (or `x-adminlint` entry).
    pub span: Span,
}

impl Workload {
    /// `Kind name` for messages, e.g. "Job `db-migrate`", with the Helm template it comes from
    /// when there is one. (The kustomize overlay is named once per message, by the pipeline.)
    pub fn title(&self) -> String {
        let mut title = match &self.name {
            Some(name) if self.generated_name => format!("{} `{}*`", self.kind, name.value),
            Some(name) => format!("{} `{}`", self.kind, name.value),
            None if self.format == Format::Command => self.kind.clone(),
            None => format!("unnamed {}", self.kind),
        };
        if let Some(template) = self.template() {
            title.push_str(&format!(" (from `{template}`)"));
        }
        title
    }

    /// The Helm template the object was rendered from, if any.
    pub fn template(&self) -> Option<&str> {
        self.provenance.via().iter().find_map(|step| match step {
            Step::HelmTemplate { source } => Some(source.as_str()),
            _ => None,
        })
    }

    /// A label value.
    pub fn label(&self, key: &str) -> Option<&Spanned<String>> {
        self.labels.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// An annotation value.
    pub fn annotation(&self, key: &str) -> Option<&Spanned<String>> {
        self.annotations
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Each container's config from mounted volumes ([`ConfigVia::Volume`]), read again from
    /// its mounts and the pod's volumes, after its `envFrom` sources.
    pub fn mount_config(&mut self) {
        for container in &mut self.containers {
            container
                .config
                .retain(|c| !matches!(c.via, ConfigVia::Volume(_)));
            for mount in &container.mounts {
                let Some(volume) = self.volumes.iter().find(|v| v.name == mount.volume) else {
                    continue;
                };
                for source in &volume.sources {
                    container.config.push(ConfigSource {
                        kind: source.kind,
                        name: source.name.clone(),
                        via: ConfigVia::Volume(mount.path.clone()),
                        span: mount.span,
                        optional: source.optional,
                    });
                }
            }
        }
    }

    /// The namespace, or "" when none is set.
    pub fn namespace_name(&self) -> &str {
        self.namespace.as_ref().map_or("", |n| n.value.as_str())
    }

    /// The Compose project a Compose service is in, or a command runs in (`docker compose run
    /// tools …`): its release peers are that project's services.
    pub fn compose_project(&self) -> Option<&str> {
        match (&self.compose, &self.command) {
            (Some(compose), _) => Some(compose.project.as_str()),
            (None, Some(command)) => command.compose_project.as_deref(),
            (None, None) => None,
        }
    }
}

/// One container of a pod template (or the single process of a Compose service).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Container {
    /// `name`.
    pub name: Option<Spanned<String>>,
    /// True for `initContainers`.
    pub init: bool,
    /// The container's node.
    pub span: Span,
    /// `image`, parsed.
    pub image: Option<Spanned<ImageRef>>,
    /// `command` (exec form), each word with its span; None when not set.
    pub command: Option<Vec<Spanned<String>>>,
    /// `args`, each word with its span; None when not set.
    pub args: Option<Vec<Spanned<String>>>,
    /// `workingDir`.
    pub working_dir: Option<Spanned<String>>,
    /// Whole-source config: `envFrom` and mounted ConfigMap / Secret volumes.
    pub config: Vec<ConfigSource>,
    /// `env` entries.
    pub env: Vec<EnvVar>,
    /// `volumeMounts` (Kubernetes).
    pub mounts: Vec<VolumeMount>,
    /// Compose `build:`, when the service builds its image.
    #[serde(skip)]
    pub build: Option<Build>,
    /// The image with its variables resolved, when the text changes: Compose, from the
    /// project's `.env` file and the defaults written in the reference (set after the fact
    /// cache), when every variable is known; an OpenShift template, from its parameters'
    /// defaults (cached with the file's facts).
    pub resolved_image: Option<ImageRef>,
}

impl Container {
    /// `command` followed by `args`, as the container runtime sees them.
    pub fn argv(&self) -> Vec<&Spanned<String>> {
        self.command
            .iter()
            .flatten()
            .chain(self.args.iter().flatten())
            .collect()
    }

    /// The admin word of a container that runs its image's own entrypoint (no `command:`) when
    /// the image is named for migrations (`sourcegraph/migrator`, `acme/shop-migrate`): the
    /// image's last path component, whose entrypoint is the migration tool, with `args` (its
    /// command line, `up`) as the tool's subcommand
    /// ([`crate::model::command::image_migration_word`]).
    pub fn image_migration_word(
        &self,
        args: &crate::model::command::CommandLine,
    ) -> Option<String> {
        if self.command.is_some() {
            return None;
        }
        // A build reference (`ko://…/cmd/migrate`) names source, not an image.
        let image = self
            .effective_image()
            .filter(|i| i.kind != ImageKind::Opaque)?;
        let repository = image.repository();
        let program = repository.rsplit('/').next()?;
        if !crate::model::command::mentions_migrations(program) {
            return None;
        }
        crate::model::command::image_migration_word(program, args)
    }

    /// The image as it will run: the resolved reference when known, else the image as written.
    pub fn effective_image(&self) -> Option<&ImageRef> {
        self.resolved_image
            .as_ref()
            .or(self.image.as_ref().map(|i| &i.value))
    }

    /// Normalised repositories of the image as written and as resolved (no opaque references).
    pub fn repositories(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let written = self.image.as_ref().map(|i| &i.value);
        for image in written.into_iter().chain(self.resolved_image.as_ref()) {
            if image.kind != ImageKind::Opaque && !out.contains(&image.repository()) {
                out.push(image.repository());
            }
        }
        out
    }

    /// True when both run the same release: both build the same source (Compose `build:`: the
    /// same code, whatever local names they are tagged with), the images as written are the
    /// same release (a templated reference equals the same text), or both resolve to the same
    /// release.
    pub fn same_release(&self, other: &Container) -> bool {
        if let (Some(a), Some(b)) = (&self.build, &other.build)
            && a.same_source(b)
        {
            return true;
        }
        if let (Some(a), Some(b)) = (&self.image, &other.image)
            && a.value.same_release(&b.value)
        {
            return true;
        }
        match (self.effective_image(), other.effective_image()) {
            (Some(a), Some(b)) => !a.is_placeholder() && !b.is_placeholder() && a.same_release(b),
            _ => false,
        }
    }

    /// The image for messages: "`raw`", or "`raw` (resolved: `text`)" when Compose resolves it.
    pub fn image_text(&self) -> String {
        match (&self.image, &self.resolved_image) {
            (Some(image), Some(resolved)) => format!("`{}` (resolved: `{resolved}`)", image.value),
            (Some(image), None) => format!("`{}`", image.value),
            (None, _) => "no image".to_string(),
        }
    }

    /// The container name or "?" for messages.
    pub fn display_name(&self) -> &str {
        self.name.as_ref().map_or("?", |n| n.value.as_str())
    }
}

/// Kinds of configuration object.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum ConfigKind {
    /// A ConfigMap.
    ConfigMap,
    /// A Secret.
    Secret,
    /// A Compose `env_file`.
    EnvFile,
    /// A Compose `config` (mounted as a file).
    Config,
}

impl ConfigKind {
    /// Name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigKind::ConfigMap => "ConfigMap",
            ConfigKind::Secret => "Secret",
            ConfigKind::EnvFile => "env_file",
            ConfigKind::Config => "config",
        }
    }
}

/// A pod volume holding ConfigMaps or Secrets (a `configMap`, `secret` or `projected` volume).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConfigVolume {
    /// The volume's `name`.
    pub name: String,
    /// What it holds, in order.
    pub sources: Vec<VolumeSource>,
}

/// One ConfigMap or Secret a volume holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VolumeSource {
    /// ConfigMap or Secret.
    pub kind: ConfigKind,
    /// Its name.
    pub name: String,
    /// `optional: true`.
    pub optional: bool,
}

/// One `volumeMounts` entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VolumeMount {
    /// The volume's name.
    pub volume: String,
    /// `mountPath`.
    pub path: String,
    /// The entry.
    pub span: Span,
}

/// How a config source reaches the container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ConfigVia {
    /// `envFrom` (all keys as environment variables, with an optional prefix).
    EnvFrom,
    /// A volume mounted at this path.
    Volume(String),
    /// A Compose `env_file`.
    EnvFile,
}

/// One ConfigMap / Secret / env file a container reads as a whole.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConfigSource {
    /// ConfigMap, Secret or env file.
    pub kind: ConfigKind,
    /// Its name (or path for env files).
    pub name: String,
    /// How it is read.
    pub via: ConfigVia,
    /// The reference in the manifest.
    pub span: Span,
    /// `optional: true`.
    pub optional: bool,
}

/// Where an environment variable's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum EnvValue {
    /// `value: …` (None when `value` is absent or null).
    Literal(Option<String>),
    /// `valueFrom.configMapKeyRef`.
    ConfigMapKey {
        /// ConfigMap name.
        name: String,
        /// Key.
        key: String,
    },
    /// `valueFrom.secretKeyRef`.
    SecretKey {
        /// Secret name.
        name: String,
        /// Key.
        key: String,
    },
    /// `valueFrom.fieldRef.fieldPath`.
    FieldRef(String),
    /// `valueFrom.resourceFieldRef.resource`.
    ResourceFieldRef(String),
    /// Anything else under `valueFrom`.
    Other,
    /// Compose: exactly one variable without a default (`${DATABASE_URL}`), so the value is
    /// the project's configuration (`.env` or the environment `docker compose` runs in).
    Variable(String),
}

impl EnvValue {
    /// True when the value comes from a ConfigMap, a Secret or (Compose) a project variable.
    pub fn is_config_ref(&self) -> bool {
        matches!(
            self,
            EnvValue::ConfigMapKey { .. } | EnvValue::SecretKey { .. } | EnvValue::Variable(_)
        )
    }

    /// Short description for messages: "Secret `db`, key `url`", "the literal `x`".
    pub fn describe(&self) -> String {
        match self {
            EnvValue::Literal(Some(v)) if v.is_empty() => "an empty value".to_string(),
            EnvValue::Literal(Some(v)) => format!("the literal `{v}`"),
            EnvValue::Literal(None) => "an empty value".to_string(),
            EnvValue::ConfigMapKey { name, key } => format!("ConfigMap `{name}` key `{key}`"),
            EnvValue::SecretKey { name, key } => format!("Secret `{name}` key `{key}`"),
            EnvValue::FieldRef(path) => format!("field `{path}`"),
            EnvValue::ResourceFieldRef(res) => format!("resource `{res}`"),
            EnvValue::Other => "another source".to_string(),
            EnvValue::Variable(name) => format!("the variable `${{{name}}}`"),
        }
    }
}

/// One `env` entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EnvVar {
    /// Variable name.
    pub name: String,
    /// Where its value comes from.
    pub value: EnvValue,
    /// The whole entry.
    pub span: Span,
}
