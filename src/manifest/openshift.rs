//! OpenShift templates (`kind: Template`): the objects under `objects:` with the defaults of
//! `parameters:` substituted into their strings, as `oc process` does without `-p`.
//!
//! A parameter with a `value:` is substituted (`${NAME}` and `${{NAME}}` alike: the text is
//! the same, only the YAML type differs); one without (given at deploy time, or `generate:`d)
//! stays a `${NAME}` placeholder, which the image grammar already takes for a variable. Each
//! substituted value records a [`Step::TemplateParameter`] pointing at the parameter's `value:`.

use crate::model::image::ImageRef;
use crate::model::workload::{EnvValue, Workload};
use crate::origin::{ParameterDefinition, Spanned, Step};
use crate::span::{FileId, Span};
use crate::yaml::{NodeId, ScalarStyle, Tree};

/// True for an OpenShift template: `template.openshift.io/v1`, or the legacy core `v1`.
pub fn is_template(api_version: &str, kind: &str) -> bool {
    kind == "Template" && matches!(api_version, "template.openshift.io/v1" | "v1")
}

/// One parameter with a default value.
#[derive(Debug, Clone)]
struct Parameter {
    name: String,
    value: String,
    /// The `value: …` pair, from the key to the end of the value.
    line: Span,
    /// The value node when an edit there can say a new value exactly (not a block scalar).
    value_span: Option<Span>,
    /// References to it among the template's objects.
    uses: usize,
}

/// The parameters of one template that have a default, and how often each is used.
#[derive(Debug, Clone, Default)]
pub struct Parameters {
    defaults: Vec<Parameter>,
}

/// One reference substituted in a text.
struct Substitution {
    /// Index into [`Parameters::defaults`].
    parameter: usize,
    /// Where its value sits in the substituted text.
    at: std::ops::Range<usize>,
}

/// A text with the defaults substituted.
struct Substituted {
    text: String,
    used: Vec<Substitution>,
    /// True when no reference is left (every parameter it names has a default).
    complete: bool,
}

impl Parameters {
    /// Read the `parameters:` of the template `template` and count their uses under `objects`.
    pub fn read(tree: &Tree, template: NodeId, file: FileId) -> Parameters {
        let span = |id: NodeId| {
            let (start, end) = tree.span(id);
            Span::new(file, start, end)
        };
        let mut defaults = Vec::new();
        let list = tree.get(template, "parameters");
        for &parameter in list.map_or(&[][..], |l| tree.items(l)) {
            let name = tree.get(parameter, "name").and_then(|n| tree.str(n));
            let value_key = tree
                .entries(parameter)
                .into_iter()
                .find(|&(key, _)| tree.str(key) == Some("value"));
            let (Some(name), Some((key, value))) = (name, value_key) else {
                continue;
            };
            let Some(text) = tree.str(value) else {
                continue;
            };
            let block = matches!(
                tree.style(value),
                Some(ScalarStyle::Literal | ScalarStyle::Folded)
            );
            let value_span = span(value);
            defaults.push(Parameter {
                name: name.to_string(),
                value: text.to_string(),
                line: Span::new(file, tree.span(key).0, tree.span(value).1),
                value_span: (!block && !tree.is_null(value)).then_some(value_span),
                uses: 0,
            });
        }
        let mut parameters = Parameters { defaults };
        if let Some(objects) = tree.get(template, "objects") {
            parameters.count_uses(tree, objects);
        }
        parameters
    }

    fn count_uses(&mut self, tree: &Tree, objects: NodeId) {
        let mut pending = vec![objects];
        while let Some(node) = pending.pop() {
            if let Some(text) = tree.str(node) {
                for (name, _) in references(text) {
                    if let Some(parameter) = self.defaults.iter_mut().find(|p| p.name == name) {
                        parameter.uses += 1;
                    }
                }
            } else if tree.is_mapping(node) {
                pending.extend(tree.entries(node).into_iter().map(|(_, value)| value));
            } else {
                pending.extend_from_slice(tree.items(node));
            }
        }
    }

    /// True when the template has no defaults to substitute.
    pub fn is_empty(&self) -> bool {
        self.defaults.is_empty()
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.defaults.iter().position(|p| p.name == name)
    }

    /// `text` with the defaults substituted; None when it names no parameter with a default.
    fn substitute(&self, text: &str) -> Option<Substituted> {
        let mut out = String::with_capacity(text.len());
        let mut used = Vec::new();
        let mut complete = true;
        let mut rest = 0;
        for (name, range) in references(text) {
            match self.index(name) {
                Some(parameter) => {
                    out.push_str(&text[rest..range.start]);
                    let start = out.len();
                    out.push_str(&self.defaults[parameter].value);
                    used.push(Substitution {
                        parameter,
                        at: start..out.len(),
                    });
                    rest = range.end;
                }
                None => complete = false,
            }
        }
        if used.is_empty() {
            return None;
        }
        out.push_str(&text[rest..]);
        Some(Substituted {
            text: out,
            used,
            complete,
        })
    }

    /// The steps for the parameters a substitution used, one per parameter.
    fn steps(&self, written: &str, substituted: &Substituted) -> Vec<Step> {
        let mut steps: Vec<Step> = Vec::new();
        for used in &substituted.used {
            let parameter = &self.defaults[used.parameter];
            let here: Vec<&Substitution> = substituted
                .used
                .iter()
                .filter(|u| u.parameter == used.parameter)
                .collect();
            if here[0].at != used.at {
                continue;
            }
            let in_written = references(written)
                .filter(|(name, _)| *name == parameter.name)
                .count();
            let around = match here.as_slice() {
                [once] if substituted.complete && in_written == 1 => Some((
                    substituted.text[..once.at.start].to_string(),
                    substituted.text[once.at.end..].to_string(),
                )),
                _ => None,
            };
            steps.push(Step::TemplateParameter {
                name: parameter.name.clone(),
                definition: ParameterDefinition {
                    value: parameter.value.clone(),
                    line: parameter.line,
                    value_span: parameter.value_span,
                    around,
                    sole_use: parameter.uses == 1,
                },
            });
        }
        steps
    }

    /// Substitute into a spanned string, recording the parameters it used.
    fn spanned(&self, value: &mut Spanned<String>) {
        if let Some(substituted) = self.substitute(&value.value) {
            for step in self.steps(&value.value, &substituted) {
                value.origin.push(step);
            }
            value.value = substituted.text;
        }
    }

    fn plain(&self, value: &mut String) {
        if let Some(substituted) = self.substitute(value) {
            *value = substituted.text;
        }
    }

    /// Substitute the defaults into every string of a workload extracted from the template's
    /// `objects:`. The image keeps its text as written (`shop:${TAG}`) and gets the substituted
    /// one as its resolved image, as a Compose `.env` interpolation does, so messages show both.
    pub fn apply(&self, workload: &mut Workload) {
        if self.is_empty() {
            return;
        }
        for field in [&mut workload.name, &mut workload.namespace]
            .into_iter()
            .flatten()
        {
            self.spanned(field);
        }
        for (_, value) in workload
            .labels
            .iter_mut()
            .chain(workload.annotations.iter_mut())
        {
            self.spanned(value);
        }
        for field in [&mut workload.service_account, &mut workload.restart_policy]
            .into_iter()
            .flatten()
        {
            self.spanned(field);
        }
        for secret in &mut workload.image_pull_secrets {
            self.spanned(secret);
        }
        for volume in &mut workload.volumes {
            for source in &mut volume.sources {
                self.plain(&mut source.name);
            }
        }
        for container in &mut workload.containers {
            for field in [&mut container.name, &mut container.working_dir]
                .into_iter()
                .flatten()
            {
                self.spanned(field);
            }
            for word in container
                .command
                .iter_mut()
                .chain(container.args.iter_mut())
                .flatten()
            {
                self.spanned(word);
            }
            if let Some(image) = &mut container.image
                && let Some(substituted) = self.substitute(&image.value.raw)
            {
                for step in self.steps(&image.value.raw, &substituted) {
                    image.origin.push(step);
                }
                container.resolved_image = Some(ImageRef::parse(&substituted.text));
            }
            for source in &mut container.config {
                self.plain(&mut source.name);
            }
            for variable in &mut container.env {
                match &mut variable.value {
                    EnvValue::Literal(Some(text)) => self.plain(text),
                    EnvValue::ConfigMapKey { name, key } | EnvValue::SecretKey { name, key } => {
                        self.plain(name);
                        self.plain(key);
                    }
                    _ => {}
                }
            }
        }
        super::kubernetes::derive_from_metadata(workload);
    }
}

/// The parameter references in `text` (`${NAME}`, `${{NAME}}`) with their byte ranges, in
/// order. Names are what OpenShift accepts: ASCII letters, digits and `_`.
fn references(text: &str) -> impl Iterator<Item = (&str, std::ops::Range<usize>)> {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(found) = text[from..].find("${") {
            let start = from + found;
            let (open, close) = if text[start + 2..].starts_with('{') {
                (3, "}}")
            } else {
                (2, "}")
            };
            let name_start = start + open;
            let name_len = text[name_start..]
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            let name_end = name_start + name_len;
            if name_len > 0 && text[name_end..].starts_with(close) {
                from = name_end + close.len();
                return Some((&text[name_start..name_end], start..from));
            }
            from = start + 2;
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parameters(pairs: &[(&str, &str, usize)]) -> Parameters {
        Parameters {
            defaults: pairs
                .iter()
                .map(|&(name, value, uses)| Parameter {
                    name: name.into(),
                    value: value.into(),
                    line: Span::new(FileId(0), 0, 1),
                    value_span: Some(Span::new(FileId(0), 0, 1)),
                    uses,
                })
                .collect(),
        }
    }

    #[test]
    fn references_are_both_forms_and_nothing_else() {
        let found: Vec<(&str, std::ops::Range<usize>)> =
            references("a${TAG}b${{REPLICAS}}c$TAG${}${no-dash}${{X}").collect();
        assert_eq!(found, [("TAG", 1..7), ("REPLICAS", 8..21)]);
    }

    #[test]
    fn defaults_are_substituted_and_parameters_without_one_stay_placeholders() {
        let defaults = parameters(&[("TAG", "1.4.0", 1)]);
        let done = defaults.substitute("shop:${TAG}").unwrap();
        assert_eq!(done.text, "shop:1.4.0");
        assert!(done.complete);
        assert_eq!(done.used[0].at, 5..10);
        let partial = defaults.substitute("${REGISTRY}/shop:${{TAG}}").unwrap();
        assert_eq!(partial.text, "${REGISTRY}/shop:1.4.0");
        assert!(!partial.complete);
        assert!(defaults.substitute("shop:${OTHER}").is_none());
        assert!(ImageRef::parse(&partial.text).is_placeholder());
    }

    #[test]
    fn a_step_says_what_an_edit_must_keep_only_for_a_single_complete_use() {
        let defaults = parameters(&[("TAG", "1.4.0", 1), ("REGISTRY", "quay.io", 2)]);
        let written = "${REGISTRY}/shop:${TAG}";
        let done = defaults.substitute(written).unwrap();
        let steps = defaults.steps(written, &done);
        let Step::TemplateParameter { name, definition } = &steps[1] else {
            panic!("{steps:?}");
        };
        assert_eq!(name, "TAG");
        assert_eq!(
            definition.around,
            Some(("quay.io/shop:".to_string(), String::new()))
        );
        assert!(definition.sole_use);
        let Step::TemplateParameter { definition, .. } = &steps[0] else {
            panic!("{steps:?}");
        };
        assert!(!definition.sole_use);
        let twice = "${TAG}-${TAG}";
        let done = defaults.substitute(twice).unwrap();
        let steps = defaults.steps(twice, &done);
        assert_eq!(steps.len(), 1);
        let Step::TemplateParameter { definition, .. } = &steps[0] else {
            panic!("{steps:?}");
        };
        assert_eq!(definition.around, None);
    }
}
