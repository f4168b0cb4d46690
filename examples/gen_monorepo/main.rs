//! Writes a synthetic monorepo for benchmarks: per service a kustomize base (Deployments, a
//! migration Job, sometimes a CronJob, a Service, a large ConfigMap and a large
//! PrometheusRule-like document), `staging` / `prod` overlays, and every few services a Compose
//! project with a `.env`, a Helm chart with a migration hook, or a deploy script and a Makefile
//! that launch one-offs. Deterministic: the same flags write the same bytes.
//!
//! ```text
//! cargo run --release --example gen_monorepo -- --out target/bench-monorepo
//!   --out DIR             where to write (required; created, files overwritten)
//!   --services N          number of services (default 400: about 5,000 files)
//!   --padding-kib K       padding per service in KiB, in its ConfigMap and rules document
//!                         (default 236: about 100 MB in all)
//!   --seed S              PRNG seed (default 12)
//!   --drift-per-mille D   services that drift on purpose, per thousand (default 30)
//!   --compose-every C     every C-th service also gets a Compose project (default 5; 0: none)
//!   --chart-every H       every H-th service also gets a Helm chart (default 10; 0: none)
//!   --script-every S      every S-th service also gets a deploy script and a Makefile
//!                         (default 4; 0: none)
//! ```
//!
//! It prints what it wrote, including each deliberately drifted service, and writes the same
//! list to `DRIFT.tsv` in the output directory (not YAML, so adminlint does not read it).

mod generator;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use generator::{Settings, generate};

const USAGE: &str = "usage: gen_monorepo --out DIR [--services N] [--padding-kib K] [--seed S] \
                     [--drift-per-mille D] [--compose-every C] [--chart-every H] \
                     [--script-every S]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen_monorepo: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut settings = Settings::default();
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            return Ok(());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|e| format!("{flag} {value}: {e}"))
        };
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(&value)),
            "--services" => settings.services = number()? as usize,
            "--padding-kib" => settings.padding_kib = number()? as usize,
            "--seed" => settings.seed = number()?,
            "--drift-per-mille" => settings.drift_per_mille = number()?.min(1000) as u32,
            "--compose-every" => settings.compose_every = number()? as usize,
            "--chart-every" => settings.chart_every = number()? as usize,
            "--script-every" => settings.script_every = number()? as usize,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let out = out.ok_or("--out is required")?;
    let started = std::time::Instant::now();
    let mut stats =
        generate(&settings, &out).map_err(|e| format!("writing {}: {e}", out.display()))?;
    let mut drift = String::from("service\tdrift\n");
    for (service, kind) in &stats.drifted {
        let _ = writeln!(drift, "{service}\t{}", kind.name());
    }
    std::fs::write(out.join("DRIFT.tsv"), &drift).map_err(|e| format!("writing DRIFT.tsv: {e}"))?;
    stats.files += 1;
    println!(
        "wrote {} files ({} YAML), {:.1} MB, {} services, {} drifted on purpose, in {:.1?} to {}",
        stats.files,
        stats.yaml_files,
        stats.bytes as f64 / 1e6,
        settings.services,
        stats.drifted.len(),
        started.elapsed(),
        out.display()
    );
    for (service, kind) in &stats.drifted {
        println!("  drift: {service} {}", kind.name());
    }
    Ok(())
}
