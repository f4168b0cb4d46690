//! Table tests of [`classify`] and [`classify_container`]: precedence, hook data, Compose
//! signals, init containers.

use super::*;
use crate::config::CustomKind;
use crate::model::command::{parse_argv, split_words};
use crate::model::role::signals::{
    ComposeSignals, ConfigSelection, DeclarationSource, Hook, HookTool,
};
use crate::origin::Spanned;
use crate::span::{FileId, Span};

/// One row: the signals as short words, and the role expected as `kind: reason`.
///
/// Words: `annotation=V` / `x-adminlint=V` (a declaration), `config=admin|long-running`,
/// `helm=PHASES[;WEIGHT[;POLICIES]]`, `argocd=…` (hooks), `restartPolicy=V`, and for Compose
/// `compose`, `restart=V`, `waited-by=S`, `profile=P` (a one-off profile), `switch=VAR` (a
/// one-shot environment switch), `image-program=P` (the image's name, no `entrypoint:`),
/// `cmd=…` (the rest of the row, split as Compose does).
/// The first word is the kind (`Job`, `Deployment`, `MigrationRun`, `service`).
fn classified(row: &str) -> String {
    let (row, command) = match row.split_once(" cmd=") {
        Some((row, command)) => (row, command),
        None => (row, ""),
    };
    let mut words = row.split_whitespace();
    let kind = words.next().expect("a kind");
    let span = Span::new(FileId(0), 0, 0);
    let (mut declared, mut config, mut hooks, mut restart_policy) = (None, None, vec![], None);
    let (mut compose, mut restart, mut waited_by) = (false, None, None);
    let (mut profile, mut switch, mut image_program) = (None, None, None);
    for word in words {
        let (key, value) = word.split_once('=').unwrap_or((word, ""));
        let declare = |source| Declaration {
            source,
            value: Spanned::new(value.to_string(), span),
        };
        let list = |text: &str| -> Vec<String> {
            text.split(',')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect()
        };
        let hook = |tool| {
            let mut parts = value.split(';');
            Hook {
                tool,
                phases: list(parts.next().unwrap_or_default()),
                weight: parts.next().and_then(|w| w.parse().ok()),
                delete_policies: list(parts.next().unwrap_or_default()),
                span,
            }
        };
        match key {
            "annotation" => declared = Some(declare(DeclarationSource::Annotation)),
            "x-adminlint" => declared = Some(declare(DeclarationSource::XAdminlint)),
            "config" => {
                let list = match value {
                    "admin" => ConfigList::Admin,
                    _ => ConfigList::LongRunning,
                };
                config = Some(ConfigSelection { list, selector: 1 });
            }
            "helm" => hooks.push(hook(HookTool::Helm)),
            "argocd" => hooks.push(hook(HookTool::ArgoCd)),
            "restartPolicy" => restart_policy = Some(value),
            "compose" => compose = true,
            "restart" => restart = Some(value),
            "waited-by" => waited_by = Some(value),
            "profile" => profile = Some(value),
            "switch" => switch = Some(value),
            "image-program" => image_program = Some(value),
            _ => panic!("unknown signal `{word}`"),
        }
    }
    let argv = split_words(command);
    let line = parse_argv(&argv.iter().map(String::as_str).collect::<Vec<_>>());
    let signals = Signals {
        format: if compose {
            Format::Compose
        } else {
            Format::Kubernetes
        },
        kind,
        api_version: (!compose).then_some("batch.example.com/v1"),
        declared: declared.as_ref(),
        config,
        hooks: &hooks,
        restart_policy,
        command: None,
        compose: compose.then_some(ComposeSignals {
            restart,
            waited_on_by: waited_by,
            command: &line,
            one_off_profile: profile,
            one_shot_switch: switch,
            hands_over: crate::model::role::oneshot::hands_over(argv.iter().map(String::as_str)),
            image_program,
        }),
    };
    let config = Config {
        kinds: vec![CustomKind {
            api_version: "batch.example.com/*".into(),
            kind: "MigrationRun".into(),
            pod_spec: "spec.template.spec".into(),
            role: RoleName::LongRunning,
        }],
        ..Config::default()
    };
    let role = classify(&signals, &config);
    format!("{}: {}", role.kind.as_str(), role.reason)
}

#[test]
fn precedence_and_kinds() {
    let table = [
        // annotation > config > custom kind > hook > kind
        (
            "MigrationRun annotation=admin config=long-running helm=pre-upgrade",
            "admin: declared `adminlint.io/role: admin`",
        ),
        (
            "Job annotation=long-running config=admin",
            "long-running: declared `adminlint.io/role: app`",
        ),
        (
            "Deployment annotation=ignore helm=pre-install",
            "ignored: declared `adminlint.io/role: ignore`",
        ),
        (
            "MigrationRun config=admin helm=pre-upgrade",
            "admin: declared under `admin:` in .adminlint.yaml (selector 2)",
        ),
        (
            "Job config=long-running",
            "long-running: declared under `long-running:` in .adminlint.yaml (selector 2)",
        ),
        (
            "MigrationRun helm=pre-upgrade",
            "long-running: a MigrationRun (custom kind in .adminlint.yaml)",
        ),
        (
            "Pod helm=pre-install,pre-upgrade;-5;before-hook-creation,hook-succeeded argocd=PreSync",
            "admin: `helm.sh/hook: pre-install,pre-upgrade` hook (weight -5, delete policy before-hook-creation,hook-succeeded)",
        ),
        (
            "Pod argocd=PreSync;3;HookSucceeded",
            "admin: `argocd.argoproj.io/hook: PreSync` hook (sync wave 3, delete policy HookSucceeded)",
        ),
        // A server made a hook (Sentry's charts) is still a server.
        (
            "Deployment helm=post-install,post-upgrade",
            "long-running: a Deployment: its `helm.sh/hook` orders when it is created, it still serves until replaced",
        ),
        (
            "StatefulSet argocd=PreSync",
            "long-running: a StatefulSet: its `argocd.argoproj.io/hook` orders when it is created, it still serves until replaced",
        ),
        // A Helm test hook probes the release: ignored; a hook with another phase too is not.
        (
            "Pod helm=test",
            "ignored: a `helm.sh/hook: test` hook: `helm test` probes the release, it is not one of the app's admin processes",
        ),
        (
            "Pod helm=test-success",
            "ignored: a `helm.sh/hook: test-success` hook: `helm test` probes the release, it is not one of the app's admin processes",
        ),
        (
            "Job helm=test,post-install",
            "admin: `helm.sh/hook: test,post-install` hook",
        ),
        // An unknown declared value decides nothing, but keeps the configuration out.
        (
            "Job annotation=sometimes config=long-running",
            "admin: a Job",
        ),
        (
            "MigrationRun annotation=sometimes helm=post-install",
            "admin: `helm.sh/hook: post-install` hook",
        ),
        ("Job", "admin: a Job"),
        ("CronJob", "admin: a CronJob"),
        (
            "Pod restartPolicy=Never",
            "admin: a Pod with `restartPolicy: Never`",
        ),
        (
            "Pod restartPolicy=OnFailure",
            "admin: a Pod with `restartPolicy: OnFailure`",
        ),
        (
            "Pod restartPolicy=Always",
            "long-running: a Pod that restarts always",
        ),
        ("Pod", "long-running: a Pod that restarts always"),
        ("Deployment", "long-running: a Deployment"),
        ("Rollout", "long-running: a Rollout"),
    ];
    for (row, expected) in table {
        assert_eq!(classified(row), expected, "{row}");
    }
}

#[test]
fn compose_signals() {
    let table = [
        (
            "service compose x-adminlint=admin cmd=gunicorn app",
            "admin: declared `x-adminlint: {role: admin}`",
        ),
        (
            "service compose x-adminlint=ignore waited-by=web",
            "ignored: declared `x-adminlint: {role: ignore}`",
        ),
        (
            "service compose x-adminlint=app config=admin",
            "long-running: declared `x-adminlint: {role: app}`",
        ),
        (
            "service compose config=long-running waited-by=web",
            "long-running: declared under `long-running:` in .adminlint.yaml (selector 2)",
        ),
        (
            "service compose waited-by=web restart=always cmd=gunicorn app",
            "admin: service `web` waits for it to complete (`condition: service_completed_successfully`)",
        ),
        (
            "service compose cmd=kong migrations bootstrap",
            "admin: runs `migrations` and stops when done (no `restart`)",
        ),
        (
            "service compose restart=on-failure:3 cmd=python manage.py loaddata x.json",
            "admin: runs `manage.py loaddata` and stops when done (`restart: on-failure:3`)",
        ),
        (
            "service compose restart=no cmd=./setup.sh",
            "admin: runs `./setup.sh` and stops when done (`restart: no`)",
        ),
        (
            "service compose restart=always cmd=rails db:migrate",
            "long-running: a Compose service",
        ),
        (
            "service compose restart=${RESTART} cmd=rails db:migrate",
            "long-running: a Compose service",
        ),
        (
            "service compose cmd=./bin/setup-db-and-start-puma",
            "long-running: a Compose service",
        ),
        (
            "service compose cmd=echo setup",
            "long-running: a Compose service",
        ),
        ("service compose", "long-running: a Compose service"),
        // An entrypoint naming the app's task runner, with the task as the command.
        (
            "service compose restart=no cmd=bundle exec rake db:seed",
            "admin: runs `db:seed` and stops when done (`restart: no`)",
        ),
        (
            "service compose cmd=python manage.py flush --noinput",
            "admin: runs `manage.py flush` and stops when done (no `restart`)",
        ),
        (
            "service compose cmd=/docker/restore.sh",
            "admin: runs the one-shot tool `/docker/restore.sh` and stops when done (no `restart`)",
        ),
        // One-shot tools: decisive unless something restarts them.
        (
            "service compose restart=on-failure cmd=psql -h db -f /init/schema.sql",
            "admin: runs the one-shot tool `psql -f` and stops when done (`restart: on-failure`)",
        ),
        (
            "service compose cmd=cqlsh cassandra -f /schema.cql",
            "admin: runs the one-shot tool `cqlsh -f` and stops when done (no `restart`)",
        ),
        // A task runner with no task: a service kept to run tasks with (Taiga's `taiga-manage`).
        (
            "service compose cmd=python manage.py",
            "admin: runs `manage.py` and stops when done (no `restart`)",
        ),
        (
            "service compose restart=unless-stopped cmd=python manage.py",
            "long-running: a Compose service",
        ),
        (
            "service compose cmd=bundle exec rails",
            "admin: runs `rails` and stops when done (no `restart`)",
        ),
        // The image's entrypoint is the tool (`cockroachdb/cockroach`, `command: sql -e …`).
        (
            "service compose restart=on-failure:3 image-program=cockroach cmd=sql --insecure -e 'CREATE DATABASE x;'",
            "admin: runs the one-shot tool `cockroach sql -e` and stops when done (`restart: on-failure:3`)",
        ),
        (
            "service compose image-program=cockroach cmd=start --insecure",
            "long-running: a Compose service",
        ),
        (
            "service compose cmd=redis-cli --cluster create r1:6379 r2:6379 --cluster-yes",
            "admin: runs the one-shot tool `redis-cli --cluster create` and stops when done (no `restart`)",
        ),
        (
            "service compose cmd=sh -c 'mc alias set s3 http://minio:9000 k s && mc mb -p s3/data'",
            "admin: runs the one-shot tool `mc mb` and stops when done (no `restart`)",
        ),
        (
            "service compose cmd=vault operator init -key-shares=1",
            "admin: runs the one-shot tool `vault operator init` and stops when done (no `restart`)",
        ),
        (
            "service compose cmd=./scripts/generate.rsa.sh",
            "admin: runs the one-shot tool `./scripts/generate.rsa.sh` and stops when done (no `restart`)",
        ),
        (
            "service compose restart=unless-stopped cmd=psql -h db -f /init/schema.sql",
            "long-running: a Compose service",
        ),
        // A one-shot environment switch: decisive, but not over a restarting policy.
        (
            "service compose switch=SETUP_ONESHOT cmd=/entrypoint.sh",
            "admin: `SETUP_ONESHOT` in its environment makes it run once",
        ),
        (
            "service compose restart=always switch=SETUP_ONESHOT",
            "long-running: a Compose service",
        ),
        // Hints weigh one each: two make an admin, one does not.
        (
            "service compose profile=setup restart=no cmd=python report.py",
            "admin: one-off hints: profile `setup`, `restart: no`",
        ),
        (
            "service compose profile=tools cmd=./report.sh",
            "admin: one-off hints: profile `tools`, runs `./report.sh`",
        ),
        (
            "service compose restart=no cmd=sh -c 'curl -d @model.json http://ollama:11434/api/pull'",
            "admin: one-off hints: `restart: no`, runs a shell script",
        ),
        (
            "service compose profile=tools cmd=python report.py",
            "long-running: a Compose service",
        ),
        (
            "service compose restart=on-failure cmd=kong docker-start",
            "long-running: a Compose service",
        ),
        (
            "service compose cmd=./run.sh",
            "long-running: a Compose service",
        ),
        (
            "service compose restart=on-failure cmd=sh -c 'envsubst < a.tpl > a.conf && exec caddy run'",
            "long-running: a Compose service",
        ),
        // A long-running command vetoes every hint.
        (
            "service compose profile=setup restart=no cmd=sh -c './prepare && exec gunicorn app'",
            "long-running: a Compose service",
        ),
    ];
    for (row, expected) in table {
        assert_eq!(classified(row), expected, "{row}");
    }
}

/// The Compose admin-command reading: admin words, and long-running words that veto them.
#[test]
fn service_admin_commands_and_long_running_vetoes() {
    let admin = [
        &["kong", "migrations", "bootstrap"][..],
        &["spicedb", "migrate", "head"],
        &["zammad-init"],
        &["init", "--insecure"],
        &["python", "manage.py", "loaddata", "x.json"],
        &["./setup.sh"],
        &["myapp", "upgrade"],
        &["temporal-sql-tool", "setup-schema", "-v", "0.0"],
        &["bash", "-c", "bench --site all migrate"],
        &["bundle", "exec", "rails", "db:migrate"],
        &["rake", "db:seed"],
    ];
    for argv in admin {
        assert!(admin_task_word(&parse_argv(argv)).is_some(), "{argv:?}");
    }
    let not_admin = [
        &[
            "/opt/netbox/venv/bin/python",
            "/opt/netbox/netbox/manage.py",
            "rqworker",
        ][..],
        &["./bin/setup-db-and-start-puma"],
        &["python", "manage.py", "runserver"],
        &["npx", "prisma", "studio"],
        &["/opt/netbox/housekeeping.sh"],
        &["serve"],
        &["echo", "setup"],
        &["dumb-init", "gunicorn"],
    ];
    for argv in not_admin {
        assert_eq!(admin_task_word(&parse_argv(argv)), None, "{argv:?}");
    }
}

#[test]
fn restart_policies() {
    assert!(does_not_restart(None));
    assert!(does_not_restart(Some("no")));
    assert!(does_not_restart(Some("on-failure")));
    assert!(does_not_restart(Some("on-failure:3")));
    assert!(!does_not_restart(Some("always")));
    assert!(!does_not_restart(Some("unless-stopped")));
    assert!(!does_not_restart(Some("${RESTART}")));
}

#[test]
fn init_and_main_containers() {
    let job = Role::new(
        RoleKind::Admin,
        Reason::RunsToCompletion { kind: "Job".into() },
    );
    let deployment = Role::new(
        RoleKind::LongRunning,
        Reason::LongRunningKind {
            kind: "Deployment".into(),
        },
    );
    let ignored = Role::new(
        RoleKind::Ignored,
        Reason::Declared {
            source: DeclarationSource::Annotation,
            kind: RoleKind::Ignored,
        },
    );
    let container = |role: &Role, init: bool, argv: &[&str]| {
        classify_container(role, init, &parse_argv(argv)).map(|reason| reason.to_string())
    };
    let migrate = &["bundle", "exec", "rails", "db:migrate"][..];
    // Init containers: a migration is an admin task; waiting, copying or a script merely named
    // `*init*` is plumbing; a database init script is a task.
    let table: [(&[&str], Option<&str>); 7] = [
        (migrate, Some("an init container that runs `db:migrate`")),
        (&["sh", "-c", "until nc -z db 5432; do sleep 1; done"], None),
        (&["cp", "-r", "/app/static", "/shared"], None),
        (&["/scripts/haproxy_init.sh"], None),
        (&["config-init"], None),
        (
            &["/docker-entrypoint-initdb.d/db-init.sh"],
            Some("an init container that runs `/docker-entrypoint-initdb.d/db-init.sh`"),
        ),
        (
            &["python", "manage.py", "migrate"],
            Some("an init container that runs `migrate`"),
        ),
    ];
    for (argv, expected) in table {
        assert_eq!(
            container(&deployment, true, argv).as_deref(),
            expected,
            "{argv:?}"
        );
        assert_eq!(container(&job, true, argv).as_deref(), expected, "{argv:?}");
        assert_eq!(container(&ignored, true, argv), None, "{argv:?}");
    }
    // Main containers take the workload's role, whatever they run.
    assert_eq!(
        container(&job, false, &["sleep", "1"]).as_deref(),
        Some("a Job")
    );
    assert_eq!(container(&deployment, false, migrate), None);
    assert_eq!(container(&ignored, false, migrate), None);
}
