//! The real-world corpus (`ADMINLINT_CORPUS`, default `../shared/corpus`): every file is read
//! without a panic, labelled agreement is not flagged, labelled findings are found.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use adminlint::report::Report;
use adminlint::{CheckOptions, check};

fn corpus() -> Option<PathBuf> {
    common::corpus("corpus test")
}

/// Check one repository of the corpus the way a user would: the repository is the scope.
fn check_repo(corpus: &std::path::Path, repo: &str) -> Report {
    check(&CheckOptions {
        paths: vec![corpus.join(repo)],
        ..CheckOptions::default()
    })
}

fn rules_in(report: &Report) -> Vec<(&str, String)> {
    report
        .diagnostics
        .iter()
        .map(|d| (d.rule, report.file(d.span.file).display.clone()))
        .collect()
}

/// Kubernetes repositories whose cases CASES.md labels AGREE or DIFFER-LEGIT.
const KUBERNETES_AGREE: [&str; 11] = [
    "kubernetes__ingress-nginx",
    "Kong__kong-dist-kubernetes",
    "Kong__kubernetes-ingress-controller",
    "GoogleCloudPlatform__bank-of-anthos",
    "kwhrtsk__rails-k8s-demoapp",
    "longhorn__longhorn",
    "knative__serving",
    "kubernetes-sigs__descheduler",
    "argoproj__argo-cd",
    "argoproj__argo-rollouts",
    "argoproj__argocd-example-apps",
];

#[test]
fn whole_corpus_reads_without_errors_and_prints_rule_counts() {
    let Some(corpus) = corpus() else { return };
    let report = check(&CheckOptions {
        paths: vec![corpus.clone()],
        ..CheckOptions::default()
    });
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.summary.files > 900, "{:?}", report.summary);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for diagnostic in &report.diagnostics {
        *counts.entry(diagnostic.rule).or_default() += 1;
    }
    eprintln!("corpus as one scope: {:?}", report.summary);
    for (rule, count) in &counts {
        eprintln!("  {rule}: {count}");
    }
    let mut per_repo: BTreeMap<&str, usize> = BTreeMap::new();
    let mut repos: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    for repo in &repos {
        let report = check(&CheckOptions {
            paths: vec![repo.clone()],
            ..CheckOptions::default()
        });
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        for diagnostic in &report.diagnostics {
            *per_repo.entry(diagnostic.rule).or_default() += 1;
        }
    }
    eprintln!("corpus one repository at a time:");
    for (rule, count) in &per_repo {
        eprintln!("  {rule}: {count}");
    }
}

#[test]
fn labelled_kubernetes_agreement_is_not_flagged() {
    let Some(corpus) = corpus() else { return };
    for repo in KUBERNETES_AGREE {
        let report = check_repo(&corpus, repo);
        assert!(report.errors.is_empty(), "{repo}: {:?}", report.errors);
        assert!(report.summary.workloads > 0, "{repo}: no workloads found");
        let wrong: Vec<_> = rules_in(&report)
            .into_iter()
            .filter(|(rule, _)| {
                matches!(
                    *rule,
                    "image-mismatch" | "config-missing" | "wrapper-missing"
                )
            })
            .collect();
        assert!(wrong.is_empty(), "{repo}: false alarms {wrong:#?}");
    }
}

#[test]
fn labelled_kubernetes_findings_are_found() {
    let Some(corpus) = corpus() else { return };
    // K2: the bootstrap Job runs the untagged `kong` image (AGREE on image, but unpinned).
    let report = check_repo(&corpus, "Kong__kong-dist-kubernetes");
    let found = rules_in(&report);
    assert!(
        found.contains(&(
            "image-unpinned",
            format!(
                "{}/Kong__kong-dist-kubernetes/kong-control-plane-postgres.yaml",
                corpus_display(&corpus)
            )
        )),
        "{found:#?}"
    );
    // K8: longhorn's uninstall Job is compared with the manager after normalising `docker.io/`.
    let report = check_repo(&corpus, "longhorn__longhorn");
    assert!(
        !rules_in(&report)
            .iter()
            .any(|(r, _)| *r == "image-mismatch")
    );
}

fn corpus_display(corpus: &std::path::Path) -> String {
    adminlint::discover::display_path(corpus)
}
