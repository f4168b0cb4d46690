//! Commands as a source of admin processes: shell scripts, GitHub Actions and GitLab CI
//! workflows, Makefile, Justfile and Taskfile recipes, Procfiles and `app.json` scripts, scanned with the one shell lexer into workloads
//! (`Format::Command`) that the rules judge like any other.

mod appjson;
mod commands;
mod herokuyml;
mod justfile;
mod makefile;
mod procfile;
mod production;
mod resolve;
mod taskfile;
mod text;
mod workflow;

use std::path::Path;

use crate::model::command;
use crate::model::image::ImageRef;
use crate::model::script::{CommandFacts, OutsideRelease, Target, Tool};
use crate::model::workload::{ConfigSource, Container, EnvVar, Format, Workload};
use crate::origin::{Origin, Spanned};
use crate::span::{FileId, Span};
use crate::yaml::{Document, Tree};

pub use resolve::resolve_targets;

use commands::{Found, Part};
use text::{Segment, Vars};

/// Which kind of file holds the commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `*.sh`, `*.bash`, or a file with a `sh` / `bash` shebang.
    Shell,
    /// A GitHub Actions workflow (`.github/workflows/*.yml`) or composite action
    /// (`action.yml`): the `run:` steps.
    GithubWorkflow,
    /// `.gitlab-ci.yml`: `script:`, `before_script:`, `after_script:`.
    GitlabCi,
    /// CircleCI's `.circleci/config.yml`: the `run:` steps of jobs and reusable commands.
    CircleCi,
    /// `Makefile`, `GNUmakefile`, `*.mk`: the recipe lines.
    Makefile,
    /// `Procfile`: one process per line; `release:` is Heroku's release phase.
    Procfile,
    /// Heroku's `app.json`: its `scripts` (and each environment's).
    AppJson,
    /// Heroku's `heroku.yml`: `release.command` and the `run:` processes.
    HerokuYml,
    /// `justfile` / `Justfile` / `.justfile` / `*.just`: the recipe lines.
    Justfile,
    /// go-task's `Taskfile.yml` (and `.yaml`, `.dist.yml`): each task's `cmds:`.
    Taskfile,
}

impl Source {
    /// True when the file is YAML, read by the YAML layer first.
    pub fn is_yaml(self) -> bool {
        matches!(
            self,
            Source::GithubWorkflow
                | Source::GitlabCi
                | Source::CircleCi
                | Source::AppJson
                | Source::HerokuYml
                | Source::Taskfile
        )
    }
}

/// The commands source a file's name says it is (no shebang: the walk reads names only).
pub fn source_of_name(path: &str) -> Option<Source> {
    let path = path.replace('\\', "/");
    let name = path.rsplit('/').next().unwrap_or(&path);
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let yaml = matches!(extension.as_deref(), Some("yml" | "yaml"));
    if name == "Procfile" || name.starts_with("Procfile.") {
        Some(Source::Procfile)
    } else if matches!(name, "Makefile" | "makefile" | "GNUmakefile")
        || extension.as_deref() == Some("mk")
    {
        Some(Source::Makefile)
    } else if matches!(extension.as_deref(), Some("sh" | "bash")) {
        Some(Source::Shell)
    } else if yaml
        && (path.contains(".github/workflows/") || matches!(name, "action.yml" | "action.yaml"))
    {
        Some(Source::GithubWorkflow)
    } else if name == ".gitlab-ci.yml" || name == ".gitlab-ci.yaml" {
        Some(Source::GitlabCi)
    } else if yaml && path.contains(".circleci/") && name.starts_with("config.") {
        Some(Source::CircleCi)
    } else if name == "app.json" {
        Some(Source::AppJson)
    } else if name == "heroku.yml" || name == "heroku.yaml" {
        Some(Source::HerokuYml)
    } else if name.eq_ignore_ascii_case("justfile")
        || name.eq_ignore_ascii_case(".justfile")
        || extension.as_deref() == Some("just")
    {
        Some(Source::Justfile)
    } else if yaml
        && matches!(
            name.to_ascii_lowercase()
                .trim_end_matches(".yml")
                .trim_end_matches(".yaml"),
            "taskfile" | "taskfile.dist"
        )
    {
        Some(Source::Taskfile)
    } else {
        None
    }
}

/// True when a walk reads the file for its commands (by name; see [`source_of_name`]).
pub fn is_script_name(path: &Path) -> bool {
    source_of_name(&path.to_string_lossy()).is_some()
}

/// Directories whose files without an extension are looked into for a shell's `#!` line
/// (`bin/migrate`, `script/deploy`, `docker/seed`): where projects keep their executable
/// scripts.
const SCRIPT_DIRS: [&str; 5] = ["bin", "script", "scripts", "docker", "deploy"];

/// True for a file without an extension in a script directory ([`SCRIPT_DIRS`]) that starts
/// with a `sh` / `bash` `#!` line: a walk reads it as a shell script. Its first bytes are read.
pub fn is_shebang_script(path: &Path) -> bool {
    let in_script_dir = (path.parent().and_then(Path::file_name))
        .and_then(|dir| dir.to_str())
        .is_some_and(|dir| SCRIPT_DIRS.contains(&dir));
    let bare_name =
        (path.file_name().and_then(|n| n.to_str())).is_some_and(|name| !name.contains('.'));
    in_script_dir
        && bare_name
        && crate::read::read_prefix(path, 256).is_ok_and(|bytes| {
            source_of("", &String::from_utf8_lossy(&bytes)) == Some(Source::Shell)
        })
}

/// The files of a project read for their commands (by name, or holding a command), in file
/// order, for `--explain-context`.
pub fn command_files(project: &crate::model::project::Project) -> Vec<FileId> {
    project
        .files
        .iter()
        .filter(|file| {
            source_of_name(&file.display).is_some()
                || project
                    .workloads
                    .iter()
                    .any(|w| w.file == file.id && w.format == Format::Command)
        })
        .map(|file| file.id)
        .collect()
}

/// The commands source of a file: by name, else a `sh` / `bash` shebang.
pub fn source_of(display: &str, text: &str) -> Option<Source> {
    source_of_name(display).or_else(|| {
        let first = text.lines().next()?.strip_prefix("#!")?;
        let mut words = first.split_whitespace();
        let mut program = words.next()?.rsplit('/').next()?;
        if program == "env" {
            program = words.find(|w| !w.starts_with('-'))?;
        }
        matches!(program, "sh" | "bash" | "dash" | "ash" | "ksh" | "zsh").then_some(Source::Shell)
    })
}

/// The workloads of a file that is not YAML (script, Makefile, Procfile).
pub fn extract_text(source: Source, file: FileId, text: &str) -> Vec<Workload> {
    let scan = Scan { file, text };
    let mut out = Vec::new();
    match source {
        Source::Shell => {
            let segment = Segment::shifted(file, text.to_string(), 0);
            scan.segment(&segment, &mut Vars::default(), None, &mut out);
        }
        Source::Makefile => {
            let (segment, mut vars) = makefile::recipes(file, text);
            scan.segment(&segment, &mut vars, None, &mut out);
        }
        Source::Justfile => {
            let (segment, mut vars) = justfile::recipes(file, text);
            scan.segment(&segment, &mut vars, None, &mut out);
        }
        Source::Procfile => procfile::extract(&scan, &mut out),
        Source::GithubWorkflow
        | Source::GitlabCi
        | Source::CircleCi
        | Source::AppJson
        | Source::HerokuYml
        | Source::Taskfile => {}
    }
    out
}

/// True when a shell script names migrations outside its `comments` (in order, from
/// [`lex`]): it waits for them (`python manage.py wait_for_migrations`) or runs them
/// (`rails db:migrate`).
pub fn names_migrations(text: &str, comments: &[crate::yaml::Comment]) -> bool {
    let mut from = 0;
    for comment in comments {
        let start = (comment.start as usize).clamp(from, text.len());
        if command::mentions_migrations(&text[from..start]) {
            return true;
        }
        from = (comment.end as usize).clamp(start, text.len());
    }
    command::mentions_migrations(&text[from..])
}

/// What a script, Makefile or Procfile says beside its workloads, from one pass of the shell
/// lexer.
pub struct Lexed {
    /// Its comments (where suppressions are written): a `#` inside quotes or a word is not one.
    pub comments: Vec<crate::yaml::Comment>,
    /// The Jobs it deletes by name ([`deleted_jobs`]).
    pub deleted_jobs: Vec<String>,
}

/// Lex a script's text once for its comments and the Jobs it deletes.
pub fn lex(text: &str) -> Lexed {
    let script = command::script_commands(text);
    let comments = script
        .comments
        .iter()
        .map(|range| {
            let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
            crate::yaml::Comment {
                start: u32::try_from(range.start).unwrap_or(u32::MAX),
                end: u32::try_from(range.end).unwrap_or(u32::MAX),
                trailing: !text[line_start..range.start].trim().is_empty(),
            }
        })
        .collect();
    Lexed {
        comments,
        deleted_jobs: deleted_jobs(&script.commands),
    }
}

/// The Jobs a script deletes by name (`kubectl delete job/db-migrate`, `kubectl delete jobs a
/// b --ignore-not-found`, `oc delete job.batch/x`): a deploy script that deletes a migration
/// Job before applying it again lets a fixed name run each release. Names with variables are
/// left out (what they hold is not known).
fn deleted_jobs(commands: &[command::ScriptCommand]) -> Vec<String> {
    const VALUE_OPTIONS: &str = "-n --namespace --context --kubeconfig -l --selector \
        --field-selector -o --output --timeout --grace-period --cascade --cluster --user -s \
        --server --token --as";
    let mut names = Vec::new();
    for command in commands {
        let words: Vec<&str> = (command.words.iter())
            .filter(|w| !w.assign)
            .map(|w| w.text.as_str())
            .collect();
        let program = |w: &&str| matches!(w.rsplit('/').next(), Some("kubectl" | "oc"));
        let Some(at) = words.iter().position(program) else {
            continue;
        };
        let mut rest = words[at + 1..].iter().copied();
        let mut operands = Vec::new();
        while let Some(word) = rest.next() {
            if word.starts_with('-') {
                let takes_value = VALUE_OPTIONS.split_ascii_whitespace().any(|o| o == word);
                if !word.contains('=') && takes_value {
                    rest.next();
                }
                continue;
            }
            operands.push(word);
        }
        let [verb, resources @ ..] = operands.as_slice() else {
            continue;
        };
        if *verb != "delete" {
            continue;
        }
        let is_job = |kind: &str| matches!(kind, "job" | "jobs" | "job.batch" | "jobs.batch");
        let found: Vec<&str> = match resources {
            [kind, names @ ..] if is_job(kind) => names.to_vec(),
            _ => resources
                .iter()
                .filter_map(|r| r.split_once('/').filter(|(k, _)| is_job(k)).map(|(_, n)| n))
                .collect(),
        };
        names.extend(
            found
                .into_iter()
                .filter(|name| !name.is_empty() && !name.contains(['$', '`', '{']))
                .map(str::to_string),
        );
    }
    names.sort();
    names.dedup();
    names
}

/// The workloads of one document of a workflow file.
pub fn extract_document(
    source: Source,
    tree: &Tree,
    document: &Document,
    file: FileId,
    text: &str,
) -> Vec<Workload> {
    let scan = Scan { file, text };
    let mut out = Vec::new();
    if let Some(root) = document.root.filter(|&r| tree.is_mapping(r)) {
        match source {
            Source::GithubWorkflow => workflow::github(&scan, tree, root, &mut out),
            Source::GitlabCi => workflow::gitlab(&scan, tree, root, &mut out),
            Source::CircleCi => workflow::circleci(&scan, tree, root, &mut out),
            Source::AppJson => appjson::extract(&scan, tree, root, &mut out),
            Source::HerokuYml => herokuyml::extract(&scan, tree, root, &mut out),
            Source::Taskfile => taskfile::extract(&scan, tree, root, &mut out),
            _ => {}
        }
    }
    out
}

/// How deep `ssh host 'ssh other …'` is followed.
const MAX_SSH_NESTING: usize = 2;

/// A file being scanned.
struct Scan<'a> {
    file: FileId,
    text: &'a str,
}

/// `ssh HOST 'script'`: the host, and how deep.
struct ViaSsh {
    host: String,
    depth: usize,
}

impl Scan<'_> {
    /// Scans a segment's commands, in order, into workloads; assignments update `vars`.
    fn segment(
        &self,
        segment: &Segment,
        vars: &mut Vars,
        ssh: Option<&ViaSsh>,
        out: &mut Vec<Workload>,
    ) {
        let mut directory: Option<Part> = None;
        for command in command::script_commands(&segment.text).commands {
            let mut parts: Vec<Part> = Vec::with_capacity(command.words.len());
            for word in &command.words {
                let text = vars.expand(&word.text);
                let raw = segment.text.get(word.bytes.clone()).unwrap_or_default();
                // An unquoted expansion is split into words (`$dcr web upgrade` with
                // `dcr="docker compose run --rm"`); each keeps the reference's place. Leading
                // assignments are never split, so they stay one part per word.
                // A command substitution's value is its output, one word here.
                let substitution = text.contains("$(") || text.contains('`');
                let split = !word.quoted && !word.assign && !substitution && text != word.text;
                if split && text.contains(char::is_whitespace) {
                    parts.extend(text.split_whitespace().map(|piece| Part {
                        text: piece.to_string(),
                        raw: raw.to_string(),
                        bytes: word.bytes.clone(),
                    }));
                } else {
                    parts.push(Part {
                        text,
                        raw: raw.to_string(),
                        bytes: word.bytes.clone(),
                    });
                }
            }
            let assigned = command.words.iter().take_while(|w| w.assign).count();
            let declares = command.words.first().is_some_and(|w| {
                !w.quoted
                    && matches!(
                        w.text.as_str(),
                        "export" | "readonly" | "declare" | "local" | "typeset"
                    )
            });
            if assigned == parts.len() || declares {
                for word in &command.words[usize::from(declares && assigned == 0)..] {
                    if let Some((name, value)) =
                        word.text.split_once('=').filter(|(n, _)| text::is_name(n))
                    {
                        vars.set(name, value);
                    }
                }
                continue;
            }
            let words = parts.get(assigned..).unwrap_or_default();
            let Some(first) = words.first() else {
                continue;
            };
            if matches!(first.text.as_str(), "cd" | "pushd") {
                directory = words.get(1).cloned();
                continue;
            }
            let Some(mut found) = commands::recognise(words) else {
                continue;
            };
            if found.tool.is_compose() && found.compose_files.is_empty() {
                found.compose_files = compose_file_variable(&parts[..assigned], vars);
            }
            if found.tool == Tool::Ssh {
                self.ssh(segment, &found, vars, ssh, out);
                continue;
            }
            let outside = match (found.tool, ssh) {
                (Tool::Local, Some(via)) => {
                    let path = directory.as_ref().or(found.inner.first());
                    path.map(|path| OutsideRelease::HostPath {
                        host: via.host.clone(),
                        path: Spanned::new(path.text.clone(), segment.span(&path.bytes)),
                    })
                }
                (Tool::Local, None) => production::resource(&parts, segment),
                _ => None,
            };
            let keep = match found.tool {
                Tool::Local => found.admin_word.is_some() && outside.is_some(),
                _ => found.admin_word.is_some(),
            };
            if keep {
                let tool = if ssh.is_some() && found.tool == Tool::Local {
                    Tool::Ssh
                } else {
                    found.tool
                };
                let span = segment.span(&(parts[0].bytes.start..parts[parts.len() - 1].bytes.end));
                out.push(self.workload(segment, found, tool, span, outside));
            }
        }
    }

    /// `ssh HOST cmd…`: the remote command scanned as a script of its own, its local admin
    /// commands running from the host's checkout.
    fn ssh(
        &self,
        segment: &Segment,
        found: &Found,
        vars: &mut Vars,
        ssh: Option<&ViaSsh>,
        out: &mut Vec<Workload>,
    ) {
        let depth = ssh.map_or(0, |s| s.depth + 1);
        let (Some(host), false) = (
            &found.host,
            found.inner.is_empty() || depth > MAX_SSH_NESTING,
        ) else {
            return;
        };
        let first = &found.inner[0];
        let last = &found.inner[found.inner.len() - 1];
        let span = segment.span(&(first.bytes.start..last.bytes.end));
        let script = found
            .inner
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let source = self.text.get(span.range()).unwrap_or_default();
        let nested = Segment::mapped(self.file, script, source, span.start as usize);
        let via = ViaSsh {
            host: host.text.clone(),
            depth,
        };
        let mut remote_vars = vars.clone();
        self.segment(&nested, &mut remote_vars, Some(&via), out);
    }

    /// The workload a recognised command starts.
    fn workload(
        &self,
        segment: &Segment,
        found: Found,
        tool: Tool,
        span: Span,
        outside: Option<OutsideRelease>,
    ) -> Workload {
        let spanned = |part: &Part| Spanned::new(part.text.clone(), segment.span(&part.bytes));
        let mut runs_in = found.runs_in.as_ref().map(|(kind, name)| Target {
            kind: kind.clone(),
            name: spanned(name),
        });
        let mut image = None;
        if let Some(written) = &found.image {
            match commands::image_source(written) {
                // The app's own image, read from the cluster when the command runs.
                Some((kind, name)) => {
                    runs_in = runs_in.or(Some(Target {
                        kind,
                        name: spanned(&name),
                    }));
                }
                None => {
                    let mut spanned =
                        Spanned::new(ImageRef::parse(&written.text), segment.span(&written.bytes));
                    // An image made of variables (`$IMAGE:$TAG`): a literal written in its place
                    // would drop them, so a fix is shown, not applied (see provenance.rs).
                    if let Some(variable) = first_variable(&written.raw) {
                        spanned.origin =
                            Origin::DIRECT.with_step(crate::origin::Step::Interpolation {
                                variable,
                                definition: None,
                            });
                    }
                    image = Some(spanned)
                }
            }
        }
        let container = Container {
            name: None,
            init: false,
            span,
            image,
            command: (!found.inner.is_empty()).then(|| found.inner.iter().map(spanned).collect()),
            args: None,
            working_dir: None,
            config: found
                .config
                .iter()
                .map(|c| ConfigSource {
                    kind: c.kind,
                    name: c.name.clone(),
                    via: c.via.clone(),
                    span: segment.span(&c.bytes),
                    optional: false,
                })
                .collect(),
            env: found
                .env
                .iter()
                .map(|e| EnvVar {
                    name: e.name.clone(),
                    value: e.value.clone(),
                    span: segment.span(&e.bytes),
                })
                .collect(),
            mounts: Vec::new(),
            build: None,
            resolved_image: None,
        };
        command_workload(
            self.file,
            span,
            found.name.as_ref().map(spanned),
            found.namespace.as_ref().map(spanned),
            container,
            CommandFacts {
                tool,
                runs_in,
                admin_word: found.admin_word,
                outside_release: outside,
                compose_files: found.compose_files,
                keeps_target_config: found.keeps_target_config,
                compose_project: None,
                joins_image: None,
                procfile: None,
            },
        )
    }
}

/// The workload a command runs as: one container, its facts, nothing a manifest would declare
/// (labels, hooks, a restart policy).
pub(super) fn command_workload(
    file: FileId,
    span: Span,
    name: Option<Spanned<String>>,
    namespace: Option<Spanned<String>>,
    container: Container,
    facts: CommandFacts,
) -> Workload {
    Workload {
        format: Format::Command,
        file,
        document: 0,
        api_version: None,
        kind: facts.tool.kind().to_string(),
        span,
        name,
        generated_name: false,
        namespace,
        labels: Vec::new(),
        annotations: Vec::new(),
        declared_role: None,
        hooks: Vec::new(),
        service_account: None,
        image_pull_secrets: Vec::new(),
        restart_policy: None,
        job: None,
        containers: vec![container],
        volumes: Vec::new(),
        app: None,
        ignores: Vec::new(),
        provenance: Origin::DIRECT,
        scope: 0,
        overlay: None,
        compose: None,
        command: Some(Box::new(facts)),
    }
}

/// The Compose files `COMPOSE_FILE` names for a `docker compose` command without `-f`: set on
/// the command (`COMPOSE_FILE=a.yml docker compose run …`) or before it (a workflow's `env:`,
/// an `export`), separated by `COMPOSE_PATH_SEPARATOR` (`:` unless set).
fn compose_file_variable(assignments: &[Part], vars: &Vars) -> Vec<String> {
    let on_command = assignments
        .iter()
        .rev()
        .find_map(|part| part.text.strip_prefix("COMPOSE_FILE="));
    let before = vars.expand("${COMPOSE_FILE}");
    let listed = match on_command {
        Some(value) => value.to_string(),
        None if before != "${COMPOSE_FILE}" => before,
        None => return Vec::new(),
    };
    let separator = vars.expand("${COMPOSE_PATH_SEPARATOR:-:}");
    let separator = separator.chars().next().unwrap_or(':');
    listed
        .split(separator)
        .map(str::trim)
        .filter(|file| !file.is_empty())
        .map(str::to_string)
        .collect()
}

/// The name of the first variable a word reads (`$TAG`, `${TAG:-1}`, `$(TAG)`), if any.
fn first_variable(raw: &str) -> Option<String> {
    let after = &raw[raw.find('$')? + 1..];
    let name: String = after
        .trim_start_matches(['{', '('])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests;
