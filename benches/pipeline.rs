//! Benchmarks of the pipeline's stages (divan): parse, extract, kustomize rendering, rules,
//! render (each format), and `check` as a whole, on `fixtures/demo` and on a small generated
//! project (written to a temporary directory by the `gen_monorepo` example's generator).
//!
//! ```text
//! cargo bench --bench pipeline                              # everything (about 35 s here)
//! cargo bench --bench pipeline -- --sample-count 10         # quick mode
//! cargo bench --bench pipeline -- parse                     # only benchmarks matching `parse`
//! ```
//!
//! Whole-process timings against the parse floor and other tools: `bench/compare.sh`.

#[allow(dead_code)]
#[path = "../examples/gen_monorepo/generator.rs"]
mod generator;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use adminlint::config::LoadedConfig;
use adminlint::manifest::kustomize::Kustomization;
use adminlint::manifest::{self, ExtractContext};
use adminlint::model::project::Project;
use adminlint::render::{Format, RenderOptions};
use adminlint::report::Report;
use adminlint::span::FileId;
use adminlint::yaml::{self, Limits, ParsedFile};
use adminlint::{CheckOptions, check};
use divan::Bencher;
use divan::counter::BytesCount;

fn main() {
    divan::main();
}

/// Inputs every stage is measured on.
const INPUTS: &[&str] = &["demo", "generated"];

/// One input, read into memory once.
struct Input {
    /// The directory `check` is given.
    dir: PathBuf,
    /// (display path, text) of each file, in discovery order.
    files: Vec<(String, String)>,
    /// Keeps the generated project on disk while the benchmarks run.
    _temp: Option<tempfile::TempDir>,
}

impl Input {
    fn bytes(&self) -> usize {
        self.files.iter().map(|(_, text)| text.len()).sum()
    }
}

fn input(name: &str) -> &'static Input {
    static DEMO: OnceLock<Input> = OnceLock::new();
    static GENERATED: OnceLock<Input> = OnceLock::new();
    match name {
        "demo" => DEMO.get_or_init(|| {
            load(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo"),
                None,
            )
        }),
        "generated" => GENERATED.get_or_init(|| {
            let temp = tempfile::tempdir().expect("temporary directory");
            // 24 services: about 300 files and 2.6 MB, with kustomize overlays, Compose projects,
            // Helm charts, deploy scripts and some drift.
            let settings = generator::Settings {
                services: 24,
                padding_kib: 96,
                drift_per_mille: 200,
                ..generator::Settings::default()
            };
            generator::generate(&settings, temp.path()).expect("generate the project");
            load(temp.path().to_path_buf(), Some(temp))
        }),
        _ => unreachable!("unknown input {name}"),
    }
}

fn load(dir: PathBuf, temp: Option<tempfile::TempDir>) -> Input {
    let found = adminlint::discover::discover(std::slice::from_ref(&dir));
    let files = found
        .files
        .iter()
        .map(|candidate| {
            let text = std::fs::read_to_string(&candidate.path).expect("UTF-8 file");
            (adminlint::discover::display_path(&candidate.path), text)
        })
        .collect();
    Input {
        dir,
        files,
        _temp: temp,
    }
}

/// Parsed files of an input, for the stages after parsing. (Not cached in a static: a tree
/// counts its alias budget in a `Cell`, so it is not `Sync`.)
fn parse_all(input: &Input) -> Vec<ParsedFile> {
    input
        .files
        .iter()
        .map(|(_, text)| yaml::parse(text, &Limits::default()))
        .collect()
}

/// Parse and extract every file into a project, as `check` does, before kustomize rendering;
/// with the kustomizations found.
fn extracted_project(name: &str) -> (Project, Vec<Kustomization>) {
    let input = input(name);
    let mut project = Project::default();
    let mut kustomizations = Vec::new();
    for (index, ((display, text), parsed)) in input.files.iter().zip(parse_all(input)).enumerate() {
        let file = FileId(index as u32);
        project.files.push(adminlint::source::SourceFile::new(
            file,
            Some(PathBuf::from(display)),
            display.clone(),
            adminlint::source::Text::new(text.clone()),
        ));
        let context = ExtractContext {
            file,
            text,
            kinds: &[],
        };
        for document in &parsed.documents {
            let extracted = manifest::extract(&parsed.tree, document, &context);
            project.workloads.extend(extracted.workloads);
            kustomizations.extend(extracted.kustomization);
        }
    }
    (project, kustomizations)
}

/// The project the rules read: extracted, kustomize overlays rendered, configuration applied.
/// Built afresh for every sample: a project memoises peer lookups, and a reused one would
/// measure warm memos.
fn rendered_project(name: &str) -> Project {
    let (mut project, kustomizations) = extracted_project(name);
    manifest::kustomize::render(
        &mut project,
        &kustomizations,
        &[],
        None,
        &adminlint::yaml::Limits::default(),
        &mut Vec::new(),
    );
    let config = LoadedConfig::default();
    project.apply_config(&config);
    project.classify_roles(&config);
    project
}

/// The report of a whole `check`, for the renderers.
fn report(name: &str) -> &'static Report {
    static DEMO: OnceLock<Report> = OnceLock::new();
    static GENERATED: OnceLock<Report> = OnceLock::new();
    let cell = if name == "demo" { &DEMO } else { &GENERATED };
    cell.get_or_init(|| check(&check_options(name)))
}

fn check_options(name: &str) -> CheckOptions {
    CheckOptions {
        paths: vec![input(name).dir.clone()],
        ..CheckOptions::default()
    }
}

/// The YAML parser and tree builder over every file (text already in memory).
#[divan::bench(args = INPUTS)]
fn parse(bencher: Bencher, name: &str) {
    let input = input(name);
    bencher
        .counter(BytesCount::new(input.bytes()))
        .bench_local(|| {
            for (_, text) in &input.files {
                divan::black_box(yaml::parse(text, &Limits::default()));
            }
        });
}

/// Recognising documents and extracting workload facts from parsed trees.
#[divan::bench(args = INPUTS)]
fn extract(bencher: Bencher, name: &str) {
    let input = input(name);
    let parsed = parse_all(input);
    bencher.bench_local(|| {
        for (index, ((_, text), parsed)) in input.files.iter().zip(&parsed).enumerate() {
            let context = ExtractContext {
                file: FileId(index as u32),
                text,
                kinds: &[],
            };
            for document in &parsed.documents {
                divan::black_box(manifest::extract(&parsed.tree, document, &context));
            }
        }
    });
}

/// Rendering kustomize overlays into scopes (on a fresh copy of the extracted project).
#[divan::bench(args = INPUTS)]
fn kustomize(bencher: Bencher, name: &str) {
    bencher
        .with_inputs(|| extracted_project(name))
        .bench_local_refs(|(project, kustomizations)| {
            manifest::kustomize::render(
                project,
                kustomizations,
                &[],
                None,
                &adminlint::yaml::Limits::default(),
                &mut Vec::new(),
            );
        });
}

/// Every rule over the rendered project.
#[divan::bench(args = INPUTS)]
fn rules(bencher: Bencher, name: &str) {
    bencher
        .with_inputs(|| rendered_project(name))
        .bench_local_refs(|project| divan::black_box(adminlint::rules::run(project)));
}

/// Each output format, written to memory.
mod render {
    use super::{Bencher, Format, INPUTS, RenderOptions, report};

    fn bench(bencher: Bencher, name: &str, format: Format) {
        let report = report(name);
        bencher.bench_local(|| {
            let mut out = Vec::new();
            adminlint::render::render(format, report, &RenderOptions::default(), &mut out)
                .expect("render");
            divan::black_box(out)
        });
    }

    /// miette reports with source snippets.
    #[divan::bench(args = INPUTS)]
    fn full(bencher: Bencher, name: &str) {
        bench(bencher, name, Format::Full);
    }

    /// One line per finding.
    #[divan::bench(args = INPUTS)]
    fn concise(bencher: Bencher, name: &str) {
        bench(bencher, name, Format::Concise);
    }

    /// The versioned JSON contract.
    #[divan::bench(args = INPUTS)]
    fn json(bencher: Bencher, name: &str) {
        bench(bencher, name, Format::Json);
    }
}

/// `check` as a whole: discovery, reading, parsing, extraction, rules, suppressions.
#[divan::bench(args = INPUTS)]
fn check_whole(bencher: Bencher, name: &str) {
    let input = input(name);
    let options = check_options(name);
    bencher
        .counter(BytesCount::new(input.bytes()))
        .bench_local(|| divan::black_box(check(&options)));
}
