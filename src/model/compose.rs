//! Facts only a Docker Compose service has: its project, restart policy, dependencies, and the
//! raw forms some Compose-only rules read (string commands, unquoted YAML 1.1 booleans).

use crate::origin::Spanned;
use crate::span::Span;

/// What a Compose service adds to its [`crate::model::workload::Workload`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComposeFacts {
    /// The Compose project (display path of its first file). Services are compared only with
    /// services of the same project.
    pub project: String,
    /// `restart` (interpolated), or `deploy.restart_policy.condition` mapped to it.
    pub restart: Option<Spanned<String>>,
    /// `pull_policy` (interpolated).
    pub pull_policy: Option<Spanned<String>>,
    /// `profiles`.
    pub profiles: Vec<Spanned<String>>,
    /// `depends_on`, short and long form.
    pub depends_on: Vec<Dependency>,
    /// The first service of the project that waits for this one to complete
    /// (`condition: service_completed_successfully`).
    pub waited_on_by: Option<String>,
    /// `command` / `entrypoint` written as one string, which Compose splits without a shell.
    pub command_strings: Vec<CommandString>,
    /// Plain `yes` / `no` / `on` / `off` where Compose expects a string.
    pub yaml_booleans: Vec<YamlBoolean>,
}

/// One `depends_on` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The service depended on.
    pub service: Spanned<String>,
    /// `condition` (`service_started` when written in the short form).
    pub condition: String,
}

/// A `command` or `entrypoint` given as a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandString {
    /// `command` or `entrypoint`.
    pub key: &'static str,
    /// The string as YAML reads it, before interpolation.
    pub text: String,
    /// Where the service uses it.
    pub span: Span,
    /// Written as a `|` / `>` block scalar (its span starts at the content, not the header).
    pub block: bool,
}

/// A plain scalar that YAML 1.1 tools read as a boolean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlBoolean {
    /// The key it is the value of, e.g. `restart` or `environment.DEBUG`.
    pub key: String,
    /// The text as written (`no`, `On`, …).
    pub value: String,
    /// Where it is written.
    pub span: Span,
}

/// `build:` of a Compose service: what the image is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    /// The context: a directory relative to the project directory (`.`-free, `/`-separated),
    /// or a URL as written.
    pub context: Spanned<String>,
    /// `dockerfile` relative to the context (`Dockerfile` when not set).
    pub dockerfile: Spanned<String>,
    /// `target` stage.
    pub target: Option<Spanned<String>>,
    /// `args`, in source order (interpolated; None for a pass-through `ARG` without value).
    pub args: Vec<(String, Option<Spanned<String>>)>,
}

impl Build {
    /// True when both build the same stage of the same Dockerfile from the same context: the
    /// same code, whatever local names their `image:` gives the result.
    pub fn same_source(&self, other: &Build) -> bool {
        let target = |build: &Build| build.target.as_ref().map(|t| t.value.clone());
        self.context.value == other.context.value
            && self.dockerfile.value == other.dockerfile.value
            && target(self) == target(other)
    }
}

/// The script a Compose service's main container runs, as the path it is looked for at in the
/// run's files (`./bin/entrypoint.sh` -> `bin/entrypoint.sh`): its program, when that is a
/// relative path or a `.sh` file. None for other workloads, a bare program name, and an
/// absolute path (a place in the image).
pub fn program_script(workload: &crate::model::workload::Workload) -> Option<&str> {
    workload.compose.as_ref()?;
    let container = workload.containers.iter().find(|c| !c.init)?;
    let program = container.argv().first()?.value.as_str();
    let relative = program.strip_prefix("./").unwrap_or(program);
    let script = relative.contains('/') || relative.ends_with(".sh");
    (script && !relative.is_empty() && !relative.starts_with('/')).then_some(relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_are_the_same_source_by_context_dockerfile_and_target() {
        let build = |context: &str, dockerfile: &str, target: Option<&str>| Build {
            context: Spanned::new(context.to_string(), Span::default()),
            dockerfile: Spanned::new(dockerfile.to_string(), Span::default()),
            target: target.map(|t| Spanned::new(t.to_string(), Span::default())),
            args: Vec::new(),
        };
        let web = build(".", "Dockerfile", Some("app"));
        assert!(web.same_source(&build(".", "Dockerfile", Some("app"))));
        assert!(!web.same_source(&build(".", "Dockerfile", Some("assets"))));
        assert!(!web.same_source(&build(".", "Dockerfile", None)));
        assert!(!web.same_source(&build("web", "Dockerfile", Some("app"))));
        assert!(!web.same_source(&build(".", "docker/Dockerfile", Some("app"))));
    }
}
