//! The Go template engine: any template text with any values renders or fails without a panic,
//! within small budgets; every span (errors and output pieces) lies inside its text, the pieces
//! cover the output, and verbatim pieces copy their template bytes.
//!
//! Input: template text, NUL, values YAML, NUL, helpers text (missing parts are empty).
#![no_main]

use adminlint::helm::template::{Limits, Output, TemplateSet, Value};
use adminlint::span::{FileId, Span};
use libfuzzer_sys::fuzz_target;

const TEMPLATE: FileId = FileId(1);
const VALUES: FileId = FileId(2);
const HELPERS: FileId = FileId(3);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let template = parts.next().unwrap_or_default();
    let values = parts.next().unwrap_or_default();
    let helpers = parts.next().unwrap_or_default();
    let texts = [(TEMPLATE, template), (VALUES, values), (HELPERS, helpers)];
    let inside = |span: Span| {
        let text = texts.iter().find(|(f, _)| *f == span.file).map(|(_, t)| *t);
        let text = text.unwrap_or_else(|| panic!("span in unknown file {span:?}"));
        assert!(span.start <= span.end && span.end as usize <= text.len(), "{span:?}");
    };
    let parsed = adminlint::yaml::parse(values, &adminlint::yaml::Limits::default());
    let values = match parsed.documents.first().and_then(|d| d.root) {
        Some(root) => Value::from_yaml(&parsed.tree, root, VALUES),
        None => Value::nil(),
    };
    let dot = Value::map_from([("Values", values)]);
    let mut set = TemplateSet::new(Limits {
        max_output: 1 << 16,
        max_depth: 16,
        max_steps: 20_000,
    });
    if let Err(error) = set.add("helpers", HELPERS, helpers) {
        inside(error.at);
    }
    match set.add("template", TEMPLATE, template) {
        Err(error) => inside(error.at),
        Ok(()) => match set.render("template", &dot) {
            Err(error) => inside(error.at),
            Ok(output) => check(&output, &texts, inside),
        },
    }
});

fn check(output: &Output, texts: &[(FileId, &str)], inside: impl Fn(Span)) {
    let mut at = 0u32;
    for piece in &output.pieces {
        assert_eq!(piece.out.start, at);
        assert!(piece.out.end > piece.out.start);
        at = piece.out.end;
        inside(piece.at);
        inside(piece.top);
        if let Some(value) = piece.value {
            inside(value);
        }
        if piece.verbatim {
            let source = texts.iter().find(|(f, _)| *f == piece.at.file).map(|(_, t)| *t).unwrap();
            assert_eq!(
                source.as_bytes().get(piece.at.range()),
                output.text.as_bytes().get(piece.out.start as usize..piece.out.end as usize)
            );
        }
    }
    assert_eq!(at as usize, output.text.len());
}
