//! image-invalid: an admin image is not a valid image reference, so it is compared as text only.

use super::helpers::who;
use super::{AdminCx, Check, FixAvailability, Rule, Sink, Violation};
use crate::diagnostic::Severity;
use crate::model::image::ImageKind;

pub const RULE: Rule = Rule {
    id: "image-invalid",
    severity: Severity::Warning,
    summary: "an admin image is not a valid image reference, so its release can only be compared as text",
    doc: include_str!("../../rules/image-invalid.md"),
    check: Check::Release(check),
    fix: FixAvailability::None,
};

/// The admin's image does not fit the image reference grammar.
struct ImageInvalid {
    admin: String,
    /// The reference as written.
    image: String,
}

impl Violation for ImageInvalid {
    fn message(&self) -> String {
        format!(
            "{} image `{}` is not a valid image reference, so adminlint compares it with the app's as text only",
            self.admin, self.image
        )
    }

    fn label(&self) -> Option<String> {
        Some("not an image reference".into())
    }

    fn help(&self) -> Option<String> {
        Some("write `[registry/]name[:tag][@digest]`: non-empty path components, one `:` before the tag, a tag of letters, digits, `.`, `_` and `-` (no `+`)".into())
    }

    fn identity(&self) -> Vec<String> {
        vec![self.image.clone()]
    }
}

fn check(cx: &AdminCx, sink: &mut Sink) {
    let Some(image) = &cx.container.image else {
        return;
    };
    let value = &image.value;
    // Build references (`ko://…`) and empty values are not meant to be image names.
    let build_reference = value.raw.contains("://");
    if value.kind != ImageKind::Opaque || build_reference || value.raw.trim().is_empty() {
        return;
    }
    let violation = ImageInvalid {
        admin: who(cx.project, cx.at),
        image: value.raw.clone(),
    };
    sink.report(&violation, image);
}
