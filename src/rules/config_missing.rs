//! config-missing: an admin lacks a ConfigMap / Secret source that every long-running peer has.

use super::helpers::who;
use super::{AdminCx, Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::workload::{ConfigKind, ConfigVia, Container, EnvValue};
use crate::span::Span;

pub const RULE: Rule = Rule {
    id: "config-missing",
    severity: Severity::Warning,
    summary: "an admin process lacks a ConfigMap, Secret or env file that every app workload reads",
    doc: include_str!("../../rules/config-missing.md"),
    check: Check::Admin(check),
    fix: FixAvailability::None,
};

/// The admin does not read a config object that every peer reads.
struct ConfigMissing {
    admin: String,
    kind: ConfigKind,
    /// The ConfigMap / Secret / env file.
    name: String,
    /// The first peer that reads it.
    app: String,
    /// How many peers read it.
    readers: usize,
    /// How the first peer reads it: `envFrom`, `env`, `env_file`.
    how: &'static str,
}

impl Violation for ConfigMissing {
    fn message(&self) -> String {
        let app = match self.readers {
            1 => format!("{} reads", self.app),
            2 => format!("{} and 1 other app workload read", self.app),
            n => format!("{} and {} other app workloads read", self.app, n - 1),
        };
        format!(
            "{} does not read {} `{}`, but {app} it through {}",
            self.admin,
            self.kind.as_str(),
            self.name,
            self.how
        )
    }

    fn label(&self) -> Option<String> {
        Some(format!("no {} `{}` here", self.kind.as_str(), self.name))
    }

    fn help(&self) -> Option<String> {
        Some(format!(
            "give the admin process the app's config: add {} `{}` the way the app reads it",
            self.kind.as_str(),
            self.name
        ))
    }

    fn identity(&self) -> Vec<String> {
        vec![self.kind.as_str().to_string(), self.name.clone()]
    }
}

/// One config object a container reads into its environment.
struct Source<'c> {
    kind: ConfigKind,
    name: &'c str,
    span: Span,
    how: &'static str,
}

/// The config objects a container reads into its environment: `envFrom`, env `valueFrom`
/// references and env files. Mounted volumes are left out on purpose: a mounted Secret is often
/// a TLS certificate or key that only the serving process needs.
fn sources(container: &Container) -> Vec<Source<'_>> {
    let mut out = Vec::new();
    for source in &container.config {
        let how = match source.via {
            ConfigVia::EnvFrom => "envFrom",
            ConfigVia::EnvFile => "env_file",
            ConfigVia::Volume(_) => continue,
        };
        out.push(Source {
            kind: source.kind,
            name: source.name.as_str(),
            span: source.span,
            how,
        });
    }
    for var in &container.env {
        let (kind, name) = match &var.value {
            EnvValue::ConfigMapKey { name, .. } => (ConfigKind::ConfigMap, name),
            EnvValue::SecretKey { name, .. } => (ConfigKind::Secret, name),
            _ => continue,
        };
        out.push(Source {
            kind,
            name: name.as_str(),
            span: var.span,
            how: "env",
        });
    }
    out
}

/// True when the app reads the object key by key (`env` entries, no `envFrom`) and the admin
/// sets each of those variables itself, some other way: that is config-divergent's finding,
/// one per variable, and the missing object is the same cause told twice.
fn sets_every_variable_itself(
    app: &Container,
    admin: &Container,
    kind: ConfigKind,
    name: &str,
) -> bool {
    let whole = app
        .config
        .iter()
        .any(|s| s.kind == kind && s.name == name && !matches!(s.via, ConfigVia::Volume(_)));
    let variables: Vec<&str> = app
        .env
        .iter()
        .filter(|var| match &var.value {
            EnvValue::ConfigMapKey { name: n, .. } => kind == ConfigKind::ConfigMap && n == name,
            EnvValue::SecretKey { name: n, .. } => kind == ConfigKind::Secret && n == name,
            _ => false,
        })
        .map(|var| var.name.as_str())
        .collect();
    !whole
        && !variables.is_empty()
        && variables
            .iter()
            .all(|&variable| admin.env.iter().any(|own| own.name == variable))
}

/// A config object every peer of a set reads: kind, name, the first peer's span, how.
type Shared = (ConfigKind, String, Span, &'static str);

fn check(cx: &AdminCx, sink: &mut Sink) {
    let project = cx.project;
    let peers = cx.config_peers();
    let peers = peers.as_slice();
    let Some(&first) = peers.first() else {
        return;
    };
    let shared = cx.per_peer_set("config-missing shared", || {
        let mut shared: Vec<Shared> = Vec::new();
        for source in sources(project.container(first).1) {
            let (kind, name) = (source.kind, source.name);
            if name.is_empty() || shared.iter().any(|s| s.0 == kind && s.1 == name) {
                continue;
            }
            let everyone_has = peers.iter().all(|&p| {
                sources(project.container(p).1)
                    .iter()
                    .any(|s| s.kind == kind && s.name == name)
            });
            if everyone_has && !project.is_external(kind, name) {
                shared.push((kind, name.to_string(), source.span, source.how));
            }
        }
        shared
    });
    let container = cx.container;
    let mine = sources(container);
    // A command outside Kubernetes (`docker run`, `heroku run`) cannot read a ConfigMap or a
    // Secret: the app's objects are not a config it could have forgotten.
    let outside_kubernetes = cx
        .workload
        .command
        .as_ref()
        .is_some_and(|c| !c.tool.reads_kubernetes_config());
    let mut reported: Vec<(ConfigKind, &str)> = Vec::new();
    for (kind, name, peer_span, how) in shared.iter() {
        let (kind, name) = (*kind, name.as_str());
        if outside_kubernetes && matches!(kind, ConfigKind::ConfigMap | ConfigKind::Secret) {
            continue;
        }
        let admin_has = mine.iter().any(|s| s.kind == kind && s.name == name);
        if admin_has
            || reported.contains(&(kind, name))
            || sets_every_variable_itself(project.container(first).1, container, kind, name)
        {
            continue;
        }
        reported.push((kind, name));
        let span = container
            .name
            .as_ref()
            .map(|n| n.span)
            .or(container.image.as_ref().map(|i| i.span))
            .unwrap_or(container.span);
        let violation = ConfigMissing {
            admin: who(project, cx.at),
            kind,
            name: name.to_string(),
            app: who(project, first),
            readers: peers.len(),
            how,
        };
        let related = format!("{} reads {} `{name}`", violation.app, kind.as_str());
        sink.report(&violation, span).related(related, *peer_span);
    }
}
