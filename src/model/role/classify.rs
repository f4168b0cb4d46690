//! The one place roles are decided: signals and configuration in, [`Role`] out.

use super::oneshot;
use super::reason::{OneOffHint, Reason};
use super::signals::{ComposeSignals, ConfigList, Declaration, Hook, HookTool, Signals};
use super::{Role, RoleKind};
use crate::config::{Config, RoleName};
use crate::model::command::{self, CommandLine, Intent};
use crate::model::workload::Format;

/// The role of a workload.
///
/// Precedence, strongest first:
/// 1. a role declared in the manifest (`adminlint.io/role` annotation, `x-adminlint: {role}`);
///    a declaration with an unknown value decides nothing, but still keeps the configuration
///    (2, 3) from overriding the file;
/// 2. a selector under `admin:` / `long-running:` in `.adminlint.yaml`;
/// 3. a custom kind under `kinds:` in `.adminlint.yaml`;
/// 4. a Helm or Argo CD hook annotation (Helm's first), except on the Kubernetes kinds that
///    serve until replaced (a Deployment made a hook is still a server: long-running), and
///    Helm test hooks (ignored: `helm test` probes the release);
/// 5. a command in a script, workflow, Makefile or Procfile: admin when the scanner found an
///    admin task in it (only those are kept, and Procfile `release:`), else a Procfile app process;
/// 6. Compose ([`classify_service`]): another service waits for it to complete; else a
///    restart policy that restarts, or a long-running command, make it long-running; else one
///    decisive signal or two hints make it admin; else long-running;
/// 7. Kubernetes: the kind (`Job`, `CronJob`, a bare Pod's `restartPolicy`); else long-running.
pub fn classify(signals: &Signals<'_>, config: &Config) -> Role {
    if let Some(role) = signals.declared.and_then(declared) {
        return role;
    }
    if signals.declared.is_none() {
        if let Some(selection) = signals.config {
            let kind = match selection.list {
                ConfigList::Admin => RoleKind::Admin,
                ConfigList::LongRunning => RoleKind::LongRunning,
            };
            return Role::new(kind, Reason::Config(selection));
        }
        let custom = match (signals.format, signals.api_version) {
            (Format::Kubernetes, Some(api_version)) => {
                config.custom_kind(api_version, signals.kind)
            }
            _ => None,
        };
        if let Some(custom) = custom {
            let kind = match custom.role {
                RoleName::Admin => RoleKind::Admin,
                RoleName::LongRunning => RoleKind::LongRunning,
            };
            let reason = Reason::CustomKind {
                kind: signals.kind.to_string(),
            };
            return Role::new(kind, reason);
        }
    }
    if let Some(hook) = signals.hooks.first() {
        if serves_until_replaced(signals) {
            let reason = Reason::ServerHook {
                kind: signals.kind.to_string(),
                annotation: hook.tool.annotation(),
            };
            return Role::new(RoleKind::LongRunning, reason);
        }
        if is_helm_test(signals.hooks) {
            let reason = Reason::HelmTest {
                phases: hook.phases.join(","),
            };
            return Role::new(RoleKind::Ignored, reason);
        }
        return Role::new(RoleKind::Admin, Reason::Hook(hook.clone()));
    }
    if let Some(facts) = signals.command {
        return match &facts.admin_word {
            Some(word) => Role::new(
                RoleKind::Admin,
                Reason::OneOffCommand {
                    tool: facts.tool.kind().to_string(),
                    word: word.clone(),
                },
            ),
            None => Role::new(RoleKind::LongRunning, Reason::ProcfileProcess),
        };
    }
    if let Some(compose) = signals.compose {
        return classify_service(&compose);
    }
    let kind = signals.kind.to_string();
    match signals.kind {
        "Job" | "CronJob" => Role::new(RoleKind::Admin, Reason::RunsToCompletion { kind }),
        "Pod" => match signals.restart_policy {
            Some(policy @ ("Never" | "OnFailure")) => Role::new(
                RoleKind::Admin,
                Reason::PodDoesNotRestart {
                    policy: policy.to_string(),
                },
            ),
            _ => Role::new(RoleKind::LongRunning, Reason::PodRestartsAlways),
        },
        _ => Role::new(RoleKind::LongRunning, Reason::LongRunningKind { kind }),
    }
}

/// True when every hook is a Helm test hook (`test`; Helm 2's `test-success`, `test-failure`).
fn is_helm_test(hooks: &[Hook]) -> bool {
    hooks.iter().all(|hook| {
        hook.tool == HookTool::Helm
            && (hook.phases.iter())
                .all(|phase| matches!(phase.as_str(), "test" | "test-success" | "test-failure"))
    })
}

/// True for the Kubernetes kinds whose pods serve until the object is replaced.
fn serves_until_replaced(signals: &Signals<'_>) -> bool {
    signals.format == Format::Kubernetes
        && matches!(
            signals.kind,
            "Deployment"
                | "StatefulSet"
                | "DaemonSet"
                | "ReplicaSet"
                | "ReplicationController"
                | "DeploymentConfig"
        )
}

/// The role of a Compose service without a declaration, configuration or hook.
///
/// Signals, strongest first:
/// 1. another service waits for it with `service_completed_successfully`: admin, whatever its
///    restart policy or command (Compose would not start the waiter otherwise);
/// 2. vetoes: a `restart` that restarts (`always`, `unless-stopped`, a variable) or a command
///    that starts something long-running (`gunicorn`, `start-worker.sh`): long-running;
/// 3. decisive, each alone: an admin command (`migrate`, `manage.py loaddata`, `./setup.sh`,
///    an entrypoint naming `rails db:migrate` or `rake db:seed`); a one-shot environment switch
///    (`*_ONESHOT=1`); a one-shot tool (`psql -f`, `cqlsh -f`, `redis-cli --cluster create`,
///    `mc mb`, `vault operator init`, a `generate-keys.sh` script);
/// 4. hints, weighing one each, admin from two: a one-off profile (`setup`, `tools`, `cli`, …),
///    a `restart` written as `no` or `on-failure` (the default, written out, says "once"), a
///    script as the process (a `sh -c` script that does not `exec` a program, `./run.sh`). One hint alone is not enough:
///    services under a `tools` profile may be servers, and `restart: on-failure` is common on
///    servers.
pub fn classify_service(compose: &ComposeSignals<'_>) -> Role {
    if let Some(waiter) = compose.waited_on_by {
        let reason = Reason::WaitedOnBy {
            service: waiter.to_string(),
        };
        return Role::new(RoleKind::Admin, reason);
    }
    let long_running = Role::new(RoleKind::LongRunning, Reason::ComposeService);
    let (intent, _) = command::intent(compose.command);
    if !does_not_restart(compose.restart) || intent == Intent::LongRunning {
        return long_running;
    }
    let restart = compose.restart.map(str::to_string);
    if let Some(word) = admin_task_word(compose.command) {
        return Role::new(RoleKind::Admin, Reason::AdminCommand { word, restart });
    }
    // `entrypoint: python manage.py` with no task: a service to run tasks with.
    if let Some(word) = command::bare_task_runner(compose.command) {
        return Role::new(RoleKind::Admin, Reason::AdminCommand { word, restart });
    }
    if let Some(variable) = compose.one_shot_switch {
        let reason = Reason::OneShotSwitch {
            variable: variable.to_string(),
        };
        return Role::new(RoleKind::Admin, reason);
    }
    let image_tool = || {
        let program = compose.image_program?;
        oneshot::image_one_shot_tool(program, compose.command)
    };
    if let Some(tool) = oneshot::one_shot_tool(compose.command).or_else(image_tool) {
        return Role::new(RoleKind::Admin, Reason::OneShotTool { tool, restart });
    }
    let hints: Vec<OneOffHint> = [
        compose
            .one_off_profile
            .map(|profile| OneOffHint::Profile(profile.to_string())),
        restart.map(OneOffHint::Restart),
        oneshot::script(compose.command)
            .filter(|_| !compose.hands_over)
            .map(OneOffHint::Script),
    ]
    .into_iter()
    .flatten()
    .collect();
    if hints.len() >= 2 {
        return Role::new(RoleKind::Admin, Reason::OneOffHints(hints));
    }
    long_running
}

/// The role a declaration names, None for a value it does not know.
fn declared(declaration: &Declaration) -> Option<Role> {
    let kind = match declaration.value.value.as_str() {
        "admin" => RoleKind::Admin,
        "app" | "long-running" => RoleKind::LongRunning,
        "ignore" => RoleKind::Ignored,
        _ => return None,
    };
    let reason = Reason::Declared {
        source: declaration.source,
        kind,
    };
    Some(Role::new(kind, reason))
}

/// Why a container of a workload with `role` is an admin process, None when it is not one.
///
/// The main containers of an admin workload are; so is an init container, of any workload not
/// ignored, whose command is an admin task (`migrate`, `db:migrate`, …). Other init containers
/// (waiting for a database, copying files, a script merely named `*init*`) are plumbing; one
/// of an admin workload that runs the app's image is still compared for its release, which
/// needs the peers, so [`Project::classify_roles`](crate::model::project::Project::classify_roles)
/// decides that after this ([`Reason::InitOfAdmin`]).
pub fn classify_container(role: &Role, init: bool, command: &CommandLine) -> Option<Reason> {
    if role.is_ignored() {
        return None;
    }
    if init {
        return match command::intent(command) {
            (Intent::Admin, Some(word)) if !is_init_name(&word) => {
                Some(Reason::InitContainerCommand { word })
            }
            _ => None,
        };
    }
    role.is_admin().then(|| role.reason.clone())
}

/// True for words like `haproxy_init.sh` or `config-init` that only say "initialise": every
/// init container initialises something, so only a database task makes one an admin process.
fn is_init_name(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    lower.contains("init")
        && !["db", "database", "migrat", "seed", "schema"]
            .iter()
            .any(|w| lower.contains(w))
}

/// True when a Compose restart policy says "run once": unset, `no`, `on-failure[:N]`.
fn does_not_restart(restart: Option<&str>) -> bool {
    match restart {
        None | Some("no" | "on-failure") => true,
        Some(policy) => policy.starts_with("on-failure:"),
    }
}

/// The word that makes a command an admin task, None when it is not one or when it starts
/// something long-running (which vetoes admin words).
fn admin_task_word(line: &CommandLine) -> Option<String> {
    match command::intent(line) {
        (Intent::Admin, word) => word,
        (Intent::LongRunning, _) => None,
        (Intent::Unknown, _) => command::service_admin_word(line),
    }
}

#[cfg(test)]
mod tests;
