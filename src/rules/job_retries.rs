//! job-retries: a migration-like Job or Compose one-off that is retried after a failure.

use super::helpers::{app_side, migration_of, who, workload_site};
use super::{Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::project::Project;
use crate::model::workload::Format;
use crate::span::Span;

pub const RULE: Rule = Rule {
    id: "job-retries",
    severity: Severity::Warning,
    summary: "a migration Job or one-off is retried after a failure (`backoffLimit` unset or above 0, `restartPolicy: OnFailure`, `restart: on-failure`)",
    doc: include_str!("../../rules/job-retries.md"),
    check: Check::Project(check),
    fix: FixAvailability::None,
};

/// What makes the migration run again after it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Retry {
    /// No `backoffLimit`: Kubernetes retries 6 times.
    DefaultBackoff,
    /// `backoffLimit` above 0.
    Backoff(String),
    /// `restartPolicy: OnFailure`: the kubelet restarts the container in place.
    OnFailure,
    /// A Compose `restart:` policy that restarts a failed one-off; `waits_for_health` when
    /// it waits for a healthy database first, so the restart retries the migration itself.
    ComposeRestart {
        policy: String,
        waits_for_health: bool,
    },
}

/// A migration that runs again after a failure, maybe into a half-applied schema.
struct Retried {
    admin: String,
    /// The word that makes it migration-like.
    word: String,
    retry: Retry,
}

impl Violation for Retried {
    fn message(&self) -> String {
        let how = match &self.retry {
            Retry::DefaultBackoff => {
                "has no `backoffLimit`, so a failed run is retried up to 6 times".to_string()
            }
            Retry::Backoff(limit) => {
                format!("has `backoffLimit: {limit}`, so a failed run is retried")
            }
            Retry::OnFailure => {
                "has `restartPolicy: OnFailure`, so a failed run is restarted in place".to_string()
            }
            Retry::ComposeRestart {
                policy,
                waits_for_health: true,
            } => format!("has `restart: {policy}`, so a failed run is started again"),
            Retry::ComposeRestart {
                policy,
                waits_for_health: false,
            } => {
                return format!(
                    "{} runs the migration `{}` with `restart: {policy}` and no wait for a healthy database: the restarts wait for the database, and also rerun a migration that failed half-way",
                    self.admin, self.word
                );
            }
        };
        format!(
            "{} runs the migration `{}` and {how}, on a schema the failed run may have half changed",
            self.admin, self.word
        )
    }

    fn label(&self) -> Option<String> {
        Some(match &self.retry {
            Retry::DefaultBackoff => "retried by default".into(),
            Retry::Backoff(_) => "retries".into(),
            Retry::OnFailure => "restarts on failure".into(),
            Retry::ComposeRestart { .. } => "restarts".into(),
        })
    }

    fn help(&self) -> Option<String> {
        Some(match &self.retry {
            Retry::ComposeRestart {
                waits_for_health: false,
                ..
            } => "wait for the database with `depends_on: {db: {condition: service_healthy}}` and run the migration once (`restart: \"no\"`); rerun it by hand after looking at what failed".into(),
            Retry::ComposeRestart { .. } => "run the migration once (`restart: \"no\"`) and let the app's services wait for it (`condition: service_completed_successfully`); rerun it by hand after looking at what failed".into(),
            _ => "run the migration once: `backoffLimit: 0` and `restartPolicy: Never` in the Job; a failed migration needs a look before it runs again".into(),
        })
    }

    fn identity(&self) -> Vec<String> {
        let retry = match &self.retry {
            Retry::DefaultBackoff => "backoffLimit unset".to_string(),
            Retry::Backoff(limit) => format!("backoffLimit {limit}"),
            Retry::OnFailure => "OnFailure".to_string(),
            Retry::ComposeRestart { policy, .. } => format!("restart {policy}"),
        };
        vec![self.word.clone(), retry]
    }
}

/// How a Kubernetes workload retries, and where to point: `restartPolicy: OnFailure` first
/// (it retries whatever `backoffLimit` says), then the backoff limit, written or not.
fn kubernetes_retry(project: &Project, workload: usize) -> Option<(Retry, Span)> {
    let workload = &project.workloads[workload];
    let job = workload.job.as_ref()?;
    if let Some(policy) = workload
        .restart_policy
        .as_ref()
        .filter(|p| p.value == "OnFailure")
    {
        return Some((Retry::OnFailure, policy.span));
    }
    match &job.backoff_limit {
        None => Some((Retry::DefaultBackoff, workload_site(workload))),
        // A templated or otherwise unreadable limit is not judged.
        Some(limit) => match limit.value.trim().parse::<u64>() {
            Ok(0) | Err(_) => None,
            Ok(_) => Some((Retry::Backoff(limit.value.trim().to_string()), limit.span)),
        },
    }
}

/// How a Compose one-off restarts after a failure.
fn compose_retry(project: &Project, workload: usize) -> Option<(Retry, Span)> {
    let compose = project.workloads[workload].compose.as_ref()?;
    let restart = compose.restart.as_ref()?;
    let policy = restart.value.trim();
    let restarts =
        policy.starts_with("on-failure") || matches!(policy, "always" | "unless-stopped");
    let waits_for_health = compose
        .depends_on
        .iter()
        .any(|dependency| dependency.condition == "service_healthy");
    let retry = Retry::ComposeRestart {
        policy: policy.to_string(),
        waits_for_health,
    };
    restarts.then_some((retry, restart.span))
}

fn check(project: &Project, sink: &mut Sink) {
    for (index, workload) in project.workloads.iter().enumerate() {
        if !project.is_subject(index) || !project.role(index).is_admin() {
            continue;
        }
        let Some((at, word)) = migration_of(project, index) else {
            continue;
        };
        let found = match workload.format {
            Format::Kubernetes => kubernetes_retry(project, index),
            Format::Compose => compose_retry(project, index),
            // A command runs once as typed: no restart policy or backoff to retry it.
            Format::Command => None,
        };
        let Some((retry, span)) = found else {
            continue;
        };
        // A one-off that starts before its database is healthy restarts until the database
        // answers: a wait more than a retry (Kong's, SpiceDB's and Frappe's own Compose files
        // do this), shown as info. Once it waits for health, a restart retries the migration.
        let waiting_loop = matches!(
            retry,
            Retry::ComposeRestart {
                waits_for_health: false,
                ..
            }
        );
        let violation = Retried {
            admin: who(project, at),
            word,
            retry,
        };
        let mut reported = sink.report(&violation, span);
        if waiting_loop {
            reported = reported.severity(Severity::Info);
        }
        let reported = reported.object(workload, Some(&workload.containers[at.container]));
        if let Some((app, app_span)) = app_side(project, at) {
            reported.related(
                format!("{app} is the app whose schema it migrates"),
                app_span,
            );
        }
    }
}
