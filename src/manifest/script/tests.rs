use super::*;

fn scan(name: &str, text: &str) -> Vec<Workload> {
    let source = source_of(name, text).expect("a commands source");
    if source.is_yaml() {
        let parsed = crate::yaml::parse(text, &crate::yaml::Limits::default());
        parsed
            .documents
            .iter()
            .flat_map(|d| extract_document(source, &parsed.tree, d, FileId(0), text))
            .collect()
    } else {
        extract_text(source, FileId(0), text)
    }
}

fn at(text: &str, span: Span) -> &str {
    &text[span.range()]
}

#[test]
fn kubectl_run_reads_image_config_and_command_with_spans() {
    let text = "#!/bin/sh\nTAG=1.2.3\nkubectl run migration --rm -it \\\n  --image=myapp:v$TAG \\\n  --restart=Never -n shop \\\n  --env-from=secret/app-secrets \\\n  -- python manage.py migrate\n";
    let found = scan("deploy.sh", text);
    assert_eq!(found.len(), 1);
    let workload = &found[0];
    assert_eq!(workload.title(), "kubectl run `migration`");
    assert_eq!(workload.namespace_name(), "shop");
    let container = &workload.containers[0];
    let image = container.image.as_ref().unwrap();
    assert_eq!(image.value.to_string(), "myapp:v1.2.3");
    assert_eq!(at(text, image.span), "myapp:v$TAG");
    assert_eq!(container.config[0].name, "app-secrets");
    assert_eq!(at(text, container.config[0].span), "secret/app-secrets");
    let words: Vec<&str> = container.argv().iter().map(|w| at(text, w.span)).collect();
    assert_eq!(words, ["python", "manage.py", "migrate"]);
    let facts = workload.command.as_ref().unwrap();
    assert_eq!(facts.admin_word.as_deref(), Some("migrate"));
}

#[test]
fn a_workflow_run_block_maps_into_its_indented_lines() {
    let text = "on: push\nenv:\n  IMAGE: ghcr.io/acme/shop:2.0\njobs:\n  migrate:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          echo start\n          docker run --rm -e DATABASE_URL \\\n            $IMAGE bundle exec rails db:migrate\n";
    let found = scan(".github/workflows/deploy.yml", text);
    assert_eq!(found.len(), 1);
    let container = &found[0].containers[0];
    let image = container.image.as_ref().unwrap();
    assert_eq!(image.value.to_string(), "ghcr.io/acme/shop:2.0");
    assert_eq!(at(text, image.span), "$IMAGE");
    assert_eq!(at(text, container.env[0].span), "DATABASE_URL");
    assert_eq!(
        at(text, found[0].span),
        "docker run --rm -e DATABASE_URL \\\n            $IMAGE bundle exec rails db:migrate"
    );
}

#[test]
fn makefile_recipes_procfile_and_kubectl_exec() {
    let text = "IMAGE ?= shop:1.0\n\nmigrate: ## run migrations\n\t@kubectl exec deploy/web -c app -- bundle exec rails db:migrate\n\t-docker run --rm $(IMAGE) ./manage.py migrate\n";
    let found = scan("Makefile", text);
    assert_eq!(found.len(), 2);
    let target = found[0].command.as_ref().unwrap().runs_in.as_ref().unwrap();
    assert_eq!(
        (target.kind.as_str(), at(text, target.name.span)),
        ("deploy", "web")
    );
    assert_eq!(
        found[1].containers[0]
            .image
            .as_ref()
            .unwrap()
            .value
            .to_string(),
        "shop:1.0"
    );
    assert_eq!(
        at(text, found[1].containers[0].image.as_ref().unwrap().span),
        "$(IMAGE)"
    );
    let procfile = scan(
        "Procfile",
        "web: bundle exec puma\nrelease: bundle exec rails db:migrate\n",
    );
    let words: Vec<_> = procfile
        .iter()
        .map(|w| w.command.as_ref().unwrap().admin_word.clone())
        .collect();
    assert_eq!(words, [None, Some("db:migrate".to_string())]);
}

#[test]
fn local_admin_commands_count_only_against_production() {
    let text = "python manage.py migrate\npython manage.py migrate --database=$PROD_DATABASE_URL\nssh ops-server 'cd /var/www/app-v1.2.0 && python manage.py fix_data'\ndocker run --rm node:20 npm ci\n";
    let found = scan("ops.sh", text);
    let tools: Vec<_> = found
        .iter()
        .map(|w| w.command.as_ref().unwrap().tool)
        .collect();
    assert_eq!(tools, [Tool::Local, Tool::Ssh]);
    match &found[1].command.as_ref().unwrap().outside_release {
        Some(OutsideRelease::HostPath { host, path }) => {
            assert_eq!(host, "ops-server");
            assert_eq!(at(text, path.span), "/var/www/app-v1.2.0");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn image_read_from_the_deployment_runs_in_it() {
    let text = "IMAGE=$(kubectl get deploy web -n shop -o jsonpath='{.spec.template.spec.containers[0].image}')\nkubectl run migrate-$RANDOM --image=$IMAGE -n shop -- rails db:migrate\n";
    let found = scan("x.sh", text);
    assert_eq!(found.len(), 1);
    assert!(found[0].containers[0].image.is_none());
    let target = found[0].command.as_ref().unwrap().runs_in.as_ref().unwrap();
    assert_eq!(target.name.value, "web");
}

#[test]
fn gitlab_jobs_create_job_overrides_and_compose_run_are_read() {
    let text = "variables:\n  TAG: \"3.1.0\"\nmigrate:\n  stage: deploy\n  script:\n    - kubectl create job migrate-now --from=cronjob/nightly-migrate -n shop\n    - podman run --rm --env-file prod.env -e RAILS_ENV=production acme/shop:$TAG bundle exec rails db:migrate\n    - kubectl run seed --image=acme/shop:$TAG --overrides='{\"spec\":{\"containers\":[{\"name\":\"seed\",\"envFrom\":[{\"secretRef\":{\"name\":\"shop\"}}]}]}}' -- rails db:seed\n    - docker compose -f compose.yaml run --rm web ./manage.py migrate\n";
    let found = scan(".gitlab-ci.yml", text);
    let kinds: Vec<&str> = found.iter().map(|w| w.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "kubectl create job",
            "docker run",
            "kubectl run",
            "docker compose run"
        ]
    );
    let cronjob = found[0].command.as_ref().unwrap().runs_in.as_ref().unwrap();
    assert_eq!(
        (cronjob.kind.as_str(), cronjob.name.value.as_str()),
        ("cronjob", "nightly-migrate")
    );
    let podman = &found[1].containers[0];
    assert_eq!(
        podman.image.as_ref().unwrap().value.to_string(),
        "acme/shop:3.1.0"
    );
    assert_eq!(podman.config[0].name, "prod.env");
    assert_eq!(podman.env[0].name, "RAILS_ENV");
    let overrides = &found[2].containers[0];
    assert_eq!(overrides.config[0].name, "shop");
    let compose = found[3].command.as_ref().unwrap().runs_in.as_ref().unwrap();
    assert_eq!(
        (compose.kind.as_str(), at(text, compose.name.span)),
        ("service", "web")
    );
}

#[test]
fn commands_that_are_not_admin_tasks_are_not_workloads() {
    let text = "docker run --rm -v \"$PWD:/src\" node:20 npm ci\nkubectl run curl --image=curlimages/curl -- curl -s http://web\nkubectl exec deploy/web -- cat /etc/hosts\nkubectl exec deploy/web -- bundle exec puma\nls -la # kubectl run migrate --image=x -- migrate\n";
    assert!(scan("ci.sh", text).is_empty());
    // Code generators and listings: they write or read the developer's tree, not the data.
    let text = "docker compose run web rails g migration AddTitle\ndocker compose run web bin/rails generate model Post\ndocker compose run web rails routes\ndocker compose run web python manage.py makemigrations\ndocker compose run web rails destroy scaffold Post\n";
    assert!(scan("dev.sh", text).is_empty());
}

#[test]
fn commands_run_through_exec_sudo_env_time_and_nohup_are_read() {
    let text = "exec docker compose -f a.yml run --rm tools migrate\nsudo -E -u deploy kubectl run m --image=acme/shop:1.0 -- rails db:migrate\nenv -i RAILS_ENV=production heroku run rake db:migrate\ntime nohup docker compose exec -T web ./manage.py migrate\ncommand -v docker\n";
    let found = scan("deploy.sh", text);
    let kinds: Vec<&str> = found.iter().map(|w| w.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "docker compose run",
            "kubectl run",
            "heroku run",
            "docker compose exec"
        ]
    );
    let words: Vec<Option<&str>> = (found.iter())
        .map(|w| w.command.as_ref().unwrap().admin_word.as_deref())
        .collect();
    assert_eq!(
        words,
        [
            Some("migrate"),
            Some("db:migrate"),
            Some("db:migrate"),
            Some("migrate")
        ]
    );
}

#[test]
fn spans_stay_inside_the_text_when_a_quote_never_closes() {
    // Found by the fuzz target: an `ssh` script whose quote runs to the end of the file.
    let text = "ssh ops 'cd /var/www/app-v1.2.0 && python manage.py migrate \"$TAG\" -- x\n  é";
    for workload in scan("x.sh", text) {
        assert!(
            text.get(workload.span.range()).is_some(),
            "{:?}",
            workload.span
        );
        for word in workload.containers[0].argv() {
            assert!(text.get(word.span.range()).is_some(), "{:?}", word.span);
        }
    }
    let crash = include_bytes!("../../../fuzz/regressions/script-ssh-unterminated-quote");
    let text = std::str::from_utf8(&crash[1..]).unwrap();
    for workload in scan("x.sh", text) {
        assert!(
            text.get(workload.span.range()).is_some(),
            "{:?}",
            workload.span
        );
        if let Some(crate::model::script::OutsideRelease::HostPath { path, .. }) =
            &workload.command.as_ref().unwrap().outside_release
        {
            assert!(text.get(path.span.range()).is_some(), "{:?}", path.span);
        }
        for word in workload.containers[0].argv() {
            assert!(text.get(word.span.range()).is_some(), "{:?}", word.span);
        }
    }
}

#[test]
fn kubectl_debug_is_admin_only_with_an_admin_command_and_never_on_a_node() {
    let text = "kubectl debug deploy/web -it --image=busybox:1.36 -- sh\nkubectl debug node/n1 -it --image=ubuntu -- rails console\nkubectl debug -n shop deployment.apps/web -it --image=ruby:3.3 -- rails console\nkubectl debug web-7d9 --copy-to=web-old -c app --set-image=sidecar=envoy:1,app=shop:1.0 -- rake db:migrate\n";
    let found = scan("debug.sh", text);
    assert_eq!(found.len(), 2, "{found:#?}");
    let facts = found[0].command.as_ref().unwrap();
    assert_eq!(facts.tool, Tool::KubectlDebug);
    let target = facts.runs_in.as_ref().unwrap();
    assert_eq!(
        (target.kind.as_str(), at(text, target.name.span)),
        ("deployment", "web")
    );
    assert!(!facts.keeps_target_config);
    let image = found[0].containers[0].image.as_ref().unwrap();
    assert_eq!(at(text, image.span), "ruby:3.3");
    // `--set-image`: the image of the container `-c` names, exactly where it is written; the
    // copy's container keeps its config.
    let facts = found[1].command.as_ref().unwrap();
    assert_eq!(facts.runs_in.as_ref().unwrap().kind, "pod");
    assert!(facts.keeps_target_config);
    let image = found[1].containers[0].image.as_ref().unwrap();
    assert_eq!(image.value.to_string(), "shop:1.0");
    assert_eq!(at(text, image.span), "shop:1.0");
}

#[test]
fn a_test_suite_run_in_a_container_is_not_an_admin_task() {
    let text = "docker compose run app python manage.py test\ndocker compose run app bundle exec rake spec:models\ndocker compose run app python manage.py load_initial_data\n";
    let found = scan("ci.sh", text);
    let words: Vec<_> = found
        .iter()
        .map(|w| w.command.as_ref().unwrap().admin_word.clone())
        .collect();
    assert_eq!(words, [Some("manage.py load_initial_data".to_string())]);
}

#[test]
fn compose_file_from_the_environment_names_the_files_without_dash_f() {
    let text = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n      COMPOSE_FILE: .ci/compose.ci.yaml\n    steps:\n      - run: docker compose -p app run --rm web rails db:migrate\n      - run: COMPOSE_FILE=a.yml:b.yml docker compose run --rm web rails db:seed\n      - run: docker compose -f c.yml run --rm web rails db:seed\n";
    let found = scan(".github/workflows/ci.yml", text);
    let files: Vec<_> = found
        .iter()
        .map(|w| w.command.as_ref().unwrap().compose_files.clone())
        .collect();
    assert_eq!(
        files,
        [
            vec![".ci/compose.ci.yaml".to_string()],
            vec!["a.yml".to_string(), "b.yml".to_string()],
            vec!["c.yml".to_string()],
        ]
    );
}

#[test]
fn a_script_names_migrations_outside_its_comments() {
    let names = |text: &str| super::names_migrations(text, &super::lex(text).comments);
    assert!(names(
        "python manage.py wait_for_migrations\nexec gunicorn app\n"
    ));
    assert!(names("bin/rails DB:MIGRATE\n"));
    assert!(!names(
        "# Migrations run in the migrator service.\nexec celery worker\n"
    ));
    assert!(!names("exec gunicorn app # migrations run elsewhere\n"));
    // A `#` inside quotes starts no comment.
    assert!(names("echo '# not a comment' && ./migrate.sh\n"));
    assert!(!names(""));
}

#[test]
fn jobs_a_script_deletes_by_name_are_read() {
    let text = "kubectl delete job/db-migrate -n shop --ignore-not-found\nkubectl -n shop delete jobs seed reindex --wait=true\noc delete job.batch/x\nkubectl delete pod/web-1 deploy/web\nkubectl delete job/$JOB\nkubectl get job/y\nKUBECONFIG=k kubectl delete --context prod jobs.batch/z # job/commented\n# kubectl delete job/in-a-comment\n";
    assert_eq!(
        lex(text).deleted_jobs,
        ["db-migrate", "reindex", "seed", "x", "z"]
    );
}
