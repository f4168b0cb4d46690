//! The app's release: what its long-running main containers run, counted as votes.

use std::rc::Rc;

use crate::model::image::ImageRef;
use crate::model::project::{ContainerRef, PeerSet, Project};

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
    pub fn app_release(&self, peers: &PeerSet) -> Rc<Tally> {
        if let Some(known) = self.release_memo.borrow().get(&peers.id) {
            return Rc::clone(known);
        }
        let tally = Rc::new(Tally::count(self, peers.members.iter().copied()));
        self.release_memo
            .borrow_mut()
            .insert(peers.id, Rc::clone(&tally));
        tally
    }
}
