//! hook-phase: a migration hook that runs at the wrong time for the app's release.

use super::helpers::{migration_of, who};
use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::command::mentions_migrations;
use crate::model::project::{ContainerRef, Project, Proximity};
use crate::model::role::{Hook, HookTool};
use crate::model::workload::Workload;

pub const RULE: Rule = Rule {
    id: "hook-phase",
    severity: Severity::Warning,
    summary: "a migration hook runs after the app's new pods start (`post-upgrade`, `PostSync`, a late sync wave) or never on upgrades",
    doc: include_str!("../../rules/hook-phase.md"),
    check: Check::Project(check),
    fix: FixAvailability::None,
};

/// The annotation that orders an object among Argo CD's sync waves.
const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";

/// When the migration runs, and why that is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Timing {
    /// Helm `post-upgrade`: after the upgraded pods started.
    AfterUpgrade,
    /// Helm hooks with no upgrade phase: an upgrade never migrates.
    NoUpgrade,
    /// Helm `pre-upgrade` without an install phase: a fresh install never migrates.
    NoInstall,
    /// Argo CD `PostSync` or `SyncFail`: after the app synced, or only when the sync failed.
    ArgoAfter(String),
    /// Argo CD `Sync` hook in a wave that is not before the app's.
    ArgoWave { hook: i64, app: i64 },
}

/// A migration hook whose phase lets the app run on a schema it does not expect.
struct WrongPhase {
    admin: String,
    word: String,
    /// The hook annotation's value as written.
    phases: String,
    timing: Timing,
}

impl Violation for WrongPhase {
    fn message(&self) -> String {
        let (admin, word, phases) = (&self.admin, &self.word, &self.phases);
        match &self.timing {
            Timing::AfterUpgrade => format!(
                "{admin} runs the migration `{word}` as a `{phases}` hook: on an upgrade, the app's new pods start before their schema exists"
            ),
            Timing::NoUpgrade => format!(
                "{admin} runs the migration `{word}` as a `{phases}` hook: no upgrade ever migrates, so the next release's pods run on the old schema"
            ),
            Timing::NoInstall => format!(
                "{admin} runs the migration `{word}` as a `{phases}` hook: a fresh install never migrates"
            ),
            Timing::ArgoAfter(phase) => format!(
                "{admin} runs the migration `{word}` as a `{phase}` hook: the app's new pods start before their schema exists"
            ),
            Timing::ArgoWave { hook, app } => {
                let wave = if hook == app {
                    format!("wave {hook}, the app's own")
                } else {
                    format!("wave {hook}, after the app's wave {app}")
                };
                format!(
                    "{admin} runs the migration `{word}` as a `Sync` hook in {wave}: the app's new pods start before their schema exists"
                )
            }
        }
    }

    fn label(&self) -> Option<String> {
        Some(match &self.timing {
            Timing::AfterUpgrade | Timing::ArgoAfter(_) => "runs after the app".into(),
            Timing::ArgoWave { .. } => "runs beside the app".into(),
            Timing::NoUpgrade => "no upgrade phase".into(),
            Timing::NoInstall => "no install phase".into(),
        })
    }

    fn help(&self) -> Option<String> {
        Some(match &self.timing {
            Timing::AfterUpgrade | Timing::NoUpgrade | Timing::NoInstall => {
                "run the migration before the app's pods: `helm.sh/hook: pre-install,pre-upgrade` (`pre-upgrade,post-install` when the database is installed by the same release)".into()
            }
            Timing::ArgoAfter(_) => {
                "run the migration before the app syncs: `argocd.argoproj.io/hook: PreSync`".into()
            }
            Timing::ArgoWave { app, .. } => format!(
                "make it a `PreSync` hook, or give it a sync wave below the app's ({})",
                app - 1
            ),
        })
    }

    fn identity(&self) -> Vec<String> {
        vec![self.word.clone(), self.phases.clone()]
    }
}

/// When a Helm hook with these phases migrates, if that is wrong.
///
/// `post-install` is accepted: on a fresh install there are no old pods, and a chart that
/// installs its database in the same release can only migrate after it.
fn helm_timing(phases: &[String]) -> Option<Timing> {
    let has = |phase: &str| phases.iter().any(|p| p == phase);
    if has("pre-upgrade") {
        return (!has("pre-install") && !has("post-install")).then_some(Timing::NoInstall);
    }
    if has("post-upgrade") {
        return Some(Timing::AfterUpgrade);
    }
    (has("pre-install") || has("post-install")).then_some(Timing::NoUpgrade)
}

/// When an Argo CD hook with these phases migrates, if that is wrong; `app_wave` is the
/// earliest sync wave of the app's workloads (None when it has none to compare with).
fn argo_timing(phases: &[String], hook_wave: i64, app_wave: Option<i64>) -> Option<Timing> {
    let has = |phase: &str| phases.iter().any(|p| p == phase);
    if has("PreSync") || has("Skip") {
        return None;
    }
    if has("Sync") {
        let app = app_wave?;
        return (hook_wave >= app).then_some(Timing::ArgoWave {
            hook: hook_wave,
            app,
        });
    }
    ["PostSync", "SyncFail"]
        .into_iter()
        .find(|phase| has(phase))
        .map(|phase| Timing::ArgoAfter(phase.to_string()))
}

/// The app workloads of a migration: the workloads of its release peers, each once.
fn app_workloads(project: &Project, admin: ContainerRef) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for peer in &project.peer_set(admin).members {
        if !out.contains(&peer.workload) {
            out.push(peer.workload);
        }
    }
    out
}

/// True when the app waits for the migration itself: one of its init containers checks or
/// waits for migrations (`airflow db check-migrations`, `wait-for-migrations`), so a late
/// hook only delays the new pods.
fn app_waits(workload: &Workload) -> bool {
    workload
        .containers
        .iter()
        .filter(|c| c.init)
        .flat_map(|c| c.argv())
        .any(|word| mentions_migrations(&word.value))
}

/// True when the migration is the contract step of an expand / contract migration
/// (`kong migrations finish`, GitLab's post-deployment migrations, `contract`, `cleanup`): it
/// is meant to run after the new pods, once the old ones are gone.
fn is_contract_step(project: &Project, admin: ContainerRef) -> bool {
    let words = &project.command_line(admin).line.commands;
    words.iter().flat_map(|c| &c.words).any(|word| {
        let word = word.to_ascii_lowercase();
        [
            "finish",
            "contract",
            "post-deploy",
            "post_deploy",
            "postdeploy",
            "cleanup",
        ]
        .iter()
        .any(|step| word.contains(step))
    })
}

/// Where other migrations of the same app cover it, besides `except`.
#[derive(Debug, Default, Clone, Copy)]
struct Coverage {
    /// Some migration runs on a fresh install: a plain Job, or a hook with an install phase.
    install: bool,
    /// Some migration runs on an upgrade: a hook with an upgrade phase.
    upgrade: bool,
    /// Some migration runs before the new pods on an upgrade: a Helm `pre-upgrade` hook, or
    /// an Argo CD `PreSync` hook.
    before_new_pods: bool,
}

/// Which releases of the app other migrations of it run on, besides `except`. Kong's chart,
/// for one, migrates installs with a plain Job and upgrades with a `pre-upgrade` hook;
/// Mastodon's and GitLab's run the schema changes in a `pre-upgrade` hook and the
/// post-deployment migrations (`SKIP_POST_DEPLOYMENT_MIGRATIONS` in the first) in a
/// `post-install,post-upgrade` one.
fn covered_elsewhere(project: &Project, apps: &[usize], except: ContainerRef) -> Coverage {
    let mut coverage = Coverage::default();
    let repository = |at: ContainerRef| {
        let container = &project.workloads[at.workload].containers[at.container];
        container
            .image
            .as_ref()
            .map(|image| image.value.repository())
    };
    let own_repository = repository(except);
    // An app workload that migrates in an init container (formbricks' hub) migrates on every
    // install and rollout, before its own app containers start.
    if apps
        .iter()
        .any(|&app| migration_of(project, app).is_some_and(|(at, _)| project.container(at).1.init))
    {
        return Coverage {
            install: true,
            upgrade: true,
            before_new_pods: true,
        };
    }
    for (index, workload) in project.workloads.iter().enumerate() {
        if index == except.workload || !project.role(index).is_admin() {
            continue;
        }
        let Some((at, _)) = migration_of(project, index) else {
            continue;
        };
        // The same app's: a migration of the same app workloads, or, for a migration whose
        // image no app workload runs (Bitwarden's migrator), one that runs the same image in
        // the same rendering (for files as given, the same directory).
        let own = &project.workloads[except.workload];
        let together = workload.scope == own.scope
            && (own.scope != 0 || project.within(except.workload, index, Proximity::SameDirectory));
        let same_image = apps.is_empty()
            && together
            && own_repository.is_some()
            && repository(at) == own_repository;
        if !same_image && !app_workloads(project, at).iter().any(|w| apps.contains(w)) {
            continue;
        }
        let phases = |tool: HookTool| {
            (workload.hooks.iter())
                .filter(move |h| h.tool == tool)
                .flat_map(|h| h.phases.iter().map(String::as_str))
        };
        let helm: Vec<&str> = phases(HookTool::Helm).collect();
        coverage.install |= helm.is_empty() || helm.iter().any(|p| p.ends_with("-install"));
        coverage.upgrade |= helm.iter().any(|p| p.ends_with("-upgrade"));
        coverage.before_new_pods |=
            helm.contains(&"pre-upgrade") || phases(HookTool::ArgoCd).any(|p| p == "PreSync");
    }
    coverage
}

/// The sync wave of an object (0 when it has none, as in Argo CD).
fn sync_wave(workload: &Workload) -> i64 {
    workload
        .annotation(SYNC_WAVE)
        .and_then(|w| w.value.trim().parse().ok())
        .unwrap_or(0)
}

fn timing(project: &Project, hook: &Hook, apps: &[usize]) -> Option<Timing> {
    match hook.tool {
        HookTool::Helm => helm_timing(&hook.phases),
        HookTool::ArgoCd => {
            let app_wave = apps.iter().map(|&w| sync_wave(&project.workloads[w])).min();
            argo_timing(&hook.phases, hook.weight.unwrap_or(0), app_wave)
        }
    }
}

fn check(project: &Project, sink: &mut Sink) {
    for (index, workload) in project.workloads.iter().enumerate() {
        if workload.hooks.is_empty()
            || !project.is_subject(index)
            || !project.role(index).is_admin()
        {
            continue;
        }
        let Some((at, word)) = migration_of(project, index) else {
            continue;
        };
        let apps = app_workloads(project, at);
        // A late migration is fine when the app waits for it, or when it is meant to be late.
        let late_is_fine =
            apps.iter().any(|&w| app_waits(&project.workloads[w])) || is_contract_step(project, at);
        for hook in &workload.hooks {
            let Some(timing) = timing(project, hook, &apps) else {
                continue;
            };
            // Looked for only when a hook is wrong on its own: it reads every workload. A late
            // one is also fine beside an early one of the same app: the schema the new pods
            // need is there before they start, and the late one is the post-deployment step.
            let fine = match timing {
                Timing::NoInstall => covered_elsewhere(project, &apps, at).install,
                Timing::NoUpgrade => covered_elsewhere(project, &apps, at).upgrade,
                _ => late_is_fine || covered_elsewhere(project, &apps, at).before_new_pods,
            };
            if fine {
                continue;
            }
            let info = timing == Timing::NoInstall;
            let violation = WrongPhase {
                admin: who(project, at),
                word: word.clone(),
                phases: hook.phases.join(","),
                timing,
            };
            let mut reported = sink
                .report(&violation, hook.span)
                .object(workload, Some(&workload.containers[at.container]));
            if info {
                reported = reported.severity(Severity::Info);
            }
            if let Some(&app) = apps.first() {
                let app_workload = &project.workloads[app];
                let span = app_workload
                    .name
                    .as_ref()
                    .map_or(app_workload.span, |n| n.span);
                reported.related(
                    format!(
                        "{} is the app whose schema it migrates",
                        app_workload.title()
                    ),
                    span,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phases(text: &str) -> Vec<String> {
        text.split(',').map(str::to_string).collect()
    }

    #[test]
    fn helm_phases_that_migrate_late_or_never() {
        let cases = [
            ("pre-install,pre-upgrade", None),
            ("pre-upgrade,post-install", None),
            ("post-install,post-upgrade", Some(Timing::AfterUpgrade)),
            ("post-upgrade", Some(Timing::AfterUpgrade)),
            ("pre-install", Some(Timing::NoUpgrade)),
            ("post-install", Some(Timing::NoUpgrade)),
            ("pre-upgrade", Some(Timing::NoInstall)),
            ("pre-rollback", None),
            ("test", None),
        ];
        for (written, timing) in cases {
            assert_eq!(helm_timing(&phases(written)), timing, "{written}");
        }
    }

    #[test]
    fn argo_phases_and_waves() {
        assert_eq!(argo_timing(&phases("PreSync"), 5, Some(0)), None);
        assert_eq!(argo_timing(&phases("Sync"), -1, Some(0)), None);
        assert_eq!(
            argo_timing(&phases("Sync"), 0, Some(0)),
            Some(Timing::ArgoWave { hook: 0, app: 0 })
        );
        // Without the app to compare with, a Sync hook's wave says nothing.
        assert_eq!(argo_timing(&phases("Sync"), 3, None), None);
        assert_eq!(
            argo_timing(&phases("PostSync"), 0, Some(0)),
            Some(Timing::ArgoAfter("PostSync".into()))
        );
        assert_eq!(
            argo_timing(&phases("SyncFail"), 0, None),
            Some(Timing::ArgoAfter("SyncFail".into()))
        );
        assert_eq!(argo_timing(&phases("Skip"), 0, Some(0)), None);
    }
}
