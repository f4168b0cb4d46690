//! `adminlint debug render`: what adminlint renders for a kustomization, reduced to the facts
//! its rules read (the same facts the differential test compares with `kubectl kustomize`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::config::LoadedConfig;
use crate::model::rendered::RenderedObject;
use crate::report::Report;
use crate::{CheckOptions, assemble, discover, extract, inputs, manifest};

/// Kustomization file names kustomize reads, in its order.
const KUSTOMIZATION_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A kustomization as adminlint renders it.
#[derive(Debug, Default, serde::Serialize)]
pub struct Rendering {
    /// The workloads of the rendering, sorted.
    pub objects: Vec<RenderedObject>,
    /// What rendering skipped or could not follow (remote bases, plugins, cycles, …).
    #[serde(skip)]
    pub notes: Vec<String>,
    /// Files that could not be read or checked, as `path: message`.
    #[serde(skip)]
    pub errors: Vec<String>,
}

/// The kustomization file in `dir`, if any.
fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_NAMES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// What adminlint renders for the kustomization in `dir`: the objects of its rendering,
/// sorted, with the notes rendering gave. The files read are the kustomization and, followed
/// from kustomization to kustomization as `kubectl kustomize` does, every local resource,
/// component and patch file they list (and nothing else under `dir`: a kustomization nobody
/// lists there is not part of this rendering). A directory without a kustomization gives its
/// objects as they are written.
pub fn render_kustomization(dir: &Path) -> Rendering {
    let config = LoadedConfig::default();
    let mut paths = vec![kustomization_file(dir).unwrap_or_else(|| dir.to_path_buf())];
    // Bases are followed one level per round; kustomize itself stops far short of this.
    for _ in 0..32 {
        let options = CheckOptions {
            paths: paths.clone(),
            ..CheckOptions::default()
        };
        let mut report = Report::default();
        let inputs = inputs::plan(&options, &config, &mut report);
        let (facts, cache_write) = extract::extract_all(inputs, &options, &config, &mut report);
        cache_write.finish(&mut report);
        let mut more = Vec::new();
        for file in &facts {
            let Some(parent) = file.file.path.as_ref().and_then(|p| p.parent()) else {
                continue;
            };
            for kustomization in &file.kustomizations {
                for entry in manifest::kustomize::local_references(kustomization) {
                    let path = parent.join(entry);
                    // A base or component directory is its kustomization file.
                    let path = kustomization_file(&path).unwrap_or(path);
                    let known = paths.iter().chain(&more).any(|p| {
                        discover::absolute(&path)
                            .ok()
                            .zip(discover::absolute(p).ok())
                            .is_some_and(|(path, p)| normalized(&path).starts_with(normalized(&p)))
                    });
                    if !known && path.exists() {
                        more.push(path);
                    }
                }
            }
        }
        if more.is_empty() {
            let reported = vec![true; facts.len()];
            let assembled = assemble::assemble(facts, reported, &options, &config, &mut report);
            let workloads = &assembled.project.workloads;
            let rendered = kustomization_file(dir).is_some();
            let mut objects: Vec<RenderedObject> = workloads
                .iter()
                .filter(|w| !rendered || w.scope > 0)
                .map(RenderedObject::of)
                .collect();
            objects.sort();
            return Rendering {
                objects,
                notes: report.notes,
                errors: report.errors.iter().map(ToString::to_string).collect(),
            };
        }
        paths.extend(more);
    }
    Rendering {
        notes: vec!["kustomizations nest too deeply".to_string()],
        ..Rendering::default()
    }
}

/// `a/b/../c` as `a/c`, for comparing paths without touching the disk.
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

impl Rendering {
    /// For people: one block per object, one line per fact that is set.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (index, object) in self.objects.iter().enumerate() {
            if index > 0 {
                out.push('\n');
            }
            let _ = write!(out, "{} {}", object.kind, object.name);
            if !object.namespace.is_empty() {
                let _ = write!(out, " (namespace {})", object.namespace);
            }
            out.push('\n');
            for container in &object.containers {
                let image = if container.image.is_empty() {
                    "no image"
                } else {
                    &container.image
                };
                let which = if container.init {
                    "init container"
                } else {
                    "container"
                };
                let _ = writeln!(out, "  {which} {}: {image}", container.name);
                let words = |words: &[String]| {
                    let quoted: Vec<String> = words.iter().map(|w| format!("{w:?}")).collect();
                    format!("[{}]", quoted.join(", "))
                };
                if let Some(command) = &container.command {
                    let _ = writeln!(out, "    command: {}", words(command));
                }
                if let Some(args) = &container.args {
                    let _ = writeln!(out, "    args: {}", words(args));
                }
                for (label, values) in [
                    ("envFrom", &container.env_from),
                    ("env", &container.env_refs),
                    ("volume", &container.volumes),
                ] {
                    for value in values {
                        let _ = writeln!(out, "    {label}: {value}");
                    }
                }
            }
        }
        if self.objects.is_empty() {
            out.push_str("no workloads\n");
        }
        out
    }

    /// For scripts: `{"objects": [...]}`, each object with its containers' facts.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }
}
