//! The pre-commit hook for real: `pre-commit try-repo <this checkout> adminlint --files …` in
//! scratch git repositories, which builds the hook with `cargo install` the way users get it.
//! Skipped (with a notice) only where `pre-commit` is not installed; `.ci/run` installs it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The app: a Deployment on shop/app:v1.2.3 (from the demo).
const WEB: &str = "fixtures/demo/k8s/web.yaml";
/// A migration Job that drifted from it (from the demo).
const DRIFTING_JOB: &str = "fixtures/demo/k8s/migrate.yaml";

/// A migration Job on the app's release, config and wrapper.
const CLEAN_JOB: &str = "\
apiVersion: batch/v1
kind: Job
metadata:
  name: db-migrate
  namespace: shop
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.example.com/shop/app:v1.2.3
          command: [\"bundle\", \"exec\", \"rails\", \"db:migrate\"]
          envFrom:
            - configMapRef:
                name: shop-config
            - secretRef:
                name: shop-secrets
          env:
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: shop-db
                  key: url
  backoffLimit: 0
  ttlSecondsAfterFinished: 600
";

fn pre_commit_installed() -> bool {
    Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn git(repo: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(repo)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A scratch git repository holding `files` (path in the repo, contents), all staged.
fn scratch_repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    git(dir.path(), &["add", "-A"]);
    dir
}

/// `pre-commit try-repo <checkout> adminlint --files <files>` in `repo`.
fn try_repo(repo: &Path, files: &[&str]) -> (Output, String) {
    let checkout = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = checkout.join("target");
    let output = Command::new("pre-commit")
        .args([
            "try-repo",
            checkout.to_str().unwrap(),
            "adminlint",
            "--files",
        ])
        .args(files)
        .current_dir(repo)
        // try-repo installs the hook into a throwaway store every time (PRE_COMMIT_HOME only
        // gets its log), so the reuse comes from cargo: one target dir for every hook build,
        // and no optimisation, which this test does not need. Measured here: about 11 s a call
        // once the dependencies are built, against about 70 s with the release profile.
        .env("PRE_COMMIT_HOME", target.join("pre-commit-home"))
        .env("CARGO_TARGET_DIR", target.join("pre-commit-build"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("PRE_COMMIT_COLOR", "never")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn the_hook_fails_on_a_drifting_job_and_passes_on_a_clean_one() {
    if !pre_commit_installed() {
        common::skipped(
            "pre-commit hook test",
            "`pre-commit` is not installed (pip install pre-commit; .ci/run does)",
        );
        return;
    }
    let manifest = Command::new("pre-commit")
        .args(["validate-manifest", ".pre-commit-hooks.yaml"])
        .output()
        .unwrap();
    assert!(
        manifest.status.success(),
        "{}",
        String::from_utf8_lossy(&manifest.stdout)
    );

    // Both the Job and the app's Deployment are named, so this passes whether or not the
    // hook loads the rest of the project around the named files.
    let (web, drifting) = (read(WEB), read(DRIFTING_JOB));
    let repo = scratch_repo(&[("k8s/web.yaml", &web), ("k8s/migrate.yaml", &drifting)]);
    let (output, text) = try_repo(repo.path(), &["k8s/migrate.yaml", "k8s/web.yaml"]);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("adminlint....") && text.contains("Failed"),
        "{text}"
    );
    assert!(text.contains("image-mismatch"), "{text}");
    assert!(text.contains("[k8s/migrate.yaml:14:18]"), "{text}");

    let repo = scratch_repo(&[("k8s/web.yaml", &web), ("k8s/migrate.yaml", CLEAN_JOB)]);
    let (output, text) = try_repo(repo.path(), &["k8s/migrate.yaml", "k8s/web.yaml"]);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("Passed"), "{text}");

    // A staged chart template is rendered with its chart and checked like the Job above.
    let repo = scratch_repo(&[
        (
            "chart/Chart.yaml",
            "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
        ),
        ("chart/templates/migrate.yaml", &drifting),
        ("k8s/web.yaml", &web),
    ]);
    let (output, text) = try_repo(
        repo.path(),
        &[
            "chart/templates/migrate.yaml",
            "chart/Chart.yaml",
            "k8s/web.yaml",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("image-mismatch"), "{text}");
    assert!(
        text.contains("[chart/templates/migrate.yaml:14:18]"),
        "{text}"
    );
}
