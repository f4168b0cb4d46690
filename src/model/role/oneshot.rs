//! What says "run once" about a Compose service beyond an admin command: one-shot tools,
//! one-off profiles, one-shot environment switches, scripts.

use crate::model::command::{CommandLine, SimpleCommand};

/// `profiles:` names that keep a service out of `docker compose up` because it is started by
/// hand for a task (`docker compose --profile setup run …`).
const ONE_OFF_PROFILES: &str = "setup tools tool migrate migration migrations manual cli init \
    admin oneshot one-shot one-off once job jobs seed bootstrap install maintenance restore \
    upgrade";

/// Parts of script names (`generate.rsa.sh`, `create-buckets.sh`) that name a task run once.
const ONE_SHOT_SCRIPT_PARTS: &str =
    "generate keygen keys certs create provision restore install bootstrap";

/// The first profile of a service that names a one-off task.
pub fn one_off_profile<'a>(profiles: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    profiles.into_iter().find(|p| {
        ONE_OFF_PROFILES
            .split_ascii_whitespace()
            .any(|name| p.eq_ignore_ascii_case(name))
    })
}

/// True for an environment variable that switches an image into "run once and exit" mode
/// (`SETUP_ONESHOT=1`, `RUN_ONCE=true`) with a value that turns it on.
pub fn is_one_shot_switch(name: &str, value: &str) -> bool {
    let name = name.to_ascii_uppercase();
    let switch =
        name.ends_with("ONESHOT") || name.ends_with("ONE_SHOT") || name.ends_with("RUN_ONCE");
    switch
        && matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
}

/// The one-shot tool a command line runs, as `tool subcommand-or-flag` (`psql -f`, `mc mb`,
/// `vault operator init`), or a script named after a one-time task (`./generate.rsa.sh`).
/// These run to completion by nature: a client given a file or a statement, a bucket or
/// topic created, a cluster initialised.
pub fn one_shot_tool(line: &CommandLine) -> Option<String> {
    line.commands.iter().find_map(tool_of)
}

/// [`one_shot_tool`] of a service that runs its image's own entrypoint (no `entrypoint:`) with
/// its `command:` as arguments: the image's name stands for the program
/// (`cockroachdb/cockroach` with `command: sql --insecure -e '…'` runs `cockroach sql -e`).
pub fn image_one_shot_tool(program: &str, line: &CommandLine) -> Option<String> {
    let first = line.commands.first().filter(|_| !line.via_shell)?;
    let words: Vec<String> = std::iter::once(program.to_string())
        .chain(first.words.iter().cloned())
        .collect();
    tool_of_words(&words)
}

fn tool_of(command: &SimpleCommand) -> Option<String> {
    tool_of_words(&command.words)
}

fn tool_of_words(words: &[String]) -> Option<String> {
    let program = words.first()?.rsplit('/').next().unwrap_or_default();
    let has = |flags: &[&str]| words.iter().skip(1).find(|w| flags.contains(&w.as_str()));
    let after = |word: &str, next: &[&str]| {
        words
            .windows(2)
            .find(|pair| pair[0] == word && next.contains(&pair[1].as_str()))
            .map(|pair| pair[1].clone())
    };
    let found = match program {
        "psql" | "mysql" | "mariadb" | "sqlplus" => {
            has(&["-f", "--file", "-c", "--command", "-e", "--execute"])
                .map(|flag| format!("{program} {flag}"))
        }
        "cqlsh" => has(&["-f", "--file", "-e", "--execute"]).map(|flag| format!("cqlsh {flag}")),
        "mongosh" | "mongo" => has(&["--eval", "-f", "--file"]).map(|f| format!("{program} {f}")),
        "redis-cli" | "valkey-cli" => after("--cluster", &["create", "fix", "import"])
            .map(|s| format!("{program} --cluster {s}")),
        "mc" => words
            .iter()
            .skip(1)
            .find(|w| !w.starts_with('-'))
            .filter(|sub| ["mb", "policy", "anonymous", "admin", "ilm"].contains(&sub.as_str()))
            .map(|sub| format!("mc {sub}")),
        "vault" => after("operator", &["init", "unseal"]).map(|s| format!("vault operator {s}")),
        "cockroach" => words
            .get(1)
            .filter(|sub| sub.as_str() == "init")
            .map(|_| "cockroach init".to_string())
            .or_else(|| {
                (words.get(1).is_some_and(|s| s == "sql"))
                    .then(|| has(&["-e", "--execute", "-f", "--file"]))
                    .flatten()
                    .map(|flag| format!("cockroach sql {flag}"))
            }),
        "kafka-topics" | "kafka-topics.sh" => {
            has(&["--create"]).map(|_| format!("{program} --create"))
        }
        "aws" | "awslocal" => after("s3", &["mb"])
            .or_else(|| after("s3api", &["create-bucket"]))
            .map(|s| format!("{program} {s}")),
        "openssl" => words
            .get(1)
            .filter(|sub| ["genrsa", "genpkey", "req"].contains(&sub.as_str()))
            .map(|sub| format!("openssl {sub}")),
        "ssh-keygen" => Some("ssh-keygen".to_string()),
        _ => None,
    };
    found.or_else(|| one_shot_script(words))
}

/// A script (a path or a `.sh` / `.py` / `.rb` file) named after a one-time task.
fn one_shot_script(words: &[String]) -> Option<String> {
    words.iter().take(2).find_map(|word| {
        let base = word.rsplit('/').next().unwrap_or_default();
        let script =
            word.contains('/') || [".sh", ".py", ".rb"].iter().any(|ext| base.ends_with(ext));
        let named = base
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|part| {
                ONE_SHOT_SCRIPT_PARTS
                    .split_ascii_whitespace()
                    .any(|p| p == part)
            });
        (script && named).then(|| word.clone())
    })
}

/// True when a `sh -c` script among `argv` (the words as written, before the lexer strips
/// `exec`) hands the container over to a program with `exec`: such a script only prepares
/// what it starts (`envsubst < a.tpl > a.conf && exec caddy run`), so it is no hint of a
/// one-off.
pub fn hands_over<'a>(argv: impl IntoIterator<Item = &'a str>) -> bool {
    argv.into_iter().any(|text| {
        text.split(['\n', ';', '&', '|', '('])
            .any(|part| part.trim_start().starts_with("exec "))
    })
}

/// The script a command line runs: a `sh -c` script, or a program that is a script file or a
/// path into the image (`./scripts/report.sh`, `/docker/prepare`). None for a bare program
/// name, and for an image's generic entrypoint wrapper (`docker-entrypoint.sh`,
/// `nginx-entrypoint.sh`), which starts servers as often as tasks.
pub fn script(line: &CommandLine) -> Option<String> {
    let first = line.commands.first()?.words.first()?;
    if line.via_shell {
        return Some("a shell script".to_string());
    }
    let base = first.rsplit('/').next().unwrap_or_default();
    let script = first.contains('/')
        || [".sh", ".bash", ".py", ".rb", ".pl"]
            .iter()
            .any(|ext| base.ends_with(ext));
    let wrapper = base.to_ascii_lowercase().contains("entrypoint");
    (script && !wrapper).then(|| format!("`{first}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::command::{parse_argv, split_words};

    fn tool(command: &str) -> Option<String> {
        let argv = split_words(command);
        one_shot_tool(&parse_argv(
            &argv.iter().map(String::as_str).collect::<Vec<_>>(),
        ))
    }

    #[test]
    fn one_shot_tools_and_their_long_running_forms() {
        let table = [
            ("psql -h db -U app -f /init/schema.sql", Some("psql -f")),
            ("psql -h db -c 'ALTER SYSTEM SET x = on'", Some("psql -c")),
            ("cqlsh cassandra -f /schema.cql", Some("cqlsh -f")),
            (
                "redis-cli --cluster create r1:6379 r2:6379 --cluster-yes",
                Some("redis-cli --cluster create"),
            ),
            (
                "sh -c 'mc alias set s3 http://minio:9000 a b && mc mb s3/bucket'",
                Some("mc mb"),
            ),
            (
                "vault operator init -key-shares=1",
                Some("vault operator init"),
            ),
            ("cockroach init --insecure", Some("cockroach init")),
            (
                "kafka-topics --bootstrap-server k:9092 --create --topic t",
                Some("kafka-topics --create"),
            ),
            (
                "./scripts/generate.rsa.sh",
                Some("./scripts/generate.rsa.sh"),
            ),
            ("/bin/create-buckets.sh", Some("/bin/create-buckets.sh")),
            // A client without a file or statement is interactive; a server is not a tool.
            ("psql -h db", None),
            ("redis-cli ping", None),
            ("redis-server --appendonly yes", None),
            ("mc ls s3", None),
            ("vault server -dev", None),
            ("cockroach start-single-node", None),
            ("generate", None),
        ];
        for (command, expected) in table {
            assert_eq!(tool(command).as_deref(), expected, "{command}");
        }
    }

    #[test]
    fn scripts_but_not_entrypoint_wrappers() {
        let script_of = |argv: &[&str]| script(&parse_argv(argv));
        assert_eq!(
            script_of(&["./report.sh"]).as_deref(),
            Some("`./report.sh`")
        );
        assert_eq!(
            script_of(&["sh", "-c", "echo hi"]).as_deref(),
            Some("a shell script")
        );
        assert_eq!(script_of(&["nginx-entrypoint.sh"]), None);
        assert_eq!(script_of(&["/usr/local/bin/docker-entrypoint.sh"]), None);
        assert_eq!(script_of(&["python", "report.py"]), None);
    }

    #[test]
    fn scripts_that_hand_over_with_exec() {
        assert!(hands_over([
            "sh",
            "-c",
            "envsubst < a.tpl > a.conf && exec caddy run"
        ]));
        assert!(hands_over(["/bin/sh", "-c", "set -e\nexec \"$@\""]));
        assert!(!hands_over(["sh", "-c", "./prepare && echo executed"]));
        assert!(!hands_over(["./exec-once.sh"]));
    }

    #[test]
    fn profiles_and_switches() {
        assert_eq!(one_off_profile(["all", "Setup"]), Some("Setup"));
        assert_eq!(one_off_profile(["debug", "dev", "all"]), None);
        assert!(is_one_shot_switch("KEYCLOAK_ONESHOT", "1"));
        assert!(is_one_shot_switch("run_once", "true"));
        assert!(!is_one_shot_switch("KEYCLOAK_ONESHOT", "0"));
        assert!(!is_one_shot_switch("ONESHOT_URL", "1"));
    }
}
