//! Packaging for real: `pip wheel .` builds a wheel holding the binary (pyproject.toml, maturin),
//! `pip install` of it in a new venv gives a working `adminlint`, and the prebuilt pre-commit hook
//! (pre-commit/, `language: python`) installs that wheel through pip's find-links and passes a
//! real `pre-commit try-repo` with cargo out of reach.
//!
//! The wheel is built with `pip wheel . --no-deps --no-build-isolation` and
//! `MATURIN_PEP517_ARGS="--profile dev"`: the installed maturin is the build backend (no download)
//! and cargo's dev profile reuses the debug build `cargo test` already made, instead of a release
//! build of its own. Skipped with a visible notice (tests/common `skipped`) where python3's pip,
//! maturin or pre-commit are missing, unless `ADMINLINT_REQUIRE_PACKAGING` is set (`.ci/run`
//! installs them and sets it): then a missing tool fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The demo's summary line (the app, a worker and the drifting Job).
const DEMO_SUMMARY: &str = "Found 6 findings (1 error, 5 warnings) in 3 files.";

fn checkout() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Stdout and stderr of `output`, for assertion messages and searching.
fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Which of the tools these tests drive is missing, if any.
fn missing_tool(with_pre_commit: bool) -> Option<&'static str> {
    if !succeeds("python3", &["-m", "pip", "--version"]) {
        return Some("python3 with pip");
    }
    if !succeeds("python3", &["-c", "import maturin"]) {
        return Some("maturin (pip install maturin)");
    }
    if with_pre_commit && !succeeds("pre-commit", &["--version"]) {
        return Some("pre-commit (pip install pre-commit)");
    }
    None
}

/// True when the tools are there; otherwise a visible skip, or a failure when
/// `ADMINLINT_REQUIRE_PACKAGING` is set.
fn tools_present(test: &str, with_pre_commit: bool) -> bool {
    let Some(tool) = missing_tool(with_pre_commit) else {
        return true;
    };
    let why = format!("{tool} is not installed (.ci/run installs it)");
    if std::env::var_os("ADMINLINT_REQUIRE_PACKAGING").is_some() {
        panic!("{test}: {why}, and ADMINLINT_REQUIRE_PACKAGING is set");
    }
    common::skipped(test, &why);
    false
}

/// The package version in Cargo.toml.
fn cargo_version() -> String {
    let manifest = std::fs::read_to_string(checkout().join("Cargo.toml")).unwrap();
    let line = manifest
        .lines()
        .find(|l| l.starts_with("version = "))
        .expect("a version in Cargo.toml");
    line.trim_start_matches("version = ")
        .trim_matches('"')
        .to_string()
}

/// The wheel, built once for all the tests of this file, in a folder of its own.
fn wheel() -> &'static Path {
    static WHEEL: OnceLock<PathBuf> = OnceLock::new();
    WHEEL.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("packaging-wheel");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let output = Command::new("python3")
            .args([
                "-m",
                "pip",
                "wheel",
                ".",
                "--no-deps",
                "--no-build-isolation",
            ])
            .args(["--quiet", "--wheel-dir"])
            .arg(&dir)
            .current_dir(checkout())
            .env("MATURIN_PEP517_ARGS", "--profile dev")
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .output()
            .unwrap();
        assert!(output.status.success(), "pip wheel: {}", text(&output));
        let wheels: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(wheels.len(), 1, "{wheels:?}");
        wheels.into_iter().next().unwrap()
    })
}

/// The names of the files in the wheel (a zip archive), by Python's own zipfile.
fn wheel_members(wheel: &Path) -> Vec<String> {
    let script = "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))";
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(wheel)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn wheel_file(wheel: &Path, member: &str) -> String {
    let script =
        "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())";
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(wheel)
        .arg(member)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8(output.stdout).unwrap()
}

/// A fresh virtual environment in `dir`; its `bin` folder.
fn new_venv(dir: &Path) -> PathBuf {
    let output = Command::new("python3")
        .args(["-m", "venv"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "python3 -m venv: {}",
        text(&output)
    );
    dir.join("bin")
}

/// `PATH` without any folder that holds a `cargo` program, so nothing can compile.
fn path_without_cargo() -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|dir| !dir.join("cargo").exists())
        .collect();
    std::env::join_paths(kept).unwrap().into_string().unwrap()
}

fn git(repo: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=adminlint-test",
            "-c",
            "user.email=test@invalid",
        ])
        .args(args)
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {}", text(&output));
}

#[test]
fn pyproject_and_the_pre_commit_mirror_name_this_version() {
    let pyproject = std::fs::read_to_string(checkout().join("pyproject.toml")).unwrap();
    for line in [
        "build-backend = \"maturin\"",
        "name = \"adminlint\"",
        "bindings = \"bin\"",
    ] {
        assert!(pyproject.lines().any(|l| l == line), "missing {line:?}");
    }
    // The version, description, license and readme come from Cargo.toml, so they cannot drift.
    assert!(
        pyproject.contains("dynamic = [\"version\", \"description\", \"license\", \"readme\"]")
    );

    let version = cargo_version();
    let mirror = std::fs::read_to_string(checkout().join("pre-commit/pyproject.toml")).unwrap();
    assert!(
        mirror.contains(&format!("dependencies = [\"adminlint=={version}\"]")),
        "pre-commit/pyproject.toml must pin adminlint=={version}"
    );
    assert!(mirror.contains(&format!("version = \"{version}\"")));
    let hooks =
        std::fs::read_to_string(checkout().join("pre-commit/.pre-commit-hooks.yaml")).unwrap();
    let rust_hooks = std::fs::read_to_string(checkout().join(".pre-commit-hooks.yaml")).unwrap();
    // The two hooks differ in how they install, nothing else.
    let options = |manifest: &str| -> Vec<String> {
        manifest
            .lines()
            .filter(|l| !l.trim_start().starts_with('#') && !l.starts_with("  language:"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(options(&hooks), options(&rust_hooks));
    assert!(hooks.lines().any(|l| l == "  language: python"));
}

#[test]
fn pip_wheel_holds_the_binary_and_the_metadata() {
    if !tools_present("packaging: pip wheel", false) {
        return;
    }
    let wheel = wheel();
    let version = cargo_version();
    let name = wheel.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with(&format!("adminlint-{version}-py3-none-")),
        "{name}"
    );
    let members = wheel_members(wheel);
    let binary = format!("adminlint-{version}.data/scripts/adminlint");
    assert!(members.contains(&binary), "{members:?}");
    let metadata = wheel_file(wheel, &format!("adminlint-{version}.dist-info/METADATA"));
    for line in [
        "Name: adminlint".to_string(),
        format!("Version: {version}"),
        "Classifier: Programming Language :: Rust".to_string(),
    ] {
        assert!(
            metadata.lines().any(|l| l == line),
            "{line:?} in {metadata}"
        );
    }
    assert!(
        metadata.contains("License: MIT OR Apache-2.0")
            || metadata.contains("License-Expression: MIT OR Apache-2.0"),
        "{metadata}"
    );
    assert!(
        metadata.contains("Summary: Checks that one-off admin processes"),
        "{metadata}"
    );
    // The readme is the long description.
    assert!(metadata.contains("# adminlint"), "{metadata}");
}

#[test]
fn the_wheel_installs_in_a_fresh_venv_and_runs() {
    if !tools_present("packaging: pip install", false) {
        return;
    }
    let wheel = wheel();
    let venv = tempfile::tempdir().unwrap();
    let bin = new_venv(venv.path());
    let output = Command::new(bin.join("python"))
        .args(["-m", "pip", "install", "--quiet", "--no-index"])
        .arg(wheel)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .output()
        .unwrap();
    assert!(output.status.success(), "pip install: {}", text(&output));

    let adminlint = bin.join("adminlint");
    let output = Command::new(&adminlint).arg("--version").output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("adminlint {}", cargo_version())
    );

    let output = Command::new(&adminlint)
        .args(["check", "fixtures/demo", "--format", "concise"])
        .current_dir(checkout())
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().last(), Some(DEMO_SUMMARY), "{stdout}");
    assert!(
        stdout.contains("fixtures/demo/k8s/migrate.yaml:14:18: error[image-mismatch]"),
        "{stdout}"
    );
}

#[test]
fn the_prebuilt_pre_commit_hook_installs_the_wheel_without_cargo() {
    if !tools_present("packaging: pre-commit try-repo of the prebuilt hook", true) {
        return;
    }
    let wheel = wheel();
    // try-repo wants a git repository: the mirror's files as the release job publishes them.
    let hook_repo = tempfile::tempdir().unwrap();
    for name in [".pre-commit-hooks.yaml", "pyproject.toml", "README.md"] {
        std::fs::copy(
            checkout().join("pre-commit").join(name),
            hook_repo.path().join(name),
        )
        .unwrap();
    }
    git(hook_repo.path(), &["init", "-q"]);
    git(hook_repo.path(), &["add", "-A"]);
    git(hook_repo.path(), &["commit", "-q", "-m", "hook"]);

    let user_repo = common::temp_tree(&[
        (
            "k8s/web.yaml",
            &std::fs::read_to_string(checkout().join("fixtures/demo/k8s/web.yaml")).unwrap(),
        ),
        (
            "k8s/migrate.yaml",
            &std::fs::read_to_string(checkout().join("fixtures/demo/k8s/migrate.yaml")).unwrap(),
        ),
    ]);
    git(user_repo.path(), &["init", "-q"]);
    git(user_repo.path(), &["add", "-A"]);

    let output = Command::new("pre-commit")
        .arg("try-repo")
        .arg(hook_repo.path())
        .args(["adminlint", "--files", "k8s/migrate.yaml", "k8s/web.yaml"])
        .current_dir(user_repo.path())
        // The wheel built here is the only adminlint pip can find, and pip may not build one
        // from source; no cargo on PATH nor behind $CARGO proves nothing compiles.
        .env("PIP_FIND_LINKS", wheel.parent().unwrap())
        .env("PIP_ONLY_BINARY", "adminlint")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PATH", path_without_cargo())
        .env("CARGO", "/nonexistent")
        .env("PRE_COMMIT_HOME", user_repo.path().join(".pre-commit-home"))
        .env("PRE_COMMIT_COLOR", "never")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let text = text(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("adminlint....") && text.contains("Failed"),
        "{text}"
    );
    assert!(text.contains("- exit code: 1"), "{text}");
    assert!(text.contains("[k8s/migrate.yaml:14:18]"), "{text}");
    assert!(
        text.contains("Found 6 findings (1 error, 5 warnings) in 2 files."),
        "{text}"
    );
}

/// The `run:` script of each step of action.yml, by step name (python3's YAML reader: PyYAML
/// comes with pre-commit).
fn action_scripts() -> Vec<(String, String)> {
    let script = "import json, sys, yaml\n\
        steps = yaml.safe_load(open(sys.argv[1]))['runs']['steps']\n\
        print(json.dumps([[s['name'], s.get('run', '')] for s in steps]))";
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(checkout().join("action.yml"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Run one step's script the way the runner does (`bash -e {0}`), in `dir`, with `env`.
fn run_step(script: &str, dir: &Path, env: &[(&str, &std::ffi::OsStr)]) -> Output {
    let mut command = Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

/// The Action's steps for real, on a release laid out as the release workflow makes it (an
/// archive with the binary at its top and its `.sha256`), served from a `file://` URL in place
/// of `$GITHUB_SERVER_URL`: the download verifies and unpacks it and puts it on the path, the
/// check writes annotations and SARIF and keeps exit code 1, and the last step fails with it.
#[test]
fn the_action_downloads_the_release_and_checks() {
    if !cfg!(target_os = "linux") || !succeeds("python3", &["-c", "import yaml"]) {
        common::skipped(
            "packaging: action.yml steps",
            "needs Linux and python3 with PyYAML",
        );
        return;
    }
    let steps = action_scripts();
    let names: Vec<&str> = steps.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Download adminlint",
            "Run adminlint check",
            "Upload SARIF",
            "Fail on findings"
        ]
    );
    let work = tempfile::tempdir().unwrap();
    let server = work.path().join("server");
    let release = server.join("adminlint/adminlint/releases/download/v9.9.9");
    std::fs::create_dir_all(&release).unwrap();
    let staging = work.path().join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_adminlint"), staging.join("adminlint")).unwrap();
    let archive = "adminlint-x86_64-unknown-linux-musl.tar.gz";
    let pack = format!(
        "tar -czf '{}/{archive}' -C '{}' adminlint && cd '{}' && sha256sum {archive} > {archive}.sha256",
        release.display(),
        staging.display(),
        release.display()
    );
    let output = Command::new("bash").args(["-c", &pack]).output().unwrap();
    assert!(output.status.success(), "{}", text(&output));

    let runner_temp = work.path().join("runner-temp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let github_path = work.path().join("github-path");
    let github_output = work.path().join("github-output");
    let server_url = format!("file://{}", server.display());
    let repo = common::temp_tree(&[
        (
            "k8s/web.yaml",
            &std::fs::read_to_string(checkout().join("fixtures/demo/k8s/web.yaml")).unwrap(),
        ),
        (
            "k8s/migrate.yaml",
            &std::fs::read_to_string(checkout().join("fixtures/demo/k8s/migrate.yaml")).unwrap(),
        ),
    ]);
    let runner = [
        ("RUNNER_OS", "Linux".as_ref()),
        ("RUNNER_ARCH", "X64".as_ref()),
        ("RUNNER_TEMP", runner_temp.as_os_str()),
        ("GITHUB_PATH", github_path.as_os_str()),
        ("GITHUB_OUTPUT", github_output.as_os_str()),
        ("GITHUB_SERVER_URL", server_url.as_ref()),
    ];

    let mut env = runner.to_vec();
    env.extend([
        ("VERSION", "v9.9.9".as_ref()),
        ("REPOSITORY", "adminlint/adminlint".as_ref()),
    ]);
    let output = run_step(&steps[0].1, repo.path(), &env);
    assert!(output.status.success(), "download: {}", text(&output));
    let added = std::fs::read_to_string(&github_path).unwrap();
    let bin_dir = PathBuf::from(added.trim());
    assert_eq!(bin_dir, runner_temp.join("adminlint-v9.9.9"));
    assert!(bin_dir.join("adminlint").is_file());

    // A version that is not a release tag (the Action pinned by SHA, no `version` input).
    let mut env = runner.to_vec();
    env.extend([
        ("VERSION", "0123abc".as_ref()),
        ("REPOSITORY", "adminlint/adminlint".as_ref()),
    ]);
    let output = run_step(&steps[0].1, repo.path(), &env);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("set the input 'version' to a release tag"));

    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let mut env = runner.to_vec();
    env.extend([
        ("PATH", path.as_os_str()),
        ("ARGS", ". --fail-level error".as_ref()),
        ("SARIF_FILE", "adminlint.sarif".as_ref()),
    ]);
    let output = run_step(&steps[1].1, repo.path(), &env);
    assert!(output.status.success(), "check: {}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("\n::error file=k8s/migrate.yaml,line=14,"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(&github_output).unwrap(),
        "exit-code=1\n"
    );
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.path().join("adminlint.sarif")).unwrap(),
    )
    .unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 6);

    let output = run_step(&steps[3].1, repo.path(), &[("EXIT_CODE", "1".as_ref())]);
    assert_eq!(output.status.code(), Some(1));
}
