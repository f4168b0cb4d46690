//! The benchmark monorepo's generator (`examples/gen_monorepo`) is an honest workload: a small
//! project from it gets exactly the findings of the drift it put in on purpose (besides the
//! `job-retries` warning its kustomize Jobs carry), its Helm charts and deploy scripts are read
//! and agree with their app, and the same charts and scripts, drifted by hand, are reported.

#[path = "../examples/gen_monorepo/generator.rs"]
mod generator;

use std::collections::BTreeSet;
use std::path::Path;

use adminlint::report::Report;
use adminlint::{CheckOptions, ConfigChoice, check};
use generator::{Drift, Settings, generate};

fn settings() -> Settings {
    Settings {
        services: 40,
        padding_kib: 4,
        drift_per_mille: 250,
        ..Settings::default()
    }
}

fn run(dir: &Path) -> Report {
    check(&CheckOptions {
        paths: vec![dir.to_path_buf()],
        config: ConfigChoice::Discover,
        cache: false,
        ..CheckOptions::default()
    })
}

/// (path relative to the project, rule, line) of every finding but `job-retries`.
fn findings(report: &Report, dir: &Path) -> BTreeSet<(String, String, usize)> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.rule != "job-retries")
        .map(|d| {
            let file = report.file(d.span.file);
            let path = file.path.as_deref().unwrap();
            let relative = path.strip_prefix(dir).unwrap_or(path);
            let line = file.position(d.span.start as usize).line;
            (relative.display().to_string(), d.rule.to_string(), line)
        })
        .collect()
}

fn project() -> (tempfile::TempDir, generator::Stats) {
    let temp = tempfile::tempdir().unwrap();
    std::fs::create_dir(temp.path().join(".git")).unwrap();
    let stats = generate(&settings(), temp.path()).unwrap();
    (temp, stats)
}

#[test]
fn the_findings_are_the_drift_put_in_on_purpose() {
    let (temp, stats) = project();
    let dir = temp.path();
    let report = run(dir);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // The generated project is one kustomize renders: every overlay's patch finds its target
    // (a patch without the base's namespace matches nothing, and kubectl refuses the overlay).
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    let drifted: Vec<String> = stats
        .drifted
        .iter()
        .map(|(service, drift)| format!("{service} {}", drift.name()))
        .collect();
    assert!(drifted.len() >= 5, "too little drift: {drifted:?}");

    // Each drift is found at the migration Job (or the Compose file) by its rule, and nothing
    // else is found (compared as file and rule: a missing Secrets drift is two config-missing
    // findings at one Job, one for each Secret the app reads).
    let mut expected = BTreeSet::new();
    for (service, drift) in &stats.drifted {
        let job = format!("services/{service}/deploy/base/migrate-job.yaml");
        let compose = format!("services/{service}/compose/compose.yaml");
        let (file, rule) = match drift {
            Drift::ImageTag => (job, "image-mismatch"),
            Drift::MissingSecret => (job, "config-missing"),
            Drift::NoWrapper => (job, "wrapper-missing"),
            Drift::AdhocInstall => (job, "adhoc-install"),
            Drift::ComposeTag => (compose, "image-mismatch"),
        };
        expected.insert((file, rule.to_string()));
    }
    let found: BTreeSet<(String, String)> = findings(&report, dir)
        .into_iter()
        .map(|(path, rule, _)| (path, rule))
        .collect();
    assert_eq!(found, expected);

    // The charts and scripts were read: their files are among the checked ones.
    let checked: BTreeSet<String> = report
        .files
        .iter()
        .filter_map(|file| file.path.as_deref())
        .map(|path| path.strip_prefix(dir).unwrap_or(path).display().to_string())
        .collect();
    for file in [
        "services/catalog-0001/chart/templates/migrate-job.yaml",
        "services/checkout-0002/scripts/deploy.sh",
        "services/checkout-0002/Makefile",
    ] {
        assert!(checked.contains(file), "{file} was not read: {checked:?}");
    }
}

#[test]
fn a_drifted_chart_hook_and_script_one_off_are_reported() {
    let (temp, _) = project();
    let dir = temp.path();
    let before = findings(&run(dir), dir);

    let hook = dir.join("services/catalog-0001/chart/templates/migrate-job.yaml");
    let text = std::fs::read_to_string(&hook).unwrap();
    let image_line = text.lines().position(|l| l.contains("image:")).unwrap() + 1;
    let drifted = text.replacen(
        "image: {{ include \"catalog0001.image\" . | quote }}",
        "image: \"{{ .Values.image.repository }}:v0.0.1\"",
        1,
    );
    assert_ne!(drifted, text, "the hook's image line changed shape");
    std::fs::write(&hook, drifted).unwrap();

    let script = dir.join("services/checkout-0002/scripts/deploy.sh");
    let text = std::fs::read_to_string(&script).unwrap();
    let deployment =
        std::fs::read_to_string(dir.join("services/checkout-0002/deploy/base/deployment.yaml"))
            .unwrap();
    let repository = deployment
        .lines()
        .find_map(|l| l.trim().strip_prefix("image: "))
        .and_then(|image| image.rsplit_once(':'))
        .unwrap()
        .0;
    let drifted = text.replacen(
        "--image=\"$IMAGE\"",
        &format!("--image={repository}:v0.0.1"),
        1,
    );
    assert_ne!(drifted, text, "the script's kubectl run changed shape");
    std::fs::write(&script, &drifted).unwrap();
    let script_line = drifted.lines().position(|l| l.contains("v0.0.1")).unwrap() + 1;

    let after = findings(&run(dir), dir);
    let added: BTreeSet<_> = after.difference(&before).cloned().collect();
    let hook_finding = (
        "services/catalog-0001/chart/templates/migrate-job.yaml".to_string(),
        "image-mismatch".to_string(),
        image_line,
    );
    assert!(added.contains(&hook_finding), "{added:?}");
    let script_finding = (
        "services/checkout-0002/scripts/deploy.sh".to_string(),
        "image-mismatch".to_string(),
        script_line,
    );
    assert!(added.contains(&script_finding), "{added:?}");
}
