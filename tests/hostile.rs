//! Hostile input: the binary never crashes, hangs or blows up memory, says which path it could
//! not read and why, and still checks every other file.
//!
//! Inputs are generated in temporary directories. Each case runs `adminlint check` as a child
//! beside a `neighbour.yaml` with one known finding, and reads the child's CPU time and peak RSS
//! from the kernel (`wait4`). The bounds are generous on purpose (this is not a benchmark): they
//! catch a hang or a blow-up, not a slowdown. A run that takes more than two minutes of wall
//! time is killed and reported as a hang.

#![cfg(unix)]

use std::io::Read;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A Job on an untagged image: one `image-unpinned` warning at 10:16.
const NEIGHBOUR: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: neighbour\nspec:\n  template:\n    spec:\n      containers:\n      - name: job\n        image: registry.example.com/shop/app\n";
const NEIGHBOUR_FINDING: &str = "neighbour.yaml:10:16: warning[image-unpinned]";

/// CPU time allowed per run. The tests run the debug build, several times slower than release.
fn cpu_bound() -> Duration {
    Duration::from_secs(if cfg!(debug_assertions) { 60 } else { 10 })
}
/// Peak resident memory allowed per run.
const RSS_BOUND_KIB: i64 = 1024 * 1024;
/// Wall time after which a run is a hang.
const HANG: Duration = Duration::from_secs(120);

/// What a run did, by the kernel's accounting.
#[derive(Debug)]
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    /// Peak resident set size of the child, KiB.
    max_rss_kib: i64,
    /// User + system CPU time of the child.
    cpu: Duration,
}

impl Outcome {
    fn assert_bounded(&self, what: &str) {
        assert!(
            self.cpu < cpu_bound(),
            "{what}: {:?} of CPU (bound {:?})",
            self.cpu,
            cpu_bound()
        );
        assert!(
            self.max_rss_kib < RSS_BOUND_KIB,
            "{what}: peak RSS {} KiB (bound {RSS_BOUND_KIB} KiB)",
            self.max_rss_kib
        );
        assert!(!self.stderr.contains("panicked"), "{what}: {}", self.stderr);
    }

    /// The error line for `path`, which must exist.
    fn error_for(&self, path: &str) -> &str {
        self.stderr
            .lines()
            .find(|l| l.starts_with(&format!("adminlint: error: {path}: ")))
            .unwrap_or_else(|| panic!("no error naming {path}:\n{}", self.stderr))
    }

    fn has_neighbour_finding(&self) -> bool {
        self.stdout
            .lines()
            .any(|l| l.starts_with(NEIGHBOUR_FINDING))
    }
}

/// Run the binary in `dir` and account for it.
fn run_in(dir: &Path, args: &[&str]) -> Outcome {
    run_with(dir, args, false)
}

// The child is reaped with wait4 (for its rusage), not with `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run_with(dir: &Path, args: &[&str], as_nobody: bool) -> Outcome {
    let mut command = Command::new(env!("CARGO_BIN_EXE_adminlint"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if as_nobody {
        command.uid(65534).gid(65534);
    }
    let mut child = command.spawn().expect("spawn adminlint");
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).unwrap();
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stderr.read_to_end(&mut bytes).unwrap();
        bytes
    });
    let started = Instant::now();
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid value of this plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our own child, reaped only here; the pointers are valid.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            break (status, usage);
        }
        assert_eq!(reaped, 0, "wait4 failed");
        if started.elapsed() > HANG {
            // SAFETY: the child has not been reaped, so the pid is still ours.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            panic!("adminlint {args:?} ran for more than {HANG:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(
        libc::WIFEXITED(status),
        "adminlint {args:?} died of signal {}",
        libc::WTERMSIG(status)
    );
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Outcome {
        code: libc::WEXITSTATUS(status),
        stdout: String::from_utf8(out.join().unwrap()).expect("stdout is UTF-8"),
        stderr: String::from_utf8(err.join().unwrap()).expect("stderr is UTF-8"),
        max_rss_kib: usage.ru_maxrss,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
    }
}

/// A temporary directory holding the neighbour and `files`.
fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("neighbour.yaml"), NEIGHBOUR).unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

/// Check a directory holding `name` and the neighbour: the neighbour is always checked.
fn check_beside(name: &str, bytes: &[u8]) -> Outcome {
    let dir = project(&[(name, bytes)]);
    let outcome = run_in(dir.path(), &["check", "--format", "concise", "."]);
    outcome.assert_bounded(name);
    assert!(
        outcome.has_neighbour_finding(),
        "{name}: the other file was not checked:\n{}\n{}",
        outcome.stdout,
        outcome.stderr
    );
    outcome
}

/// The file is read and nothing is found in it: exit 1 for the neighbour's warning alone.
fn assert_clean(name: &str, bytes: &[u8]) -> Outcome {
    let outcome = check_beside(name, bytes);
    assert_eq!(outcome.code, 1, "{name}: {}", outcome.stderr);
    let mentions: Vec<&str> = outcome
        .stdout
        .lines()
        .chain(outcome.stderr.lines())
        .filter(|l| l.contains(name))
        .collect();
    assert!(mentions.is_empty(), "{name}: {mentions:#?}");
    outcome
}

/// The file is an error naming it (exit 2) whose message contains `says`.
fn assert_error(name: &str, bytes: &[u8], says: &str) -> Outcome {
    let outcome = check_beside(name, bytes);
    assert_eq!(outcome.code, 2, "{name}: {}", outcome.stderr);
    let line = outcome.error_for(name);
    assert!(line.contains(says), "{name}: {line}");
    outcome
}

/// The file gets a finding of `rule` (exit 1).
fn assert_finding(name: &str, bytes: &[u8], rule: &str) -> Outcome {
    let outcome = check_beside(name, bytes);
    assert_eq!(outcome.code, 1, "{name}: {}", outcome.stderr);
    assert!(
        outcome
            .stdout
            .lines()
            .any(|l| l.starts_with(&format!("{name}:")) && l.contains(&format!("[{rule}]"))),
        "{name}: no {rule}:\n{}",
        outcome.stdout
    );
    outcome
}

fn job(name: &str, container: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n{container}"
    )
}

#[test]
fn billion_laughs_is_cheap() {
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n");
    text.push_str("  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let previous = format!("*l{}", i - 1);
        text.push_str(&format!(
            "  l{i}: &l{i} [{}]\n",
            vec![previous; 10].join(", ")
        ));
    }
    // The same expansion (10^10 strings) where extraction reads: a Job's args.
    text.push_str("---\n");
    text.push_str(&job(
        "lol",
        "      - name: lol\n        image: registry.example.com/lol:v1\n        args: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n        command: [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]\n",
    ));
    let outcome = assert_clean("laughs.yaml", text.as_bytes());
    assert!(outcome.cpu < Duration::from_secs(5), "{outcome:?}");
}

#[test]
fn merge_key_bomb_runs_out_of_alias_budget_and_says_so() {
    // Each level merges the previous one twice: looking a key up walks 2^60 merge sources.
    let mut text = String::from("x-m0: &m0 {kind: x}\n");
    for i in 1..60 {
        text.push_str(&format!(
            "x-m{i}: &m{i} {{<<: [*m{}, *m{}]}}\n",
            i - 1,
            i - 1
        ));
    }
    text.push_str("apiVersion: batch/v1\nkind: Job\nmetadata:\n  <<: *m59\n  name: bomb\n");
    text.push_str("spec:\n  template:\n    spec:\n      containers:\n      - <<: *m59\n        name: c\n        image: myapp:v1\n");
    let outcome = assert_error("merges.yaml", text.as_bytes(), "--alias-budget");
    assert!(outcome.error_for("merges.yaml").contains("raise the limit"));
}

#[test]
fn quadratic_alias_bomb_runs_out_of_alias_budget_and_says_so() {
    // One Job with 50 containers, listed 20,000 times through an alias: a million containers
    // if every alias were expanded.
    let containers: String = (0..50)
        .map(|i| format!("          - name: c{i}\n            image: myapp:v{i}\n"))
        .collect();
    let mut text = format!(
        "apiVersion: v1\nkind: List\nx-job: &job\n  apiVersion: batch/v1\n  kind: Job\n  metadata:\n    name: j\n  spec:\n    template:\n      spec:\n        containers:\n{containers}items:\n"
    );
    for _ in 0..20_000 {
        text.push_str("- *job\n");
    }
    let outcome = assert_error("quadratic.yaml", text.as_bytes(), "--alias-budget");
    assert!(outcome.max_rss_kib < 256 * 1024, "{outcome:?}");
}

#[test]
fn deep_flow_and_block_nesting_name_the_depth_limit() {
    let flow = "[".repeat(100_000);
    let outcome = assert_error("flow.yaml", flow.as_bytes(), "--max-depth");
    assert!(outcome.error_for("flow.yaml").contains("128"));
    let mut block = "- ".repeat(100_000);
    block.push_str("x\n");
    assert_error("block.yaml", block.as_bytes(), "--max-depth");
    // A deep document does not hide the other documents of its file.
    let mixed = format!(
        "{}\n---\n{}",
        "{a: ".repeat(1000),
        job("after", "      - name: c\n        image: myapp\n")
    );
    let outcome = assert_error("mixed.yaml", mixed.as_bytes(), "--max-depth");
    assert!(
        outcome.stdout.contains("mixed.yaml:") && outcome.stdout.contains("[image-unpinned]"),
        "{}",
        outcome.stdout
    );
}

/// About `bytes` of a cluster dump: apps with a Deployment, a migration Job (every tenth one on
/// another release), a Service and a ConfigMap each.
fn cluster_dump(bytes: usize) -> String {
    let settings: String = (0..20)
        .map(|k| format!("    key_{k}: value number {k} for the application settings\n"))
        .collect();
    let mut text = String::with_capacity(bytes + 4096);
    let mut app = 0;
    while text.len() < bytes {
        let team = app % 40;
        let job_release = if app % 10 == 0 { app + 1 } else { app };
        text.push_str(&format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{app}\n  namespace: team-{team}\n  labels:\n    app.kubernetes.io/name: app-{app}\nspec:\n  replicas: 2\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: app-{app}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/team-{team}/app-{app}:v1.{app}.0\n        command: [\"bundle\", \"exec\", \"puma\"]\n        envFrom:\n        - secretRef:\n            name: app-{app}-secrets\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate-{app}\n  namespace: team-{team}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: migrate\n        image: registry.example.com/team-{team}/app-{app}:v1.{job_release}.0\n        command: [\"bundle\", \"exec\", \"rails\", \"db:migrate\"]\n        envFrom:\n        - secretRef:\n            name: app-{app}-secrets\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web-{app}\n  namespace: team-{team}\nspec:\n  ports:\n  - port: 80\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-{app}-config\n  namespace: team-{team}\ndata:\n  settings.yaml: |\n{settings}---\n"
        ));
        app += 1;
    }
    text
}

#[test]
fn a_50_mb_manifest_is_refused_by_default_and_checked_when_allowed() {
    let text = cluster_dump(50 * 1024 * 1024);
    let dir = project(&[("dump.yaml", text.as_bytes())]);
    let refused = run_in(dir.path(), &["check", "--format", "concise", "."]);
    refused.assert_bounded("dump.yaml (default limit)");
    assert_eq!(refused.code, 2);
    assert!(refused.error_for("dump.yaml").contains("--max-file-size"));
    assert!(refused.has_neighbour_finding());
    let checked = run_in(
        dir.path(),
        &[
            "check",
            "--format",
            "concise",
            "--max-file-size",
            "60000000",
            ".",
        ],
    );
    checked.assert_bounded("dump.yaml");
    assert_eq!(checked.code, 1, "{}", checked.stderr);
    let mismatches = checked
        .stdout
        .lines()
        .filter(|l| l.starts_with("dump.yaml:") && l.contains("[image-mismatch]"))
        .count();
    let apps = text.matches("kind: Deployment").count();
    assert_eq!(mismatches, apps.div_ceil(10));
    assert!(checked.has_neighbour_finding());
    eprintln!(
        "50 MB manifest ({apps} apps): {:?} CPU, peak RSS {} MiB",
        checked.cpu,
        checked.max_rss_kib / 1024
    );
}

#[test]
fn a_20_mb_scalar_is_read() {
    let mut text =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: ");
    text.push_str(&"x".repeat(20 * 1024 * 1024));
    text.push('\n');
    let outcome = assert_clean("scalar.yaml", text.as_bytes());
    eprintln!(
        "20 MB scalar: {:?} CPU, peak RSS {} MiB",
        outcome.cpu,
        outcome.max_rss_kib / 1024
    );
}

#[test]
fn invalid_utf8_and_binary_files_are_errors_naming_the_path() {
    assert_error("latin1.yaml", b"name: caf\xe9\n", "not UTF-8");
    // A binary file named `.yaml` (an ELF header and bytes of every value).
    let mut binary = b"\x7fELF\x02\x01\x01\0".to_vec();
    binary.extend((0..=255u8).cycle().take(64 * 1024));
    assert_error("binary.yaml", &binary, "not UTF-8");
}

#[test]
fn nul_bytes_and_unterminated_quotes_are_syntax_errors() {
    assert_finding(
        "nul.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: \0\0\0\n",
        "syntax-error",
    );
    let broken = job("quote", "      - name: c\n        image: \"myapp:v1\n");
    assert_finding("quote.yaml", broken.as_bytes(), "syntax-error");
}

#[test]
fn empty_files_documents_and_a_lone_bom_are_clean() {
    assert_clean("empty.yaml", b"");
    assert_clean("bom.yaml", "\u{feff}".as_bytes());
    assert_clean("documents.yaml", b"---\n---\n...\n---\n# nothing\n...\n");
    assert_clean("whitespace.yaml", b"\n\n   \n\t\n");
}

#[test]
fn crlf_line_ends_give_the_same_positions() {
    let crlf = NEIGHBOUR.replace('\n', "\r\n");
    let outcome = check_beside("crlf.yaml", crlf.as_bytes());
    assert!(
        outcome
            .stdout
            .lines()
            .any(|l| l.starts_with("crlf.yaml:10:16: warning[image-unpinned]")),
        "{}",
        outcome.stdout
    );
}

#[test]
fn duplicate_keys_keep_the_first_value() {
    let text = "apiVersion: batch/v1\nkind: Job\nkind: Deployment\nmetadata:\n  name: dup\n  name: other\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: myapp:v1\n        image: myapp\n";
    assert_clean("dup.yaml", text.as_bytes());
}

#[test]
fn very_long_lines_render_in_every_format() {
    // One 8 MB line: a Job in flow style with a long annotation before an untagged image.
    let text = format!(
        "{{apiVersion: batch/v1, kind: Job, metadata: {{name: long, annotations: {{note: \"{}\"}}}}, spec: {{template: {{spec: {{containers: [{{name: c, image: myapp}}]}}}}}}}}\n",
        "y".repeat(8 * 1024 * 1024)
    );
    let dir = project(&[("long.yaml", text.as_bytes())]);
    for format in ["concise", "json", "full"] {
        let outcome = run_in(dir.path(), &["check", "--format", format, "."]);
        outcome.assert_bounded(&format!("long.yaml --format {format}"));
        assert_eq!(outcome.code, 1, "{}", outcome.stderr);
        assert!(outcome.stdout.contains("image-unpinned"));
    }
}

#[test]
fn symlink_loops_do_not_trap_the_walk() {
    let dir = project(&[]);
    symlink(".", dir.path().join("loop")).unwrap();
    symlink("../..", dir.path().join("up")).unwrap();
    symlink("b.yaml", dir.path().join("a.yaml")).unwrap();
    symlink("a.yaml", dir.path().join("b.yaml")).unwrap();
    let outcome = run_in(dir.path(), &["check", "--format", "concise", "."]);
    outcome.assert_bounded("symlink loop");
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(outcome.has_neighbour_finding());
    // Named explicitly, the looping symlink is an error naming it.
    let outcome = run_in(
        dir.path(),
        &["check", "--format", "concise", "a.yaml", "neighbour.yaml"],
    );
    outcome.assert_bounded("symlink loop, named");
    assert_eq!(outcome.code, 2);
    outcome.error_for("a.yaml");
    assert!(outcome.has_neighbour_finding());
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = project(&[]);
    let fifo = dir.path().join("pipe.yaml");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    for args in [
        &["check", "--format", "concise", "."][..],
        &[
            "check",
            "--format",
            "concise",
            "pipe.yaml",
            "neighbour.yaml",
        ][..],
    ] {
        let outcome = run_in(dir.path(), args);
        outcome.assert_bounded("fifo");
        assert_eq!(outcome.code, 2, "{}", outcome.stderr);
        assert!(outcome.error_for("pipe.yaml").contains("FIFO"));
        assert!(outcome.has_neighbour_finding());
    }
}

#[test]
fn a_compose_dotenv_that_is_a_fifo_or_dev_zero_is_not_read() {
    // `.env` is read because compose.yaml is there, not because it was named: it used to be
    // read without the regular-file check (a FIFO blocked the run, /dev/zero never ended).
    let compose = "services:\n  web:\n    image: registry.example.com/shop/app:${TAG}\n";
    let dir = project(&[("compose.yaml", compose.as_bytes())]);
    let dotenv = dir.path().join(".env");
    let path = std::ffi::CString::new(dotenv.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    let outcome = run_in(dir.path(), &["check", "--format", "concise", "-v", "."]);
    outcome.assert_bounded("fifo .env");
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(outcome.has_neighbour_finding());
    assert!(
        outcome
            .stderr
            .contains("note: .env: not read (it is not a file)"),
        "{}",
        outcome.stderr
    );
    std::fs::remove_file(&dotenv).unwrap();
    symlink("/dev/zero", &dotenv).unwrap();
    let outcome = run_in(dir.path(), &["check", "--format", "concise", "."]);
    outcome.assert_bounded("/dev/zero .env");
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(outcome.has_neighbour_finding());
}

#[test]
fn a_dotenv_whose_variables_double_each_other_is_cheap() {
    // 700 bytes of `.env` that expand to 2^40 bytes: it used to run out of memory.
    let mut dotenv = String::from("A0=0123456789abcdef\n");
    for i in 1..=40 {
        dotenv.push_str(&format!("A{i}=${{A{}}}${{A{}}}\n", i - 1, i - 1));
    }
    let compose = "services:\n  web:\n    image: registry.example.com/shop/app:${A40}\n";
    let dir = project(&[
        ("compose.yaml", compose.as_bytes()),
        (".env", dotenv.as_bytes()),
    ]);
    let outcome = run_in(dir.path(), &["check", "--format", "concise", "-v", "."]);
    outcome.assert_bounded("doubling .env");
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(outcome.has_neighbour_finding());
    assert!(
        outcome
            .stderr
            .contains("compose.yaml: variables expand to more than"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn an_unreadable_file_is_an_error_naming_it() {
    let dir = project(&[("secret.yaml", NEIGHBOUR.as_bytes())]);
    let secret = dir.path().join("secret.yaml");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    // root reads anything: run the check as `nobody` then (the directory must let it in).
    // SAFETY: geteuid has no preconditions.
    let as_root = unsafe { libc::geteuid() } == 0;
    if as_root {
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(
            dir.path().join("neighbour.yaml"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
    }
    let outcome = run_with(dir.path(), &["check", "--format", "concise", "."], as_root);
    outcome.assert_bounded("unreadable");
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome
            .error_for("secret.yaml")
            .contains("ermission denied"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.has_neighbour_finding());
}

#[test]
fn files_removed_while_the_run_reads_them_are_errors_naming_them() {
    // The deterministic case (removed between the walk and the read) is a unit test in lib.rs;
    // this one races a real run. Whatever the timing, each removed file is either not found by
    // the walk or an error naming it, and the rest is checked.
    let dir = project(&[]);
    let names: Vec<String> = (0..3_000).map(|i| format!("gone-{i:04}.yaml")).collect();
    for name in &names {
        let container = "      - name: job\n        image: registry.example.com/shop/app:v1\n";
        std::fs::write(dir.path().join(name), job(name, container)).unwrap();
    }
    let remover = {
        let dir = dir.path().to_path_buf();
        let names = names.clone();
        std::thread::spawn(move || {
            // Let the run start, then remove from the end of the path order while it reads
            // from the start.
            std::thread::sleep(Duration::from_millis(20));
            for name in names.iter().rev() {
                std::fs::remove_file(dir.join(name)).unwrap();
            }
        })
    };
    let outcome = run_in(dir.path(), &["check", "--format", "concise", "."]);
    remover.join().unwrap();
    outcome.assert_bounded("files removed mid-run");
    assert!(outcome.has_neighbour_finding(), "{}", outcome.stderr);
    let errors: Vec<&str> = outcome
        .stderr
        .lines()
        .filter(|l| l.starts_with("adminlint: error: "))
        .collect();
    for line in &errors {
        assert!(
            line.starts_with("adminlint: error: gone-")
                && line.contains(".yaml: it was removed while adminlint was running ("),
            "{line}"
        );
    }
    assert_eq!(outcome.code, if errors.is_empty() { 1 } else { 2 });
    eprintln!(
        "{} of 3,000 files were removed while they were read",
        errors.len()
    );
}

#[test]
fn ten_thousand_tiny_files_of_one_app() {
    // 5,000 Deployments and 5,000 migration Jobs of one image in one directory: every Job has
    // 5,000 release peers.
    let dir = project(&[]);
    for i in 0..10_000 {
        let text = if i % 2 == 1 {
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/tiny/app:v1.2.3\n"
            )
        } else {
            job(
                &format!("job-{i}"),
                &format!(
                    "      - name: job\n        image: registry.example.com/tiny/app:v1.2.{}\n",
                    i % 3
                ),
            )
        };
        std::fs::write(dir.path().join(format!("f{i:05}.yaml")), text).unwrap();
    }
    let outcome = run_in(dir.path(), &["check", "--format", "concise", "."]);
    outcome.assert_bounded("10,000 files");
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    let mismatches = outcome
        .stdout
        .lines()
        .filter(|l| l.contains("[image-mismatch]"))
        .count();
    assert_eq!(mismatches, 5_000);
    assert!(outcome.has_neighbour_finding());
    assert!(
        outcome
            .stdout
            .ends_with("Found 5001 findings (5000 errors, 1 warning) in 10001 files.\n"),
        "{}",
        outcome.stdout.lines().last().unwrap_or_default()
    );
}

#[test]
fn stdin_is_held_to_the_size_limit() {
    let dir = project(&[]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_adminlint"))
        .args(["check", "--max-file-size", "1000", "-"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // More than the limit; the reader stops early, so a broken pipe here is fine.
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'#'; 64 * 1024];
        for _ in 0..64 {
            if std::io::Write::write_all(&mut stdin, &chunk).is_err() {
                break;
            }
        }
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("<stdin>: ") && stderr.contains("--max-file-size"),
        "{stderr}"
    );
}

/// `check -v` in `dir`: notes go to stderr.
fn check_verbose(dir: &Path, what: &str) -> Outcome {
    let outcome = run_in(dir, &["check", "-v", "--format", "concise", "."]);
    outcome.assert_bounded(what);
    assert!(
        outcome.has_neighbour_finding(),
        "{what}: the other file was not checked:\n{}\n{}",
        outcome.stdout,
        outcome.stderr
    );
    outcome
}

#[test]
fn kustomizations_that_include_themselves_are_notes_naming_the_cycle() {
    let migrate = job(
        "migrate",
        "      - name: migrate\n        image: registry.example.com/shop/app:1.0\n",
    );
    let dir = project(&[
        (
            "self/kustomization.yaml",
            b"resources:\n  - migrate.yaml\n  - .\n",
        ),
        ("self/migrate.yaml", migrate.as_bytes()),
        (
            "pair/a/kustomization.yaml",
            b"resources:\n  - ../b\n  - migrate.yaml\n",
        ),
        ("pair/a/migrate.yaml", migrate.as_bytes()),
        ("pair/b/kustomization.yaml", b"resources:\n  - ../a\n"),
    ]);
    let outcome = check_verbose(dir.path(), "include cycles");
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    for note in [
        "note: self/kustomization.yaml: the kustomization includes itself (self/kustomization.yaml -> self/kustomization.yaml)",
        "note: pair/a/kustomization.yaml: the kustomization includes itself (pair/a/kustomization.yaml -> pair/b/kustomization.yaml -> pair/a/kustomization.yaml)",
    ] {
        assert!(outcome.stderr.contains(note), "{note}\n{}", outcome.stderr);
    }
}

#[test]
fn a_patch_bomb_is_cheap() {
    // 2,000 Jobs beside their app, 3,000 patches each naming one Job (a thousand name none:
    // kustomize allows that), and one patch moving every Job to another release.
    let mut jobs = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/shop/app:1.0\n---\n",
    );
    for i in 0..2_000 {
        jobs.push_str(&job(
            &format!("job-{i}"),
            "      - name: job\n        image: registry.example.com/shop/app:1.0\n",
        ));
        jobs.push_str("---\n");
    }
    let mut kustomization = String::from("resources:\n  - jobs.yaml\npatches:\n");
    for i in 0..3_000 {
        kustomization.push_str(&format!(
            "  - target:\n      kind: Job\n      name: job-{i}\n    patch: |-\n      - op: add\n        path: /metadata/labels\n        value: {{n: \"{i}\"}}\n"
        ));
    }
    kustomization.push_str(
        "  - target:\n      kind: Job\n    patch: |-\n      - op: replace\n        path: /spec/template/spec/containers/0/image\n        value: registry.example.com/shop/app:2.0\n",
    );
    let dir = project(&[
        ("bomb/kustomization.yaml", kustomization.as_bytes()),
        ("bomb/jobs.yaml", jobs.as_bytes()),
    ]);
    let outcome = check_verbose(dir.path(), "patch bomb");
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    let moved = outcome
        .stdout
        .lines()
        .filter(|l| l.starts_with("bomb/kustomization.yaml:") && l.contains("[image-mismatch]"))
        .count();
    assert!(moved > 0, "{}", outcome.stdout);
}

#[test]
fn a_json_6902_path_into_a_missing_node_is_a_note_naming_the_path() {
    let migrate = job(
        "migrate",
        "      - name: migrate\n        image: registry.example.com/shop/app:1.0\n",
    );
    let dir = project(&[
        (
            "k/kustomization.yaml",
            b"resources:\n  - migrate.yaml\npatches:\n  - target:\n      kind: Job\n    patch: |-\n      - op: replace\n        path: /spec/template/spec/containers/7/image\n        value: registry.example.com/shop/app:2.0\n",
        ),
        ("k/migrate.yaml", migrate.as_bytes()),
    ]);
    let outcome = check_verbose(dir.path(), "missing node");
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(
        outcome
            .stderr
            .lines()
            .any(|l| l.starts_with("note: k/kustomization.yaml")
                && l.contains("/spec/template/spec/containers/7/image")),
        "{}",
        outcome.stderr
    );
}

#[test]
fn generator_sources_that_are_a_fifo_or_dev_zero_are_notes_not_reads() {
    // A generator's files are read when its kustomization is rendered, not because they were
    // named: a FIFO must not block the run, /dev/zero must not fill memory.
    let migrate = job(
        "migrate",
        "      - name: migrate\n        image: registry.example.com/shop/app:1.0\n",
    );
    let dir = project(&[
        (
            "k/kustomization.yaml",
            b"resources:\n  - migrate.yaml\nconfigMapGenerator:\n  - name: settings\n    envs:\n      - fifo.env\n    files:\n      - zero.txt\n",
        ),
        ("k/migrate.yaml", migrate.as_bytes()),
    ]);
    let fifo = dir.path().join("k/fifo.env");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    symlink("/dev/zero", dir.path().join("k/zero.txt")).unwrap();
    let outcome = check_verbose(dir.path(), "fifo and /dev/zero generator sources");
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    for source in ["env file `fifo.env`", "file `zero.txt`"] {
        assert!(
            outcome.stderr.contains(&format!(
                "note: k/kustomization.yaml: configMapGenerator `settings`: {source} could not be read ("
            )),
            "{source}\n{}",
            outcome.stderr
        );
    }
}

/// A chart `chart/` (Chart.yaml, `values`, one template `templates/bomb.yaml`) beside the
/// neighbour: rendering is bounded, the template's budget is a `template-error` finding at the
/// template (or at the values string `tpl` renders), and the neighbour is still checked.
fn assert_template_bounded(what: &str, values: &str, template: &str, says: &str) {
    assert_template_bounded_at(what, values, template, says, "chart/templates/bomb.yaml");
}

fn assert_template_bounded_at(what: &str, values: &str, template: &str, says: &str, at: &str) {
    let dir = project(&[
        (
            "chart/Chart.yaml",
            b"apiVersion: v2\nname: bomb\nversion: 0.1.0\n",
        ),
        ("chart/values.yaml", values.as_bytes()),
        ("chart/templates/bomb.yaml", template.as_bytes()),
    ]);
    let outcome = run_in(dir.path(), &["check", "--format", "concise", "."]);
    outcome.assert_bounded(what);
    assert!(outcome.has_neighbour_finding(), "{what}: {outcome:?}");
    let finding = outcome
        .stdout
        .lines()
        .find(|l| l.starts_with(&format!("{at}:")) && l.contains("[template-error]"))
        .unwrap_or_else(|| panic!("{what}: no template-error:\n{}", outcome.stdout));
    assert!(finding.contains(says), "{what}: {finding}");
}

#[test]
fn helm_include_recursion_is_cut_at_the_depth_limit() {
    assert_template_bounded(
        "include recursion",
        "",
        "{{- define \"again\" }}{{ include \"again\" . }}{{ end }}\nkind: ConfigMap\ndata: {{ include \"again\" . }}\n",
        "deep",
    );
}

#[test]
fn helm_tpl_of_itself_is_cut_at_the_depth_limit() {
    // The recursion is in the values string: the finding is there.
    assert_template_bounded_at(
        "tpl of itself",
        "loop: \"{{ tpl .Values.loop . }}\"\n",
        "kind: ConfigMap\ndata: {{ tpl .Values.loop . }}\n",
        "deep",
        "chart/values.yaml",
    );
}

#[test]
fn helm_range_over_a_huge_until_runs_out_of_steps() {
    assert_template_bounded(
        "range over until",
        "",
        "kind: ConfigMap\ndata:\n{{- range until 1000000000 }}\n  - x\n{{- end }}\n",
        "",
    );
}

#[test]
fn helm_values_alias_bomb_printed_with_to_yaml_is_bounded() {
    let mut values = String::from("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let previous = format!("*l{}", i - 1);
        values.push_str(&format!(
            "l{i}: &l{i} [{}]\n",
            vec![previous; 10].join(", ")
        ));
    }
    assert_template_bounded(
        "values alias bomb",
        &values,
        "kind: ConfigMap\ndata:\n  all: |\n    {{- toYaml .Values.l9 | nindent 4 }}\n",
        "",
    );
}

/// A 10 MB shell script (continuations, quotes, here-documents, variables) and a 100k-line
/// Makefile are scanned in time linear in their size: each is read, and the one admin command at
/// its end is still found.
#[test]
fn a_10_mb_script_and_a_100k_line_makefile_are_scanned() {
    let admin =
        "kubectl run migrate --image=registry.example.com/shop/app -- ./manage.py migrate\n";
    let mut script = String::from("#!/bin/sh\nREGISTRY=registry.example.com\n");
    let mut line = 0;
    while script.len() < 10 * 1024 * 1024 {
        line += 1;
        script.push_str(&format!(
            "TAG_{line}=\"1.{line}\" && echo \"$TAG_{line}\" \\\n  | grep -q 1 # note {line}\ncat <<EOF\n$REGISTRY/app:{line}\nEOF\n"
        ));
    }
    script.push_str(admin);
    let outcome = assert_finding("deploy.sh", script.as_bytes(), "image-unpinned");
    eprintln!(
        "10 MB script: {:?} CPU, peak RSS {} MiB",
        outcome.cpu,
        outcome.max_rss_kib / 1024
    );
    let mut makefile = String::from("IMAGE ?= registry.example.com/shop/app\n");
    for target in 0..25_000 {
        makefile.push_str(&format!(
            "t{target}:\n\t@echo $(IMAGE) \\\n\t  && docker build -t $(IMAGE):{target} .\n\n"
        ));
    }
    makefile.push_str(&format!("migrate:\n\t{admin}"));
    let outcome = assert_finding("Makefile", makefile.as_bytes(), "image-unpinned");
    eprintln!(
        "100k-line Makefile: {:?} CPU, peak RSS {} MiB",
        outcome.cpu,
        outcome.max_rss_kib / 1024
    );
}

/// A variable doubled on every line, and one unterminated quote running to the end of a large
/// script: the scan stays bounded.
#[test]
fn variable_bombs_and_unterminated_quotes_in_scripts_are_cheap() {
    let mut bomb = String::from("A=xxxxxxxxxxxxxxxx\n");
    for _ in 0..64 {
        bomb.push_str("A=\"$A$A\"\n");
    }
    bomb.push_str("kubectl run x --image=$A:$A -- ./manage.py migrate\n");
    check_beside("bomb.sh", bomb.as_bytes());
    let mut quote = String::from("#!/bin/sh\necho \"");
    quote.push_str(&"kubectl run x --image=a -- migrate \\\n".repeat(200_000));
    check_beside("quote.sh", quote.as_bytes());
}
