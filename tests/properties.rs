//! Property tests (proptest) for image references (generated references parse into the parts
//! they were built from; any text round-trips parse -> display -> parse) and for Compose
//! interpolation templates (generated templates round-trip, and interpolating one agrees with a
//! plain evaluation of its structure).

use std::collections::BTreeMap;

use adminlint::manifest::compose::interpolate::{
    Environment, Modifier, Operator, Part, Template, interpolate,
};
use adminlint::model::image::{ImageKind, ImageRef};
use proptest::prelude::*;

/// A registry host: dot-separated labels (at least two, so it reads as a host), maybe a port.
fn registry() -> impl Strategy<Value = String> {
    (
        prop::collection::vec("[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", 2..4),
        prop::option::of(1u16..65535),
    )
        .prop_map(|(labels, port)| {
            let host = labels.join(".");
            match port {
                Some(port) => format!("{host}:{port}"),
                None => host,
            }
        })
}

/// A path component: lowercase alphanumerics joined by one `_`, `__` or dashes (no dots, so a
/// first component is never taken for a registry host).
fn component() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,8}((_|__|-{1,2})[a-z0-9]{1,8})?"
}

/// A tag (at most one `_`, first: `__NAME__` in a tag reads as a placeholder, on purpose; and
/// not all capitals and digits from a capital, three or more: `VERSION` reads as one too).
fn tag() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_][A-Za-z0-9.-]{0,30}".prop_filter("a tag in capitals is a placeholder", |tag| {
        let capitals = tag
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_');
        !(capitals && tag.len() >= 3 && tag.starts_with(|c: char| c.is_ascii_uppercase()))
    })
}

fn digest() -> impl Strategy<Value = String> {
    "[0-9a-f]{64}".prop_map(|hex| format!("sha256:{hex}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn built_references_parse_into_their_parts(
        registry in prop::option::of(registry()),
        path in prop::collection::vec(component(), 1..4),
        tag in prop::option::of(tag()),
        digest in prop::option::of(digest()),
    ) {
        let path = path.join("/");
        let mut text = String::new();
        if let Some(registry) = &registry {
            text.push_str(registry);
            text.push('/');
        }
        text.push_str(&path);
        if let Some(tag) = &tag {
            text.push(':');
            text.push_str(tag);
        }
        if let Some(digest) = &digest {
            text.push('@');
            text.push_str(digest);
        }
        let image = ImageRef::parse(&text);
        prop_assert_eq!(image.kind, ImageKind::Literal, "{}", text);
        prop_assert_eq!(&image.registry, &registry);
        prop_assert_eq!(&image.path, &path);
        prop_assert_eq!(&image.tag, &tag);
        prop_assert_eq!(&image.digest, &digest);
        prop_assert_eq!(ImageRef::parse(&image.to_string()), image.clone());
        // Normalising is idempotent, and a reference is its own release.
        let repository = image.repository();
        prop_assert_eq!(ImageRef::parse(&repository).repository(), repository);
        prop_assert!(image.same_release(&image));
        prop_assert_eq!(image.unpinned().is_none(), digest.is_some() || tag.as_deref().is_some_and(|t| {
            let t = t.to_ascii_lowercase();
            !(t == "latest" || t.starts_with("latest-") || t.ends_with("-latest")
                || ["main", "master", "dev", "develop", "edge", "nightly", "stable", "head",
                    "canary", "snapshot", "rolling", "current"].contains(&t.as_str()))
        }));
    }

    #[test]
    fn any_text_round_trips(text in "\\PC{0,60}") {
        let image = ImageRef::parse(&text);
        prop_assert_eq!(ImageRef::parse(&image.to_string()), image);
    }

    #[test]
    fn reference_like_text_round_trips(text in "[a-zA-Z0-9./:@_${}|<>-]{0,50}") {
        let image = ImageRef::parse(&text);
        let again = ImageRef::parse(&image.to_string());
        prop_assert_eq!(&again, &image);
        if image.kind != ImageKind::Opaque {
            prop_assert!(image.same_release(&again));
        }
    }
}

/// Names the generated environments set, so that generated references hit and miss them.
const NAMES: &[&str] = &["A", "B", "TAG", "EMPTY", "_U", "V1"];

fn variable_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(NAMES).prop_map(String::from),
        1 => "[A-Za-z_][A-Za-z0-9_]{0,6}",
    ]
}

/// Text without `$`; inside a modifier's argument also without `}` (it would close the
/// reference).
fn literal(in_argument: bool) -> impl Strategy<Value = String> {
    let (plain, any) = if in_argument {
        ("[a-z0-9 :/.{?+-]{1,6}", "[^$}]{1,3}")
    } else {
        ("[a-z0-9 :/.{}?+-]{1,6}", "[^$]{1,3}")
    };
    prop_oneof![3 => plain, 1 => any]
}

/// A template in the form the parser gives: no empty or adjacent literals, and no `$NAME`
/// directly before name characters (which would read as a longer name).
fn canonical(parts: Vec<Part>) -> Template {
    let mut out: Vec<Part> = Vec::new();
    for part in parts {
        if let (Some(Part::Literal(text)), Part::Literal(more)) = (out.last_mut(), &part) {
            text.push_str(more);
            continue;
        }
        out.push(part);
    }
    for i in 1..out.len() {
        let continues_name = matches!(&out[i], Part::Literal(text)
            if text.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'));
        if let (true, Part::Plain(name)) = (continues_name, &out[i - 1]) {
            out[i - 1] = Part::Braced {
                name: name.clone(),
                modifier: None,
            };
        }
    }
    Template { parts: out }
}

/// Valid templates with modifiers nested up to `depth` deep.
fn template(depth: u32, in_argument: bool) -> BoxedStrategy<Template> {
    let simple = prop_oneof![
        literal(in_argument).prop_map(Part::Literal),
        Just(Part::Dollar),
        variable_name().prop_map(Part::Plain),
        variable_name().prop_map(|name| Part::Braced {
            name,
            modifier: None
        }),
    ];
    let part = if depth == 0 {
        simple.boxed()
    } else {
        let operator = prop::sample::select(vec![
            Operator::Default,
            Operator::Required,
            Operator::Alternative,
        ]);
        let modified = (
            variable_name(),
            operator,
            any::<bool>(),
            template(depth - 1, true),
        )
            .prop_map(|(name, operator, empty_is_unset, argument)| Part::Braced {
                name,
                modifier: Some(Modifier {
                    operator,
                    empty_is_unset,
                    argument,
                }),
            });
        prop_oneof![3 => simple, 1 => modified].boxed()
    };
    prop::collection::vec(part, 0..6)
        .prop_map(canonical)
        .boxed()
}

/// Some of [`NAMES`] set, to values that may be empty or hold `$` (never interpolated again).
fn environment() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(
        prop::sample::select(NAMES).prop_map(String::from),
        "[a-z0-9.${}]{0,4}",
        0..NAMES.len(),
    )
}

fn to_environment(values: &BTreeMap<String, String>) -> Environment {
    Environment::from_pairs(values.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// The value of a template by the Compose specification's table of forms, None when a
/// reference has no value (unset without a default, or a failed `?`).
fn evaluate(template: &Template, env: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::new();
    for part in &template.parts {
        match part {
            Part::Literal(text) => out.push_str(text),
            Part::Dollar => out.push('$'),
            Part::Plain(name)
            | Part::Braced {
                name,
                modifier: None,
            } => out.push_str(env.get(name)?),
            Part::Braced {
                name,
                modifier: Some(modifier),
            } => {
                let value = env.get(name);
                let empty = value.is_some_and(String::is_empty);
                // `-`, `?`, `+` ask "is it set"; `:-`, `:?`, `:+` ask "is it set and non-empty".
                let usable = value.is_some() && !(modifier.empty_is_unset && empty);
                match modifier.operator {
                    Operator::Default if usable => out.push_str(value?),
                    Operator::Default => out.push_str(&evaluate(&modifier.argument, env)?),
                    Operator::Required if usable => out.push_str(value?),
                    Operator::Required => return None,
                    Operator::Alternative if usable => {
                        out.push_str(&evaluate(&modifier.argument, env)?)
                    }
                    Operator::Alternative => {}
                }
            }
            other => panic!("generated templates are valid: {other:?}"),
        }
    }
    Some(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn templates_round_trip(template in template(3, false)) {
        let text = template.to_string();
        let parsed = Template::parse(&text);
        prop_assert_eq!(parsed.to_string(), text);
        prop_assert_eq!(parsed, template);
    }

    #[test]
    fn interpolation_evaluates_the_template(
        template in template(3, false),
        values in environment(),
    ) {
        let text = template.to_string();
        let result = interpolate(&text, &to_environment(&values));
        match evaluate(&template, &values) {
            Some(expected) => {
                prop_assert!(result.complete, "{} gave {:?}", text, result);
                prop_assert_eq!(result.text, expected);
            }
            None => prop_assert!(!result.complete, "{} gave {:?}", text, result),
        }
        let refers = template
            .parts
            .iter()
            .any(|p| matches!(p, Part::Plain(_) | Part::Braced { .. }));
        prop_assert_eq!(result.has_variables, refers);
    }

    #[test]
    fn nested_defaults_take_the_first_non_empty_value(
        outer in variable_name(),
        inner in variable_name(),
        default in "[a-z0-9.]{0,5}",
        values in environment(),
    ) {
        let text = format!("${{{outer}:-${{{inner}:-{default}}}}}");
        let expected = [values.get(&outer), values.get(&inner)]
            .into_iter()
            .flatten()
            .find(|v| !v.is_empty())
            .cloned()
            .unwrap_or(default);
        let result = interpolate(&text, &to_environment(&values));
        prop_assert!(result.complete);
        prop_assert_eq!(result.text, expected);
    }

    #[test]
    fn text_without_dollar_is_unchanged(text in "[^$]{0,40}", values in environment()) {
        let result = interpolate(&text, &to_environment(&values));
        prop_assert_eq!(&result.text, &text);
        prop_assert!(result.complete && !result.has_variables);
    }

    #[test]
    fn double_dollar_is_a_dollar(pieces in prop::collection::vec("[^$]{0,8}", 1..5)) {
        let result = interpolate(&pieces.join("$$"), &Environment::default());
        prop_assert_eq!(result.text, pieces.join("$"));
        prop_assert!(result.complete && !result.has_variables);
    }

    #[test]
    fn any_text_parses_without_loss(text in "\\PC{0,40}") {
        let parsed = Template::parse(&text);
        prop_assert_eq!(parsed.to_string(), text);
        let _ = interpolate(&parsed.to_string(), &Environment::default());
    }

    #[test]
    fn template_like_text_parses_without_loss(
        text in "[${}:?+_ aAB1-]{0,40}",
        values in environment(),
    ) {
        let parsed = Template::parse(&text);
        prop_assert_eq!(parsed.to_string(), text.as_str());
        prop_assert_eq!(&Template::parse(&parsed.to_string()), &parsed);
        let result = interpolate(&text, &to_environment(&values));
        // Without references, only each `$$` changes: it becomes `$`.
        if result.complete && !result.has_variables {
            let dollars = parsed.parts.iter().filter(|p| **p == Part::Dollar).count();
            prop_assert_eq!(result.text.len() + dollars, text.len());
        }
    }

    #[test]
    fn interpolation_never_panics(text in any::<String>(), values in environment()) {
        let _ = interpolate(&text, &to_environment(&values));
    }
}
