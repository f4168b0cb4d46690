//! The project: every workload of the run, which containers are admin processes, and their peers.

use crate::model::command::{self, CommandLine};
use crate::model::image::ImageRef;
use crate::model::role::{Classified, Reason, Role};
use crate::model::workload::{Container, Workload};
use crate::span::{FileId, Span};
use crate::yaml::SyntaxError;
use std::sync::Arc;

/// A container of a workload, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContainerRef {
    /// Index in [`Project::workloads`].
    pub workload: usize,
    /// Index in that workload's containers.
    pub container: usize,
}

/// How near a set of release peers is to the admin container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Proximity {
    /// The same file.
    SameFile,
    /// The same directory.
    SameDirectory,
    /// The same Compose project (Compose services are only compared within their project).
    SameProject,
    /// The same app by labels (`adminlint.io/app`, `app.kubernetes.io/*`, `app`).
    SameApp,
    /// Only the same namespace.
    SameNamespace,
}

/// Everything the rules read.
#[derive(Debug, Default)]
pub struct Project {
    /// The run's file table, by [`FileId`]: the files read, then those the Compose loader read
    /// for `extends` and `include`. Moved into the report when the rules are done.
    pub files: Vec<crate::source::SourceFile>,
    /// Workloads in file and source order.
    pub workloads: Vec<Workload>,
    /// Syntax errors by file.
    pub syntax_errors: Vec<(FileId, SyntaxError)>,
    /// The files whose findings are reported, by [`FileId`] (None: all). The rest of the
    /// project is context: peers, references, votes. See [`Project::is_subject`].
    pub reported_files: Option<Vec<bool>>,
    /// Objects that exist outside the repository (`external:` in the configuration).
    pub external: Vec<crate::config::ExternalObject>,
    /// Extra wrappers from the configuration, as word sequences.
    pub extra_wrappers: Vec<Vec<String>>,
    /// Extra installers from the configuration, as word sequences.
    pub extra_installers: Vec<Vec<String>>,
    /// Comments of the files the Compose loader read itself (an `extends` or `include` target
    /// outside the checked paths), for their suppressions; the checked files' suppressions come
    /// with their extracted facts.
    pub loaded_comments: Vec<(FileId, Vec<crate::yaml::Comment>)>,
    /// Files read only for their values (a Compose project's `.env`): in the file table so that
    /// related locations and fixes can point into them, but not files checked.
    pub env_files: Vec<FileId>,
    /// The shell scripts read, in file order, each with whether a line of it names migrations
    /// ([`crate::cache::Facts::shell_script`]).
    pub shell_scripts: Vec<(FileId, bool)>,
    /// The Jobs scripts of the run delete by name, each with the script
    /// ([`crate::cache::Facts::deleted_jobs`]).
    pub deleted_jobs: Vec<(FileId, String)>,
    /// References a Compose file makes that could not be followed (a missing `extends` or
    /// `include` file, an unknown service, a cycle).
    pub unresolved: Vec<Unresolved>,
    /// Helm templates that could not be rendered; the rest of the chart is still checked.
    pub template_errors: Vec<TemplateError>,
    /// Helm chart templates rendered: facts in them are mapped from rendered text, so an edit
    /// there is applied only when it replaces literal template text (see `provenance`).
    pub template_files: Vec<FileId>,
    /// Helm charts rendered: each chart's directory with its renderings (values sets).
    pub charts: Vec<(String, Vec<String>)>,
    /// Charts read as a dependency from outside a chart's `charts/` (`file://../common`, or
    /// the chart of that name in the run): (the chart's directory, the dependency's).
    pub chart_dependency_dirs: Vec<(std::path::PathBuf, std::path::PathBuf)>,
    /// Each workload's classified role and admin containers, by workload index; set once by
    /// [`Project::classify_roles`] after the project is assembled.
    pub(in crate::model) roles: Vec<Classified>,
    /// Each container's command line, parsed once on first use, by workload and container.
    pub(in crate::model) command_lines: Vec<Vec<std::sync::OnceLock<command::ParsedCommand>>>,
    /// Long-running containers by what peers are looked up by; built on the first
    /// [`Project::release_peers`] call, so the project must not change after that.
    peer_index: std::sync::OnceLock<PeerIndex>,
    /// Peers beyond the admin's own file, by what decides them (scope, namespace, repository,
    /// directory, app labels): thousands of Jobs of one app in one directory share them.
    far_peers: std::sync::Mutex<std::collections::HashMap<String, Peers>>,
    /// [`Project::peer_set`] results: several rules ask for the same admin's peers.
    peer_memo: std::sync::Mutex<std::collections::HashMap<ContainerRef, Arc<PeerSet>>>,
    /// Every distinct peer set, so that rules compute what they need of a set once, however
    /// many admin processes share it (thousands of Jobs of one app).
    peer_sets: std::sync::Mutex<std::collections::HashMap<Peers, Arc<PeerSet>>>,
    /// Each workload's environment ([`Project::environment`]), computed on first use.
    pub(in crate::model) environments:
        std::sync::OnceLock<Vec<Option<crate::model::apart::Environment>>>,
    /// Release voters on literal app images by registry and namespace, for
    /// [`Project::sibling_peers`]; built on first use.
    pub(in crate::model) sibling_index: std::sync::OnceLock<crate::model::sibling::SiblingIndex>,
    /// [`Project::app_release`] results by peer set id.
    pub(in crate::model) release_memo:
        std::sync::Mutex<std::collections::HashMap<usize, Arc<crate::model::release::Tally>>>,
}

/// Release peers and how near they are.
pub type Peers = (Vec<ContainerRef>, Option<Proximity>);

/// A memo's lock. The memos only add entries, each whole once inserted, so one left behind by
/// a panicking thread is still sound to read.
pub(crate) fn locked<T>(memo: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    memo.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A set of release peers, shared by every admin process that has exactly these peers.
#[derive(Debug, PartialEq, Eq)]
pub struct PeerSet {
    /// Distinct per distinct set in a run: rules key their per-set work by it.
    pub id: usize,
    /// The peers, nearest tier only.
    pub members: Vec<ContainerRef>,
    /// How near they are (None when there are none).
    pub proximity: Option<Proximity>,
}

/// Long-running containers grouped for peer lookups.
#[derive(Debug, Default)]
struct PeerIndex {
    /// Kubernetes containers by normalised image repository.
    by_repository: std::collections::HashMap<String, Vec<ContainerRef>>,
    /// Compose services by Compose project.
    by_compose_project: std::collections::HashMap<String, Vec<ContainerRef>>,
    /// Kubernetes containers by file and normalised image repository.
    by_file: std::collections::HashMap<(FileId, String), Vec<ContainerRef>>,
    /// Procfile processes by Procfile.
    by_procfile: std::collections::HashMap<FileId, Vec<ContainerRef>>,
}

/// A reference that could not be followed, located at the referring node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The `extends` / `include` node.
    pub span: Span,
    /// What could not be followed.
    pub message: String,
    /// What was done instead, or how to fix it.
    pub help: String,
}

/// A Helm chart template that could not be rendered (or parsed), at the action at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The action (or text) at fault, in the template or a helper it includes.
    pub span: Span,
    /// What went wrong.
    pub message: String,
    /// The template that failed, as Helm names it (`shop/templates/job.yaml`).
    pub template: String,
    /// The values set it was rendered with, when the chart is rendered with several.
    pub values_set: Option<String>,
}

/// Label and annotation keys that name an app, most specific first.
const APP_KEYS: [&str; 5] = [
    "adminlint.io/app",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/name",
    "app.kubernetes.io/part-of",
    "app",
];

/// Images that many unrelated workloads run as tools (shells, clients, proxies); their peers
/// must be near (same file or same labelled app), never just the same namespace.
const UTILITY_IMAGES: [&str; 31] = [
    "alpine",
    // bitnami's shell for init containers (volume permissions, waits) in every chart of theirs.
    "os-shell",
    "bash",
    "busybox",
    "centos",
    "curl",
    "debian",
    "fedora",
    "ubuntu",
    "kubectl",
    "k8s-wait-for",
    "git",
    "jq",
    "yq",
    "postgres",
    "mysql",
    "mariadb",
    "redis",
    "mongo",
    "memcached",
    "nginx",
    "python",
    "node",
    "ruby",
    "golang",
    "openjdk",
    "aws-cli",
    "cloud-sdk",
    "rabbitmq",
    "haproxy",
    "envoy",
];

/// True for generic tool images (`busybox`, `postgres`, `bitnami/kubectl`, …).
pub fn is_utility_image(image: &ImageRef) -> bool {
    let repository = image.repository();
    let last = repository.rsplit('/').next().unwrap_or_default();
    UTILITY_IMAGES.contains(&last)
}

impl Project {
    /// A workload and one of its containers.
    pub fn container(&self, at: ContainerRef) -> (&Workload, &Container) {
        let workload = &self.workloads[at.workload];
        (workload, &workload.containers[at.container])
    }

    /// Every container with its reference.
    pub fn containers(&self) -> impl Iterator<Item = (ContainerRef, &Workload, &Container)> {
        self.workloads.iter().enumerate().flat_map(|(w, workload)| {
            workload
                .containers
                .iter()
                .enumerate()
                .map(move |(c, container)| {
                    (
                        ContainerRef {
                            workload: w,
                            container: c,
                        },
                        workload,
                        container,
                    )
                })
        })
    }

    /// The role of a workload.
    ///
    /// # Panics
    /// Before [`Project::classify_roles`].
    pub fn role(&self, workload: usize) -> &Role {
        &self.classified(workload).role
    }

    fn classified(&self, workload: usize) -> &Classified {
        self.roles
            .get(workload)
            .expect("roles are classified once the project is assembled (Project::classify_roles)")
    }

    /// Why a container is an admin process, or None when it is not one (see
    /// [`crate::model::role::classify_container`]).
    pub fn admin_reason(&self, at: ContainerRef) -> Option<&Reason> {
        self.classified(at.workload)
            .admin
            .get(at.container)?
            .as_ref()
    }

    /// True when a container is part of the app's long-running release: a main container of a
    /// long-running workload, or one of its init containers that is not an admin process.
    pub fn is_long_running(&self, at: ContainerRef) -> bool {
        self.role(at.workload).is_long_running() && self.admin_reason(at).is_none()
    }

    /// True when a container's image is a vote for the app's release: a main container of a
    /// long-running workload. Init containers are not: an admin one (`migrate`) is an admin
    /// process compared against the release, and a plain one (waiting for a database, copying
    /// files) is plumbing that may lag behind the release but must not decide it.
    pub fn votes_for_release(&self, at: ContainerRef) -> bool {
        !self.container(at).1.init && self.is_long_running(at)
    }

    /// The admin containers of the run.
    pub fn admin_containers(&self) -> Vec<(ContainerRef, &Reason)> {
        self.containers()
            .filter(|(at, _, _)| self.is_subject(at.workload))
            .filter_map(|(at, _, _)| Some((at, self.admin_reason(at)?)))
            .collect()
    }

    /// Admin containers outside the reported files whose release peers include a container in a
    /// reported file: a change there (the app's tag bumped) may make them drift, and that
    /// finding, about release only, is reported at them. Empty when every file is reported.
    pub fn admins_caused_by_reported(&self) -> Vec<(ContainerRef, &Reason)> {
        let Some(reported) = &self.reported_files else {
            return Vec::new();
        };
        let in_reported = |at: ContainerRef| {
            let file = self.workloads[at.workload].file;
            reported.get(file.0 as usize).copied().unwrap_or(false)
        };
        self.containers()
            .filter(|(at, _, _)| !self.is_subject(at.workload))
            .filter_map(|(at, _, _)| Some((at, self.admin_reason(at)?)))
            .filter(|&(at, _)| self.peer_set(at).members.iter().any(|&p| in_reported(p)))
            .collect()
    }

    /// Whether findings about a workload can be reported in this run, so rules need to check
    /// it (a pre-commit run names one file of a large project: the rest is only context).
    /// Kustomize copies and Compose services are always checked: their findings may point
    /// into other files (an overlay's `images:` entry, a value inherited through `extends`).
    pub fn is_subject(&self, workload: usize) -> bool {
        let Some(reported) = &self.reported_files else {
            return true;
        };
        let workload = &self.workloads[workload];
        workload.scope != 0
            || workload.compose.is_some()
            || reported
                .get(workload.file.0 as usize)
                .copied()
                .unwrap_or(true)
    }

    /// The long-running main containers ([`Project::votes_for_release`]) that run the same image
    /// repository as `admin`, nearest first:
    /// in the admin's own rendered set (scope), the same file, then the same directory, then the
    /// same labelled app, then the same namespace; and finally, for app images (not utility
    /// images), the same namespace in another rendered set (a migration Job kept in its own
    /// kustomize component), unless both are chart renderings (separate Helm releases). Empty
    /// when none runs that repository.
    ///
    /// A Compose service is compared only with long-running services of its own Compose project
    /// that run the same repository (as written or resolved) or, when either builds, that build
    /// the same stage of the same Dockerfile from the same context (a built image's name is
    /// local); Kubernetes workloads are never its peers, nor it theirs.
    pub fn release_peers(&self, admin: ContainerRef) -> Peers {
        let set = self.peer_set(admin);
        (set.members.clone(), set.proximity)
    }

    /// [`Project::release_peers`] as a shared set with an id.
    pub fn peer_set(&self, admin: ContainerRef) -> Arc<PeerSet> {
        if let Some(known) = locked(&self.peer_memo).get(&admin) {
            return Arc::clone(known);
        }
        let found = self.find_release_peers(admin);
        // One lock at a time: the set is found or made, then remembered for this admin.
        let set = {
            let mut sets = locked(&self.peer_sets);
            let next_id = sets.len();
            match sets.get(&found) {
                Some(set) => Arc::clone(set),
                None => {
                    let set = Arc::new(PeerSet {
                        id: next_id,
                        members: found.0.clone(),
                        proximity: found.1,
                    });
                    sets.insert(found, Arc::clone(&set));
                    set
                }
            }
        };
        locked(&self.peer_memo).insert(admin, Arc::clone(&set));
        set
    }

    fn peer_index(&self) -> &PeerIndex {
        self.peer_index.get_or_init(|| {
            let mut index = PeerIndex::default();
            // Only votes: an admin's peers are what the app's release is decided by.
            for (at, workload, container) in self.containers() {
                if !self.votes_for_release(at) {
                    continue;
                }
                let procfile = workload
                    .command
                    .as_ref()
                    .is_some_and(|c| c.tool == crate::model::script::Tool::Procfile);
                if procfile {
                    index.by_procfile.entry(workload.file).or_default().push(at);
                    continue;
                }
                match &workload.compose {
                    Some(compose) => index
                        .by_compose_project
                        .entry(compose.project.clone())
                        .or_default()
                        .push(at),
                    None => {
                        if let Some(image) = &container.image {
                            let repository = image.value.repository();
                            index
                                .by_file
                                .entry((workload.file, repository.clone()))
                                .or_default()
                                .push(at);
                            index.by_repository.entry(repository).or_default().push(at);
                        }
                    }
                }
            }
            index
        })
    }

    fn find_release_peers(&self, admin: ContainerRef) -> Peers {
        let (workload, container) = self.container(admin);
        if let Some(procfile) = workload.command.as_ref().and_then(|c| c.procfile) {
            // Heroku processes have no image: they are the app's release by where they are
            // declared, and only their commands are compared.
            let peers: Vec<ContainerRef> = self
                .peer_index()
                .by_procfile
                .get(&procfile)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .copied()
                .filter(|&at| at != admin && self.apart(admin.workload, at.workload).is_none())
                .collect();
            let tier = if procfile == workload.file {
                Proximity::SameFile
            } else {
                Proximity::SameDirectory
            };
            let tier = (!peers.is_empty()).then_some(tier);
            return (peers, tier);
        }
        if let Some(compose_project) = workload.compose_project() {
            let repositories = container.repositories();
            let members = self
                .peer_index()
                .by_compose_project
                .get(compose_project)
                .map_or(&[][..], Vec::as_slice);
            let peers: Vec<ContainerRef> = members
                .iter()
                .map(|&at| {
                    let (peer, peer_container) = self.container(at);
                    (at, peer, peer_container)
                })
                .filter(|&(at, _, peer_container)| {
                    // A service that builds is known by what it builds: its `image:` is a
                    // local name, so it is the same code only as a service building the same.
                    let same_code = match (&container.build, &peer_container.build) {
                        (Some(a), Some(b)) => a.same_source(b),
                        (Some(_), None) | (None, Some(_)) => false,
                        (None, None) => peer_container
                            .repositories()
                            .iter()
                            .any(|r| repositories.contains(r)),
                    };
                    at != admin && same_code && self.apart(admin.workload, at.workload).is_none()
                })
                .map(|(at, _, _)| at)
                .collect();
            let peers = without_command_target(self, workload, peers);
            let tier = (!peers.is_empty()).then_some(Proximity::SameProject);
            return (peers, tier);
        }
        let Some(image) = peer_lookup_image(workload, container) else {
            return (Vec::new(), None);
        };
        // An invalid reference (`ImageKind::Opaque`) is compared as text: its `repository()` is
        // its whole text, so its peers are the app containers that write exactly the same.
        let repository = image.repository();
        let namespace = workload.namespace_name();
        let acceptable =
            |at: ContainerRef| at != admin && self.apart(admin.workload, at.workload).is_none();
        // The nearest tier, the admin's own file, straight from the index.
        let same_file: Vec<ContainerRef> = self
            .peer_index()
            .by_file
            .get(&(workload.file, repository.clone()))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .copied()
            .filter(|&at| acceptable(at) && self.workloads[at.workload].scope == workload.scope)
            .collect();
        if !same_file.is_empty() {
            return (same_file, Some(Proximity::SameFile));
        }
        let labels = app_labels(workload);
        let key = format!(
            "{}\u{0}{namespace}\u{0}{repository}\u{0}{}\u{0}{:?}\u{0}{:?}\u{0}{:?}",
            workload.scope,
            self.dir(workload.file),
            workload.app,
            labels,
            self.environment(admin.workload)
        );
        if let Some(known) = locked(&self.far_peers).get(&key) {
            return known.clone();
        }
        let far = self.far_release_peers(admin, &repository, &acceptable);
        locked(&self.far_peers).insert(key, far.clone());
        far
    }

    /// Release peers beyond the admin's own file (see [`Project::release_peers`]).
    fn far_release_peers(
        &self,
        admin: ContainerRef,
        repository: &str,
        acceptable: &dyn Fn(ContainerRef) -> bool,
    ) -> Peers {
        let (workload, container) = self.container(admin);
        let Some(image) = peer_lookup_image(workload, container) else {
            return (Vec::new(), None);
        };
        let same_repository = self
            .peer_index()
            .by_repository
            .get(repository)
            .map_or(&[][..], Vec::as_slice);
        let candidates: Vec<ContainerRef> = same_repository
            .iter()
            .copied()
            .filter(|&at| acceptable(at))
            .collect();
        let utility = is_utility_image(image);
        let tiers = [
            (true, Proximity::SameDirectory),
            (true, Proximity::SameApp),
            (true, Proximity::SameNamespace),
            (false, Proximity::SameNamespace),
        ];
        for (same_scope, tier) in tiers {
            let far = matches!(tier, Proximity::SameDirectory | Proximity::SameNamespace);
            if utility && far {
                continue;
            }
            let near: Vec<ContainerRef> = candidates
                .iter()
                .copied()
                .filter(|&peer| {
                    let peer_workload = &self.workloads[peer.workload];
                    // Two chart renderings are two Helm releases (another chart, or the same
                    // chart with other values): one's Job never runs the other's release.
                    let other_release = !same_scope
                        && workload.template().is_some()
                        && peer_workload.template().is_some();
                    (peer_workload.scope == workload.scope) == same_scope
                        && !other_release
                        && self.within(admin.workload, peer.workload, tier)
                })
                .collect();
            if !near.is_empty() {
                return (near, Some(tier));
            }
        }
        (Vec::new(), None)
    }

    /// True when a config source is declared external (config rules leave it alone).
    pub fn is_external(&self, kind: crate::model::workload::ConfigKind, name: &str) -> bool {
        use crate::config::ExternalKind;
        use crate::model::workload::ConfigKind;
        self.external.iter().any(|object| {
            let same_kind = matches!(
                (object.kind, kind),
                (ExternalKind::ConfigMap, ConfigKind::ConfigMap)
                    | (ExternalKind::Secret, ConfigKind::Secret)
            );
            same_kind && crate::config::glob_match(&object.name, name)
        })
    }

    /// The dependency wrapper a simple command starts with: built-in ones, then configured ones.
    pub fn wrapper_of(&self, cmd: &command::SimpleCommand) -> Option<command::Wrapper> {
        command::wrapper_of(cmd).or_else(|| {
            self.extra_wrappers
                .iter()
                .find(|words| !words.is_empty() && cmd.words.starts_with(words))
                .map(|words| command::Wrapper {
                    name: words.join(" "),
                    words: words.len(),
                })
        })
    }

    /// Run-time installs in a command line: built-in installers, then configured ones.
    pub fn installs_in(&self, line: &CommandLine) -> Vec<(usize, command::Install)> {
        let mut installs = command::installs_in(line);
        for (index, cmd) in line.commands.iter().enumerate() {
            if installs.iter().any(|(i, _)| *i == index) {
                continue;
            }
            if let Some(words) = self
                .extra_installers
                .iter()
                .find(|words| !words.is_empty() && cmd.words.starts_with(words))
            {
                installs.push((
                    index,
                    command::Install {
                        manager: words.join(" "),
                        packages: cmd.words[words.len()..]
                            .iter()
                            .filter(|w| !w.starts_with('-'))
                            .cloned()
                            .collect(),
                    },
                ));
            }
        }
        installs.sort_by_key(|(i, _)| *i);
        installs
    }

    /// True when workload `b` is within `tier` of workload `a`.
    pub fn within(&self, a: usize, b: usize, tier: Proximity) -> bool {
        let (wa, wb) = (&self.workloads[a], &self.workloads[b]);
        match tier {
            Proximity::SameFile => wa.file == wb.file,
            Proximity::SameDirectory => self.dir(wa.file) == self.dir(wb.file),
            Proximity::SameProject => match (wa.compose_project(), wb.compose_project()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
            Proximity::SameApp => same_app(wa, wb) == Some(true),
            Proximity::SameNamespace => true,
        }
    }

    /// The directory of a file.
    pub fn dir(&self, file: FileId) -> &str {
        self.files.get(file.0 as usize).map_or("", |f| f.dir())
    }
}

/// The image release peers are looked up by: the container's own, or for a command that joins
/// another workload's pod with an image of its own (`kubectl debug deploy/web --image=…`),
/// that workload's.
fn peer_lookup_image<'a>(workload: &'a Workload, container: &'a Container) -> Option<&'a ImageRef> {
    workload
        .command
        .as_ref()
        .and_then(|c| c.joins_image.as_ref())
        .or(container.image.as_ref().map(|image| &image.value))
}

/// A command run in a Compose service (`docker compose run tools …`) takes that service's
/// release by construction, so the service's own vote would always agree with it and hide a
/// `tools` service left on an older tag than `web`. The target stays among the peers (for
/// wrapper rules it is where the command runs) when it runs the release most of them run (the
/// app itself, or a service in step with it); otherwise the command is compared with the
/// others alone.
fn without_command_target(
    project: &Project,
    workload: &Workload,
    peers: Vec<ContainerRef>,
) -> Vec<ContainerRef> {
    let Some(target) = workload.command.as_ref().and_then(|c| c.runs_in.as_ref()) else {
        return peers;
    };
    let is_target = |at: &ContainerRef| {
        project.workloads[at.workload]
            .name
            .as_ref()
            .is_some_and(|name| name.value == target.name.value)
    };
    let tally = crate::model::release::Tally::count(project, peers.iter().copied());
    let in_step = tally
        .chosen()
        .is_none_or(|release| release.voters.iter().any(is_target));
    if in_step || peers.iter().all(is_target) {
        return peers;
    }
    peers.into_iter().filter(|at| !is_target(at)).collect()
}

/// The values a workload gives the app keys (annotation, else label), in key order: two
/// workloads with the same values are the same to [`same_app`] against any third.
pub fn app_labels(workload: &Workload) -> Vec<Option<&str>> {
    APP_KEYS
        .iter()
        .map(|k| {
            workload
                .annotation(k)
                .or_else(|| workload.label(k))
                .map(|v| v.value.as_str())
        })
        .collect()
}

/// Do two workloads name the same app? None when they share no app key.
pub fn same_app(a: &Workload, b: &Workload) -> Option<bool> {
    fn value<'w>(w: &'w Workload, key: &str) -> Option<&'w str> {
        w.annotation(key)
            .or_else(|| w.label(key))
            .map(|v| v.value.as_str())
    }
    APP_KEYS
        .iter()
        .find_map(|key| match (value(a, key), value(b, key)) {
            (Some(x), Some(y)) => Some(x == y),
            _ => None,
        })
}

/// The container's command line (command ++ args), tokenised; rules read it parsed once through
/// [`Project::command_line`].
pub(in crate::model) fn command_line(container: &Container) -> CommandLine {
    let argv = container.argv();
    let words: Vec<&str> = argv.iter().map(|w| w.value.as_str()).collect();
    command::parse_argv(&words)
}

/// The span covering a container's command and args, if it sets either.
pub fn command_span(container: &Container) -> Option<Span> {
    let argv = container.argv();
    let first = argv.first()?.span;
    let last = argv.last()?.span;
    Some(Span {
        file: first.file,
        start: first.start,
        end: last.end.max(first.start),
    })
}

impl Project {
    /// Where a simple command of a container's command line was written: the exact part of a
    /// `sh -c` script when it can be found, else the whole argv element.
    pub(in crate::model) fn simple_command_span(
        &self,
        container: &Container,
        cmd: &command::SimpleCommand,
    ) -> Span {
        let argv = container.argv();
        let Some(arg) = argv.get(cmd.arg_index) else {
            return container.span;
        };
        cmd.bytes
            .clone()
            .and_then(|bytes| {
                let text = &self.files.get(arg.span.file.0 as usize)?.text;
                crate::span::sub_span(text, arg.span, &arg.value, bytes)
            })
            .unwrap_or(arg.span)
    }
}
