//! Safety: the linter opens no network connection and starts no process. It reads files and
//! writes its report, nothing else. This test fails when code under `src/` (or a build script)
//! names process spawning or networking APIs, or when a networking crate enters Cargo.lock.
//!
//! Tests may start processes (the CLI tests run the binary; an editor-test harness drives an
//! editor): only `src/` and `build.rs` are scanned.

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
