//! Differential test of kustomize rendering: for every root kustomization (one no other
//! kustomization lists) under `fixtures/` (and under `ADMINLINT_CORPUS` when set), the objects
//! `kubectl kustomize DIR` prints, read by adminlint's own extraction, must equal adminlint's
//! rendering of DIR ([`adminlint::render_kustomization`]) on every fact the rules read: kind,
//! namespace, name, each container's name, image, command, args, envFrom and env `valueFrom`
//! references, and mounted ConfigMap / Secret names.
//!
//! Skipped, with a notice, when `kubectl` is not installed, unless `ADMINLINT_REQUIRE_KUBECTL` is
//! set (CI sets it, and `.ci/run` fails before the tests when kubectl is missing). Roots with a remote resource are
//! not given to kubectl (it would fetch them); roots kubectl refuses are counted and named.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use adminlint::model::rendered::RenderedObject;

const KUSTOMIZATION_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

fn kubectl_installed() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Directories holding a kustomization, under `root` (hidden directories skipped).
fn kustomization_dirs(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    entries.sort();
    if entries.iter().any(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| KUSTOMIZATION_NAMES.contains(&n))
    }) {
        out.push(root.to_path_buf());
    }
    for path in entries {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if path.is_dir() && !hidden && !path.is_symlink() {
            kustomization_dirs(&path, out);
        }
    }
}

/// The directories a kustomization in `dir` lists under `resources:`, `bases:` and
/// `components:`, canonical.
fn listed_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for name in KUSTOMIZATION_NAMES {
        let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
            continue;
        };
        let parsed = adminlint::yaml::parse(&text, &adminlint::yaml::Limits::default());
        let tree = &parsed.tree;
        for document in &parsed.documents {
            let Some(root) = document.root else { continue };
            for key in ["resources", "bases", "components"] {
                let Some(list) = tree.get(root, key) else {
                    continue;
                };
                for &item in tree.items(list) {
                    if let Some(entry) = tree.str(item)
                        && let Ok(path) = std::fs::canonicalize(dir.join(entry))
                        && path.is_dir()
                    {
                        out.push(path);
                    }
                }
            }
        }
    }
    out
}

/// Root kustomizations under `root`: those no other kustomization lists.
fn roots(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    kustomization_dirs(root, &mut dirs);
    let listed: Vec<PathBuf> = dirs.iter().flat_map(|d| listed_dirs(d)).collect();
    dirs.into_iter()
        .filter(|d| std::fs::canonicalize(d).is_ok_and(|c| !listed.contains(&c)))
        .collect()
}

/// How a comparison over a tree went.
#[derive(Default)]
struct Outcome {
    compared: usize,
    objects: usize,
    remote: Vec<PathBuf>,
    refused: Vec<(PathBuf, String)>,
    differences: Vec<String>,
}

/// `kubectl kustomize dir`, read by adminlint's extraction; Err with kubectl's first error line.
fn kubectl_rendering(dir: &Path) -> Result<Vec<RenderedObject>, String> {
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Warnings (deprecated fields) come first: the error is the line that says so.
        let error = stderr
            .lines()
            .find(|l| l.contains("err=") || l.starts_with("Error"))
            .or_else(|| stderr.lines().last())
            .unwrap_or_default();
        return Err(error.to_string());
    }
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("rendered.yaml"), &output.stdout).unwrap();
    Ok(adminlint::render_kustomization(scratch.path()).objects)
}

fn compare_tree(root: &Path) -> Outcome {
    let mut outcome = Outcome::default();
    for dir in roots(root) {
        let rendering = adminlint::render_kustomization(&dir);
        let (ours, notes) = (rendering.objects, rendering.notes);
        if notes.iter().any(|n| n.contains("skipped remote resource")) {
            outcome.remote.push(dir);
            continue;
        }
        let theirs = match kubectl_rendering(&dir) {
            Ok(theirs) => theirs,
            Err(error) => {
                outcome.refused.push((dir, error));
                continue;
            }
        };
        outcome.compared += 1;
        outcome.objects += theirs.len();
        for object in &theirs {
            if !ours.contains(object) {
                outcome.differences.push(format!(
                    "{}: kubectl renders {object:?}, adminlint does not",
                    dir.display()
                ));
            }
        }
        for object in &ours {
            if !theirs.contains(object) {
                outcome.differences.push(format!(
                    "{}: adminlint renders {object:?}, kubectl does not",
                    dir.display()
                ));
            }
        }
    }
    outcome
}

fn print(name: &str, outcome: &Outcome) {
    println!(
        "{name}: {} root kustomizations compared ({} workload objects), {} with a remote \
         resource not compared, {} kubectl refused, {} differences",
        outcome.compared,
        outcome.objects,
        outcome.remote.len(),
        outcome.refused.len(),
        outcome.differences.len()
    );
    for (dir, error) in &outcome.refused {
        println!("  kubectl refused {}: {error}", dir.display());
    }
    for difference in &outcome.differences {
        println!("  {difference}");
    }
}

#[test]
fn adminlint_renders_every_fixture_kustomization_as_kubectl_does() {
    if !kubectl_installed() {
        // CI (.ci/run) sets ADMINLINT_REQUIRE_KUBECTL: there the skip would hide the test.
        assert!(
            std::env::var_os("ADMINLINT_REQUIRE_KUBECTL").is_none(),
            "kubectl is not installed but ADMINLINT_REQUIRE_KUBECTL is set"
        );
        common::skipped("kustomize differential test", "`kubectl` is not installed");
        return;
    }
    let outcome = compare_tree(Path::new("fixtures"));
    print("fixtures", &outcome);
    assert!(outcome.compared > 0, "no fixture kustomization compared");
    assert!(outcome.refused.is_empty(), "kubectl refused fixtures");
    assert!(outcome.differences.is_empty(), "differences from kubectl");
    if let Ok(corpus) = std::env::var("ADMINLINT_CORPUS") {
        // Real repositories: kubectl refuses some (bases missing from the corpus' copies), and
        // those are only counted; every one it renders must match.
        let outcome = compare_tree(Path::new(&corpus));
        print("corpus", &outcome);
        assert!(outcome.differences.is_empty(), "differences from kubectl");
    }
}
