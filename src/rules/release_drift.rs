//! release-drift: the app's own long-running workloads run different tags of one repository.

use super::Rule;
use super::helpers::{object_ref, who};
use crate::diagnostic::{Diagnostic, Severity};
use std::collections::HashMap;

use crate::model::image::ImageRef;
use crate::model::peers::{AppProfile, app_profile, same_app_of};
use crate::model::project::{ContainerRef, Project, is_utility_image};
use crate::span::FileId;

pub const RULE: Rule = Rule {
    id: "release-drift",
    severity: Severity::Warning,
    summary: "long-running workloads of one app run different releases of the same image",
    doc: include_str!("../../rules/release-drift.md"),
    check,
};

/// Same release as [`ImageRef::same_release`] for two literal images of one repository.
fn same_version(a: &ImageRef, b: &ImageRef) -> bool {
    match (&a.digest, &b.digest) {
        (Some(x), Some(y)) => x == y,
        _ => a.tag.as_deref().unwrap_or("latest") == b.tag.as_deref().unwrap_or("latest"),
    }
}

/// The long-running containers of one namespace that run one repository, indexed by place.
#[derive(Default)]
struct Bucket {
    by_file: HashMap<FileId, Vec<ContainerRef>>,
    by_dir: HashMap<String, Vec<ContainerRef>>,
}

/// A container's release group, by what decides it: its bucket and file, and the key of the
/// same-directory part (None for utility images and bare Pods, which only look at their file).
#[derive(Clone, PartialEq, Eq, Hash)]
enum GroupKey {
    /// The group is exactly that same-directory set.
    Dir(usize),
    /// The same-file members plus (maybe) a same-directory set.
    Union(usize, FileId, Option<usize>),
}

fn check(project: &Project, out: &mut Vec<Diagnostic>) {
    let app_containers: Vec<ContainerRef> = project
        .containers()
        .filter(|&(at, _, container)| {
            project.is_long_running(at)
                && container
                    .image
                    .as_ref()
                    .is_some_and(|i| !i.value.is_placeholder())
        })
        .map(|(at, _, _)| at)
        .collect();
    let image = |at: ContainerRef| {
        &project
            .container(at)
            .1
            .image
            .as_ref()
            .expect("filtered")
            .value
    };
    // Workloads of one release: same namespace and repository, and near each other — the same
    // file, or the same directory unless their labels name different apps. Utility images
    // (busybox, redis, …) are only compared within a file. Bare Pods in separate files are
    // examples or debugging Pods, not rollouts of a release.
    let mut bucket_of: Vec<usize> = Vec::with_capacity(app_containers.len());
    let mut bucket_ids: HashMap<(&str, String), usize> = HashMap::new();
    let mut buckets: Vec<Bucket> = Vec::new();
    for &at in &app_containers {
        let workload = &project.workloads[at.workload];
        let key = (workload.namespace_name(), image(at).repository());
        let id = *bucket_ids.entry(key).or_insert_with(|| {
            buckets.push(Bucket::default());
            buckets.len() - 1
        });
        let bucket = &mut buckets[id];
        bucket.by_file.entry(workload.file).or_default().push(at);
        let dir = project.dir(workload.file).to_string();
        bucket.by_dir.entry(dir).or_default().push(at);
        bucket_of.push(id);
    }
    let is_pod = |at: ContainerRef| project.workloads[at.workload].kind == "Pod";
    // Same-directory sets by (bucket, directory, app labels), as sorted lists.
    let mut dir_sets: HashMap<(usize, &str, AppProfile), usize> = HashMap::new();
    let mut dir_members: Vec<Vec<ContainerRef>> = Vec::new();
    let mut group_keys: HashMap<(usize, FileId, Option<usize>), GroupKey> = HashMap::new();
    let mut references: HashMap<GroupKey, ContainerRef> = HashMap::new();
    for (&at, &bucket) in app_containers.iter().zip(&bucket_of) {
        let workload = &project.workloads[at.workload];
        let same_file = &buckets[bucket].by_file[&workload.file];
        let dir_set = (!is_utility_image(image(at)) && !is_pod(at)).then(|| {
            let dir = project.dir(workload.file);
            let profile = app_profile(workload);
            let key = (bucket, dir, profile.clone());
            *dir_sets.entry(key).or_insert_with(|| {
                let members = buckets[bucket].by_dir[dir]
                    .iter()
                    .copied()
                    .filter(|&other| {
                        !is_pod(other)
                            && same_app_of(
                                &profile,
                                &app_profile(&project.workloads[other.workload]),
                            ) != Some(false)
                    })
                    .collect();
                dir_members.push(members);
                dir_members.len() - 1
            })
        });
        let key = group_keys
            .entry((bucket, workload.file, dir_set))
            .or_insert_with(|| match dir_set {
                Some(d)
                    if same_file
                        .iter()
                        .all(|m| dir_members[d].binary_search(m).is_ok()) =>
                {
                    GroupKey::Dir(d)
                }
                _ => GroupKey::Union(bucket, workload.file, dir_set),
            })
            .clone();
        let reference = *references.entry(key).or_insert_with(|| {
            let mut group: Vec<ContainerRef> = same_file.clone();
            if let Some(d) = dir_set {
                group.extend(&dir_members[d]);
            }
            group.sort_unstable();
            group.dedup();
            reference_of(&group, image)
        });
        if same_version(image(at), image(reference)) {
            continue;
        }
        let (workload, container) = project.container(at);
        let span = container.image.as_ref().expect("filtered").span;
        let reference_span = project
            .container(reference)
            .1
            .image
            .as_ref()
            .expect("filtered")
            .span;
        out.push(
            Diagnostic::new(
                RULE.id,
                RULE.severity,
                format!(
                    "{} runs `{}`, but {} runs `{}`",
                    who(project, at),
                    image(at),
                    who(project, reference),
                    image(reference)
                ),
                span,
            )
            .with_label(format!("release `{}`", image(at).version()))
            .with_related(
                format!("{} runs `{}`", who(project, reference), image(reference)),
                reference_span,
            )
            .with_object(Some(object_ref(workload, Some(container))))
            .with_help(
                "roll all of the app's workloads to one release; admin processes are compared against it",
            ),
        );
    }
}

/// The reference release of a group (sorted, no duplicates): the one most of the group runs;
/// ties go to the earliest container.
fn reference_of<'p>(
    group: &[ContainerRef],
    image: impl Fn(ContainerRef) -> &'p ImageRef,
) -> ContainerRef {
    // Containers with the same tag and digest vote alike: count each version once.
    let mut versions: Vec<(ContainerRef, usize)> = Vec::new();
    let mut seen: HashMap<(Option<&str>, Option<&str>), usize> = HashMap::new();
    for &member in group {
        let i = image(member);
        let slot = *seen
            .entry((i.tag.as_deref(), i.digest.as_deref()))
            .or_insert_with(|| {
                versions.push((member, 0));
                versions.len() - 1
            });
        versions[slot].1 += 1;
    }
    versions
        .iter()
        .map(|&(first, _)| {
            let votes: usize = versions
                .iter()
                .filter(|&&(other, _)| same_version(image(other), image(first)))
                .map(|&(_, count)| count)
                .sum();
            (votes, std::cmp::Reverse(first))
        })
        .max()
        .map(|(_, std::cmp::Reverse(first))| first)
        .expect("a group holds its own container")
}
