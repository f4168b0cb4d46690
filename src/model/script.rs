//! What a command in a script, CI workflow, Makefile or Procfile says about the process it
//! starts: the tool, the workload it runs in, and what points it at production.

use crate::origin::Spanned;

/// The tool a command starts its process with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Tool {
    /// `kubectl run NAME --image=…`.
    KubectlRun,
    /// `kubectl create job NAME [--from=cronjob/x] [--image=…]`.
    KubectlCreateJob,
    /// `kubectl exec [deploy/]X -- cmd`: runs in X's pod, X's release.
    KubectlExec,
    /// `kubectl debug TARGET [--image=…] [--copy-to=…] -- cmd`: a debug container beside
    /// (or a copy of) TARGET's pod; an admin process only when it runs an admin command.
    KubectlDebug,
    /// `docker run` / `podman run`.
    DockerRun,
    /// `docker compose run SERVICE cmd`: a new container of the service's release.
    ComposeRun,
    /// `docker compose exec SERVICE cmd`: in the service's running container.
    ComposeExec,
    /// `heroku run cmd`: runs in the app's current release.
    HerokuRun,
    /// `ssh HOST 'cmd'`: runs on a host, from whatever is checked out there.
    Ssh,
    /// `python manage.py migrate`, `bundle exec rails db:migrate`, …: the caller's checkout.
    Local,
    /// A `Procfile` line: `release:` is Heroku's release phase, the others the app.
    Procfile,
    /// A script of Heroku's `app.json` (`postdeploy`, `pr-predestroy`): a one-off dyno.
    AppJson,
}

impl Tool {
    /// True for `docker compose run` and `exec`: the process runs in a service of a Compose
    /// project.
    pub fn is_compose(self) -> bool {
        matches!(self, Tool::ComposeRun | Tool::ComposeExec)
    }

    /// True when the process runs in Kubernetes and can read its ConfigMaps and Secrets; a
    /// `docker run`, a Heroku dyno or a shell cannot, so config rules compare those only with
    /// what the command passes itself.
    pub fn reads_kubernetes_config(self) -> bool {
        matches!(
            self,
            Tool::KubectlRun | Tool::KubectlCreateJob | Tool::KubectlExec | Tool::KubectlDebug
        )
    }

    /// The kind shown in messages ("kubectl run `migrate`").
    pub fn kind(self) -> &'static str {
        match self {
            Tool::KubectlRun => "kubectl run",
            Tool::KubectlCreateJob => "kubectl create job",
            Tool::KubectlExec => "kubectl exec",
            Tool::KubectlDebug => "kubectl debug",
            Tool::DockerRun => "docker run",
            Tool::ComposeRun => "docker compose run",
            Tool::ComposeExec => "docker compose exec",
            Tool::HerokuRun => "heroku run",
            Tool::Ssh => "ssh",
            Tool::Local => "command",
            Tool::Procfile => "Procfile process",
            Tool::AppJson => "app.json script",
        }
    }
}

/// A workload a command runs in, found by name once the project is assembled.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    /// `deployment`, `statefulset`, `cronjob`, `pod`, `service` (Compose), as written or implied.
    pub kind: String,
    /// Its name.
    pub name: Spanned<String>,
}

impl Target {
    /// True when `workload_kind` (as a manifest writes it) is this target's kind.
    pub fn matches_kind(&self, workload_kind: &str) -> bool {
        let wanted = match self.kind.as_str() {
            "deploy" | "deployment" | "deployments" => "deployment",
            "sts" | "statefulset" | "statefulsets" => "statefulset",
            "ds" | "daemonset" | "daemonsets" => "daemonset",
            "cj" | "cronjob" | "cronjobs" => "cronjob",
            "po" | "pod" | "pods" => "",
            other => other,
        };
        wanted.is_empty() || workload_kind.eq_ignore_ascii_case(wanted)
    }
}

/// Why a command runs from the caller's checkout against production.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum OutsideRelease {
    /// The command reads a connection from a variable or file named for production.
    ProductionResource {
        /// The variable, file or URL as written (`$PROD_DATABASE_URL`).
        resource: Spanned<String>,
    },
    /// `ssh` into a host that runs a path checked out there.
    HostPath {
        /// The host.
        host: String,
        /// The path (`/var/www/app-v1.2.0`, `./manage.py`).
        path: Spanned<String>,
    },
}

/// The facts of a command-made workload (cached with the file's facts).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommandFacts {
    /// The tool.
    pub tool: Tool,
    /// The workload whose release (image, config) the command runs in, when it names one:
    /// `kubectl exec deploy/web`, `docker compose run web`, an image taken from
    /// `$(kubectl get deploy web -o jsonpath=…)`.
    pub runs_in: Option<Target>,
    /// The word that makes it an admin task (`migrate`, `db:migrate`), None for an app process.
    pub admin_word: Option<String>,
    /// What points the command at production from outside a release, if anything.
    pub outside_release: Option<OutsideRelease>,
    /// `kubectl debug --copy-to=… --set-image=…`: the process is the target's own container in
    /// a copy of its pod, with another image; it keeps the container's config (a debug container
    /// of its own gets none of the pod's environment).
    #[serde(default)]
    pub keeps_target_config: bool,
    /// `docker compose -f a -f b run …`: the Compose files it combines, as written (relative to
    /// where the command runs); the project checks them as one Compose project.
    pub compose_files: Vec<String>,
    /// `docker compose run|exec`: the Compose project it runs in (its key, see
    /// [`crate::model::compose::ComposeFacts::project`]), decided once the project is assembled
    /// (`manifest::script::resolve_targets`); that project's long-running services are its
    /// release peers. Not cached: Compose projects are loaded each run.
    #[serde(skip)]
    pub compose_project: Option<String>,
    /// The image of the workload the command's process joins, when the process runs another
    /// (`kubectl debug deploy/web --image=busybox -- python manage.py shell`): its release peers
    /// are looked up by this image, so its own image is compared with the app's. Set once the
    /// project is assembled; not cached.
    #[serde(skip)]
    pub joins_image: Option<crate::model::image::ImageRef>,
    /// The Procfile whose long-running processes (`web:`, `worker:`) are its release peers: its
    /// own for a Procfile line, the one beside it for `heroku run` (else the project root's)
    /// and for `app.json` scripts. Set once the project is assembled; not cached.
    #[serde(skip)]
    pub procfile: Option<crate::span::FileId>,
}
