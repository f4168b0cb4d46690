//! Table tests of the command parser, wrappers, installers, intent and versioned paths.

use super::argv::*;
use super::intent::*;
use super::lexer::*;
use super::paths::*;
use super::tools::*;
use super::*;

/// Parses an argv written in compose string form (so it can hold quoted scripts).
fn argv(text: &str) -> CommandLine {
    let words = split_words(text);
    parse_argv(&words.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Commands as `words,joined,by,commas`, separated by their operators.
fn render(commands: &[SimpleCommand]) -> String {
    let op = |c: &SimpleCommand| match c.joined_by {
        None => "",
        Some(Operator::And) => " && ",
        Some(Operator::Or) => " || ",
        Some(Operator::Seq) => " ; ",
        Some(Operator::Pipe) => " | ",
        Some(Operator::Background) => " & ",
    };
    commands
        .iter()
        .map(|c| format!("{}{}", op(c), c.words.join(",")))
        .collect()
}

/// Runs `check` on every `input => expected` line of `table`.
fn table(table: &str, check: impl Fn(&str) -> String) {
    for line in table.lines().filter(|l| !l.trim().is_empty()) {
        let (input, expected) = line.split_once(" =>").expect("`input => expected`");
        assert_eq!(check(input.trim()).trim(), expected.trim(), "{input}");
    }
}

#[test]
fn shell_form_with_cd_and_bundle_exec() {
    let line = parse_argv(&["/bin/sh", "-c", "cd /app && bundle exec rails db:migrate"]);
    let command = |words: &[&str], joined_by, bytes| SimpleCommand {
        words: words.iter().map(|w| w.to_string()).collect(),
        arg_index: 2,
        joined_by,
        bytes: Some(bytes),
    };
    let migrate = command(
        &["bundle", "exec", "rails", "db:migrate"],
        Some(Operator::And),
        11..39,
    );
    let commands = vec![command(&["cd", "/app"], None, 0..7), migrate];
    assert_eq!(
        line,
        CommandLine {
            commands,
            via_shell: true
        }
    );
    let wrapper = Wrapper {
        name: "bundle exec".into(),
        words: 2,
    };
    assert_eq!(wrapper_of(&line.commands[1]), Some(wrapper));
    assert_eq!(intent(&line), (Intent::Admin, Some("db:migrate".into())));
    assert_eq!(cd_targets(&line), [(0, "/app".to_string())]);
    assert_eq!(parse_argv(&[]), CommandLine::default());
}

#[test]
fn argv_forms() {
    table(
        r#"
        sh -c 'kong migrations bootstrap && kong migrations up' => 2 kong,migrations,bootstrap && kong,migrations,up
        bash -e -c 'exec env -i FOO=1 migrate' => 3 migrate
        /usr/bin/env bash -lc 'exec migrate' => 3 migrate
        sh -o pipefail -euxc 'nohup migrate &' => 4 migrate
        tini -- /bin/ash -c 'time -p migrate' => 4 migrate
        /bin/sh -ec 'exec gunicorn' => 2 gunicorn
        sudo -u app bundle exec rake => 3 bundle,exec,rake
        env RAILS_ENV=production rake db:seed => 2 rake,db:seed
        gosu app python manage.py migrate => 2 python,manage.py,migrate
        /venv/bin/python /app/manage.py rqworker => 0 /venv/bin/python,/app/manage.py,rqworker
        sh /scripts/migrate.sh => 0 sh,/scripts/migrate.sh
        sh -c 'echo "a && b" && run' => 2 echo,a && b && run
        sh -c "pip install x && python -c 'import x; x.fix()'" => 2 pip,install,x && python,-c,import x; x.fix()
        nohup => 0 nohup
        'sh -c' => 0 sh -c
        sh -c => 0
        => 0"#,
        |input| {
            let line = argv(input);
            let index = line.commands.first().map_or(0, |c| c.arg_index);
            format!("{index} {}", render(&line.commands))
        },
    );
    assert!(argv("sh -c 'exec x'").via_shell && !argv("sh x").via_shell);
}

#[test]
fn shell_syntax() {
    table(
        r#"
        a || b; c | d & e |& f => a || b ; c | d & e | f
        echo 'it''s' "x\"y" a\ b => echo,its,x"y,a b
        echo "$(cat "f g")" ${A:-"x y"} `date "+%s"` $((1+2)) <(ls) => echo,$(cat "f g"),${A:-"x y"},`date "+%s"`,$((1+2)),<(ls)
        echo a#b # c && d¶next \¶  arg => echo,a#b ; next,arg
        set -e¶FOO=1 B="x y" python x.py > /tmp/log 2>&1 </dev/null => set,-e ; python,x.py
        if [ -f x ]; then¶ echo ok >&2¶else exec puma; fi && z => [,-f,x,] ; echo,ok ; puma && z
        for f in a b; do rm $f; done => rm,$f
        A=("start" x) B+=(y) run; echo "(" => run ; echo,(
        case $x in a) migrate;; esac => migrate
        cat <<-EOF >out¶⇥not && a command¶⇥EOF¶{ a; } && (b) => cat ; a && b
        "FOO"=1 cmd 'if'; command -v x; exec >/dev/null; x=$(a b) => FOO=1,cmd,if
        echo 'abc => echo,abc
        echo "abc && d => echo,abc && d
        echo $(foo 'bar => echo,$(foo 'bar
        a \ => a
        > =>
        ;;&&||)(¶ =>"#,
        |script| {
            render(&parse_script(
                &script.replace('¶', "\n").replace('⇥', "\t"),
                0,
            ))
        },
    );
}

#[test]
fn compose_split_words() {
    table(
        r#"
        kong migrations up && kong migrations finish => kong|migrations|up|&&|kong|migrations|finish
        sh -c "echo \"hi\" && x" 'a b' c\ d "" => sh|-c|echo "hi" && x|a b|c d|
        unterminated 'quote => unterminated|quote
        $(a b) => $(a|b)
        =>"#,
        |text| split_words(text).join("|"),
    );
}

#[test]
fn intents() {
    table(
        r#"
        python manage.py migrate => Admin migrate
        ./bin/setup-db-and-start-puma => LongRunning ./bin/setup-db-and-start-puma
        ./bin/setup-db => Admin ./bin/setup-db
        ./bin/docker-entrypoint-migrator.sh => Admin ./bin/docker-entrypoint-migrator.sh
        ./bin/docker-entrypoint-api.sh => Unknown
        spicedb migrate head => Admin migrate
        gunicorn app:app => LongRunning gunicorn
        /opt/netbox/venv/bin/python /opt/netbox/netbox/manage.py rqworker => LongRunning rqworker
        sh -c 'kong migrations bootstrap && kong migrations finish' => Admin migrations
        sh -c 'python manage.py migrate && exec gunicorn -b :80 app.wsgi' => LongRunning gunicorn
        celery -A proj worker => LongRunning worker
        celery -A proj beat => LongRunning beat
        bundle exec rails s -b 0.0.0.0 => LongRunning s
        node dist/server.js => LongRunning dist/server.js
        node app => LongRunning app
        node packages/database/dist/scripts/apply-migrations.js => Admin packages/database/dist/scripts/apply-migrations.js
        sh -c 'echo pulled && sleep infinity' => LongRunning sleep infinity
        tail -f /dev/null => LongRunning tail -f
        /usr/sbin/nginx -g 'daemon off;' => LongRunning nginx
        npm start => LongRunning start
        alembic upgrade head => Admin upgrade
        flask db upgrade => Admin upgrade
        superset init => Admin init
        liquibase update => Admin update
        npx knex migrate:latest => Admin migrate:latest
        npx prisma migrate deploy => Admin migrate
        bundle exec rake db:setup => Admin db:setup
        python manage.py createsuperuser --noinput => Admin createsuperuser
        init --insecure => Admin init
        zammad-init => Admin zammad-init
        /app/docker/docker-init.sh => Admin /app/docker/docker-init.sh
        bash -c '. /scripts/migrate.sh 127.0.0.1' => Admin /scripts/migrate.sh
        bash -c '. /scripts/initialize-database.sh' => Admin /scripts/initialize-database.sh
        sh -c 'sleep 10 && /entrypoint.sh db migrate && /entrypoint.sh run' => Admin migrate
        sh -c 'wait-for-it.sh db:5432 -- /entrypoint.sh run' => Unknown
        sh -c 'echo start; cd /app/migrations' => Unknown
        git init => Unknown
        dumb-init -- gunicorn => LongRunning gunicorn
        su-exec app sh -c 'rails db:prepare' => Admin db:prepare
        sh -c "sh -c 'rake db:migrate'" => Admin db:migrate
        =>  Unknown"#,
        |input| {
            let (intent, word) = intent(&argv(input));
            format!("{intent:?} {}", word.unwrap_or_default())
        },
    );
}

#[test]
fn wrappers() {
    table(
        r#"
        bundler exec rake => bundle exec/2
        poetry run python x.py => poetry run/2
        uv run --with x --frozen python => uv run/5
        conda run -n app python => conda run/4
        npx --yes prisma migrate deploy => npx/2
        yarn run migrate => yarn/2
        yarn migrate --force => yarn/1
        yarn install => -
        pnpm exec knex => pnpm exec/2
        pnpm run migrate => pnpm run/2
        npm run-script migrate => npm run/2
        npm x knex => npm exec/2
        npm start => npm run/1
        composer exec phinx => composer exec/2
        /app/node_modules/.bin/knex migrate:latest => node_modules/.bin/1
        .venv/bin/alembic upgrade head => virtualenv .venv/1
        /opt/netbox/venv/bin/python -m manage => virtualenv /opt/netbox/venv/1
        /srv/env/bin/python3.11 => virtualenv /srv/env/1
        sh -c 'FOO=1 exec bundle exec puma' => bundle exec/2
        bin/rails db:migrate => -
        mix ecto.migrate => -
        /usr/bin/env python => -
        /opt/venv/bin/ => -"#,
        |input| {
            let wrapper = argv(input).commands.first().and_then(wrapper_of);
            wrapper.map_or("-".into(), |w| format!("{}/{}", w.name, w.words))
        },
    );
}

#[test]
fn installers() {
    table(
        r#"
        pip install requests && python -c 'import x; x.fix()' => 0:pip ["requests"]
        curl -fsSL https://x/install.sh | sh => 0:curl | sh ["https://x/install.sh"]
        wget -qO- get.example.com | sudo bash -s => 0:wget | sh ["get.example.com"]
        curl -o /tmp/x https://x/y && sh /tmp/x.sh =>
        pip install -r requirements.txt --no-cache-dir => 0:pip ["-r requirements.txt"]
        pip3.11 install --user -q -i https://pypi/simple foo==1.0 -rreq.txt => 0:pip ["foo==1.0", "-r req.txt"]
        python3 -m pip install --upgrade pip => 0:pip ["pip"]
        /opt/app/venv/bin/python -m pip install -e . => 0:pip ["-e ."]
        pip --version; pip list; pip freeze > x; pip install => 3:pip []
        uv pip install x && uv add y => 0:uv pip ["x"]; 1:uv ["y"]
        cd /app && poetry run pip install z => 1:pip ["z"]
        sudo -E apt-get -o Dpkg::Use-Pty=0 -y install --no-install-recommends curl jq => 0:apt-get ["curl", "jq"]
        apk add --no-cache --virtual .deps gcc => 0:apk ["gcc"]
        sudo zypper --gpg-auto-import-keys -q install -y cifs-utils => 0:zypper ["cifs-utils"]
        yum --setopt=tsflags=noscripts install -q -y cifs-utils => 0:yum ["cifs-utils"]
        gem install bundler -v 2.4.0 --no-document && bundle install --jobs 4 => 0:gem ["bundler"]; 1:bundle []
        npm ci && npm i -g left-pad && yarn install => 0:npm []; 1:npm ["left-pad"]
        yarn add a && yarn global add b && pnpm i => 0:yarn ["a"]; 1:yarn ["b"]; 2:pnpm []
        go install example.com/x@latest && cargo install sqlx-cli --version 0.7 => 0:go ["example.com/x@latest"]; 1:cargo ["sqlx-cli"]
        composer require monolog/monolog && conda install -c conda-forge -y numpy => 0:composer ["monolog/monolog"]; 1:conda ["numpy"]
        pipx install black; dnf install -y git; microdnf install tar => 0:pipx ["black"]; 1:dnf ["git"]; 2:microdnf ["tar"]
        su-exec app sh -c 'gem install rake' => 0:gem ["rake"]
        nsenter --mount=/proc/1/ns/mnt -- bash -c 'apt-get install -y cifs-utils' => 0:apt-get ["cifs-utils"]
        kong migrations up =>"#,
        |script| {
            let line = CommandLine {
                commands: parse_script(script, 0),
                via_shell: true,
            };
            let found = installs_in(&line).into_iter();
            let found = found.map(|(i, f)| format!("{i}:{} {:?}", f.manager, f.packages));
            found.collect::<Vec<_>>().join("; ")
        },
    );
}

#[test]
fn versioned_paths() {
    table(
        "
        /var/www/app-v1.2.0 => v1.2.0
        /srv/app/releases/20240101 => 20240101
        /opt/app/1.2.3/ => 1.2.3
        app_v2 => v2
        /opt/app-2.0-rc1/bin => 2.0-rc1
        /opt/dist/app-1.4.jar => 1.4
        /usr/lib/python3.11/x => -
        /usr/lib/python3.11/site-packages => -
        /opt/python3 => -
        /etc/nginx => -
        /app => -
        /usr/local/bin => -
        /app/node_modules/x-1.2.3 => -
        /home/user => -
        /root/.nvm/versions/node/v18.0.0 => -
        /opt/x86_64-linux => -
        /srv/app/releases => -
        /srv/v1beta1 => -
        => -",
        |path| versioned_path(path).unwrap_or("-".into()),
    );
}

#[test]
fn cd_and_pushd_targets() {
    let line = argv("sh -c 'cd -P /var/www/app-v1.2.0 && pushd ../x; cd; cd -; make'");
    let expected = [(0, "/var/www/app-v1.2.0".into()), (1, "../x".into())];
    assert_eq!(cd_targets(&line), expected);
}

#[test]
fn never_panics() {
    let fragments =
        "' \" \\ $( ${ ` << <<- >& 2> & | ; ( ) { } # ¶ x= é if <( -c sh curl v1.2 / - =";
    let fragments: Vec<String> = fragments.split(' ').map(|f| f.replace('¶', "\n")).collect();
    let mut seed = 7u64;
    for _ in 0..5000 {
        let mut text = String::new();
        for _ in 0..seed % 14 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            text.push_str(&fragments[(seed >> 33) as usize % fragments.len()]);
            text.push_str(if seed.is_multiple_of(3) { " " } else { "" });
        }
        for line in [parse_argv(&["sh", "-c", &text]), argv(&text)] {
            let _ = (installs_in(&line), intent(&line), cd_targets(&line));
            let spans = line.commands.iter().map(|c| (wrapper_of(c), c.words.len()));
            assert!(
                spans
                    .into_iter()
                    .all(|(w, len)| w.is_none_or(|w| w.words <= len))
            );
        }
        split_words(&text)
            .iter()
            .for_each(|w| drop(versioned_path(w)));
    }
}

#[test]
fn migration_like_commands_are_schema_tasks_only() {
    table(
        r#"
        python manage.py migrate --noinput => migrate
        bundle exec rails db:migrate => db:migrate
        bin/rails db:prepare => db:prepare
        bin/rails db:seed =>
        flask db upgrade => upgrade
        alembic upgrade head => upgrade
        liquibase update => update
        ./bin/migrate.sh => ./bin/migrate.sh
        ./bin/docker-entrypoint-migrator.sh => ./bin/docker-entrypoint-migrator.sh
        sh -c "wait-for db:5432 && kong migrations bootstrap" => migrations
        python manage.py collectstatic --noinput =>
        python manage.py createsuperuser --noinput =>
        gunicorn app:app =>
        sh -c "python manage.py migrate && gunicorn app:app" =>
        bin/rails db:migrate:status =>
        python manage.py migrate --check =>
        kong migrations list =>
        /harbor/harbor_core -mode=migrate => -mode=migrate
        app --config=/etc/migrate.yaml serve =>
        prefect server database upgrade -y => upgrade
        pnpm -F backend migrate-production => migrate-production
        python manage.py migrate_schemas --shared => migrate_schemas
        npm run migrate:prod => migrate:prod
        ./listmonk --upgrade --yes => --upgrade
        ./listmonk --install --idempotent --yes => --install
        pip install --upgrade requests =>
        python -m pip install --upgrade pip =>
        prefect server database reset -y =>
        node scripts/apply-migrations.js => scripts/apply-migrations.js
        helm upgrade --install app ./chart -f prod.yaml =>
        apt-get upgrade -y =>
        yarn upgrade =>
        "#,
        |input| migration_word(&argv(input)).unwrap_or_default(),
    );
}

#[test]
fn a_migration_image_s_own_entrypoint_migrates_unless_its_args_read_or_serve() {
    table(
        r#"
        up => migrator
        upgrade --db=frontend => migrator
        drift --db=frontend => migrator
        status =>
        serve =>
        seed =>
        drop=true =>
        --destroy =>
        migrate => migrator
        "#,
        |input| image_migration_word("migrator", &argv(input)).unwrap_or_default(),
    );
}

#[test]
fn a_compose_service_s_admin_word_is_not_a_package_or_deploy_change() {
    table(
        r#"
        yarn seed => seed
        yarn migrate => migrate
        uv run python manage.py shell => manage.py shell
        helm upgrade app ./chart -f prod.yaml =>
        helm install app ./chart =>
        apt-get upgrade -y =>
        yarn upgrade =>
        pip install --upgrade setup =>
        "#,
        |input| service_admin_word(&argv(input)).unwrap_or_default(),
    );
}
