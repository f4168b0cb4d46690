//! Findings: what a rule reports, where, and what to do about it.

use serde::Serialize;

use crate::origin::Origin;
use crate::span::Span;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run with the default fail level.
    Info,
    /// Likely a problem; fails a run with the default fail level.
    Warning,
    /// Almost certainly a problem.
    Error,
}

impl Severity {
    /// Lower-case name as used in output and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A second location that explains a finding (usually the app's side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// What this location shows, e.g. "Deployment `web` runs `myapp:v1.2.3`".
    pub message: String,
    /// Where.
    pub span: Span,
    /// How the fact there got its value: its steps add related locations of their own.
    pub origin: Origin,
}

/// The Kubernetes object or Compose service a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    /// `Job`, `CronJob`, `Deployment`, … or `service` for Compose.
    pub kind: String,
    /// `metadata.name` (or `generateName` with a trailing `*`), when known.
    pub name: Option<String>,
    /// `metadata.namespace`, when set.
    pub namespace: Option<String>,
    /// The container the finding is about, when it is about one.
    pub container: Option<String>,
    /// The kustomize overlay whose rendering the finding is in, when it is in one; for a
    /// Compose service, the set of files its project combines (`compose.yaml + compose.x.yaml`)
    /// when it is not a default file with its override file.
    pub overlay: Option<String>,
}

/// How safe it is to apply a fix without review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Applying it keeps the intent of the file.
    Safe,
    /// Probably right, but a person should look.
    Unsafe,
    /// Shown to explain the finding, never applied by a tool: the edit is a suggestion a person
    /// makes by hand (it may be incomplete, or land in a file shared by other users).
    DisplayOnly,
}

impl Applicability {
    /// The name used in JSON output: `safe`, `unsafe`, `display-only`.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        }
    }

    /// True when a tool may apply the fix (with the user's consent for unsafe ones).
    pub fn is_applicable(self) -> bool {
        !matches!(self, Applicability::DisplayOnly)
    }
}

/// One text replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The bytes to replace.
    pub span: Span,
    /// The new text.
    pub content: String,
}

/// A machine-applicable change that resolves a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, e.g. "Use `myapp:v1.2.3`".
    pub message: String,
    /// How safe it is.
    pub applicability: Applicability,
    /// The replacements; non-overlapping.
    pub edits: Vec<Edit>,
}

/// One finding of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Rule id, e.g. `image-mismatch`.
    pub rule: &'static str,
    /// Severity after configuration.
    pub severity: Severity,
    /// What differs, naming both sides.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The admin-side node the finding is about (the fact's position).
    pub span: Span,
    /// The origin of the fact at `span`: related locations and the fix target follow it.
    pub origin: Origin,
    /// Label shown under the primary span in human output.
    pub label: Option<String>,
    /// The app-side nodes it disagrees with.
    pub related: Vec<Related>,
    /// The object the finding is about.
    pub object: Option<ObjectRef>,
    /// A fix, when one is safe to offer.
    pub fix: Option<Fix>,
    /// What makes the finding what it is, apart from its rule, file and object: the
    /// violation's data (see [`crate::rules::Violation::identity`]), never its wording. The
    /// fingerprint hashes it, so rewording a message keeps code-scanning alerts.
    pub identity: String,
}

impl Diagnostic {
    /// A finding with no help, label, related locations, object or fix yet.
    pub fn new(rule: &'static str, severity: Severity, message: String, span: Span) -> Self {
        Diagnostic {
            rule,
            severity,
            message,
            help: None,
            span,
            origin: Origin::DIRECT,
            label: None,
            related: Vec::new(),
            object: None,
            fix: None,
            identity: String::new(),
        }
    }

    /// Set the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Set the primary label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Set the origin of the fact the finding points at.
    pub fn with_origin(mut self, origin: &Origin) -> Self {
        self.origin = origin.clone();
        self
    }

    /// Add a related location.
    pub fn with_related(self, message: impl Into<String>, span: Span) -> Self {
        self.with_related_fact(message, span, &Origin::DIRECT)
    }

    /// Add a related location at a fact, with that fact's origin.
    pub fn with_related_fact(
        mut self,
        message: impl Into<String>,
        span: Span,
        origin: &Origin,
    ) -> Self {
        self.related.push(Related {
            message: message.into(),
            span,
            origin: origin.clone(),
        });
        self
    }

    /// Set the object.
    pub fn with_object(mut self, object: Option<ObjectRef>) -> Self {
        self.object = object;
        self
    }

    /// Set the fix.
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// The order diagnostics are reported in: file, offset, rule, then message.
    pub fn sort_key(&self) -> (crate::span::FileId, u32, &'static str, &str) {
        (self.span.file, self.span.start, self.rule, &self.message)
    }
}
