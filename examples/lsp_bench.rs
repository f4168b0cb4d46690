//! The language server's latency and memory on a real workspace, as an editor sees them: start
//! `adminlint lsp` in a project, open one file, then type into it one character at a time and
//! time each keystroke until the diagnostics for that version arrive.
//!
//! ```text
//! cargo run --release --example lsp_bench -- --root DIR --file RELATIVE
//!   --server BIN      the adminlint binary (default: target/release/adminlint)
//!   --root DIR        the workspace folder; the server runs there
//!   --file RELATIVE   the document to open and edit, relative to DIR; its first `image:` line
//!                     is where the keystrokes go (the end of the image reference)
//!   --edits N         keystrokes to time (default 40)
//!   --warmup N        keystrokes before the timed ones (default 3)
//! ```
//!
//! It prints one line of `key=value` pairs (seconds and megabytes) for `bench/compare.sh`:
//! `open` (from didOpen to the first diagnostics for the file: the whole workspace's first check),
//! `keystroke_median` and `keystroke_p95` (didChange to the publish of that version),
//! `rss` (the server's resident set after the keystrokes) and `hwm` (its peak), read from
//! `/proc/PID/status`. Whether the server reads a fact cache left by an earlier run is up to the
//! caller (remove `DIR/.adminlint_cache` for a cold start).

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{Value, json};

/// How long one answer may take before the benchmark gives up (a hung server is an error).
const PATIENCE: Duration = Duration::from_secs(300);

struct Settings {
    server: PathBuf,
    root: PathBuf,
    file: PathBuf,
    edits: usize,
    warmup: usize,
}

fn main() -> ExitCode {
    match parse_args().and_then(|settings| run(&settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lsp_bench: {message}");
            ExitCode::from(2)
        }
    }
}

fn parse_args() -> Result<Settings, String> {
    let mut server = PathBuf::from("target/release/adminlint");
    let mut root = None;
    let mut file = None;
    let mut edits = 40;
    let mut warmup = 3;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => server = PathBuf::from(value()?),
            "--root" => root = Some(PathBuf::from(value()?)),
            "--file" => file = Some(PathBuf::from(value()?)),
            "--edits" => edits = value()?.parse().map_err(|_| "--edits needs a number")?,
            "--warmup" => warmup = value()?.parse().map_err(|_| "--warmup needs a number")?,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let root = root.ok_or("--root is required")?;
    let root = std::fs::canonicalize(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    let file = file.ok_or("--file is required")?;
    // The server runs in the workspace, so a relative path to it must be resolved here.
    let server =
        std::fs::canonicalize(&server).map_err(|e| format!("{}: {e}", server.display()))?;
    if edits == 0 {
        return Err("--edits must be at least 1".into());
    }
    Ok(Settings {
        server,
        root,
        file,
        edits,
        warmup,
    })
}

fn run(settings: &Settings) -> Result<(), String> {
    let path = settings.root.join(&settings.file);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (line, column) = typing_position(&text)
        .ok_or_else(|| format!("{}: no `image:` line to type into", path.display()))?;
    let uri = file_uri(&path);

    let mut client = Client::start(&settings.server, &settings.root)?;
    client.request(
        "initialize",
        json!({"processId": std::process::id(), "rootUri": file_uri(&settings.root),
               "workspaceFolders": [{"uri": file_uri(&settings.root), "name": "bench"}],
               "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": true}}}}),
    )?;
    client.notify("initialized", json!({}))?;

    let opened = Instant::now();
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 0, "text": text}}),
    )?;
    client.diagnostics_for(&uri, 0)?;
    let open = opened.elapsed();

    let mut latencies = Vec::with_capacity(settings.edits);
    for version in 1..=(settings.warmup + settings.edits) as i32 {
        let position = json!({"line": line, "character": column + version as usize - 1});
        let sent = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": {"start": position, "end": position}, "text": "1"}]}),
        )?;
        client.diagnostics_for(&uri, version)?;
        if version as usize > settings.warmup {
            latencies.push(sent.elapsed());
        }
    }
    let (rss, hwm) = memory_of(client.child.id())?;
    client.stop()?;

    latencies.sort();
    let median = percentile(&latencies, 50);
    let p95 = percentile(&latencies, 95);
    println!(
        "open={:.6} keystroke_median={:.6} keystroke_p95={:.6} rss={:.1} hwm={:.1} edits={}",
        open.as_secs_f64(),
        median.as_secs_f64(),
        p95.as_secs_f64(),
        rss,
        hwm,
        settings.edits
    );
    Ok(())
}

/// Where a keystroke goes: the end of the first `image:` line's value (0-based line, column in
/// UTF-16 units; the benchmark's files are ASCII there).
fn typing_position(text: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(number, line)| {
        let value = line
            .trim_start()
            .strip_prefix("- ")
            .unwrap_or(line.trim_start());
        value
            .starts_with("image:")
            .then(|| (number, line.trim_end().encode_utf16().count()))
    })
}

/// The nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// The resident set and its peak of a process, in megabytes (Linux `/proc`).
fn memory_of(pid: u32) -> Result<(f64, f64), String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("/proc/{pid}/status: {e} (the memory figures need Linux)"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map(|kib| kib / 1024.0)
            .ok_or_else(|| format!("/proc/{pid}/status has no {name}"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

fn file_uri(path: &Path) -> String {
    // The benchmark's paths are plain (generated names); only spaces need escaping.
    format!("file://{}", path.display().to_string().replace(' ', "%20"))
}

/// The server process and the messages it sends, read on a thread.
struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Message>,
    next_id: i32,
}

impl Client {
    fn start(server: &Path, root: &Path) -> Result<Client, String> {
        let mut child = Command::new(server)
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("{}: {e}", server.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Ok(Some(message)) = Message::read(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Ok(Client {
            child,
            stdin,
            incoming,
            next_id: 0,
        })
    }

    fn send(&mut self, message: Message) -> Result<(), String> {
        message
            .write(&mut self.stdin)
            .map_err(|e| format!("writing to the server: {e}"))?;
        self.stdin
            .flush()
            .map_err(|e| format!("writing to the server: {e}"))
    }

    fn notify(&mut self, method: &str, params: Value) -> Result<(), String> {
        self.send(Notification::new(method.to_string(), params).into())
    }

    fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.send(Request::new(id.clone(), method.to_string(), params).into())?;
        loop {
            match self.next()? {
                Message::Response(response) if response.id == id => {
                    return response
                        .response_result
                        .map_err(|error| format!("{method}: {}", error.message));
                }
                _ => {}
            }
        }
    }

    /// Wait for the publish of `uri`'s diagnostics for `version`; other messages are dropped.
    fn diagnostics_for(&mut self, uri: &str, version: i32) -> Result<(), String> {
        loop {
            if let Message::Notification(notification) = self.next()?
                && notification.method == "textDocument/publishDiagnostics"
                && notification.params["uri"] == uri
                && notification.params["version"] == version
            {
                return Ok(());
            }
        }
    }

    fn next(&mut self) -> Result<Message, String> {
        match self.incoming.recv_timeout(PATIENCE) {
            Ok(message) => Ok(message),
            Err(RecvTimeoutError::Timeout) => Err(format!("no answer in {PATIENCE:?}")),
            Err(RecvTimeoutError::Disconnected) => Err("the server exited".into()),
        }
    }

    fn stop(mut self) -> Result<(), String> {
        self.request("shutdown", Value::Null)?;
        self.notify("exit", Value::Null)?;
        let status = self
            .child
            .wait()
            .map_err(|e| format!("waiting for the server: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("the server exited with {status}"))
        }
    }
}
