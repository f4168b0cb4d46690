//! `adminlint lsp` at the protocol level: the test spawns the server and speaks JSON-RPC to it
//! over its stdin / stdout, as an editor would.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{Value, json};

/// Long enough for a slow CI machine; the tests wait for events, they do not time them.
const PATIENCE: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Every message received, in order.
    seen: Vec<Value>,
    /// Received messages no wait has claimed yet, in order.
    unclaimed: Vec<Value>,
    next_id: i32,
    _cache: tempfile::TempDir,
}

impl Client {
    /// Start the server in `cwd` and initialize it with `root` as the workspace folder.
    fn start(cwd: &Path, root: Option<&Path>, utf8: bool) -> (Client, Value) {
        let cache = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_adminlint"))
            .arg("lsp")
            .current_dir(cwd)
            .env("XDG_CACHE_HOME", cache.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Ok(Some(message)) = Message::read(&mut reader) {
                if sender.send(serde_json::to_value(message).unwrap()).is_err() {
                    break;
                }
            }
        });
        let mut client = Client {
            stdin: child.stdin.take(),
            child,
            incoming,
            seen: Vec::new(),
            unclaimed: Vec::new(),
            next_id: 0,
            _cache: cache,
        };
        let mut capabilities = json!({
            "textDocument": {"publishDiagnostics": {"relatedInformation": true, "versionSupport": true},
                             "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}}}},
        });
        if utf8 {
            capabilities["general"] = json!({"positionEncodings": ["utf-8", "utf-16"]});
        }
        let folders = root.map(|root| json!([{"uri": uri(root), "name": "w"}]));
        let result = client.request(
            "initialize",
            json!({"processId": null, "rootUri": root.map(uri), "capabilities": capabilities,
                   "workspaceFolders": folders}),
        );
        client.notify("initialized", json!({}));
        (client, result)
    }

    fn send(&mut self, message: Message) {
        message.write(self.stdin.as_mut().unwrap()).unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(Notification::new(method.to_string(), params).into());
    }

    /// Send a request and wait for its result (panics on an error response).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(Request::new(RequestId::from(id), method.to_string(), params).into());
        let response = self.wait_for(|m| m["id"] == id && m.get("method").is_none());
        assert!(response.get("error").is_none(), "{response}");
        response["result"].clone()
    }

    /// The first unclaimed message that satisfies `want`, waiting for it if need be.
    fn wait_for(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(index) = self.unclaimed.iter().position(&want) {
            return self.unclaimed.remove(index);
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) => {
                    self.seen.push(message.clone());
                    if want(&message) {
                        return message;
                    }
                    self.unclaimed.push(message);
                }
                Err(RecvTimeoutError::Timeout) => panic!("timed out; seen: {:#?}", self.seen),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("server gone; seen: {:#?}", self.seen)
                }
            }
        }
    }

    /// The next publishDiagnostics for `uri` that satisfies `want`; returns its params.
    fn publish(&mut self, uri: &str, want: impl Fn(&Value) -> bool) -> Value {
        let message = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && want(&m["params"])
        });
        message["params"].clone()
    }

    fn open(&mut self, path: &Path) -> String {
        let uri = uri(path);
        let text = std::fs::read_to_string(path).unwrap_or_default();
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
        uri
    }

    fn change(&mut self, uri: &str, version: i32, range: Value, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": range, "text": text}]}),
        );
    }

    /// `shutdown`, `exit`, and how long the process took to end after `exit`.
    fn stop(mut self) -> (Option<i32>, Duration) {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        let sent = Instant::now();
        let code = wait_exit(&mut self.child);
        (code, sent.elapsed())
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Wait for the process to end, at most [`PATIENCE`].
fn wait_exit(child: &mut Child) -> Option<i32> {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("the server did not exit");
}

fn uri(path: &Path) -> String {
    // The fixtures' paths are plain ASCII: no escaping needed.
    format!("file://{}", path.display())
}

/// A copy of fixtures/lsp in a temporary folder (tests edit and break files there).
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for name in ["web.yaml", "jobs.yaml"] {
        std::fs::copy(Path::new("fixtures/lsp").join(name), root.join(name)).unwrap();
    }
    (dir, root)
}

fn range(start: (u32, u32), end: (u32, u32)) -> Value {
    json!({"start": {"line": start.0, "character": start.1},
           "end": {"line": end.0, "character": end.1}})
}

fn rules(params: &Value) -> Vec<String> {
    params["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}

/// 0-based line and the UTF-16 / UTF-8 column of the first `needle` in `text`.
fn locate(text: &str, needle: &str) -> (u32, u32, u32) {
    let offset = text.find(needle).unwrap();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    let line = text[..offset].matches('\n').count();
    (
        line as u32,
        before.encode_utf16().count() as u32,
        before.len() as u32,
    )
}

const MIGRATE_IMAGE: &str = "registry.example.com/shop/app:v1.2.0";
const SEED_IMAGE: &str = "registry.example.com/shop/app:v1.1.9";
const APP_IMAGE: &str = "registry.example.com/shop/app:v1.2.3";

#[test]
fn initialize_negotiates_the_position_encoding() {
    let (_dir, root) = workspace();
    let (client, result) = Client::start(&root, Some(&root), false);
    let capabilities = &result["capabilities"];
    assert_eq!(capabilities["positionEncoding"], "utf-16");
    assert_eq!(capabilities["textDocumentSync"]["openClose"], true);
    assert_eq!(capabilities["textDocumentSync"]["change"], 2, "incremental");
    assert_eq!(
        capabilities["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix"])
    );
    assert_eq!(result["serverInfo"]["name"], "adminlint");
    assert_eq!(client.stop().0, Some(0));
    let (client, result) = Client::start(&root, Some(&root), true);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(client.stop().0, Some(0));
}

#[test]
fn open_publishes_exact_ranges_rule_links_and_the_app_side() {
    let (_dir, root) = workspace();
    let text = std::fs::read_to_string(root.join("jobs.yaml")).unwrap();
    let (line, utf16, utf8) = locate(&text, MIGRATE_IMAGE);
    assert!(
        utf16 != utf8,
        "the flagged line has non-ASCII text before the node"
    );
    for (encoding_utf8, column) in [(false, utf16), (true, utf8)] {
        let (mut client, _) = Client::start(&root, Some(&root), encoding_utf8);
        let jobs = client.open(&root.join("jobs.yaml"));
        let params = client.publish(&jobs, |_| true);
        assert_eq!(params["version"], 1);
        assert_eq!(rules(&params), ["image-mismatch", "image-mismatch"]);
        let first = &params["diagnostics"][0];
        let width = MIGRATE_IMAGE.len() as u32;
        assert_eq!(
            first["range"],
            range((line, column), (line, column + width)),
            "utf-8: {encoding_utf8}"
        );
        assert_eq!(first["severity"], 1);
        assert_eq!(first["source"], "adminlint");
        assert!(first["message"].as_str().unwrap().contains("v1.2.0"));
        let href = first["codeDescription"]["href"].as_str().unwrap();
        let doc = href.strip_prefix("file://").unwrap();
        assert!(doc.ends_with("/rules/image-mismatch.md"), "{href}");
        assert_eq!(
            std::fs::read_to_string(doc).unwrap(),
            adminlint::rules::find("image-mismatch").unwrap().doc
        );
        let related = &first["relatedInformation"][0];
        assert_eq!(related["location"]["uri"], uri(&root.join("web.yaml")));
        let web = std::fs::read_to_string(root.join("web.yaml")).unwrap();
        let (app_line, app_column, _) = locate(&web, APP_IMAGE);
        assert_eq!(
            related["location"]["range"]["start"],
            json!({"line": app_line, "character": app_column})
        );
        assert!(
            related["message"]
                .as_str()
                .unwrap()
                .contains("Deployment `web`")
        );
        assert_eq!(client.stop().0, Some(0));
    }
}

#[test]
fn edits_republish_in_order_and_reach_the_documents_that_depend_on_them() {
    let (_dir, root) = workspace();
    let text = std::fs::read_to_string(root.join("jobs.yaml")).unwrap();
    let (mut client, _) = Client::start(&root, Some(&root), false);
    let jobs = client.open(&root.join("jobs.yaml"));
    client.publish(&jobs, |p| rules(p).len() == 2);
    // Fix the first Job in the buffer only: the disk still has v1.2.0, the buffer wins.
    let (line, column, _) = locate(&text, MIGRATE_IMAGE);
    let tag = column + MIGRATE_IMAGE.len() as u32 - 1;
    client.change(&jobs, 2, range((line, tag), (line, tag + 1)), "3");
    let params = client.publish(&jobs, |p| p["version"] == 2);
    assert_eq!(rules(&params), ["image-mismatch"]);
    assert!(
        params["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("v1.1.9")
    );
    // Now move the app: open the Deployment and change its tag to the seed Job's.
    let web_path = root.join("web.yaml");
    let web = client.open(&web_path);
    let web_text = std::fs::read_to_string(&web_path).unwrap();
    let (app_line, app_column, _) = locate(&web_text, APP_IMAGE);
    let at = app_column + APP_IMAGE.len() as u32 - 3;
    client.change(&web, 2, range((app_line, at), (app_line, at + 3)), "1.9");
    // The open Job is checked again against the edited, unsaved Deployment.
    let params = client.publish(&jobs, |p| {
        p["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains("v1.2.3`, but"))
    });
    assert_eq!(params["version"], 2, "the Job's own text did not change");
    assert_eq!(rules(&params), ["image-mismatch"]);
    // Every publish of a document carries a version no older than the one before.
    let mut last = std::collections::HashMap::new();
    for message in &client.seen {
        if message["method"] == "textDocument/publishDiagnostics" {
            let params = &message["params"];
            if let Some(version) = params["version"].as_i64() {
                let previous = last.insert(params["uri"].to_string(), version);
                assert!(previous.is_none_or(|p| p <= version), "{message}");
            }
        }
    }
    assert_eq!(client.stop().0, Some(0));
}

#[test]
fn every_version_of_an_edited_document_is_published_even_when_its_findings_stay() {
    let (_dir, root) = workspace();
    let (mut client, _) = Client::start(&root, Some(&root), false);
    let jobs = client.open(&root.join("jobs.yaml"));
    let first = client.publish(&jobs, |p| rules(p).len() == 2);
    // A comment typed at the top, one keystroke at a time: each version is answered.
    for (version, letter) in (2..6).zip(["#\n", " ", "a", "b"]) {
        let column = (version as u32).saturating_sub(2);
        let column = if version == 2 { 0 } else { column };
        client.change(&jobs, version, range((0, column), (0, column)), letter);
        let params = client.publish(&jobs, |p| p["version"] == version);
        assert_eq!(rules(&params), rules(&first), "version {version}");
    }
    assert_eq!(client.stop().0, Some(0));
}

#[test]
fn save_republishes_and_close_clears() {
    let (_dir, root) = workspace();
    let (mut client, _) = Client::start(&root, Some(&root), false);
    let jobs = client.open(&root.join("jobs.yaml"));
    client.publish(&jobs, |p| rules(p).len() == 2);
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": jobs}}),
    );
    let params = client.publish(&jobs, |_| true);
    assert_eq!(rules(&params).len(), 2);
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": jobs}}),
    );
    let params = client.publish(&jobs, |_| true);
    assert_eq!(params["diagnostics"], json!([]));
    assert_eq!(client.stop().0, Some(0));
}

/// Apply LSP text edits (UTF-16 columns, ASCII lines here) to `text`.
fn apply(text: &str, edits: &[Value]) -> String {
    let mut edits: Vec<&Value> = edits.iter().collect();
    edits.sort_by_key(|e| {
        let start = &e["range"]["start"];
        std::cmp::Reverse((start["line"].as_u64(), start["character"].as_u64()))
    });
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap() as usize;
        let column = position["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + column
    };
    let mut out = text.to_string();
    for edit in edits {
        let start = offset(&edit["range"]["start"]);
        let end = offset(&edit["range"]["end"]);
        out.replace_range(start..end, edit["newText"].as_str().unwrap());
    }
    out
}

#[test]
fn code_actions_offer_the_fix_and_a_suppression_with_a_reason() {
    let (_dir, root) = workspace();
    let text = std::fs::read_to_string(root.join("jobs.yaml")).unwrap();
    let (mut client, _) = Client::start(&root, Some(&root), false);
    let jobs = client.open(&root.join("jobs.yaml"));
    client.publish(&jobs, |p| rules(p).len() == 2);
    let (line, column, _) = locate(&text, SEED_IMAGE);
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": jobs}, "range": range((line, column + 3), (line, column + 3)),
               "context": {"diagnostics": []}}),
    );
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 2, "{actions:#?}");
    let fix = &actions[0];
    assert_eq!(fix["title"], format!("Use `{APP_IMAGE}`"));
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true);
    assert_eq!(fix["diagnostics"][0]["code"], "image-mismatch");
    let fixed = apply(&text, fix["edit"]["changes"][&jobs].as_array().unwrap());
    assert_eq!(fixed, text.replace(SEED_IMAGE, APP_IMAGE));
    let suppress = &actions[1];
    assert!(
        suppress["title"]
            .as_str()
            .unwrap()
            .starts_with("Suppress image-mismatch")
    );
    let suppressed = apply(
        &text,
        suppress["edit"]["changes"][&jobs].as_array().unwrap(),
    );
    assert_eq!(
        suppressed,
        text.replace(
            "        - name: seed\n",
            "        - name: seed\n          # adminlint: ignore[image-mismatch] reason: …\n"
        )
    );
    // A range with no finding has no actions.
    let none = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": jobs}, "range": range((1, 0), (1, 0)),
               "context": {"diagnostics": []}}),
    );
    assert_eq!(none, json!([]));
    assert_eq!(client.stop().0, Some(0));
}

#[test]
fn file_errors_and_broken_buffers_are_diagnostics_and_the_server_keeps_running() {
    let (_dir, root) = workspace();
    // Not UTF-8: the run cannot read it. It is not open, and is still shown.
    let blob = root.join("blob.yaml");
    std::fs::write(&blob, [b'a', b':', b' ', 0xff, b'\n']).unwrap();
    // Run from elsewhere so that the error's path is absolute, as well as from the root.
    for cwd in [root.clone(), std::env::current_dir().unwrap()] {
        let (mut client, _) = Client::start(&cwd, Some(&root), false);
        let params = client.publish(&uri(&blob), |_| true);
        let diagnostic = &params["diagnostics"][0];
        assert!(
            diagnostic["message"]
                .as_str()
                .unwrap()
                .contains("not UTF-8"),
            "{params}"
        );
        assert_eq!(diagnostic["range"], range((0, 0), (0, 0)));
        // A malformed buffer: syntax-error findings, and the server goes on.
        let jobs = client.open(&root.join("jobs.yaml"));
        client.publish(&jobs, |p| rules(p).len() == 2);
        client.change(&jobs, 2, range((2, 0), (2, 0)), "kind: [unclosed\n");
        let params = client.publish(&jobs, |p| p["version"] == 2);
        assert!(
            rules(&params).contains(&"syntax-error".to_string()),
            "{params}"
        );
        client.change(&jobs, 3, range((2, 0), (3, 0)), "");
        let params = client.publish(&jobs, |p| p["version"] == 3);
        assert_eq!(rules(&params).len(), 2);
        // The file is fixed on disk: its diagnostic is cleared at the next check.
        std::fs::write(&blob, "a: 1\n").unwrap();
        client.notify("workspace/didChangeWatchedFiles", json!({"changes": []}));
        let params = client.publish(&uri(&blob), |_| true);
        assert_eq!(params["diagnostics"], json!([]));
        std::fs::write(&blob, [0xff]).unwrap();
        assert_eq!(client.stop().0, Some(0));
    }
}

#[test]
fn without_a_workspace_folder_only_open_documents_are_checked() {
    let (_dir, root) = workspace();
    std::fs::write(root.join("blob.yaml"), [0xff]).unwrap();
    // The working directory holds a broken file; it must not be read.
    let (mut client, _) = Client::start(&root, None, false);
    let jobs = client.open(&root.join("jobs.yaml"));
    let params = client.publish(&jobs, |_| true);
    // Alone, the Jobs have no app to disagree with.
    assert_eq!(params["diagnostics"], json!([]));
    let web = client.open(&root.join("web.yaml"));
    client.publish(&web, |_| true);
    let params = client.publish(&jobs, |p| rules(p).len() == 2);
    assert_eq!(params["version"], 1);
    assert!(
        !client
            .seen
            .iter()
            .any(|m| m.to_string().contains("blob.yaml")),
        "the working directory was checked"
    );
    assert_eq!(client.stop().0, Some(0));
}

#[test]
fn exit_ends_the_process_promptly_with_the_protocols_exit_codes() {
    let (_dir, root) = workspace();
    let (mut client, _) = Client::start(&root, Some(&root), false);
    client.open(&root.join("jobs.yaml"));
    let (code, took) = client.stop();
    assert_eq!(code, Some(0));
    println!("exit after shutdown: process gone {took:?} after `exit`");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // `exit` without `shutdown` is exit code 1.
    let (mut client, _) = Client::start(&root, Some(&root), false);
    client.notify("exit", Value::Null);
    assert_eq!(wait_exit(&mut client.child), Some(1));
    // The editor going away (stdin closed) ends the server too.
    let (mut client, _) = Client::start(&root, Some(&root), false);
    drop(client.stdin.take());
    assert_eq!(wait_exit(&mut client.child), Some(1));
    // Requests after shutdown are refused, not served.
    let (mut client, _) = Client::start(&root, Some(&root), false);
    client.request("shutdown", Value::Null);
    client.next_id += 1;
    let id = client.next_id;
    client.send(
        Request::new(
            RequestId::from(id),
            "textDocument/codeAction".into(),
            json!({}),
        )
        .into(),
    );
    let response = client.wait_for(|m| m["id"] == id);
    assert_eq!(response["error"]["code"], -32600, "{response}");
    client.notify("exit", Value::Null);
    assert_eq!(wait_exit(&mut client.child), Some(0));
}

/// A manifest of 2,011 lines: the app and 100 Jobs on its release.
fn big_manifest() -> String {
    let mut text = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: registry.example.com/shop/app:v1.2.3\n",
    );
    for i in 0..100 {
        text.push_str(&format!(
            "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: task-{i}\n  namespace: shop\n  labels:\n    app: shop\n    team: payments\nspec:\n  backoffLimit: 0\n  template:\n    metadata:\n      labels:\n        app: shop\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: task\n          image: registry.example.com/shop/app:v1.2.3\n"
        ));
    }
    text
}

#[test]
fn a_2000_line_manifest_edited_100_times_keeps_up() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let path = root.join("big.yaml");
    let text = big_manifest();
    assert!(text.lines().count() >= 2000, "{}", text.lines().count());
    std::fs::write(&path, &text).unwrap();
    let (mut client, _) = Client::start(&root, Some(&root), false);
    let big = client.open(&path);
    client.publish(&big, |p| p["diagnostics"] == json!([]));
    // Retag the last Job, edit after edit, as fast as the pipe takes them.
    let line = text.lines().count() as u32 - 1;
    let prefix = "          image: registry.example.com/shop/app:";
    let start = prefix.len() as u32;
    let mut tag = "v1.2.3".to_string();
    let began = Instant::now();
    for version in 2..=101 {
        let new_tag = format!("v9.9.{version}");
        client.change(
            &big,
            version,
            range((line, start), (line, start + tag.len() as u32)),
            &new_tag,
        );
        tag = new_tag;
    }
    let sent = began.elapsed();
    // Every edit was taken in: a request after them is answered with their result.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": big}, "range": range((line, start), (line, start)),
               "context": {"diagnostics": []}}),
    );
    assert_eq!(
        actions[0]["edit"]["changes"][&big][0]["range"],
        range((line, 17), (line, start + tag.len() as u32))
    );
    let params = client.publish(&big, |p| p["version"] == 101);
    let took = began.elapsed();
    assert_eq!(rules(&params), ["image-mismatch"]);
    let message = params["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("v9.9.101`, but"), "{message}");
    assert_eq!(params["diagnostics"][0]["range"]["start"]["line"], line);
    let publishes = client
        .seen
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .count();
    println!(
        "100 edits of a {}-line manifest: sent in {sent:?}, final version published after {took:?}, {publishes} publishes",
        text.lines().count()
    );
    assert!(took < PATIENCE, "{took:?}");
    assert_eq!(client.stop().0, Some(0));
}

#[test]
fn editing_a_charts_values_buffer_renders_the_chart_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let chart = root.join("shop");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    for name in [
        "Chart.yaml",
        "values.yaml",
        "templates/_helpers.tpl",
        "templates/deployment.yaml",
        "templates/job-migrate.yaml",
    ] {
        std::fs::copy(Path::new("fixtures/helm/shop").join(name), chart.join(name)).unwrap();
    }
    let (mut client, _) = Client::start(&root, Some(&root), false);
    let job = client.open(&chart.join("templates/job-migrate.yaml"));
    let params = client.publish(&job, |p| !rules(p).is_empty());
    assert_eq!(rules(&params), ["image-mismatch"]);
    // Bring the migration's tag up to the app's in the unsaved values.yaml: the template's
    // finding goes, although the template itself did not change.
    let values_path = chart.join("values.yaml");
    let values = client.open(&values_path);
    let text = std::fs::read_to_string(&values_path).unwrap();
    let (line, column, _) = locate(&text, "\"2.3.0\"");
    client.change(
        &values,
        2,
        range((line, column + 3), (line, column + 4)),
        "4",
    );
    let params = client.publish(&job, |p| rules(p).is_empty());
    assert_eq!(params["version"], 1);
    assert_eq!(client.stop().0, Some(0));
}
