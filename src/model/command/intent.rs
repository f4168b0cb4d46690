//! Admin intent: does a command line run an admin task, or start something long-running?

use super::argv::{nested_script, parse_script};
use super::words::{Reading, is_plumbing};
use super::{CommandLine, MAX_NESTING, SimpleCommand, basename, listed};

/// Why a command line looks like an admin task, or why it looks long-running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Runs an admin verb (`migrate`, `db:migrate`, `createsuperuser` …) and nothing long-running.
    Admin,
    /// Starts a server, worker or other long-running process; this vetoes admin verbs.
    LongRunning,
    /// Neither could be told.
    Unknown,
}

/// Returns intent plus the word that decided it (e.g. `(Admin, "db:migrate")`, `(LongRunning,
/// "gunicorn")`). Any long-running command makes the line long-running, even after a migration.
pub fn intent(line: &CommandLine) -> (Intent, Option<String>) {
    intent_of(&line.commands, 0)
}

fn intent_of(commands: &[SimpleCommand], depth: usize) -> (Intent, Option<String>) {
    let mut admin = None;
    for words in commands.iter().map(|c| &c.words) {
        let script = nested_script(words);
        if let Some(script) = script.filter(|_| depth < MAX_NESTING) {
            match intent_of(&parse_script(script, 0), depth + 1) {
                (Intent::LongRunning, word) => return (Intent::LongRunning, word),
                (_, word) => admin = admin.or(word),
            }
        } else if let Some(word) = long_running_word(words) {
            return (Intent::LongRunning, Some(word));
        } else {
            admin = admin.or_else(|| admin_word(words));
        }
    }
    let intent = if admin.is_some() {
        Intent::Admin
    } else {
        Intent::Unknown
    };
    (intent, admin)
}

const LONG_RUNNING: &str = "serve server runserver start worker rqworker puma unicorn sidekiq \
    gunicorn uvicorn hypercorn daphne nginx httpd apache2 supervisord scheduler consumer webserver \
    triggerer rqscheduler";
/// Parts of script names (`start-puma`, `run-server.sh`) that say long-running.
const LONG_RUNNING_PARTS: &str = "start startup serve server worker puma unicorn sidekiq gunicorn";
const ADMIN: &str = "migrate migrations bootstrap seed createsuperuser collectstatic setup-db \
    initdb upgradedb";
/// Parts of script names (`./bin/setup-db`, `migrate.sh`, `zammad-init`,
/// `entrypoint-migrator.sh`) that say admin.
const ADMIN_PARTS: &str =
    "migrate migration migrator setup-db setup_db init-db init_db db-init db_init seed";

/// Options that make an app set up or upgrade its database and exit (`listmonk --upgrade`).
const SWITCHES: &str = "--migrate --upgrade --install --init-db --initdb";
/// Package managers and installers, whose `--upgrade` / `--install` are about packages.
const PACKAGE_TOOLS: &str = "pip pip3 pipx npm npx yarn pnpm apt apt-get apk gem bundle bundler \
    composer helm brew dnf yum zypper poetry uv cargo go conda mamba rustup";

/// A script name rather than a subcommand: the command itself, a path, or a script file.
fn is_script(word: &str, index: usize) -> bool {
    let extension = word.rsplit_once('.').map_or("", |(_, e)| e);
    index == 0 || word.contains('/') || listed("sh bash py rb js ts pl php", extension)
}

fn name_parts(base: &str) -> impl Iterator<Item = &str> {
    base.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
}

fn long_running_word(words: &[String]) -> Option<String> {
    let command = basename(words.first()?);
    let has = |flags: &str| words.iter().any(|w| listed(flags, w));
    match command {
        "sleep" if has("infinity inf") => return Some("sleep infinity".into()),
        "tail" if has("-f -F --follow") => return Some("tail -f".into()),
        _ if is_plumbing(command, Reading::Intent) => return None,
        _ => {}
    }
    let node = listed("node nodejs", command);
    let options = words
        .iter()
        .enumerate()
        .filter(|(_, w)| !w.starts_with('-'));
    for (i, word) in options {
        let (base, before) = (basename(word), &words[..i]);
        let stem = base.split('.').next().unwrap_or(base);
        // `prefect server database upgrade`: a command group named `server`, not a server.
        let group = words
            .get(i + 1)
            .is_some_and(|next| next == "db" || next == "database");
        if listed(LONG_RUNNING, base) && !group {
            return Some(base.to_string());
        }
        let decided = base.starts_with("php-fpm")
            || (base == "s" && before.last().is_some_and(|w| basename(w) == "rails"))
            || (base == "beat" && before.iter().any(|w| basename(w) == "celery"))
            // `node server.js`, `node app`, `node main-prod.js`; not `apply-migrations.js`.
            || (node
                && i > 0
                && name_parts(stem)
                    .next()
                    .is_some_and(|first| listed("server index app main", first)))
            || (is_script(word, i) && name_parts(base).any(|t| listed(LONG_RUNNING_PARTS, t)));
        if decided {
            return Some(word.clone());
        }
    }
    None
}

fn admin_word(words: &[String]) -> Option<String> {
    let command = basename(words.first()?);
    if command == "init" || is_plumbing(command, Reading::Intent) {
        return (command == "init").then(|| "init".into());
    }
    let app_cli = listed("alembic superset sentry airflow", command);
    let mut options = words
        .iter()
        .enumerate()
        .filter(|(_, w)| !w.starts_with('-'));
    // `./listmonk --upgrade --yes`: an app's own switch that sets up or upgrades its database
    // and exits. Not a package manager's (`pip install --upgrade`, `helm upgrade --install`).
    let package_tool = words
        .iter()
        .any(|w| listed(PACKAGE_TOOLS, basename(w)) || listed("install upgrade add", w));
    let switch = words.iter().skip(1).find(|w| listed(SWITCHES, w));
    if let Some(word) = switch.filter(|_| !package_tool) {
        return Some(word.clone());
    }
    // `-mode=migrate` (harbor's core): an option's value can be the task.
    let option_value = words.iter().find(|w| {
        w.starts_with('-')
            && w.split_once('=')
                .is_some_and(|(_, value)| listed(ADMIN, value))
    });
    if let Some(word) = option_value {
        return Some(word.clone());
    }
    let found = options.find(|&(i, word)| {
        let (base, script) = (basename(word), is_script(word, i));
        let init =
            script && base != "dumb-init" && name_parts(base).any(|t| listed("init initialize", t));
        let db_task = word
            .strip_prefix("db:")
            .is_some_and(|r| r.starts_with(char::is_alphabetic));
        let after_db = app_cli || words[..i].iter().any(|w| w == "db" || w == "database");
        // `migrate:prod`, `migrate-production` (an npm script), `migrate_schemas`
        // (django-tenants).
        let migrate_task = ["migrate:", "migrate-", "migrate_"]
            .iter()
            .any(|prefix| word.starts_with(prefix) && word.len() > prefix.len());
        listed(ADMIN, word)
            || migrate_task
            || db_task
            || (i > 0 && after_db && listed("upgrade init", word))
            || (command == "liquibase" && word == "update")
            || (script && ADMIN_PARTS.split(' ').any(|p| base.contains(p)))
            || (init && name_parts(base).count() > 1)
    });
    found.map(|(_, word)| word.clone())
}

/// Subcommands and script names that say "admin task" in a Compose service's command, beyond
/// what [`intent`] knows: `manage.py <anything>` (long-running ones are vetoed before),
/// `./setup.sh`, `app upgrade`, `temporal-sql-tool setup-schema`.
const SERVICE_ADMIN_NAMES: &str =
    "setup init upgrade seed migrate migration migrations bootstrap createsuperuser";

/// The admin word of a Compose service's command that [`intent`] leaves undecided: a
/// `manage.py` task, a program or script named after an admin task, or such a subcommand.
/// (A service runs one process, so a looser reading than for any container is safe there.)
pub fn service_admin_word(line: &CommandLine) -> Option<String> {
    let admin_name = |part: &str| listed(SERVICE_ADMIN_NAMES, part);
    for words in line.commands.iter().map(|c| &c.words) {
        let Some(first) = words.first() else {
            continue;
        };
        let program = first.rsplit('/').next().unwrap_or(first);
        // `helm upgrade`, `apt-get upgrade`, `yarn install`: the deploy or a package change,
        // not the app's task (`yarn migrate` is one).
        let package_change = listed(PACKAGE_TOOLS, program)
            && (words.iter().skip(1).find(|w| !w.starts_with('-')))
                .is_some_and(|verb| listed("install upgrade update add remove uninstall", verb));
        if is_plumbing(program, Reading::NoSubcommand) || package_change {
            continue;
        }
        let mut plain = words.iter().skip(1).filter(|w| !w.starts_with('-'));
        if let Some(at) = words
            .iter()
            .position(|w| w.rsplit('/').next() == Some("manage.py"))
            && let Some(sub) = words[at + 1..].iter().find(|w| !w.starts_with('-'))
        {
            return Some(format!("manage.py {sub}"));
        }
        let stem = program.split('.').next().unwrap_or_default();
        let named = stem
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(admin_name);
        if named && !matches!(program, "dumb-init" | "tini" | "docker-init") {
            return Some(first.clone());
        }
        let interpreter = listed("sh bash python python3 node ruby php", program);
        if !interpreter
            && let Some(sub) = plain.next()
            && sub
                .split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .is_some_and(admin_name)
        {
            return Some(sub.clone());
        }
    }
    None
}

/// The task runner a command line ends with when it names no task (`python manage.py`,
/// `bundle exec rails`, `php artisan`): a Compose service kept to run tasks with
/// (`docker compose run manage createsuperuser`), Taiga's `taiga-manage`.
pub fn bare_task_runner(line: &CommandLine) -> Option<String> {
    let [command] = line.commands.as_slice() else {
        return None;
    };
    let last = basename(command.words.last()?);
    listed("manage.py rails rake artisan", last).then(|| last.to_string())
}

/// The admin word of a command line when the task changes the database schema (`migrate`,
/// `db:migrate`, `alembic upgrade`, `liquibase update`, `./migrate.sh`, `manage.py migrate`):
/// the one definition of "migration-like" the ordering rules share. A schema task is the one
/// whose timing matters: half-applied by a retry, or run after the app's new pods started, it
/// leaves the schema between two releases. Seeding, `collectstatic` or `createsuperuser` are
/// admin tasks too, but not migration-like.
pub fn migration_word(line: &CommandLine) -> Option<String> {
    let word = match intent(line) {
        (Intent::Admin, word) => word,
        (Intent::LongRunning, _) => None,
        (Intent::Unknown, _) => service_admin_word(line),
    }?;
    let reads_only = line
        .commands
        .iter()
        .filter(|c| c.words.contains(&word))
        .any(|c| c.words.iter().any(|w| is_read_only(w)));
    (is_schema_task(&word) && !reads_only).then_some(word)
}

/// The admin word of a container whose image's entrypoint is a migration tool
/// ([`crate::model::workload::Container::image_migration_word`]), given the `program` and
/// its args: the program, unless the args start something long-running, run another admin
/// task, tear the database down or only read the schema's state (`migrator up` migrates;
/// `migrator seed`, `drop=true` and `migrator status` do not).
pub fn image_migration_word(program: &str, args: &CommandLine) -> Option<String> {
    let other_task = match intent(args) {
        (Intent::LongRunning, _) => true,
        // `args: [seed]`: the image's tool runs another admin task.
        (Intent::Admin, Some(word)) => !is_schema_task(&word),
        _ => false,
    };
    let reads_only = (args.commands.iter()).any(|c| c.words.iter().any(|w| is_read_only(w)));
    // `args: [drop=true]`, `destroy`: the tool tears the database down.
    let teardown = (args.commands.iter()).any(|c| {
        c.words.iter().any(|w| {
            let word = w.trim_start_matches('-');
            let key = word.split_once('=').map_or(word, |(key, _)| key);
            listed("drop destroy uninstall teardown", &key.to_ascii_lowercase())
        })
    });
    (!other_task && !reads_only && !teardown).then(|| program.to_string())
}

/// Words that make a migration command read the schema's state instead of changing it:
/// `rails db:migrate:status`, `manage.py migrate --check`, `kong migrations list`.
fn is_read_only(word: &str) -> bool {
    listed("status list --check --plan --list history current", word)
        || word.ends_with(":status")
        || word.contains("check-migrations")
        || word == "showmigrations"
}

/// True when `text` names migrations, in any case (`wait_for_migrations`,
/// `airflow db check-migrations`, `db:migrate`): an app that waits for its schema, or a
/// script that changes it.
pub fn mentions_migrations(text: &str) -> bool {
    const STEM: &[u8] = b"migrat";
    text.as_bytes()
        .windows(STEM.len())
        .any(|window| window.eq_ignore_ascii_case(STEM))
}

/// Parts of an admin word that name a schema change.
const SCHEMA_PARTS: &[&str] = &[
    "migrat",
    "upgradedb",
    "initdb",
    "setup-db",
    "setup_db",
    "init-db",
    "init_db",
    "db-init",
    "db_init",
    "schema",
];

fn is_schema_task(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    let base = basename(&lower);
    // `upgrade` and `update` are admin words only after `db` or a migration tool (`flask db
    // upgrade`, `prefect server database upgrade`, `alembic upgrade`, `liquibase update`):
    // there they are the migration.
    SCHEMA_PARTS.iter().any(|part| base.contains(part))
        || matches!(base, "upgrade" | "update")
        || listed(SWITCHES, base)
        || base
            .strip_prefix("db:")
            .is_some_and(|task| !task.starts_with("seed"))
}
