//! One pass over every finding that follows the origins of the facts it points at: each step a
//! fact went through adds a related location, and a fix is aimed where the value is written —
//! at the transform that set it when that is exact (a kustomize `images:` field, a patch's
//! value), else shown but never applied.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Applicability, Diagnostic, Edit, Related};
use crate::model::image::ImageRef;
use crate::model::project::Project;
use crate::origin::{EnvDefinition, ImageField, Origin, ParameterDefinition, Step};
use crate::span::{FileId, Span};

/// Add the related locations and aim the fixes of every finding.
pub fn follow(project: &Project, diagnostics: &mut [Diagnostic]) {
    let shared = files_in_several_renderings(project);
    for diagnostic in diagnostics {
        add_related(diagnostic);
        aim_fix(project, &shared, diagnostic);
    }
}

/// Files whose workloads several kustomize renderings copy (a base two overlays include), or
/// several sets of Compose files combine (a base file with each of its fragments): an edit
/// there changes every rendering or set, not just the one a finding is in.
fn files_in_several_renderings(project: &Project) -> BTreeSet<FileId> {
    let mut scopes: BTreeMap<FileId, BTreeSet<(usize, Option<&str>)>> = BTreeMap::new();
    for workload in &project.workloads {
        let compose_project = workload.compose.as_ref().map(|c| c.project.as_str());
        scopes
            .entry(workload.file)
            .or_default()
            .insert((workload.scope, compose_project));
    }
    scopes
        .into_iter()
        .filter(|(_, scopes)| scopes.len() > 1)
        .map(|(file, _)| file)
        .collect()
}

/// The steps of the primary fact, then of each related fact, as related locations; a location
/// already shown (several peers through one anchor) is shown once. A step that sets one part of
/// the value and that both the flagged fact and one of its related facts went through (a `.env`
/// variable the admin's and the app's image both read) is where the two sides agree, not what
/// differs: it is not shown.
pub fn add_related(diagnostic: &mut Diagnostic) {
    let parts = |origin: &Origin| -> Vec<(String, Span)> {
        origin
            .via()
            .iter()
            .filter(|step| step.sets_a_part())
            .filter_map(Step::related)
            .collect()
    };
    let primary_parts = parts(&diagnostic.origin);
    let related_parts: Vec<(String, Span)> = diagnostic
        .related
        .iter()
        .flat_map(|r| parts(&r.origin))
        .collect();
    let agreed =
        |step: &(String, Span)| primary_parts.contains(step) && related_parts.contains(step);
    let mut added: Vec<Related> = Vec::new();
    let origins =
        std::iter::once(&diagnostic.origin).chain(diagnostic.related.iter().map(|r| &r.origin));
    for origin in origins {
        for step in origin.via().iter().filter_map(Step::related) {
            let (message, span) = &step;
            let known = |r: &Related| r.span == *span && r.message == *message;
            if !agreed(&step) && !diagnostic.related.iter().any(known) && !added.iter().any(known) {
                added.push(Related {
                    message: step.0,
                    span: step.1,
                    origin: Origin::DIRECT,
                });
            }
        }
    }
    diagnostic.related.extend(added);
}

/// Aim each edit of the fix through the origin of the fact it replaces. An edit on the primary
/// fact moves to where the value is written; a value a kustomize `images:` entry set is edited
/// in that entry when the new text says exactly what the entry can say; anything shared with
/// other uses (an anchor, an extended service, a template, a base several overlays render)
/// makes the fix display-only.
fn aim_fix(project: &Project, shared: &BTreeSet<FileId>, diagnostic: &mut Diagnostic) {
    let Some(fix) = &mut diagnostic.fix else {
        return;
    };
    let mut display_only = false;
    for edit in &mut fix.edits {
        if edit.span == diagnostic.span {
            let (aimed, applicable) = aim_edit(project, edit, &diagnostic.origin, diagnostic.span);
            *edit = aimed;
            display_only |= !applicable;
        }
        if shared.contains(&edit.span.file) {
            display_only = true;
        }
        // Other edits in a Helm template (lines added) would land at positions mapped from the
        // rendered text: shown, never applied.
        if edit.span != diagnostic.span && project.template_files.contains(&edit.span.file) {
            display_only = true;
        }
    }
    if display_only {
        fix.applicability = Applicability::DisplayOnly;
    }
}

/// The edit aimed through `origin`, and whether it may be applied: it is moved to where the
/// value is written, and may not be applied when that place is shared with other uses.
fn aim_edit(project: &Project, edit: &Edit, origin: &Origin, at: Span) -> (Edit, bool) {
    let written = Edit {
        span: origin.written(at),
        content: edit.content.clone(),
    };
    let helm_value = origin
        .via()
        .iter()
        .any(|s| matches!(s, Step::HelmValue { .. }));
    let shared_apart_from_template = origin
        .via()
        .iter()
        .any(|s| s.is_shared() && !matches!(s, Step::HelmTemplate { .. }));
    if helm_value && !shared_apart_from_template {
        return aim_helm_value(project, edit, origin, written);
    }
    if origin.via().iter().any(Step::is_shared) {
        return (written, false);
    }
    if origin.via().iter().any(|s| {
        matches!(
            s,
            Step::Interpolation { .. } | Step::TemplateParameter { .. } | Step::HelmValue { .. }
        )
    }) {
        return aim_interpolated(project, edit, origin, written);
    }
    let transforms: Vec<&Step> = origin
        .via()
        .iter()
        .filter(|s| matches!(s, Step::KustomizeImage { .. }))
        .collect();
    let patched = origin
        .via()
        .iter()
        .any(|s| matches!(s, Step::KustomizePatch { .. }));
    match transforms.as_slice() {
        // A patch may be a JSON file: the new value keeps the quotes the patch's value has.
        [] if patched => (
            Edit {
                content: keep_quotes(project, written.span, &written.content),
                span: written.span,
            },
            true,
        ),
        [] => (written, true),
        [step] => match retarget_image_edit(project, edit, step) {
            Some(aimed) => (aimed, true),
            None => (written, false),
        },
        // Several entries (an overlay over a component) rewrote it: no single place to edit.
        _ => (written, false),
    }
}

/// An edit of a value that used `.env` variables or template parameters. New text that is
/// itself interpolated (`${REGISTRY}/shop:${TAG}`, the app's own text) is edited in place:
/// Compose (or `oc process`) substitutes it there the same way, and nothing but this value
/// changes. New literal text in place would drop references the deployment may set (its
/// environment wins over `.env`, `oc process -p` over a parameter's default), so the edit
/// moves into `.env` or the parameter's `value:` when it is exactly a new value of one
/// variable that nothing else uses, and is display-only otherwise.
fn aim_interpolated(
    project: &Project,
    edit: &Edit,
    origin: &Origin,
    written: Edit,
) -> (Edit, bool) {
    if edit.content.contains('$') {
        return (written, true);
    }
    let candidates: Vec<Edit> = origin
        .via()
        .iter()
        .filter_map(|step| match step {
            Step::Interpolation {
                definition: Some(definition),
                ..
            } => retarget_env_edit(project, edit, &Definition::from(definition)),
            Step::TemplateParameter { definition, .. } | Step::HelmValue { definition, .. } => {
                retarget_env_edit(project, edit, &Definition::from(definition))
            }
            _ => None,
        })
        .collect();
    match candidates.as_slice() {
        [aimed] => (aimed.clone(), true),
        // No variable can say it, or several could: no single place to edit.
        _ => (written, false),
    }
}

/// An edit of a fact a Helm template rendered from values: moved into the values node when
/// that one node can say the new text (its only use, the rest of the fact unchanged); else
/// shown only, since the fact's place in the template is actions, not the value.
fn aim_helm_value(project: &Project, edit: &Edit, origin: &Origin, written: Edit) -> (Edit, bool) {
    // The new text as the value says it: an edit of a quoted scalar carries its quotes.
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|&q| {
            edit.content
                .strip_prefix(q)
                .and_then(|rest| rest.strip_suffix(q))
        })
        .unwrap_or(&edit.content);
    let edit = &Edit {
        span: edit.span,
        content: unquoted.to_string(),
    };
    let candidates: Vec<Edit> = origin
        .via()
        .iter()
        .filter_map(|step| match step {
            Step::HelmValue { definition, .. } => {
                retarget_env_edit(project, edit, &Definition::from(definition))
            }
            _ => None,
        })
        .collect();
    match candidates.as_slice() {
        [aimed] => (aimed.clone(), true),
        _ => (written, false),
    }
}

/// What moving an edit onto a variable's definition needs, from a `.env` line or a template
/// parameter's `value:`.
struct Definition<'a> {
    value_span: Option<Span>,
    around: Option<&'a (String, String)>,
    sole_use: bool,
}

impl<'a> From<&'a EnvDefinition> for Definition<'a> {
    fn from(definition: &'a EnvDefinition) -> Self {
        Definition {
            value_span: definition.value_span,
            around: definition.around.as_ref(),
            sole_use: definition.sole_use,
        }
    }
}

impl<'a> From<&'a ParameterDefinition> for Definition<'a> {
    fn from(definition: &'a ParameterDefinition) -> Self {
        Definition {
            value_span: definition.value_span,
            around: definition.around.as_ref(),
            sole_use: definition.sole_use,
        }
    }
}

/// An edit of a whole value moved onto one variable's definition (its `.env` value, or its
/// template parameter's `value:`): when this value is the variable's only use, and the new
/// text differs from the value's resolved text only in what the variable puts there. The
/// quoting rules are the stricter of the two languages': a quoted value takes no quote,
/// backslash or `$`; an unquoted one only characters plain in both.
fn retarget_env_edit(project: &Project, edit: &Edit, definition: &Definition<'_>) -> Option<Edit> {
    let value_span = definition.value_span?;
    let (before, after) = definition.around?;
    if !definition.sole_use {
        return None;
    }
    let new_value = edit
        .content
        .strip_prefix(before.as_str())?
        .strip_suffix(after.as_str())?;
    if new_value.is_empty() {
        return None;
    }
    let written = project
        .files
        .get(value_span.file.0 as usize)
        .and_then(|f| f.text.get(value_span.range()))
        .unwrap_or_default();
    // Only what the value's quoting takes as it is: no escapes, comments or references.
    let plain = |c: char| c.is_ascii_alphanumeric() || "._-:/@+".contains(c);
    let content = match written.chars().next() {
        Some(quote @ ('"' | '\''))
            if !new_value.contains(quote) && !new_value.contains(['\\', '$']) =>
        {
            format!("{quote}{new_value}{quote}")
        }
        Some('"' | '\'') => return None,
        // A YAML plain scalar cannot start with `@` (reserved).
        _ if new_value.chars().all(plain) && !new_value.starts_with('@') => new_value.to_string(),
        _ => return None,
    };
    Some(Edit {
        span: value_span,
        content,
    })
}

/// An image edit moved into the kustomize `images:` entry field that set the image, when the
/// new image differs from the entry's result only in what that field says.
fn retarget_image_edit(project: &Project, edit: &Edit, step: &Step) -> Option<Edit> {
    let Step::KustomizeImage {
        field,
        name,
        value_span,
        ..
    } = step
    else {
        return None;
    };
    let wanted = ImageRef::parse(&edit.content);
    // `shop/app` and `docker.io/shop/app` are one repository: the entry still matches.
    let same_repository = wanted.repository() == ImageRef::parse(name).repository();
    let new_value = match field {
        ImageField::NewTag if same_repository && wanted.digest.is_none() => wanted.tag?,
        ImageField::Digest if same_repository => wanted.digest?,
        _ => return None,
    };
    Some(Edit {
        span: *value_span,
        content: keep_quotes(project, *value_span, &new_value),
    })
}

/// `value` quoted the way the scalar at `span` is quoted (`"2.0"` stays a string).
pub(crate) fn keep_quotes(project: &Project, span: Span, value: &str) -> String {
    let written = project
        .files
        .get(span.file.0 as usize)
        .and_then(|f| f.text.get(span.range()))
        .unwrap_or_default();
    crate::fix::quoted_like(written, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Fix, Severity};

    fn span(file: u32, start: usize, end: usize) -> Span {
        Span::new(FileId(file), start, end)
    }

    fn alias(name: &str, anchor: Span) -> Step {
        Step::Alias {
            name: name.into(),
            anchor,
        }
    }

    #[test]
    fn steps_of_the_primary_and_related_facts_become_related_locations_once() {
        let anchor = span(0, 0, 10);
        let through_alias = Origin::DIRECT.with_step(alias("app", anchor));
        let mut diagnostic = Diagnostic::new(
            "image-mismatch",
            Severity::Error,
            "m".into(),
            span(0, 40, 50),
        )
        .with_origin(&through_alias)
        .with_related_fact("peer one", span(0, 60, 70), &through_alias)
        .with_related_fact("peer two", span(0, 80, 90), &through_alias)
        .with_related("plain", span(0, 95, 99));
        add_related(&mut diagnostic);
        let messages: Vec<&str> = diagnostic
            .related
            .iter()
            .map(|r| r.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "peer one",
                "peer two",
                "plain",
                "the value comes from the anchor `&app`"
            ]
        );
        assert_eq!(diagnostic.related[3].span, anchor);
    }

    #[test]
    fn an_edit_through_a_shared_step_moves_where_the_value_is_written_and_is_display_only() {
        let project = Project::default();
        let at = span(0, 40, 50);
        let written = span(0, 0, 10);
        let mut origin = Origin::DIRECT.with_step(alias("old", written));
        origin.set_written(written, at);
        let edit = Edit {
            span: at,
            content: "app:2".into(),
        };
        let (aimed, applicable) = aim_edit(&project, &edit, &origin, at);
        assert_eq!(aimed.span, written);
        assert!(!applicable);
        let extends = Origin::DIRECT.with_step(Step::Extends {
            service: "base".into(),
            at: span(0, 1, 2),
        });
        assert!(!aim_edit(&project, &edit, &extends, at).1);
        let (direct, applicable) = aim_edit(&project, &edit, &Origin::DIRECT, at);
        assert_eq!(direct, edit);
        assert!(applicable);
    }

    #[test]
    fn an_image_edit_goes_to_the_entry_field_only_when_that_field_can_say_it() {
        let project = Project::default();
        let at = span(0, 40, 52);
        let step = |field| Step::KustomizeImage {
            overlay: "overlays/prod".into(),
            name: "shop/app".into(),
            field,
            value: "2.0".into(),
            line: span(1, 20, 33),
            value_span: span(1, 28, 33),
        };
        let edit = |content: &str| Edit {
            span: at,
            content: content.into(),
        };
        let tagged = Origin::DIRECT.with_step(step(ImageField::NewTag));
        let (aimed, applicable) = aim_edit(&project, &edit("docker.io/shop/app:3.0"), &tagged, at);
        assert_eq!(aimed.span, span(1, 28, 33));
        assert_eq!(aimed.content, "3.0");
        assert!(applicable);
        // Another repository, or a digest, is not something `newTag` can say.
        assert!(!aim_edit(&project, &edit("other/app:3.0"), &tagged, at).1);
        assert!(!aim_edit(&project, &edit("shop/app@sha256:abc"), &tagged, at).1);
        let renamed = Origin::DIRECT.with_step(step(ImageField::NewName));
        assert!(!aim_edit(&project, &edit("shop/app:3.0"), &renamed, at).1);
    }

    #[test]
    fn an_edit_of_a_patched_value_stays_in_the_patch_with_its_quotes_unless_shared() {
        let mut project = Project::default();
        project.files.push(crate::source::SourceFile::new(
            FileId(0),
            None,
            "image.json".into(),
            "[{\"value\": \"shop:0.9\"}]".to_string().into(),
        ));
        let at = span(0, 11, 21);
        let patch = |shared| {
            Origin::DIRECT.with_step(Step::KustomizePatch {
                overlay: "canary".into(),
                patch: "canary/image.json".into(),
                field: "image".into(),
                base: Some(span(1, 0, 5)),
                shared,
            })
        };
        let edit = Edit {
            span: at,
            content: "shop:1.0".into(),
        };
        let (aimed, applicable) = aim_edit(&project, &edit, &patch(false), at);
        assert_eq!(aimed.span, at);
        assert_eq!(aimed.content, "\"shop:1.0\"");
        assert!(applicable);
        assert!(!aim_edit(&project, &edit, &patch(true), at).1);
    }

    #[test]
    fn a_fix_in_a_file_several_renderings_share_is_display_only() {
        let mut diagnostic =
            Diagnostic::new("image-mismatch", Severity::Error, "m".into(), span(2, 0, 4)).with_fix(
                Fix {
                    message: "Use it".into(),
                    applicability: Applicability::Safe,
                    edits: vec![Edit {
                        span: span(2, 0, 4),
                        content: "x".into(),
                    }],
                },
            );
        aim_fix(
            &Project::default(),
            &BTreeSet::from([FileId(2)]),
            &mut diagnostic,
        );
        let fix = diagnostic.fix.as_ref().unwrap();
        assert_eq!(fix.applicability, Applicability::DisplayOnly);
        assert_eq!(fix.edits[0].span, span(2, 0, 4));
    }

    /// A project whose file 1 is a `.env` with `text`.
    fn with_env(text: &str) -> Project {
        let mut project = Project::default();
        for (id, text) in [(0, "services: {}\n"), (1, text)] {
            project.files.push(crate::source::SourceFile::new(
                FileId(id),
                None,
                format!("file{id}"),
                text.to_string().into(),
            ));
        }
        project
    }

    /// `MIGRATE_TAG` defined on the `.env` line `line` (its value `value_at`), used once in an
    /// image `ghcr.io/acme/shop:${MIGRATE_TAG}` that resolves to `ghcr.io/acme/shop:1.4.0`.
    fn tag_step(line: Span, value_at: Option<Span>, sole_use: bool) -> Step {
        Step::Interpolation {
            variable: "MIGRATE_TAG".into(),
            definition: Some(EnvDefinition {
                file: ".env".into(),
                value: "1.4.0".into(),
                line,
                value_span: value_at,
                around: Some(("ghcr.io/acme/shop:".into(), String::new())),
                sole_use,
            }),
        }
    }

    #[test]
    fn an_interpolated_image_edit_moves_into_env_only_when_the_variable_has_no_other_use() {
        let project = with_env("MIGRATE_TAG=1.4.0\n");
        let at = span(0, 40, 72);
        let edit = Edit {
            span: at,
            content: "ghcr.io/acme/shop:1.4.2".into(),
        };
        let sole = Origin::DIRECT.with_step(tag_step(span(1, 0, 17), Some(span(1, 12, 17)), true));
        let (aimed, applicable) = aim_edit(&project, &edit, &sole, at);
        assert_eq!(aimed.span, span(1, 12, 17));
        assert_eq!(aimed.content, "1.4.2");
        assert!(applicable);
        // The app reads the variable too: editing `.env` would move its release.
        let shared =
            Origin::DIRECT.with_step(tag_step(span(1, 0, 17), Some(span(1, 12, 17)), false));
        let (aimed, applicable) = aim_edit(&project, &edit, &shared, at);
        assert_eq!(aimed, edit);
        assert!(!applicable);
        // Another repository is not something the variable can say.
        let other = Edit {
            content: "ghcr.io/acme/other:1.4.2".into(),
            ..edit.clone()
        };
        assert!(!aim_edit(&project, &other, &sole, at).1);
        // A value `.env` builds from escapes or other variables has no exact place to edit.
        let built = Origin::DIRECT.with_step(tag_step(span(1, 0, 17), None, true));
        assert!(!aim_edit(&project, &edit, &built, at).1);
        // Unset, or from a default: nothing in `.env` to edit, and a literal in place would
        // drop the reference.
        let unset = Origin::DIRECT.with_step(Step::Interpolation {
            variable: "MIGRATE_TAG".into(),
            definition: None,
        });
        let (aimed, applicable) = aim_edit(&project, &edit, &unset, at);
        assert_eq!(aimed, edit);
        assert!(!applicable);
    }

    #[test]
    fn an_env_edit_keeps_the_quotes_and_refuses_what_they_cannot_say() {
        let project = with_env("MIGRATE_TAG=\"1.4.0\"\n");
        let at = span(0, 40, 72);
        let sole = Origin::DIRECT.with_step(tag_step(span(1, 0, 19), Some(span(1, 12, 19)), true));
        let edit = |content: &str| Edit {
            span: at,
            content: content.into(),
        };
        let (aimed, applicable) = aim_edit(&project, &edit("ghcr.io/acme/shop:1.4.2"), &sole, at);
        assert_eq!(aimed.span, span(1, 12, 19));
        assert_eq!(aimed.content, "\"1.4.2\"");
        assert!(applicable);
        assert!(!aim_edit(&project, &edit("ghcr.io/acme/shop:1\"2"), &sole, at).1);
        let unquoted = with_env("MIGRATE_TAG=1.4.0\n");
        let sole = Origin::DIRECT.with_step(tag_step(span(1, 0, 17), Some(span(1, 12, 17)), true));
        // A space or `#` would need quotes (or end the value): not said unquoted.
        assert!(!aim_edit(&unquoted, &edit("ghcr.io/acme/shop:1 #2"), &sole, at).1);
    }

    #[test]
    fn an_interpolated_edit_to_interpolated_text_stays_in_place() {
        // The app's own text (`${REGISTRY}/shop:${TAG}`) is interpolated where it is put the
        // same way: nothing but this value changes, and no reference is dropped for a literal.
        let project = with_env("TAG=1.4.0\n");
        let at = span(0, 40, 72);
        let edit = Edit {
            span: at,
            content: "${REGISTRY}/shop:${TAG}".into(),
        };
        let origin = Origin::DIRECT.with_step(tag_step(span(1, 0, 9), Some(span(1, 4, 9)), false));
        let (aimed, applicable) = aim_edit(&project, &edit, &origin, at);
        assert_eq!(aimed, edit);
        assert!(applicable);
        // Through an anchor it is still shared.
        let aliased = origin.with_step(alias("image", span(0, 0, 10)));
        assert!(!aim_edit(&project, &edit, &aliased, at).1);
    }

    #[test]
    fn include_and_override_steps_keep_an_edit_in_place_unless_the_file_is_included_twice() {
        let project = Project::default();
        let at = span(0, 40, 50);
        let edit = Edit {
            span: at,
            content: "app:2".into(),
        };
        let include = |shared| Step::Include {
            by: "compose.yaml".into(),
            at: span(1, 10, 28),
            shared,
        };
        let once = Origin::DIRECT.with_step(include(false));
        assert_eq!(aim_edit(&project, &edit, &once, at), (edit.clone(), true));
        let twice = Origin::DIRECT.with_step(include(true));
        assert_eq!(aim_edit(&project, &edit, &twice, at), (edit.clone(), false));
        let overrides = Origin::DIRECT.with_step(Step::Override {
            key: "image".into(),
            file: "compose.yaml".into(),
            base: span(1, 60, 70),
        });
        assert_eq!(
            aim_edit(&project, &edit, &overrides, at),
            (edit.clone(), true)
        );
    }
}
