//! `ferrite-bench`: ferrite's side of `cargo xtask bench`. It runs the workloads of the PyTorch
//! reference (`torch_bench.py`) and of our `torch_extra.py` with the same sizes, reps and warm-ups,
//! and writes the same JSON records, so the files compare row by row.
//!
//! ```text
//! ferrite-bench --threads N --out FILE.json [--quick] [--only W1,W4,...] [--device cpu|cuda]
//! ```
//!
//! `--device cuda` runs the GPU workloads (G1..G4, PyTorch side `torch_gpu.py`) on GPU 0; it needs
//! a build with the `cuda` feature and a GPU.

use ferrite_bench::record::Record;
use ferrite_bench::workloads;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str =
    "usage: ferrite-bench --threads N --out FILE.json [--quick] [--only W1,W4,...] [--device cpu|cuda]";

struct Args {
    threads: usize,
    out: PathBuf,
    quick: bool,
    only: Option<Vec<String>>,
    gpu: bool,
}

impl Args {
    /// The workload table of the chosen device.
    fn workloads(&self) -> &'static [workloads::Workload] {
        if self.gpu { workloads::GPU_WORKLOADS } else { workloads::WORKLOADS }
    }
}

fn parse_args() -> Result<Args, String> {
    let (mut threads, mut out, mut quick, mut only, mut gpu) = (None, None, false, None, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--threads" => {
                let v = value()?;
                threads =
                    Some(v.parse().ok().filter(|&n: &usize| n > 0).ok_or(format!("bad --threads `{v}`"))?);
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            "--quick" => quick = true,
            "--device" => {
                gpu = match value()?.as_str() {
                    "cpu" => false,
                    "cuda" => true,
                    other => return Err(format!("bad --device `{other}` (cpu or cuda)")),
                }
            }
            "--only" => only = Some(value()?.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>()),
            other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
        }
    }
    let args = Args {
        threads: threads.ok_or(format!("--threads is required\n{USAGE}"))?,
        out: out.ok_or(format!("--out is required\n{USAGE}"))?,
        quick,
        only,
        gpu,
    };
    if let Some(ids) = &args.only
        && let Some(bad) = ids.iter().find(|id| !args.workloads().iter().any(|w| w.id == id.as_str()))
    {
        let known: Vec<&str> = args.workloads().iter().map(|w| w.id).collect();
        return Err(format!("unknown workload `{bad}` in --only (known: {})", known.join(", ")));
    }
    Ok(args)
}

/// The output file: run metadata, then the records (the field names torch_bench.py writes, where they apply).
#[derive(Serialize)]
struct Report {
    framework: &'static str,
    backend: String,
    /// `cpu`, or `cuda:0` for the GPU workloads.
    device: &'static str,
    /// The GPU's name as the driver gives it (`--device cuda` only).
    gpu: Option<String>,
    versions: Versions,
    cpu_model: String,
    cpu_capability: &'static str,
    threads: usize,
    rayon_num_threads: usize,
    os_threads_at_exit: Option<usize>,
    quick: bool,
    dtype: &'static str,
    timer: &'static str,
    /// The worker threads of W9's and W10's DataLoader (d2l's `get_dataloader_workers`).
    dataloader_workers: usize,
    /// Workloads not run: not in ferrite yet, or their input data is missing.
    skipped: Vec<&'static str>,
    total_wall_s: f64,
    results: Vec<Record>,
}

#[derive(Serialize)]
struct Versions {
    ferrite: &'static str,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ferrite-bench: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    // Before any tensor op: the CPU kernels and gemm run on rayon's global pool.
    rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build_global()
        .map_err(|e| format!("cannot build the rayon pool: {e}"))?;

    let gpu = if args.gpu { Some(gpu_name()?) } else { None };
    let start = Instant::now();
    let (mut results, mut skipped) = (Vec::new(), Vec::new());
    for w in args.workloads() {
        if args.only.as_ref().is_some_and(|ids| !ids.iter().any(|id| id == w.id)) {
            continue;
        }
        match w.run {
            Some(run) => {
                let records = run(args.quick).map_err(|e| format!("{}: {e}", w.name))?;
                // A workload without its input data has said why on stderr.
                if records.is_empty() {
                    skipped.push(w.name);
                }
                results.extend(records);
            }
            None => {
                eprintln!("ferrite-bench: {} ({}): not in ferrite yet, skipped", w.name, w.id);
                skipped.push(w.name);
            }
        }
    }
    let total_wall_s = start.elapsed().as_secs_f64();

    let capability = cpu_capability();
    let report = Report {
        framework: "ferrite",
        backend: match &gpu {
            Some(_) => {
                "CUDA (ferrite-cuda: cuBLAS matmul, own PTX kernels, one stream, caching allocator)".into()
            }
            None => format!(
                "CPU, capability={capability}, matmul={}, parallel=rayon",
                ferrite::core::cpu::matmul_kernels()
            ),
        },
        device: if args.gpu { "cuda:0" } else { "cpu" },
        gpu,
        versions: Versions { ferrite: env!("CARGO_PKG_VERSION") },
        cpu_model: cpu_model(),
        cpu_capability: capability,
        threads: args.threads,
        rayon_num_threads: rayon::current_num_threads(),
        os_threads_at_exit: os_threads(),
        quick: args.quick,
        dtype: "float32",
        timer: "std::time::Instant, median of timed reps after warm-up",
        dataloader_workers: ferrite::data::vision::get_dataloader_workers(),
        skipped,
        total_wall_s,
        results,
    };
    print_summary(&report);
    write_json(&args.out, &report)
}

/// GPU 0's name, or why the GPU workloads cannot run.
fn gpu_name() -> Result<String, String> {
    if !ferrite::cuda::is_built() {
        return Err("--device cuda: this ferrite-bench was built without the `cuda` feature \
                    (cargo build --release -p ferrite-bench --features cuda)"
            .into());
    }
    ferrite::cuda::init().map_err(|e| format!("--device cuda: the CUDA backend did not start: {e}"))?;
    if ferrite::cuda::device_count() == 0 {
        return Err("--device cuda: no GPU found (no driver, or no device)".into());
    }
    ferrite::cuda::get_device_name(0).map_err(|e| format!("--device cuda: {e}"))
}

fn print_summary(report: &Report) {
    println!(
        "framework=ferrite {} backend={} device={}{} threads={} (rayon={}) quick={}",
        report.versions.ferrite,
        report.backend,
        report.device,
        report.gpu.as_deref().map(|g| format!(" ({g})")).unwrap_or_default(),
        report.threads,
        report.rayon_num_threads,
        report.quick
    );
    println!(
        "{:<26} {:<34} {:>14} {:<10} {:>11} {:>5}",
        "workload", "case", "value", "unit", "median_ms", "reps"
    );
    for r in &report.results {
        let v = significant(r.value);
        println!(
            "{:<26} {:<34} {v:>14} {:<10} {:>11.3} {:>5}",
            r.workload,
            r.case,
            r.unit,
            r.median_s * 1e3,
            r.reps
        );
    }
    println!(
        "total wall time {:.1} s; OS threads in process: {:?}",
        report.total_wall_s, report.os_threads_at_exit
    );
}

/// Four significant digits below 1000, one decimal above (as torch_bench.py prints).
fn significant(v: f64) -> String {
    if v.abs() >= 1000.0 || v == 0.0 || !v.is_finite() {
        format!("{v:.1}")
    } else {
        let decimals = (3 - v.abs().log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    }
}

fn write_json(path: &std::path::Path, report: &Report) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut text =
        serde_json::to_string_pretty(report).map_err(|e| format!("cannot encode the report: {e}"))?;
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU".to_string(), |(_, m)| m.trim().to_string())
}

/// The widest SIMD level this CPU has, in the names `torch.backends.cpu.get_cpu_capability()` uses.
fn cpu_capability() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return "AVX512";
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return "AVX2";
        }
    }
    "DEFAULT"
}

fn os_threads() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix("Threads:")).and_then(|n| n.trim().parse().ok())
}
