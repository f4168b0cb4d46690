//! Writes a synthetic monorepo of Kubernetes manifests, kustomize overlays and Compose projects,
//! deterministically from a seed, for benchmarks (`examples/gen_monorepo`, `benches/pipeline.rs`).
//!
//! Each service gets a kustomize base (Deployments, a migration Job, sometimes a CronJob, a
//! Service, a ServiceAccount, a large ConfigMap and a large PrometheusRule-like document that
//! carry the padding), `staging` and `prod` overlays, and every few services a Compose project
//! with a `.env`, a Helm chart with a migration hook, or a deploy script and a Makefile that launch
//! one-offs. A small, counted fraction of services drift on purpose so the run has findings; the
//! charts and scripts agree with their app (they add work, not findings). Charts and scripts draw
//! nothing from the PRNG, so the Kubernetes and Compose files are the same with or without them.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Number of services.
    pub services: usize,
    /// Padding per service in KiB, split between its ConfigMap and its rules document.
    pub padding_kib: usize,
    /// PRNG seed: the same seed and settings give byte-identical output.
    pub seed: u64,
    /// Services that drift on purpose, per thousand.
    pub drift_per_mille: u32,
    /// Every how many services one also gets a Compose project (0: none).
    pub compose_every: usize,
    /// Every how many services one also gets a Helm chart with a migration hook (0: none).
    pub chart_every: usize,
    /// Every how many services one also gets a deploy script and a Makefile that launch
    /// one-offs with `kubectl run` / `kubectl exec` (0: none).
    pub script_every: usize,
}

impl Default for Settings {
    /// About 5,000 files and 100 MB.
    fn default() -> Self {
        Settings {
            services: 400,
            padding_kib: 236,
            seed: 12,
            drift_per_mille: 30,
            compose_every: 5,
            chart_every: 10,
            script_every: 4,
        }
    }
}

/// What was written.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Files written (YAML and `.env`).
    pub files: usize,
    /// YAML files among them.
    pub yaml_files: usize,
    /// Bytes written.
    pub bytes: u64,
    /// Services that drift on purpose, with how.
    pub drifted: Vec<(String, Drift)>,
}

/// The deliberate drift of one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drift {
    /// The migration Job runs another tag of the app's image (no overlay rewrites the tag).
    ImageTag,
    /// The migration Job lacks the Secret the app reads.
    MissingSecret,
    /// The migration Job skips the app's `bundle exec`.
    NoWrapper,
    /// The migration Job runs `pip install` first.
    AdhocInstall,
    /// The Compose project's migrate service runs another tag (only with a Compose project).
    ComposeTag,
}

impl Drift {
    /// A short name for summaries.
    pub fn name(self) -> &'static str {
        match self {
            Drift::ImageTag => "image-tag",
            Drift::MissingSecret => "missing-secret",
            Drift::NoWrapper => "no-wrapper",
            Drift::AdhocInstall => "adhoc-install",
            Drift::ComposeTag => "compose-tag",
        }
    }
}

/// SplitMix64: small, fast, and good enough to vary synthetic manifests.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// One element of a non-empty slice.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const DOMAINS: [&str; 16] = [
    "billing",
    "catalog",
    "checkout",
    "search",
    "accounts",
    "inventory",
    "shipping",
    "notify",
    "ledger",
    "reports",
    "auth",
    "media",
    "orders",
    "pricing",
    "reviews",
    "support",
];

/// Runtimes: (app command, worker command, migrate command without wrapper, wrapper words).
const RUNTIMES: [(&str, &str, &str, &str); 4] = [
    (
        r#"["bundle", "exec", "puma", "-C", "config/puma.rb"]"#,
        r#"["bundle", "exec", "sidekiq"]"#,
        "rails db:migrate",
        "bundle exec ",
    ),
    (
        r#"["poetry", "run", "gunicorn", "app.wsgi", "--bind", "0.0.0.0:8000"]"#,
        r#"["poetry", "run", "celery", "-A", "app", "worker"]"#,
        "python manage.py migrate --noinput",
        "poetry run ",
    ),
    (
        r#"["node", "dist/server.js"]"#,
        r#"["node", "dist/worker.js"]"#,
        "npx knex migrate:latest",
        "",
    ),
    (
        r#"["/app/server", "--config", "/etc/app/config.yaml"]"#,
        r#"["/app/server", "worker", "--config", "/etc/app/config.yaml"]"#,
        "/app/server migrate up",
        "",
    ),
];

/// Write the monorepo under `out` (created if missing; existing files are overwritten).
pub fn generate(settings: &Settings, out: &Path) -> io::Result<Stats> {
    let mut rng = Rng::new(settings.seed);
    let mut writer = Writer {
        out: out.to_path_buf(),
        stats: Stats::default(),
    };
    writer.write(
        "README.md",
        "Synthetic monorepo written by adminlint's `gen_monorepo` example, for benchmarks.\n",
    )?;
    for index in 0..settings.services {
        let service = Service::new(index, settings, &mut rng);
        service.write(settings, &mut rng, &mut writer)?;
        if let Some(drift) = service.drift {
            writer.stats.drifted.push((service.name.clone(), drift));
        }
    }
    Ok(writer.stats)
}

struct Writer {
    out: PathBuf,
    stats: Stats,
}

impl Writer {
    fn write(&mut self, relative: &str, text: &str) -> io::Result<()> {
        let path = self.out.join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, text)?;
        self.stats.files += 1;
        if relative.ends_with(".yaml") || relative.ends_with(".yml") {
            self.stats.yaml_files += 1;
        }
        self.stats.bytes += text.len() as u64;
        Ok(())
    }
}

/// One service of the monorepo and the choices made for it.
struct Service {
    name: String,
    namespace: String,
    image: String,
    tag: String,
    runtime: usize,
    worker: bool,
    cronjob: bool,
    compose: bool,
    chart: bool,
    script: bool,
    overlay_tags: bool,
    drift: Option<Drift>,
}

impl Service {
    fn new(index: usize, settings: &Settings, rng: &mut Rng) -> Self {
        let domain = DOMAINS[index % DOMAINS.len()];
        let name = format!("{domain}-{index:04}");
        let team = rng.pick(&["core", "growth", "platform", "payments", "data"]);
        let tag = format!("v{}.{}.{}", 1 + rng.below(4), rng.below(30), rng.below(20));
        let compose = settings.compose_every > 0 && index.is_multiple_of(settings.compose_every);
        // Offset from the Compose services so that each source also stands alone.
        let chart = settings.chart_every > 0 && index % settings.chart_every == 1;
        let script = settings.script_every > 0 && index % settings.script_every == 2;
        let drift = rng.chance(settings.drift_per_mille).then(|| {
            let kinds: &[Drift] = if compose {
                &[Drift::ComposeTag, Drift::MissingSecret, Drift::ImageTag]
            } else {
                &[
                    Drift::ImageTag,
                    Drift::MissingSecret,
                    Drift::NoWrapper,
                    Drift::AdhocInstall,
                ]
            };
            kinds[rng.below(kinds.len() as u64) as usize]
        });
        let runtime = rng.below(RUNTIMES.len() as u64) as usize;
        // Wrapper drift needs a runtime with a wrapper.
        let runtime = if drift == Some(Drift::NoWrapper) {
            runtime % 2
        } else {
            runtime
        };
        Service {
            namespace: format!("{team}-{domain}"),
            image: format!("registry.example.com/{team}/{name}"),
            tag,
            runtime,
            worker: rng.chance(600),
            cronjob: rng.chance(330),
            compose,
            chart,
            script,
            // Overlay `images:` would rewrite the Job's tag too and hide image drift.
            overlay_tags: drift != Some(Drift::ImageTag) && rng.chance(500),
            drift,
            name,
        }
    }

    fn write(&self, settings: &Settings, rng: &mut Rng, out: &mut Writer) -> io::Result<()> {
        let base = format!("services/{}/deploy/base", self.name);
        let (app_command, worker_command, migrate, wrapper) = RUNTIMES[self.runtime];
        let mut resources = vec!["serviceaccount.yaml", "deployment.yaml", "service.yaml"];
        out.write(
            &format!("{base}/serviceaccount.yaml"),
            &self.service_account(),
        )?;
        out.write(
            &format!("{base}/deployment.yaml"),
            &self.deployment("web", app_command, 3, true),
        )?;
        out.write(&format!("{base}/service.yaml"), &self.service())?;
        if self.worker {
            resources.push("worker.yaml");
            out.write(
                &format!("{base}/worker.yaml"),
                &self.deployment("worker", worker_command, 2, false),
            )?;
        }
        let migrate_command = match self.drift {
            Some(Drift::NoWrapper) => migrate.to_string(),
            Some(Drift::AdhocInstall) => {
                format!("pip install psycopg2-binary && {wrapper}{migrate}")
            }
            _ => format!("{wrapper}{migrate}"),
        };
        let job_tag = match self.drift {
            Some(Drift::ImageTag) => older(&self.tag),
            _ => self.tag.clone(),
        };
        resources.push("migrate-job.yaml");
        out.write(
            &format!("{base}/migrate-job.yaml"),
            &self.migrate_job(&migrate_command, &job_tag),
        )?;
        if self.cronjob {
            resources.push("cleanup-cronjob.yaml");
            out.write(
                &format!("{base}/cleanup-cronjob.yaml"),
                &self.cronjob(wrapper),
            )?;
        }
        let padding = settings.padding_kib * 1024;
        resources.push("configmap.yaml");
        out.write(
            &format!("{base}/configmap.yaml"),
            &self.config_map(padding * 2 / 5, rng),
        )?;
        resources.push("alerts.yaml");
        out.write(
            &format!("{base}/alerts.yaml"),
            &self.alert_rules(padding * 3 / 5, rng),
        )?;
        out.write(
            &format!("{base}/kustomization.yaml"),
            &kustomization(&resources, None, None, &[]),
        )?;
        for (env, replicas) in [("staging", 1), ("prod", 6)] {
            let dir = format!("services/{}/deploy/overlays/{env}", self.name);
            let images = if self.overlay_tags {
                vec![(self.image.clone(), format!("{}-{env}", self.tag))]
            } else {
                Vec::new()
            };
            let namespace = format!("{}-{env}", self.namespace);
            out.write(
                &format!("{dir}/kustomization.yaml"),
                &kustomization(
                    &["../../base"],
                    Some(&namespace),
                    Some("replicas-patch.yaml"),
                    &images,
                ),
            )?;
            out.write(
                &format!("{dir}/replicas-patch.yaml"),
                // A strategic-merge patch names its target's namespace as the base declares
                // it: kustomize matches patches before the overlay's `namespace:` applies.
                &format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {}-web\n  namespace: {}\nspec:\n  replicas: {replicas}\n",
                    self.name, self.namespace
                ),
            )?;
        }
        if self.compose {
            self.write_compose(wrapper, migrate, out)?;
        }
        if self.chart {
            self.write_chart(app_command, &format!("{wrapper}{migrate}"), out)?;
        }
        if self.script {
            self.write_scripts(&format!("{wrapper}{migrate}"), out)?;
        }
        Ok(())
    }

    fn labels(&self, component: &str, indent: usize) -> String {
        let pad = " ".repeat(indent);
        format!(
            "{pad}app.kubernetes.io/name: {name}\n{pad}app.kubernetes.io/component: {component}\n{pad}app.kubernetes.io/part-of: {ns}\n",
            name = self.name,
            ns = self.namespace
        )
    }

    fn service_account(&self) -> String {
        format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n{labels}",
            name = self.name,
            ns = self.namespace,
            labels = self.labels("identity", 4)
        )
    }

    fn service(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n{labels}spec:\n  selector:\n    app.kubernetes.io/name: {name}\n    app.kubernetes.io/component: web\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n",
            name = self.name,
            ns = self.namespace,
            labels = self.labels("web", 4)
        )
    }

    /// The env and envFrom every app container has (the Job has them too unless it drifts).
    fn env(&self, with_secret: bool) -> String {
        let mut text = format!(
            "          envFrom:\n            - configMapRef:\n                name: {name}-config\n",
            name = self.name
        );
        if with_secret {
            let _ = write!(
                text,
                "            - secretRef:\n                name: {name}-secrets\n          env:\n            - name: DATABASE_URL\n              valueFrom:\n                secretKeyRef:\n                  name: {name}-db\n                  key: url\n",
                name = self.name
            );
        } else {
            text.push_str("          env:\n");
        }
        text.push_str(
            "            - name: POD_NAME\n              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.name\n            - name: LOG_FORMAT\n              value: json\n",
        );
        text
    }

    fn deployment(&self, component: &str, command: &str, replicas: u32, probes: bool) -> String {
        let mut text = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}-{component}\n  namespace: {ns}\n  labels:\n{labels}spec:\n  replicas: {replicas}\n  revisionHistoryLimit: 5\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n      app.kubernetes.io/component: {component}\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 25%\n      maxUnavailable: 0\n  template:\n    metadata:\n      labels:\n{pod_labels}      annotations:\n        prometheus.io/scrape: \"true\"\n        prometheus.io/port: \"9090\"\n    spec:\n      serviceAccountName: {name}\n      securityContext:\n        runAsNonRoot: true\n        runAsUser: 10001\n        fsGroup: 10001\n      containers:\n        - name: {component}\n          image: {image}:{tag}\n          imagePullPolicy: IfNotPresent\n          command: {command}\n",
            name = self.name,
            ns = self.namespace,
            labels = self.labels(component, 4),
            pod_labels = self.labels(component, 8),
            image = self.image,
            tag = self.tag,
        );
        text.push_str(&self.env(true));
        text.push_str(
            "          resources:\n            requests:\n              cpu: 250m\n              memory: 256Mi\n            limits:\n              memory: 512Mi\n",
        );
        if probes {
            text.push_str(
                "          ports:\n            - name: http\n              containerPort: 8080\n          readinessProbe:\n            httpGet:\n              path: /healthz\n              port: http\n            periodSeconds: 10\n          livenessProbe:\n            httpGet:\n              path: /livez\n              port: http\n            initialDelaySeconds: 15\n",
            );
        }
        text.push_str(
            "          volumeMounts:\n            - name: tmp\n              mountPath: /tmp\n      volumes:\n        - name: tmp\n          emptyDir: {}\n",
        );
        text
    }

    fn migrate_job(&self, command: &str, tag: &str) -> String {
        let mut text = format!(
            "# Runs the schema migrations of {name} before each rollout.\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}-migrate\n  namespace: {ns}\n  labels:\n{labels}  annotations:\n    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation\nspec:\n  backoffLimit: 1\n  ttlSecondsAfterFinished: 600\n  template:\n    metadata:\n      labels:\n{pod_labels}    spec:\n      serviceAccountName: {name}\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: {image}:{tag}\n          command: [\"/bin/sh\", \"-c\", \"{command}\"]\n",
            name = self.name,
            ns = self.namespace,
            labels = self.labels("migrate", 4),
            pod_labels = self.labels("migrate", 8),
            image = self.image,
        );
        text.push_str(&self.env(self.drift != Some(Drift::MissingSecret)));
        text
    }

    fn cronjob(&self, wrapper: &str) -> String {
        let mut text = format!(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {name}-cleanup\n  namespace: {ns}\n  labels:\n{labels}spec:\n  schedule: \"17 3 * * *\"\n  concurrencyPolicy: Forbid\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          serviceAccountName: {name}\n          restartPolicy: OnFailure\n          containers:\n            - name: cleanup\n              image: {image}:{tag}\n              command: [\"/bin/sh\", \"-c\", \"{wrapper}rake cleanup:expired\"]\n",
            name = self.name,
            ns = self.namespace,
            labels = self.labels("cleanup", 4),
            image = self.image,
            tag = self.tag,
        );
        // The CronJob's container sits four spaces deeper than the Deployment's.
        for line in self.env(true).lines() {
            let _ = writeln!(text, "    {line}");
        }
        text
    }

    /// A ConfigMap of about `size` bytes: flat keys and an embedded properties file.
    fn config_map(&self, size: usize, rng: &mut Rng) -> String {
        let mut text = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\n  namespace: {ns}\n  labels:\n{labels}data:\n",
            name = self.name,
            ns = self.namespace,
            labels = self.labels("config", 4)
        );
        let flat_until = size / 2;
        let mut key = 0;
        while text.len() < flat_until {
            let _ = writeln!(
                text,
                "  FEATURE_{}_{key:05}: \"{}\"",
                rng.pick(&["CHECKOUT", "SEARCH", "EXPORT", "BETA", "LEGACY", "AUDIT"]),
                rng.pick(&["true", "false", "30s", "250", "eu-west-1", "strict"])
            );
            key += 1;
        }
        text.push_str("  application.properties: |\n");
        while text.len() < size {
            let _ = writeln!(
                text,
                "    {}.{}.{}={}",
                rng.pick(&[
                    "server",
                    "cache",
                    "queue",
                    "db.pool",
                    "http.client",
                    "metrics"
                ]),
                rng.pick(&["timeout", "size", "retries", "enabled", "endpoint", "ttl"]),
                key,
                rng.below(100_000)
            );
            key += 1;
        }
        text
    }

    /// A PrometheusRule-like document of about `size` bytes: many small nested mappings.
    fn alert_rules(&self, size: usize, rng: &mut Rng) -> String {
        let mut text = format!(
            "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: {name}-alerts\n  namespace: {ns}\n  labels:\n{labels}spec:\n  groups:\n",
            name = self.name,
            ns = self.namespace,
            labels = self.labels("monitoring", 4)
        );
        let mut group = 0;
        while text.len() < size {
            let _ = write!(
                text,
                "    - name: {name}.group-{group}\n      interval: 30s\n      rules:\n",
                name = self.name
            );
            for rule in 0..8 {
                let metric = rng.pick(&[
                    "http_requests_total",
                    "http_request_duration_seconds_bucket",
                    "queue_depth",
                    "db_connections_in_use",
                    "job_failures_total",
                ]);
                let _ = write!(
                    text,
                    "        - alert: {svc}Alert{group}x{rule}\n          expr: sum(rate({metric}{{service=\"{name}\",code=~\"5..\"}}[5m])) by (pod) > {threshold}\n          for: {minutes}m\n          labels:\n            severity: {severity}\n            team: {ns}\n          annotations:\n            summary: \"{metric} is high on {{{{ $labels.pod }}}}\"\n            runbook_url: https://runbooks.example.com/{name}/{metric}\n",
                    svc = self.name.replace('-', "_"),
                    name = self.name,
                    ns = self.namespace,
                    threshold = rng.below(1000),
                    minutes = 1 + rng.below(15),
                    severity = rng.pick(&["warning", "critical", "info"]),
                );
            }
            group += 1;
        }
        text
    }

    fn write_compose(&self, wrapper: &str, migrate: &str, out: &mut Writer) -> io::Result<()> {
        let dir = format!("services/{}/compose", self.name);
        let migrate_tag = match self.drift {
            Some(Drift::ComposeTag) => older(&self.tag),
            _ => self.tag.clone(),
        };
        let text = format!(
            "name: {name}\nservices:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD:?set it in .env}}\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U postgres\"]\n      interval: 5s\n  migrate:\n    image: {image}:{migrate_tag}\n    command: [\"/bin/sh\", \"-c\", \"{wrapper}{migrate}\"]\n    env_file: .env\n    depends_on:\n      db:\n        condition: service_healthy\n  web:\n    image: {image}:{tag}\n    env_file: .env\n    ports:\n      - \"8080:8080\"\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n  worker:\n    image: {image}:{tag}\n    env_file: .env\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n",
            name = self.name,
            image = self.image,
            tag = self.tag,
        );
        out.write(&format!("{dir}/compose.yaml"), &text)?;
        out.write(
            &format!("{dir}/compose.override.yml"),
            "services:\n  web:\n    environment:\n      LOG_LEVEL: debug\n",
        )?;
        out.write(
            &format!("{dir}/.env"),
            &format!(
                "POSTGRES_PASSWORD=example\nDATABASE_URL=postgres://postgres:example@db/{}\n",
                self.name.replace('-', "_")
            ),
        )
    }

    /// A Helm chart that deploys the app with a pre-upgrade migration hook from the same
    /// values (the image tag defaults to the chart's appVersion in both).
    fn write_chart(&self, app_command: &str, migrate: &str, out: &mut Writer) -> io::Result<()> {
        let dir = format!("services/{}/chart", self.name);
        let chart = self.name.replace('-', "");
        out.write(
            &format!("{dir}/Chart.yaml"),
            &format!(
                "apiVersion: v2\nname: {chart}\ndescription: {name} packaged for Helm.\nversion: 0.1.0\nappVersion: \"{tag}\"\n",
                name = self.name,
                tag = self.tag
            ),
        )?;
        out.write(
            &format!("{dir}/values.yaml"),
            &format!(
                "image:\n  repository: {image}\n  # Empty: the chart's appVersion.\n  tag: \"\"\nreplicas: 2\nmigrations:\n  enabled: true\nsecretName: {name}-secrets\nresources:\n  requests:\n    cpu: 100m\n    memory: 128Mi\n",
                image = self.image,
                name = self.name
            ),
        )?;
        out.write(
            &format!("{dir}/templates/_helpers.tpl"),
            &format!(
                "{{{{- define \"{chart}.image\" -}}}}\n{{{{ .Values.image.repository }}}}:{{{{ .Values.image.tag | default .Chart.AppVersion }}}}\n{{{{- end }}}}\n\n{{{{- define \"{chart}.labels\" -}}}}\napp.kubernetes.io/name: {{{{ .Chart.Name }}}}\napp.kubernetes.io/instance: {{{{ .Release.Name }}}}\n{{{{- end }}}}\n"
            ),
        )?;
        out.write(
            &format!("{dir}/templates/deployment.yaml"),
            &format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{{{ .Release.Name }}}}-web\n  labels:\n    {{{{- include \"{chart}.labels\" . | nindent 4 }}}}\nspec:\n  replicas: {{{{ .Values.replicas }}}}\n  selector:\n    matchLabels:\n      {{{{- include \"{chart}.labels\" . | nindent 6 }}}}\n  template:\n    metadata:\n      labels:\n        {{{{- include \"{chart}.labels\" . | nindent 8 }}}}\n    spec:\n      containers:\n        - name: web\n          image: {{{{ include \"{chart}.image\" . | quote }}}}\n          command: {app_command}\n          envFrom:\n            - secretRef:\n                name: {{{{ .Values.secretName }}}}\n          resources:\n            {{{{- toYaml .Values.resources | nindent 12 }}}}\n"
            ),
        )?;
        out.write(
            &format!("{dir}/templates/migrate-job.yaml"),
            &format!(
                "{{{{- if .Values.migrations.enabled }}}}\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{{{ .Release.Name }}}}-migrate\n  labels:\n    {{{{- include \"{chart}.labels\" . | nindent 4 }}}}\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-delete-policy: before-hook-creation\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: {{{{ include \"{chart}.image\" . | quote }}}}\n          command: [\"/bin/sh\", \"-c\", \"{migrate}\"]\n          envFrom:\n            - secretRef:\n                name: {{{{ .Values.secretName }}}}\n{{{{- end }}}}\n"
            ),
        )
    }

    /// A deploy script and a Makefile that run one-offs in the prod namespace with the app's
    /// image, config and Secrets.
    fn write_scripts(&self, migrate: &str, out: &mut Writer) -> io::Result<()> {
        let dir = format!("services/{}", self.name);
        let prod = format!("{}-prod", self.namespace);
        let env_from = format!(
            "--env-from=configmap/{name}-config --env-from=secret/{name}-secrets",
            name = self.name
        );
        out.write(
            &format!("{dir}/scripts/deploy.sh"),
            &format!(
                "#!/usr/bin/env bash\n# Rolls {name} out to prod, migrating first.\nset -euo pipefail\ncd \"$(dirname \"$0\")/..\"\nIMAGE=$(kubectl get deploy {name}-web -n {prod} -o jsonpath='{{.spec.template.spec.containers[0].image}}')\nkubectl run {name}-migrate-$RANDOM --rm -i --restart=Never -n {prod} {env_from} \\\n  --image=\"$IMAGE\" -- /bin/sh -c \"{migrate}\"\nkubectl apply -k deploy/overlays/prod\nkubectl rollout status -n {prod} deploy/{name}-web\n",
                name = self.name
            ),
        )?;
        out.write(
            &format!("{dir}/Makefile"),
            &format!(
                ".PHONY: deploy migrate\n\ndeploy:\n\tbash scripts/deploy.sh\n\nmigrate:\n\tkubectl exec -n {prod} deploy/{name}-web -- /bin/sh -c \"{migrate}\"\n",
                name = self.name
            ),
        )
    }
}

fn kustomization(
    resources: &[&str],
    namespace: Option<&str>,
    patch: Option<&str>,
    images: &[(String, String)],
) -> String {
    let mut text =
        String::from("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n");
    if let Some(namespace) = namespace {
        let _ = writeln!(text, "namespace: {namespace}");
    }
    text.push_str("resources:\n");
    for resource in resources {
        let _ = writeln!(text, "  - {resource}");
    }
    if let Some(patch) = patch {
        let _ = write!(text, "patches:\n  - path: {patch}\n");
    }
    if !images.is_empty() {
        text.push_str("images:\n");
        for (name, tag) in images {
            let _ = write!(text, "  - name: {name}\n    newTag: {tag}\n");
        }
    }
    text
}

/// A release before `tag` (`v2.7.3` -> `v2.6.3`, `v1.0.3` -> `v0.9.3`).
fn older(tag: &str) -> String {
    let parts: Vec<u64> = tag
        .trim_start_matches('v')
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect();
    match parts.as_slice() {
        [major, 0, patch] if *major > 0 => format!("v{}.9.{patch}", major - 1),
        [major, minor, patch] => format!("v{major}.{}.{patch}", minor.saturating_sub(1)),
        _ => format!("{tag}-old"),
    }
}
