//! Sibling images: images of one product built and released together under one tag
//! (`org/shop-migrate:1.6.0` beside `org/shop-server:1.9.0`), so an admin on one is compared
//! by tag with the app on the other.

use std::collections::HashMap;

use crate::model::image::{ImageKind, ImageRef};
use crate::model::project::{ContainerRef, Project, Proximity, is_utility_image};

/// The shortest product stem that makes two repositories siblings (`db-x` / `db-y` do not).
const MIN_STEM: usize = 3;

/// Release voters by where their repository's last component sits (registry and path up to
/// the last `/`): siblings share it.
#[derive(Debug, Default)]
pub(in crate::model) struct SiblingIndex(HashMap<String, Vec<ContainerRef>>);

/// The registry-and-namespace part of a normalised repository (`ghcr.io/acme` of
/// `ghcr.io/acme/shop-server`) and its last component.
fn split(repository: &str) -> Option<(&str, &str)> {
    repository.rsplit_once('/')
}

/// The product stem of a repository's last component: the part before the first `-`, `_` or
/// `.` (`shop` of `shop-migrate`).
fn stem(name: &str) -> &str {
    name.split(['-', '_', '.']).next().unwrap_or(name)
}

/// True when both tags follow one version scheme: a dotted version (`1.9.0`, `v2.3`,
/// `2024.05.1`) with the same `v` prefix and the same number of parts.
pub fn same_tag_scheme(a: &str, b: &str) -> bool {
    let shape = |tag: &str| {
        let (prefix, rest) = match tag.strip_prefix('v') {
            Some(rest) => (true, rest),
            None => (false, tag),
        };
        let core = rest.split(['-', '+']).next().unwrap_or(rest);
        let parts: Vec<&str> = core.split('.').collect();
        let numeric = parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
        // `v1` against `v2` is too common a scheme to say two images are released together.
        (numeric && parts.len() >= 2).then_some((prefix, parts.len()))
    };
    matches!((shape(a), shape(b)), (Some(x), Some(y)) if x == y)
}

/// True when two literal references are images of one product: same registry and namespace,
/// different last components that share a product stem of at least [`MIN_STEM`] characters,
/// and tags of one version scheme.
pub fn are_siblings(a: &ImageRef, b: &ImageRef) -> bool {
    if a.kind != ImageKind::Literal || b.kind != ImageKind::Literal {
        return false;
    }
    let (ra, rb) = (a.repository(), b.repository());
    let (Some((prefix_a, name_a)), Some((prefix_b, name_b))) = (split(&ra), split(&rb)) else {
        return false;
    };
    let (stem_a, stem_b) = (stem(name_a), stem(name_b));
    prefix_a == prefix_b
        // A namespace under the registry (`ghcr.io/acme`): a registry's root holds many products.
        && prefix_a.contains('/')
        && name_a != name_b
        && stem_a == stem_b
        && stem_a.len() >= MIN_STEM
        // Docker Hub's official images (`library/`) are unrelated products.
        && !prefix_a.ends_with("/library")
        && matches!((&a.tag, &b.tag), (Some(x), Some(y)) if same_tag_scheme(x, y))
}

impl Project {
    fn sibling_index(&self) -> &SiblingIndex {
        self.sibling_index.get_or_init(|| {
            let mut index = SiblingIndex::default();
            for (at, _, container) in self.containers() {
                if !self.votes_for_release(at) {
                    continue;
                }
                let Some(image) = container.effective_image() else {
                    continue;
                };
                if image.kind != ImageKind::Literal || is_utility_image(image) {
                    continue;
                }
                if let Some((prefix, _)) = split(&image.repository()) {
                    index.0.entry(prefix.to_string()).or_default().push(at);
                }
            }
            index
        })
    }

    /// The long-running main containers that run a sibling image of the admin's
    /// ([`are_siblings`]), in the admin's file, else its directory (Kubernetes) or its Compose
    /// project, and not another app ([`Project::apart`]). Empty for utility images.
    pub fn sibling_peers(&self, admin: ContainerRef) -> Vec<ContainerRef> {
        let (workload, container) = self.container(admin);
        let Some(image) = container.effective_image() else {
            return Vec::new();
        };
        if image.kind != ImageKind::Literal || is_utility_image(image) {
            return Vec::new();
        }
        let repository = image.repository();
        let Some((prefix, _)) = split(&repository) else {
            return Vec::new();
        };
        let candidates: Vec<ContainerRef> = self
            .sibling_index()
            .0
            .get(prefix)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .copied()
            .filter(|&at| {
                let (peer, peer_container) = self.container(at);
                at != admin
                    && peer.scope == workload.scope
                    && peer.compose.is_some() == workload.compose_project().is_some()
                    && self.apart(admin.workload, at.workload).is_none()
                    && peer_container
                        .effective_image()
                        .is_some_and(|other| are_siblings(image, other))
            })
            .collect();
        let tiers: &[Proximity] = if workload.compose_project().is_some() {
            &[Proximity::SameProject]
        } else {
            &[Proximity::SameFile, Proximity::SameDirectory]
        };
        for &tier in tiers {
            let near: Vec<ContainerRef> = candidates
                .iter()
                .copied()
                .filter(|&at| self.within(admin.workload, at.workload, tier))
                .collect();
            if !near.is_empty() {
                return near;
            }
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn siblings(a: &str, b: &str) -> bool {
        are_siblings(&ImageRef::parse(a), &ImageRef::parse(b))
    }

    #[test]
    fn images_of_one_product_are_siblings() {
        assert!(siblings("org/shop-migrate:1.6.0", "org/shop-server:1.9.0"));
        assert!(siblings(
            "ghcr.io/acme/shop:v2.1",
            "ghcr.io/acme/shop-worker:v2.0"
        ));
        // Another namespace, another product, too short a stem, official images.
        assert!(!siblings(
            "org/shop-migrate:1.6.0",
            "other/shop-server:1.9.0"
        ));
        assert!(!siblings("org/shop-migrate:1.6.0", "org/cart-server:1.9.0"));
        assert!(!siblings("org/db-migrate:1.6.0", "org/db-server:1.9.0"));
        assert!(!siblings("redis-tools:7.0.1", "redis-stack:7.2.0"));
        // Another tag scheme: not released together.
        assert!(!siblings(
            "org/shop-migrate:v1.6.0",
            "org/shop-server:1.9.0"
        ));
        assert!(!siblings("org/shop-migrate:1.6", "org/shop-server:1.9.0"));
        assert!(!siblings(
            "org/shop-migrate:latest",
            "org/shop-server:latest"
        ));
        // A registry's root namespace, single-number tags.
        assert!(!siblings(
            "registry.k8s.io/example-dns-frontend:v1.0",
            "registry.k8s.io/example-dns-backend:v2.0"
        ));
        assert!(!siblings("org/shop-migrate:v1", "org/shop-server:v2"));
        // One repository is not a sibling of itself.
        assert!(!siblings("org/shop:1.6.0", "org/shop:1.9.0"));
    }
}
