//! Property tests (proptest) for image references: generated references parse into the parts
//! they were built from, and any text round-trips parse -> display -> parse.
//!
//! The same round-trip for Compose variable interpolation (`${VAR:-default}`) comes with the
//! Compose loader.

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

/// A tag (at most one `_`, first: `__NAME__` in a tag reads as a placeholder, on purpose).
fn tag() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_][A-Za-z0-9.-]{0,30}"
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
