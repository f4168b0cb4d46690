//! config-divergent: an env var the app takes from a config source is set differently in the admin.

use super::helpers::who;
use super::{AdminCx, Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::workload::{ConfigKind, EnvValue, EnvVar};

pub const RULE: Rule = Rule {
    id: "config-divergent",
    severity: Severity::Warning,
    summary: "an admin process sets an env var the app takes from a ConfigMap or Secret some other way",
    doc: include_str!("../../rules/config-divergent.md"),
    check: Check::Admin(check),
    fix: FixAvailability::None,
};

/// The admin sets a variable otherwise than the app's config source.
struct ConfigDivergent {
    admin: String,
    /// The variable's name.
    name: String,
    /// Where the admin takes it from, described.
    admin_value: String,
    /// The peer that reads it from config.
    app: String,
    /// Where the app takes it from, described.
    app_value: String,
    /// The admin reads the same key from a Secret named for admin work ([`admin_credential`]).
    deliberate: bool,
}

/// Words in a Secret's name that say it holds an admin's credentials (a migration role that
/// owns the schema, a DDL user): reading the app's key from it is a deliberate choice.
const ADMIN_SECRET_WORDS: [&str; 6] = [
    "migrate",
    "migration",
    "migrations",
    "admin",
    "owner",
    "ddl",
];

/// True when the admin reads the key the app reads from another Secret whose name says it is
/// an admin credential (`db-migrate`, `db_owner`, `pg-admin`).
fn admin_credential(admin: &EnvValue, app: &EnvValue) -> bool {
    match (admin, app) {
        (
            EnvValue::SecretKey { name, key },
            EnvValue::SecretKey {
                name: app_name,
                key: app_key,
            },
        ) => {
            key == app_key
                && name != app_name
                && name
                    .to_ascii_lowercase()
                    .split(['-', '_', '.'])
                    .any(|part| ADMIN_SECRET_WORDS.contains(&part))
        }
        _ => false,
    }
}

/// True when `var`'s literal value refers (`$(BASE_DATABASE_URL)&schema=wallet`) to a variable
/// defined before it in the same container that takes the app's `source`: Kubernetes expands
/// the reference, so the admin reads the app's config and follows a rotated password.
fn derived_from(env: &[EnvVar], var: &EnvVar, source: &EnvValue) -> bool {
    let EnvValue::Literal(Some(text)) = &var.value else {
        return false;
    };
    let before = env.iter().take_while(|e| !std::ptr::eq(*e, var));
    let referenced = |name: &str| text.contains(&format!("$({name})"));
    before
        .filter(|e| e.value == *source)
        .any(|e| referenced(&e.name))
}

impl Violation for ConfigDivergent {
    fn message(&self) -> String {
        format!(
            "{} sets `{}` from {}, but {} takes it from {}",
            self.admin, self.name, self.admin_value, self.app, self.app_value
        )
    }

    fn label(&self) -> Option<String> {
        Some(format!("`{}` differs from the app", self.name))
    }

    fn help(&self) -> Option<String> {
        if self.deliberate {
            return Some(format!(
                "the admin's Secret is named for admin work, so this looks deliberate (a migration role); say so with `# adminlint: ignore[config-divergent] <reason>` or read `{}` from the app's Secret",
                self.name
            ));
        }
        Some(format!(
            "read `{}` from the same source as the app, so the admin process sees the app's config",
            self.name
        ))
    }

    fn identity(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.admin_value.clone(),
            self.app_value.clone(),
        ]
    }
}

fn check(cx: &AdminCx, sink: &mut Sink) {
    let project = cx.project;
    let peers = cx.config_peers();
    let peers = peers.as_slice();
    if peers.is_empty() {
        return;
    }
    for var in &cx.container.env {
        // What every peer that sets this variable takes it from; only a config reference all
        // of them agree on is the app's config.
        let peer_values: Vec<_> = peers
            .iter()
            .filter_map(|&p| {
                let peer = project.container(p).1;
                peer.env.iter().find(|e| e.name == var.name).map(|e| (p, e))
            })
            .collect();
        let Some(&(first, app_var)) = peer_values.first() else {
            continue;
        };
        let external = match &app_var.value {
            EnvValue::ConfigMapKey { name, .. } => project.is_external(ConfigKind::ConfigMap, name),
            EnvValue::SecretKey { name, .. } => project.is_external(ConfigKind::Secret, name),
            _ => false,
        };
        if external
            || !app_var.value.is_config_ref()
            || peer_values.iter().any(|(_, e)| e.value != app_var.value)
            || var.value == app_var.value
            || derived_from(&cx.container.env, var, &app_var.value)
        {
            continue;
        }
        let deliberate = admin_credential(&var.value, &app_var.value);
        let violation = ConfigDivergent {
            admin: who(project, cx.at),
            name: var.name.clone(),
            admin_value: var.value.describe(),
            app: who(project, first),
            app_value: app_var.value.describe(),
            deliberate,
        };
        let reported = sink.report(&violation, var.span);
        let reported = if deliberate {
            reported.severity(Severity::Info)
        } else {
            reported
        };
        reported.related(
            format!(
                "{} takes `{}` from {}",
                violation.app, violation.name, violation.app_value
            ),
            app_var.span,
        );
    }
}
