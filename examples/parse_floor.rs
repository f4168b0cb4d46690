//! The parse-only floor adminlint is measured against: walk the paths as `adminlint check` does
//! (`adminlint::discover::discover`), read each file, decode it, and parse it with
//! `adminlint::yaml::parse` (the same parser and tree builder), then drop the tree. Nothing is
//! extracted, checked or rendered. Every byte is parsed, though: adminlint leaves out the large
//! values no rule reads (`adminlint::manifest::skim`: CRD schemas, ConfigMap data), so on
//! inputs made mostly of those it is faster than this floor.
//!
//! With `--skim`, the floor leaves them out as adminlint does (`Skimmed::parse`, which gives
//! way to a whole parse on any doubt): the parse adminlint's own work adds to.
//!
//! With `--charts`, it also renders every Helm chart found (a directory with a `Chart.yaml`,
//! not under another chart's `charts/`) with its default values, as adminlint does
//! (`adminlint::helm::render::render`), and parses what each template wrote: the least work
//! that checking a chart's output takes, for comparing runs over charts.
//!
//! ```text
//! cargo run --release --example parse_floor -- [-j N | --threads N] [--charts] [--skim] [PATH]...
//! ```
//!
//! Threads: `-j N` / `--threads N`, else `RAYON_NUM_THREADS`, else one per core (rayon's
//! default). Prints files, bytes, documents, nodes and syntax errors (and, with `--charts`, the
//! charts and templates rendered).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

#[derive(Default)]
struct Counts {
    files: AtomicUsize,
    bytes: AtomicUsize,
    documents: AtomicUsize,
    nodes: AtomicUsize,
    syntax_errors: AtomicUsize,
    unreadable: AtomicUsize,
    charts: AtomicUsize,
    templates: AtomicUsize,
    skipped: AtomicUsize,
}

/// The charts among the files found: the directory of each `Chart.yaml`, without those under
/// another chart's `charts/` (a subchart renders with its parent).
fn chart_dirs(files: &[adminlint::discover::Candidate]) -> Vec<PathBuf> {
    adminlint::manifest::helm::outermost_charts(
        files
            .iter()
            .filter(|f| f.path.file_name().is_some_and(|n| n == "Chart.yaml"))
            .filter_map(|f| Some(f.path.parent()?.to_path_buf()))
            .collect(),
    )
}

fn main() -> ExitCode {
    let mut threads: Option<usize> = None;
    let mut charts = false;
    let mut skim = false;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-j" | "--threads" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => threads = Some(n),
                None => {
                    eprintln!("parse_floor: {arg} needs a number");
                    return ExitCode::from(2);
                }
            },
            "--charts" => charts = true,
            "--skim" => skim = true,
            "-h" | "--help" => {
                println!("usage: parse_floor [-j N | --threads N] [--charts] [--skim] [PATH]...");
                return ExitCode::SUCCESS;
            }
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        pool = pool.num_threads(n);
    }
    let pool = match pool.build() {
        Ok(pool) => pool,
        Err(error) => {
            eprintln!("parse_floor: {error}");
            return ExitCode::from(2);
        }
    };
    let started = std::time::Instant::now();
    let found = adminlint::discover::discover(&paths);
    let counts = Counts::default();
    let limits = adminlint::yaml::Limits::default();
    pool.install(|| {
        // One file per task, as adminlint schedules them: a few large files must not share a
        // split that one thread works through while the other idles.
        found
            .files
            .par_iter()
            .with_max_len(1)
            .for_each(|candidate| {
                let text = match std::fs::read(&candidate.path).map(String::from_utf8) {
                    Ok(Ok(text)) => text,
                    _ => {
                        counts.unreadable.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                };
                let skimmed = skim
                    .then(|| adminlint::manifest::skim::skim(&text, &[]))
                    .flatten()
                    .and_then(|skimmed| Some((skimmed.parse(&text, &limits)?, skimmed)));
                let parsed = match skimmed {
                    Some((parsed, skimmed)) => {
                        let skipped = skimmed.ranges().iter().map(|range| range.len()).sum();
                        counts.skipped.fetch_add(skipped, Ordering::Relaxed);
                        parsed
                    }
                    None => adminlint::yaml::parse(&text, &limits),
                };
                counts.files.fetch_add(1, Ordering::Relaxed);
                counts.bytes.fetch_add(text.len(), Ordering::Relaxed);
                counts
                    .documents
                    .fetch_add(parsed.documents.len(), Ordering::Relaxed);
                counts.nodes.fetch_add(parsed.tree.len(), Ordering::Relaxed);
                counts
                    .syntax_errors
                    .fetch_add(parsed.errors.len(), Ordering::Relaxed);
            });
        if charts {
            chart_dirs(&found.files).par_iter().for_each(|dir| {
                let mut source = adminlint::helm::chart::DiskSource::default();
                let Ok(chart) = adminlint::helm::chart::load(dir, &mut source) else {
                    return;
                };
                let user = adminlint::helm::template::Value::map(Default::default());
                let rendering = adminlint::helm::render::render(
                    &chart,
                    &user,
                    adminlint::helm::template::Limits::default(),
                );
                counts.charts.fetch_add(1, Ordering::Relaxed);
                for output in rendering
                    .templates
                    .iter()
                    .filter_map(|t| t.result.as_ref().ok())
                {
                    let parsed = adminlint::yaml::parse(&output.text, &limits);
                    counts.templates.fetch_add(1, Ordering::Relaxed);
                    counts
                        .documents
                        .fetch_add(parsed.documents.len(), Ordering::Relaxed);
                    counts.nodes.fetch_add(parsed.tree.len(), Ordering::Relaxed);
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let bytes = counts.bytes.load(Ordering::Relaxed);
    if charts {
        println!(
            "rendered {} charts, {} templates written",
            counts.charts.load(Ordering::Relaxed),
            counts.templates.load(Ordering::Relaxed)
        );
    }
    if skim {
        println!(
            "skipped {:.1} MB of values no rule reads",
            counts.skipped.load(Ordering::Relaxed) as f64 / 1e6
        );
    }
    println!(
        "parsed {} files, {:.1} MB, {} documents, {} nodes, {} syntax errors, {} unreadable; {} threads, {:.1?} ({:.1} MB/s)",
        counts.files.load(Ordering::Relaxed),
        bytes as f64 / 1e6,
        counts.documents.load(Ordering::Relaxed),
        counts.nodes.load(Ordering::Relaxed),
        counts.syntax_errors.load(Ordering::Relaxed),
        counts.unreadable.load(Ordering::Relaxed),
        pool.current_num_threads(),
        elapsed,
        bytes as f64 / 1e6 / elapsed.as_secs_f64().max(1e-9),
    );
    if found.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        for (path, message) in &found.errors {
            eprintln!("parse_floor: {}: {message}", path.display());
        }
        ExitCode::from(2)
    }
}
