//! Helm charts rendered in-process: the fixture chart (findings on template lines, the values
//! line as a related location, fixes aimed into values.yaml, hook Jobs admin with their
//! phases), and every chart of the corpus (`ADMINLINT_CORPUS`/helm): it renders, its verdicts
//! match LABELS.md, and one-line mutations of it are found at the line changed.

mod common;

use std::path::{Path, PathBuf};

use adminlint::diagnostic::{Applicability, Diagnostic};
use adminlint::report::Report;
use adminlint::{CheckOptions, check};

fn check_explained(paths: &[PathBuf]) -> Report {
    check(&CheckOptions {
        paths: paths.to_vec(),
        explain: true,
        ..CheckOptions::default()
    })
}

/// `path:line rule` of each finding.
fn findings(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let file = report.file(d.span.file);
            let line = file.position(d.span.start as usize).line;
            format!("{}:{line} {}", file.display, d.rule)
        })
        .collect()
}

fn line_of(report: &Report, span: adminlint::span::Span) -> (String, usize) {
    let file = report.file(span.file);
    (
        file.display.clone(),
        file.position(span.start as usize).line,
    )
}

fn finding<'r>(report: &'r Report, rule: &str) -> &'r Diagnostic {
    report
        .diagnostics
        .iter()
        .find(|d| d.rule == rule)
        .unwrap_or_else(|| panic!("no {rule}: {:?}", findings(report)))
}

#[test]
fn the_fixture_chart_is_rendered_with_findings_on_template_and_values_lines() {
    let report = check_explained(&[PathBuf::from("fixtures/helm/shop")]);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let mismatch = finding(&report, "image-mismatch");
    assert_eq!(
        line_of(&report, mismatch.span),
        (
            "fixtures/helm/shop/templates/job-migrate.yaml".to_string(),
            18
        )
    );
    let related: Vec<(String, (String, usize))> = mismatch
        .related
        .iter()
        .map(|r| (r.message.clone(), line_of(&report, r.span)))
        .collect();
    // The app's image (through the helper, at the Deployment's include) and the stale value.
    assert!(
        related.iter().any(|(message, at)| message
            == "`tag: \"2.3.0\"` in `fixtures/helm/shop/values.yaml` sets this image"
            && *at == ("fixtures/helm/shop/values.yaml".to_string(), 9)),
        "{related:#?}"
    );
    assert!(
        related.iter().any(|(_, at)| *at
            == (
                "fixtures/helm/shop/templates/deployment.yaml".to_string(),
                19
            )),
        "{related:#?}"
    );
    // The fix sets the value, in values.yaml, keeping its quotes.
    let fix = mismatch.fix.as_ref().expect("a fix");
    assert_eq!(fix.applicability, Applicability::Safe, "{fix:?}");
    assert_eq!(fix.edits.len(), 1);
    assert_eq!(
        line_of(&report, fix.edits[0].span),
        ("fixtures/helm/shop/values.yaml".to_string(), 9)
    );
    assert_eq!(fix.edits[0].content, "\"2.4.0\"");
    // The hook Jobs are admin with their phases.
    let explanation = report.explanation.as_deref().unwrap();
    assert!(
        explanation.contains(
            "[fixtures/helm/shop/templates/job-migrate.yaml]: admin (`helm.sh/hook: pre-install,pre-upgrade` hook (weight -5, delete policy before-hook-creation))"
        ),
        "{explanation}"
    );
    assert!(
        explanation.contains("scope: Helm chart `shop` with its values.yaml"),
        "{explanation}"
    );
    // `required` stops job-report.yaml at its action; the other templates were checked.
    let error = finding(&report, "template-error");
    assert_eq!(
        line_of(&report, error.span),
        (
            "fixtures/helm/shop/templates/job-report.yaml".to_string(),
            12
        )
    );
    assert!(
        error.message.contains("report.recipient is required"),
        "{}",
        error.message
    );
}

#[test]
fn a_values_set_from_the_configuration_renders_the_chart_with_it() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new("fixtures/helm/shop"), &dir.path().join("chart"));
    std::fs::write(
        dir.path().join(".adminlint.yaml"),
        "helm:\n  charts:\n    chart:\n      - values: [values-prod.yaml]\n      - set: {migration.tag: \"2.4.0\", report.recipient: ops@example.com}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("chart/values-prod.yaml"),
        "report:\n  recipient: ops@example.com\nmigration:\n  tag: \"2.2.0\"\n",
    )
    .unwrap();
    let report = check(&CheckOptions {
        paths: vec![dir.path().to_path_buf()],
        config: adminlint::ConfigChoice::Discover,
        ..CheckOptions::default()
    });
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let found: Vec<(String, usize, &str)> = report
        .diagnostics
        .iter()
        .map(|d| {
            let (file, line) = line_of(&report, d.span);
            (
                file.rsplit("chart/").next().unwrap().to_string(),
                line,
                d.message.as_str(),
            )
        })
        .collect();
    // The prod values set a tag older still; the second set fixes the tag. Both render
    // job-report.yaml (its recipient given), which lacks the app's Secret: one finding for the
    // node, named by one of its renderings.
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1),
        ("templates/job-migrate.yaml", 18)
    );
    assert!(
        found[0].2.ends_with("(Helm values values-prod.yaml)"),
        "{}",
        found[0].2
    );
    assert_eq!(
        (found[1].0.as_str(), found[1].1),
        ("templates/job-report.yaml", 10)
    );
    assert!(
        found[1].2.contains("does not read Secret `shop-env`"),
        "{}",
        found[1].2
    );
}

/// Copy a directory tree (a chart, into a temporary directory to mutate it).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
