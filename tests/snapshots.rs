//! Snapshots of the rendered output, what users see: the multi-file demo (fixtures/demo) in
//! every human format and JSON, and each rule's fixtures in concise and full form.

use adminlint::render::Format;
use adminlint::rules::RULES;
use adminlint::{CheckOptions, check};

mod common;

fn rendered(format: Format) -> String {
    rendered_dir("fixtures/demo", format)
}

fn rendered_dir(dir: &str, format: Format) -> String {
    common::rendered(format, &common::check_paths(&[dir]))
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

/// Why each peer is or is not one: a sidecar and an exporter on the app's image are peers but
/// not compared for config; production beside staging is another app.
#[test]
fn peers_explain_context() {
    insta::assert_snapshot!(
        "sidecar_explain_context",
        explained("fixtures/config-missing/sidecar")
    );
    insta::assert_snapshot!(
        "environments_explain_context",
        explained("fixtures/image-mismatch/suffixes")
    );
}

/// Every rule's fixtures, rendered as a user sees them: one snapshot per rule and form, named
/// after the rule, so a change of wording or location shows in review.
#[test]
fn each_rule_fixture_concise_and_full() {
    for rule in RULES {
        let dir = format!("fixtures/{}", rule.id);
        let concise = rendered_dir(&dir, Format::Concise);
        assert!(
            concise.contains(&format!("[{}]", rule.id)),
            "fixtures/{} does not make {} fire:\n{concise}",
            rule.id,
            rule.id
        );
        insta::assert_snapshot!(format!("rule_{}_concise", rule.id), concise);
        insta::assert_snapshot!(
            format!("rule_{}_full", rule.id),
            rendered_dir(&dir, Format::Full)
        );
    }
}
