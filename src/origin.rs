//! Provenance of a fact: where it sits, where it was written, and the steps it went through.
//!
//! A fact's *position* (`at`) is the [`Span`] it carries ([`Spanned::span`],
//! [`crate::diagnostic::Diagnostic::span`]); its [`Origin`] adds where the value was written
//! when that is elsewhere, and the [`Step`]s between the two (a YAML alias, a Compose
//! `extends`, `include`, `.env` interpolation or override file, a kustomize `images:` entry or
//! patch, a Helm template, an OpenShift template parameter). Most facts went through nothing: their origin is one null pointer,
//! so carrying it on every fact costs a word.
//!
//! Two passes read it: related locations are derived from the steps
//! ([`Step::related`]), and a fix is aimed through them (see `provenance`).

use crate::span::Span;

/// A value together with where it sits and how it got there.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it sits: the node a finding about it points at (its origin's `at`).
    pub span: Span,
    /// Where it was written and the steps it went through (empty for most facts).
    pub origin: Origin,
}

impl<T> Spanned<T> {
    /// Pair a value with its span; written there, through nothing.
    pub fn new(value: T, span: Span) -> Self {
        Spanned {
            value,
            span,
            origin: Origin::DIRECT,
        }
    }

    /// Pair a value with its span and origin.
    pub fn with_origin(value: T, span: Span, origin: Origin) -> Self {
        Spanned {
            value,
            span,
            origin,
        }
    }
}

/// Where a value was written and what it went through; empty for most facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Origin(Option<Box<Trail>>);

/// The part of an [`Origin`] that only some facts have.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
struct Trail {
    /// Where the value is written, when not where it sits (the anchor of an alias).
    written: Option<Span>,
    /// Steps from where it is written to where it is used, innermost first.
    via: Vec<Step>,
}

/// What a Kustomize `images:` entry field sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ImageField {
    /// `newName`.
    NewName,
    /// `newTag`.
    NewTag,
    /// `digest`.
    Digest,
}

impl ImageField {
    /// The key as written in a kustomization.
    pub fn key(self) -> &'static str {
        match self {
            ImageField::NewName => "newName",
            ImageField::NewTag => "newTag",
            ImageField::Digest => "digest",
        }
    }
}

/// One step a value went through on its way from where it is written to where it is used.
///
/// New variants go last: the fact cache stores a variant by its index.
///
/// Steps kept in the fact cache only hold spans in the cached file itself (a span's file is
/// not stored, see [`crate::cache`]); steps across files are added after the cache.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Step {
    /// Reached through the YAML alias `*name` (also `<<: *name`).
    Alias {
        /// The anchor's name, without `&` / `*`.
        name: String,
        /// The first line of the anchored node.
        anchor: Span,
    },
    /// Compose: inherited through `extends` from service `service`.
    Extends {
        /// The service extended.
        service: String,
        /// The `extends` entry of the service that inherits.
        at: Span,
    },
    /// Kustomize: a field of an overlay's `images:` entry rewrote the image.
    KustomizeImage {
        /// The directory of the kustomization the entry is in.
        overlay: String,
        /// The entry's `name:` (the image name it matched).
        name: String,
        /// Which field.
        field: ImageField,
        /// The field's value.
        value: String,
        /// The `key: value` pair, from the key to the end of the value.
        line: Span,
        /// The value node (what an edit replaces).
        value_span: Span,
    },
    /// Kustomize: a patch of a kustomization set this value (the fact sits in the patch).
    KustomizePatch {
        /// The directory of the kustomization that lists the patch.
        overlay: String,
        /// The patch as shown to users: its file, or `inline patch in <kustomization>`.
        patch: String,
        /// The field it set, e.g. `image`, `env`.
        field: String,
        /// The base's value it replaced, when there was one.
        base: Option<Span>,
        /// True when the patch is applied in more than one rendering (a patch file two
        /// overlays list, or a base's patch two overlays render): editing it changes them all.
        /// Also true for an inline patch in a quoted or folded string, whose values have no
        /// exact place in the file to edit.
        shared: bool,
    },
    /// Helm: rendered from this template (its `# Source:` comment).
    HelmTemplate {
        /// The template path, e.g. `chart/templates/job.yaml`.
        source: String,
    },
    /// Compose: the value used the variable `variable` (`${VAR}`, `$VAR`, `${VAR:-default}`).
    Interpolation {
        /// The variable's name.
        variable: String,
        /// Where its value came from: the `.env` file's definition, None when the variable
        /// took a default or is unset (then there is no place to point at).
        definition: Option<EnvDefinition>,
    },
    /// OpenShift template: the value used the default of the template's parameter `name`
    /// (`${NAME}` or `${{NAME}}`); parameters without a default are not substituted.
    TemplateParameter {
        /// The parameter's name.
        name: String,
        /// Its `value:` in the template's `parameters:` (same file as the value).
        definition: ParameterDefinition,
    },
    /// Compose: the service comes from a file a top-level `include:` entry pulled in.
    Include {
        /// The file with the `include:` entry, as shown to users.
        by: String,
        /// The `include:` entry.
        at: Span,
        /// True when more than one project includes the file: editing it changes them all.
        shared: bool,
    },
    /// Compose: a later file of the project (an override file) set this value over the
    /// earlier file's.
    Override {
        /// The key path of the value, e.g. `image`, `healthcheck.test`.
        key: String,
        /// The earlier file, as shown to users.
        file: String,
        /// The overridden value in the earlier file.
        base: Span,
    },
    /// Helm: a template action printed a value written in a values file (or Chart.yaml) into
    /// this fact, e.g. `.Values.image.tag`.
    HelmValue {
        /// What the fact is, for the message: `image`, `command`, …
        field: String,
        /// The values file, as shown to users.
        file: String,
        /// The `key: value` text as written (`tag: 1.2.0`).
        shown: String,
        /// The value: its line, its node (what an edit replaces), the fact's text around it,
        /// and whether this fact is the node's only use in the chart's renderings (the same
        /// questions as for a template parameter's default).
        definition: ParameterDefinition,
    },
}

/// A variable's definition in a Compose project's `.env` file, as a step records it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct EnvDefinition {
    /// The `.env` file, as shown to users.
    pub file: String,
    /// The value it gives the variable (after the file's own quoting and interpolation).
    pub value: String,
    /// The `KEY=value` line.
    pub line: Span,
    /// The value as written (with its quotes, without an inline comment): what an edit of the
    /// variable replaces. None when an edit there could not say a new value exactly (the
    /// value is built from other variables or escapes).
    pub value_span: Option<Span>,
    /// The resolved text of the fact before and after the variable's value, when the value
    /// appears in it exactly once and every other reference is resolved: what an edit of the
    /// whole fact must keep for the edit to be made in `.env` instead. None otherwise.
    pub around: Option<(String, String)>,
    /// True when this fact is the only use of the variable among the projects that read this
    /// `.env` (and no other `.env` line refers to it), so that editing the value changes
    /// nothing else.
    pub sole_use: bool,
}

/// A template parameter's default, as a [`Step::TemplateParameter`] records it. The same
/// questions as for an [`EnvDefinition`]: where an edit of the variable goes, what an edit of
/// the whole fact must keep to go there, and whether anything else uses it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ParameterDefinition {
    /// The default value.
    pub value: String,
    /// The `value: …` pair of the parameter.
    pub line: Span,
    /// The value node (what an edit replaces); None for a block scalar.
    pub value_span: Option<Span>,
    /// The substituted text of the fact before and after the parameter's value, when the fact
    /// uses it once and every other reference in it was substituted. None otherwise.
    pub around: Option<(String, String)>,
    /// True when this is the parameter's only use in the template's objects.
    pub sole_use: bool,
}

impl Step {
    /// The related location this step adds to a finding on a value that went through it, with
    /// its message. None for steps with nothing to show (a Helm template has no span in the
    /// rendered file; an `extends` is said by the location of the inherited value itself).
    pub fn related(&self) -> Option<(String, Span)> {
        match self {
            Step::Alias { name, anchor } => Some((
                format!("the value comes from the anchor `&{name}`"),
                *anchor,
            )),
            Step::KustomizeImage {
                overlay,
                field,
                value,
                line,
                ..
            } => Some((
                format!(
                    "`{}: {value}` in overlay `{overlay}` sets this image",
                    field.key()
                ),
                *line,
            )),
            Step::Interpolation {
                variable,
                definition: Some(definition),
            } => Some((
                format!(
                    "`{variable}={}` in `{}` sets `${{{variable}}}`",
                    definition.value, definition.file
                ),
                definition.line,
            )),
            Step::KustomizePatch {
                overlay,
                patch,
                field,
                base: Some(base),
                ..
            } => Some((
                format!("patch `{patch}` in overlay `{overlay}` replaces this `{field}:`"),
                *base,
            )),
            Step::TemplateParameter { name, definition } => Some((
                format!(
                    "template parameter `{name}` (`value: {}`) sets `${{{name}}}`",
                    definition.value
                ),
                definition.line,
            )),
            Step::HelmValue {
                field,
                file,
                shown,
                definition,
            } => Some((
                format!("`{shown}` in `{file}` sets this {field}"),
                definition.line,
            )),
            Step::Include { by, at, .. } => {
                Some((format!("included by `include:` in `{by}`"), *at))
            }
            Step::Override { key, file, base } => {
                Some((format!("overrides `{key}:` of `{file}`"), *base))
            }
            Step::Extends { .. }
            | Step::KustomizePatch { base: None, .. }
            | Step::HelmTemplate { .. }
            | Step::Interpolation {
                definition: None, ..
            } => None,
        }
    }

    /// True when the value is written in a place other uses share, so that editing it there
    /// changes more than this one fact (an anchor, an extended service, a template).
    pub fn is_shared(&self) -> bool {
        match self {
            Step::Alias { .. } | Step::Extends { .. } | Step::HelmTemplate { .. } => true,
            Step::Include { shared, .. } | Step::KustomizePatch { shared, .. } => *shared,
            // The value is written at its use; whether an edit may replace it there or in
            // `.env` is decided by the fix's aim (`provenance`), not by the step alone.
            Step::KustomizeImage { .. }
            | Step::Interpolation { .. }
            | Step::TemplateParameter { .. }
            | Step::HelmValue { .. }
            | Step::Override { .. } => false,
        }
    }

    /// True when the step sets one part of the value (a `.env` variable in an interpolated
    /// string, a template parameter, a kustomize `newTag`), not the whole of it: when the app's side went through the
    /// same step, that part is where the two agree.
    pub fn sets_a_part(&self) -> bool {
        matches!(
            self,
            Step::Interpolation { .. }
                | Step::TemplateParameter { .. }
                | Step::HelmValue { .. }
                | Step::KustomizeImage { .. }
        )
    }
}

impl Origin {
    /// Written where it sits, through nothing.
    pub const DIRECT: Origin = Origin(None);

    /// True when the value went through nothing and is written where it sits.
    pub fn is_direct(&self) -> bool {
        self.0.is_none()
    }

    /// Where the value is written: `at` unless it was written elsewhere.
    pub fn written(&self, at: Span) -> Span {
        self.0.as_ref().and_then(|t| t.written).unwrap_or(at)
    }

    /// The steps, innermost first.
    pub fn via(&self) -> &[Step] {
        self.0.as_ref().map_or(&[], |t| &t.via)
    }

    fn trail(&mut self) -> &mut Trail {
        self.0.get_or_insert_with(|| {
            Box::new(Trail {
                written: None,
                via: Vec::new(),
            })
        })
    }

    /// Record where the value is written, when that is not `at`.
    pub fn set_written(&mut self, written: Span, at: Span) {
        if written != at {
            self.trail().written = Some(written);
        } else if let Some(trail) = &mut self.0 {
            trail.written = None;
        }
    }

    /// Record one more step (outermost last). A step already recorded is not repeated.
    pub fn push(&mut self, step: Step) {
        let trail = self.trail();
        if !trail.via.contains(&step) {
            trail.via.push(step);
        }
    }

    /// This origin with one more step.
    pub fn with_step(mut self, step: Step) -> Origin {
        self.push(step);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn span(start: usize, end: usize) -> Span {
        Span::new(FileId(1), start, end)
    }

    #[test]
    fn a_direct_origin_costs_one_word_and_is_written_where_it_sits() {
        assert_eq!(std::mem::size_of::<Origin>(), std::mem::size_of::<usize>());
        let origin = Origin::DIRECT;
        assert!(origin.is_direct());
        assert_eq!(origin.written(span(3, 9)), span(3, 9));
        assert!(origin.via().is_empty());
    }

    #[test]
    fn written_elsewhere_and_steps_are_kept_in_order_without_repeats() {
        let mut origin = Origin::default();
        origin.set_written(span(0, 4), span(10, 14));
        let alias = Step::Alias {
            name: "app".into(),
            anchor: span(0, 4),
        };
        origin.push(alias.clone());
        origin.push(alias.clone());
        let origin = origin.with_step(Step::HelmTemplate {
            source: "chart/templates/job.yaml".into(),
        });
        assert_eq!(origin.written(span(10, 14)), span(0, 4));
        assert_eq!(origin.via().len(), 2);
        assert_eq!(origin.via()[0], alias);
        // Written where it sits again: the trail keeps its steps only.
        let mut same = origin.clone();
        same.set_written(span(10, 14), span(10, 14));
        assert_eq!(same.written(span(10, 14)), span(10, 14));
        assert_eq!(same.via().len(), 2);
    }

    #[test]
    fn each_step_kind_says_what_it_adds() {
        let alias = Step::Alias {
            name: "old-image".into(),
            anchor: span(0, 20),
        };
        assert_eq!(
            alias.related(),
            Some((
                "the value comes from the anchor `&old-image`".to_string(),
                span(0, 20)
            ))
        );
        assert!(alias.is_shared());
        let image = Step::KustomizeImage {
            overlay: "overlays/prod".into(),
            name: "shop/app".into(),
            field: ImageField::NewTag,
            value: "2.0".into(),
            line: span(30, 43),
            value_span: span(38, 43),
        };
        assert_eq!(
            image.related(),
            Some((
                "`newTag: 2.0` in overlay `overlays/prod` sets this image".to_string(),
                span(30, 43)
            ))
        );
        assert!(!image.is_shared());
        let extends = Step::Extends {
            service: "app".into(),
            at: span(50, 60),
        };
        assert_eq!(extends.related(), None);
        assert!(extends.is_shared());
        let helm = Step::HelmTemplate {
            source: "chart/templates/job.yaml".into(),
        };
        assert_eq!(helm.related(), None);
        assert!(helm.is_shared());
        let definition = EnvDefinition {
            file: "app/.env".into(),
            value: "1.4.0".into(),
            line: span(0, 17),
            value_span: Some(span(12, 17)),
            around: None,
            sole_use: true,
        };
        let from_env = Step::Interpolation {
            variable: "MIGRATE_TAG".into(),
            definition: Some(definition),
        };
        assert_eq!(
            from_env.related(),
            Some((
                "`MIGRATE_TAG=1.4.0` in `app/.env` sets `${MIGRATE_TAG}`".to_string(),
                span(0, 17)
            ))
        );
        assert!(!from_env.is_shared());
        let from_default = Step::Interpolation {
            variable: "MIGRATE_TAG".into(),
            definition: None,
        };
        assert_eq!(from_default.related(), None);
        let include = |shared| Step::Include {
            by: "compose.yaml".into(),
            at: span(20, 38),
            shared,
        };
        assert_eq!(
            include(false).related(),
            Some((
                "included by `include:` in `compose.yaml`".to_string(),
                span(20, 38)
            ))
        );
        assert!(!include(false).is_shared());
        assert!(include(true).is_shared());
        let over = Step::Override {
            key: "image".into(),
            file: "compose.yaml".into(),
            base: span(40, 63),
        };
        assert_eq!(
            over.related(),
            Some((
                "overrides `image:` of `compose.yaml`".to_string(),
                span(40, 63)
            ))
        );
        assert!(!over.is_shared());
        let patch = |base, shared| Step::KustomizePatch {
            overlay: "overlays/canary".into(),
            patch: "overlays/canary/job.yaml".into(),
            field: "image".into(),
            base,
            shared,
        };
        assert_eq!(
            patch(Some(span(70, 80)), false).related(),
            Some((
                "patch `overlays/canary/job.yaml` in overlay `overlays/canary` replaces this \
                 `image:`"
                    .to_string(),
                span(70, 80)
            ))
        );
        // A value the patch adds replaced nothing: the patch line itself is the finding's.
        assert_eq!(patch(None, false).related(), None);
        assert!(!patch(None, false).is_shared());
        assert!(patch(None, true).is_shared());
        assert!(!patch(None, false).sets_a_part());
        let parameter = Step::TemplateParameter {
            name: "MIGRATE_TAG".into(),
            definition: ParameterDefinition {
                value: "0.9.0".into(),
                line: span(90, 104),
                value_span: Some(span(97, 104)),
                around: None,
                sole_use: true,
            },
        };
        assert_eq!(
            parameter.related(),
            Some((
                "template parameter `MIGRATE_TAG` (`value: 0.9.0`) sets `${MIGRATE_TAG}`"
                    .to_string(),
                span(90, 104)
            ))
        );
        // Whether an edit may go to the parameter is the fix's aim, as for `.env`.
        assert!(!parameter.is_shared());
        assert!(parameter.sets_a_part());
    }
}
