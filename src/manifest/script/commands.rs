//! The command forms that start a process — `kubectl run | create job | exec | debug`, `docker run`,
//! `podman run`, `docker compose run | exec`, `heroku run`, `ssh HOST 'cmd'` and local admin
//! commands — read from one simple command's words.

use std::ops::Range;

use crate::model::command::{self, Intent};
use crate::model::script::Tool;
use crate::model::workload::{ConfigKind, ConfigVia, EnvValue};

/// One word of a command: its text with the script's variables expanded, as written, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Part {
    /// Quotes removed, variables expanded.
    pub text: String,
    /// As written in the script.
    pub raw: String,
    /// Byte range in the segment lexed.
    pub bytes: Range<usize>,
}

impl Part {
    /// The value of `--name=value` (or the whole word when it is not written that way), with
    /// the range of the value alone when the word is written plainly.
    fn value_after(&self, name: &str) -> Part {
        let Some(text) = self
            .text
            .strip_prefix(name)
            .and_then(|t| t.strip_prefix('='))
        else {
            return self.clone();
        };
        let prefix = name.len() + 1;
        let bytes = if self.raw.starts_with(&format!("{name}=")) {
            self.bytes.start + prefix..self.bytes.end
        } else {
            self.bytes.clone()
        };
        Part {
            text: text.to_string(),
            raw: self.raw.get(prefix..).unwrap_or_default().to_string(),
            bytes,
        }
    }
}

/// A config source a command gives its process, with the range of the option's value.
pub(super) struct Config {
    pub kind: ConfigKind,
    pub name: String,
    pub via: ConfigVia,
    pub bytes: Range<usize>,
}

/// An environment variable a command sets.
pub(super) struct Env {
    pub name: String,
    pub value: EnvValue,
    pub bytes: Range<usize>,
}

/// What one command starts.
pub(super) struct Found {
    pub tool: Tool,
    /// `kubectl run NAME`, `--name`, the Compose service.
    pub name: Option<Part>,
    /// `-n` / `--namespace`.
    pub namespace: Option<Part>,
    pub image: Option<Part>,
    /// The workload it runs in: (kind as written, name).
    pub runs_in: Option<(String, Part)>,
    pub env: Vec<Env>,
    pub config: Vec<Config>,
    /// The process's own command, word by word.
    pub inner: Vec<Part>,
    /// `ssh`: the host.
    pub host: Option<Part>,
    /// The word that makes it an admin task.
    pub admin_word: Option<String>,
    /// `docker compose -f a -f b …`: the Compose files it combines, in order.
    pub compose_files: Vec<String>,
    /// `kubectl debug --copy-to … --set-image …`: the target's container with another image.
    pub keeps_target_config: bool,
}

impl Found {
    fn new(tool: Tool) -> Found {
        Found {
            tool,
            name: None,
            namespace: None,
            image: None,
            runs_in: None,
            env: Vec::new(),
            config: Vec::new(),
            inner: Vec::new(),
            host: None,
            admin_word: None,
            compose_files: Vec::new(),
            keeps_target_config: false,
        }
    }
}

/// Options and operands of a command line after its program (and subcommands).
struct Options {
    /// `(name, value)`: `--name=value`, `--name value` for options that take one, or a flag.
    given: Vec<(String, Option<Part>)>,
    operands: Vec<Part>,
    /// The words after `--`, or after the operand that ends the options.
    rest: Vec<Part>,
}

impl Options {
    fn value(&self, names: &[&str]) -> Option<&Part> {
        self.given
            .iter()
            .rev()
            .find(|(n, _)| names.contains(&n.as_str()))
            .and_then(|(_, v)| v.as_ref())
    }

    fn values<'a>(&'a self, names: &'a [&str]) -> impl Iterator<Item = &'a Part> {
        self.given
            .iter()
            .filter(|(n, _)| names.contains(&n.as_str()))
            .filter_map(|(_, v)| v.as_ref())
    }
}

/// Reads options and operands: `takes_value` lists the options with a separate value; after
/// `operands_before_rest` operands (when given) everything else is the process's command.
fn options(words: &[Part], takes_value: &str, operands_before_rest: Option<usize>) -> Options {
    let mut out = Options {
        given: Vec::new(),
        operands: Vec::new(),
        rest: Vec::new(),
    };
    let mut i = 0;
    while let Some(word) = words.get(i) {
        i += 1;
        if operands_before_rest == Some(out.operands.len()) && !word.text.starts_with('-') {
            out.rest = words[i - 1..].to_vec();
            return out;
        }
        if word.text == "--" {
            out.rest = words[i..].to_vec();
            return out;
        }
        if word.text.len() > 1 && word.text.starts_with('-') {
            if let Some((name, _)) = word
                .text
                .split_once('=')
                .filter(|_| word.text.starts_with("--"))
            {
                out.given
                    .push((name.to_string(), Some(word.value_after(name))));
            } else if listed(takes_value, &word.text) {
                out.given.push((word.text.clone(), words.get(i).cloned()));
                i += 1;
            } else {
                out.given.push((word.text.clone(), None));
            }
            continue;
        }
        out.operands.push(word.clone());
    }
    out
}

fn listed(list: &str, word: &str) -> bool {
    list.split_ascii_whitespace().any(|w| w == word)
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// The words after the commands that only run the rest (`exec docker compose run …`, `sudo
/// -E kubectl run …`, `env FOO=1 heroku run …`, `time`, `nohup`, `command`) and their options.
fn after_prefixes(words: &[Part]) -> &[Part] {
    let mut i = 0;
    while let Some(first) = words.get(i) {
        let takes_value = match basename(&first.text) {
            "sudo" => "-u -g -C -h -p -U -D -r -t",
            "env" => "-u --unset -C --chdir -S --split-string",
            "exec" => "-a",
            "time" | "nohup" | "command" => "",
            _ => break,
        };
        let env = first.text == "env";
        i += 1;
        while let Some(word) = words.get(i) {
            let assignment = env
                && word
                    .text
                    .split_once('=')
                    .is_some_and(|(name, _)| super::text::is_name(name));
            if word.text.len() > 1 && word.text.starts_with('-') {
                i += 1 + usize::from(listed(takes_value, &word.text));
            } else if assignment {
                i += 1;
            } else {
                break;
            }
        }
    }
    &words[i.min(words.len())..]
}

/// Recognises the command `words` (leading assignments already taken off) start, if any.
pub(super) fn recognise(words: &[Part]) -> Option<Found> {
    let words = after_prefixes(words);
    let program = basename(&words.first()?.text);
    let after = &words[1..];
    let mut found = match program {
        "kubectl" | "oc" => kubectl(after)?,
        "docker" | "podman" | "nerdctl" => match after.first().map(|w| w.text.as_str()) {
            Some("run") => docker_run(&after[1..]),
            Some("compose") => compose(&after[1..])?,
            _ => return None,
        },
        "docker-compose" | "podman-compose" => compose(after)?,
        "heroku" => {
            (after.first()?.text == "run").then_some(())?;
            let parsed = options(
                &after[1..],
                "-a --app -r --remote -s --size -e --env",
                Some(0),
            );
            let mut found = Found::new(Tool::HerokuRun);
            found.inner = parsed.rest;
            found
        }
        "ssh" => {
            let parsed = options(
                after,
                "-i -p -l -o -F -J -L -R -D -E -b -c -m -O -Q -S -W -w -e -I -B",
                Some(1),
            );
            let mut found = Found::new(Tool::Ssh);
            found.host = parsed.operands.first().cloned();
            found.inner = parsed.rest;
            found
        }
        _ => {
            let mut found = Found::new(Tool::Local);
            found.inner = words.to_vec();
            found
        }
    };
    found.admin_word = admin_word(&found);
    Some(found)
}

/// The admin task a command runs: the admin word of its command line (`migrate`, `db:seed`),
/// or an app's own console or task runner (`rails console`, `manage.py shell`, `rake x`) that a
/// one-off runner starts; for `kubectl run` / `create job`, a name that says so.
fn admin_word(found: &Found) -> Option<String> {
    let argv: Vec<&str> = found.inner.iter().map(|p| p.text.as_str()).collect();
    let line = command::parse_argv(&argv);
    let word = match command::intent(&line) {
        (Intent::Admin, word) => word,
        (Intent::LongRunning, _) => return None,
        (Intent::Unknown, _) => command::service_admin_word(&line),
    };
    // A test suite run in a container (`compose run app manage.py test` in CI) touches a test
    // database, not the app's data; a code generator (`rails g migration`, `manage.py
    // makemigrations`) writes the developer's source tree, and `rails routes` only prints.
    let not_admin = |task: &str| {
        matches!(
            task.split(':').next(),
            Some(
                "test"
                    | "tests"
                    | "spec"
                    | "generate"
                    | "g"
                    | "destroy"
                    | "d"
                    | "new"
                    | "routes"
                    | "makemigrations"
            )
        )
    };
    if runner_task(&line).is_some_and(|(_, task)| not_admin(task)) {
        return None;
    }
    let one_off = !matches!(found.tool, Tool::Local);
    word.or_else(|| one_off.then(|| app_task(&line)).flatten())
        .or_else(|| {
            let named = matches!(found.tool, Tool::KubectlRun | Tool::KubectlCreateJob);
            let name = found.name.as_ref().filter(|_| named)?;
            let lower = name.text.to_ascii_lowercase();
            ["migrat", "seed", "setup-db", "db-init"]
                .iter()
                .any(|w| lower.contains(w))
                .then(|| name.text.clone())
        })
}

/// `manage.py X`, `rails X`, `rake X`: the app's own task runners, one-off by nature.
fn app_task(line: &command::CommandLine) -> Option<String> {
    runner_task(line).map(|(runner, task)| format!("{runner} {task}"))
}

/// The first task runner of a command line and the task it runs (`rake`, `db:migrate`).
fn runner_task(line: &command::CommandLine) -> Option<(&str, &str)> {
    line.commands.iter().find_map(|cmd| {
        let runner = cmd
            .words
            .iter()
            .position(|w| matches!(basename(w), "manage.py" | "rails" | "rake"))?;
        let task = cmd
            .words
            .get(runner + 1..)?
            .iter()
            .find(|w| !w.starts_with('-'))?;
        Some((basename(&cmd.words[runner]), task.as_str()))
    })
}

const KUBECTL_VALUES: &str = "-n --namespace --context --kubeconfig --cluster --user -c \
    --container --image --env --env-from --overrides --restart --from --serviceaccount -l \
    --labels --port -o --output --timeout --pod-running-timeout -f --filename \
    --image-pull-policy --annotations --requests --limits -s --server --token --as --copy-to \
    --set-image --target --profile --custom";

/// `kubectl run`, `kubectl create job`, `kubectl exec`.
fn kubectl(words: &[Part]) -> Option<Found> {
    let parsed = options(words, KUBECTL_VALUES, None);
    let verb = parsed.operands.first()?.text.as_str();
    let mut found = match verb {
        "run" => {
            let mut found = Found::new(Tool::KubectlRun);
            found.name = parsed.operands.get(1).cloned();
            // Operands after the name are the container's arguments, like those after `--`.
            found.inner = parsed
                .operands
                .iter()
                .skip(2)
                .chain(&parsed.rest)
                .cloned()
                .collect();
            found
        }
        "create" if parsed.operands.get(1)?.text == "job" => {
            let mut found = Found::new(Tool::KubectlCreateJob);
            found.name = parsed.operands.get(2).cloned();
            found.inner = parsed.rest.clone();
            if let Some(from) = parsed.value(&["--from"]) {
                found.runs_in = target(from, "cronjob");
            }
            found
        }
        "exec" => {
            let mut found = Found::new(Tool::KubectlExec);
            found.runs_in = target(parsed.operands.get(1)?, "");
            found.name = found.runs_in.as_ref().map(|(_, name)| name.clone());
            found.inner = parsed.rest.clone();
            found
        }
        "debug" => debug(&parsed)?,
        _ => return None,
    };
    found.namespace = parsed.value(&["-n", "--namespace"]).cloned();
    found.image = parsed.value(&["--image"]).cloned().or(found.image);
    for env in parsed.values(&["--env"]) {
        found.env.extend(env_entry(env));
    }
    for source in parsed.values(&["--env-from"]) {
        found.config.extend(config_ref(source));
    }
    if let Some(overrides) = parsed.value(&["--overrides"]) {
        overrides_json(overrides, &mut found);
    }
    Some(found)
}

/// `kubectl debug TARGET [--image=I] [--copy-to=C [--set-image=c=I]] [-c name] -- cmd`: a
/// debug container in TARGET's pod (or in a copy of it) running `cmd`. Without an image it runs
/// in a copy of TARGET's container (its image and config, like `kubectl exec`); with `--image`
/// or `--set-image` it runs that image. A node is never the app: `node/x` is not recognised.
fn debug(parsed: &Options) -> Option<Found> {
    let operand = parsed.operands.get(1)?;
    let kind = operand.text.split_once('/').map(|(kind, _)| kind);
    if kind.is_some_and(|k| matches!(k.split('.').next(), Some("node" | "nodes" | "no"))) {
        return None;
    }
    let mut found = Found::new(Tool::KubectlDebug);
    found.runs_in = target(operand, "pod");
    found.name = found.runs_in.as_ref().map(|(_, name)| name.clone());
    found.inner = parsed.rest.clone();
    // `--set-image=app=IMAGE,sidecar=…` (or `*=IMAGE`): the image of the copy's container the
    // command runs in, the one `-c` names, else the first.
    if let Some(pairs) = parsed.value(&["--set-image"]) {
        let container = parsed
            .value(&["-c", "--container"])
            .map(|c| c.text.as_str());
        let mut offset = 0;
        let mut chosen = None;
        for pair in pairs.text.split(',') {
            let start = offset;
            offset += pair.len() + 1;
            let Some((name, image)) = pair.split_once('=') else {
                continue;
            };
            let at = start + name.len() + 1;
            let part = Part {
                text: image.to_string(),
                raw: image.to_string(),
                // The image's own bytes when the option is written as plain text.
                bytes: if pairs.raw == pairs.text {
                    pairs.bytes.start + at..pairs.bytes.start + at + image.len()
                } else {
                    pairs.bytes.clone()
                },
            };
            if chosen.is_none() || Some(name) == container || name == "*" {
                chosen = Some(part);
            }
        }
        found.keeps_target_config = chosen.is_some();
        found.image = chosen;
    }
    Some(found)
}

/// `deploy/web`, `deployment.apps/web`, `cronjob/nightly`, or a bare name of `default_kind`.
fn target(word: &Part, default_kind: &str) -> Option<(String, Part)> {
    let (kind, name) = match word.text.split_once('/') {
        Some((kind, name)) => (kind.split('.').next().unwrap_or(kind), name),
        None => (default_kind, word.text.as_str()),
    };
    if name.is_empty() {
        return None;
    }
    let start = word
        .bytes
        .end
        .saturating_sub(name.len())
        .max(word.bytes.start);
    let bytes = if word.raw.ends_with(name) {
        start..word.bytes.end
    } else {
        word.bytes.clone()
    };
    let name = Part {
        text: name.to_string(),
        raw: name.to_string(),
        bytes,
    };
    Some((kind.to_ascii_lowercase(), name))
}

/// `NAME=value` (a literal) or `NAME` alone (the caller's value of the variable).
fn env_entry(word: &Part) -> Option<Env> {
    let (name, value) = match word.text.split_once('=') {
        Some((name, value)) => (name, EnvValue::Literal(Some(value.to_string()))),
        None => (word.text.as_str(), EnvValue::Variable(word.text.clone())),
    };
    super::text::is_name(name).then(|| Env {
        name: name.to_string(),
        value,
        bytes: word.bytes.clone(),
    })
}

/// `secret/app-secrets`, `configmap/app-config` (the seed's `--env-from` form).
fn config_ref(word: &Part) -> Option<Config> {
    let (kind, name) = word.text.split_once('/')?;
    let kind = match kind.to_ascii_lowercase().as_str() {
        "secret" | "secrets" => ConfigKind::Secret,
        "configmap" | "configmaps" | "cm" => ConfigKind::ConfigMap,
        _ => return None,
    };
    Some(Config {
        kind,
        name: name.to_string(),
        via: ConfigVia::EnvFrom,
        bytes: word.bytes.clone(),
    })
}

/// `--overrides` JSON: the first container's image, `envFrom` and `env` (spans: the option).
fn overrides_json(word: &Part, found: &mut Found) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&word.text) else {
        return;
    };
    let Some(container) = value.pointer("/spec/containers/0") else {
        return;
    };
    if found.image.is_none()
        && let Some(image) = container.get("image").and_then(|i| i.as_str())
    {
        found.image = Some(Part {
            text: image.to_string(),
            raw: word.raw.clone(),
            bytes: word.bytes.clone(),
        });
    }
    for source in container
        .get("envFrom")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
    {
        for (key, kind) in [
            ("secretRef", ConfigKind::Secret),
            ("configMapRef", ConfigKind::ConfigMap),
        ] {
            if let Some(name) = source
                .pointer(&format!("/{key}/name"))
                .and_then(|n| n.as_str())
            {
                found.config.push(Config {
                    kind,
                    name: name.to_string(),
                    via: ConfigVia::EnvFrom,
                    bytes: word.bytes.clone(),
                });
            }
        }
    }
    for env in container
        .get("env")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
    {
        let Some(name) = env.get("name").and_then(|n| n.as_str()) else {
            continue;
        };
        let reference = |key: &str| -> Option<(String, String)> {
            let at = env.pointer(&format!("/valueFrom/{key}"))?;
            Some((
                at.get("name")?.as_str()?.to_string(),
                at.get("key")?.as_str()?.to_string(),
            ))
        };
        let value = if let Some((name, key)) = reference("secretKeyRef") {
            EnvValue::SecretKey { name, key }
        } else if let Some((name, key)) = reference("configMapKeyRef") {
            EnvValue::ConfigMapKey { name, key }
        } else {
            EnvValue::Literal(
                env.get("value")
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
            )
        };
        found.env.push(Env {
            name: name.to_string(),
            value,
            bytes: word.bytes.clone(),
        });
    }
}

const DOCKER_VALUES: &str = "-e --env --env-file --entrypoint --name -v --volume -p --publish \
    -w --workdir --network --net -u --user --platform -l --label --mount --add-host -h \
    --hostname --pull --restart --cpus -m --memory --log-driver --log-opt --cap-add --cap-drop \
    --device --dns --gpus --ipc --pid --runtime --security-opt --shm-size --stop-signal --tmpfs \
    --ulimit --volumes-from --link --expose --cidfile --label-file --group-add";

/// `docker run [options] IMAGE [command…]`.
fn docker_run(words: &[Part]) -> Found {
    let parsed = options(words, DOCKER_VALUES, Some(0));
    let mut found = Found::new(Tool::DockerRun);
    let mut rest = parsed.rest.iter();
    found.image = rest.next().cloned();
    found.name = parsed.value(&["--name"]).cloned();
    found.inner = parsed
        .value(&["--entrypoint"])
        .into_iter()
        .chain(rest)
        .cloned()
        .collect();
    for env in parsed.values(&["-e", "--env"]) {
        found.env.extend(env_entry(env));
    }
    for file in parsed.values(&["--env-file"]) {
        found.config.push(Config {
            kind: ConfigKind::EnvFile,
            name: file.text.clone(),
            via: ConfigVia::EnvFile,
            bytes: file.bytes.clone(),
        });
    }
    found
}

const COMPOSE_VALUES: &str = "-f --file -p --project-name --profile --env-file \
    --project-directory --ansi --parallel";
const COMPOSE_RUN_VALUES: &str = "-e --env --entrypoint -u --user -w --workdir -v --volume -p \
    --publish --name -l --label --index";

/// `docker compose [-f …] run|exec [options] SERVICE [command…]`.
fn compose(words: &[Part]) -> Option<Found> {
    let global = options(words, COMPOSE_VALUES, Some(0));
    let verb = global.rest.first()?;
    if !matches!(verb.text.as_str(), "run" | "exec") {
        return None;
    }
    let parsed = options(&global.rest[1..], COMPOSE_RUN_VALUES, Some(0));
    let mut rest = parsed.rest.iter();
    let service = rest.next()?;
    let tool = if verb.text == "exec" {
        Tool::ComposeExec
    } else {
        Tool::ComposeRun
    };
    let mut found = Found::new(tool);
    found.compose_files = global
        .values(&["-f", "--file"])
        .map(|file| file.text.clone())
        .collect();
    found.name = Some(service.clone());
    found.runs_in = Some(("service".to_string(), service.clone()));
    found.inner = parsed
        .value(&["--entrypoint"])
        .into_iter()
        .chain(rest)
        .cloned()
        .collect();
    for env in parsed.values(&["-e", "--env"]) {
        found.env.extend(env_entry(env));
    }
    Some(found)
}

/// The workload whose image a `$(kubectl get deploy web -o jsonpath=…image…)` reads.
pub(super) fn image_source(image: &Part) -> Option<(String, Part)> {
    let inner = image.text.strip_prefix("$(")?.strip_suffix(')')?;
    let script = command::script_commands(inner);
    let words: Vec<Part> = script
        .commands
        .first()?
        .words
        .iter()
        .map(|w| Part {
            text: w.text.clone(),
            raw: w.text.clone(),
            bytes: image.bytes.clone(),
        })
        .collect();
    if !matches!(
        words.first().map(|w| basename(&w.text)),
        Some("kubectl" | "oc")
    ) || !words.iter().any(|w| w.text.contains("image"))
    {
        return None;
    }
    let parsed = options(&words[1..], KUBECTL_VALUES, None);
    (parsed.operands.first()?.text == "get").then_some(())?;
    match parsed.operands.get(1..)? {
        [one] if one.text.contains('/') => target(one, ""),
        [kind, name, ..] => Some((
            kind.text.split('.').next()?.to_ascii_lowercase(),
            name.clone(),
        )),
        _ => None,
    }
    .map(|(kind, mut name)| {
        name.bytes = image.bytes.clone();
        (kind, name)
    })
}
