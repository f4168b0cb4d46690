//! The app's release: what its long-running main containers run, counted as votes.

use std::sync::Arc;

use crate::model::image::ImageRef;
use crate::model::project::{ContainerRef, PeerSet, Project, locked};

/// One release of an image repository and the voters that run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// What identifies it: repository and digest when there is one, else repository and tag.
    pub key: String,
    /// The voters that run it, in project order (the first is shown as its example).
    pub voters: Vec<ContainerRef>,
}

impl Release {
    /// The earliest voter that runs it: the one messages name and point at.
    pub fn first(&self) -> ContainerRef {
        self.voters[0]
    }
}

/// The releases a group of voters runs, most voted first (a tie goes to the release whose
/// first voter comes first), so `releases[0]` is the app's release.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Distinct releases.
    pub releases: Vec<Release>,
}

impl Tally {
    /// Count `voters`: containers with a literal image (a placeholder such as `${TAG}` says
    /// nothing about which release runs) are counted, the rest ignored.
    pub fn count(project: &Project, voters: impl IntoIterator<Item = ContainerRef>) -> Tally {
        let mut releases: Vec<Release> = Vec::new();
        for at in voters {
            let Some(key) = release_key(project, at) else {
                continue;
            };
            match releases.iter_mut().find(|r| r.key == key) {
                Some(release) => release.voters.push(at),
                None => releases.push(Release {
                    key,
                    voters: vec![at],
                }),
            }
        }
        for release in &mut releases {
            release.voters.sort();
        }
        releases.sort_by(|a, b| {
            b.voters
                .len()
                .cmp(&a.voters.len())
                .then(a.first().cmp(&b.first()))
        });
        Tally { releases }
    }

    /// The app's release: the one most voters run. None when nobody voted.
    pub fn chosen(&self) -> Option<&Release> {
        self.releases.first()
    }

    /// The first voter of the release chosen when `extra` voters (none of them counted in
    /// this tally) join it: a group shared by many containers plus each one's own few, without
    /// copying the shared part.
    pub fn chosen_with(&self, project: &Project, extra: &[ContainerRef]) -> Option<ContainerRef> {
        let mut counts: Vec<(&str, usize, ContainerRef)> = self
            .releases
            .iter()
            .map(|r| (r.key.as_str(), r.voters.len(), r.first()))
            .collect();
        let keys: Vec<Option<String>> = extra.iter().map(|&at| release_key(project, at)).collect();
        for (&at, key) in extra.iter().zip(&keys) {
            let Some(key) = key else {
                continue;
            };
            match counts.iter_mut().find(|(k, _, _)| k == key) {
                Some((_, n, first)) => {
                    *n += 1;
                    *first = (*first).min(at);
                }
                None => counts.push((key.as_str(), 1, at)),
            }
        }
        counts
            .iter()
            .max_by_key(|&&(_, n, first)| (n, std::cmp::Reverse(first)))
            .map(|&(_, _, first)| first)
    }
}

/// What identifies the release a container runs: its effective image's repository with the
/// digest when there is one, else the tag (`latest` when none). None without a literal image.
pub fn release_key(project: &Project, at: ContainerRef) -> Option<String> {
    let image: &ImageRef = project.container(at).1.effective_image()?;
    if image.is_placeholder() {
        return None;
    }
    let repository = image.repository();
    Some(match (&image.digest, &image.tag) {
        (Some(digest), _) => format!("{repository}@{digest}"),
        (None, tag) => format!("{repository}:{}", tag.as_deref().unwrap_or("latest")),
    })
}

impl Project {
    /// The app's releases as a peer set votes them (every member is a long-running main
    /// container: [`Project::votes_for_release`]), computed once per set however many admin
    /// processes share it.
    pub fn app_release(&self, peers: &PeerSet) -> Arc<Tally> {
        if let Some(known) = locked(&self.release_memo).get(&peers.id) {
            return Arc::clone(known);
        }
        let tally = Arc::new(Tally::count(self, peers.members.iter().copied()));
        locked(&self.release_memo).insert(peers.id, Arc::clone(&tally));
        tally
    }
}

/// The release an object's name states, as a dotted version or a date: `db-migration-v1.2.3`
/// -> `1.2.3`, `migrate-3-3-0` -> `3.3.0`, `migrate-v3-3` -> `3.3`, `backfill-20260101` ->
/// `20260101`, `migrate-2026-01-01-12-00-00` -> `20260101120000`. None when the name states
/// none (`db-migrate`, `migrate-2`, `migrate-v2`), or is a template.
pub fn release_in_name(name: &str) -> Option<String> {
    if name.contains(['{', '$', '%']) {
        return None;
    }
    let parts: Vec<&str> = name.trim_end_matches(['-', '.']).split('-').collect();
    let numeric = |p: &str| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit());
    // A version with dashes for dots at the end (`migrate-3-3-0`, `migrate-v3-3`): three
    // numbers, or two after a `v`, so `worker-2` or `shard-1-2` state no release.
    let tail: Vec<&str> = parts
        .iter()
        .rev()
        .take_while(|p| numeric(p.strip_prefix('v').unwrap_or(p)))
        .copied()
        .collect();
    let enough = tail.len() >= 3 || (tail.len() == 2 && tail[1].starts_with('v'));
    if enough && tail.len() < parts.len() {
        let numbers: Vec<&str> = tail
            .iter()
            .rev()
            .map(|p| p.trim_start_matches('v'))
            .collect();
        // A date with a time after it (`post-2026-01-01-00-00-00`, as a chart's `now | date
        // "2006-01-02-15-04-05"` writes it) is a timestamp, read as one (`20260101000000`).
        let year = numbers[0].len() == 4 && ["19", "20"].iter().any(|c| numbers[0].starts_with(c));
        if year && numbers.len() > 3 {
            return Some(numbers.concat());
        }
        return Some(numbers.join("."));
    }
    // A dotted version (`v1.2.3`, `1.2.3`) or `v3` in any part after the first.
    for part in parts.iter().skip(1) {
        let bare = part.strip_prefix('v').unwrap_or(part);
        let pieces: Vec<&str> = bare.split('.').collect();
        // `v2` alone is as often the second version of the Job itself as a release.
        let dotted = pieces.len() >= 2 && pieces.iter().all(|p| numeric(p));
        if dotted {
            return Some(bare.to_string());
        }
        // A date or timestamp (`20260101`, `202601011200`).
        if matches!(bare.len(), 8 | 12 | 14)
            && bare.bytes().all(|b| b.is_ascii_digit())
            && (bare.starts_with("19") || bare.starts_with("20"))
        {
            return Some(bare.to_string());
        }
    }
    None
}

#[cfg(test)]
mod name_tests {
    use super::release_in_name;

    #[test]
    fn names_state_a_release_only_with_a_version_or_a_date() {
        let cases = [
            ("db-migration-v1.2.3", Some("1.2.3")),
            ("db-migration-1.2.3", Some("1.2.3")),
            ("migrate-3-3-0", Some("3.3.0")),
            ("migrate-v3-3", Some("3.3")),
            ("migrate-v3", None),
            ("backfill-20260101", Some("20260101")),
            ("backfill-2026-01-01", Some("2026.01.01")),
            (
                "annotation-job-post-2026-01-01-00-00-00",
                Some("20260101000000"),
            ),
            ("migrate-1-2-3-4", Some("1.2.3.4")),
            ("db-migrate", None),
            ("migrate-2", None),
            ("shard-1-2", None),
            ("v1-migrate", None),
            ("migrate-{{ .Release.Revision }}", None),
            ("migrate-${TAG}", None),
            ("kong-migrations", None),
        ];
        for (name, release) in cases {
            assert_eq!(release_in_name(name).as_deref(), release, "{name}");
        }
    }
}
