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
            19
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
        ("templates/job-migrate.yaml", 19)
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

/// One chart of the corpus and what LABELS.md says of it (default values).
struct Labelled {
    /// The chart directory under `helm/`.
    dir: &'static str,
    /// Admin workloads: (template path in the chart, role as `--explain-context` words it).
    admins: &'static [(&'static str, &'static str)],
    /// No image-mismatch anywhere (AGREE, or DIFFER-LEGIT: a tools image by design).
    image_agrees: bool,
    /// No config finding on the admin Jobs (AGREE).
    config_agrees: bool,
}

const LABELLED: [Labelled; 5] = [
    Labelled {
        dir: "grafana__oncall/helm__oncall",
        // `migrate.useHook` is false by default: a plain Job, not a hook.
        admins: &[("templates/engine/job-migrate.yaml", "admin (a Job)")],
        image_agrees: true,
        config_agrees: true,
    },
    Labelled {
        dir: "toeverything__AFFiNE/dot-github__helm__affine",
        admins: &[(
            "charts/graphql/templates/migration.yaml",
            "admin (`helm.sh/hook: post-install,pre-upgrade` hook (weight -1, delete policy before-hook-creation))",
        )],
        image_agrees: true,
        // Not labelled (the parent's Secrets through helpers): the Job lacks some the app reads.
        config_agrees: false,
    },
    Labelled {
        dir: "apache__dolphinscheduler/deploy__kubernetes__dolphinscheduler",
        admins: &[(
            "templates/job-dolphinscheduler-schema-initializer.yaml",
            "admin (`helm.sh/hook: post-install,post-upgrade,post-rollback` hook (weight 1))",
        )],
        image_agrees: true,
        config_agrees: true,
    },
    Labelled {
        dir: "Kong__charts/charts__kong",
        // DB-less by default: no migration Job renders.
        admins: &[],
        image_agrees: true,
        config_agrees: true,
    },
    Labelled {
        dir: "sentry-kubernetes__charts/charts__sentry",
        admins: &[
            (
                "templates/hooks/sentry-db-check.job.yaml",
                "admin (`helm.sh/hook: post-install,post-upgrade` hook (weight -1, delete policy hook-succeeded,before-hook-creation))",
            ),
            (
                "templates/hooks/sentry-db-init.job.yaml",
                "admin (`helm.sh/hook: post-install,post-upgrade` hook (weight 6, delete policy hook-succeeded,before-hook-creation))",
            ),
            (
                "templates/hooks/snuba-db-init.job.yaml",
                "admin (`helm.sh/hook: post-install,post-upgrade` hook (weight 3, delete policy hook-succeeded,before-hook-creation))",
            ),
            (
                "templates/hooks/snuba-migrate.job.yaml",
                "admin (`helm.sh/hook: post-install,post-upgrade` hook (weight 5, delete policy hook-succeeded,before-hook-creation))",
            ),
            (
                "templates/hooks/user-create.yaml",
                "admin (`helm.sh/hook: post-install,post-upgrade` hook (weight 9, delete policy hook-succeeded,before-hook-creation))",
            ),
            (
                "templates/sentry/cleanup/cronjob-sentry-cleanup.yaml",
                "admin (a CronJob)",
            ),
        ],
        image_agrees: true,
        config_agrees: true,
    },
];

fn template_errors(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "template-error")
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn every_corpus_chart_renders_with_its_admins_and_verdicts_as_labelled() {
    let Some(corpus) = common::corpus("every_corpus_chart_renders") else {
        return;
    };
    for chart in &LABELLED {
        let dir = corpus.join("helm").join(chart.dir);
        let report = check_explained(std::slice::from_ref(&dir));
        assert!(
            report.errors.is_empty(),
            "{}: {:?}",
            chart.dir,
            report.errors
        );
        assert_eq!(
            template_errors(&report),
            Vec::<String>::new(),
            "{}",
            chart.dir
        );
        let explanation = report.explanation.as_deref().unwrap();
        let admins: Vec<&str> = explanation
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.contains(": admin ("))
            .filter(|l| l.contains("Job `") || l.contains("CronJob `"))
            .collect();
        for (template, role) in chart.admins {
            let path = format!("{}/{template}]", dir.display());
            assert!(
                admins
                    .iter()
                    .any(|l| l.contains(&path) && l.contains(&format!("]: {role}"))),
                "{}: {template} is not {role}:\n{}",
                chart.dir,
                admins.join("\n")
            );
        }
        assert_eq!(
            admins.len(),
            chart.admins.len(),
            "{}: admin Jobs {admins:#?}",
            chart.dir
        );
        let rules: Vec<&str> = report.diagnostics.iter().map(|d| d.rule).collect();
        if chart.image_agrees {
            assert!(
                !rules.contains(&"image-mismatch"),
                "{}: {rules:?}",
                chart.dir
            );
        }
        if chart.config_agrees {
            let on_admins: Vec<String> = report
                .diagnostics
                .iter()
                .filter(|d| d.rule.starts_with("config-"))
                .map(|d| report.file(d.span.file).display.clone())
                .filter(|file| chart.admins.iter().any(|(t, _)| file.ends_with(t)))
                .collect();
            assert!(on_admins.is_empty(), "{}: {on_admins:?}", chart.dir);
        }
    }
}

/// A copy of a corpus chart in a temporary directory, with `edit` applied to one file.
fn mutated(
    corpus: &Path,
    chart: &str,
    file: &str,
    edit: impl Fn(&str) -> String,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&corpus.join("helm").join(chart), dir.path());
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = edit(&text);
    assert_ne!(text, changed, "{file}: the edit changed nothing");
    std::fs::write(path, changed).unwrap();
    dir
}

/// The findings of a chart directory as `file:line rule`, paths relative to it.
fn chart_findings(dir: &Path) -> Vec<String> {
    let report = check_explained(&[dir.to_path_buf()]);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let prefix = format!("{}/", adminlint::discover::display_path(dir));
    findings(&report)
        .into_iter()
        .map(|f| f.strip_prefix(&prefix).unwrap_or(&f).to_string())
        .collect()
}

#[test]
fn one_line_mutations_of_corpus_charts_are_found_at_the_line_changed() {
    let Some(corpus) = common::corpus("one_line_mutations_of_corpus_charts") else {
        return;
    };
    let oncall = "grafana__oncall/helm__oncall";
    let job = "templates/engine/job-migrate.yaml";
    let baseline = chart_findings(&corpus.join("helm").join(oncall));
    let with = |extra: &str| {
        let mut all = baseline.clone();
        all.push(extra.to_string());
        all.sort();
        all
    };
    let sorted = |mut findings: Vec<String>| {
        findings.sort();
        findings
    };
    // A literal old tag in the job template.
    let literal = mutated(&corpus, oncall, job, |t| {
        t.replace(
            "        image: {{ include \"oncall.engine.image\" . }}",
            "        image: grafana/oncall:v1.3.0",
        )
    });
    assert_eq!(
        sorted(chart_findings(literal.path())),
        with(&format!("{job}:62 image-mismatch"))
    );
    // The database env (its Secret) dropped from the job.
    let dropped = mutated(&corpus, oncall, job, |t| {
        t.replace(
            "          {{- include \"snippet.db.env\" . | nindent 12 }}\n",
            "",
        )
    });
    assert_eq!(
        sorted(chart_findings(dropped.path())),
        with(&format!("{job}:59 config-missing"))
    );
    // A harmless edit of values.yaml adds nothing.
    let harmless = mutated(&corpus, oncall, "values.yaml", |t| {
        t.replacen(
            "migrate:\n  enabled: true\n",
            "migrate:\n  enabled: true # run on install\n",
            1,
        )
    });
    assert_eq!(
        sorted(chart_findings(harmless.path())),
        sorted(baseline.clone())
    );
    // Kong with a database: its migration Jobs render, on the app's image and config.
    let kong = mutated(&corpus, "Kong__charts/charts__kong", "values.yaml", |t| {
        t.replacen("  database: \"off\"\n", "  database: \"postgres\"\n", 1)
    });
    let report = check_explained(&[kong.path().to_path_buf()]);
    // The Jobs agree with the app on image and config (other rules judge their retries and
    // hook phases).
    let disagreeing: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "image-mismatch" || d.rule.starts_with("config-"))
        .map(|d| d.message.clone())
        .collect();
    assert!(disagreeing.is_empty(), "{disagreeing:?}");
    let explanation = report.explanation.as_deref().unwrap();
    for job in [
        "templates/migrations-pre-upgrade.yaml] namespace `default`: admin (`helm.sh/hook: pre-upgrade` hook",
        "templates/migrations-post-upgrade.yaml] namespace `default`: admin (`helm.sh/hook: post-upgrade` hook",
        "templates/migrations.yaml] namespace `default`: admin (`argocd.argoproj.io/hook: Sync` hook",
    ] {
        assert!(explanation.contains(job), "{job}:\n{explanation}");
    }
}

/// Rendering each corpus chart against parsing what it rendered, printed (not asserted: a
/// benchmark is not a test). `cargo test --test helm -- --ignored --nocapture render_time`.
#[test]
#[ignore]
fn render_time_of_the_corpus_charts_against_parsing_their_output() {
    let Some(corpus) = common::corpus("render_time") else {
        return;
    };
    for chart in &LABELLED {
        let dir = corpus.join("helm").join(chart.dir);
        let mut source = adminlint::helm::chart::DiskSource::default();
        let loaded = adminlint::helm::chart::load(&dir, &mut source).unwrap();
        let user = adminlint::helm::template::Value::map(Default::default());
        let rounds = 20;
        let started = std::time::Instant::now();
        let mut rendering = None;
        for _ in 0..rounds {
            rendering = Some(adminlint::helm::render::render(
                &loaded,
                &user,
                adminlint::helm::template::Limits::default(),
            ));
        }
        let render = started.elapsed() / rounds;
        let outputs: Vec<String> = rendering
            .unwrap()
            .templates
            .into_iter()
            .filter_map(|t| t.result.ok().map(|o| o.text))
            .collect();
        let bytes: usize = outputs.iter().map(String::len).sum();
        let started = std::time::Instant::now();
        for _ in 0..rounds {
            for output in &outputs {
                std::hint::black_box(adminlint::yaml::parse(
                    output,
                    &adminlint::yaml::Limits::default(),
                ));
            }
        }
        let parse = started.elapsed() / rounds;
        println!(
            "{}: render {render:?}, parse {parse:?} ({bytes} bytes rendered), ratio {:.1}",
            chart.dir,
            render.as_secs_f64() / parse.as_secs_f64()
        );
    }
}

/// A rendering as text: each template's name and result, the parse errors, notes and missing
/// dependencies.
fn rendering_text(rendering: &adminlint::helm::render::Rendering) -> String {
    format!(
        "{:#?}\n{:#?}\n{:#?}\n{:#?}",
        rendering.templates, rendering.parse_errors, rendering.notes, rendering.missing
    )
}

#[test]
fn stand_in_rounds_keep_only_results_a_full_rendering_gives_again() {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/helm/shop")];
    if let Some(corpus) = common::corpus("stand_in_rounds") {
        dirs.extend(LABELLED.iter().map(|c| corpus.join("helm").join(c.dir)));
    }
    let user = adminlint::helm::template::Value::map(Default::default());
    let limits = adminlint::helm::template::Limits::default();
    let mut with_stand_ins = 0;
    for dir in &dirs {
        let mut source = adminlint::helm::chart::DiskSource::default();
        let chart = adminlint::helm::chart::load(dir, &mut source).unwrap();
        let kept = adminlint::helm::render::render(&chart, &user, limits);
        let full = adminlint::helm::render::render_without_reuse(&chart, &user, limits);
        assert_eq!(
            rendering_text(&kept),
            rendering_text(&full),
            "{}",
            dir.display()
        );
        if kept
            .notes
            .iter()
            .any(|n| n.contains("stand in as their own path"))
        {
            with_stand_ins += 1;
        }
    }
    // The corpus has a chart rendered with stand-ins (sentry): the rounds are compared there.
    if dirs.len() > 1 {
        assert!(
            with_stand_ins >= 1,
            "no corpus chart was rendered with stand-ins"
        );
    }
}

/// A chart's template findings are reported when any file of that chart is named (pre-commit
/// names the staged `values.yaml`), and only that chart's: a second copy of the chart in the
/// same project is rendered as context but not reported on.
#[test]
fn naming_a_file_of_a_chart_reports_that_chart_and_not_its_neighbour() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::absolute(dir.path()).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    for copy in ["apps/shop", "apps/shop-copy"] {
        copy_dir(Path::new("fixtures/helm/shop"), &root.join(copy));
    }
    let named = |file: &str| {
        check(&CheckOptions {
            paths: vec![root.join(file)],
            project_context: true,
            cache: false,
            config: adminlint::ConfigChoice::Discover,
            ..CheckOptions::default()
        })
    };
    let charts_reported = |report: &Report| {
        let mut charts: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| {
                let path = report.file(d.span.file).path.clone().unwrap();
                let below = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                below.split("/templates/").next().unwrap().to_string()
            })
            .collect();
        charts.sort();
        charts.dedup();
        charts
    };
    let report = named("apps/shop/values.yaml");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(
        report.diagnostics.iter().any(|d| report
            .file(d.span.file)
            .display
            .ends_with("templates/job-migrate.yaml")),
        "{:?}",
        findings(&report)
    );
    assert_eq!(charts_reported(&report), vec!["apps/shop".to_string()]);
    // `shop` is a prefix of `shop-copy` as text, not as a directory.
    assert_eq!(
        charts_reported(&named("apps/shop-copy/Chart.yaml")),
        vec!["apps/shop-copy".to_string()]
    );
}
