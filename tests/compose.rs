//! Compose projects end to end: files read from disk because a project needs them, editor
//! buffers, `.env` as the only source of variables, and hostile input.

use std::path::Path;
use std::process::Command;

use adminlint::report::Report;
use adminlint::{CheckOptions, check};

fn write(root: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// (file name, line, rule) of every finding.
fn findings(report: &Report) -> Vec<(String, usize, &'static str)> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let file = report.file(d.span.file);
            let name = Path::new(&file.display)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, file.position(d.span.start as usize).line, d.rule)
        })
        .collect()
}

const BASE: &str = "services:\n  web:\n    image: shop:1.4.2\n    depends_on: {migrate: {condition: service_completed_successfully}}\n  migrate:\n    image: shop:1.4.2\n    command: [rails, db:migrate]\n";
const OVERRIDE: &str = "services:\n  migrate:\n    image: shop:1.4.0\n";

#[test]
fn the_override_partner_is_read_from_disk_when_only_the_base_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[("compose.yaml", BASE), ("compose.override.yaml", OVERRIDE)],
    );
    let report = check(&CheckOptions {
        paths: vec![dir.path().join("compose.yaml")],
        ..CheckOptions::default()
    });
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.files.len(), 2, "the override joins the file table");
    assert_eq!(
        findings(&report),
        [("compose.override.yaml".to_string(), 3, "image-mismatch")]
    );
    // And the other way round: the override alone is merged onto its base.
    let report = check(&CheckOptions {
        paths: vec![dir.path().join("compose.override.yaml")],
        ..CheckOptions::default()
    });
    assert_eq!(
        findings(&report),
        [("compose.override.yaml".to_string(), 3, "image-mismatch")]
    );
}

#[test]
fn extends_targets_are_read_and_findings_point_into_them() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "app/compose.yaml",
                "services:\n  web:\n    image: shop:1.4.2\n    depends_on: {migrate: {condition: service_completed_successfully}}\n  migrate:\n    extends: {file: ../common/tasks.yaml, service: tasks}\n    command: [rails, db:migrate]\n",
            ),
            (
                "common/tasks.yaml",
                "services:\n  tasks:\n    image: shop:1.3.0\n",
            ),
        ],
    );
    let report = check(&CheckOptions {
        paths: vec![dir.path().join("app/compose.yaml")],
        ..CheckOptions::default()
    });
    assert_eq!(
        findings(&report),
        [("tasks.yaml".to_string(), 3, "image-mismatch")]
    );
}

#[test]
fn editor_buffers_win_over_the_disk_for_partners_and_dotenv() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    write(
        &root,
        &[
            (
                "compose.yaml",
                "services:\n  web:\n    image: shop:${TAG}\n    depends_on: {migrate: {condition: service_completed_successfully}}\n  migrate:\n    image: shop:1.4.2\n    command: [rails, db:migrate]\n",
            ),
            (".env", "TAG=1.4.2\n"),
        ],
    );
    let clean = check(&CheckOptions {
        paths: vec![root.join("compose.yaml")],
        ..CheckOptions::default()
    });
    assert!(clean.diagnostics.is_empty(), "{:?}", clean.diagnostics);
    let mut options = CheckOptions {
        paths: vec![root.join("compose.yaml")],
        ..CheckOptions::default()
    };
    options
        .buffers
        .insert(root.join(".env"), "TAG=1.5.0\n".to_string());
    let report = check(&options);
    assert_eq!(
        findings(&report),
        [("compose.yaml".to_string(), 6, "image-mismatch")]
    );
}

#[test]
fn with_disk_reads_off_references_resolve_among_the_buffers_alone() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    // Read from disk, this `.env` would make `web` run the stale release too.
    let extended = "services:\n  app:\n    image: shop:1.3.0\n";
    write(
        &root,
        &[("shared/app.yaml", extended), ("app/.env", "TAG=1.3.0\n")],
    );
    let mut options = CheckOptions {
        references_from_disk: false,
        ..CheckOptions::default()
    };
    options.buffers.insert(
        root.join("app/compose.yaml"),
        "services:\n  web:\n    image: shop:${TAG:-1.4.2}\n    depends_on: {migrate: {condition: service_completed_successfully}}\n  migrate:\n    extends: {file: ../shared/app.yaml, service: app}\n    command: [rails, db:migrate]\n".to_string(),
    );
    let report = check(&options);
    assert_eq!(report.files.len(), 1, "only the buffer is read");
    assert_eq!(
        findings(&report),
        [("compose.yaml".to_string(), 6, "unresolved-reference")]
    );
    options
        .buffers
        .insert(root.join("shared/app.yaml"), extended.to_string());
    let report = check(&options);
    assert_eq!(
        findings(&report),
        [("app.yaml".to_string(), 3, "image-mismatch")]
    );
}

#[test]
fn variables_come_from_dotenv_never_from_the_process_environment() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[(
            "compose.yaml",
            "services:\n  web:\n    image: shop:${TAG:-1.4.2}\n    depends_on: {migrate: {condition: service_completed_successfully}}\n  migrate:\n    image: shop:1.4.2\n    command: [rails, db:migrate]\n",
        )],
    );
    let output = Command::new(env!("CARGO_BIN_EXE_adminlint"))
        .args(["check", "--format", "concise", "-q"])
        .arg(dir.path())
        .env("TAG", "9.9.9")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn alias_bombs_in_compose_files_stay_cheap() {
    let mut text =
        String::from("x-a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
    for level in 0..12 {
        let previous = (b'a' + level) as char;
        let next = (b'a' + level + 1) as char;
        text.push_str(&format!(
            "x-{next}: &{next} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n"
        ));
    }
    text.push_str("services:\n  web:\n    image: shop:1.4.2\n    command: *m\n");
    let started = std::time::Instant::now();
    let report = check(&CheckOptions {
        stdin: Some(("compose.yaml".into(), text.into_bytes())),
        ..CheckOptions::default()
    });
    assert!(started.elapsed().as_secs() < 10);
    assert!(
        report.notes.iter().any(|n| n.contains("too large")),
        "{:?}",
        report.notes
    );
    assert_eq!(report.summary.workloads, 1);
}
