//! The README's CI and pre-commit snippets are used, not just shown: each is valid YAML, each
//! `adminlint check` command in them runs and writes the files the CI configuration uploads,
//! and the pre-commit config passes `pre-commit validate-config` (where pre-commit is installed).

mod common;

use std::path::Path;
use std::process::Command;

/// The fenced block of README.md whose first line is `first_line`.
fn snippet(first_line: &str) -> String {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("```") {
            let block: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            if block.first() == Some(&first_line) {
                return block.join("\n") + "\n";
            }
        }
    }
    panic!("README.md has no block starting with {first_line:?}");
}

fn assert_valid_yaml(name: &str, text: &str) {
    let parsed = adminlint::yaml::parse(text, &adminlint::yaml::Limits::default());
    assert!(parsed.errors.is_empty(), "{name}: {:?}", parsed.errors);
    assert_eq!(parsed.documents.len(), 1, "{name}");
}

/// The arguments of the `adminlint check …` command in `text`.
fn adminlint_command(text: &str) -> Vec<String> {
    let line = text
        .lines()
        .find(|l| l.contains("adminlint check "))
        .expect("an adminlint check command");
    let command = &line[line.find("adminlint check ").unwrap()..];
    command
        .split_whitespace()
        .skip(1)
        .map(str::to_string)
        .collect()
}

/// The file each `-o` names, in order.
fn output_files(args: &[String]) -> Vec<String> {
    args.windows(2)
        .filter(|w| w[0] == "-o" || w[0] == "--output-file")
        .map(|w| w[1].clone())
        .collect()
}

/// Run `args` in a scratch checkout holding the demo (an app and a drifting Job) under k8s/.
fn run_in_demo_checkout(args: &[String], github_actions: bool) -> (tempfile::TempDir, i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let k8s = dir.path().join("k8s");
    std::fs::create_dir_all(&k8s).unwrap();
    for name in ["web.yaml", "worker.yaml", "migrate.yaml"] {
        std::fs::copy(Path::new("fixtures/demo/k8s").join(name), k8s.join(name)).unwrap();
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_adminlint"));
    command
        .args(args)
        .current_dir(dir.path())
        .env_remove("NO_COLOR");
    if github_actions {
        command.env("GITHUB_ACTIONS", "true");
    } else {
        command.env_remove("GITHUB_ACTIONS");
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    (dir, output.status.code().unwrap(), stdout)
}

#[test]
fn github_actions_workflow() {
    let workflow = snippet("# .github/workflows/adminlint.yml");
    assert_valid_yaml("workflow", &workflow);
    let args = adminlint_command(&workflow);
    let files = output_files(&args);
    assert_eq!(files, ["adminlint.sarif"]);
    assert!(workflow.contains(&format!("sarif_file: {}", files[0])));
    let (dir, code, stdout) = run_in_demo_checkout(&args, true);
    assert_eq!(code, 1, "the check step fails on the demo's findings");
    assert!(
        stdout.starts_with("::warning file=k8s/migrate.yaml,line=13,"),
        "{stdout}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(&files[0])).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 6);
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "k8s/migrate.yaml"
    );
}

#[test]
fn gitlab_ci_job() {
    let job = snippet("# .gitlab-ci.yml");
    assert_valid_yaml("gitlab-ci", &job);
    let args = adminlint_command(&job);
    let files = output_files(&args);
    assert_eq!(files.len(), 2);
    assert!(job.contains(&format!("codequality: {}", files[0])));
    assert!(job.contains(&format!("junit: {}", files[1])));
    let (dir, code, stdout) = run_in_demo_checkout(&args, false);
    assert_eq!(code, 1);
    assert!(stdout.contains("image-mismatch"));
    let quality: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(&files[0])).unwrap())
            .unwrap();
    assert_eq!(quality.as_array().unwrap().len(), 6);
    let junit = std::fs::read_to_string(dir.path().join(&files[1])).unwrap();
    let document = roxmltree::Document::parse(&junit).unwrap();
    let failures = document
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert_eq!(failures, 6);
}

#[test]
fn several_reports_example() {
    let example = snippet(
        "adminlint check . --format full --format sarif -o adminlint.sarif --format junit -o adminlint.xml",
    );
    let args = adminlint_command(&example);
    let (dir, code, stdout) = run_in_demo_checkout(&args, false);
    assert_eq!(code, 1);
    assert!(stdout.contains("Found 6 findings"));
    for file in output_files(&args) {
        assert!(dir.path().join(&file).is_file(), "{file}");
    }
}

#[test]
fn pre_commit_config_and_hook_manifest() {
    let config = snippet("# .pre-commit-config.yaml");
    assert_valid_yaml("pre-commit config", &config);
    let prebuilt = snippet("# .pre-commit-config.yaml: the prebuilt hook");
    assert_valid_yaml("prebuilt pre-commit config", &prebuilt);
    assert!(prebuilt.contains("  - repo: https://github.com/adminlint/adminlint-pre-commit\n"));
    assert!(prebuilt.contains("      - id: adminlint\n"));
    let manifest = std::fs::read_to_string(".pre-commit-hooks.yaml").unwrap();
    assert_valid_yaml(".pre-commit-hooks.yaml", &manifest);
    for line in [
        "- id: adminlint",
        "  entry: adminlint check",
        "  language: rust",
        "  types: [file]",
        "  files: \\.(ya?ml|tpl)$",
    ] {
        assert!(manifest.lines().any(|l| l == line), "missing {line:?}");
    }
    assert!(config.contains("      - id: adminlint\n"));

    let installed = Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        common::skipped(
            "README pre-commit snippet (`pre-commit validate-config`)",
            "`pre-commit` is not installed",
        );
        return;
    }
    for config in [&config, &prebuilt] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".pre-commit-config.yaml");
        std::fs::write(&path, config).unwrap();
        let output = Command::new("pre-commit")
            .arg("validate-config")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{config}{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = Command::new("pre-commit")
        .args(["validate-manifest", "pre-commit/.pre-commit-hooks.yaml"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// The package version in Cargo.toml.
fn cargo_version() -> String {
    let manifest = std::fs::read_to_string("Cargo.toml").unwrap();
    let line = manifest
        .lines()
        .find(|l| l.starts_with("version = "))
        .unwrap();
    line.trim_start_matches("version = ")
        .trim_matches('"')
        .to_string()
}

/// The names under `inputs:` in action.yml (two-space keys until the next top-level key).
fn action_inputs() -> Vec<String> {
    let action = std::fs::read_to_string("action.yml").unwrap();
    assert_valid_yaml("action.yml", &action);
    action
        .lines()
        .skip_while(|l| *l != "inputs:")
        .skip(1)
        .take_while(|l| l.starts_with(' ') || l.is_empty())
        .filter_map(|l| {
            let key = l.strip_prefix("  ")?.strip_suffix(':')?;
            (!key.starts_with(' ')).then(|| key.to_string())
        })
        .collect()
}

#[test]
fn github_action_workflow() {
    let workflow = snippet("# .github/workflows/adminlint.yml: with the adminlint Action");
    assert_valid_yaml("Action workflow", &workflow);
    let version = cargo_version();
    assert!(
        workflow.contains(&format!("      - uses: adminlint/adminlint@v{version}\n")),
        "{workflow}"
    );
    assert!(workflow.contains("security-events: write"));
    // Every input the snippet sets or mentions (commented out) is one the Action has.
    let inputs = action_inputs();
    assert_eq!(inputs, ["version", "args", "sarif-file", "upload-sarif"]);
    let with: Vec<&str> = workflow
        .lines()
        .skip_while(|l| l.trim() != "with:")
        .skip(1)
        .filter_map(|l| l.trim().trim_start_matches("# ").split_once(':'))
        .map(|(key, _)| key)
        .collect();
    assert_eq!(with, ["args", "version", "sarif-file", "upload-sarif"]);
    let action = std::fs::read_to_string("action.yml").unwrap();
    assert!(action.contains("using: composite"));
    assert!(action.contains("uses: github/codeql-action/upload-sarif@v3"));
    assert!(
        action.contains("adminlint check $ARGS --format github --format sarif -o \"$SARIF_FILE\"")
    );
}

/// Every release the README names (tags, downloads, the image) is `v<version in Cargo.toml>`,
/// the tag the release workflow is run for, and each download names an archive it builds.
#[test]
fn readme_names_this_release() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let version = cargo_version();
    let release = std::fs::read_to_string(".github/workflows/release.yml").unwrap();
    let mut named = 0;
    for (marker, expected) in [
        ("rev: v", format!("rev: v{version}")),
        (
            "adminlint/adminlint@v",
            format!("adminlint/adminlint@v{version}"),
        ),
        (
            "releases/download/v",
            format!("releases/download/v{version}/"),
        ),
        (
            "ghcr.io/adminlint/adminlint:",
            format!("ghcr.io/adminlint/adminlint:{version} "),
        ),
    ] {
        for (at, _) in readme.match_indices(marker) {
            named += 1;
            assert!(
                readme[at..].starts_with(&expected),
                "README names another release: {}",
                readme[at..].lines().next().unwrap()
            );
        }
    }
    assert!(named >= 7, "{named}");
    assert!(release.contains("tags: [\"v*\"]"));
    let download = format!("releases/download/v{version}/");
    for archive in readme.match_indices(&download).map(|(at, _)| {
        readme[at + download.len()..]
            .split(".tar.gz")
            .next()
            .unwrap()
    }) {
        let target = archive.trim_start_matches("adminlint-");
        assert!(
            release.contains(&format!("target: {target},")),
            "README downloads {archive}, which the release does not build"
        );
    }
}
