//! The binary end to end: subcommands, formats, exit codes, stdin, errors, closed pipes.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn adminlint() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_adminlint"));
    command.env_remove("NO_COLOR").env_remove("GITHUB_ACTIONS");
    command
}

fn run(args: &[&str]) -> (i32, String, String) {
    let output = adminlint().args(args).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn findings_exit_one_and_concise_lines_are_exact() {
    let (code, stdout, _) = run(&["check", "fixtures/demo", "--format", "concise"]);
    assert_eq!(code, 1);
    let mismatch = stdout
        .lines()
        .find(|l| l.contains("[image-mismatch]"))
        .unwrap();
    assert_eq!(
        mismatch,
        "fixtures/demo/k8s/migrate.yaml:14:18: error[image-mismatch] Job `db-migrate` runs \
         `registry.example.com/shop/app:v1.2.0`, but Deployment `web` runs \
         `registry.example.com/shop/app:v1.2.3`"
    );
    assert_eq!(
        stdout.lines().last().unwrap(),
        "Found 6 findings (1 error, 5 warnings) in 3 files."
    );
    assert!(!stdout.contains('\u{1b}'), "no colour when not a terminal");
}

#[test]
fn clean_input_exits_zero() {
    // (The demo's app files are not clean input: naming them reports the drifting migration
    // Job beside them, whose release they decide.)
    let (code, stdout, _) = run(&[
        "check",
        "fixtures/config-divergent/agree.yaml",
        "fixtures/image-unpinned/pinned.yaml",
        "--format",
        "concise",
    ]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "No findings in 2 files.\n");
    let (code, stdout, _) = run(&[
        "check",
        "-q",
        "--format",
        "concise",
        "fixtures/config-divergent/agree.yaml",
    ]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn stdin_is_reported_under_the_given_name() {
    let mut child = adminlint()
        .args([
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "k8s/job.yaml",
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
        .write_all(b"apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n    spec:\n      containers:\n      - name: j\n        image: myapp\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout.starts_with(
            "k8s/job.yaml:10:16: warning[image-unpinned] Job `j` image `myapp` has no tag"
        ),
        "{stdout}"
    );
}

#[test]
fn the_fuzz_corpus_is_not_part_of_the_repository_s_project() {
    // Seeds are copies of fixtures; read as manifests or scripts they would join the peers of
    // every run on this repository (a warm run's index covers the whole project).
    let output = adminlint()
        .args(["check", "--no-cache", "--explain-context", "fuzz"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(stdout, "No findings in 1 file.\n");
    assert!(
        stderr.contains("files: 1 reported, 0 read for context only\n")
            && stderr.contains("(`script-files:` unset): fuzz/seed.sh\n"),
        "{stderr}"
    );
}

#[test]
fn a_stdin_buffer_stands_in_for_its_file_among_the_given_paths() {
    // An editor without LSP: the unsaved buffer of migrate.yaml, with the app's tag typed in,
    // checked in its project.
    let on_disk = std::fs::read_to_string("fixtures/demo/k8s/migrate.yaml").unwrap();
    let buffer = on_disk.replace("app:v1.2.0", "app:v1.2.3");
    let mut child = adminlint()
        .args([
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "fixtures/demo/k8s/migrate.yaml",
            "-",
            "fixtures/demo",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(buffer.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(!stdout.contains("image-mismatch"), "{stdout}");
    assert!(
        stdout.starts_with("fixtures/demo/k8s/migrate.yaml:13:17: warning[config-missing]"),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().last().unwrap(),
        "Found 5 findings (5 warnings) in 3 files."
    );
}

#[test]
fn unreadable_paths_exit_two_and_other_files_are_still_checked() {
    let (code, stdout, stderr) = run(&[
        "check",
        "--format",
        "concise",
        "fixtures/demo",
        "does/not/exist.yaml",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("does/not/exist.yaml"), "{stderr}");
    assert!(stdout.contains("[image-mismatch]"));
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("blob.yaml");
    std::fs::write(&binary, [0x00, 0xff, 0xfe, 0x80, 0x01]).unwrap();
    let (code, _, stderr) = run(&["check", binary.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("blob.yaml") && stderr.contains("not UTF-8"),
        "{stderr}"
    );
}

#[test]
fn size_cap_is_named_with_how_to_raise_it() {
    let (code, _, stderr) = run(&[
        "check",
        "--max-file-size",
        "10",
        "fixtures/demo/k8s/web.yaml",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--max-file-size"), "{stderr}");
}

#[test]
fn json_output_is_versioned() {
    let (code, stdout, _) = run(&["check", "--format", "json", "fixtures/demo"]);
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["version"], 1);
    assert_eq!(value["summary"]["files"], 3);
    assert_eq!(value["summary"]["workloads"], 3);
    assert_eq!(value["summary"]["diagnostics"], 6);
}

#[test]
fn rules_lists_every_rule_and_rule_prints_its_doc() {
    let (code, stdout, _) = run(&["rules"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().count(), adminlint::rules::RULES.len());
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("image-mismatch") && l.contains("error"))
    );
    let (code, stdout, _) = run(&["rule", "image-mismatch"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("---\ntitle:"));
    let (code, _, stderr) = run(&["rule", "no-such-rule"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-rule"));
}

#[test]
fn usage_errors_exit_two() {
    let (code, _, _) = run(&["check", "--format", "nope"]);
    assert_eq!(code, 2);
}

#[test]
fn a_closed_stdout_is_not_a_crash_and_keeps_the_exit_code() {
    let mut child = adminlint()
        .args(["check", "fixtures/demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read nothing and close the pipe, like `| head -0`.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr, "");
    // The demo has findings: a reader that stops early must not turn the run into a pass.
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn colour_always_and_never() {
    let (_, stdout, _) = run(&[
        "check",
        "--color",
        "always",
        "--format",
        "concise",
        "fixtures/demo",
    ]);
    assert!(stdout.contains('\u{1b}'));
    let (_, stdout, _) = run(&["check", "--color", "never", "fixtures/demo"]);
    assert!(!stdout.contains('\u{1b}'));
}

#[test]
fn one_run_writes_several_reports() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("reports/adminlint.sarif");
    let junit = dir.path().join("junit.xml");
    let (code, stdout, stderr) = run(&[
        "check",
        "fixtures/demo",
        "--format",
        "concise",
        "--format",
        "sarif",
        "-o",
        sarif.to_str().unwrap(),
        "--format",
        "junit",
        "--output-file",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.starts_with("fixtures/demo/k8s/migrate.yaml:13:17: warning[config-missing]"));
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(value["runs"][0]["results"].as_array().unwrap().len(), 6);
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("failures=\"6\"")
    );
    // Only the reports are left: the temporary files were renamed into place.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["junit.xml", "reports"]);

    // With every report in a file, stdout stays empty.
    let (code, stdout, _) = run(&[
        "check",
        "fixtures/demo",
        "--format",
        "gitlab",
        "-o",
        sarif.to_str().unwrap(),
    ]);
    assert_eq!((code, stdout.as_str()), (1, ""));
}

#[test]
fn output_files_without_a_format_are_usage_errors() {
    for args in [
        &["check", "fixtures/demo", "-o", "x.sarif"][..],
        &[
            "check",
            "fixtures/demo",
            "-o",
            "x.sarif",
            "--format",
            "sarif",
        ],
        &[
            "check",
            "fixtures/demo",
            "--format",
            "json",
            "--format",
            "sarif",
        ],
        &[
            "check",
            "fixtures/demo",
            "--format",
            "json",
            "-o",
            "a",
            "-o",
            "b",
        ],
    ] {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(stderr.starts_with("adminlint: error: "), "{stderr}");
    }
    let (_, _, stderr) = run(&["check", "fixtures/demo", "-o", "x.sarif"]);
    assert!(stderr.contains("`--format FORMAT -o x.sarif`"), "{stderr}");
    assert!(!std::path::Path::new("x.sarif").exists());
}

#[test]
fn an_unwritable_output_file_exits_two_and_stdout_is_still_written() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let target = blocker.join("out.sarif");
    let (code, stdout, stderr) = run(&[
        "check",
        "fixtures/demo",
        "--format",
        "concise",
        "--format",
        "sarif",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(stdout.contains("[image-mismatch]"));
}

#[test]
fn exit_zero_and_fail_level() {
    let demo = ["check", "fixtures/demo", "--format", "concise", "-q"];
    let with = |extra: &[&str]| run(&[&demo[..], extra].concat()).0;
    assert_eq!(with(&[]), 1);
    assert_eq!(with(&["--exit-zero"]), 0);
    // The demo has an error, so every level fails it.
    assert_eq!(with(&["--fail-level", "error"]), 1);
    assert_eq!(with(&["--fail-level", "info"]), 1);
    // A Job with only a warning (an unpinned image) fails at warning, not at error.
    let job = [
        "check",
        "fixtures/image-unpinned/jobs.yaml",
        "--format",
        "concise",
    ];
    let (code, stdout, _) = run(&job);
    assert_eq!(code, 1);
    assert!(!stdout.contains(": error["), "{stdout}");
    assert_eq!(run(&[&job[..], &["--fail-level", "error"]].concat()).0, 0);
    assert_eq!(run(&[&job[..], &["--fail-level", "warning"]].concat()).0, 1);
    // Errors reading paths still exit 2.
    let (code, _, _) = run(&["check", "--exit-zero", "does/not/exist.yaml"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(&["check", "fixtures/demo", "--fail-level", "fatal"]);
    assert_eq!(code, 2);
}

#[test]
fn github_actions_gets_annotations_unless_a_format_is_given() {
    let output = adminlint()
        .args(["check", "fixtures/demo"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout.starts_with("::warning file=fixtures/demo/k8s/migrate.yaml,line=13,"),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().last().unwrap(),
        "Found 6 findings (1 error, 5 warnings) in 3 files."
    );
    let output = adminlint()
        .args(["check", "fixtures/demo", "--format", "concise"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .starts_with("fixtures/demo/")
    );
    // Only the exact value `true` counts, as GitHub sets it.
    let output = adminlint()
        .args(["check", "fixtures/demo"])
        .env("GITHUB_ACTIONS", "false")
        .output()
        .unwrap();
    assert!(!String::from_utf8(output.stdout).unwrap().contains("::"));
}

#[test]
fn a_configuration_that_is_not_a_regular_file_is_an_error_not_a_hang() {
    // /dev/zero would never end if it were read to the end.
    let (code, _, stderr) = run(&["check", "--config", "/dev/zero", "fixtures/demo"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("/dev/zero:1:1: cannot read the configuration: it is not a file"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["check", "--config", "no-such.yaml", "fixtures/demo"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no-such.yaml:1:1: cannot read the configuration: it does not exist"),
        "{stderr}"
    );
}

#[test]
fn debug_render_prints_the_rendering_and_notes_go_to_stderr() {
    let (code, text, stderr) = run(&[
        "debug",
        "render",
        "fixtures/kustomize-generators/overlays/merge",
    ]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    insta::assert_snapshot!("debug_render_text", text);
    let (code, json, _) = run(&[
        "debug",
        "render",
        "fixtures/kustomize-generators/overlays/merge",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("debug_render_json", json);
    // A remote base is not fetched: a note on stderr names the kustomization and the entry.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n  - https://github.com/example/app//deploy?ref=v1\n",
    )
    .unwrap();
    let (code, text, stderr) = run(&["debug", "render", dir.path().to_str().unwrap()]);
    assert_eq!((code, text.as_str()), (0, "no workloads\n"));
    assert!(
        stderr.starts_with("note: ") && stderr.contains("kustomization.yaml: skipped remote resource `https://github.com/example/app//deploy?ref=v1`"),
        "{stderr}"
    );
}

/// `adminlint check ARGS` run in `dir`: (exit code, stdout, stderr).
fn run_in(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let output = adminlint().args(args).current_dir(dir).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

const A_JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: migrate, image: shop:1.0}]\n";

#[test]
fn manifests_a_walk_skips_are_named_once_without_verbose_and_extra_files_adds_them() {
    let dir = common::temp_tree(&[
        (".git/config", ""),
        (".deploy/job.yaml", A_JOB),
        ("deploy/job.yaml.j2", A_JOB),
        ("deploy/seed.tpl", A_JOB),
        ("deploy/web.yml.tmpl", A_JOB),
        (".compose.yml", "services:\n  web:\n    image: shop:1.0\n"),
        // Not manifests: GitLab CI's service list, a workflow, a README.
        (".gitlab-ci.yml", "services:\n  - postgres:15\n"),
        (".github/workflows/ci.yml", "on: push\njobs: {}\n"),
        ("deploy/README.tpl", "kind of a template\n"),
        (
            "deploy/web.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: shop:2.0}]\n",
        ),
    ]);
    let (code, stdout, stderr) = run_in(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(code, 0);
    // The workflow and `.gitlab-ci.yml` are read for their commands (`script-files`).
    assert_eq!(stdout, "No findings in 3 files.\n");
    assert_eq!(
        stderr,
        "adminlint: note: skipped 5 files that look like Kubernetes or Compose manifests: \
         .compose.yml (hidden), .deploy/job.yaml (hidden), deploy/job.yaml.j2 (not named \
         *.yaml or *.yml) and 2 more; name them on the command line, or add them to \
         `extra-files:` in .adminlint.yaml\n"
    );
    std::fs::write(
        dir.path().join(".adminlint.yaml"),
        "extra-files: [\".deploy/\", \"deploy/*.j2\"]\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &["check", "--no-cache", "--format", "concise", "."],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    // What is still skipped is still said.
    assert_eq!(
        stderr,
        "adminlint: note: skipped 3 files that look like Kubernetes or Compose manifests: \
         .compose.yml (hidden), deploy/seed.tpl (not named *.yaml or *.yml), \
         deploy/web.yml.tmpl (not named *.yaml or *.yml); name them on the command line, or \
         add them to `extra-files:` in .adminlint.yaml\n"
    );
    assert_eq!(
        stdout,
        ".deploy/job.yaml:8:43: error[image-mismatch] Job `migrate` runs `shop:1.0`, but \
         Deployment `web` runs `shop:2.0`\n\
         deploy/job.yaml.j2:8:43: error[image-mismatch] Job `migrate` runs `shop:1.0`, but \
         Deployment `web` runs `shop:2.0`\n\
         Found 2 findings (2 errors) in 5 files.\n"
    );
}

#[test]
fn debug_render_of_an_unreadable_directory_exits_two() {
    let (code, text, stderr) = run(&["debug", "render", "no/such/dir"]);
    assert_eq!(code, 2);
    assert_eq!(text, "");
    assert!(
        stderr.starts_with("adminlint: error: no/such/dir: "),
        "{stderr}"
    );
}

#[test]
fn a_run_that_checks_no_file_says_so_and_keeps_its_exit_code() {
    let dir = common::temp_tree(&[(".git/config", ""), ("docs/README.md", "# docs\n")]);
    let (code, stdout, stderr) = run_in(dir.path(), &["check", "--format", "concise", "docs"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "No findings in 0 files.\n");
    assert_eq!(
        stderr,
        "adminlint: note: no file was checked: directories are walked for *.yaml and *.yml \
         files outside hidden directories (name other files, or add them to `extra-files:` in \
         .adminlint.yaml)\n"
    );
}

#[test]
fn a_named_file_without_a_project_root_is_checked_with_its_own_directory() {
    let web = |image: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  template:\n    spec:\n      containers: [{{name: web, image: {image}}}]\n"
        )
    };
    let dir = common::temp_tree(&[
        ("k8s/migrate.yaml", A_JOB),
        ("k8s/seed.yaml", A_JOB),
        // The neighbour is read; the directory below is not (no root says where the project
        // ends), nor is the one above.
        ("k8s/web.yaml", &web("shop:1.1")),
        ("k8s/old/web.yaml", &web("shop:1.0")),
        ("web.yaml", &web("shop:1.0")),
    ]);
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &[
            "check",
            "--format",
            "concise",
            "--no-cache",
            "k8s/migrate.yaml",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "k8s/migrate.yaml:8:43: error[image-mismatch] Job `migrate` runs `shop:1.0`, but \
         Deployment `web` runs `shop:1.1`\nFound 1 finding (1 error) in 1 file.\n"
    );
    assert_eq!(
        stderr,
        "adminlint: note: no project root above k8s/migrate.yaml (no .adminlint.yaml or .git): \
         checked with the files in its own directory as context, not the directories below or \
         above; add .adminlint.yaml at the top of the project to compare with the rest of it\n"
    );
    let (_, _, stderr) = run_in(
        dir.path(),
        &["check", "--no-cache", "k8s/migrate.yaml", "k8s/seed.yaml"],
    );
    assert!(
        stderr.contains("above k8s/migrate.yaml (and 1 more named file) (no"),
        "{stderr}"
    );
    // Asked for: nothing to say.
    let (_, _, stderr) = run_in(dir.path(), &["check", "--no-project", "k8s/migrate.yaml"]);
    assert_eq!(stderr, "");
}

/// Scripts are read for their commands by name, `--explain-context` says which, and
/// `script-files: []` turns them off.
#[test]
fn scripts_are_read_for_commands_unless_script_files_is_empty() {
    let dir = common::temp_tree(&[
        (".git/config", ""),
        (
            "deploy/web.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: shop:2.0}]\n",
        ),
        (
            "bin/migrate.sh",
            "#!/bin/sh\nkubectl run migrate --image=shop:1.0 -- ./manage.py migrate\n",
        ),
    ]);
    let (code, stdout, _) = run_in(
        dir.path(),
        &["check", "--no-cache", "--format", "concise", "."],
    );
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        stdout,
        "bin/migrate.sh:2:29: error[image-mismatch] kubectl run `migrate` runs `shop:1.0`, but \
         Deployment `web` runs `shop:2.0`\nFound 1 finding (1 error) in 2 files.\n"
    );
    // The explanation is written on stderr.
    let (_, _, explained) = run_in(
        dir.path(),
        &["check", "--no-cache", "--explain-context", "."],
    );
    assert!(
        explained.contains(
            "commands: 1 file read by the built-in script names (`script-files:` unset): bin/migrate.sh\n"
        ),
        "{explained}"
    );
    std::fs::write(dir.path().join(".adminlint.yaml"), "script-files: []\n").unwrap();
    let (code, stdout, _) = run_in(
        dir.path(),
        &["check", "--no-cache", "--format", "concise", "."],
    );
    assert_eq!((code, stdout.as_str()), (0, "No findings in 1 file.\n"));
    // The explanation is written on stderr.
    let (_, _, explained) = run_in(
        dir.path(),
        &["check", "--no-cache", "--explain-context", "."],
    );
    assert!(
        explained.contains("commands: not read (`script-files: []`)\n"),
        "{explained}"
    );
}

#[test]
fn select_extend_select_and_ignore_choose_rules_by_id_and_group() {
    let rules_of = |args: &[&str]| -> Vec<String> {
        let mut all = vec![
            "check",
            "fixtures/demo",
            "--format",
            "concise",
            "--no-cache",
        ];
        all.extend_from_slice(args);
        let (_, stdout, _) = run(&all);
        stdout
            .lines()
            .filter_map(|l| Some(l.split_once('[')?.1.split_once(']')?.0.to_string()))
            .collect()
    };
    assert_eq!(
        rules_of(&["--select", "config"]),
        ["config-missing", "config-divergent"]
    );
    assert_eq!(
        rules_of(&[
            "--select",
            "release",
            "--extend-select",
            "versioned-path,adhoc-install"
        ]),
        ["image-mismatch", "versioned-path", "adhoc-install"]
    );
    assert_eq!(
        rules_of(&["--ignore", "command", "--ignore", "config-missing"]),
        ["image-mismatch", "config-divergent"]
    );
    // The last line is the summary, computed after the selection.
    let (code, stdout, _) = run(&[
        "check",
        "fixtures/demo",
        "--format",
        "concise",
        "--no-cache",
        "--select",
        "manifest",
    ]);
    assert_eq!((code, stdout.as_str()), (0, "No findings in 3 files.\n"));
}

#[test]
fn a_rule_the_configuration_turns_off_runs_when_the_command_line_names_it() {
    let dir = common::temp_tree(&[
        (".adminlint.yaml", "rules:\n  image-mismatch: off\n"),
        (
            "app.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: web, image: shop/app:1.2.3}\n",
        ),
        (
            "job.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  backoffLimit: 0\n  ttlSecondsAfterFinished: 600\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - {name: m, image: shop/app:1.2.0, args: [migrate]} # adminlint: ignore[image-mismatch] pinned\n",
        ),
    ]);
    // Off in the configuration: its suppression cannot be judged unused.
    let (code, stdout, _) = run_in(
        dir.path(),
        &["check", ".", "--format", "concise", "--no-cache"],
    );
    assert_eq!((code, stdout.as_str()), (0, "No findings in 2 files.\n"));
    // Named on the command line it runs, and the suppression silences it.
    let (code, stdout, _) = run_in(
        dir.path(),
        &[
            "check",
            ".",
            "--format",
            "concise",
            "--no-cache",
            "--extend-select",
            "image-mismatch",
        ],
    );
    assert_eq!(
        (code, stdout.as_str()),
        (0, "No findings in 2 files (1 suppressed).\n")
    );
}

#[test]
fn an_unknown_rule_or_group_is_a_usage_error() {
    let (code, stdout, stderr) = run(&["check", "fixtures/demo", "--ignore", "image-missmatch"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        "adminlint: error: `image-missmatch` is not a rule or group (groups: release, config, \
         command, ordering, manifest, suppression, all; `adminlint rules` lists the rule ids)\n"
    );
}

#[test]
fn statistics_count_findings_per_rule_most_first() {
    let (code, stdout, _) = run(&[
        "check",
        "fixtures/demo",
        "--statistics",
        "--no-cache",
        "--select",
        "image-mismatch,config,adhoc-install",
    ]);
    assert_eq!(code, 1, "statistics keep the exit code");
    assert_eq!(
        stdout,
        "1  adhoc-install     warning      an admin process installs packages at run time instead of using the release's dependencies\n\
         1  config-divergent  warning      an admin process sets an env var the app takes from a ConfigMap or Secret some other way\n\
         1  config-missing    warning      an admin process lacks a ConfigMap, Secret or env file that every app workload reads\n\
         1  image-mismatch    error    [*] an admin process runs another tag or digest of the app's image than the app does\n\
         Found 4 findings (1 error, 3 warnings) in 3 files.\n"
    );
}

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, stdout, _) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        assert!(stdout.contains("extend-select"), "{shell}");
    }
    let (code, _, _) = run(&["completions", "tcsh"]);
    assert_eq!(code, 2);
}

#[test]
fn watch_checks_again_when_a_file_changes() {
    use std::io::BufRead;
    use std::sync::mpsc;
    use std::time::Duration;
    let job = |image: &str| {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {{name: migrate}}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: migrate, image: {image}}}]\n"
        )
    };
    let dir = common::temp_tree(&[
        (".adminlint.yaml", ""),
        (
            "web.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: shop:1.1}]\n",
        ),
        ("job.yaml", &job("shop:1.0")),
    ]);
    let mut child = adminlint()
        .current_dir(dir.path())
        .args(["check", ".", "--watch", "--format", "concise", "--no-cache"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (send, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if send.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let next_summary = || loop {
        let line = lines.recv_timeout(Duration::from_secs(60)).unwrap();
        if line.starts_with("Found") || line.starts_with("No findings") {
            return line;
        }
    };
    assert_eq!(next_summary(), "Found 1 finding (1 error) in 2 files.");
    std::fs::write(dir.path().join("job.yaml"), job("shop:1.1")).unwrap();
    assert_eq!(next_summary(), "No findings in 2 files.");
    // A new file is found by the next walk.
    std::fs::write(
        dir.path().join("seed.yaml"),
        job("shop:0.9").replace("migrate", "seed"),
    )
    .unwrap();
    assert_eq!(next_summary(), "Found 1 finding (1 error) in 3 files.");
    child.kill().unwrap();
    child.wait().unwrap();
}
