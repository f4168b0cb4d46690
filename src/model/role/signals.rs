//! Role signals: the raw facts a role is decided from, recorded at extraction and cached.

use crate::model::command::CommandLine;
use crate::model::workload::{EnvValue, Format, Workload};
use crate::origin::Spanned;
use crate::span::Span;

/// The annotation that declares a Kubernetes object's role.
pub const ROLE_ANNOTATION: &str = "adminlint.io/role";

/// The values a role declaration may take (`app` and `long-running` are one role).
pub const ROLE_VALUES: &[&str] = &["admin", "app", "long-running", "ignore"];

/// A role written in the manifest itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Declaration {
    /// `adminlint.io/role` annotation or `x-adminlint: {role}`.
    pub source: DeclarationSource,
    /// The value as written (`admin`, `app`, `long-running`, `ignore`, or anything else).
    pub value: Spanned<String>,
}

/// Where a role is declared in a manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DeclarationSource {
    /// The `adminlint.io/role` annotation of a Kubernetes object.
    Annotation,
    /// `x-adminlint: {role: …}` on a Compose service.
    XAdminlint,
}

/// Which deployment tool runs a hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum HookTool {
    /// `helm.sh/hook`.
    Helm,
    /// `argocd.argoproj.io/hook`.
    ArgoCd,
}

impl HookTool {
    /// The annotation that makes an object a hook of this tool.
    pub fn annotation(self) -> &'static str {
        match self {
            HookTool::Helm => "helm.sh/hook",
            HookTool::ArgoCd => "argocd.argoproj.io/hook",
        }
    }

    /// The annotation naming what to delete after the hook.
    fn delete_policy_annotation(self) -> &'static str {
        match self {
            HookTool::Helm => "helm.sh/hook-delete-policy",
            HookTool::ArgoCd => "argocd.argoproj.io/hook-delete-policy",
        }
    }

    /// The annotation ordering hooks of one phase: Helm's hook weight, Argo CD's sync wave.
    pub fn weight_annotation(self) -> &'static str {
        match self {
            HookTool::Helm => "helm.sh/hook-weight",
            HookTool::ArgoCd => "argocd.argoproj.io/sync-wave",
        }
    }
}

/// A deployment-tool hook declared on an object, parsed from its annotations.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Hook {
    /// Helm or Argo CD.
    pub tool: HookTool,
    /// The phases, in the order written (`pre-install`, `post-upgrade`, `PreSync`, …).
    pub phases: Vec<String>,
    /// Helm's `hook-weight` or Argo CD's `sync-wave`, when it is an integer.
    pub weight: Option<i64>,
    /// The delete policies, in the order written (`before-hook-creation`, `HookSucceeded`, …).
    pub delete_policies: Vec<String>,
    /// The hook annotation's value.
    pub span: Span,
}

impl Hook {
    /// The hooks an object's annotations declare, Helm's first.
    pub fn from_annotations(annotations: &[(String, Spanned<String>)]) -> Vec<Hook> {
        let annotation = |key: &str| annotations.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        let list = |text: &str| -> Vec<String> {
            text.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_string)
                .collect()
        };
        [HookTool::Helm, HookTool::ArgoCd]
            .into_iter()
            .filter_map(|tool| {
                let value = annotation(tool.annotation())?;
                Some(Hook {
                    tool,
                    phases: list(&value.value),
                    weight: annotation(tool.weight_annotation())
                        .and_then(|w| w.value.trim().parse().ok()),
                    delete_policies: annotation(tool.delete_policy_annotation())
                        .map(|p| list(&p.value))
                        .unwrap_or_default(),
                    span: value.span,
                })
            })
            .collect()
    }
}

/// The Compose-only signals of a service.
#[derive(Debug, Clone, Copy)]
pub struct ComposeSignals<'a> {
    /// `restart` (or `deploy.restart_policy.condition` mapped to it).
    pub restart: Option<&'a str>,
    /// The first service that waits for it with `condition: service_completed_successfully`.
    pub waited_on_by: Option<&'a str>,
    /// The service's command line (entrypoint ++ command).
    pub command: &'a CommandLine,
    /// The first of its `profiles:` that names a one-off task (`setup`, `tools`, `cli`, …).
    pub one_off_profile: Option<&'a str>,
    /// An environment variable that switches the image to run once (`SETUP_ONESHOT=1`).
    pub one_shot_switch: Option<&'a str>,
    /// Its `sh -c` script ends up in `exec <program>` (see [`super::oneshot::hands_over`]).
    pub hands_over: bool,
    /// The image's last path component when the service sets no `entrypoint:`: the program its
    /// `command:` is given to (`cockroach` for `cockroachdb/cockroach`).
    pub image_program: Option<&'a str>,
}

/// Everything [`super::classify`] reads about one workload.
#[derive(Debug, Clone, Copy)]
pub struct Signals<'a> {
    /// Kubernetes object or Compose service.
    pub format: Format,
    /// `kind` as written (`service` for Compose).
    pub kind: &'a str,
    /// `apiVersion` as written.
    pub api_version: Option<&'a str>,
    /// A role declared in the manifest.
    pub declared: Option<&'a Declaration>,
    /// A role the configuration gives it (matched by [`crate::model::declare`]).
    pub config: Option<ConfigSelection>,
    /// Hooks, Helm's first.
    pub hooks: &'a [Hook],
    /// The pod's `restartPolicy`.
    pub restart_policy: Option<&'a str>,
    /// Compose services only.
    pub compose: Option<ComposeSignals<'a>>,
    /// Commands in scripts, workflows, Makefiles and Procfiles: what the scanner recorded.
    pub command: Option<&'a crate::model::script::CommandFacts>,
}

impl<'a> Signals<'a> {
    /// The signals of a workload; `command` is its first container's command line (read for
    /// Compose services only).
    pub fn of(
        workload: &'a Workload,
        config: Option<ConfigSelection>,
        command: &'a CommandLine,
    ) -> Self {
        Signals {
            format: workload.format,
            kind: &workload.kind,
            api_version: workload.api_version.as_deref(),
            declared: workload.declared_role.as_ref(),
            config,
            hooks: &workload.hooks,
            restart_policy: workload.restart_policy.as_ref().map(|p| p.value.as_str()),
            compose: workload.compose.as_ref().map(|facts| ComposeSignals {
                restart: facts.restart.as_ref().map(|r| r.value.as_str()),
                waited_on_by: facts.waited_on_by.as_deref(),
                command,
                one_off_profile: super::oneshot::one_off_profile(
                    facts.profiles.iter().map(|p| p.value.as_str()),
                ),
                one_shot_switch: workload
                    .containers
                    .first()
                    .into_iter()
                    .flat_map(|c| &c.env)
                    .find(|var| match &var.value {
                        EnvValue::Literal(Some(value)) => {
                            super::oneshot::is_one_shot_switch(&var.name, value)
                        }
                        _ => false,
                    })
                    .map(|var| var.name.as_str()),
                hands_over: workload.containers.first().is_some_and(|c| {
                    let words = c.command.iter().chain(&c.args).flatten();
                    super::oneshot::hands_over(words.map(|w| w.value.as_str()))
                }),
                image_program: workload
                    .containers
                    .first()
                    .filter(|c| c.command.is_none())
                    .and_then(|c| c.image.as_ref())
                    .and_then(|image| image.value.path.rsplit('/').next()),
            }),
            command: workload.command.as_deref(),
        }
    }
}

/// Which list of `.adminlint.yaml` selected a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigList {
    /// `admin:`.
    Admin,
    /// `long-running:`.
    LongRunning,
}

/// A role given by the configuration: the list and the index of the first matching selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigSelection {
    /// `admin:` or `long-running:`.
    pub list: ConfigList,
    /// The selector's index in that list (0-based).
    pub selector: usize,
}

/// For each service of one Compose project (in order), the first service that waits for it to
/// complete (`depends_on: {<it>: {condition: service_completed_successfully}}`).
pub fn completion_waiters(services: &[Workload]) -> Vec<Option<String>> {
    let name = |w: &Workload| w.name.as_ref().map_or("", |n| n.value.as_str()).to_string();
    // (waited-on service, waiting service), in service then dependency order.
    let mut waits: Vec<(&str, String)> = Vec::new();
    for service in services {
        for dependency in service.compose.iter().flat_map(|c| &c.depends_on) {
            if dependency.condition == "service_completed_successfully" {
                waits.push((&dependency.service.value, name(service)));
            }
        }
    }
    services
        .iter()
        .map(|service| {
            let me = name(service);
            waits
                .iter()
                .find(|(waited_on, _)| *waited_on == me)
                .map(|(_, waiter)| waiter.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn annotations(pairs: &[(&str, &str)]) -> Vec<(String, Spanned<String>)> {
        pairs
            .iter()
            .enumerate()
            .map(|(i, (k, v))| {
                let span = Span::new(FileId(0), i * 10, i * 10 + v.len());
                (k.to_string(), Spanned::new(v.to_string(), span))
            })
            .collect()
    }

    #[test]
    fn hooks_are_parsed_from_annotations() {
        let hooks = Hook::from_annotations(&annotations(&[
            ("argocd.argoproj.io/hook", "PreSync"),
            ("argocd.argoproj.io/sync-wave", "not a number"),
            ("helm.sh/hook", "pre-install, pre-upgrade,"),
            ("helm.sh/hook-weight", " -5 "),
            (
                "helm.sh/hook-delete-policy",
                "before-hook-creation,hook-succeeded",
            ),
        ]));
        assert_eq!(
            hooks,
            [
                Hook {
                    tool: HookTool::Helm,
                    phases: vec!["pre-install".into(), "pre-upgrade".into()],
                    weight: Some(-5),
                    delete_policies: vec!["before-hook-creation".into(), "hook-succeeded".into()],
                    span: Span::new(FileId(0), 20, 45),
                },
                Hook {
                    tool: HookTool::ArgoCd,
                    phases: vec!["PreSync".into()],
                    weight: None,
                    delete_policies: Vec::new(),
                    span: Span::new(FileId(0), 0, 7),
                },
            ]
        );
        assert_eq!(Hook::from_annotations(&annotations(&[("a", "b")])), []);
    }
}
