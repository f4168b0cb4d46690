//! Image references: parsing never panics, the parsed parts are slices of the text, and
//! parse -> display -> parse gives the same reference.
#![no_main]

use adminlint::model::image::{ImageKind, ImageRef};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let image = ImageRef::parse(text);
    let again = ImageRef::parse(&image.to_string());
    assert_eq!(image, again, "parse -> display -> parse changed the reference");
    if image.kind != ImageKind::Opaque {
        for part in [&image.registry, &image.tag, &image.digest].into_iter().flatten() {
            assert!(image.raw.contains(part.as_str()), "{image:?}");
        }
        assert!(image.raw.contains(image.path.as_str()), "{image:?}");
    }
    let repository = image.repository();
    let _ = (image.version(), image.unpinned(), image.is_placeholder());
    assert!(image.same_release(&again));
    // Normalising is idempotent: the repository of a literal repository is itself.
    if image.kind == ImageKind::Literal {
        let normal = ImageRef::parse(&repository);
        assert_eq!(normal.repository(), repository, "{image:?}");
    }
});
