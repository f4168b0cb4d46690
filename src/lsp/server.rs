//! The server loop: initialize, document notifications, re-checks and publishing, code actions,
//! shutdown.
//!
//! The server keeps an incremental [`Engine`] between requests. Notifications only record what
//! changed (a buffer, a file on disk) and mark the state stale; once no message is waiting (or
//! before answering a request) the engine re-runs the changed files' group alone, and the
//! server publishes the changed documents first, then every other file whose findings changed
//! (a Deployment edit updates the open Job). A burst of edits costs one update, so work for a
//! text the next keystroke replaced is never started; each publish carries the version of the
//! text it was computed from, and never describes an older text than the one before it. Files
//! created or deleted, workspace folders, the configuration and saves check the whole
//! workspace again (facts of unchanged files still come from the engine's memo).

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidChangeWorkspaceFolders, DidCloseTextDocument,
    DidOpenTextDocument, DidSaveTextDocument, Exit, LogMessage, Notification as _,
    PublishDiagnostics, ShowMessage,
};
use lsp_types::request::{CodeActionRequest, Request as _, Shutdown};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    InitializeParams, InitializeResult, LogMessageParams, MessageType, OneOf,
    PublishDiagnosticsParams, SaveOptions, ServerCapabilities, ServerInfo, ShowMessageParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri, WorkspaceFolder, WorkspaceFoldersServerCapabilities,
    WorkspaceServerCapabilities,
};

use super::actions::actions;
use super::diagnostics::{Locator, RuleDocs, file_error, file_errors, finding, uri_for};
use super::documents::{Document, Documents, canonical};
use super::position::Encoding;
use super::uri;
use crate::CheckOptions;
use crate::engine::Engine;
use crate::report::Report;

/// Serve on stdin / stdout until the client says `exit` or goes away. Returns the process exit
/// code: 0 after `shutdown` then `exit`, 1 otherwise (as the protocol asks).
pub fn run() -> io::Result<u8> {
    let (connection, io_threads) = Connection::stdio();
    let code = serve(&connection);
    // The writer thread ends when the last sender is gone: drop the connection before joining,
    // or the process never exits.
    drop(connection);
    io_threads.join()?;
    code
}

/// Serve on any connection (stdio, or in memory for tests).
pub fn serve(connection: &Connection) -> io::Result<u8> {
    let (id, params) = connection.initialize_start().map_err(io::Error::other)?;
    let params: InitializeParams = match serde_json::from_value(params) {
        Ok(params) => params,
        Err(error) => {
            let message = format!("invalid initialize parameters: {error}");
            let response = Response::new_err(id, ErrorCode::InvalidParams as i32, message.clone());
            let _ = connection.sender.send(response.into());
            return Err(io::Error::new(io::ErrorKind::InvalidData, message));
        }
    };
    let mut server = Server::new(&params);
    let result = serde_json::to_value(server.capabilities())?;
    connection
        .initialize_finish(id, result)
        .map_err(io::Error::other)?;
    Ok(server.main_loop(connection))
}

/// What was last published for a URI: the version it describes and the diagnostics.
type Published = (Option<i32>, Vec<lsp_types::Diagnostic>);

struct Server {
    encoding: Encoding,
    /// Workspace folders, canonical.
    roots: Vec<PathBuf>,
    documents: Documents,
    docs: RuleDocs,
    /// The workspace's results, matching `documents` unless `stale`; made at the first check.
    engine: Option<Engine>,
    published: BTreeMap<Uri, Published>,
    /// A notification changed what a check would see.
    stale: bool,
    /// Files whose text changed since the last check (buffers, files on disk), canonical.
    changed: BTreeSet<PathBuf>,
    /// The next check must check the whole workspace (files created or deleted, folders, the
    /// configuration, a save).
    check_all: bool,
    /// Publish these at the next check even when nothing changed (opened, saved).
    forced: BTreeSet<Uri>,
    /// Whether the first check has been announced in the client's log.
    announced: bool,
    shutdown_requested: bool,
}

impl Server {
    fn new(params: &InitializeParams) -> Self {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|general| general.position_encodings.as_deref());
        Server {
            encoding: Encoding::negotiate(offered),
            roots: workspace_roots(params),
            documents: Documents::default(),
            docs: RuleDocs::write_under(RuleDocs::default_cache()),
            engine: None,
            published: BTreeMap::new(),
            // Load the workspace as soon as the client is quiet.
            stale: true,
            changed: BTreeSet::new(),
            check_all: true,
            forced: BTreeSet::new(),
            announced: false,
            shutdown_requested: false,
        }
    }

    fn capabilities(&self) -> InitializeResult {
        InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(self.encoding.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(false),
                        })),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..CodeActionOptions::default()
                    },
                )),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "adminlint".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        }
    }

    fn main_loop(&mut self, connection: &Connection) -> u8 {
        loop {
            let message = if self.stale {
                match connection.receiver.try_recv() {
                    Ok(message) => message,
                    Err(error) if error.is_empty() => {
                        self.recheck(connection);
                        continue;
                    }
                    Err(_) => return 1,
                }
            } else {
                match connection.receiver.recv() {
                    Ok(message) => message,
                    Err(_) => return 1,
                }
            };
            match message {
                Message::Request(request) => self.request(connection, request),
                Message::Notification(notification) if notification.method == Exit::METHOD => {
                    return if self.shutdown_requested { 0 } else { 1 };
                }
                Message::Notification(notification) => self.notification(connection, notification),
                Message::Response(_) => {}
            }
        }
    }

    fn request(&mut self, connection: &Connection, request: Request) {
        let id = request.id.clone();
        if self.shutdown_requested {
            let message = "the server is shutting down".to_string();
            respond_err(connection, id, ErrorCode::InvalidRequest, message);
            return;
        }
        match request.method.as_str() {
            Shutdown::METHOD => {
                self.shutdown_requested = true;
                respond(connection, Response::new_ok(id, ()));
            }
            CodeActionRequest::METHOD => match request.extract(CodeActionRequest::METHOD) {
                Ok((id, params)) => {
                    if self.stale {
                        self.recheck(connection);
                    }
                    let result = self.code_actions(&params);
                    respond(connection, Response::new_ok(id, result));
                }
                Err(error) => {
                    let message = format!("invalid code action parameters: {error}");
                    respond_err(connection, id, ErrorCode::InvalidParams, message);
                }
            },
            method => {
                let message = format!("adminlint does not handle `{method}`");
                respond_err(connection, id, ErrorCode::MethodNotFound, message);
            }
        }
    }

    fn notification(&mut self, connection: &Connection, notification: Notification) {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Some(params) = extract::<DidOpenTextDocument>(notification) else {
                    return;
                };
                let item = params.text_document;
                // Only local files take part in the workspace (not `untitled:` buffers).
                if let Some(path) = uri::to_path(&item.uri) {
                    self.forced.insert(item.uri.clone());
                    let path = canonical(&path);
                    self.changed.insert(path.clone());
                    self.documents.open(Document {
                        uri: item.uri,
                        path,
                        version: item.version,
                        text: item.text,
                    });
                    self.stale = true;
                }
            }
            DidChangeTextDocument::METHOD => {
                let Some(params) = extract::<DidChangeTextDocument>(notification) else {
                    return;
                };
                let document = params.text_document;
                if self.documents.change(
                    &document.uri,
                    document.version,
                    params.content_changes,
                    self.encoding,
                ) {
                    if let Some(changed) = self.documents.get(&document.uri) {
                        self.changed.insert(changed.path.clone());
                        // Every version gets its publish, so a client sees it was checked.
                        self.forced.insert(document.uri);
                    }
                    self.stale = true;
                }
            }
            DidSaveTextDocument::METHOD => {
                let Some(params) = extract::<DidSaveTextDocument>(notification) else {
                    return;
                };
                if self.documents.get(&params.text_document.uri).is_some() {
                    self.forced.insert(params.text_document.uri);
                }
                // Other files may have changed on disk too (a formatter, a checkout).
                self.check_all = true;
                self.stale = true;
            }
            DidCloseTextDocument::METHOD => {
                let Some(params) = extract::<DidCloseTextDocument>(notification) else {
                    return;
                };
                let uri = params.text_document.uri;
                if let Some(closed) = self.documents.close(&uri) {
                    self.changed.insert(closed.path);
                    self.published.remove(&uri);
                    self.forced.remove(&uri);
                    publish(connection, uri, None, Vec::new());
                    // The file on disk now stands where the buffer was.
                    self.stale = true;
                }
            }
            DidChangeWorkspaceFolders::METHOD => {
                let Some(params) = extract::<DidChangeWorkspaceFolders>(notification) else {
                    return;
                };
                let removed: Vec<PathBuf> = folder_paths(&params.event.removed).collect();
                self.roots.retain(|root| !removed.contains(root));
                for added in folder_paths(&params.event.added) {
                    if !self.roots.contains(&added) {
                        self.roots.push(added);
                    }
                }
                self.check_all = true;
                self.stale = true;
            }
            DidChangeWatchedFiles::METHOD => {
                let Some(params) = extract::<DidChangeWatchedFiles>(notification) else {
                    return;
                };
                for change in params.changes {
                    let path = uri::to_path(&change.uri).map(|p| canonical(&p));
                    match path {
                        // Whether the walk takes a new file, or what a deleted one tied, is the
                        // whole workspace's question.
                        Some(path) if change.typ == lsp_types::FileChangeType::CHANGED => {
                            if path
                                .file_name()
                                .is_some_and(|n| n == crate::config::CONFIG_FILE)
                            {
                                self.check_all = true;
                            }
                            self.changed.insert(path);
                        }
                        _ => self.check_all = true,
                    }
                }
                self.stale = true;
            }
            _ => {}
        }
    }

    /// Bring the engine up to date with the open buffers and the disk, then publish what
    /// changed: the changed documents first, then the other files.
    fn recheck(&mut self, connection: &Connection) {
        self.stale = false;
        let forced = std::mem::take(&mut self.forced);
        let changed = std::mem::take(&mut self.changed);
        let check_all = std::mem::take(&mut self.check_all) || self.engine.is_none();
        let buffers: BTreeMap<PathBuf, String> = self
            .documents
            .iter()
            // Chart templates and values files too: their chart is rendered from the buffers.
            .map(|d| (d.path.clone(), d.text.clone()))
            .collect();
        let roots = self.roots.clone();
        let previous = self.engine.take();
        let outcome = catch_unwind(AssertUnwindSafe(move || match previous {
            Some(mut engine) if !check_all => {
                for path in &changed {
                    engine.set_buffer(path.clone(), buffers.get(path).cloned());
                }
                engine.update(&changed);
                engine
            }
            _ => {
                // The same configuration as the CLI: `.adminlint.yaml` found from the workspace
                // root; facts of unchanged files from the memo of the engine before.
                let memo = previous.and_then(|engine| engine.options().memo.clone());
                Engine::new(CheckOptions {
                    paths: roots,
                    buffers,
                    config: crate::ConfigChoice::Discover,
                    // The first check reads unchanged files' facts from the project's fact
                    // cache, as the CLI does; later edits use the engine's memory.
                    cache: true,
                    memo,
                    ..CheckOptions::default()
                })
            }
        }));
        let engine = match outcome {
            Ok(engine) => engine,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                let message = format!(
                    "adminlint failed while checking ({what}); findings shown may be out of date. Please report this."
                );
                notify::<ShowMessage>(
                    connection,
                    ShowMessageParams {
                        typ: MessageType::ERROR,
                        message,
                    },
                );
                // The next check starts from scratch.
                self.check_all = true;
                return;
            }
        };
        if !self.announced {
            self.announced = true;
            let (files, workloads) = engine.runs().fold((0, 0), |(f, w), run| {
                (
                    f + run.report.summary.files,
                    w + run.report.summary.workloads,
                )
            });
            let message = format!(
                "adminlint {}: {files} files, {workloads} workloads in {} workspace folder(s); positions in {}",
                env!("CARGO_PKG_VERSION"),
                self.roots.len(),
                self.encoding.kind().as_str()
            );
            notify::<LogMessage>(
                connection,
                LogMessageParams {
                    typ: MessageType::INFO,
                    message,
                },
            );
        }
        self.engine = Some(engine);
        let next = self.diagnostics_by_uri();
        let (first, rest): (Vec<_>, Vec<_>) =
            next.iter().partition(|(uri, _)| forced.contains(*uri));
        for (uri, (version, diagnostics)) in first.into_iter().chain(rest) {
            let unchanged = self
                .published
                .get(uri)
                .is_some_and(|(v, d)| v == version && d == diagnostics);
            if forced.contains(uri) || !unchanged {
                publish(connection, uri.clone(), *version, diagnostics.clone());
            }
        }
        for (uri, (_, diagnostics)) in &self.published {
            if !next.contains_key(uri) && !diagnostics.is_empty() {
                publish(connection, uri.clone(), None, Vec::new());
            }
        }
        self.published = next;
    }

    /// What every open document and every file with an error should show now.
    fn diagnostics_by_uri(&self) -> BTreeMap<Uri, Published> {
        let mut next: BTreeMap<Uri, Published> = self
            .documents
            .iter()
            .map(|d| (d.uri.clone(), (Some(d.version), Vec::new())))
            .collect();
        let Some(engine) = &self.engine else {
            return next;
        };
        for (path, (report, diagnostics)) in engine.diagnostics() {
            let Some(document) = self.documents.by_path(&path) else {
                continue;
            };
            let locator = self.locator(report);
            if let Some(entry) = next.get_mut(&document.uri) {
                entry
                    .1
                    .extend(diagnostics.iter().map(|d| finding(&locator, &self.docs, d)));
            }
        }
        let errors = Report {
            errors: engine.errors().into_iter().cloned().collect(),
            ..Report::default()
        };
        for (path, message, position) in file_errors(&errors) {
            let path = canonical(&path);
            let Some(uri) = uri_for(&self.documents, &path) else {
                continue;
            };
            let version = self.documents.get(&uri).map(|d| d.version);
            let entry = next.entry(uri).or_insert((version, Vec::new()));
            entry.1.push(file_error(&message, position));
        }
        next
    }

    fn code_actions(&self, params: &CodeActionParams) -> Vec<lsp_types::CodeActionOrCommand> {
        let Some(document) = self.documents.get(&params.text_document.uri) else {
            return Vec::new();
        };
        let Some(run) = self.engine.as_ref().and_then(|e| e.run_of(&document.path)) else {
            return Vec::new();
        };
        let Some(file) = run
            .report
            .files
            .iter()
            .find(|f| f.path.as_deref() == Some(document.path.as_path()))
        else {
            return Vec::new();
        };
        actions(
            &self.locator(&run.report),
            &self.docs,
            file.id,
            params.range,
        )
    }

    fn locator<'a>(&'a self, report: &'a Report) -> Locator<'a> {
        Locator {
            report,
            documents: &self.documents,
            encoding: self.encoding,
        }
    }
}

/// The workspace folders, else the deprecated root URI / path; canonical, existing directories.
#[allow(deprecated)]
fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = match &params.workspace_folders {
        Some(folders) if !folders.is_empty() => folder_paths(folders).collect(),
        _ => params
            .root_uri
            .as_ref()
            .and_then(uri::to_path)
            .or_else(|| params.root_path.as_ref().map(PathBuf::from))
            .map(|path| canonical(&path))
            .into_iter()
            .collect(),
    };
    roots.retain(|root| root.is_dir());
    roots.sort();
    roots.dedup();
    roots
}

fn folder_paths(folders: &[WorkspaceFolder]) -> impl Iterator<Item = PathBuf> + '_ {
    folders
        .iter()
        .filter_map(|folder| uri::to_path(&folder.uri))
        .map(|path| canonical(&path))
}

fn extract<N: lsp_types::notification::Notification>(
    notification: Notification,
) -> Option<N::Params> {
    notification.extract(N::METHOD).ok()
}

fn publish(
    connection: &Connection,
    uri: Uri,
    version: Option<i32>,
    diagnostics: Vec<lsp_types::Diagnostic>,
) {
    notify::<PublishDiagnostics>(
        connection,
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    );
}

fn notify<N: lsp_types::notification::Notification>(connection: &Connection, params: N::Params) {
    // A closed connection ends the loop at the next receive; nothing to do here.
    let _ = connection
        .sender
        .send(Notification::new(N::METHOD.to_string(), params).into());
}

fn respond(connection: &Connection, response: Response) {
    let _ = connection.sender.send(response.into());
}

fn respond_err(connection: &Connection, id: RequestId, code: ErrorCode, message: String) {
    respond(connection, Response::new_err(id, code as i32, message));
}
