//! Kustomize rendering: an overlay, a patch file, its base and the base's workloads, and a
//! component, split from one input at NUL bytes and checked as editor buffers with disk reads
//! off. No panic, no hang (include cycles, patch bombs); every finding points inside its file
//! on character boundaries; no file outside the input is read; the same input gives the same
//! JSON output twice.
#![no_main]

use std::collections::BTreeMap;
use std::path::PathBuf;

use adminlint::render::{Format, RenderOptions, render};
use adminlint::report::Report;
use adminlint::span::Span;
use adminlint::{CheckOptions, check};
use libfuzzer_sys::fuzz_target;

/// Where each NUL-separated part of the input goes: the layout of fixtures/kustomize-*
/// (`resources: [../../base]` from the overlay, `components: [../../components/c]`), so seeds
/// built from them (fuzz/seed.sh) refer to each other. Parts past the last NUL are absent. The
/// root does not exist: nothing is read from disk.
const FILES: [&str; 5] = [
    "/adminlint-fuzz/overlays/o/kustomization.yaml",
    "/adminlint-fuzz/overlays/o/patch.yaml",
    "/adminlint-fuzz/base/kustomization.yaml",
    "/adminlint-fuzz/base/app.yaml",
    "/adminlint-fuzz/components/c/kustomization.yaml",
];

fuzz_target!(|data: &[u8]| {
    let buffers: BTreeMap<PathBuf, String> = FILES
        .iter()
        .zip(data.split(|&b| b == 0))
        .map(|(path, bytes)| (PathBuf::from(path), String::from_utf8_lossy(bytes).into()))
        .collect();
    let options = CheckOptions {
        buffers,
        references_from_disk: false,
        cache: false,
        ..CheckOptions::default()
    };
    let report = check(&options);
    for file in &report.files {
        assert!(
            options.buffers.contains_key(&PathBuf::from(&file.display)),
            "read a file that is not in the input: {}",
            file.display
        );
    }
    for diagnostic in &report.diagnostics {
        inside(&report, diagnostic.span);
        for related in &diagnostic.related {
            inside(&report, related.span);
        }
        for edit in diagnostic.fix.iter().flat_map(|f| &f.edits) {
            inside(&report, edit.span);
        }
    }
    let json = rendered(Format::Json, &report);
    let _: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(
        json,
        rendered(Format::Json, &check(&options)),
        "a second run gave other output"
    );
    let _ = rendered(Format::Full, &report);
});

/// The span lies in its file's text, on character boundaries.
fn inside(report: &Report, span: Span) {
    let file = report
        .files
        .get(span.file.0 as usize)
        .unwrap_or_else(|| panic!("{span:?}: no such file"));
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(
        start <= end && end <= file.text.len(),
        "{span:?} outside {} ({} bytes)",
        file.display,
        file.text.len()
    );
    assert!(
        file.text.is_char_boundary(start) && file.text.is_char_boundary(end),
        "{span:?} splits a character in {}",
        file.display
    );
}

fn rendered(format: Format, report: &Report) -> String {
    let mut out = Vec::new();
    render(format, report, &RenderOptions::default(), &mut out).unwrap();
    String::from_utf8(out).expect("output is UTF-8")
}
