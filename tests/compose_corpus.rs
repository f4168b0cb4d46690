//! The Compose files of the real-world corpus (`ADMINLINT_CORPUS`, default `../shared/corpus`):
//! every one loads, the apps CASES.md labels AGREE or DIFFER-LEGIT are not called mismatched,
//! and the labelled command bug (Kong's `&&`) is found. `--nocapture` prints per-rule counts.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use adminlint::report::Report;
use adminlint::{CheckOptions, check};

fn corpus() -> Option<PathBuf> {
    common::corpus("compose corpus test")
}

fn run(paths: Vec<PathBuf>) -> Report {
    check(&CheckOptions {
        paths,
        ..CheckOptions::default()
    })
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if adminlint::discover::is_yaml_name(&path) {
            out.push(path);
        }
    }
}

/// Files whose top level has `services:` holding named service mappings (not the `services:`
/// lists of Kong declarative config or Render blueprints), found without adminlint's parser.
fn compose_files(corpus: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    yaml_files(corpus, &mut files);
    files
        .into_iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let mut lines = text.lines().skip_while(|l| *l != "services:").skip(1);
            let first = lines.find(|l| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#')
            });
            first.is_some_and(|l| l.starts_with(' ') && !l.trim_start().starts_with('-'))
        })
        .collect()
}

/// Compose apps CASES.md labels AGREE or DIFFER-LEGIT (and the two controls).
const COMPOSE_AGREE: [&str; 13] = [
    "apache__airflow",
    "apache__superset",
    "getsentry__self-hosted",
    "netbox-community__netbox-docker",
    "temporalio__docker-compose",
    "Kong__docker-kong",
    "zammad__zammad-docker-compose",
    "frappe__frappe_docker",
    "calcom__docker",
    "authzed__examples",
    "plausible__community-edition",
    "saleor__saleor-platform",
    "docker__awesome-compose",
];

#[test]
fn every_compose_file_loads_and_rule_counts_are_printed() {
    let Some(corpus) = corpus() else { return };
    let files = compose_files(&corpus);
    assert!(
        files.len() > 100,
        "only {} Compose files found",
        files.len()
    );
    for file in &files {
        let report = run(vec![file.clone()]);
        let display = adminlint::discover::display_path(file);
        assert!(report.errors.is_empty(), "{display}: {:?}", report.errors);
        assert!(
            report.summary.workloads > 0,
            "{display}: no service was loaded"
        );
        let broken: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule == "syntax-error")
            .map(|d| &d.message)
            .collect();
        assert!(broken.is_empty(), "{display}: {broken:?}");
    }
    let report = run(files.clone());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // (all, of which info): info is shown but not counted in the summary line.
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for diagnostic in &report.diagnostics {
        let count = counts.entry(diagnostic.rule).or_default();
        count.0 += 1;
        if diagnostic.severity == adminlint::diagnostic::Severity::Info {
            count.1 += 1;
        }
    }
    let (_, _, infos) = report.severity_counts();
    eprintln!(
        "compose files of the corpus: {} files, {} services, {} findings ({infos} info)",
        files.len(),
        report.summary.workloads,
        report.diagnostics.len()
    );
    for (rule, (count, info)) in &counts {
        eprintln!("  {rule}: {count} ({info} info)");
    }
}

#[test]
fn labelled_compose_agreement_is_not_flagged() {
    let Some(corpus) = corpus() else { return };
    for repo in COMPOSE_AGREE {
        let report = run(vec![corpus.join(repo)]);
        assert!(report.errors.is_empty(), "{repo}: {:?}", report.errors);
        assert!(report.summary.workloads > 0, "{repo}: no services found");
        let wrong: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| {
                matches!(
                    d.rule,
                    "image-mismatch" | "config-missing" | "wrapper-missing"
                )
            })
            .map(|d| (d.rule, report.file(d.span.file).display.clone(), &d.message))
            .collect();
        assert!(wrong.is_empty(), "{repo}: false alarms {wrong:#?}");
    }
}

#[test]
fn labelled_compose_findings_are_found() {
    let Some(corpus) = corpus() else { return };
    let at = |report: &Report, rule: &str| -> Vec<(String, usize)> {
        report
            .diagnostics
            .iter()
            .filter(|d| d.rule == rule)
            .map(|d| {
                let file = report.file(d.span.file);
                (
                    file.display.clone(),
                    file.position(d.span.start as usize).line,
                )
            })
            .collect()
    };
    // C6: `command: kong migrations up && kong migrations finish` runs no shell.
    let report = run(vec![corpus.join("Kong__docker-kong")]);
    let kong = adminlint::discover::display_path(
        &corpus.join("Kong__docker-kong/compose/docker-compose.yml"),
    );
    let found = at(&report, "shell-operators-without-shell");
    assert!(found.contains(&(kong, 43)), "{found:#?}");
    // C16: every PostHog service extends a file the corpus does not hold; say so.
    let report = run(vec![corpus.join("PostHog__posthog")]);
    let found = at(&report, "unresolved-reference");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(report.summary.workloads > 20, "{:?}", report.summary);
}
