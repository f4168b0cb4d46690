//! Why a workload or container has its role, as data; its text is for messages only.

use std::fmt;

use super::RoleKind;
use super::signals::{ConfigList, ConfigSelection, DeclarationSource, Hook, HookTool};

/// The signal that decided a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Declared in the manifest (`adminlint.io/role` or `x-adminlint: {role}`).
    Declared {
        /// Annotation or `x-adminlint`.
        source: DeclarationSource,
        /// The role declared.
        kind: RoleKind,
    },
    /// Selected by `admin:` or `long-running:` in `.adminlint.yaml`.
    Config(ConfigSelection),
    /// A custom kind declared under `kinds:` in `.adminlint.yaml`.
    CustomKind {
        /// The kind.
        kind: String,
    },
    /// A Helm or Argo CD hook.
    Hook(Hook),
    /// A kind that runs to completion (`Job`, `CronJob`).
    RunsToCompletion {
        /// The kind.
        kind: String,
    },
    /// A bare Pod with `restartPolicy: Never` or `OnFailure`.
    PodDoesNotRestart {
        /// The policy as written.
        policy: String,
    },
    /// A bare Pod that restarts always (`restartPolicy: Always` or unset).
    PodRestartsAlways,
    /// A long-running kind (`Deployment`, `StatefulSet`, a Rollout, …).
    LongRunningKind {
        /// The kind.
        kind: String,
    },
    /// A workload that serves until replaced (a Deployment, a StatefulSet …) made a Helm or
    /// Argo CD hook: the hook orders when it is created (Sentry's charts make their servers
    /// hooks), it does not make it run once.
    ServerHook {
        /// The kind.
        kind: String,
        /// The hook annotation that made it a hook.
        annotation: &'static str,
    },
    /// A Helm test hook (`helm.sh/hook: test`; Helm 2's `test-success`, `test-failure`):
    /// `helm test` probes a release once installed, with a probe of its own (`helm create`
    /// writes one on `busybox`); it is not one of the app's admin processes.
    HelmTest {
        /// The phases as written.
        phases: String,
    },
    /// A Compose service another service waits for with `service_completed_successfully`.
    WaitedOnBy {
        /// The waiting service.
        service: String,
    },
    /// A Compose service that runs an admin command and stops when done (it is not restarted,
    /// or only on failure).
    AdminCommand {
        /// The word that says "admin task" (`migrate`, `manage.py migrate`, `./setup.sh`, …).
        word: String,
        /// `restart` as written; None when unset.
        restart: Option<String>,
    },
    /// A Compose service whose environment switches its image to run once (`*_ONESHOT=1`).
    OneShotSwitch {
        /// The variable.
        variable: String,
    },
    /// A Compose service that runs a one-shot tool (`psql -f`, `mc mb`, …) and does not
    /// restart.
    OneShotTool {
        /// The tool and what makes it one-shot (`psql -f`, `vault operator init`).
        tool: String,
        /// `restart` as written; None when unset.
        restart: Option<String>,
    },
    /// A Compose service with two or more hints of a one-off, none decisive alone.
    OneOffHints(Vec<OneOffHint>),
    /// A Compose service with no admin signal.
    ComposeService,
    /// An init container whose command is an admin task.
    InitContainerCommand {
        /// The word that says "admin task".
        word: String,
    },
    /// A command in a script, CI workflow, Makefile or Procfile that runs an admin task.
    OneOffCommand {
        /// The tool that starts it (`kubectl run`, `docker run`, `heroku run`, …).
        tool: String,
        /// The word that says "admin task".
        word: String,
    },
    /// A Procfile process other than `release:` (`web:`, `worker:`): the app.
    ProcfileProcess,
    /// An init container of an admin workload that runs the app's image (it has release
    /// peers): part of the one-off process, so it must run the app's release too; but it only
    /// prepares the process (waits for the database), so only its release is compared.
    InitOfAdmin,
}

/// A hint that a Compose service runs once, weighed with the others
/// ([`super::classify::classify_service`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OneOffHint {
    /// A profile that names a one-off task (`setup`, `tools`, `cli`, …).
    Profile(String),
    /// `restart` written as `no` or `on-failure[:N]`.
    Restart(String),
    /// It runs a script: how it is shown (`` `./run.sh` ``, `a shell script`).
    Script(String),
}

impl fmt::Display for OneOffHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OneOffHint::Profile(profile) => write!(f, "profile `{profile}`"),
            OneOffHint::Restart(policy) => write!(f, "`restart: {policy}`"),
            OneOffHint::Script(script) => write!(f, "runs {script}"),
        }
    }
}

impl Reason {
    /// True for plumbing of an admin process ([`Reason::InitOfAdmin`]): only the rules about
    /// which release it runs apply to it, not those about its configuration or command (a
    /// Job's wait-for-database init container need not read the app's license Secret).
    pub fn release_only(&self) -> bool {
        matches!(self, Reason::InitOfAdmin)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Declared { source, kind } => {
                let value = match kind {
                    RoleKind::Admin => "admin",
                    RoleKind::LongRunning => "app",
                    RoleKind::Ignored => "ignore",
                };
                match source {
                    DeclarationSource::Annotation => {
                        write!(f, "declared `adminlint.io/role: {value}`")
                    }
                    DeclarationSource::XAdminlint => {
                        write!(f, "declared `x-adminlint: {{role: {value}}}`")
                    }
                }
            }
            Reason::Config(ConfigSelection { list, selector }) => {
                let list = match list {
                    ConfigList::Admin => "admin",
                    ConfigList::LongRunning => "long-running",
                };
                write!(
                    f,
                    "declared under `{list}:` in .adminlint.yaml (selector {})",
                    selector + 1
                )
            }
            Reason::CustomKind { kind } => write!(f, "a {kind} (custom kind in .adminlint.yaml)"),
            Reason::Hook(hook) => {
                write!(
                    f,
                    "`{}: {}` hook",
                    hook.tool.annotation(),
                    hook.phases.join(",")
                )?;
                let mut details = Vec::new();
                if let Some(weight) = hook.weight {
                    let name = match hook.tool {
                        HookTool::Helm => "weight",
                        HookTool::ArgoCd => "sync wave",
                    };
                    details.push(format!("{name} {weight}"));
                }
                if !hook.delete_policies.is_empty() {
                    details.push(format!("delete policy {}", hook.delete_policies.join(",")));
                }
                if !details.is_empty() {
                    write!(f, " ({})", details.join(", "))?;
                }
                Ok(())
            }
            Reason::RunsToCompletion { kind } | Reason::LongRunningKind { kind } => {
                write!(f, "a {kind}")
            }
            Reason::HelmTest { phases } => write!(
                f,
                "a `helm.sh/hook: {phases}` hook: `helm test` probes the release, it is not one of the app's admin processes"
            ),
            Reason::ServerHook { kind, annotation } => write!(
                f,
                "a {kind}: its `{annotation}` orders when it is created, it still serves until replaced"
            ),
            Reason::PodDoesNotRestart { policy } => {
                write!(f, "a Pod with `restartPolicy: {policy}`")
            }
            Reason::PodRestartsAlways => write!(f, "a Pod that restarts always"),
            Reason::WaitedOnBy { service } => write!(
                f,
                "service `{service}` waits for it to complete (`condition: service_completed_successfully`)"
            ),
            Reason::AdminCommand { word, restart } => {
                write!(f, "runs `{word}` and stops when done (")?;
                match restart {
                    Some(policy) => write!(f, "`restart: {policy}`)"),
                    None => write!(f, "no `restart`)"),
                }
            }
            Reason::OneShotSwitch { variable } => {
                write!(f, "`{variable}` in its environment makes it run once")
            }
            Reason::OneShotTool { tool, restart } => {
                write!(f, "runs the one-shot tool `{tool}` and stops when done (")?;
                match restart {
                    Some(policy) => write!(f, "`restart: {policy}`)"),
                    None => write!(f, "no `restart`)"),
                }
            }
            Reason::OneOffHints(hints) => {
                let hints: Vec<String> = hints.iter().map(ToString::to_string).collect();
                write!(f, "one-off hints: {}", hints.join(", "))
            }
            Reason::ComposeService => write!(f, "a Compose service"),
            Reason::InitContainerCommand { word } => {
                write!(f, "an init container that runs `{word}`")
            }
            Reason::OneOffCommand { tool, word } => {
                write!(f, "a one-off `{tool}` that runs `{word}`")
            }
            Reason::ProcfileProcess => write!(f, "a Procfile process other than `release:`"),
            Reason::InitOfAdmin => write!(
                f,
                "an init container of an admin workload, on the image the app's containers run"
            ),
        }
    }
}
