//! End to end in a real editor: headless Neovim runs `adminlint lsp` on a copy of fixtures/lsp,
//! sees the findings at the right place, fixes one by typing and one by the quick fix.
//! Skipped, with a notice, only where `nvim` is not installed (`.ci/run` installs it, and under
//! `CI=true` a missing nvim fails the test).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn nvim_available() -> bool {
    Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The JSON events the harness printed, in order.
fn run_harness(root: &Path) -> Vec<Value> {
    let harness = Path::new("tests/editor/nvim_harness.lua")
        .canonicalize()
        .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "jobs.yaml", "-c"])
        .arg(format!("luafile {}", harness.display()))
        .current_dir(root)
        .env("ADMINLINT_BIN", env!("CARGO_BIN_EXE_adminlint"))
        .env("ADMINLINT_ROOT", root)
        .env("XDG_CACHE_HOME", cache.path())
        .env("XDG_STATE_HOME", cache.path())
        .env("XDG_DATA_HOME", cache.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("nvim exited with {:?}; stdout:\n{stdout}", output.status);
    eprintln!("nvim stderr:\n{}", String::from_utf8_lossy(&output.stderr));
    let events: Vec<Value> = stdout
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(output.status.code(), Some(0), "events: {events:#?}");
    events
}

fn event<'e>(events: &'e [Value], name: &str) -> &'e Value {
    events
        .iter()
        .find(|e| e["event"] == name)
        .unwrap_or_else(|| panic!("no `{name}` event in {events:#?}"))
}

#[test]
fn neovim_shows_findings_and_applies_the_quick_fix() {
    if !nvim_available() {
        // .ci/run installs Neovim: in CI a missing nvim is a broken setup, not a reason to skip.
        assert!(
            std::env::var_os("CI").is_none_or(|ci| ci != "true"),
            "CI=true but `nvim` is missing: .ci/run should have installed it"
        );
        common::skipped("Neovim end-to-end test", "`nvim` is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for name in ["web.yaml", "jobs.yaml"] {
        std::fs::copy(Path::new("fixtures/lsp").join(name), root.join(name)).unwrap();
    }
    let original = std::fs::read_to_string(root.join("jobs.yaml")).unwrap();
    let events = run_harness(&root);

    // Line 12 of jobs.yaml: `        - {name: migrate-é☃🚀, image: registry…:v1.2.0}`. The image
    // starts after 37 characters: 38 UTF-16 units (🚀 is two), 43 bytes.
    let opened = event(&events, "opened");
    let lsp = opened["lsp"].as_array().unwrap();
    assert_eq!(lsp.len(), 2, "{opened}");
    assert_eq!(lsp[0]["code"], "image-mismatch");
    assert_eq!(
        (&lsp[0]["line"], &lsp[0]["character"]),
        (&11.into(), &38.into())
    );
    assert_eq!(lsp[0]["end_character"], 38 + 36);
    assert_eq!(
        (&lsp[1]["line"], &lsp[1]["character"]),
        (&24.into(), &17.into())
    );
    // Neovim turned the UTF-16 columns into the right byte columns.
    let editor = opened["editor"].as_array().unwrap();
    assert_eq!(
        (&editor[0]["line"], &editor[0]["col"]),
        (&11.into(), &43.into())
    );
    assert_eq!(editor[0]["end_col"], 43 + 36);

    // Typing the app's tag over the first Job's cleared its finding only.
    let edited = event(&events, "edited");
    let lsp = edited["lsp"].as_array().unwrap();
    assert_eq!(lsp.len(), 1, "{edited}");
    assert_eq!(lsp[0]["line"], 24);

    // The other finding offered its fix and a suppression; the fix rewrote the line.
    let titles = event(&events, "actions")["titles"].as_array().unwrap();
    assert_eq!(
        titles[0], "Use `registry.example.com/shop/app:v1.2.3`",
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.as_str().unwrap().starts_with("Suppress image-mismatch"))
    );
    let fixed = event(&events, "fixed");
    assert_eq!(
        fixed["text"],
        "          image: registry.example.com/shop/app:v1.2.3 # expect: image-mismatch"
    );
    assert_eq!(event(&events, "saved")["diagnostics"], 0);
    event(&events, "stopped");
    // Both edits reached the file through `:write`.
    let saved = std::fs::read_to_string(root.join("jobs.yaml")).unwrap();
    assert_eq!(
        saved,
        original
            .replace("app:v1.2.0", "app:v1.2.3")
            .replace("app:v1.1.9", "app:v1.2.3")
    );
}
