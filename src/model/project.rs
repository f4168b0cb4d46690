//! The project: every workload of the run, which containers are admin processes, and their peers.

use std::cell::OnceCell;

use crate::model::command::{self, CommandLine, Intent};
use crate::model::image::ImageRef;
use crate::model::peers::{Index, PeerSet};
use crate::model::role::Role;
use crate::model::workload::{Container, Workload};
use crate::span::{FileId, Span};
use crate::yaml::SyntaxError;

/// A container of a workload, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContainerRef {
    /// Index in [`Project::workloads`].
    pub workload: usize,
    /// Index in that workload's containers.
    pub container: usize,
}

/// How near a set of release peers is to the admin container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Proximity {
    /// The same file.
    SameFile,
    /// The same directory.
    SameDirectory,
    /// The same app by labels (`adminlint.io/app`, `app.kubernetes.io/*`, `app`).
    SameApp,
    /// Only the same namespace.
    SameNamespace,
}

/// A file of the run as the model sees it.
#[derive(Debug, Clone)]
pub struct ProjectFile {
    /// Display path (`/`-separated, relative).
    pub path: String,
    /// Its directory ("" for the working directory).
    pub dir: String,
}

/// Everything the rules read.
#[derive(Debug, Default)]
pub struct Project {
    /// Files by [`FileId`].
    pub files: Vec<ProjectFile>,
    /// Workloads in file and source order.
    pub workloads: Vec<Workload>,
    /// Syntax errors by file.
    pub syntax_errors: Vec<(FileId, SyntaxError)>,
    /// Roles and release peers, computed on first use: fill the fields above first.
    index: OnceCell<Index>,
}

/// Label and annotation keys that name an app, most specific first.
pub(crate) const APP_KEYS: [&str; 5] = [
    "adminlint.io/app",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/name",
    "app.kubernetes.io/part-of",
    "app",
];

/// Images that many unrelated workloads run as tools (shells, clients, proxies); their peers
/// must be near (same file or same labelled app), never just the same namespace.
const UTILITY_IMAGES: [&str; 30] = [
    "alpine",
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

    fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::build(self))
    }

    /// Why a container is an admin process, or None when it is not one.
    ///
    /// The main containers of an admin workload are; so is an init container, of any workload,
    /// whose command is an admin task (`migrate`, `db:migrate`, …). Other init containers of an
    /// admin workload (waiting for a database, copying files) are plumbing, not admin processes.
    pub fn admin_reason(&self, at: ContainerRef) -> Option<String> {
        self.index().admin_reason(at).map(str::to_string)
    }

    pub(crate) fn compute_admin_reason(&self, at: ContainerRef) -> Option<String> {
        let (workload, container) = self.container(at);
        if matches!(workload.role, Role::Ignored(_)) {
            return None;
        }
        if container.init {
            // Every init container initialises something: a script merely named `*init*`
            // (haproxy_init.sh templating a config) is not an admin task; a migration is.
            return match command::intent(&command_line(container)) {
                (Intent::Admin, Some(word)) if !is_init_name(&word) => {
                    Some(format!("an init container that runs `{word}`"))
                }
                _ => None,
            };
        }
        workload
            .role
            .is_admin()
            .then(|| workload.role.reason().to_string())
    }

    /// True when a container is part of the app's long-running release.
    pub fn is_long_running(&self, at: ContainerRef) -> bool {
        self.index().is_long_running(at)
    }

    /// The admin containers of the run.
    pub fn admin_containers(&self) -> Vec<(ContainerRef, String)> {
        let index = self.index();
        self.containers()
            .filter_map(|(at, _, _)| Some((at, index.admin_reason(at)?.to_string())))
            .collect()
    }

    /// The long-running containers that run the same image repository as `admin`, nearest first:
    /// same file, then same directory, then same labelled app, then (for app images, not
    /// utility images) the same namespace. Empty when none runs that repository.
    pub fn release_peers(&self, admin: ContainerRef) -> (Vec<ContainerRef>, Option<Proximity>) {
        let set = self.release_peer_set(admin);
        (set.peers.to_vec(), set.proximity)
    }

    /// [`Project::release_peers`] as a shared set with an id: admins chosen by the same key share
    /// the set, so a rule can work out what it needs of a set once (see [`PeerSet`]).
    pub fn release_peer_set(&self, admin: ContainerRef) -> PeerSet {
        self.index().peer_set(self, admin)
    }

    /// True when workload `b` is within `tier` of workload `a`.
    pub fn within(&self, a: usize, b: usize, tier: Proximity) -> bool {
        let (wa, wb) = (&self.workloads[a], &self.workloads[b]);
        match tier {
            Proximity::SameFile => wa.file == wb.file,
            Proximity::SameDirectory => self.dir(wa.file) == self.dir(wb.file),
            Proximity::SameApp => same_app(wa, wb) == Some(true),
            Proximity::SameNamespace => true,
        }
    }

    /// The directory of a file.
    pub fn dir(&self, file: FileId) -> &str {
        self.files
            .get(file.0 as usize)
            .map_or("", |f| f.dir.as_str())
    }
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

/// True for words like `haproxy_init.sh` or `config-init` that only say "initialise".
fn is_init_name(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    lower.contains("init")
        && !["db", "database", "migrat", "seed", "schema"]
            .iter()
            .any(|w| lower.contains(w))
}

/// The container's command line (command ++ args), tokenised.
pub fn command_line(container: &Container) -> CommandLine {
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
