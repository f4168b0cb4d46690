//! Stage timings on stderr when `ADMINLINT_TIMINGS` is set: where one run's time goes (plan,
//! extract, assemble's parts, rules, findings), for benchmarks and bug reports; never part of
//! the output a run is judged by.

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// Whether timings are asked for (read once per process).
pub fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("ADMINLINT_TIMINGS").is_some_and(|v| !v.is_empty()))
}

/// When the last lap ended.
static LAST: Mutex<Option<Instant>> = Mutex::new(None);

/// Start timing a run: the next [`lap`] counts from here.
pub fn start() {
    if enabled() {
        *LAST.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    }
}

/// Print how long `stage` took since the last lap (or [`start`]).
pub fn lap(stage: &str) {
    if !enabled() {
        return;
    }
    let now = Instant::now();
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(previous) = last.replace(now) {
        let micros = now.duration_since(previous).as_micros();
        eprintln!(
            "adminlint timing: {stage:<16} {:>8.1} ms",
            micros as f64 / 1000.0
        );
    }
}
