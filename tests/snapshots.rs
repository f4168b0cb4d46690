//! Snapshots of the rendered output for the multi-file demo (fixtures/demo): what users see.

use adminlint::render::{Format, RenderOptions, render};
use adminlint::{CheckOptions, check};

fn rendered(format: Format) -> String {
    let report = check(&CheckOptions {
        paths: vec!["fixtures/demo".into()],
        ..CheckOptions::default()
    });
    let mut out = Vec::new();
    let options = RenderOptions {
        color: false,
        width: 100,
        quiet: false,
    };
    render(format, &report, &options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn demo_full() {
    insta::assert_snapshot!(rendered(Format::Full));
}

#[test]
fn demo_concise() {
    insta::assert_snapshot!(rendered(Format::Concise));
}

#[test]
fn demo_json() {
    let json = rendered(Format::Json);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    // The contract's fixed points, asserted exactly (the snapshot shows the rest).
    assert_eq!(value["version"], 1);
    let first = &value["diagnostics"][0];
    assert_eq!(first["rule"], "config-missing");
    assert_eq!(first["location"]["path"], "fixtures/demo/k8s/migrate.yaml");
    assert_eq!(first["location"]["start"]["line"], 13);
    assert_eq!(first["location"]["start"]["column"], 17);
    let mismatch = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "image-mismatch")
        .unwrap();
    assert_eq!(mismatch["location"]["start"]["line"], 14);
    assert_eq!(mismatch["location"]["start"]["column"], 18);
    assert_eq!(
        mismatch["related"][0]["location"]["path"],
        "fixtures/demo/k8s/web.yaml"
    );
    assert_eq!(mismatch["related"][0]["location"]["start"]["line"], 20);
    assert_eq!(
        mismatch["fix"]["edits"][0]["content"],
        "registry.example.com/shop/app:v1.2.3"
    );
    insta::assert_snapshot!(json);
}

/// `--explain-context` for `path`, with the working directory (printed as the absolute project
/// root) shown as `[cwd]` so the snapshot is the same on every machine.
fn explained(path: &str) -> String {
    let report = check(&CheckOptions {
        paths: vec![path.into()],
        explain: true,
        ..CheckOptions::default()
    });
    let explanation = report.explanation.expect("--explain-context output");
    let cwd = std::env::current_dir().unwrap();
    explanation.replace(&cwd.display().to_string(), "[cwd]")
}

#[test]
fn demo_explain_context() {
    insta::assert_snapshot!(explained("fixtures/demo"));
}

#[test]
fn compose_explain_context() {
    insta::assert_snapshot!(explained("fixtures/compose"));
}
