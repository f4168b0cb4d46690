//! The project model: context around named files, `.adminlint.yaml`, suppressions, kustomize
//! overlays and Helm output, checked through the binary the way users run it.

use std::path::Path;
use std::process::{Command, Stdio};

use std::io::Write;

const APP: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
        - name: web
          image: registry.example.com/shop/app:v1.2.3
          command: [bundle, exec, puma]
          envFrom:
            - secretRef: {name: shop-secrets}
";

const JOB: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: db-migrate
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.example.com/shop/app:v1.2.0
          command: [bundle, exec, rails, db:migrate]
          envFrom:
            - secretRef: {name: shop-secrets}
  backoffLimit: 0
  ttlSecondsAfterFinished: 600
";

/// A scratch repository: `.git`, `k8s/app.yaml`, `k8s/jobs/migrate.yaml`, plus extra files.
fn repo(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![("k8s/app.yaml", APP), ("k8s/jobs/migrate.yaml", JOB)];
    files.extend_from_slice(extra);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Run in `dir`; (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_adminlint"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// `check -v --no-cache --format concise PATHS…` in `dir`: findings on stdout, notes on stderr.
fn check_verbose(dir: &Path, paths: &[&str]) -> (i32, String, String) {
    let mut args = vec!["check", "-v", "--no-cache", "--format", "concise"];
    args.extend_from_slice(paths);
    run(dir, &args)
}

#[test]
fn a_named_job_is_compared_with_the_app_in_another_file() {
    let dir = repo(&[]);
    // What pre-commit runs when only the Job is staged.
    let (code, stdout, _) = run(
        dir.path(),
        &["check", "--format", "json", "k8s/jobs/migrate.yaml"],
    );
    assert_eq!(code, 1, "{stdout}");
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["summary"]["files"], 1);
    let diagnostics = value["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{stdout}");
    assert_eq!(diagnostics[0]["rule"], "image-mismatch");
    assert_eq!(diagnostics[0]["location"]["path"], "k8s/jobs/migrate.yaml");
    assert_eq!(diagnostics[0]["location"]["start"]["line"], 11);
    assert_eq!(
        diagnostics[0]["related"][0]["location"]["path"],
        "k8s/app.yaml"
    );
    assert_eq!(
        diagnostics[0]["related"][0]["location"]["start"]["line"],
        14
    );
    // Naming only the app (a commit that bumped its tag and not the Job's) reports the drift it
    // causes, at the Job: the cause, the app's image, is in the named file.
    let (code, stdout, _) = run(
        dir.path(),
        &["check", "--format", "concise", "k8s/app.yaml"],
    );
    assert_eq!(code, 1, "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("k8s/jobs/migrate.yaml:11:"),
        "{stdout}"
    );
    assert!(lines[0].contains("error[image-mismatch]"), "{stdout}");
    assert_eq!(lines[1], "Found 1 finding (1 error) in 1 file.");
    // --no-project: the Job alone has no peers.
    let (code, _, _) = run(
        dir.path(),
        &["check", "--no-project", "k8s/jobs/migrate.yaml"],
    );
    assert_eq!(code, 0);
}

#[test]
fn stdin_stands_in_for_its_file_in_the_project() {
    let dir = repo(&[]);
    let fixed = JOB.replace("v1.2.0", "v1.2.3");
    let mut child = Command::new(env!("CARGO_BIN_EXE_adminlint"))
        .current_dir(dir.path())
        .args([
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "k8s/jobs/migrate.yaml",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(fixed.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "No findings in 1 file.\n"
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn configuration_levels_fail_level_and_exclude() {
    let config = "rules:\n  image-mismatch: info\nfail-level: warning\nexclude: [k8s/legacy/]\n";
    let legacy = JOB.replace("db-migrate", "old").replace("v1.2.0", "v0.9.0");
    let dir = repo(&[
        (".adminlint.yaml", config),
        ("k8s/legacy/old.yaml", &legacy),
    ]);
    let (code, stdout, _) = run(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(
        stdout,
        "k8s/jobs/migrate.yaml:11:18: info[image-mismatch] Job `db-migrate` runs \
         `registry.example.com/shop/app:v1.2.0`, but Deployment `web` runs \
         `registry.example.com/shop/app:v1.2.3`\nNo findings in 2 files; 1 info not counted.\n"
    );
    assert_eq!(code, 0, "an info finding is below the fail level");
    let strict = dir.path().join("strict.yaml");
    std::fs::write(&strict, "rules: {image-mismatch: info}\nfail-level: info\n").unwrap();
    let (code, _, _) = run(
        dir.path(),
        &["check", "--config", "strict.yaml", "-q", "k8s"],
    );
    assert_eq!(code, 1);
    let (code, stdout, _) = run(
        dir.path(),
        &["check", "--no-config", "--format", "concise", "-q", "k8s"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stdout.lines().count(),
        2,
        "defaults: both Jobs flagged\n{stdout}"
    );
}

#[test]
fn a_broken_configuration_is_an_error_with_its_position() {
    let dir = repo(&[(".adminlint.yaml", "rules:\n  image-mismatch: loud\n")]);
    let (code, stdout, stderr) = run(dir.path(), &["check", "."]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "No findings in 0 files.\n");
    assert!(
        stderr.starts_with("adminlint: error: .adminlint.yaml:2:"),
        "{stderr}"
    );
    assert!(stderr.contains("loud"), "{stderr}");
    let dir = repo(&[(
        ".adminlint.yaml",
        "rules:\n  image-mismatch: off\nextra: 1\n",
    )]);
    let (code, _, stderr) = run(dir.path(), &["check", "."]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(".adminlint.yaml:3:1:") && stderr.contains("extra"),
        "{stderr}"
    );
}

#[test]
fn configuration_declarations_change_roles_apps_and_patterns() {
    let reindex = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: reindex
spec:
  selector:
    matchLabels: {app: reindex}
  template:
    metadata:
      labels: {app: reindex}
    spec:
      containers:
        - name: reindex
          image: registry.example.com/shop/app:v1.2.3
          command: [sh, -c, 'rake search:reindex && mytool install jq']
";
    let search = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: search-api
spec:
  selector:
    matchLabels: {app: search}
  template:
    metadata:
      labels: {app: search}
    spec:
      containers:
        - name: api
          image: registry.example.com/search/api:2.0
          command: [chamber, exec, search, --, ./bin/api]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: search-reindex
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: reindex
          image: registry.example.com/search/api:2.0
          command: [rake, reindex]
";
    let run_custom = "apiVersion: batch.example.com/v1
kind: MigrationRun
metadata:
  name: nightly
spec:
  template:
    spec:
      containers:
        - name: run
          image: registry.example.com/shop/app:v1.1.0
";
    let config = "admin:
  - {kind: Deployment, name: reindex}
external:
  - {kind: Secret, name: shop-*}
kinds:
  - {apiVersion: batch.example.com/v1, kind: MigrationRun, podSpec: spec.template.spec, role: admin}
wrappers: [chamber exec]
installers: [mytool install]
";
    let dir = repo(&[
        (".adminlint.yaml", config),
        ("k8s/reindex.yaml", reindex),
        ("k8s/search.yaml", search),
        ("k8s/custom.yaml", run_custom),
    ]);
    let (_, stdout, _) = run(dir.path(), &["check", "--format", "concise", "-q", "k8s"]);
    let found: Vec<&str> = stdout
        .lines()
        .map(|l| l.split_once(" ").unwrap().0)
        .collect();
    assert_eq!(
        found,
        [
            "k8s/custom.yaml:10:18:",
            "k8s/jobs/migrate.yaml:11:18:",
            "k8s/reindex.yaml:15:30:",
            "k8s/reindex.yaml:15:53:",
            "k8s/search.yaml:28:21:",
        ],
        "{stdout}"
    );
    // A custom kind declared admin; a Deployment declared admin; configured installer and
    // wrapper recognised; the external Secret is not demanded of anyone.
    assert!(
        stdout.contains("error[image-mismatch] MigrationRun `nightly` runs"),
        "{stdout}"
    );
    assert!(
        stdout.contains("warning[adhoc-install] Deployment `reindex` installs `jq` with `mytool install` at run time"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "warning[wrapper-missing] Deployment `reindex` runs `rake` without `bundle exec`"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "warning[wrapper-missing] Job `search-reindex` runs `rake` without `chamber exec`"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("config-missing"), "{stdout}");
    // Declaring the Job part of another app separates it from `web`.
    let apps =
        "apps:\n  - {name: batch, paths: [k8s/jobs/**]}\n  - {name: shop, labels: {app: shop}}\n";
    std::fs::write(dir.path().join(".adminlint.yaml"), apps).unwrap();
    let (code, stdout, _) = run(
        dir.path(),
        &["check", "--format", "concise", "-q", "k8s/jobs"],
    );
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn suppressions_and_no_ignores() {
    let suppressed = JOB.replace(
        "          image: registry.example.com/shop/app:v1.2.0",
        "          # adminlint: ignore[image-mismatch] waits for the 1.2.3 schema fix\n          image: registry.example.com/shop/app:v1.2.0",
    );
    let dir = repo(&[]);
    std::fs::write(dir.path().join("k8s/jobs/migrate.yaml"), &suppressed).unwrap();
    let (code, stdout, _) = run(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(
        (code, stdout.as_str()),
        (0, "No findings in 2 files (1 suppressed).\n")
    );
    let (code, stdout, _) = run(dir.path(), &["check", "--format", "json", "."]);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (code, value["summary"]["suppressed"].as_u64()),
        (0, Some(1))
    );
    let (code, stdout, _) = run(
        dir.path(),
        &["check", "--no-ignores", "--format", "concise", "-q", "."],
    );
    assert_eq!(code, 1);
    assert!(
        stdout.starts_with("k8s/jobs/migrate.yaml:12:18: error[image-mismatch]"),
        "{stdout}"
    );
    // The annotation form, on the object.
    let annotated = JOB.replace(
        "  name: db-migrate\n",
        "  name: db-migrate\n  annotations:\n    ignore.adminlint.io/all: \"one-off replay of the 1.2.0 data\"\n",
    );
    std::fs::write(dir.path().join("k8s/jobs/migrate.yaml"), &annotated).unwrap();
    let (code, stdout, _) = run(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(
        (code, stdout.as_str()),
        (0, "No findings in 2 files (1 suppressed).\n")
    );
}

#[test]
fn kustomize_overlays_are_checked_as_rendered_sets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, stderr) = run(
        root,
        &["check", "-v", "--format", "json", "fixtures/kustomize"],
    );
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let diagnostics = value["diagnostics"].as_array().unwrap();
    assert_eq!(
        diagnostics.len(),
        1,
        "only the prod overlay drifts: {stdout}"
    );
    let finding = &diagnostics[0];
    assert_eq!(
        finding["location"]["path"],
        "fixtures/kustomize/base/job.yaml"
    );
    assert_eq!(
        finding["object"]["overlay"],
        "fixtures/kustomize/overlays/prod"
    );
    assert_eq!(finding["object"]["name"], "prod-migrate");
    assert_eq!(finding["object"]["namespace"], "shop-prod");
    assert_eq!(
        finding["message"],
        "Job `prod-migrate` runs `docker.io/shop/app:1.0`, but Deployment `prod-web` runs \
         `shop/app:2.0` (kustomize overlay `fixtures/kustomize/overlays/prod`)"
    );
    assert!(
        stderr.contains(
            "skipped remote resource `https://github.com/example/shared//monitoring?ref=v1`"
        ),
        "{stderr}"
    );
    let (_, _, explained) = run(
        root,
        &["check", "--explain-context", "-q", "fixtures/kustomize"],
    );
    assert!(
        explained.contains("scope: kustomize overlay `fixtures/kustomize/overlays/staging`"),
        "{explained}"
    );
    assert!(explained.contains("admin process (a Job)"), "{explained}");
    assert!(
        explained.contains("peer (SameDirectory): Deployment `web`"),
        "{explained}"
    );
}

#[test]
fn a_patch_file_is_part_of_its_kustomization_not_an_object_of_its_own() {
    // The patch file is a Deployment whose container has no image: linted alone, it would be
    // an app with nothing to compare. Its suppression comment still counts.
    let dir = repo(&[
        (
            "k8s/kustomization.yaml",
            "resources: [app.yaml, jobs/migrate.yaml]\n",
        ),
        (
            "prod/kustomization.yaml",
            "resources: [../k8s]\npatches:\n  - path: replicas.yaml\n  - path: ops.yaml\n    target: {kind: Job, name: db-migrate}\n",
        ),
        (
            "prod/replicas.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: web\n          resources: {limits: {cpu: '2'}} # adminlint: ignore[config-missing] not here\n",
        ),
        (
            "prod/ops.yaml",
            "- op: replace\n  path: /spec/template/spec/containers/3/image\n  value: shop:0.1\n- op: copy\n  from: /a\n  path: /b\n",
        ),
    ]);
    let (_, _, explained) = run(dir.path(), &["check", "--explain-context", "-q", "."]);
    assert!(
        explained.contains("Deployment `web` [k8s/app.yaml]"),
        "{explained}"
    );
    assert!(!explained.contains("[prod/replicas.yaml]"), "{explained}");
    let (_, stdout, stderr) = run(dir.path(), &["check", "-v", "--format", "concise", "."]);
    // The suppression in the patch file matches nothing, and says so.
    assert!(stdout.contains("prod/replicas.yaml"), "{stdout}");
    // Each operation that cannot be applied is a note naming the kustomization and the patch.
    assert!(
        stderr.contains(
            "prod/kustomization.yaml: patch `prod/ops.yaml`: `replace` of \
             `/spec/template/spec/containers/3/image`: the path is not in Job `db-migrate`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("prod/kustomization.yaml: patch `prod/ops.yaml`: operation `copy`"),
        "{stderr}"
    );
}

#[test]
fn files_kustomize_never_reads_are_notes_not_objects() {
    // A patch left beside an overlay that does not list it, and a draft `kind: Kustomization`
    // in a file kustomize does not read: neither is deployed, so neither gives findings.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/kustomize-patches/overlays/leftover");
    let (code, stdout, stderr) = run(
        dir.parent().unwrap().parent().unwrap(),
        &[
            "check",
            "-v",
            "--format",
            "concise",
            "overlays/leftover",
            "base",
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stdout.contains("old-migrate-patch.yaml"), "{stdout}");
    assert!(
        stderr.contains(
            "note: overlays/leftover/draft.yaml: not rendered: kustomize reads a kustomization \
             only from a file named `kustomization.yaml`, `kustomization.yml` or `Kustomization`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "note: overlays/leftover/old-migrate-patch.yaml: not checked: it sits beside \
             `overlays/leftover/kustomization.yaml`, which does not list it, so kustomize never \
             deploys it (list it under `resources:` or `patches:` to check it)"
        ),
        "{stderr}"
    );
    // Without `-v` the notes are counted, not hidden.
    let (_, _, stderr) = run(
        dir.parent().unwrap().parent().unwrap(),
        &["check", "--format", "concise", "overlays/leftover", "base"],
    );
    assert_eq!(
        stderr,
        "adminlint: 2 notes on what was skipped or not rendered (`-v` shows them)\n"
    );
    // The Job in the base is still checked through the overlay.
    let (_, _, explained) = run(
        dir.parent().unwrap().parent().unwrap(),
        &[
            "check",
            "--explain-context",
            "-q",
            "overlays/leftover",
            "base",
        ],
    );
    assert!(
        explained.contains("scope: kustomize overlay `overlays/leftover`"),
        "{explained}"
    );
    assert!(
        explained.contains("Job `migrate` [base/migrate.yaml]"),
        "{explained}"
    );
    assert!(!explained.contains("old-migrate-patch.yaml"), "{explained}");
}

#[test]
fn helm_template_output_names_the_template() {
    let rendered = format!(
        "---\n# Source: shop/templates/deployment.yaml\n{APP}---\n# Source: shop/templates/migrate-job.yaml\n{JOB}"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_adminlint"))
        .current_dir(dir.path())
        .args(["check", "--format", "concise", "-q", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(rendered.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout,
        "<stdin>:32:18: error[image-mismatch] Job `db-migrate` (from `shop/templates/migrate-job.yaml`) \
         runs `registry.example.com/shop/app:v1.2.0`, but Deployment `web` (from \
         `shop/templates/deployment.yaml`) runs `registry.example.com/shop/app:v1.2.3`\n"
    );
}

#[test]
fn the_readme_configuration_reference_parses_and_names_every_key() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("## Configuration: `.adminlint.yaml`")
        .nth(1)
        .unwrap();
    let block = section
        .split("```yaml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let ids: Vec<&str> = adminlint::rules::RULES.iter().map(|r| r.id).collect();
    let loaded =
        adminlint::config::LoadedConfig::parse(Path::new(".adminlint.yaml"), block, &ids).unwrap();
    assert!(!loaded.config.apps.is_empty() && !loaded.config.kinds.is_empty());
    let schema: serde_json::Value =
        serde_json::from_str(&adminlint::config::json_schema()).unwrap();
    for key in schema["properties"].as_object().unwrap().keys() {
        assert!(
            block.lines().any(|l| l.starts_with(&format!("{key}:"))),
            "README's configuration example lacks `{key}`"
        );
    }
}

#[test]
fn the_fact_cache_is_reused_invalidated_and_never_trusted_when_corrupt() {
    let dir = repo(&[]);
    let cache = dir.path().join(".adminlint_cache/facts.bin");
    let (_, cold, _) = run(
        dir.path(),
        &["check", "--no-cache", "--format", "concise", "."],
    );
    assert!(!cache.exists(), "--no-cache writes nothing");
    let (_, first, _) = run(dir.path(), &["check", "--format", "concise", "."]);
    assert!(cache.is_file());
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".adminlint_cache/.gitignore")).unwrap(),
        "# adminlint's fact cache: never commit it.\n*\n"
    );
    let (_, warm, _) = run(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(
        (first.as_str(), warm.as_str()),
        (cold.as_str(), cold.as_str())
    );
    // A changed file is read again (same size, different content).
    let job = dir.path().join("k8s/jobs/migrate.yaml");
    std::fs::write(&job, JOB.replace("v1.2.0", "v1.2.3")).unwrap();
    let (code, changed, _) = run(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!((code, changed.as_str()), (0, "No findings in 2 files.\n"));
    // A corrupt or foreign cache file is ignored and rewritten.
    std::fs::write(&cache, "{ not a cache").unwrap();
    std::fs::write(&job, JOB).unwrap();
    let (_, after_corruption, _) = run(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(after_corruption, cold);
    let written = std::fs::read(&cache).unwrap();
    assert!(written.starts_with(b"adminlint-facts "));
    // One flipped byte in the entries fails the checksum: nothing of the file is used, so the
    // changed Job below is read again even though its stamp is still in the damaged file.
    let mut damaged = written.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 0x55;
    std::fs::write(&cache, &damaged).unwrap();
    let (_, after_damage, _) = run(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(after_damage, cold);
    assert_ne!(std::fs::read(&cache).unwrap(), damaged, "rewritten");
}

/// Copy a fixture directory tree into `to`.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn compose_and_kustomize_projects_give_the_same_findings_from_the_fact_cache() {
    // Compose files are converted in the per-file pass and their conversion is cached: a warm
    // run (base and override files, extends, include, .env, anchors, !reset) and a run after
    // an edit must say exactly what a run without the cache says.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for name in [
        "compose",
        "kustomize",
        "kustomize-patches",
        "kustomize-generators",
        "kustomize-labels",
        "kustomize-replacements",
        "demo",
    ] {
        std::fs::create_dir_all(dir.path().join(name)).unwrap();
        copy_tree(&fixtures.join(name), &dir.path().join(name));
    }
    let args = ["check", "--format", "json", "."];
    let uncached = |dir: &Path| run(dir, &["check", "--no-cache", "--format", "json", "."]);
    let (code, cold, _) = uncached(dir.path());
    assert_eq!(code, 1, "the fixtures have findings");
    let (_, first, _) = run(dir.path(), &args);
    let (_, warm, _) = run(dir.path(), &args);
    assert_eq!(first, cold);
    assert_eq!(warm, cold);
    // Edit a Compose file that other files extend from: the warm run follows the edit.
    // (`shared/app.yaml` is not named like a Compose file: only `extends` makes it one.)
    let edited = dir.path().join("compose/extends/shared/app.yaml");
    let text = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, text.replace("shop:1.4.0", "shop:1.4.2")).unwrap();
    let (_, cold_after_edit, _) = uncached(dir.path());
    let (_, warm_after_edit, _) = run(dir.path(), &args);
    assert_ne!(cold_after_edit, cold, "the edit changes the findings");
    assert_eq!(warm_after_edit, cold_after_edit);
    // A generator's env file is read each run, not cached: editing it changes the ConfigMap's
    // content hash, and a warm run names the new one exactly as a cold run does.
    let env_file = dir.path().join("kustomize-generators/base/app.env");
    let text = std::fs::read_to_string(&env_file).unwrap();
    std::fs::write(
        &env_file,
        text.replace("DATABASE_POOL=10", "DATABASE_POOL=20"),
    )
    .unwrap();
    let (_, warm_after_env_edit, _) = run(dir.path(), &args);
    assert!(!warm_after_env_edit.contains("shop-app-env-f47g54bcd8"));
    assert_eq!(warm_after_env_edit, uncached(dir.path()).1);
}

#[test]
fn kustomize_fields_not_rendered_are_notes_naming_the_kustomization() {
    let dir = repo(&[(
        "k8s/kustomization.yaml",
        "resources:\n  - app.yaml\n  - jobs/migrate.yaml\nhelmCharts:\n  - name: redis\nreplacements:\n  - path: replacements.yaml\nconfigMapGenerator:\n  - name: settings\n    envs:\n      - missing.env\n",
    )]);
    let (_, _, stderr) = run(dir.path(), &["check", "-v", "--format", "concise", "."]);
    for note in [
        "note: k8s/kustomization.yaml: `helmCharts:` is not rendered by adminlint; skipped (the charts' objects are not checked)",
        "note: k8s/kustomization.yaml: replacements in `replacements.yaml` are not rendered (only inline ones are); skipped",
        "note: k8s/kustomization.yaml: configMapGenerator `settings`: env file `missing.env` could not be read (it does not exist); the name is rendered without its content hash",
    ] {
        assert!(stderr.contains(note), "{note}\n{stderr}");
    }
}

/// Every YAML file under `dir`, relative to it, sorted.
fn yaml_files(dir: &Path, under: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(under).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(dir, &path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let relative = path.strip_prefix(dir).unwrap().to_string_lossy();
            out.push(relative.replace('\\', "/"));
        }
    }
    out.sort();
}

#[test]
fn a_named_file_gets_exactly_the_findings_a_whole_project_run_gives_it() {
    // A run naming files checks only their workloads (and Compose services and kustomize
    // copies, whose findings may point into other files), with the whole project as context.
    // Whatever it skips must change nothing: for every file, naming it alone reports exactly
    // the diagnostics (rule, place, message, related places) the whole-project run reports there,
    // plus the image-mismatch findings elsewhere whose app side (a related place) is in it. A
    // file of a Helm chart stands for its chart: named, it reports every file of the chart.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for name in [
        "compose",
        "kustomize",
        "kustomize-patches",
        "demo",
        "release-drift",
        "image-mismatch",
        "config-missing",
        "config-divergent",
        "wrapper-missing",
        "adhoc-install",
    ] {
        std::fs::create_dir_all(dir.path().join(name)).unwrap();
        copy_tree(&fixtures.join(name), &dir.path().join(name));
    }
    let diagnostics = |stdout: &str| -> Vec<serde_json::Value> {
        let value: serde_json::Value = serde_json::from_str(stdout).unwrap();
        value["diagnostics"].as_array().unwrap().clone()
    };
    let (_, whole, _) = run(
        dir.path(),
        &["check", "--no-cache", "--format", "json", "."],
    );
    let whole = diagnostics(&whole);
    let mut files = Vec::new();
    yaml_files(dir.path(), dir.path(), &mut files);
    let mut files_with_findings = 0;
    for file in &files {
        let caused_here = |d: &serde_json::Value| {
            d["rule"] == "image-mismatch"
                && d["related"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["location"]["path"] == file.as_str())
        };
        let chart = Path::new(file)
            .ancestors()
            .skip(1)
            .take_while(|d| !d.as_os_str().is_empty())
            .find(|d| dir.path().join(d).join("Chart.yaml").is_file());
        let reported_here = |d: &serde_json::Value| {
            let path = d["location"]["path"].as_str().unwrap();
            match chart {
                Some(chart) => Path::new(path).starts_with(chart),
                None => path == file.as_str(),
            }
        };
        let expected: Vec<&serde_json::Value> = whole
            .iter()
            .filter(|d| reported_here(d) || caused_here(d))
            .collect();
        let (_, alone, _) = run(
            dir.path(),
            &["check", "--no-cache", "--format", "json", file],
        );
        let alone = diagnostics(&alone);
        assert_eq!(
            alone.iter().collect::<Vec<_>>(),
            expected,
            "findings of {file} named alone differ from the whole-project run"
        );
        files_with_findings += usize::from(!expected.is_empty());
    }
    assert!(
        files.len() > 40 && files_with_findings > 20,
        "{files_with_findings}"
    );
}

/// Production and staging side by side in one file, named so that no suffix tells them apart
/// (`production-web`; `web-production` would be an environment of its own): without
/// declarations they are one app (one release group); `apps:` in the configuration makes them
/// two, for release-drift as for the admin's peers.
#[test]
fn apps_declared_in_the_configuration_separate_release_groups_in_one_file() {
    let deployment = |env: &str, tag: &str| {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {env}-web
  labels: {{env: {env}}}
spec:
  selector:
    matchLabels: {{app: shop}}
  template:
    metadata:
      labels: {{app: shop}}
    spec:
      containers:
        - name: web
          image: registry.example.com/shop/app:{tag}
"
        )
    };
    let both = format!(
        "{}---\n{}",
        deployment("production", "v1.2.3"),
        deployment("staging", "v1.3.0-rc.1")
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join("web.yaml"), &both).unwrap();
    let (code, stdout, _) = run(dir.path(), &["check", "--format", "concise", "-q", "."]);
    assert_eq!(
        (code, stdout.as_str()),
        (
            1,
            "web.yaml:31:18: warning[release-drift] Deployment `staging-web` runs `registry.example.com/shop/app:v1.3.0-rc.1`, but Deployment `production-web` runs `registry.example.com/shop/app:v1.2.3`\n"
        )
    );
    let apps = "apps:\n  - {name: shop-production, labels: {env: production}}\n  - {name: shop-staging, labels: {env: staging}}\n";
    std::fs::write(dir.path().join(".adminlint.yaml"), apps).unwrap();
    let (code, stdout, _) = run(dir.path(), &["check", "--format", "concise", "-q", "."]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

/// An editor's unsaved buffer of a script is scanned like the file (what the language server
/// checks), with the project around it, and its findings point into the buffer's text.
#[test]
fn an_unsaved_script_buffer_is_checked_with_spans_into_it() {
    let dir = repo(&[]);
    let root = adminlint::discover::absolute(dir.path()).unwrap();
    let script = root.join("migrate.sh");
    let text = "#!/bin/sh\n# edited\nkubectl exec deploy/web -- rails db:migrate\n";
    std::fs::write(&script, "#!/bin/sh\n").unwrap();
    let report = adminlint::check(&adminlint::CheckOptions {
        paths: vec![script.clone()],
        buffers: [(script, text.to_string())].into_iter().collect(),
        project_context: true,
        ..adminlint::CheckOptions::default()
    });
    let found: Vec<(&str, &str, &str)> = report
        .diagnostics
        .iter()
        .map(|d| {
            let file = report.file(d.span.file);
            let at = &text[d.span.start as usize..d.span.end as usize];
            (
                d.rule,
                file.display.rsplit('/').next().unwrap_or_default(),
                at,
            )
        })
        .collect();
    assert_eq!(found, [("wrapper-missing", "migrate.sh", "rails")]);
}

#[test]
fn compose_files_a_script_combines_with_dash_f_are_checked_as_one_project() {
    let dir = std::fs::canonicalize("fixtures/compose-sets/script-sets").unwrap();
    let report = adminlint::check(&adminlint::CheckOptions {
        paths: vec![dir],
        explain: true,
        ..adminlint::CheckOptions::default()
    });
    let explanation = report.explanation.expect("asked for");
    let services: Vec<&str> = explanation
        .lines()
        .filter(|l| l.trim_start().starts_with("service `"))
        .collect();
    assert_eq!(
        services.len(),
        3,
        "web alone, and web + tools as the script's set:\n{explanation}"
    );
    // `ops/migrate.yml` is never a project of its own: only the script's set reads it.
    for service in &services {
        if service.contains("ops/migrate.yml]") {
            assert!(
                service.contains("files `docker-compose.yml + ops/migrate.yml`"),
                "{service}"
            );
        }
    }
    assert!(
        services
            .iter()
            .any(|s| s.contains("service `tools`") && s.contains("+ ops/migrate.yml")),
        "{explanation}"
    );
}

#[test]
fn templates_of_other_engines_that_do_not_parse_are_skipped_with_a_note() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/syntax-error");
    let (code, stdout, stderr) = run(&dir, &["check", "-v", "--format", "concise", "rails"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    for file in ["database.yml", "storage.yml"] {
        assert!(
            stderr.contains(&format!(
                "note: skipped rails/config/{file}: a template (`{{{{ }}}}`, `<% %>` or `{{% %}}` \
                 tags) that is not valid YAML (render it to check it)"
            )),
            "{stderr}"
        );
    }
    assert_eq!(stdout, "No findings in 2 files.\n");
}

#[test]
fn an_init_container_running_a_migration_image_s_entrypoint_is_an_admin_process() {
    // Sourcegraph's frontend: `image: sourcegraph/migrator`, `args: [up]`, no `command:`.
    let deployment = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
spec:
  template:
    spec:
      initContainers:
        - name: migrator
          image: index.docker.io/acme/migrator:6.1.0
          args: [up, --db=frontend]
        - name: wait
          image: index.docker.io/acme/migrator:6.1.0
          args: [serve]
      containers:
        - name: frontend
          image: index.docker.io/acme/frontend:6.1.0
";
    let dir = repo(&[("k8s/frontend.yaml", deployment)]);
    let (_, _, stderr) = run(
        dir.path(),
        &[
            "check",
            "--explain-context",
            "--format",
            "concise",
            "k8s/frontend.yaml",
        ],
    );
    assert!(
        stderr.contains(
            "init container `migrator` index.docker.io/acme/migrator:6.1.0: admin process (an \
             init container that runs `migrator`)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "init container `wait` index.docker.io/acme/migrator:6.1.0: plumbing, not a release \
             vote"
        ),
        "{stderr}"
    );
}

#[test]
fn a_command_s_finding_in_another_file_names_the_command_s_line() {
    // `docker compose run tools …` in scripts/migrate.sh runs the `tools` service, whose image
    // is written in docker-compose.yml: the finding points at that image, with the app's side
    // first and the script line that starts the one-off last.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let (_, stdout, _) = run(
        &root,
        &[
            "check",
            "--format",
            "json",
            "--select",
            "image-mismatch",
            "compose-run",
        ],
    );
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let finding = &value["diagnostics"][0];
    assert_eq!(
        finding["location"]["path"],
        "compose-run/docker-compose.yml"
    );
    let related: Vec<(String, u64, String)> = finding["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["location"]["path"].as_str().unwrap().to_string(),
                r["location"]["start"]["line"].as_u64().unwrap(),
                r["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        related,
        [
            (
                "compose-run/docker-compose.yml".to_string(),
                6,
                "service `web` runs `ghcr.io/acme/shop:2.0.1`".to_string()
            ),
            (
                "compose-run/scripts/migrate.sh".to_string(),
                10,
                "docker compose run `tools` starts here".to_string()
            )
        ]
    );
}

#[test]
fn a_dependency_not_in_charts_is_read_from_its_file_path_or_the_chart_of_its_name() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let (code, stdout, stderr) = check_verbose(&dir, &["helm-dependencies"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let common = dir.join("helm-dependencies/common");
    assert!(
        stderr.contains(&format!(
            "ledger/Chart.yaml: dependency `common` is read from {} (`repository: \
             file://../common`), as `helm dependency build` would copy it into charts/",
            common.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "shop/Chart.yaml: dependency `common` is not in charts/; it is read from the chart \
             of that name in {} (version 1.4.0, asked for 1.x.x from \
             oci://registry.example.com/charts); run `helm dependency build` to render the \
             published one",
            common.display()
        )),
        "{stderr}"
    );
    assert!(
        stdout.starts_with(
            "helm-dependencies/shop/templates/migrate.yaml:15:18: error[image-mismatch] Job \
             `release-name-shop-migrate`"
        ),
        "{stdout}"
    );
}

#[test]
fn templates_that_fail_for_want_of_a_missing_dependency_are_notes_not_errors() {
    // Neither `common` (a library of helpers) nor `postgresql` (whose defaults give
    // `.Values.postgresql.image`) is in charts/: the templates that need them are notes. The
    // image helper is in a library chart read by path (`file://../lib`), as bitnami's
    // `common.images.image` is.
    let image = "{{- define \"lib.image\" -}}\n{{- $registry := default .root.registry \"docker.io\" -}}\n{{ $registry }}/{{ .root.repository }}\n{{- end -}}\n";
    let dir = repo(&[
        (
            "lib/Chart.yaml",
            "apiVersion: v2\nname: lib\ntype: library\nversion: 1.0.0\n",
        ),
        ("lib/templates/_images.tpl", image),
        (
            "chart/Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: lib\n    repository: file://../lib\n  - name: common\n    repository: oci://registry.example.com/charts\n  - name: postgresql\n    condition: postgresql.enabled\n    repository: oci://registry.example.com/charts\n",
        ),
        (
            "chart/values.yaml",
            "image: {repository: acme/app}\npostgresql: {enabled: true}\n",
        ),
        (
            "chart/templates/_helpers.tpl",
            "{{- define \"app.db-image\" -}}\n{{- $db := .Values.postgresql.image -}}\n{{ include \"lib.image\" (dict \"root\" $db) }}\n{{- end -}}\n",
        ),
        (
            "chart/templates/a.yaml",
            "kind: ConfigMap\nmetadata:\n  name: {{ include \"common.names.fullname\" . }}\n",
        ),
        (
            "chart/templates/b.yaml",
            "kind: ConfigMap\nmetadata:\n  name: b\ndata:\n  image: {{ include \"app.db-image\" . }}\n",
        ),
        // The same mistake in a chart with every dependency present is the chart's own.
        (
            "other/Chart.yaml",
            "apiVersion: v2\nname: other\nversion: 1.0.0\ndependencies:\n  - name: lib\n    repository: file://../lib\n",
        ),
        (
            "other/templates/b.yaml",
            "kind: ConfigMap\nmetadata:\n  name: b\ndata:\n  image: {{ include \"lib.image\" (dict \"root\" .Values.missing) }}\n",
        ),
    ]);
    let (_, stdout, stderr) = check_verbose(dir.path(), &["chart", "other", "lib"]);
    assert!(
        stderr.contains(
            "app/templates/a.yaml: not rendered: no template \"common.names.fullname\" \
             associated with template; dependencies not in charts/ (`common`, `postgresql`) may \
             define it"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "app/templates/b.yaml: not rendered: nil pointer evaluating interface {}.registry; \
             dependencies not in charts/ (`common`, `postgresql`) may provide the value"
        ),
        "{stderr}"
    );
    assert_eq!(
        stdout,
        "lib/templates/_images.tpl:2:26: error[template-error] `other/templates/b.yaml` does \
         not render: nil pointer evaluating interface {}.registry\nFound 1 finding (1 error) in \
         9 files.\n"
    );
}

#[test]
fn a_chart_rendered_with_two_values_sets_keeps_findings_about_different_objects() {
    // Each set names another Secret the app reads and the migration does not: two findings
    // on the Job's line, one per Secret (the same finding twice would be reported once).
    let dir = repo(&[
        (
            ".adminlint.yaml",
            "helm:\n  charts:\n    chart:\n      - set: {secret: app-env}\n      - set: {secret: ld-secret}\n      - set: {secret: ld-secret, replicas: 2}\n",
        ),
        (
            "chart/Chart.yaml",
            "apiVersion: v2\nname: ld\nversion: 1.0.0\n",
        ),
        ("chart/values.yaml", "secret: app-env\nreplicas: 1\n"),
        (
            "chart/templates/app.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n        - name: web\n          image: acme/ld:1.0.0\n          envFrom:\n            - secretRef:\n                name: {{ .Values.secret }}\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: acme/ld:1.0.0\n          args: [migrate]\n",
        ),
    ]);
    let (_, stdout, _) = run(
        dir.path(),
        &[
            "check",
            "--no-cache",
            "--format",
            "concise",
            "--select",
            "config-missing",
            "chart",
        ],
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].contains("does not read Secret `app-env`"),
        "{stdout}"
    );
    assert!(
        lines[1].contains("does not read Secret `ld-secret`"),
        "{stdout}"
    );
    assert!(
        lines[0].starts_with("chart/templates/app.yaml:28:17: warning[config-missing]"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("chart/templates/app.yaml:28:17: warning[config-missing]"),
        "{stdout}"
    );
    assert_eq!(lines[2], "Found 2 findings (2 warnings) in 3 files.");
}

#[test]
fn a_chart_that_needs_deployment_values_renders_with_its_chart_testing_values() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let (code, stdout, stderr) = check_verbose(&dir, &["helm-chart-testing"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains(
            "note: helm-chart-testing/ledger/Chart.yaml: Helm chart `ledger` does not render \
             with its values.yaml alone (database.url is required); rendered with \
             chart-testing's ci/basic-values.yaml instead; name the values it is deployed with \
             under `helm: charts:` in .adminlint.yaml"
        ),
        "{stderr}"
    );
    // Without ci/, the values files kept beside values.yaml (mastodon's dev-values.yaml).
    assert!(
        stderr.contains(
            "note: helm-chart-testing/wiki/Chart.yaml: Helm chart `wiki` does not render with \
             its values.yaml alone (secretKeyBase is required); rendered with dev-values.yaml, \
             kept beside values.yaml, instead;"
        ),
        "{stderr}"
    );
    // ledger's Job is compared once its Deployment renders; vault's ci values do not give the
    // token, so its error stays.
    assert_eq!(
        stdout,
        "helm-chart-testing/ledger/templates/migrate.yaml:15:18: error[image-mismatch] Job \
         `release-name-ledger-migrate` (from `ledger/templates/migrate.yaml`) runs \
         `ghcr.io/acme/ledger:2.3.0`, but Deployment `release-name-ledger` (from \
         `ledger/templates/deployment.yaml`) runs `ghcr.io/acme/ledger:2.4.1` (Helm values \
         ci/basic-values.yaml)\n\
         helm-chart-testing/vault/templates/deployment.yaml:17:22: error[template-error] \
         `vault/templates/deployment.yaml` does not render: token is required\n\
         helm-chart-testing/wiki/templates/migrate.yaml:10:22: warning[job-retries] Job \
         `release-name-wiki-migrate` (from `wiki/templates/migrate.yaml`) runs the migration \
         `db:migrate` and has `restartPolicy: OnFailure`, so a failed run is restarted in \
         place, on a schema the failed run may have half changed (Helm values \
         dev-values.yaml)\n\
         Found 3 findings (2 errors, 1 warning) in 15 files.\n"
    );

    // Sets named in the configuration are the chart's renderings; chart-testing's are not used.
    let copy = tempfile::tempdir().unwrap();
    std::fs::create_dir(copy.path().join(".git")).unwrap();
    for file in [
        "Chart.yaml",
        "values.yaml",
        "ci/basic-values.yaml",
        "templates/deployment.yaml",
        "templates/migrate.yaml",
    ] {
        let to = copy.path().join("ledger").join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(dir.join("helm-chart-testing/ledger").join(file), to).unwrap();
    }
    std::fs::write(
        copy.path().join(".adminlint.yaml"),
        "helm:\n  charts:\n    ledger:\n      set: {migration.tag: 2.4.1}\n",
    )
    .unwrap();
    let (_, stdout, stderr) = check_verbose(copy.path(), &["."]);
    assert!(!stderr.contains("chart-testing"), "{stderr}");
    // One configured set names its rendering, as several do.
    assert_eq!(
        stdout
            .lines()
            .map(|l| l.split(": ").nth(1))
            .collect::<Vec<_>>(),
        [
            Some(
                "error[template-error] `ledger/templates/deployment.yaml` does not render \
                 (values migration.tag=…)"
            ),
            Some(
                "error[template-error] `ledger/templates/migrate.yaml` does not render \
                 (values migration.tag=…)"
            ),
            None
        ],
        "{stdout}"
    );
    let (_, _, explained) = run(
        copy.path(),
        &["check", "--no-cache", "--explain-context", "."],
    );
    assert!(
        explained.contains("Helm chart ledger: rendered with migration.tag=…\n"),
        "{explained}"
    );
}
