//! Kubernetes extraction: every document of any UTF-8 input is recognised and extracted without
//! a panic, and every span of the extracted facts lies inside the text.
#![no_main]

use adminlint::manifest;
use adminlint::span::{FileId, Span};
use adminlint::yaml::{Limits, parse_each};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut workloads = Vec::new();
    let context = manifest::ExtractContext {
        file: FileId(0),
        text,
        kinds: &[],
    };
    parse_each(text, &Limits::default(), &mut |tree, document| {
        workloads.extend(manifest::extract(tree, document, &context).workloads);
    });
    let inside = |span: Span| {
        assert!(span.start <= span.end && span.end as usize <= text.len(), "{span:?}");
    };
    for workload in &workloads {
        inside(workload.span);
        for container in &workload.containers {
            inside(container.span);
            if let Some(image) = &container.image {
                inside(image.span);
                let _ = (image.value.repository(), image.value.unpinned());
            }
            for word in container.argv() {
                inside(word.span);
            }
            for var in &container.env {
                inside(var.span);
            }
        }
    }
});
