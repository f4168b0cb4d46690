//! Whether two workloads belong to one app, and whether a peer container runs the app's process:
//! the one decision release peers, config peers and release-drift groups are made by.

use crate::model::project::{ContainerRef, Project};
use crate::model::workload::{Container, Format, Workload};

/// A deployment environment, as a name or file suffix names it (`-production`, `-stage`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Environment {
    /// `production`, `prod`.
    Production,
    /// `staging`, `stage`.
    Staging,
    /// `dev`, `development`.
    Development,
}

impl Environment {
    /// The name used in explanations.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Staging => "staging",
            Environment::Development => "development",
        }
    }

    /// The environment a word names, if any.
    fn of_word(word: &str) -> Option<Environment> {
        match word.to_ascii_lowercase().as_str() {
            "production" | "prod" => Some(Environment::Production),
            "staging" | "stage" => Some(Environment::Staging),
            "dev" | "development" => Some(Environment::Development),
            _ => None,
        }
    }

    /// The environment a name's last part names: `shop-production`, `deploy.staging`,
    /// `web_dev`. A name that is only the word (`production`) counts too.
    pub fn of_suffix(name: &str) -> Option<Environment> {
        let last = name.rsplit(['-', '_', '.']).next().unwrap_or(name);
        Environment::of_word(last)
    }
}

/// Why two workloads are not parts of one app (so never peers, never one release group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Apart {
    /// Different Kubernetes namespaces.
    Namespaces(String, String),
    /// Declared parts of different apps (`adminlint.io/app`, `apps:` in the configuration).
    DeclaredApps(String, String),
    /// Kept side by side for different environments (`web-production` beside `web-staging`).
    Environments(Environment, Environment),
}

impl std::fmt::Display for Apart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let namespace = |n: &str| {
            if n.is_empty() {
                "no namespace".to_string()
            } else {
                format!("namespace `{n}`")
            }
        };
        match self {
            Apart::Namespaces(a, b) => write!(f, "{} vs {}", namespace(a), namespace(b)),
            Apart::DeclaredApps(a, b) => write!(f, "declared app `{a}` vs `{b}`"),
            Apart::Environments(a, b) => {
                write!(f, "environment {} vs {}", a.as_str(), b.as_str())
            }
        }
    }
}

/// Why a container of the app's image is not the app's process for config comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAppProcess {
    /// A second container of a pod whose first container runs the same image with another
    /// command: a sidecar (an exporter, a proxy) built from the app's image.
    Sidecar {
        /// The pod's app container.
        app_container: String,
    },
    /// Its name or command names a helper's job (`exporter`, `metrics`, `sidecar`).
    Helper {
        /// The word that says so.
        word: String,
    },
}

impl std::fmt::Display for NotAppProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotAppProcess::Sidecar { app_container } => write!(
                f,
                "a sidecar on the app's image: container `{app_container}` runs the app in this pod with another command"
            ),
            NotAppProcess::Helper { word } => {
                write!(
                    f,
                    "a helper on the app's image (`{word}`), not the app's server"
                )
            }
        }
    }
}

/// Words in a container's name or first command word that say it is a helper process.
const HELPER_WORDS: [&str; 3] = ["exporter", "metrics", "sidecar"];

impl Project {
    /// The environment a workload is for: its name's suffix, else its file's (`shop-staging.yaml`,
    /// `app.production.yaml`). Directories are left out: a whole checkout under `~/dev/` would
    /// otherwise set every file apart from a `migrate-prod` Job beside them.
    pub fn environment(&self, workload: usize) -> Option<Environment> {
        self.environments.get_or_init(|| {
            (0..self.workloads.len())
                .map(|w| self.environment_of(w))
                .collect()
        })[workload]
    }

    fn environment_of(&self, workload: usize) -> Option<Environment> {
        let workload = &self.workloads[workload];
        let from_name = workload
            .name
            .as_ref()
            .and_then(|n| Environment::of_suffix(&n.value));
        from_name.or_else(|| {
            let display = &self.files.get(workload.file.0 as usize)?.display;
            let file = display.rsplit(['/', '\\']).next()?;
            // `shop-staging.yaml`, `app.production.yaml`: the part before the extension.
            let before_extension = file.rsplit_once('.').map_or(file, |(head, _)| head);
            Environment::of_suffix(before_extension)
        })
    }

    /// Why workloads `a` and `b` are not parts of one app, or None when they may be: the one
    /// test release peers, config peers and release-drift groups share.
    pub fn apart(&self, a: usize, b: usize) -> Option<Apart> {
        let (wa, wb) = (&self.workloads[a], &self.workloads[b]);
        // A command without `-n` runs in whatever namespace its context selects: any.
        let unscoped = |w: &Workload| w.format == Format::Command && w.namespace.is_none();
        if wa.namespace_name() != wb.namespace_name() && !unscoped(wa) && !unscoped(wb) {
            return Some(Apart::Namespaces(
                wa.namespace_name().to_string(),
                wb.namespace_name().to_string(),
            ));
        }
        if let (Some(x), Some(y)) = (&wa.app, &wb.app)
            && x != y
        {
            return Some(Apart::DeclaredApps(x.clone(), y.clone()));
        }
        match (self.environment(a), self.environment(b)) {
            (Some(x), Some(y)) if x != y => Some(Apart::Environments(x, y)),
            _ => None,
        }
    }

    /// The peers config rules compare with: the members that run the app's process
    /// ([`Project::not_app_process`]), or all of them when every one looks like a helper (the
    /// app is an exporter, and these are its own admin processes).
    pub fn config_peers(&self, peers: &crate::model::project::PeerSet) -> Vec<ContainerRef> {
        let app: Vec<ContainerRef> = peers
            .members
            .iter()
            .copied()
            .filter(|&at| self.not_app_process(at).is_none())
            .collect();
        if app.is_empty() {
            peers.members.clone()
        } else {
            app
        }
    }

    /// Why a release peer is not the app's process for config comparisons ("every peer reads
    /// Secret X"), or None when it is: a sidecar or exporter built from the app's image reads
    /// only what it needs and must not dilute what the app reads.
    pub fn not_app_process(&self, at: ContainerRef) -> Option<NotAppProcess> {
        let (workload, container) = self.container(at);
        if let Some(word) = helper_word(container) {
            return Some(NotAppProcess::Helper { word });
        }
        let app = pod_app_container(workload, at.container)?;
        (command_text(app) != command_text(container)).then(|| NotAppProcess::Sidecar {
            app_container: app.display_name().to_string(),
        })
    }
}

/// The first main container of the pod on the same image repository as container `index`,
/// when that is another container.
fn pod_app_container(workload: &Workload, index: usize) -> Option<&Container> {
    let this = &workload.containers[index];
    let repository = this.effective_image()?.repository();
    let (first, app) = workload.containers.iter().enumerate().find(|(_, c)| {
        !c.init
            && c.effective_image()
                .is_some_and(|i| i.repository() == repository)
    })?;
    (first != index).then_some(app)
}

/// A container's command and args as one text (empty: the image's default).
fn command_text(container: &Container) -> String {
    container
        .argv()
        .iter()
        .map(|w| w.value.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The helper word in a container's name or first command word, if any.
fn helper_word(container: &Container) -> Option<String> {
    let name = container
        .name
        .as_ref()
        .map(|n| n.value.to_ascii_lowercase());
    let first = container.argv().first().map(|w| {
        w.value
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    });
    name.into_iter().chain(first).find_map(|text| {
        HELPER_WORDS
            .iter()
            .find(|word| text.split(['-', '_', '.']).any(|part| part == **word))
            .map(|word| word.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_name_environments() {
        assert_eq!(
            Environment::of_suffix("shop-production"),
            Some(Environment::Production)
        );
        assert_eq!(
            Environment::of_suffix("shop_prod"),
            Some(Environment::Production)
        );
        assert_eq!(
            Environment::of_suffix("deploy.stage"),
            Some(Environment::Staging)
        );
        assert_eq!(
            Environment::of_suffix("api-dev"),
            Some(Environment::Development)
        );
        assert_eq!(
            Environment::of_suffix("production"),
            Some(Environment::Production)
        );
        // Only the last part: `prod-db` is a database, `web-production-2` a second replica set.
        assert_eq!(Environment::of_suffix("prod-db"), None);
        assert_eq!(Environment::of_suffix("web-production-2"), None);
        assert_eq!(Environment::of_suffix("devices"), None);
    }
}
