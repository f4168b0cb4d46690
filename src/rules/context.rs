//! What a rule is given and how it reports: the admin context, typed violations and the sink.
//!
//! A rule's detection code decides *where* (a span) and *what* (a violation value); the wording
//! lives on the violation type ([`Violation`]), and the sink fills in the rule id, severity,
//! object and a fingerprint identity made from data, never from the message text.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::Rule;
use super::helpers::object_ref;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Related};
use crate::model::command::{CommandLine, ParsedCommand};
use crate::model::project::{ContainerRef, PeerSet, Project, locked};
use crate::model::workload::{Container, Workload};
use crate::origin::{Origin, Spanned};
use crate::span::Span;

/// An admin rule's check.
pub type AdminCheck = fn(&AdminCx, &mut Sink);

/// What a finding says. Each rule file declares one small type implementing it.
pub trait Violation {
    /// What differs, naming both sides.
    fn message(&self) -> String;
    /// The short label under the primary span.
    fn label(&self) -> Option<String> {
        None
    }
    /// What to do about it.
    fn help(&self) -> Option<String> {
        None
    }
    /// What the fix does ("Use `myapp:v1.2.3`"), when the rule attaches one.
    fn fix_title(&self) -> Option<String> {
        None
    }
    /// The data that makes this violation what it is (a Secret's name, the two images), for
    /// the finding's fingerprint: rewording [`Violation::message`] must not change it.
    fn identity(&self) -> Vec<String>;
}

/// Whether a rule attaches fixes; the fixture tests hold rules to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    /// Never.
    None,
    /// For some findings.
    Sometimes,
}

/// One admin container, as an admin rule sees it: computed once and shared by every admin rule.
pub struct AdminCx<'p> {
    /// The whole project (peers' facts, configured wrappers and installers).
    pub project: &'p Project,
    /// Which container.
    pub at: ContainerRef,
    /// Its workload.
    pub workload: &'p Workload,
    /// The container.
    pub container: &'p Container,
    /// Its command line (`command` ++ `args`), parsed once.
    pub command: &'p CommandLine,
    /// Where each simple command of [`AdminCx::command`] was written (same order): the exact
    /// part of a `sh -c` script when it can be found, else the whole argv element.
    pub command_spans: &'p [Span],
    /// Its release peers (the nearest tier), shared with every admin that has the same set.
    pub peers: Arc<PeerSet>,
    memo: &'p PeerMemo,
}

impl<'p> AdminCx<'p> {
    /// Build the context of one admin container.
    pub(super) fn new(
        project: &'p Project,
        at: ContainerRef,
        command: &'p ParsedCommand,
        memo: &'p PeerMemo,
    ) -> Self {
        let (workload, container) = project.container(at);
        AdminCx {
            project,
            at,
            workload,
            container,
            command: &command.line,
            command_spans: &command.spans,
            peers: project.peer_set(at),
            memo,
        }
    }

    /// What a rule derives from the peer set (the app's releases, the config every peer
    /// reads): computed once per distinct set and `key`, however many admins share the set.
    /// Admin containers are checked in parallel: two may compute the same value at once, and
    /// both are the same.
    pub fn per_peer_set<T: Send + Sync + 'static>(
        &self,
        key: &'static str,
        compute: impl FnOnce() -> T,
    ) -> Arc<T> {
        let slot = (key, self.peers.id);
        if let Some(known) = locked(&self.memo.0).get(&slot) {
            return Arc::clone(known)
                .downcast::<T>()
                .expect("one type per memo key");
        }
        let value: Arc<T> = Arc::new(compute());
        locked(&self.memo.0).insert(slot, Arc::clone(&value) as Arc<dyn Any + Send + Sync>);
        value
    }
}

impl AdminCx<'_> {
    /// The peers config rules compare with: the release peers that run the app's process, not
    /// a sidecar or exporter built from its image ([`Project::not_app_process`]). When every
    /// peer looks like a helper, the app is one (an exporter's own Jobs): all of them count.
    pub fn config_peers(&self) -> Arc<Vec<ContainerRef>> {
        self.per_peer_set("config peers", || self.project.config_peers(&self.peers))
    }
}

/// Per-peer-set results of admin rules, for one run, by (rule's key, peer set id).
#[derive(Default)]
pub(super) struct PeerMemo(Mutex<HashMap<MemoKey, Arc<dyn Any + Send + Sync>>>);

/// A rule's name for what it derives, and the peer set it derived it from.
type MemoKey = (&'static str, usize);

/// Where a rule's findings go. Made per rule (and per admin container for admin rules).
pub struct Sink<'r> {
    rule: &'static Rule,
    /// What findings are about unless one says otherwise (an admin rule's container); the
    /// object reference is built only when something is reported.
    subject: Option<(&'r Workload, Option<&'r Container>)>,
    out: &'r mut Vec<Diagnostic>,
}

impl<'r> Sink<'r> {
    /// A sink for `rule`'s findings, about `subject` unless a finding says otherwise.
    pub fn new(
        rule: &'static Rule,
        subject: Option<(&'r Workload, Option<&'r Container>)>,
        out: &'r mut Vec<Diagnostic>,
    ) -> Self {
        Sink { rule, subject, out }
    }

    /// Report `violation` at `site` (a span, or a fact with its origin); the returned builder
    /// adds related locations, a fix or another object.
    pub fn report<V: Violation>(&mut self, violation: &V, site: impl Into<Site>) -> Reported<'_> {
        let site = site.into();
        let mut diagnostic = Diagnostic::new(
            self.rule.id,
            self.rule.severity,
            violation.message(),
            site.span,
        );
        diagnostic.origin = site.origin;
        diagnostic.label = violation.label();
        diagnostic.help = violation.help();
        diagnostic.object = self
            .subject
            .map(|(workload, container)| object_ref(workload, container));
        diagnostic.identity = violation.identity().join("\u{1f}");
        // A command's finding about what it runs in (`docker compose run netbox` in test.sh,
        // whose image is the Compose service's) points into another file: the command's own
        // line is where the one-off starts.
        let command_site = self.subject.is_some_and(|(workload, _)| {
            workload.format == crate::model::workload::Format::Command
                && workload.span.file != site.span.file
        });
        if let Some((workload, _)) = self.subject.filter(|_| command_site) {
            diagnostic.related.push(Related {
                message: format!("{} starts here", workload.title()),
                span: workload.span,
                origin: Origin::DIRECT,
            });
        }
        let fix_title = violation.fix_title();
        self.out.push(diagnostic);
        Reported {
            diagnostic: self.out.last_mut().expect("just pushed"),
            fix_title,
            command_site,
        }
    }
}

/// Where a finding (or a related location) points: a span, and the origin of the fact there
/// when it is a fact (`&Spanned<T>`), so that its steps can be followed.
pub struct Site {
    /// The position.
    pub span: Span,
    /// How the fact there got its value ([`Origin::DIRECT`] for a bare span).
    pub origin: Origin,
}

impl From<Span> for Site {
    fn from(span: Span) -> Self {
        Site {
            span,
            origin: Origin::DIRECT,
        }
    }
}

impl<T> From<&Spanned<T>> for Site {
    fn from(fact: &Spanned<T>) -> Self {
        Site {
            span: fact.span,
            origin: fact.origin.clone(),
        }
    }
}

/// A finding just reported: add what detection knows beyond the violation.
pub struct Reported<'s> {
    diagnostic: &'s mut Diagnostic,
    fix_title: Option<String>,
    /// The last related location is the command's own line, kept last (the app's side first).
    command_site: bool,
}

impl Reported<'_> {
    /// The app-side location it disagrees with (or another location that explains it): a
    /// span, or a fact whose origin adds locations of its own (see [`super::origins`]).
    pub fn related(self, message: impl Into<String>, site: impl Into<Site>) -> Self {
        let site = site.into();
        let related = Related {
            message: message.into(),
            span: site.span,
            origin: site.origin,
        };
        let at = self.diagnostic.related.len() - usize::from(self.command_site);
        self.diagnostic.related.insert(at, related);
        self
    }

    /// The object, when it is not the sink's (a Compose-wide finding names the service).
    pub fn object(self, workload: &Workload, container: Option<&Container>) -> Self {
        self.diagnostic.object = Some(object_ref(workload, container));
        self
    }

    /// Lower this finding below the rule's default severity (a deliberate difference that is
    /// still worth showing). The configuration's level for the rule leaves it lowered.
    pub fn severity(self, severity: crate::diagnostic::Severity) -> Self {
        self.diagnostic.severity = self.diagnostic.severity.min(severity);
        self
    }

    /// Attach a fix titled by the violation's [`Violation::fix_title`].
    pub fn fix(self, applicability: Applicability, edits: Vec<Edit>) -> Self {
        let message = self
            .fix_title
            .clone()
            .expect("a violation with a fix has a fix title");
        self.diagnostic.fix = Some(Fix {
            message,
            applicability,
            edits,
        });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::span::FileId;

    struct Worded(&'static str);

    impl Violation for Worded {
        fn message(&self) -> String {
            format!("{} differs", self.0)
        }
        fn label(&self) -> Option<String> {
            Some("here".into())
        }
        fn fix_title(&self) -> Option<String> {
            Some("Fix it".into())
        }
        fn identity(&self) -> Vec<String> {
            vec![self.0.to_string(), "x".into()]
        }
    }

    const TEST_RULE: Rule = Rule {
        id: "test-rule",
        severity: Severity::Warning,
        summary: "",
        doc: "",
        check: super::super::Check::Meta,
        fix: FixAvailability::Sometimes,
    };

    #[test]
    fn the_sink_fills_in_rule_severity_wording_identity_and_fix_title() {
        static RULE: Rule = TEST_RULE;
        let mut out = Vec::new();
        let span = Span::new(FileId(1), 3, 7);
        let mut sink = Sink::new(&RULE, None, &mut out);
        sink.report(&Worded("image"), span)
            .related("app side", Span::new(FileId(2), 0, 1))
            .fix(
                Applicability::Safe,
                vec![Edit {
                    span,
                    content: "new".into(),
                }],
            );
        let [diagnostic] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(diagnostic.rule, "test-rule");
        assert_eq!(diagnostic.severity, Severity::Warning);
        assert_eq!(diagnostic.message, "image differs");
        assert_eq!(diagnostic.label.as_deref(), Some("here"));
        assert_eq!(diagnostic.identity, "image\u{1f}x");
        assert_eq!(diagnostic.related[0].message, "app side");
        assert_eq!(diagnostic.fix.as_ref().unwrap().message, "Fix it");
    }
}
