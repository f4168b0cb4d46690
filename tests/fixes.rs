//! Fixes converge: applying every fixture's safe fixes leaves YAML that parses, and the findings
//! they fix are gone when the result is checked again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use adminlint::diagnostic::{Diagnostic, Fix};
use adminlint::fix::{Allowed, apply};
use adminlint::report::Report;
use adminlint::{CheckOptions, check};

mod common;

/// What identifies a finding across an edit that moves offsets: rule, file, object.
fn identity(report: &Report, diagnostic: &Diagnostic) -> (String, String, String) {
    let object = diagnostic
        .object
        .as_ref()
        .map(|o| format!("{} {:?} {:?} {:?}", o.kind, o.name, o.container, o.overlay))
        .unwrap_or_default();
    (
        diagnostic.rule.to_string(),
        report.file(diagnostic.span.file).display.clone(),
        object,
    )
}

fn options(dir: &Path, buffers: BTreeMap<PathBuf, String>) -> CheckOptions {
    CheckOptions {
        paths: vec![dir.to_path_buf()],
        buffers,
        ..CheckOptions::default()
    }
}

#[test]
fn every_fixtures_safe_fixes_apply_reparse_and_remove_their_findings() {
    let dirs = common::fixture_dirs();
    let mut fixed_somewhere = 0;
    for dir in dirs {
        let dir = std::fs::canonicalize(&dir).unwrap();
        let before = check(&options(&dir, BTreeMap::new()));
        let fixes: Vec<(&Diagnostic, &Fix)> = before
            .diagnostics
            .iter()
            .filter_map(|d| Some((d, d.fix.as_ref()?)))
            .collect();
        let only_fixes: Vec<&Fix> = fixes.iter().map(|(_, f)| *f).collect();
        let applied = apply(&only_fixes, Allowed::Safe, |file| {
            Some(before.file(file).text.as_str())
        });
        if applied.applied.is_empty() {
            continue;
        }
        fixed_somewhere += applied.applied.len();
        let buffers: BTreeMap<PathBuf, String> = applied
            .files
            .iter()
            .map(|(file, text)| {
                let path = before.file(*file).path.clone().expect("a fixture file");
                (std::fs::canonicalize(path).unwrap(), text.clone())
            })
            .collect();
        let after = check(&options(&dir, buffers));
        // Files that parsed before the fixes still parse (a fixture may be broken on purpose).
        let syntax_errors = |report: &Report| -> Vec<_> {
            report
                .diagnostics
                .iter()
                .filter(|d| d.rule == "syntax-error")
                .map(|d| identity(report, d))
                .collect()
        };
        let was_broken = syntax_errors(&before);
        let broken: Vec<_> = syntax_errors(&after)
            .into_iter()
            .filter(|e| !was_broken.contains(e))
            .collect();
        assert!(
            broken.is_empty(),
            "{}: fixes broke the YAML: {broken:?}",
            dir.display()
        );
        for index in &applied.applied {
            let fixed = identity(&before, fixes[*index].0);
            let remaining = after
                .diagnostics
                .iter()
                .any(|d| identity(&after, d) == fixed);
            assert!(
                !remaining,
                "{}: the fix did not remove {fixed:?}",
                dir.display()
            );
        }
    }
    assert!(fixed_somewhere > 0, "no fixture has a safe fix to apply");
}

// ---- `check --fix`, `--unsafe-fixes`, `--diff` through the binary ----

use std::process::{Command, Stdio};

fn adminlint(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_adminlint"))
        .current_dir(dir)
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Every file under `dir` (relative path -> bytes), to show that a run wrote nothing.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: shop/app:1.4.2\n";

#[test]
fn diff_prints_what_fix_would_change_and_writes_nothing() {
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  backoffLimit: 0\n  ttlSecondsAfterFinished: 600\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: shop/app:1.4.0 # pinned by hand\n          args: [migrate]\n";
    let dir = common::temp_tree(&[
        (".adminlint.yaml", ""),
        ("web.yaml", WEB),
        ("job.yaml", job),
    ]);
    let before = tree(dir.path());
    let (code, stdout, stderr) = adminlint(dir.path(), &["check", ".", "--diff", "--no-cache"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stdout,
        "--- a/job.yaml\n+++ b/job.yaml\n@@ -9,5 +9,5 @@\n       restartPolicy: Never\n       containers:\n         - name: migrate\n-          image: shop/app:1.4.0 # pinned by hand\n+          image: shop/app:1.4.2 # pinned by hand\n           args: [migrate]\n"
    );
    assert_eq!(stderr, "adminlint: 1 fix would change 1 file\n");
    assert_eq!(tree(dir.path()), before, "--diff wrote something");
    // Nothing to fix: exit 0, no diff.
    let (code, stdout, _) = adminlint(
        dir.path(),
        &["check", "web.yaml", "--no-project", "--diff", "--no-cache"],
    );
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn fix_writes_only_the_changed_file_keeps_its_bytes_and_converges() {
    use std::os::unix::fs::PermissionsExt;
    // A BOM, CRLF line endings, a comment and quoting the fix must keep.
    let job = "\u{feff}apiVersion: batch/v1\r\nkind: Job\r\nmetadata: {name: migrate}\r\nspec:\r\n  backoffLimit: 0\r\n  ttlSecondsAfterFinished: 600\r\n  template:\r\n    spec:\r\n      restartPolicy: Never\r\n      containers:\r\n        - name: migrate\r\n          # the schema step\r\n          image: \"shop/app:1.4.0\"\r\n          args: [migrate]\r\n";
    let dir = common::temp_tree(&[
        (".adminlint.yaml", ""),
        ("web.yaml", WEB),
        ("job.yaml", job),
    ]);
    let job_path = dir.path().join("job.yaml");
    std::fs::set_permissions(&job_path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let web_modified = std::fs::metadata(dir.path().join("web.yaml"))
        .unwrap()
        .modified()
        .unwrap();
    let (code, stdout, stderr) = adminlint(
        dir.path(),
        &["check", ".", "--fix", "--no-cache", "--format", "concise"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout, "No findings in 2 files.\n");
    assert_eq!(stderr, "adminlint: fixed 1 finding in 1 file; 0 remain\n");
    assert_eq!(
        std::fs::read_to_string(&job_path).unwrap(),
        job.replace("shop/app:1.4.0", "shop/app:1.4.2")
    );
    let mode = std::fs::metadata(&job_path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640, "permissions kept");
    let unchanged = std::fs::metadata(dir.path().join("web.yaml"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(
        unchanged, web_modified,
        "a file without fixes is not written"
    );
    // A second --fix has nothing to do and writes nothing.
    let before = tree(dir.path());
    let (code, _, stderr) = adminlint(dir.path(), &["check", ".", "--fix", "--no-cache", "-q"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn display_only_fixes_are_never_written() {
    // The Job sits in a base two overlays share: moving it would change the other overlay's
    // release, so its fix is display-only and --fix leaves the files alone.
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &Path| {
        for (relative, bytes) in tree(from) {
            let to = dir.path().join("kustomize").join(relative);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(to, bytes).unwrap();
        }
    };
    copy(Path::new("fixtures/kustomize"));
    std::fs::write(dir.path().join(".adminlint.yaml"), "").unwrap();
    let before = tree(dir.path());
    let (code, _, stderr) = adminlint(
        dir.path(),
        &[
            "check",
            "kustomize",
            "--fix",
            "--unsafe-fixes",
            "--no-cache",
            "--format",
            "concise",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.ends_with("adminlint: fixed 0 findings in 0 files; 1 remain\n"),
        "{stderr}"
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn fix_of_stdin_prints_the_fixed_text() {
    let dir = common::temp_tree(&[(".adminlint.yaml", ""), ("web.yaml", WEB)]);
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  backoffLimit: 0\n  ttlSecondsAfterFinished: 600\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: migrate, image: 'shop/app:1.4.0', args: [migrate]}]\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_adminlint"))
        .current_dir(dir.path())
        .args([
            "check",
            "--fix",
            "--no-cache",
            "--stdin-filename",
            "job.yaml",
            "-",
            ".",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), job.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        job.replace("'shop/app:1.4.0'", "'shop/app:1.4.2'")
    );
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "adminlint: fixed 1 finding in 1 file; 0 remain\n"
    );
    assert!(
        !dir.path().join("job.yaml").exists(),
        "stdin is never written"
    );
}

#[test]
fn unsafe_fixes_are_applied_only_when_asked() {
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: report}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: report\n          image: shop/app:1.4.2 # adminlint: ignore wrapper-missing runs bare\n          args: [report]\n";
    let dir = common::temp_tree(&[
        (".adminlint.yaml", ""),
        ("web.yaml", WEB),
        ("job.yaml", job),
    ]);
    let (code, _, stderr) = adminlint(dir.path(), &["check", ".", "--unsafe-fixes"]);
    assert_eq!(
        (code, stderr.as_str()),
        (
            2,
            "adminlint: error: `--unsafe-fixes` needs `--fix` or `--diff`\n"
        )
    );
    // The rewrite of an invalid directive is unsafe: --fix alone leaves it.
    let (_, _, stderr) = adminlint(dir.path(), &["check", ".", "--fix", "--no-cache", "-q"]);
    assert_eq!(stderr, "");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("job.yaml")).unwrap(),
        job
    );
    let (_, stdout, stderr) = adminlint(
        dir.path(),
        &[
            "check",
            ".",
            "--fix",
            "--unsafe-fixes",
            "--no-cache",
            "--format",
            "concise",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("job.yaml")).unwrap(),
        job.replace(
            "# adminlint: ignore wrapper-missing runs bare",
            "# adminlint: ignore[wrapper-missing] runs bare"
        )
    );
    // The comment now suppresses: it names a rule that did not fire here, and says so.
    assert!(stdout.contains("[unused-suppression]"), "{stdout}");
    assert!(stderr.contains("fixed 1 finding in 1 file"), "{stderr}");
}

/// Fix every fixture directory and every corpus repository with safe and unsafe fixes: each
/// changed file still parses with as many documents, and fixing the result again changes
/// nothing.
#[test]
fn fixing_converges_and_keeps_every_file_parseable() {
    use adminlint::autofix;
    let mut dirs: Vec<PathBuf> = common::fixture_dirs();
    if let Some(corpus) = common::corpus("fix convergence on the corpus") {
        let mut repos: Vec<PathBuf> = std::fs::read_dir(&corpus)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        repos.sort();
        dirs.extend(repos);
    }
    let mut changed_somewhere = 0;
    for dir in dirs {
        let options = CheckOptions {
            paths: vec![std::fs::canonicalize(&dir).unwrap()],
            ..CheckOptions::default()
        };
        let fixed = autofix::run(&options, Allowed::SafeAndUnsafe);
        assert!(!fixed.unsettled, "{}: fixes did not settle", dir.display());
        let documents = |text: &str| {
            let parsed = adminlint::yaml::parse(text, &adminlint::yaml::Limits::default());
            (parsed.documents.len(), parsed.errors.is_empty())
        };
        let mut buffers = BTreeMap::new();
        for change in &fixed.changes {
            let (before, parsed_before) = documents(&change.before);
            let (after, parsed_after) = documents(&change.after);
            assert_eq!(before, after, "{}: documents changed", change.display);
            assert!(
                parsed_after || !parsed_before,
                "{}: the fixes broke the YAML",
                change.display
            );
            buffers.insert(change.path.clone().unwrap(), change.after.clone());
        }
        changed_somewhere += fixed.changes.len();
        let again = autofix::run(&CheckOptions { buffers, ..options }, Allowed::SafeAndUnsafe);
        assert_eq!(
            again.applied,
            0,
            "{}: a second --fix changed more",
            dir.display()
        );
    }
    assert!(changed_somewhere > 0);
}

/// Per fixing rule, on its fixtures: what `--fix --unsafe-fixes` changes (a snapshot of the
/// diffs), and that checking the result again shows none of the fixed findings and no finding
/// that was not there before, anywhere in the project.
#[test]
fn each_rule_s_fixes_remove_its_findings_and_add_none() {
    use adminlint::autofix;
    use adminlint::rules::FixAvailability;
    use adminlint::selection::Selection;
    for rule in adminlint::rules::RULES {
        if rule.fix == FixAvailability::None {
            continue;
        }
        let dir = std::fs::canonicalize(Path::new("fixtures").join(rule.id)).unwrap();
        let only = Selection::parse(&[rule.id.to_string()], &[], &[]).unwrap();
        let options = CheckOptions {
            paths: vec![dir.clone()],
            selection: only,
            ..CheckOptions::default()
        };
        let fixed = autofix::run(&options, Allowed::SafeAndUnsafe);
        assert!(
            fixed.applied > 0,
            "{}: no fix applied on its fixtures",
            rule.id
        );
        let diffs: String = fixed.changes.iter().map(autofix::unified_diff).collect();
        insta::assert_snapshot!(format!("fix_{}", rule.id), diffs);
        // Every rule, before and after.
        let everything = |buffers: BTreeMap<PathBuf, String>| {
            check(&CheckOptions {
                paths: vec![dir.clone()],
                buffers,
                ..CheckOptions::default()
            })
        };
        let before = everything(BTreeMap::new());
        let buffers = fixed
            .changes
            .iter()
            .map(|c| (c.path.clone().unwrap(), c.after.clone()))
            .collect();
        let after = everything(buffers);
        let identities = |report: &Report| -> Vec<_> {
            report
                .diagnostics
                .iter()
                .map(|d| identity(report, d))
                .collect()
        };
        let (was, now) = (identities(&before), identities(&after));
        let new: Vec<_> = now.iter().filter(|i| !was.contains(i)).collect();
        assert!(
            new.is_empty(),
            "{}: fixing made new findings: {new:?}",
            rule.id
        );
        let left = after.diagnostics.iter().filter(|d| {
            d.rule == rule.id
                && d.fix
                    .as_ref()
                    .is_some_and(|f| f.applicability.is_applicable())
        });
        assert_eq!(left.count(), 0, "{}: fixable findings remain", rule.id);
    }
}
