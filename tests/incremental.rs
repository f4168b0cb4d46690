//! The incremental engine gives what a from-scratch run gives: random edits to the files of the
//! fixture projects (a tag changed, a line deleted or doubled, a name changed, a Deployment
//! added, a file emptied), each applied as an editor buffer and followed by an engine update,
//! must leave every file's findings and errors exactly as a whole check of the edited tree
//! reports them. Also: an edit recomputes its group, not the workspace.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use adminlint::engine::Engine;
use adminlint::report::Report;
use adminlint::{CheckOptions, ConfigChoice, check};
use proptest::prelude::*;

/// The fixture projects an edit is tried on.
fn projects() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The files of a project a walk would check (and a few it would not: edits there must be
/// harmless too), sorted.
fn files_of(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read_to_string(&path).is_ok() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn options(dir: &Path) -> CheckOptions {
    CheckOptions {
        paths: vec![dir.to_path_buf()],
        config: ConfigChoice::Discover,
        ..CheckOptions::default()
    }
}

/// One finding as a user sees it: file, rule, position, message and related locations.
type Seen = (
    String,
    String,
    usize,
    usize,
    String,
    Vec<(String, usize, usize, String)>,
);

fn position(report: &Report, span: adminlint::span::Span) -> (String, usize, usize) {
    let file = report.file(span.file);
    let path = file
        .path
        .as_deref()
        .map(|p| std::path::absolute(p).unwrap().display().to_string())
        .unwrap_or_default();
    let at = file.position(span.start as usize);
    (path, at.line, at.column)
}

fn seen(report: &Report, diagnostic: &adminlint::diagnostic::Diagnostic) -> Seen {
    let (path, line, column) = position(report, diagnostic.span);
    let related = diagnostic
        .related
        .iter()
        .map(|r| {
            let (path, line, column) = position(report, r.span);
            (path, line, column, r.message.clone())
        })
        .collect();
    (
        path,
        diagnostic.rule.to_string(),
        line,
        column,
        diagnostic.message.clone(),
        related,
    )
}

/// Everything a batch run reports, by file.
fn batch(options: &CheckOptions) -> (BTreeMap<String, Vec<Seen>>, BTreeSet<String>) {
    let report = check(options);
    let mut out: BTreeMap<String, Vec<Seen>> = BTreeMap::new();
    for diagnostic in &report.diagnostics {
        let seen = seen(&report, diagnostic);
        out.entry(seen.0.clone()).or_default().push(seen);
    }
    for findings in out.values_mut() {
        findings.sort();
    }
    let errors = report
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect();
    (out, errors)
}

/// Everything the engine holds, by file.
fn incremental(engine: &Engine) -> (BTreeMap<String, Vec<Seen>>, BTreeSet<String>) {
    let mut out: BTreeMap<String, Vec<Seen>> = BTreeMap::new();
    for (path, (report, diagnostics)) in engine.diagnostics() {
        let mut findings: Vec<Seen> = diagnostics.iter().map(|d| seen(report, d)).collect();
        findings.sort();
        out.insert(path.display().to_string(), findings);
    }
    let errors = engine
        .errors()
        .iter()
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect();
    (out, errors)
}

/// An edit to a text, chosen by `kind` at a place chosen by `seed`.
fn edit(text: &str, kind: u8, seed: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: added\n".to_string();
    }
    let at = seed % lines.len();
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match kind % 7 {
        // An image's tag changed (or one added to an untagged image).
        0 => {
            let images: Vec<usize> = (0..out.len())
                .filter(|&i| out[i].contains("image"))
                .collect();
            if let Some(&i) = images.get(seed % images.len().max(1)) {
                let line = &out[i];
                out[i] = match line.rfind(':') {
                    Some(colon) if colon > line.find("image").unwrap_or(0) + 6 => {
                        format!("{}:9.9.{}", &line[..colon], seed % 3)
                    }
                    _ => format!("{line}:9.9.{}", seed % 3),
                };
            }
        }
        1 => {
            out.remove(at);
        }
        2 => {
            let line = out[at].clone();
            out.insert(at, line);
        }
        // A name changed.
        3 => {
            let names: Vec<usize> = (0..out.len())
                .filter(|&i| out[i].contains("name:"))
                .collect();
            if let Some(&i) = names.get(seed % names.len().max(1)) {
                out[i] = format!("{}x{}", out[i], seed % 5);
            }
        }
        // A Deployment added that runs an image written elsewhere in the file.
        4 => {
            let image = out
                .iter()
                .find_map(|l| l.trim().strip_prefix("image:").map(str::trim))
                .unwrap_or("registry.example.com/shop/app:1.0")
                .trim_start_matches("- ")
                .to_string();
            out.push(format!(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: added{seed}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: {image}\n"
            ));
        }
        // The file emptied.
        5 => out.clear(),
        // A digit changed.
        _ => {
            let line = &out[at];
            if let Some(i) = line.find(|c: char| c.is_ascii_digit()) {
                let mut changed = line.clone();
                changed.replace_range(i..i + 1, &((seed % 10).to_string()));
                out[at] = changed;
            }
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// Apply edits one after another; after each, the engine must agree with a batch run.
fn agrees_after_edits(dir: &Path, edits: &[(usize, u8, usize)]) -> Result<(), TestCaseError> {
    let files = files_of(dir);
    let mut engine = Engine::new(options(dir));
    prop_assert_eq!(incremental(&engine), batch(&with_buffers(dir, &engine)));
    for &(file, kind, seed) in edits {
        let path = std::path::absolute(&files[file % files.len()]).unwrap();
        let old = engine
            .buffers()
            .get(&path)
            .cloned()
            .unwrap_or_else(|| std::fs::read_to_string(&path).unwrap());
        let new = edit(&old, kind, seed);
        engine.set_buffer(path.clone(), Some(new));
        let update = engine.update(&BTreeSet::from([path.clone()]));
        prop_assert!(update.recomputed.contains(&path) || update.full);
        let expected = batch(&with_buffers(dir, &engine));
        let got = incremental(&engine);
        if got != expected {
            let files: BTreeSet<&String> = got.0.keys().chain(expected.0.keys()).collect();
            let mut differences = String::new();
            for file in files {
                let (a, b) = (got.0.get(file), expected.0.get(file));
                if a != b {
                    differences.push_str(&format!(
                        "{file}:\n  incremental: {a:#?}\n  batch: {b:#?}\n"
                    ));
                }
            }
            if got.1 != expected.1 {
                differences.push_str(&format!(
                    "errors: incremental {:?}, batch {:?}\n",
                    got.1, expected.1
                ));
            }
            return Err(TestCaseError::fail(format!(
                "after editing {} (edit {kind} at {seed}):\n{differences}",
                path.display()
            )));
        }
    }
    Ok(())
}

fn with_buffers(dir: &Path, engine: &Engine) -> CheckOptions {
    CheckOptions {
        buffers: engine.buffers().clone(),
        ..options(dir)
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 192,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn an_incremental_update_equals_a_batch_run(
        project in 0usize..64,
        edits in proptest::collection::vec((0usize..1000, 0u8..7, 0usize..1000), 1..4),
    ) {
        let projects = projects();
        let dir = &projects[project % projects.len()];
        agrees_after_edits(dir, &edits)?;
    }
}

#[test]
fn every_fixture_project_takes_an_edit_to_every_file() {
    for dir in projects() {
        let files = files_of(&dir);
        for file in 0..files.len() {
            agrees_after_edits(&dir, &[(file, 0, 1), (file, 3, 2)])
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
    }
}

#[test]
fn an_edit_recomputes_its_group_not_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for service in ["a", "b", "c"] {
        let sub = dir.path().join(service);
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(
            sub.join("deploy.yaml"),
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {service}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/{service}:1.0\n"),
        )
        .unwrap();
        std::fs::write(
            sub.join("job.yaml"),
            format!("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {service}-migrate\nspec:\n  template:\n    spec:\n      containers:\n      - name: migrate\n        image: registry.example.com/{service}:1.0\n        command: [\"./manage.py\", \"migrate\"]\n"),
        )
        .unwrap();
    }
    let root = std::path::absolute(dir.path()).unwrap();
    let mut engine = Engine::new(options(&root));
    assert_eq!(engine.file_count(), 6);
    let job = root.join("b/job.yaml");
    let text = std::fs::read_to_string(&job)
        .unwrap()
        .replace(":1.0", ":0.9");
    engine.set_buffer(job.clone(), Some(text));
    let update = engine.update(&BTreeSet::from([job.clone()]));
    assert!(!update.full);
    assert_eq!(update.runs, 1);
    assert_eq!(
        update.recomputed,
        BTreeSet::from([root.join("b/deploy.yaml"), job.clone()])
    );
    let findings = engine.diagnostics();
    let rules: Vec<&str> = findings[&job].1.iter().map(|d| d.rule).collect();
    assert!(rules.contains(&"image-mismatch"), "{rules:?}");
    // A Deployment edit updates the Job's findings (the Job is in the Deployment's group).
    let deploy = root.join("b/deploy.yaml");
    let text = std::fs::read_to_string(&deploy)
        .unwrap()
        .replace(":1.0", ":0.9");
    engine.set_buffer(deploy.clone(), Some(text));
    let update = engine.update(&BTreeSet::from([deploy.clone()]));
    assert!(update.recomputed.contains(&job));
    let findings = engine.diagnostics();
    let rules: Vec<&str> = findings[&job].1.iter().map(|d| d.rule).collect();
    assert!(!rules.contains(&"image-mismatch"), "{rules:?}");
}

/// Copy a fixture project into a temporary directory of its own (a `.git` marker makes it the
/// project root, so the link index is written there).
fn copy_project(dir: &Path) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let root = std::path::absolute(temp.path()).unwrap().join("p");
    for file in files_of(dir) {
        let to = root.join(file.strip_prefix(dir).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&file, &to).unwrap();
    }
    std::fs::create_dir_all(root.join(".git")).unwrap();
    (temp, root)
}

fn named(file: &Path, cache: bool) -> CheckOptions {
    CheckOptions {
        paths: vec![file.to_path_buf()],
        project_context: true,
        cache,
        config: ConfigChoice::Discover,
        ..CheckOptions::default()
    }
}

/// What a run reports on named files, in a comparable form.
fn named_findings(report: &Report) -> (Vec<Seen>, BTreeSet<String>, usize) {
    let mut findings: Vec<Seen> = report.diagnostics.iter().map(|d| seen(report, d)).collect();
    findings.sort();
    let errors = report
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect();
    (findings, errors, report.summary.files)
}

#[test]
fn a_warm_run_on_named_files_reads_their_group_and_reports_what_a_whole_run_reports() {
    use adminlint::engine::check_named_files;
    let mut scoped_runs = 0;
    for dir in projects() {
        let (_temp, root) = copy_project(&dir);
        let files: Vec<PathBuf> = files_of(&root)
            .into_iter()
            .filter(|f| !f.components().any(|c| c.as_os_str() == ".adminlint_cache"))
            .collect();
        for (index, file) in files.iter().enumerate() {
            // The first run writes the index; later runs read it.
            let got = check_named_files(&named(file, true));
            let expected = check(&named(file, false));
            if named_findings(&got) != named_findings(&expected) {
                let list = |r: &Report| {
                    r.files
                        .iter()
                        .map(|f| (f.display.clone(), f.readable))
                        .collect::<Vec<_>>()
                };
                eprintln!(
                    "scoped files: {:?}\nwhole files: {:?}",
                    list(&got),
                    list(&expected)
                );
            }
            assert_eq!(
                named_findings(&got),
                named_findings(&expected),
                "{} (run {index})",
                file.display()
            );
            scoped_runs += 1;
            // Another file of the project changes on disk: the next run must see it.
            let other = &files[(index * 7 + 3) % files.len()];
            let text = std::fs::read_to_string(other).unwrap();
            std::fs::write(other, edit(&text, (index % 7) as u8, index)).unwrap();
        }
        // A file created: its directory changed, so the next run checks the whole project.
        let first = &files[0];
        std::fs::write(
            first.with_file_name("created.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: created\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/shop/app:0.0.1\n",
        )
        .unwrap();
        assert_eq!(
            named_findings(&check_named_files(&named(first, true))),
            named_findings(&check(&named(first, false))),
            "{} after a file was created",
            first.display()
        );
    }
    assert!(scoped_runs > 100, "{scoped_runs}");
}

/// Found by the property test: the `extends` file emptied in a buffer, then another Compose
/// file edited; the group of the second edit must still read the emptied buffer (a file named
/// by `extends` is tied to the file extending it even when it holds nothing).
#[test]
fn an_emptied_extends_file_stays_tied_to_the_file_that_extends_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/compose");
    let files = files_of(&dir);
    let shared = files
        .iter()
        .position(|f| f.ends_with("extends/shared/app.yaml"))
        .unwrap();
    let anchors = files
        .iter()
        .position(|f| f.ends_with("anchors/compose.yaml"))
        .unwrap();
    agrees_after_edits(&dir, &[(shared, 5, 3), (anchors, 5, 0)]).unwrap();
}

/// A library chart read as another chart's dependency (`file://../common`, or the chart of that
/// name beside it): an edit to its helper changes what the charts depending on it render.
#[test]
fn an_edit_to_a_dependency_chart_read_from_beside_rerenders_its_dependants() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/helm-dependencies");
    let files = files_of(&dir);
    let helper = files
        .iter()
        .position(|f| f.ends_with("common/templates/_images.tpl"))
        .unwrap();
    // Line 3 (`$tag := …`) deleted: the helper's `$tag` is undefined, so shop and ledger fail.
    agrees_after_edits(&dir, &[(helper, 1, 2)]).unwrap();
    // The tag changed in the helper's default: both charts' images move together.
    agrees_after_edits(&dir, &[(helper, 0, 0)]).unwrap();
}

/// A deploy script that deletes a Job by name decides immutable-job's finding on the Job's
/// file: an edit to the script (the delete line removed) changes the Job's findings.
#[test]
fn an_edit_to_a_script_that_deletes_a_job_updates_the_job_s_findings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/immutable-job/deleted");
    let files = files_of(&dir);
    let script = files.iter().position(|f| f.ends_with("deploy.sh")).unwrap();
    // Line 5 is the `kubectl delete job/db-migrate …` line.
    agrees_after_edits(&dir, &[(script, 1, 4)]).unwrap();
}
