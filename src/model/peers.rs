//! An index over the project's containers, built once per run, so that looking up release peers
//! costs about what the answer holds rather than a scan of every container. Without it the rules
//! were quadratic (and release-drift cubic) in the number of workloads: a 2.5 MB manifest of
//! Jobs and Deployments took a minute, a 50 MB one would never finish.
//!
//! Peer sets are interned: admins whose peers are chosen by the same key (repository and
//! namespace, declared app, tier and the tier's file / directory / app labels) share one set, with
//! one [`PeerSet::id`], so rules can compute what they need about a set once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::model::image::ImageKind;
use crate::model::project::{APP_KEYS, ContainerRef, Project, Proximity, is_utility_image};
use crate::model::workload::Workload;
use crate::span::FileId;

/// The release peers of one admin container (see [`Project::release_peer_set`]).
#[derive(Debug, Clone)]
pub struct PeerSet {
    /// Identifies the set within the run: equal ids, equal peers (the empty set is id 0).
    pub id: usize,
    /// The peers, nearest tier only, in container order.
    pub peers: Rc<[ContainerRef]>,
    /// The tier the peers were found in; None when there are none.
    pub proximity: Option<Proximity>,
}

/// What is known of one container before any rule runs.
#[derive(Debug)]
struct Facts {
    admin_reason: Option<String>,
    long_running: bool,
    /// The (namespace, repository) bucket of its image, when it has one.
    bucket: Option<usize>,
}

/// The long-running containers of one namespace that run one image repository.
#[derive(Debug, Default)]
struct Bucket {
    members: Vec<ContainerRef>,
    by_file: HashMap<FileId, Vec<ContainerRef>>,
    by_dir: HashMap<String, Vec<ContainerRef>>,
}

/// The values of [`APP_KEYS`] (annotation, else label) on a workload.
pub(crate) type AppProfile = [Option<String>; APP_KEYS.len()];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum TierKey {
    File(FileId),
    Dir(String),
    App(AppProfile),
    Namespace,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SetKey {
    bucket: usize,
    declared_app: Option<String>,
    tier: TierKey,
}

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct Index {
    /// Flat position of each workload's first container.
    first: Vec<usize>,
    facts: Vec<Facts>,
    buckets: Vec<Bucket>,
    sets: RefCell<Sets>,
}

#[derive(Debug, Default)]
struct Sets {
    by_key: HashMap<SetKey, usize>,
    all: Vec<Rc<[ContainerRef]>>,
}

/// The app names a workload declares, by [`APP_KEYS`] order.
pub(crate) fn app_profile(workload: &Workload) -> AppProfile {
    APP_KEYS.map(|key| {
        workload
            .annotation(key)
            .or_else(|| workload.label(key))
            .map(|v| v.value.clone())
    })
}

impl Index {
    pub(crate) fn build(project: &Project) -> Index {
        let mut first = Vec::with_capacity(project.workloads.len());
        let mut facts = Vec::new();
        let mut bucket_ids: HashMap<(&str, String), usize> = HashMap::new();
        let mut buckets: Vec<Bucket> = Vec::new();
        for (w, workload) in project.workloads.iter().enumerate() {
            first.push(facts.len());
            for (c, container) in workload.containers.iter().enumerate() {
                let at = ContainerRef {
                    workload: w,
                    container: c,
                };
                let admin_reason = project.compute_admin_reason(at);
                let long_running = workload.role.is_long_running() && admin_reason.is_none();
                let bucket = container.image.as_ref().map(|image| {
                    let key = (workload.namespace_name(), image.value.repository());
                    *bucket_ids.entry(key).or_insert_with(|| {
                        buckets.push(Bucket::default());
                        buckets.len() - 1
                    })
                });
                if let (Some(b), true) = (bucket, long_running) {
                    let bucket = &mut buckets[b];
                    bucket.members.push(at);
                    bucket.by_file.entry(workload.file).or_default().push(at);
                    let dir = project.dir(workload.file).to_string();
                    bucket.by_dir.entry(dir).or_default().push(at);
                }
                facts.push(Facts {
                    admin_reason,
                    long_running,
                    bucket,
                });
            }
        }
        let empty: Rc<[ContainerRef]> = Rc::from(Vec::new());
        Index {
            first,
            facts,
            buckets,
            sets: RefCell::new(Sets {
                by_key: HashMap::new(),
                all: vec![empty],
            }),
        }
    }

    fn facts(&self, at: ContainerRef) -> &Facts {
        &self.facts[self.first[at.workload] + at.container]
    }

    pub(crate) fn admin_reason(&self, at: ContainerRef) -> Option<&str> {
        self.facts(at).admin_reason.as_deref()
    }

    pub(crate) fn is_long_running(&self, at: ContainerRef) -> bool {
        self.facts(at).long_running
    }

    fn empty(&self) -> PeerSet {
        PeerSet {
            id: 0,
            peers: self.sets.borrow().all[0].clone(),
            proximity: None,
        }
    }

    /// Same choice as described on [`Project::release_peers`].
    pub(crate) fn peer_set(&self, project: &Project, admin: ContainerRef) -> PeerSet {
        let (workload, container) = project.container(admin);
        let Some(image) = &container.image else {
            return self.empty();
        };
        let Some(bucket) = self.facts(admin).bucket else {
            return self.empty();
        };
        if image.value.kind == ImageKind::Opaque || self.buckets[bucket].members.is_empty() {
            return self.empty();
        }
        let declared_app = workload
            .annotation("adminlint.io/app")
            .map(|a| a.value.clone());
        let utility = is_utility_image(&image.value);
        let tiers = [
            Proximity::SameFile,
            Proximity::SameDirectory,
            Proximity::SameApp,
            Proximity::SameNamespace,
        ];
        for tier in tiers {
            if utility && matches!(tier, Proximity::SameDirectory | Proximity::SameNamespace) {
                continue;
            }
            let key = SetKey {
                bucket,
                declared_app: declared_app.clone(),
                tier: match tier {
                    Proximity::SameFile => TierKey::File(workload.file),
                    Proximity::SameDirectory => {
                        TierKey::Dir(project.dir(workload.file).to_string())
                    }
                    Proximity::SameApp => TierKey::App(app_profile(workload)),
                    Proximity::SameNamespace => TierKey::Namespace,
                },
            };
            let id = self.set_for(project, key);
            if id != 0 {
                return PeerSet {
                    id,
                    peers: self.sets.borrow().all[id].clone(),
                    proximity: Some(tier),
                };
            }
        }
        self.empty()
    }

    /// The interned set for a key, computed on first use; 0 when it is empty.
    fn set_for(&self, project: &Project, key: SetKey) -> usize {
        if let Some(&id) = self.sets.borrow().by_key.get(&key) {
            return id;
        }
        let bucket = &self.buckets[key.bucket];
        let nothing = Vec::new();
        let pool = match &key.tier {
            TierKey::File(file) => bucket.by_file.get(file).unwrap_or(&nothing),
            TierKey::Dir(dir) => bucket.by_dir.get(dir).unwrap_or(&nothing),
            TierKey::App(_) | TierKey::Namespace => &bucket.members,
        };
        let peers: Vec<ContainerRef> = pool
            .iter()
            .copied()
            .filter(|&peer| {
                let workload = &project.workloads[peer.workload];
                let app_ok = match &key.tier {
                    TierKey::App(profile) => {
                        same_app_of(profile, &app_profile(workload)) == Some(true)
                    }
                    _ => true,
                };
                let declared_ok = match (&key.declared_app, workload.annotation("adminlint.io/app"))
                {
                    (Some(mine), Some(theirs)) => *mine == theirs.value,
                    _ => true,
                };
                app_ok && declared_ok
            })
            .collect();
        let mut sets = self.sets.borrow_mut();
        let id = if peers.is_empty() {
            0
        } else {
            sets.all.push(Rc::from(peers));
            sets.all.len() - 1
        };
        sets.by_key.insert(key, id);
        id
    }
}

/// [`crate::model::project::same_app`] on profiles: the first key both declare decides.
pub(crate) fn same_app_of(a: &AppProfile, b: &AppProfile) -> Option<bool> {
    a.iter().zip(b).find_map(|pair| match pair {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    })
}
