//! Safety: the linter opens no network connection and starts no process. It reads files and
//! writes its report, nothing else. This test fails when code under `src/` (or a build script)
//! names process spawning or networking APIs, or when a networking crate enters Cargo.lock.
//!
//! And the source keeps its layers: no stage uses a higher one, and no modules use each other
//! in a circle (ARCHITECTURE.md).
//!
//! Tests may start processes (the CLI tests run the binary; an editor-test harness drives an
//! editor): only `src/` and `build.rs` are scanned.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Text that only appears in code that spawns processes or uses the network.
const FORBIDDEN: &[&str] = &[
    "process::Command",
    "process::Child",
    "process::Stdio",
    "Command::new(",
    "CommandExt",
    "libc::fork",
    "libc::exec",
    "libc::system",
    "posix_spawn",
    "std::net",
    "TcpStream",
    "TcpListener",
    "UdpSocket",
    "UnixStream",
    "UnixListener",
    "UnixDatagram",
    "ToSocketAddrs",
];

/// What `std::process` may be used for in `src/`: the exit code, and `id` (our own process id,
/// for unique temporary file names), which starts nothing.
const PROCESS_ITEMS_ALLOWED: &[&str] = &["ExitCode", "exit", "abort", "id"];

/// Crates whose only purpose is the network (or that bring a network stack along).
const NETWORK_CRATES: &[&str] = &[
    "async-std",
    "attohttpc",
    "curl",
    "curl-sys",
    "git2",
    "h2",
    "hyper",
    "hyper-util",
    "isahc",
    "mio",
    "native-tls",
    "openssl",
    "openssl-sys",
    "reqwest",
    "rustls",
    "socket2",
    "surf",
    "tokio",
    "tonic",
    "tungstenite",
    "ureq",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn source_code_spawns_no_process_and_opens_no_socket() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    if Path::new("build.rs").exists() {
        files.push("build.rs".into());
    }
    assert!(files.len() > 10, "scanned {files:?}");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let at = format!("{}:{}: {}", file.display(), number + 1, line.trim());
            if let Some(word) = FORBIDDEN.iter().find(|w| line.contains(*w)) {
                found.push(format!("{at}  ({word})"));
            }
            // `use std::process::{ExitCode, Command}` and `std::process::Command::new` alike.
            for (i, _) in line.match_indices("std::process::") {
                let rest = &line[i + "std::process::".len()..];
                let items = match rest.strip_prefix('{') {
                    Some(list) => list.split('}').next().unwrap_or_default(),
                    None => rest,
                };
                let items = items
                    .split(',')
                    .map(|item| {
                        item.trim()
                            .split(|c: char| !c.is_alphanumeric() && c != '_')
                            .next()
                            .unwrap_or_default()
                    })
                    .filter(|item| !item.is_empty());
                for item in items {
                    if !PROCESS_ITEMS_ALLOWED.contains(&item) {
                        found.push(format!("{at}  (std::process::{item})"));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "process or network use in the linter (it must only read files):\n{}",
        found.join("\n")
    );
}

#[test]
fn no_networking_crate_in_the_dependency_tree() {
    let lock = std::fs::read_to_string("Cargo.lock").unwrap();
    let names: Vec<&str> = lock
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .collect();
    assert!(names.contains(&"adminlint"), "Cargo.lock not parsed");
    let network: Vec<&&str> = names
        .iter()
        .filter(|name| NETWORK_CRATES.contains(name))
        .collect();
    assert!(
        network.is_empty(),
        "networking crates in Cargo.lock: {network:?}; the linter must not use the network"
    );
}

// The stages are layered: a module may use modules of its own stage or lower ones, never a
// higher one, and no two modules use each other (ARCHITECTURE.md). Read from the sources: every
// `crate::<module>` path outside comments and unit tests, attributed to the file's top-level
// module (`src/rules/x.rs` is `rules`).

/// Top-level modules by stage, lowest first. A module may use modules of a lower stage.
const STAGES: &[&[&str]] = &[
    &["span", "digest", "timings", "fast_hash"],
    &["source", "origin"],
    &["diagnostic"],
    &["discover"],
    &["read", "yaml"],
    &["config"],
    // The run's data (files, findings, errors, notes): every stage from planning on adds to it.
    &["report"],
    &["suppress", "fix"],
    &["model"],
    // Go templates and Helm charts rendered in-process (values, Chart.yaml, templates).
    &["helm"],
    &["manifest"],
    &["cache"],
    // The pipeline's stages proper, in run order.
    &["inputs"],
    &["extract"],
    // What ties files together (the incremental engine's graph), read during assembly.
    &["links"],
    &["assemble"],
    // Follows the origins of the rules' findings (related locations, where a fix is aimed).
    &["provenance"],
    &["rules"],
    // `--select` / `--ignore`: rule ids and groups folded into the configuration.
    &["selection"],
    &["findings"],
    &["render"],
    &["output"],
    // `check --watch`: re-plans a run to see what changed.
    &["watch"],
    // `check --fix` / `--diff`: runs whole checks with fixed texts standing in for files.
    &["autofix"],
    // The incremental engine: keeps a workspace between edits, re-runs the changed files' group.
    &["engine"],
    &["lsp"],
    // `adminlint debug render`: runs the stages up to assembly on its own.
    &["debug"],
];

fn stage_of(module: &str) -> Option<usize> {
    STAGES.iter().position(|stage| stage.contains(&module))
}

/// The top-level module a source file belongs to (None for the crate root and binaries).
fn module_of(path: &Path) -> Option<String> {
    let relative = path.strip_prefix("src").ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.trim_end_matches(".rs");
    (!matches!(name, "lib" | "main" | "cli")).then(|| name.to_string())
}

/// `crate::x` uses in code (not in comments), as (module used, line number).
fn uses(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut in_tests = false;
    for (index, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        // Unit tests may reach any module to build their inputs.
        if code.trim_start().starts_with("#[cfg(test)]") {
            in_tests = true;
        }
        if in_tests {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((name, index + 1));
            }
            rest = after;
        }
        // `use crate::{a, b}` lists.
        if let Some(list) = code.trim_start().strip_prefix("use crate::{") {
            for name in list.split([',', '}']) {
                let name = name.trim().split("::").next().unwrap_or_default();
                if !name.is_empty() {
                    out.push((name.to_string(), index + 1));
                }
            }
        }
    }
    out
}

#[test]
fn no_module_uses_a_higher_stage_and_there_is_no_circle() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    files.sort();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut upward = Vec::new();
    for file in &files {
        let Some(module) = module_of(file) else {
            continue;
        };
        let stage = stage_of(&module).unwrap_or_else(|| {
            panic!(
                "{}: module `{module}` is in no stage of STAGES",
                file.display()
            )
        });
        let text = std::fs::read_to_string(file).unwrap();
        for (used, line) in uses(&text) {
            if used == module || used == "CheckOptions" || used == "ConfigChoice" {
                continue;
            }
            let Some(used_stage) = stage_of(&used) else {
                continue;
            };
            graph
                .entry(module.clone())
                .or_default()
                .insert(used.clone());
            if used_stage > stage {
                upward.push(format!(
                    "{}:{line}: `{module}` uses `{used}`",
                    file.display()
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "lower stages use higher ones:\n{}",
        upward.join("\n")
    );
    // With every edge going to the same stage or lower, a circle can only be within a stage:
    // look for one by walking from every module.
    for start in graph.keys() {
        let mut stack: Vec<Vec<&str>> = vec![vec![start.as_str()]];
        let mut seen = BTreeSet::new();
        while let Some(path) = stack.pop() {
            let last = *path.last().unwrap();
            for next in graph.get(last).into_iter().flatten() {
                assert!(
                    next != start,
                    "import circle: {} -> {start}",
                    path.join(" -> ")
                );
                if seen.insert(next.as_str()) {
                    let mut longer = path.clone();
                    longer.push(next);
                    stack.push(longer);
                }
            }
        }
    }
}
