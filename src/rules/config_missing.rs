//! config-missing: an admin lacks a ConfigMap / Secret source that every long-running peer has.

use super::helpers::who;
use super::{AdminCx, Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::{Applicability, Edit, Severity};
use crate::model::workload::Format;
use crate::model::workload::{ConfigKind, ConfigVia, Container, EnvValue};
use crate::span::Span;

pub const RULE: Rule = Rule {
    id: "config-missing",
    severity: Severity::Warning,
    summary: "an admin process lacks a ConfigMap, Secret or env file that every app workload reads",
    doc: include_str!("../../rules/config-missing.md"),
    check: Check::Admin(check),
    fix: FixAvailability::Sometimes,
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

    fn fix_title(&self) -> Option<String> {
        Some(format!(
            "Read {} `{}` through envFrom",
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

/// The line of `text` around byte `at`: (start of the line, its indentation in bytes).
fn line_at(text: &str, at: usize) -> (usize, usize) {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = text[start..].len() - text[start..].trim_start_matches(' ').len();
    (start, indent)
}

/// The end of the block that starts on the line at `line_start` (indented `indent`): the start
/// of the first later line indented no deeper (blank lines inside belong to it).
fn block_end(text: &str, line_start: usize, indent: usize) -> usize {
    let mut at = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i + 1);
    while at < text.len() {
        let line = &text[at..];
        let content = line.trim_start_matches(' ');
        let depth = line.len() - content.len();
        // A comment as deep as the item or less heads what follows: the block ends above it.
        let blank = content.starts_with('\n') || content.is_empty();
        if !blank && depth <= indent {
            return at;
        }
        at = line.find('\n').map_or(text.len(), |i| at + i + 1);
    }
    text.len()
}

/// The edit that gives a Kubernetes container the `envFrom` entry it lacks, written in the
/// block style the container is written in: a new item after the last item of its `envFrom`
/// list, or an `envFrom:` key after its `name:` line. None where the container is a flow
/// mapping, its list a flow sequence, or the text is not laid out as expected.
fn env_from_edit(cx: &AdminCx, kind: ConfigKind, name: &str) -> Option<Edit> {
    if cx.workload.format != Format::Kubernetes {
        return None;
    }
    let reference = match kind {
        ConfigKind::ConfigMap => "configMapRef",
        ConfigKind::Secret => "secretRef",
        _ => return None,
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    if name.is_empty() || !name.chars().all(plain) {
        return None;
    }
    let name_key = cx.container.name.as_ref()?.span;
    let file = cx.project.files.get(name_key.file.0 as usize)?;
    let text = file.text.as_str();
    let item = format!("- {reference}: {{name: {name}}}\n");
    let last_env_from = cx
        .container
        .config
        .iter()
        .filter(|s| s.via == ConfigVia::EnvFrom && s.span.file == name_key.file)
        .map(|s| s.span.start as usize)
        .max();
    if let Some(at) = last_env_from {
        // The item holding the reference: the nearest line above it that starts with `- `
        // less indented than the reference.
        let (mut line, reference_indent) = line_at(text, at);
        loop {
            let content = &text[line..];
            let indent = content.len() - content.trim_start_matches(' ').len();
            if content.trim_start_matches(' ').starts_with("- ") && indent < reference_indent
                || line == 0
            {
                break;
            }
            line = text[..line - 1].rfind('\n').map_or(0, |i| i + 1);
        }
        let content = &text[line..];
        let indent = content.len() - content.trim_start_matches(' ').len();
        if !content.trim_start_matches(' ').starts_with("- ") {
            return None;
        }
        let end = block_end(text, line, indent);
        if end == text.len() && !text.ends_with('\n') {
            return None;
        }
        // Written like the item above: `- secretRef:` with `name:` on the next line, at that
        // line's indentation, or on one line.
        let item_text = &text[line..end];
        let mut item_lines = item_text.lines();
        let first = item_lines.next().unwrap_or_default().trim_end();
        let nested = item_lines
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|l| l.len() - l.trim_start_matches(' ').len());
        let content = match nested {
            Some(depth) if first.ends_with("Ref:") && depth > indent => format!(
                "{pad}- {reference}:\n{inner}name: {name}\n",
                pad = " ".repeat(indent),
                inner = " ".repeat(depth)
            ),
            _ => format!("{}{item}", " ".repeat(indent)),
        };
        return Some(Edit {
            span: Span::new(name_key.file, end, end),
            content,
        });
    }
    // No envFrom yet: a new key after the `name:` line, at the container's key indentation.
    let (line, _) = line_at(text, name_key.start as usize);
    let before_key = &text[line..name_key.start as usize];
    let key_column = before_key
        .rfind("name:")
        .filter(|&column| before_key[..column].chars().all(|c| c == ' ' || c == '-'))?;
    let line_end = text[line..].find('\n').map(|i| line + i + 1)?;
    Some(Edit {
        span: Span::new(name_key.file, line_end, line_end),
        content: format!("{pad}envFrom:\n{pad}  {item}", pad = " ".repeat(key_column)),
    })
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
        let reported = sink.report(&violation, span).related(related, *peer_span);
        // Unsafe: whether the admin process may read the app's Secret is a person's call.
        if *how == "envFrom"
            && let Some(edit) = env_from_edit(cx, kind, name)
        {
            reported.fix(Applicability::Unsafe, vec![edit]);
        }
    }
}
